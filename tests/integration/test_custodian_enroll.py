"""Enrollment through the custodian with the ledger attached: ca-ledger and
ca-custodian run as they will under cad (the custodian holds the ledger's
channel); this test plays the worker, sending typed SUBMIT/RETRIEVE frames. Every
step must be in the ledger in the persist-then-sign order, and every certificate
must verify with openssl against the CA."""
import hashlib
import hmac
import os
import socket
import struct
import subprocess
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

import ledger_client as lc
from conftest import BIN, run
from test_custodian_ipc import frame, recv_frame

CUST_SUBMIT, CUST_RESULT, CUST_RETRIEVE, CUST_ISSUE, CUST_ERROR = 0x120, 0x121, 0x122, 0x110, 0x1ff
CUST_REFUSED = 0x123
CUST_GET_CA, CUST_CA_INFO = 0x100, 0x101
DISP_PENDING, DISP_ISSUED, DISP_FAILED = 9, 20, 30
KEY_LENGTH, PROPERTY_EMPTY = 0x80094811, 0x80094004


def s32(b):
    return struct.pack("<I", len(b)) + b


# The identity-token key this test's custodian gets with --id-key-fd (under cad,
# cad makes one per worker start and ca-auth mints the tokens).
ID_KEY = bytes(range(32))


IDTOKEN_LOGON, IDTOKEN_SUBJECT = 1, 2


def mint(identity, logon=1, expires=None, key=ID_KEY, purpose=IDTOKEN_LOGON, version=3):
    """An identity token as ca-auth makes it (firmware/identity/idtoken.h,
    version 3: u32 version | u32 purpose | u64 logon | i64 expires | str identity |
    str upn | str email | str dns | str sid | u32 n_groups | groups |
    bytes HMAC-SHA256), here without attributes; version=2 makes the layout
    before the purpose."""
    expires = int(time.time()) + 600 if expires is None else expires
    head = (struct.pack("<IIQq", version, purpose, logon, expires) if version >= 3
            else struct.pack("<IQq", version, logon, expires))
    body = head + s32(identity.encode()) + s32(b"") * 4 + struct.pack("<I", 0)
    return body + s32(hmac.new(key, body, hashlib.sha256).digest())


def who(requester, token=None):
    """proto.h's "who": a token for a named requester, none for "anonymous@..."."""
    if token is None:
        token = b"" if requester.startswith("anonymous@") or not requester else mint(requester)
        named = requester if not token else ""
    else:
        named = requester
    return s32(token) + s32(named.encode())


def submit_payload(csr_der, requester="EXAMPLE\\alice", attributes="rmd:host1.example",
                   fmt=lc.FMT_PKCS10, token=None, flags=0, subject_token=b""):
    """The raw request and its format: the custodian derives everything else."""
    return (struct.pack("<I", fmt) + who(requester, token) + struct.pack("<I", flags) +
            s32(attributes.encode()) + s32(csr_der) + s32(subject_token))


def refused_payload(hresult, requester, message, size, sha256, peer="192.0.2.7"):
    return (struct.pack("<I", hresult) + who(requester) + s32(message.encode()) +
            struct.pack("<I", size) + s32(sha256) + s32(peer.encode()))


def decode_result(data):
    rid, disp, hr, mlen = struct.unpack_from("<IIII", data)
    msg = data[16:16 + mlen].decode()
    off = 16 + mlen
    (clen,) = struct.unpack_from("<I", data, off)
    cert = data[off + 4:off + 4 + clen]
    assert off + 4 + clen == len(data)
    return rid, disp, hr, msg, cert


