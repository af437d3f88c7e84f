"""Fixtures for the integration tests: the real binaries against a SoftHSM2 token
made in a temporary directory, with the openssl CLI and pkcs11-tool as oracles."""
import os
import subprocess
from pathlib import Path

import pytest

TOP = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("CA_BUILD", TOP / "build"))
BIN = BUILD / "bin"
MODULE = "/usr/lib/softhsm/libsofthsm2.so"

# Under ASan (make SANITIZE=1): what gss-ntlmssp leaks inside OpenSSL is not ours.
os.environ.setdefault("LSAN_OPTIONS",
                      f"suppressions={Path(__file__).resolve().parent / 'lsan.supp'}")


def run(*args, check=True, **kw):
    """Runs a command, returns the CompletedProcess (text mode)."""
    p = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"{args} exited {p.returncode}\nstdout:\n{p.stdout}\n"
                             f"stderr:\n{p.stderr}")
    return p


def crl_verified(crl, cafile, *more):
    """`openssl crl -CAfile` on a DER CRL: it exits 0 even when the signature does not
    verify, so its "verify OK" is what counts. Returns the CompletedProcess."""
    p = run("openssl", "crl", "-inform", "DER", "-in", crl, "-CAfile", cafile, "-noout", *more)
    assert "verify OK" in p.stderr, f"{crl}: {p.stderr}"
    return p


class Token:
    """A SoftHSM2 token provisioned by hsm/provision-softhsm.sh."""

    def __init__(self, path: Path, label: str):
        self.path = path
        self.label = label
        run(TOP / "hsm" / "provision-softhsm.sh", path, label, BIN)
        self.conf = path / "softhsm2.conf"
        self.pin_file = path / "user.pin"
        self.pin = self.pin_file.read_text().strip()

    def opts(self):
        """caadm options naming this token and its PIN file."""
        return ["--token", self.label, "--softhsm-conf", self.conf,
                "--pin-file", self.pin_file]

    def pkcs11_tool(self, *args, check=True):
        env = dict(os.environ, SOFTHSM2_CONF=str(self.conf))
        # The PIN on argv is acceptable only here: a throw-away test token.
        return run("pkcs11-tool", "--module", MODULE, "--token-label", self.label,
                   "--login", "--pin", self.pin, *args, check=check, env=env)


@pytest.fixture(autouse=True)
def _service_users_reach(tmp_path):
    """As root, cad runs the ledger and the custodian as their own users, which
    must pass through the directories above their data (pytest makes them 0700):
    search permission only, as on the appliance's /data."""
    if os.geteuid() == 0:
        for d in [tmp_path, *tmp_path.parents]:
            if d == Path("/tmp") or d == d.parent:
                break
            d.chmod(d.stat().st_mode | 0o011)


@pytest.fixture
def token(tmp_path):
    return Token(tmp_path / "token", "test-ca")


def caadm(*args, check=True):
    return run(BIN / "caadm", *args, check=check)


@pytest.fixture
def root_ca(tmp_path, token):
    """A root CA made by the ceremony with the default key."""
    data = tmp_path / "ca"
    p = caadm("init", "--root", "--data", data, "--subject",
              "CN=Test Root CA,O=Example,C=US", *token.opts())
    return {"data": data, "token": token, "out": p.stdout}


ISSUING_CA = "Test Issuing CA"


def issuing_ca(tmp_path, token):
    """A P-256 root CA for the enrollment tests (ICPR, careq, NTLM)."""
    data = tmp_path / "ca"
    caadm("init", "--root", "--data", data, "--key", "ec:p256", "--subject",
          f"CN={ISSUING_CA},O=Example", *token.opts())
    return {"data": data, "token": token, "tmp": tmp_path}


def configure(ca, **settings):
    """Appends settings to the CA's ca.conf."""
    conf = ca["data"] / "ca.conf"
    conf.write_text(conf.read_text() + "".join(f"{k} = {v}\n" for k, v in settings.items()))


@pytest.fixture
def appliance(ca):
    """Starts cad on the module's `ca` with extra ca.conf settings; stops them all."""
    import icpr_client
    apps = []

    def start(**settings):
        configure(ca, **settings)
        a = icpr_client.Appliance(ca["data"], ca["token"].pin_file)
        apps.append(a)
        return a
    yield start
    for a in apps:
        a.stop()


REGION_DIR = Path("/dev/shm")  # CONFIG_LEDGER_REGION_DIR of the default configuration


@pytest.fixture(autouse=True)
def _ledger_regions(tmp_path):
    """Removes the ledger environments' region directories a test left behind (a
    killed ca-ledger leaves its regions for the next start, which a test's temporary
    data directory never has). Only those of the ledgers under this test's
    tmp_path (named by their region-id files): /dev/shm is shared with any other
    test run on the machine, whose live regions must not vanish under it."""
    import shutil
    yield
    for rid in tmp_path.glob("**/ledger/region-id"):
        name = rid.read_text().strip()
        if name and all(c in "0123456789abcdef" for c in name):
            shutil.rmtree(REGION_DIR / f"ca-ledger-{name}", ignore_errors=True)


@pytest.fixture(scope="module")
def kdc():
    """A private MIT realm CA.TEST on 127.0.0.1 (kdc.py: its API), one per test
    module; krb5kdc is killed and its directory removed after the module."""
    from kdc import KDC
    k = KDC()
    try:
        yield k
    finally:
        k.stop()
