"""NTLM with packet privacy on MS-ICPR, end to end: cad with ca-auth, the worker,
custodian and ledger; python3-impacket's client with NTLM credentials at each
authentication level; openssl as the oracle for certificates; the journal read
with `ca-ledger show`. Enforcement (IF_ENFORCEENCRYPTICERTREQUEST) is on: the
default."""
import subprocess
import threading
import time
from pathlib import Path

import pytest
from impacket.dcerpc.v5.rpcrt import DCERPCException

import icpr_client as ic
import ntlm_client as nc
from conftest import BIN, issuing_ca, run

CA_NAME = "Test Issuing CA"
ACCOUNT = f"{nc.DOMAIN}\\{nc.USER}"


@pytest.fixture
def ca(tmp_path, token):
    c = issuing_ca(tmp_path, token)
    add_account(c["data"], ACCOUNT, nc.PASSWORD)
    return c


def add_account(data, name, password):
    p = subprocess.run([str(BIN / "caadm"), "account", "add", "--data", str(data),
                        "--password-fd", "0", name], input=password + "\n", text=True,
                       capture_output=True)
    assert p.returncode == 0, p.stderr


def csr(tmp, name="host1.example"):
    out = tmp / f"{name}.der"
    run("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-keyout", tmp / f"{name}.key", "-subj", f"/CN={name}", "-outform", "DER",
        "-out", out)
    return out.read_bytes()


def openssl_verify(ca, cert_der):
    pem = ca["tmp"] / "leaf.pem"
    subprocess.run(["openssl", "x509", "-inform", "DER", "-out", str(pem)], input=cert_der,
                   check=True)
    run("openssl", "verify", "-x509_strict", "-CAfile", ca["data"] / "ca.crt", pem)


def journal(ca):
    return run(BIN / "ca-ledger", "show", "--data", ca["data"]).stdout.splitlines()


def assert_dropped(dce):
    """The server closed the connection (impacket itself would spin on EOF)."""
    s = dce.get_rpc_transport().get_socket()
    s.settimeout(10)
    assert s.recv(1) == b""


def binding(a):
    return ic.lookup(a.epm_port)


def still_serving(a, ca, killed_ok=False):
    """The worker survived: a fresh client at packet privacy still enrolls."""
    dce = nc.connect(binding(a))
    rv, rid, disp, p7, cert, msg = nc.request(dce, CA_NAME, csr(ca["tmp"], "after"))
    assert rv == 0 and disp in (ic.DISP_ISSUED, ic.DISP_UNDER_SUBMISSION)
    dce.disconnect()
    assert killed_ok or "killed by signal" not in a.text()


def test_privacy_enroll_issued_and_journaled(appliance, ca):
    a = appliance(policy="issue", subject_rule="request")
    dce = nc.connect(binding(a))
    rv, rid, disp, p7, cert, msg = nc.request(dce, CA_NAME, csr(ca["tmp"]))
    assert (rv, disp, msg) == (0, ic.DISP_ISSUED, "Issued")
    openssl_verify(ca, cert)
    # several calls on one connection: the sequence numbers go on
    for i in range(3):
        assert nc.request(dce, CA_NAME, csr(ca["tmp"], f"h{i}"))[2] == ic.DISP_ISSUED
    dce.disconnect()
    show = "\n".join(journal(ca))
    assert f"request={rid} requester={ACCOUNT}" in show
    assert "anonymous@" not in show
    assert f"ca-auth: logon of {ACCOUNT}" in a.text()
    run(BIN / "caadm", "verify", "--data", ca["data"])


def test_privacy_pend_then_retrieve(appliance, ca):
    a = appliance()  # policy pend: the default
    dce = nc.connect(binding(a))
    rv, rid, disp, p7, cert, msg = nc.request(dce, CA_NAME, csr(ca["tmp"]))
    assert (rv, disp, cert) == (0, ic.DISP_UNDER_SUBMISSION, b"")
    rv, rid2, disp, p7, cert, msg = nc.request(dce, CA_NAME, request_id=rid)
    assert (rv, rid2, disp) == (0, rid, ic.DISP_UNDER_SUBMISSION)
    dce.disconnect()