class Appliance:
    """ca-ledger + ca-custodian wired together; self.sock is the worker's end."""

    def __init__(self, ca, start_up=True):
        lc_ours, lc_theirs = socket.socketpair()  # custodian <-> ledger
        self.ledger = subprocess.Popen(
            [str(BIN / "ca-ledger"), "serve", "--data", str(ca["data"]), "--fd",
             str(lc_ours.fileno())], pass_fds=[lc_ours.fileno()], stderr=subprocess.PIPE)
        self.sock, theirs = socket.socketpair()
        kr, kw = os.pipe()
        os.write(kw, ID_KEY)
        os.close(kw)
        self.custodian = subprocess.Popen(
            [str(BIN / "ca-custodian"), "serve", "--data", str(ca["data"]), "--fd",
             str(theirs.fileno()), "--ledger-fd", str(lc_theirs.fileno()), "--pin-file",
             str(ca["token"].pin_file), "--id-key-fd", str(kr)],
            pass_fds=[theirs.fileno(), lc_theirs.fileno(), kr], stderr=subprocess.PIPE)
        os.close(kr)
        for s in (lc_ours, lc_theirs, theirs):
            s.close()
        self.sock.settimeout(60)
        self.next_id = 1
        # The worker's start-up: the CA's certificate and chain, once, first.
        if start_up:
            rtype, _ = self.call(CUST_GET_CA, b"")
            assert rtype == CUST_CA_INFO

    def call(self, mtype, payload):
        mid = self.next_id
        self.next_id += 1
        self.sock.sendall(frame(mtype, mid, payload))
        rtype, rid, data = recv_frame(self.sock)
        assert rid == mid
        return rtype, data

    def submit(self, csr_der, **kw):
        rtype, data = self.call(CUST_SUBMIT, submit_payload(csr_der, **kw))
        assert rtype == CUST_RESULT, data
        return decode_result(data)

    def retrieve(self, rid, requester="EXAMPLE\\alice"):
        rtype, data = self.call(CUST_RETRIEVE, struct.pack("<I", rid) + who(requester) +
                                s32(b""))
        assert rtype == CUST_RESULT, data
        return decode_result(data)

    def stop(self):
        self.sock.close()
        rc = self.custodian.wait(timeout=30)
        self.ledger.wait(timeout=30)
        return rc


def set_policy(ca, mode):
    conf = ca["data"] / "ca.conf"
    # Issue 14: these tests' requesters choose their subjects (subject_rule).
    rule = "subject_rule = request\n" if mode == "issue" else ""
    conf.write_text(conf.read_text() + f"policy = {mode}\n" + rule)


@pytest.fixture
def appliance(root_ca):
    apps = []

    def start(policy=None, start_up=True):
        if policy:
            set_policy(root_ca, policy)
        a = Appliance(root_ca, start_up)
        apps.append(a)
        return a
    yield start
    for a in apps:
        for p in (a.custodian, a.ledger):
            if p.poll() is None:
                p.kill()
                p.wait()


def make_csr(tmp_path, name="c", key=("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256")):
    out = tmp_path / f"{name}.csr"
    run("openssl", "req", "-new", *key, "-nodes", "-keyout", tmp_path / f"{name}.key",
        "-subj", f"/CN={name}.example/O=Example", "-outform", "DER", "-out", out)
    return out.read_bytes()


def verify_with_openssl(root_ca, tmp_path, cert_der):
    pem = tmp_path / "leaf.pem"
    pem.write_bytes(x509.load_der_x509_certificate(cert_der).public_bytes(
        serialization.Encoding.PEM))
    run("openssl", "verify", "-x509_strict", "-CAfile", root_ca["data"] / "ca.crt", pem)


def journal(root_ca):
    """The journal's lines, less those the custodian writes from ca.conf at each
    start (its snapshot, the settings it imports: actor ca.conf), which
    test_settings.py checks, and the default certificate templates it installs at
    its first start (template-changed by the CA "ceremony"), which
    test_custodian_templates.py checks."""
    lines = run(BIN / "ca-ledger", "show", "--data", root_ca["data"]).stdout.splitlines()
    return [line for line in lines if line.split()[3:4] != ["ca.conf"] and
            line.split()[2:4] != ["template-changed", "ceremony"]]


def test_auto_issue_is_recorded_then_signed(appliance, root_ca, tmp_path):
    a = appliance("issue")
    rid, disp, hr, msg, cert = a.submit(make_csr(tmp_path))
    assert (rid, disp, hr, msg) == (1, DISP_ISSUED, 0, "Issued")
    verify_with_openssl(root_ca, tmp_path, cert)
    c = x509.load_der_x509_certificate(cert)
    assert c.subject.rfc4514_string() == "O=Example,CN=c.example"
    # retrieval gives the same certificate
    assert a.retrieve(rid)[4] == cert
    assert a.stop() == 0
    kinds = [line.split()[2] for line in journal(root_ca)]
    assert kinds == ["genesis", "request-received", "cert-intent", "cert-issued",
                     "disposition"]
    assert "request=1 requester=EXAMPLE\\alice" in journal(root_ca)[1]
    run(BIN / "caadm", "verify", "--data", root_ca["data"])


