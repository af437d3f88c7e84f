"""A CRL with 100,000 revoked entries: built from the ledger, signed in SoftHSM,
recorded and published by the appliance, verified by openssl, and still naming a
real certificate revoked over the console. The 100,000 fillers are added to the
stopped ledger by ledger_fill (requests, intents, placeholder certificates and
revocations, each through the ledger's own rules) because issuing them for real
would take minutes; the CRL only reads the revoked set."""
import concurrent.futures
import time

import icpr_client as ic
from conftest import BUILD, BIN, crl_verified, run
from test_admin import add_operators, ca, caadm, issue_one, serial_of  # noqa: F401 (fixture)

FILLERS = 100_000


def crl_entries(path):
    """openssl's count of a DER CRL's entries."""
    text = run("openssl", "crl", "-inform", "DER", "-in", path, "-noout", "-text").stdout
    return text.count("Serial Number:")


def test_crl_with_100000_entries(ca):
    run(BUILD / "tests" / "ledger_fill", ca["data"], str(FILLERS))
    a = ic.Appliance(ca["data"], ca["token"].pin_file)
    try:
        add_operators(ca)
        _, cert = issue_one(ca, a, "scale.example")
        caadm(ca, "officer", "revoke", serial_of(cert), "keyCompromise")
        t0 = time.monotonic()
        out = caadm(ca, "officer", "crl").stdout
        took = time.monotonic() - t0
        assert f"base CRL 1 ({FILLERS + 1} entries)" in out, out
        # Bounded, not a benchmark: tests/bench/bench_crl.sh measures.
        assert took < 60, f"publishing took {took:.1f} s"
        assert "ms: ledger walk" in a.text()
        # The ledger kept the CRL: getprop reads it back, byte for byte.
        kept = ca["tmp"] / "kept.crl"
        caadm(ca, "officer", "getprop", "BaseCRL", "--out", kept)
        assert kept.read_bytes() == (ca["data"] / "crl" / "ca.crl").read_bytes()

        # A revocation made while a base CRL is being built (its walk over the
        # revoked set takes several reads) is in that CRL or in the next delta,
        # never lost between the two: revocations wait for the build.
        _, late = issue_one(ca, a, "late.example")
        with concurrent.futures.ThreadPoolExecutor(1) as ex:
            building = ex.submit(caadm, ca, "officer", "crl")
            time.sleep(0.05)
            caadm(ca, "officer", "revoke", serial_of(late), "superseded")
            assert "base CRL 2" in building.result().stdout
        assert "delta CRL 3" in caadm(ca, "officer", "crl", "--delta").stdout
        late_serial = serial_of(late).upper()
        listed = [run("openssl", "crl", "-inform", "DER", "-in", ca["data"] / "crl" / f,
                      "-noout", "-text").stdout for f in ("ca.crl", "ca-delta.crl")]
        assert any(f"Serial Number: {late_serial}" in t for t in listed)
    finally:
        a.stop()

    crl = kept  # base CRL 1
    cafile = ca["data"] / "ca.crt"
    crl_verified(crl, cafile)
    assert crl_entries(crl) == FILLERS + 1
    pem = ca["tmp"] / "scale.crl.pem"
    run("openssl", "crl", "-inform", "DER", "-in", crl, "-out", pem)
    p = run("openssl", "verify", "-crl_check", "-CAfile", cafile, "-CRLfile", pem, cert,
            check=False)
    assert p.returncode != 0 and "certificate revoked" in p.stdout + p.stderr

    got = run(BIN / "caadm", "verify", "--data", ca["data"]).stdout
    assert "ledger verified" in got
