"""The root ceremony: key generated in the HSM, self-signed root issued by it,
checked with openssl and pkcs11-tool as independent oracles."""
import re
import stat

import pytest

from conftest import BIN, caadm, run


def x509_text(path):
    return run("openssl", "x509", "-noout", "-text", "-in", path).stdout


def test_root_verifies_strictly(root_ca):
    crt = root_ca["data"] / "ca.crt"
    p = run("openssl", "verify", "-x509_strict", "-CAfile", crt, crt)
    assert p.stdout.strip().endswith(": OK")


def test_root_extensions(root_ca):
    text = x509_text(root_ca["data"] / "ca.crt")
    assert re.search(r"Basic Constraints: critical\s+CA:TRUE", text)
    assert re.search(r"Key Usage: critical\s+Certificate Sign, CRL Sign", text)
    assert "Subject Key Identifier" in text
    assert "Subject: C = US, O = Example, CN = Test Root CA" in text
    assert "Issuer: C = US, O = Example, CN = Test Root CA" in text
    # The default key of the defconfig: RSA-3072 with SHA-256.
    assert "Public-Key: (3072 bit)" in text
    assert "sha256WithRSAEncryption" in text


def test_root_serial_is_16_random_positive_bytes(tmp_path, token):
    serials = set()
    for i in range(2):
        d = tmp_path / f"ca{i}"
        caadm("init", "--root", "--data", d, "--key", "ec:p256", "--subject", f"CN=R{i}",
              *token.opts())
        s = run("openssl", "x509", "-noout", "-serial", "-in", d / "ca.crt").stdout
        hexs = s.strip().split("=")[1]
        assert len(hexs) == 32 and int(hexs[0], 16) < 8
        serials.add(hexs)
    assert len(serials) == 2


def test_exchange_certificate(root_ca):
    d = root_ca["data"]
    p = run("openssl", "verify", "-x509_strict", "-CAfile", d / "ca.crt", d / "xchg.crt")
    assert p.stdout.strip().endswith(": OK")
    text = x509_text(d / "xchg.crt")
    assert "1.3.6.1.4.1.311.21.5" in text
    assert re.search(r"Key Usage: critical\s+Key Encipherment", text)
    assert "CN = Test Root CA-Xchg" in text
    assert "CA:TRUE" not in text


@pytest.mark.parametrize("key,bits,alg", [
    ("rsa:2048", "2048 bit", "sha256WithRSAEncryption"),
    ("rsa:4096", "4096 bit", "sha384WithRSAEncryption"),
    ("ec:p256", "256 bit", "ecdsa-with-SHA256"),
    ("ec:p384", "384 bit", "ecdsa-with-SHA384"),
])
def test_root_key_types(tmp_path, token, key, bits, alg):
    d = tmp_path / "ca"
    caadm("init", "--root", "--data", d, "--key", key, "--days", "3650",
          "--subject", "CN=Typed Root", *token.opts())
    run("openssl", "verify", "-x509_strict", "-CAfile", d / "ca.crt", d / "ca.crt")
    text = x509_text(d / "ca.crt")
    assert bits in text and alg in text


def test_validity_after_2050_uses_generalized_time(tmp_path, token):
    d = tmp_path / "ca"
    caadm("init", "--root", "--data", d, "--key", "ec:p256", "--days", "36500",
          "--subject", "CN=Long Root", *token.opts())
    der = run("openssl", "asn1parse", "-in", d / "ca.crt").stdout
    assert "UTCTIME" in der and "GENERALIZEDTIME" in der
    run("openssl", "verify", "-x509_strict", "-CAfile", d / "ca.crt", d / "ca.crt")


def test_ceremony_prints_each_step_and_no_secret(root_ca):
    out = root_ca["out"]
    assert "generated RSA-3072 signing key" in out
    assert "exchange key" in out
    assert "self-signed root certificate" in out
    assert root_ca["token"].pin not in out


def test_token_protects_the_ca_key(root_ca):
    t = root_ca["token"]
    objs = t.pkcs11_tool("--list-objects", "--type", "privkey").stdout
    blocks = [b for b in objs.split("Private Key Object") if b.strip()]
    sign = [b for b in blocks if "ca-sign-" in b]
    xchg = [b for b in blocks if "ca-xchg-" in b]
    assert len(sign) == 1 and len(xchg) == 1
    for b in sign + xchg:
        assert re.search(r"Access:\s+sensitive, always sensitive, never extractable", b), b
    assert re.search(r"Usage:\s+sign\s*$", sign[0], re.M), sign[0]
    assert "decrypt" in xchg[0] and "sign" not in xchg[0].split("Usage:")[1].split("\n")[0]
    # pkcs11-tool cannot even try to read a private key ("not (yet) supported"), so the
    # custodian's check asks the token for CKA_PRIVATE_EXPONENT / CKA_VALUE itself and
    # reports what the token answered.
    p = caadm("check", "--data", root_ca["data"], *t.opts())
    for role in ("signing", "exchange"):
        line = next(l for l in p.stdout.splitlines() if l.startswith(f"  {role} key 'ca-"))
        assert ("sensitive, always sensitive, not extractable, never extractable, "
                "private value not readable") in line, line
    assert re.search(r"signing key .*usage: sign$", p.stdout, re.M), p.stdout
    assert re.search(r"exchange key .*usage: decrypt unwrap$", p.stdout, re.M), p.stdout


def test_state_and_files(root_ca):
    d = root_ca["data"]
    conf = (d / "ca.conf").read_text()
    assert "state = active" in conf and "type = root" in conf
    assert root_ca["token"].pin not in conf
    assert stat.S_IMODE(d.stat().st_mode) == 0o700
    p = caadm("status", "--data", d)
    assert "CN=Test Root CA,O=Example,C=US" in p.stdout


def test_check_accepts_matching_certificate(root_ca):
    t = root_ca["token"]
    p = caadm("check", "--data", root_ca["data"], "--pin-file", t.pin_file)
    assert "ready" in p.stdout


def test_refuses_second_ceremony_in_same_dir(root_ca):
    t = root_ca["token"]
    before = (root_ca["data"] / "ca.crt").read_bytes()
    p = caadm("init", "--root", "--data", root_ca["data"], *t.opts(), check=False)
    assert p.returncode != 0
    assert "already exists" in p.stderr
    assert (root_ca["data"] / "ca.crt").read_bytes() == before


def test_ceremony_starts_the_ledger(root_ca):
    """The root ceremony ends with the ledger's genesis event naming the CA."""
    p = caadm("verify", "--data", root_ca["data"])
    assert "ledger verified: 1 events" in p.stdout
    show = run(BIN / "ca-ledger", "show", "--data", root_ca["data"]).stdout
    assert show.splitlines()[0].split()[2:4] == ["genesis", "CA"]