def test_pending_by_default_then_retrieve(appliance, root_ca, tmp_path):
    a = appliance()
    rid, disp, hr, msg, cert = a.submit(make_csr(tmp_path))
    assert (disp, msg, cert) == (DISP_PENDING, "Taken Under Submission", b"")
    assert a.retrieve(rid)[1] == DISP_PENDING
    assert a.retrieve(999)[2] == PROPERTY_EMPTY
    assert a.retrieve(0)[2] == PROPERTY_EMPTY
    a.stop()
    assert [line.split()[2] for line in journal(root_ca)][-1] == "disposition"


def test_small_key_fails_and_is_recorded(appliance, root_ca, tmp_path):
    a = appliance("issue")
    csr = make_csr(tmp_path, key=("-newkey", "rsa:1024"))
    rid, disp, hr, msg, cert = a.submit(csr)
    assert (rid, disp, hr, cert) == (1, DISP_FAILED, KEY_LENGTH, b"")
    rid2 = a.submit(make_csr(tmp_path, "d"))[0]
    assert rid2 == 2
    a.stop()
    run(BIN / "caadm", "verify", "--data", root_ca["data"])


def test_concurrent_submissions_share_commits(appliance, root_ca, tmp_path):
    a = appliance("issue")
    csr = make_csr(tmp_path)
    n = 40
    for i in range(n):
        a.sock.sendall(frame(CUST_SUBMIT, 1000 + i, submit_payload(csr)))
    seen, serials = set(), set()
    for _ in range(n):
        rtype, mid, data = recv_frame(a.sock)
        assert rtype == CUST_RESULT
        rid, disp, hr, msg, cert = decode_result(data)
        assert disp == DISP_ISSUED
        seen.add(rid)
        serials.add(x509.load_der_x509_certificate(cert).serial_number)
    assert seen == set(range(1, n + 1)) and len(serials) == n
    a.stop()
    run(BIN / "caadm", "verify", "--data", root_ca["data"])


def test_request_the_worker_refused_is_recorded_without_its_bytes(appliance, root_ca):
    a = appliance("issue")
    digest = hashlib.sha256(b"A" * 70000).digest()
    rtype, data = a.call(CUST_REFUSED, refused_payload(
        0x80070057, "anonymous@192.0.2.7", "the request is 70000 bytes", 70000, digest))
    rid, disp, hr, msg, cert = decode_result(data)
    assert (rid, disp, hr, msg, cert) == (1, DISP_FAILED, 0x80070057,
                                          "the request is 70000 bytes", b"")
    a.stop()
    lines = journal(root_ca)
    assert [line.split()[2] for line in lines][1:] == ["request-received", "disposition"]
    assert f"refused bytes=70000 sha256={digest.hex()}" in lines[1]


@pytest.mark.parametrize("mtype,payload", [
    (CUST_REFUSED, refused_payload(0, "x", "a refusal is a failure code", 1, bytes(32))),
    (CUST_REFUSED, refused_payload(0x80070057, "x", "m", 1, bytes(31))),  # not a SHA-256
    (CUST_REFUSED, refused_payload(0x80070057, "", "m", 1, bytes(32))),   # no requester
    (CUST_SUBMIT, submit_payload(b"\x30\x00", fmt=4)),                   # not a format
    (CUST_SUBMIT, submit_payload(b"\x30\x00") + b"\0"),                  # a trailing octet
])
def test_malformed_refused_or_submit_ends_the_channel(appliance, root_ca, mtype, payload):
    a = appliance()
    a.sock.sendall(frame(mtype, 1, payload))
    assert a.custodian.wait(timeout=30) != 0
    assert b"protocol violation" in a.custodian.stderr.read()


def test_worker_format_must_match_what_the_custodian_detects(appliance, root_ca, tmp_path):
    a = appliance("issue")
    rid, disp, hr, msg, cert = a.submit(make_csr(tmp_path), fmt=lc.FMT_CMS)
    assert (rid, disp, hr, cert) == (1, DISP_FAILED, 0x80091004, b"")


def test_unrecorded_issue_is_refused_with_a_ledger(appliance, root_ca):
    a = appliance("issue")
    a.sock.sendall(frame(CUST_ISSUE, 1, b"\0" * 32))
    assert a.custodian.wait(timeout=30) != 0
    assert b"protocol violation" in a.custodian.stderr.read()


