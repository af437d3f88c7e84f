"""The custodian as a daemon: typed ISSUE requests over its IPC channel (spoken
here with Python's struct, independently of platform/ipc.c), certificates checked
with openssl, and protocol violations fatal for the channel."""
import socket
import struct
import subprocess

import pytest

from conftest import BIN, run

CUST_GET_CA, CUST_CA_INFO, CUST_ISSUE, CUST_ISSUED, CUST_ERROR = 0x100, 0x101, 0x110, 0x111, 0x1ff
KEY_LENGTH, BAD_SUBJECT = 0x80094811, 0x80094001


def frame(mtype, mid, payload=b"", flags=0):
    return struct.pack("<IIII", mtype, len(payload), mid, flags) + payload


def issue_payload(subject, spki, profile=1, days=30):
    s = subject.encode()
    return (struct.pack("<I", profile) + struct.pack("<I", len(s)) + s +
            struct.pack("<I", len(spki)) + spki + struct.pack("<I", days))


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def recv_frame(sock):
    mtype, length, mid, flags = struct.unpack("<IIII", recv_exact(sock, 16))
    return mtype, mid, recv_exact(sock, length)


class Custodian:
    def __init__(self, ca):
        self.sock, theirs = socket.socketpair()
        self.proc = subprocess.Popen(
            [str(BIN / "ca-custodian"), "serve", "--data", str(ca["data"]), "--fd",
             str(theirs.fileno()), "--pin-file", str(ca["token"].pin_file)],
            pass_fds=[theirs.fileno()], stderr=subprocess.PIPE, text=True)
        theirs.close()
        self.sock.settimeout(60)

    def call(self, mtype, mid, payload=b""):
        self.sock.sendall(frame(mtype, mid, payload))
        return recv_frame(self.sock)

    def close(self):
        self.sock.close()
        return self.proc.wait(timeout=30), self.proc.stderr.read()


@pytest.fixture
def custodian(root_ca):
    c = Custodian(root_ca)
    yield c
    if c.proc.poll() is None:
        c.proc.kill()
        c.proc.wait()


def spki_of(tmp_path, algo_args):
    key = tmp_path / "k.pem"
    run("openssl", "genpkey", *algo_args, "-out", key)
    return subprocess.run(["openssl", "pkey", "-in", str(key), "-pubout", "-outform", "DER"],
                          capture_output=True, check=True).stdout


def ca_der(ca):
    return subprocess.run(["openssl", "x509", "-in", str(ca["data"] / "ca.crt"),
                           "-outform", "DER"], capture_output=True, check=True).stdout


