"""cad on a fresh machine: the build may live where the service users cannot go
(a root user's checkout under /root, mode 0700), and a data path they cannot reach
is refused at start with the path and the user named, not met later as a bare
"Permission denied" in a child."""
import os
import shutil
import subprocess

import pytest

import icpr_client as ic
from conftest import BIN, configure, issuing_ca, run

pytestmark = pytest.mark.skipif(os.geteuid() != 0,
                                reason="the service users exist only when cad runs as root")

CA_NAME = "Test Issuing CA"
OPEN = {"policy": "issue", "subject_rule": "request", "icpr_enforce_encryption": 0,
        "icpr_allow_anonymous": 1}


@pytest.fixture
def ca(tmp_path, token):
    return issuing_ca(tmp_path, token)


def private_bin(tmp_path):
    """A copy of the binaries in a directory only root can pass through, as a
    checkout under /root/ is."""
    private = tmp_path / "home"
    shutil.copytree(BIN, private / "main" / "bin")
    private.chmod(0o700)
    return private / "main" / "bin"


def test_children_start_from_a_directory_their_users_cannot_enter(ca, tmp_path):
    configure(ca, **OPEN)
    bindir = private_bin(tmp_path)
    # The oracle that the directory really is closed to them: the user ca-worker
    # (made by the earlier tests or by cad itself) cannot list it.
    a = ic.Appliance(ca["data"], ca["token"].pin_file, bin_dir=bindir)
    try:
        denied = subprocess.run(["setpriv", "--reuid=ca-custodian", "--regid=ca-custodian",
                                 "--clear-groups", "test", "-x", str(bindir / "ca-custodian")])
        assert denied.returncode != 0
        for name in ("ca-ledger", "ca-custodian", "ca-worker", "ca-auth"):
            assert len(a.pids(name)) == 1, (name, a.text())
        dce = ic.connect(ic.lookup(a.epm_port))
        csr = tmp_path / "h.der"
        run("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", tmp_path / "h.key", "-subj", "/CN=h.example", "-outform",
            "DER", "-out", csr)
        rv, rid, disp, p7, cert, msg = ic.cert_server_request(dce, CA_NAME, csr.read_bytes())
        assert (rv, disp) == (0, ic.DISP_ISSUED), msg
        assert "cannot run" not in a.text()
    finally:
        assert a.stop() == 0


def test_unreachable_data_is_refused_with_the_path_and_the_user(tmp_path, token):
    # A CA whose data directory sits below a directory closed to everyone but root.
    closed = tmp_path / "closed"
    closed.mkdir()
    data = closed / "ca"
    run(BIN / "caadm", "init", "--root", "--data", data, "--key", "ec:p256", "--subject",
        f"CN={CA_NAME}", *token.opts())
    closed.chmod(0o700)
    p = subprocess.run([str(BIN / "cad"), "--data", str(data), "--pin-file",
                        str(token.pin_file), "--epm", "127.0.0.1:0", "--icpr", "127.0.0.1:0"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode != 0
    assert f"the user ca-ledger cannot pass through {closed}, above {data}/ledger" in p.stderr, \
        p.stderr
    # Nothing was started, so nothing is listening and no child is left.
    assert "appliance up" not in p.stderr


def test_unreachable_token_is_refused_with_the_path_and_the_user(tmp_path):
    # The token below a directory closed to everyone but root: the custodian could
    # never open it. (cad gives the token directory to ca-custodian and lets it
    # through the directory right above; further up is the operator's business.)
    from conftest import Token
    vault = tmp_path / "vault"
    token = Token(vault / "token", "test-ca")
    data = tmp_path / "ca"
    run(BIN / "caadm", "init", "--root", "--data", data, "--key", "ec:p256", "--subject",
        f"CN={CA_NAME}", *token.opts())
    vault.chmod(0o700)
    p = subprocess.run([str(BIN / "cad"), "--data", str(data), "--pin-file",
                        str(token.pin_file), "--epm", "127.0.0.1:0", "--icpr", "127.0.0.1:0"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode != 0
    assert f"the user ca-custodian cannot pass through {vault}, above {vault}/token/" \
        in p.stderr, p.stderr