def test_ledger_gone_means_no_certificate(appliance, root_ca, tmp_path):
    a = appliance("issue")
    csr = make_csr(tmp_path)
    assert a.submit(csr)[1] == DISP_ISSUED
    a.ledger.kill()
    a.ledger.wait()
    try:
        a.sock.sendall(frame(CUST_SUBMIT, 77, submit_payload(csr)))
        rtype, mid, data = recv_frame(a.sock)
    except (EOFError, ConnectionError):
        # The custodian stopped (it exits when its ledger is gone, so that cad
        # restarts the two): acceptable, nothing was issued.
        assert a.custodian.wait(timeout=30) != 0
        return
    assert rtype == CUST_ERROR
    assert b"could not record" in data


def test_worker_gone_mid_request_leaves_the_custodian_and_ledger_sound(appliance, root_ca,
                                                                      tmp_path):
    """The worker's channel closes with requests in flight (a worker killed
    mid-request): the custodian finishes and records them, ends that channel
    without dying, and the ledger verifies."""
    a = appliance("issue")
    payload = submit_payload(make_csr(tmp_path))
    for i in range(20):
        a.sock.sendall(frame(CUST_SUBMIT, 500 + i, payload))
    a.sock.close()
    assert a.custodian.wait(timeout=60) == 0, a.custodian.stderr.read()
    a.ledger.wait(timeout=30)
    run(BIN / "caadm", "verify", "--data", root_ca["data"])
    kinds = [line.split()[2] for line in journal(root_ca)]
    # every request that was received was also decided (no half-issued request)
    assert kinds.count("request-received") == kinds.count("disposition") >= 1
    assert kinds.count("cert-intent") == kinds.count("cert-issued")


CUST_AUTH_EVENT = 0x130


NTLM_REFUSED, RPC_VIOLATION, RETRIEVE_REFUSED = 1, 2, 3  # enum cust_logon


def auth_event_payload(what, peer, who, detail):
    return struct.pack("<I", what) + b"".join(s32(x.encode()) for x in (peer, who, detail))


def test_auth_event_is_journaled(appliance, root_ca):
    """CUST_AUTH_EVENT (firmware/custodian/authlog.c): a refused logon, journaled as
    a logon-refused event under the actor "unauthenticated"; the name the client
    claimed is kept in its own field, never as the actor."""
    a = appliance()
    rtype, data = a.call(CUST_AUTH_EVENT, auth_event_payload(
        NTLM_REFUSED, "192.0.2.7", "EXAMPLE\\mallory", "logon refused"))
    assert rtype == CUST_RESULT and decode_result(data)[:4] == (0, 0, 0, "recorded")
    rtype, data = a.call(CUST_AUTH_EVENT, auth_event_payload(
        RPC_VIOLATION, "192.0.2.7", "", "verifier refused"))
    assert rtype == CUST_RESULT
    a.stop()
    lines = journal(root_ca)
    assert ('logon-refused unauthenticated action=ntlm-refused peer=192.0.2.7 '
            'claimed="EXAMPLE\\mallory" detail="logon refused"') in lines[-2], lines[-2]
    assert "logon-refused unauthenticated action=rpc-violation" in lines[-1]
    assert not any("operator-action" in ln and "mallory" in ln for ln in lines)


@pytest.mark.parametrize("payload", [
    auth_event_payload(0, "192.0.2.7", "x", "no such happening"),
    auth_event_payload(5, "192.0.2.7", "x", "no such happening"),
    auth_event_payload(NTLM_REFUSED, "", "x", "empty peer"),
    auth_event_payload(NTLM_REFUSED, "192.0.2.7", "x", "d") + b"\0",     # a trailing octet
    auth_event_payload(NTLM_REFUSED, "192.0.2.7", "x", "d")[:-1],        # one short
    auth_event_payload(NTLM_REFUSED, "p", "x" * 300, "claimed over 256"),
])
def test_malformed_auth_event_ends_the_channel(appliance, root_ca, payload):
    a = appliance()
    a.sock.sendall(frame(CUST_AUTH_EVENT, 1, payload))
    assert a.custodian.wait(timeout=30) != 0
    assert b"protocol violation" in a.custodian.stderr.read()
    a.ledger.wait(timeout=30)
    # Journaled as the CA's refusal, with the reason and none of the payload.
    last = journal(root_ca)[-1]
    assert ("operator-action ca action=channel-violation target=\"worker\" REFUSED "
            'detail="malformed AUTH_EVENT"') in last, last