def test_only_the_requester_retrieves_and_the_ledger_names_the_logon(appliance, ca):
    """The requester recorded is the identity in ca-auth's token for the logon
    (the worker passes it on, it cannot write one); another account, logged on
    properly, cannot retrieve the request: E_ACCESSDENIED from the custodian."""
    add_account(ca["data"], f"{nc.DOMAIN}\\bob", "bob's password 2")
    a = appliance(policy="issue", subject_rule="request")
    dce = nc.connect(binding(a))
    rv, rid, disp, p7, cert, msg = nc.request(dce, CA_NAME, csr(ca["tmp"]))
    assert (rv, disp) == (0, ic.DISP_ISSUED)
    dce.disconnect()
    bob = nc.connect(binding(a), user="bob", password="bob's password 2")
    rv, rid2, disp, p7, cert, msg = nc.request(bob, CA_NAME, request_id=rid)
    assert (disp, cert) == (ic.E_ACCESSDENIED, b""), (hex(disp), msg)
    bob.disconnect()
    dce = nc.connect(binding(a))
    assert nc.request(dce, CA_NAME, request_id=rid)[2] == ic.DISP_ISSUED
    dce.disconnect()
    assert any(f"request={rid} requester={ACCOUNT}" in ln for ln in journal(ca))


def test_large_response_in_many_sealed_fragments(appliance, ca):
    a = appliance(policy="issue", subject_rule="request")
    dce = nc.connect(binding(a), max_recv_frag=300)
    der = csr(ca["tmp"], "a-long-name-" + "x" * 40 + ".example")
    rv, rid, disp, p7, cert, msg = nc.request(dce, CA_NAME, der)
    assert (rv, disp) == (0, ic.DISP_ISSUED)
    assert len(p7) + len(cert) > 3 * 300  # the answer took several fragments
    openssl_verify(ca, cert)
    dce.disconnect()


@pytest.mark.parametrize("level", ["connect", "integrity"])
def test_below_privacy_refused_and_journaled(appliance, ca, level):
    a = appliance(policy="issue", subject_rule="request")
    dce = nc.connect(binding(a), level=level)
    rv, rid, disp, p7, cert, msg = nc.request(dce, CA_NAME, csr(ca["tmp"]))
    assert (rv, disp, cert, p7) == (ic.E_ACCESSDENIED, ic.E_ACCESSDENIED, b"", b"")
    assert "packet privacy is required" in msg
    dce.disconnect()
    show = "\n".join(journal(ca))
    assert f"request={rid} requester={ACCOUNT}" in show
    assert f"request={rid} failed hresult=0x80070005" in show
    assert "certificate-issued" not in show
    still_serving(a, ca)


def test_without_credentials_refused(appliance, ca):
    a = appliance(policy="issue", subject_rule="request")
    dce = ic.connect(binding(a))
    rv, rid, disp, p7, cert, msg = nc.request(dce, CA_NAME, csr(ca["tmp"]))
    assert (rv, cert) == (ic.E_ACCESSDENIED, b"")
    dce.disconnect()
    assert f"request={rid} requester=anonymous@127.0.0.1" in "\n".join(journal(ca))


def test_anonymous_needs_explicit_permission(appliance, ca):
    """Enforcement off is not enough: anonymous enrollment needs icpr_allow_anonymous."""
    a = appliance(policy="issue", subject_rule="request", icpr_enforce_encryption=0)
    dce = ic.connect(binding(a))
    rv, rid, disp, p7, cert, msg = nc.request(dce, CA_NAME, csr(ca["tmp"]))
    assert (rv, cert) == (ic.E_ACCESSDENIED, b"")
    assert "anonymous enrollment is off" in msg
    dce.disconnect()
    # with enforcement off, an authenticated CONNECT-level client is accepted
    dce = nc.connect(binding(a), level="connect")
    assert nc.request(dce, CA_NAME, csr(ca["tmp"]))[2] == ic.DISP_ISSUED
    dce.disconnect()


def test_no_rpc_turns_icpr_off(appliance, ca):
    a = appliance(policy="issue", subject_rule="request", icpr_no_rpc=1)
    dce = nc.connect(binding(a))
    rv, rid, disp, p7, cert, msg = nc.request(dce, CA_NAME, csr(ca["tmp"]))
    assert (rv, cert) == (ic.E_ACCESSDENIED, b"")
    dce.disconnect()


