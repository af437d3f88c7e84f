"""The subordinate flow: the CA key is generated in the HSM, a PKCS#10 request
signed there goes to a parent (here an openssl-run CA), and the parent's
certificate is installed only if it carries the HSM key and chains to the parent."""
import re

import pytest

from conftest import caadm, run

EXT = """[sub]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


@pytest.fixture
def parent(tmp_path):
    """A root CA run by openssl."""
    d = tmp_path / "parent"
    d.mkdir()
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", d / "key.pem",
        "-out", d / "ca.pem", "-days", "3650", "-subj", "/O=Parent/CN=Parent Root",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    (d / "ext.cnf").write_text(EXT)
    return d


def sign_request(parent, req, out, days=365):
    run("openssl", "x509", "-req", "-in", req, "-CA", parent / "ca.pem",
        "-CAkey", parent / "key.pem", "-set_serial", "0x1234", "-days", str(days),
        "-extfile", parent / "ext.cnf", "-extensions", "sub", "-out", out)


@pytest.fixture
def sub(tmp_path, token):
    d = tmp_path / "sub"
    req = tmp_path / "sub.req"
    p = caadm("init", "--subordinate", "--data", d, "--key", "ec:p384",
              "--subject", "CN=Issuing CA 1,O=Example", "--out", req, *token.opts())
    return {"data": d, "req": req, "token": token, "out": p.stdout}


def test_request_is_signed_in_hsm_and_verifies(sub):
    p = run("openssl", "req", "-verify", "-noout", "-text", "-in", sub["req"])
    assert "CN = Issuing CA 1" in p.stdout
    assert re.search(r"Basic Constraints: critical\s+CA:TRUE", p.stdout)
    assert "384 bit" in p.stdout
    assert "state = awaiting-cert" in (sub["data"] / "ca.conf").read_text()
    # Not active yet: the start-up check refuses.
    p = caadm("check", "--data", sub["data"], "--pin-file", sub["token"].pin_file,
              check=False)
    assert p.returncode != 0 and "not active" in p.stderr


def test_install_parent_certificate(sub, parent, tmp_path):
    cert = tmp_path / "sub.pem"
    sign_request(parent, sub["req"], cert)
    p = caadm("install-cert", cert, "--chain", parent / "ca.pem", "--data", sub["data"],
              "--pin-file", sub["token"].pin_file)
    assert "chains to a self-signed root" in p.stdout
    d = sub["data"]
    run("openssl", "verify", "-x509_strict", "-CAfile", parent / "ca.pem", d / "ca.crt")
    # ca-chain.pem holds the CA certificate and then the parent.
    chain = (d / "ca-chain.pem").read_text()
    assert chain.count("BEGIN CERTIFICATE") == 2
    # The exchange certificate is signed by the new CA key (ECDSA P-384).
    p = run("openssl", "verify", "-x509_strict", "-CAfile", parent / "ca.pem",
            "-untrusted", d / "ca.crt", d / "xchg.crt")
    assert p.stdout.strip().endswith(": OK")
    assert "ecdsa-with-SHA384" in run("openssl", "x509", "-noout", "-text", "-in",
                                      d / "xchg.crt").stdout
    assert "state = active" in (d / "ca.conf").read_text()
    caadm("check", "--data", d, "--pin-file", sub["token"].pin_file)


def test_certificate_for_another_key_is_refused(sub, parent, tmp_path):
    other_req = tmp_path / "other.req"
    run("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384",
        "-nodes", "-keyout", tmp_path / "other.key", "-subj", "/CN=Issuing CA 1",
        "-out", other_req)
    cert = tmp_path / "wrong.pem"
    sign_request(parent, other_req, cert)
    p = caadm("install-cert", cert, "--chain", parent / "ca.pem", "--data", sub["data"],
              "--pin-file", sub["token"].pin_file, check=False)
    assert p.returncode != 0
    assert "does not match the HSM signing key" in p.stderr
    assert "state = awaiting-cert" in (sub["data"] / "ca.conf").read_text()
    assert not (sub["data"] / "ca.crt").exists()


def test_certificate_not_chaining_to_given_parent_is_refused(sub, parent, tmp_path):
    cert = tmp_path / "sub.pem"
    sign_request(parent, sub["req"], cert)
    stranger = tmp_path / "stranger.pem"
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
        tmp_path / "s.key", "-out", stranger, "-days", "30", "-subj", "/CN=Stranger",
        "-addext", "basicConstraints=critical,CA:TRUE")
    p = caadm("install-cert", cert, "--chain", stranger, "--data", sub["data"],
              "--pin-file", sub["token"].pin_file, check=False)
    assert p.returncode != 0
    assert "no certificate for the issuer" in p.stderr
    assert not (sub["data"] / "ca.crt").exists()


def test_forged_parent_with_same_name_is_refused(sub, parent, tmp_path):
    """A parent certificate with the right name but another key: signatures fail."""
    cert = tmp_path / "sub.pem"
    sign_request(parent, sub["req"], cert)
    forged = tmp_path / "forged.pem"
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
        tmp_path / "f.key", "-out", forged, "-days", "30", "-subj", "/O=Parent/CN=Parent Root",
        "-addext", "basicConstraints=critical,CA:TRUE")
    p = caadm("install-cert", cert, "--chain", forged, "--data", sub["data"],
              "--pin-file", sub["token"].pin_file, check=False)
    assert p.returncode != 0
    assert "does not verify" in p.stderr