def test_a_compromised_worker_gets_nothing_without_proof_of_possession(appliance, root_ca,
                                                                        tmp_path):
    """Issue 12 item 6: with policy = issue, a worker that forwards a request
    whose signature does not verify (here: a real CSR with its subject swapped
    after signing) gets no certificate; the custodian checks the signature
    itself. Subject and key fields of the old SUBMIT are trailing bytes now: a
    violation."""
    a = appliance("issue")
    der = bytearray(make_csr(tmp_path, "victim"))
    i = der.find(b"victim.example")
    der[i:i + 6] = b"attack"  # same length: still well-formed DER
    rid, disp, hr, msg, cert = a.submit(bytes(der))
    assert (rid, disp, hr, cert) == (1, DISP_FAILED, 0x80090006, b""), msg
    a.stop()
    assert "cert-intent" not in "\n".join(journal(root_ca))


def test_old_submit_with_worker_fields_ends_the_channel(appliance, root_ca, tmp_path):
    a = appliance("issue")
    csr = make_csr(tmp_path)
    c = x509.load_der_x509_csr(csr)
    spki = c.public_key().public_bytes(serialization.Encoding.DER,
                                       serialization.PublicFormat.SubjectPublicKeyInfo)
    a.sock.sendall(frame(CUST_SUBMIT, 1, submit_payload(csr) + s32(c.subject.public_bytes()) +
                         s32(spki) + struct.pack("<I", 0) + s32(b"")))
    assert a.custodian.wait(timeout=30) != 0
    assert b"protocol violation" in a.custodian.stderr.read()


# ---- who asks: the worker cannot name a requester (issue 12, item 6) --------------

def test_the_requester_recorded_is_the_tokens(appliance, root_ca, tmp_path):
    a = appliance("issue")
    rid, disp, hr, msg, cert = a.submit(make_csr(tmp_path), requester="EXAMPLE\\bob")
    assert disp == DISP_ISSUED, msg
    # Its own requester retrieves it; anyone else, or nobody, is refused.
    assert a.retrieve(rid, "EXAMPLE\\bob")[1] == DISP_ISSUED
    rid2, disp, hr, msg, cert = a.retrieve(rid, "EXAMPLE\\mallory")
    assert (disp, hr, cert) == (0, 0x80070005, b""), msg
    assert a.retrieve(rid, "anonymous@192.0.2.9")[2] == 0x80070005
    a.stop()
    assert f"request={rid} requester=EXAMPLE\\bob" in "\n".join(journal(root_ca))


@pytest.mark.parametrize("what,payload", [
    ("a name without a token", lambda csr: submit_payload(csr, "EXAMPLE\\admin", token=b"")),
    ("a name beside a token", lambda csr: submit_payload(csr, "EXAMPLE\\admin",
                                                         token=mint("EXAMPLE\\alice"))),
    ("a forged token", lambda csr: submit_payload(
        csr, "", token=mint("EXAMPLE\\admin", key=bytes(32)))),
    ("an expired token", lambda csr: submit_payload(
        csr, "", token=mint("EXAMPLE\\alice", expires=int(time.time()) - 1))),
    ("a token cut short", lambda csr: submit_payload(csr, "", token=mint("EXAMPLE\\alice")[:-1])),
    # a subject token (what ca-auth mints for the account an agent's request
    # names) is never a requester's identity; nor a token of version 2
    ("a subject token as the requester", lambda csr: submit_payload(
        csr, "", token=mint("EXAMPLE\\admin", purpose=IDTOKEN_SUBJECT))),
    ("a token of version 2", lambda csr: submit_payload(
        csr, "", token=mint("EXAMPLE\\alice", version=2))),
    ("an empty anonymous", lambda csr: submit_payload(csr, "anonymous@", token=b"")),
])
def test_a_worker_cannot_name_a_requester(appliance, root_ca, tmp_path, what, payload):
    """A compromised worker's ways to name someone: each ends its channel, and
    nothing is recorded in anyone's name."""
    a = appliance("issue")
    a.sock.sendall(frame(CUST_SUBMIT, 1, payload(make_csr(tmp_path))))
    assert a.custodian.wait(timeout=30) != 0
    assert b"protocol violation" in a.custodian.stderr.read()
    a.ledger.wait(timeout=30)
    lines = journal(root_ca)
    assert not any("request-received" in ln for ln in lines), lines
    assert "channel-violation" in lines[-1]