@pytest.mark.parametrize("user,password", [(nc.USER, "wrong password"),
                                           ("mallory", nc.PASSWORD)])
def test_bad_logon_dropped_and_journaled(appliance, ca, user, password):
    a = appliance(policy="issue", subject_rule="request")
    dce = nc.connect(binding(a), user=user, password=password)
    with pytest.raises(DCERPCException) as ei:
        nc.request(dce, CA_NAME, csr(ca["tmp"]))
    assert "access_denied" in str(ei.value).lower() or "0x5" in str(ei.value)
    assert_dropped(dce)
    still_serving(a, ca)
    show = "\n".join(journal(ca))
    # Under no account's name: the claimed one is a field of its own.
    assert (f'logon-refused unauthenticated action=ntlm-refused peer=127.0.0.1 '
            in show), show
    assert f'claimed="{nc.DOMAIN}\\{user}"' in show
    assert "request-received" not in show.split("action=ntlm-refused")[0]


@pytest.mark.parametrize("where,fault,log", [
    (40, "00000721", "verifier refused"),  # inside the sealed stub: rpc_s_sec_pkg_error
    (-20, "access_denied", "without the negotiated protection"),  # auth_context_id
    (-16, "00000721", "verifier refused"),  # the verifier's version
])
def test_tampered_sealed_stub_dropped_and_journaled(appliance, ca, where, fault, log):
    a = appliance(policy="issue", subject_rule="request")
    dce = nc.connect(binding(a))
    wire = nc.Wire(dce)
    wire.flip_at = where
    with pytest.raises(DCERPCException) as ei:
        nc.request(dce, CA_NAME, csr(ca["tmp"]))
    assert fault in str(ei.value)
    assert_dropped(dce)
    a.wait_for(log)
    still_serving(a, ca)
    assert any("logon-refused unauthenticated action=rpc-violation" in l and
               f'claimed="{ACCOUNT}"' in l for l in journal(ca))
    assert "certificate-issued" not in "\n".join(journal(ca)[:-6])


def test_replayed_pdu_dropped_and_journaled(appliance, ca):
    a = appliance(policy="issue", subject_rule="request")
    dce = nc.connect(binding(a))
    wire = nc.Wire(dce)
    assert nc.request(dce, CA_NAME, csr(ca["tmp"]))[2] == ic.DISP_ISSUED
    issued = sum("certificate-issued" in l for l in journal(ca))
    wire.raw(wire.sent[-1])  # the same request again, byte for byte
    with pytest.raises(DCERPCException):
        dce.recv()
    assert_dropped(dce)
    a.wait_for("verifier refused")
    assert sum("certificate-issued" in l for l in journal(ca)) == issued
    still_serving(a, ca)
    assert any("logon-refused unauthenticated action=rpc-violation" in l for l in journal(ca))


def test_relay_reaches_only_connect_level(appliance, ca):
    """ESC11: a relay completes NTLM with the victim's AUTHENTICATE but without
    its session key. At CONNECT level it is refused by enforcement; claiming
    packet privacy it cannot seal, and is dropped. No certificate either way."""
    a = appliance(policy="issue", subject_rule="request")
    dce = nc.relay_connect(binding(a), "connect")
    rv, rid, disp, p7, cert, msg = nc.request(dce, CA_NAME, csr(ca["tmp"]))
    assert (rv, cert) == (ic.E_ACCESSDENIED, b"")
    dce.disconnect()
    dce = nc.relay_connect(binding(a), "privacy")
    with pytest.raises(DCERPCException):
        nc.request(dce, CA_NAME, csr(ca["tmp"]))
    assert_dropped(dce)
    assert "certificate-issued" not in "\n".join(journal(ca))
    still_serving(a, ca)