def test_get_ca_and_issue(custodian, root_ca, tmp_path):
    mtype, mid, payload = custodian.call(CUST_GET_CA, 7)
    assert (mtype, mid) == (CUST_CA_INFO, 7)
    cert_len = struct.unpack("<I", payload[:4])[0]
    assert payload[4:4 + cert_len] == ca_der(root_ca)

    spki = spki_of(tmp_path, ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
    mtype, mid, payload = custodian.call(CUST_ISSUE, 8,
                                         issue_payload("CN=alice,O=Example", spki))
    assert (mtype, mid) == (CUST_ISSUED, 8), payload
    n = struct.unpack("<I", payload[:4])[0]
    der = payload[4:4 + n]
    (tmp_path / "ee.der").write_bytes(der)
    run("openssl", "x509", "-inform", "DER", "-in", tmp_path / "ee.der", "-out",
        tmp_path / "ee.pem")
    p = run("openssl", "verify", "-x509_strict", "-CAfile", root_ca["data"] / "ca.crt",
            tmp_path / "ee.pem")
    assert p.stdout.strip().endswith(": OK")
    text = run("openssl", "x509", "-noout", "-text", "-in", tmp_path / "ee.pem").stdout
    assert "Subject: O = Example, CN = alice" in text
    assert "TLS Web Client Authentication" in text
    assert "Authority Key Identifier" in text
    assert "CA:TRUE" not in text


def test_policy_errors_are_answers_not_crashes(custodian, tmp_path):
    assert custodian.call(CUST_GET_CA, 1)[0] == CUST_CA_INFO  # the worker's start-up
    small = spki_of(tmp_path, ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"])
    mtype, mid, payload = custodian.call(CUST_ISSUE, 1, issue_payload("CN=x", small))
    assert mtype == CUST_ERROR and struct.unpack("<I", payload[:4])[0] == KEY_LENGTH
    good = spki_of(tmp_path, ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
    mtype, mid, payload = custodian.call(CUST_ISSUE, 2, issue_payload("ZZ=x", good))
    assert mtype == CUST_ERROR and struct.unpack("<I", payload[:4])[0] == BAD_SUBJECT
    mtype, mid, payload = custodian.call(CUST_ISSUE, 3, issue_payload("CN=x", b"\x30\x00"))
    assert mtype == CUST_ERROR and struct.unpack("<I", payload[:4])[0] == KEY_LENGTH
    # Still serving.
    mtype, _, _ = custodian.call(CUST_ISSUE, 4, issue_payload("CN=ok", good))
    assert mtype == CUST_ISSUED
    rc, err = custodian.close()
    assert rc == 0


# started: the worker's start-up (GET_CA, answered) comes first, so that what
# follows is judged in the channel's ready state.
@pytest.mark.parametrize("started,bad", [
    (False, frame(0x999, 1)),                                   # unknown type
    (False, frame(CUST_GET_CA, 1, b"x")),                       # GET_CA takes no payload
    (True, frame(CUST_ISSUED, 1, b"\0" * 8)),                   # a reply type from the peer
    (True, frame(CUST_ISSUE, 1, b"\0" * 12)),                   # shorter than any ISSUE
    (True, frame(CUST_ISSUE, 1, issue_payload("CN=x", b"\x30\x00") + b"extra")),  # trailing
    (True, frame(CUST_ISSUE, 1, struct.pack("<II", 1, 0xFFFFFFF0) + b"\0" * 16)),  # huge
    (False, struct.pack("<IIII", CUST_GET_CA, 0x7FFFFFFF, 1, 0)),   # length over the cap
    (False, frame(CUST_GET_CA, 1, flags=0x80)),                  # unknown flag
    (True, frame(CUST_GET_CA, 2)),                              # a second start-up
    (False, frame(CUST_ISSUE, 1, b"\0" * 32)),                  # work before the start-up
])
def test_protocol_violation_is_fatal(custodian, started, bad):
    if started:
        assert custodian.call(CUST_GET_CA, 1)[0] == CUST_CA_INFO
    custodian.sock.sendall(bad)
    rc, err = custodian.close()
    assert rc != 0
    assert "protocol violation" in err or "channel to the worker" in err, err


def test_get_ca_is_a_once_only_start_up(custodian):
    """GET_CA is the worker's start-up: answered once, before anything else. The
    second one is refused by the whitelist's state (not its length or type)."""
    assert custodian.call(CUST_GET_CA, 1)[0] == CUST_CA_INFO
    custodian.sock.sendall(frame(CUST_GET_CA, 2))
    with pytest.raises(EOFError):
        recv_frame(custodian.sock)
    rc, err = custodian.close()
    assert rc == 1
    assert "unexpected message type 256 from worker in state 1" in err, err


def test_a_broken_control_channel_ends_it_and_the_custodian(root_ca):
    """cad's control channel carries only CUST_CTL_WORKER with a descriptor and
    a 32-byte key: anything else there means cad is broken. The channel ends and
    the custodian returns with status 1 (no abort), so cad, if it lives, starts
    a fresh one."""
    ours, theirs = socket.socketpair()
    proc = subprocess.Popen(
        [str(BIN / "ca-custodian"), "serve", "--data", str(root_ca["data"]),
         "--control-fd", str(theirs.fileno()), "--pin-file", str(root_ca["token"].pin_file)],
        pass_fds=[theirs.fileno()], stderr=subprocess.PIPE, text=True)
    theirs.close()
    ours.sendall(frame(0x180, 1, b"\0" * 32))  # CUST_CTL_WORKER without its descriptor
    assert proc.wait(timeout=30) == 1
    err = proc.stderr.read()
    assert "channel to the supervisor ended" in err and "fatal" not in err, err
    ours.close()
