"""careq, the Linux enrollment client: `careq new` checked by openssl, then submit and
retrieve against the appliance as cad runs it (ledger, custodian, sandboxed worker),
with openssl verifying every certificate it writes."""
import socket
import stat

import pytest

from conftest import BIN, issuing_ca, run

CA_NAME = "Test Issuing CA"
OPEN = {"policy": "issue", "subject_rule": "request", "icpr_enforce_encryption": 0,
        "icpr_allow_anonymous": 1}


@pytest.fixture
def ca(tmp_path, token):
    return issuing_ca(tmp_path, token)


def careq(*args):
    return run(BIN / "careq", *args, check=False)


def new_request(tmp, name="host1.example", key="ec:p256"):
    k, r = tmp / f"{name}.key", tmp / f"{name}.csr"
    p = careq("new", "-subject", f"CN={name},O=Example", "-key", key, k, r)
    assert p.returncode == 0, p.stderr
    return k, r


def config(a, name=CA_NAME, port=None):
    return f"127.0.0.1:{port or a.epm_port}\\{name}"


def pubkey(kind, path):
    """The PEM public key of a key, request or certificate file."""
    if kind == "pkey":
        return run("openssl", "pkey", "-in", path, "-pubout").stdout
    return run("openssl", kind, "-in", path, "-noout", "-pubkey").stdout


def check_issued(ca, p, cert, key, rid):
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout == f"issued: request id {rid}\n"
    run("openssl", "verify", "-x509_strict", "-CAfile", ca["data"] / "ca.crt", cert)
    assert pubkey("x509", cert) == pubkey("pkey", key)


@pytest.mark.parametrize("key", ["rsa:2048", "rsa:3072", "ec:p256", "ec:p384"])
def test_new_request_verifies(tmp_path, key):
    k, r = tmp_path / "k.pem", tmp_path / "r.pem"
    p = careq("new", "-subject", "CN=host1.example,O=Example", "-key", key, k, r)
    assert p.returncode == 0, p.stderr
    assert "PRIVATE" not in p.stdout + p.stderr
    assert stat.S_IMODE(k.stat().st_mode) == 0o600
    out = run("openssl", "req", "-verify", "-in", r, "-noout", "-subject")
    assert "verify OK" in out.stdout + out.stderr
    assert "CN = host1.example" in out.stdout
    text = run("openssl", "req", "-in", r, "-noout", "-text").stdout
    assert "sha256WithRSAEncryption" in text or "ecdsa-with-SHA256" in text
    assert pubkey("req", r) == pubkey("pkey", k)
    # an existing key is never replaced
    before = k.read_bytes()
    assert careq("new", "-key", key, k, tmp_path / "r2.pem").returncode == 4
    assert k.read_bytes() == before


def test_submit_issues_and_retrieve_gives_it_again(appliance, ca):
    a = appliance(**OPEN)
    key, req = new_request(ca["tmp"])
    cert = ca["tmp"] / "host1.crt"
    p = careq("submit", "-config", config(a), "-attrib",
              r"ccm:host1\nrmd:host1", req, cert)
    check_issued(ca, p, cert, key, 1)
    assert "CN = host1.example" in run("openssl", "x509", "-in", cert, "-noout",
                                       "-subject").stdout
    # DER request, and fragments both ways (256-octet fragments: the CSR goes out
    # in two, the answer with the chain comes back in about ten)
    der = ca["tmp"] / "host1.der"
    run("openssl", "req", "-in", req, "-outform", "DER", "-out", der)
    cert2 = ca["tmp"] / "host1-2.crt"
    check_issued(ca, careq("submit", "-config", config(a), "-frag", "256", der, cert2), cert2,
                 key, 2)
    again = ca["tmp"] / "again.crt"
    check_issued(ca, careq("retrieve", "-config", config(a), "-frag", "256", "1", again),
                 again, key, 1)
    assert again.read_bytes() == cert.read_bytes()
    run(BIN / "caadm", "verify", "--data", ca["data"])


def test_pending_then_retrieve(appliance, ca):
    a = appliance(icpr_enforce_encryption=0, icpr_allow_anonymous=1)  # policy pend
    _, req = new_request(ca["tmp"], key="rsa:2048")
    cert = ca["tmp"] / "pending.crt"
    p = careq("submit", "-config", config(a), req, cert)
    assert (p.returncode, p.stdout) == (3, "pending: request id 1 (Taken Under Submission)\n")
    p = careq("retrieve", "-config", config(a), "1", cert)
    assert (p.returncode, p.stdout) == (3, "pending: request id 1 (Taken Under Submission)\n")
    assert not cert.exists()
    p = careq("retrieve", "-config", config(a), "4242", cert)
    assert p.returncode == 2 and "0x80094004 (CERTSRV_E_PROPERTY_EMPTY)" in p.stdout


def test_refusals_and_failures(appliance, ca):
    a = appliance(**OPEN)
    _, req = new_request(ca["tmp"])
    cert = ca["tmp"] / "x.crt"
    p = careq("submit", "-config", config(a, "Other CA"), req, cert)
    assert p.returncode == 2
    assert "0x80070057 (E_INVALIDARG)" in p.stderr
    # a broken signature is recorded and failed: the HRESULT in pdwDisposition
    bad = ca["tmp"] / "bad.der"
    run("openssl", "req", "-in", req, "-outform", "DER", "-out", bad)
    der = bytearray(bad.read_bytes())
    der[-3] ^= 0x01  # inside the signature
    bad.write_bytes(bytes(der))
    p = careq("submit", "-config", config(a), bad, cert)
    assert p.returncode == 2
    assert p.stdout.startswith("failed: request id 1: 0x80090006 (NTE_BAD_SIGNATURE): ")
    assert not cert.exists()


def test_enforcement_refuses_with_access_denied(appliance, ca):
    # IF_ENFORCEENCRYPTICERTREQUEST on: the default
    a = appliance(policy="issue", subject_rule="request")
    _, req = new_request(ca["tmp"])
    p = careq("submit", "-config", config(a), req, ca["tmp"] / "x.crt")
    assert p.returncode == 2 and "0x80070005 (E_ACCESSDENIED)" in p.stderr


def test_wrong_port_is_a_network_error(appliance, ca, tmp_path):
    a = appliance(**OPEN)
    _, req = new_request(tmp_path)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    closed = s.getsockname()[1]
    s.close()  # nothing listens there now
    p = careq("submit", "-config", config(a, port=closed), "-timeout", "5", req,
              tmp_path / "x.crt")
    assert p.returncode == 1 and "Connection refused" in p.stderr
    # the ICPR port is not an endpoint mapper: the epm bind is refused
    p = careq("submit", "-config", config(a, port=a.icpr_port), req, tmp_path / "x.crt")
    assert p.returncode == 1 and "endpoint mapper" in p.stderr
    # a server that accepts and never answers: the timeout ends it
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        p = careq("retrieve", "-config", f"127.0.0.1:{silent.getsockname()[1]}\\{CA_NAME}",
                  "-timeout", "1", "1", tmp_path / "x.crt")
    assert p.returncode == 1 and "no answer within 1 s" in p.stderr
    p = careq("retrieve", "-config", "127.0.0.1:notaport\\CA", "1", tmp_path / "x.crt")
    assert p.returncode == 4