def test_many_authenticated_clients_at_once(appliance, ca):
    a = appliance(policy="issue", subject_rule="request")
    der = csr(ca["tmp"])
    b = binding(a)
    results, errors = [], []

    def client():
        try:
            dce = nc.connect(b)
            for _ in range(2):
                results.append(nc.request(dce, CA_NAME, der)[2])
            dce.disconnect()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))
    threads = [threading.Thread(target=client) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert results == [ic.DISP_ISSUED] * 24


def test_ca_auth_restarted_with_the_worker(appliance, ca):
    import os
    import signal
    a = appliance(policy="issue", subject_rule="request")
    (auth,) = a.pids("ca-auth")
    os.kill(auth, signal.SIGKILL)
    a.wait_for("worker started", count=2)
    time.sleep(0.5)
    assert a.pids("ca-auth") and a.pids("ca-auth") != [auth]
    still_serving(a, ca, killed_ok=True)


def careq(*args, check=True):
    return run(BIN / "careq", *args, check=check)


def test_careq_with_credentials(appliance, ca):
    a = appliance(policy="issue", subject_rule="request")
    tmp = ca["tmp"]
    careq("new", "-subject", "CN=careq-ntlm.example", "-key", "ec:p256", tmp / "k.pem",
          tmp / "r.pem")
    pw = tmp / "pw"
    pw.write_text(nc.PASSWORD + "\n")
    pw.chmod(0o600)
    config = f"127.0.0.1:{a.epm_port}\\{CA_NAME}"
    assert a.proc.poll() is None, a.text()
    p = careq("submit", "-config", config, "-user", ACCOUNT, "-password-file", pw,
              "-frag", "512", tmp / "r.pem", tmp / "c.pem")
    assert "issued" in p.stdout
    run("openssl", "verify", "-x509_strict", "-CAfile", ca["data"] / "ca.crt", tmp / "c.pem")
    assert f"requester={ACCOUNT}" in "\n".join(journal(ca))
    # The console shows the authenticated identity as the requester.
    op = tmp / "op.pass"
    op.write_text("operator-passphrase\n")
    op.chmod(0o600)
    run(BIN / "caadm", "operator-init", "admin", "--data", ca["data"], "--passphrase-file", op)
    view = run(BIN / "caadm", "--data", ca["data"], "--operator", "admin",
               "--passphrase-file", op, "view", "--restrict", "Disposition==issued").stdout
    assert f"RequesterName={ACCOUNT} " in view, view
    # without credentials: refused (exit 2, E_ACCESSDENIED)
    p = careq("submit", "-config", config, tmp / "r.pem", tmp / "c2.pem", check=False)
    assert p.returncode == 2 and "0x80070005" in p.stderr
    # a wrong password: the logon is refused, careq says so
    pw.write_text("not the password\n")
    p = careq("submit", "-config", config, "-user", ACCOUNT, "-password-file", pw,
              tmp / "r.pem", tmp / "c3.pem", check=False)
    assert p.returncode == 1 and "access_denied" in p.stderr, p.stderr


def _requesters(ca):
    import re
    return [m.group(1) for ln in journal(ca)
            for m in [re.search(r" request=\d+ requester=(\S+)", ln)] if m]


def test_one_requester_name_per_account(appliance, ca):
    """Issue 13: ca-auth names a logon by the account it found in its file, not
    as the client typed it. An empty domain, the domain, the user in capitals:
    one requester name, and the request made under one spelling is retrieved
    under another. A domain spelled in another case is refused (gss-ntlmssp
    1.2 hashes the domain as the file writes it), another domain too, and
    neither enrolls under any name."""
    a = appliance()  # policy pend: a request to retrieve later
    b = binding(a)
    dce = nc.connect(b, user="alice", domain="")
    rv, rid, disp, p7, cert, msg = nc.request(dce, CA_NAME, csr(ca["tmp"], "empty-domain"))
    assert (rv, disp) == (0, ic.DISP_UNDER_SUBMISSION), msg
    dce.disconnect()
    for user, domain in [("alice", nc.DOMAIN), ("ALICE", nc.DOMAIN), ("Alice", "")]:
        dce = nc.connect(b, user=user, domain=domain)
        assert nc.request(dce, CA_NAME, csr(ca["tmp"], user + domain))[2] == \
            ic.DISP_UNDER_SUBMISSION
        # the first request, made as "alice" without a domain, is this logon's too
        assert nc.request(dce, CA_NAME, request_id=rid)[2] == ic.DISP_UNDER_SUBMISSION
        dce.disconnect()
    assert _requesters(ca) == [ACCOUNT] * 4, journal(ca)
    for n, (user, domain) in enumerate([("alice", nc.DOMAIN.lower()), ("alice", "OTHER")]):
        dce = nc.connect(b, user=user, domain=domain)
        with pytest.raises(DCERPCException):
            nc.request(dce, CA_NAME, csr(ca["tmp"], f"refused{n}"))
        assert_dropped(dce)
    a.wait_for("ca-auth: logon refused: no account 'OTHER\\alice'")
    assert _requesters(ca) == [ACCOUNT] * 4
    log = a.text()
    assert log.count(f"ca-auth: logon of {ACCOUNT}") == 4
    assert "ca-auth: logon of alice" not in log and "logon of EXAMPLE\\ALICE" not in log


def test_user_without_domain_in_two_domains_refused(appliance, ca):
    """gss-ntlmssp checks an empty domain's logon against the first account of
    that user name in any domain: with two, ca-auth refuses rather than guess."""
    add_account(ca["data"], "OTHER\\alice", "other alice's password")
    a = appliance(policy="issue", subject_rule="request")
    dce = nc.connect(binding(a), user="alice", domain="")
    with pytest.raises(DCERPCException):
        nc.request(dce, CA_NAME, csr(ca["tmp"]))
    assert_dropped(dce)
    a.wait_for("'alice' without a domain names 2 accounts")
    dce = nc.connect(binding(a), user="alice", password="other alice's password",
                     domain="other")
    with pytest.raises(DCERPCException):  # the domain's case: see above
        nc.request(dce, CA_NAME, csr(ca["tmp"]))
    dce = nc.connect(binding(a), user="ALICE", password="other alice's password",
                     domain="OTHER")
    assert nc.request(dce, CA_NAME, csr(ca["tmp"]))[2] == ic.DISP_ISSUED
    dce.disconnect()
    assert _requesters(ca) == ["OTHER\\alice"]


CMS_BUILD = Path(__file__).resolve().parents[1] / "unit" / "support" / "cms_build.py"


def agent_cms(tmp, requester):
    """An enrollment agent's CMS request (firmware/x509/cms.h): a PKCS#10 signed by
    the agent's key, RequesterName among its signed attributes, built with
    asn1crypto (tests/unit/support/cms_build.py)."""
    if not (tmp / "agent.crt").exists():
        run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", tmp / "agent.key", "-subj", "/CN=agent", "-days", "2",
            "-out", tmp / "agent.crt")
    csr(tmp, "onbehalf.example")
    out = tmp / "agent.cms"
    run("/usr/bin/python3", CMS_BUILD, "sign", "--content", tmp / "onbehalf.example.der",
        "--signer", f"{tmp / 'agent.key'}:{tmp / 'agent.crt'}",
        "--signed-nv", f"RequesterName={requester}", "--out", out)
    return out.read_bytes()