def test_anonymous_needs_the_custodians_consent_too(appliance, root_ca, tmp_path):
    """Without icpr_allow_anonymous, a request without a logon is recorded and
    failed E_ACCESSDENIED by the custodian itself (not only by the worker)."""
    a = appliance("issue")
    rid, disp, hr, msg, cert = a.submit(make_csr(tmp_path), requester="anonymous@192.0.2.9")
    assert (disp, hr, cert) == (DISP_FAILED, 0x80070005, b""), msg
    a.stop()
    conf = root_ca["data"] / "ca.conf"
    # The custodian's rule too: an anonymous call has no packet privacy.
    conf.write_text(conf.read_text() + "icpr_allow_anonymous = 1\nicpr_enforce_encryption = 0\n")
    a = appliance()
    rid, disp, hr, msg, cert = a.submit(make_csr(tmp_path, "c2"),
                                        requester="anonymous@192.0.2.9")
    assert disp == DISP_ISSUED, msg


def test_the_custodian_enforces_the_interface_flags_itself(appliance, root_ca, tmp_path):
    """A worker that skips its own checks (this test speaks for it on the
    custodian's channel) still meets the custodian's: anonymous enrollment on but
    packet privacy required (an anonymous call has none), then MS-ICPR off."""
    conf = root_ca["data"] / "ca.conf"
    conf.write_text(conf.read_text() + "icpr_allow_anonymous = 1\n")
    a = appliance("issue")
    rid, disp, hr, msg, cert = a.submit(make_csr(tmp_path), requester="anonymous@192.0.2.9")
    assert (disp, hr, cert) == (DISP_FAILED, 0x80070005, b""), msg
    assert msg == "no logon, and packet privacy is required (icpr_enforce_encryption)", msg
    a.stop()
    conf.write_text(conf.read_text() + "icpr_no_rpc = 1\n")
    a = appliance()
    rid, disp, hr, msg, cert = a.submit(make_csr(tmp_path, "c2"))
    assert (disp, hr, msg, cert) == (DISP_FAILED, 0x80070005, "MS-ICPR is off (icpr_no_rpc)",
                                     b""), msg


def test_a_second_get_ca_ends_the_channel_and_is_journaled(appliance, root_ca, tmp_path):
    """GET_CA is the worker's once-only start-up (Appliance sent it): a second one
    is a violation of the channel's state. The channel ends, the custodian returns
    1 (under cad the worker's channel ends and cad restarts the worker), the
    violation is journaled, and a fresh channel enrolls normally."""
    a = appliance("issue")
    assert a.submit(make_csr(tmp_path))[1] == DISP_ISSUED
    a.sock.sendall(frame(CUST_GET_CA, 99))
    with pytest.raises(EOFError):
        recv_frame(a.sock)
    assert a.custodian.wait(timeout=30) == 1
    assert b"unexpected message type 256 from worker in state 1" in a.custodian.stderr.read()
    a.ledger.wait(timeout=30)
    lines = journal(root_ca)
    assert "channel-violation" in lines[-1] and "worker" in lines[-1], lines[-1]
    b = appliance()
    rid, disp, hr, msg, cert = b.submit(make_csr(tmp_path, "after"))
    assert disp == DISP_ISSUED, (disp, hex(hr), msg)
    assert b.stop() == 0
    run(BIN / "caadm", "verify", "--data", root_ca["data"])


def test_enrollment_before_the_start_up_ends_the_channel(appliance, root_ca, tmp_path):
    """Nothing before GET_CA: a SUBMIT on a fresh channel is a violation, and
    nothing of it is recorded."""
    a = appliance("issue", start_up=False)
    a.sock.sendall(frame(CUST_SUBMIT, 1, submit_payload(make_csr(tmp_path))))
    with pytest.raises(EOFError):
        recv_frame(a.sock)
    assert a.custodian.wait(timeout=30) == 1
    assert b"unexpected message type 288 from worker in state 0" in a.custodian.stderr.read()
    a.ledger.wait(timeout=30)
    assert not any("request-received" in line for line in journal(root_ca))