def test_agent_request_looked_up_in_the_sandboxes(appliance, ca):
    """Issue 16: a logged-on caller's CMS naming an account. The sandboxed worker
    decodes it (cms_request_decode under its seccomp filter) and asks the jailed
    ca-auth (AUTH_LOOKUP under its filter), which finds the account and mints
    its SUBJECT token; an unknown account and a disabled one are refused there.
    Neither process is killed, and the appliance goes on serving."""
    add_account(ca["data"], f"{nc.DOMAIN}\\bob", "bob's password")
    add_account(ca["data"], f"{nc.DOMAIN}\\dave", "dave's password")
    run(BIN / "caadm", "account", "disable", "--data", ca["data"], f"{nc.DOMAIN}\\dave")
    a = appliance()
    dce = nc.connect(binding(a))
    for name in ("example\\BOB", f"{nc.DOMAIN}\\mallory", f"{nc.DOMAIN}\\dave"):
        rv = nc.request(dce, CA_NAME, agent_cms(ca["tmp"], name))[0]
        assert rv == 0
    dce.disconnect()
    a.wait_for(f"{ACCOUNT} looked up {nc.DOMAIN}\\bob (1 of 16)")
    log = a.text()
    assert f"{ACCOUNT} asks on behalf of example\\BOB" in log, log
    assert f"account look-up refused: no account '{nc.DOMAIN}\\mallory'" in log, log
    assert f"account look-up refused: the account '{nc.DOMAIN}\\dave' is disabled" in log, log
    assert "killed by signal" not in log, log
    still_serving(a, ca)
