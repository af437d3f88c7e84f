"""Least privilege of every process cad starts, read from /proc/PID/status as the
kernel sees it (a user of its own, not root; a seccomp filter; no_new_privs; no
capability), then the CA's work done with the filters on: an enrollment over
MS-ICPR, a revocation and a base CRL checked by openssl, `caadm verify`, with no
process killed on the way. And the worker's clone: a fork or a clone into a new
user namespace kills it, clone3 fails with ENOSYS, threads work."""
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

import icpr_client as ic
from conftest import BIN, REGION_DIR, Token, crl_verified, run

CA_NAME = "Test Issuing CA"
PASS = {"admin": "admin-passphrase-1", "officer": "officer-passphrase-2"}

# Every process cad starts, each of which must run confined.
CONFINED = ["ca-worker", "ca-custodian", "ca-ledger", "ca-auth"]

root_only = pytest.mark.skipif(os.geteuid() != 0,
                               reason="users and capabilities are dropped only under root")


def status_of(pid):
    """/proc/PID/status as {field: value}."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


def assert_confined(name, st):
    """Not root in any of its four uids, under a seccomp filter (mode 2), with
    no_new_privs, and no capability it could use, keep or pass on."""
    uids = st["Uid"].split()
    assert len(uids) == 4 and "0" not in uids, (name, st["Uid"])
    assert st["Seccomp"] == "2", (name, st["Seccomp"])
    assert int(st.get("Seccomp_filters", "1")) >= 1, (name, st.get("Seccomp_filters"))
    assert st["NoNewPrivs"] == "1", (name, st["NoNewPrivs"])
    for cap in ("CapEff", "CapPrm", "CapInh", "CapAmb"):
        assert st[cap] == "0000000000000000", (name, cap, st[cap])


def secret_file(tmp, name, text):
    p = tmp / f"{name}.pass"
    p.write_text(text + "\n")
    os.chmod(p, 0o600)
    return p


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    """One CA for the module (policy issue, an administrator and an officer)."""
    tmp = tmp_path_factory.mktemp("sandbox")
    if os.geteuid() == 0:  # the service users pass through (conftest does it per test)
        for d in [tmp, *tmp.parents]:
            if d == Path("/tmp") or d == d.parent:
                break
            d.chmod(d.stat().st_mode | 0o011)
    token = Token(tmp / "token", "test-ca")
    data = tmp / "ca"
    run(BIN / "caadm", "init", "--root", "--data", data, "--key", "ec:p256", "--subject",
        f"CN={CA_NAME},O=Example", *token.opts(), "--admin", "admin",
        "--admin-passphrase-file", secret_file(tmp, "admin", PASS["admin"]))
    ca = {"data": data, "token": token, "tmp": tmp}
    yield ca
    for rid in tmp.glob("**/ledger/region-id"):
        name = rid.read_text().strip()
        if name and all(c in "0123456789abcdef" for c in name):
            shutil.rmtree(REGION_DIR / f"ca-ledger-{name}", ignore_errors=True)


@pytest.fixture(scope="module")
def appliance(ca):
    conf = ca["data"] / "ca.conf"
    conf.write_text(conf.read_text() + "policy = issue\nsubject_rule = request\n"
                    "icpr_enforce_encryption = 0\n"
                    "icpr_allow_anonymous = 1\ncrl_auto = 0\n")
    a = ic.Appliance(ca["data"], ca["token"].pin_file)
    yield a
    a.stop()


@root_only
@pytest.mark.parametrize("name", CONFINED)
def test_process_is_confined(appliance, name):
    (pid,) = appliance.pids(name)
    assert_confined(name, status_of(pid))


def caadm(ca, who, *args):
    """A console verb as operator who."""
    p = run(BIN / "caadm", "--data", ca["data"], "--operator", who, "--passphrase-file",
            secret_file(ca["tmp"], who, PASS[who]), *args, check=False)
    assert p.returncode == 0, f"{args}: {p.returncode}\n{p.stdout}\n{p.stderr}"
    return p.stdout


def csr(tmp, name):
    out = tmp / f"{name}.der"
    run("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-keyout", tmp / f"{name}.key", "-subj", f"/CN={name}", "-outform", "DER",
        "-out", out)
    return out.read_bytes()


def test_the_ca_works_under_the_filters(appliance, ca):
    """Enrollment, an officer's revocation, a base CRL and the ledger's verify,
    with every filter loaded: no process is killed or restarted on the way."""
    before = {n: appliance.pids(n) for n in ("ca-worker", "ca-custodian", "ca-ledger")}
    dce = ic.connect(ic.lookup(appliance.epm_port))
    rv, rid, disp, _, cert, msg = ic.cert_server_request(dce, CA_NAME, csr(ca["tmp"], "h1"))
    dce.disconnect()
    assert (rv, disp) == (0, ic.DISP_ISSUED), msg
    pem = ca["tmp"] / "h1.crt"
    subprocess.run(["openssl", "x509", "-inform", "DER", "-out", str(pem)], input=cert,
                   check=True)
    run("openssl", "verify", "-x509_strict", "-CAfile", ca["data"] / "ca.crt", pem)

    caadm(ca, "admin", "operator", "add", "officer", "--role", "officer",
          "--new-passphrase-file", secret_file(ca["tmp"], "new-officer", PASS["officer"]))
    serial = run("openssl", "x509", "-in", pem, "-noout", "-serial").stdout.strip()
    caadm(ca, "officer", "revoke", serial.split("=")[1], "keyCompromise")
    out = caadm(ca, "officer", "crl")
    assert "base CRL" in out and "(1 entries)" in out, out
    text = crl_verified(ca["data"] / "crl" / "ca.crl", ca["data"] / "ca.crt", "-text").stdout
    assert serial.split("=")[1].upper() in text.replace(":", "").upper(), text

    run(BIN / "caadm", "verify", "--data", ca["data"])
    assert {n: appliance.pids(n) for n in before} == before, appliance.text()
    assert "killed by signal" not in appliance.text(), appliance.text()


def worker_selftest(ca, tmp_path, *probe):
    """A worker (and its custodian) started by hand with a self-test flag; its
    exit status and stderr."""
    with ic.worker_channels(ca) as fds:
        w = subprocess.run(ic.worker_args(fds, *probe), pass_fds=fds,
                           stderr=subprocess.PIPE, text=True, timeout=60)
        return w.returncode, w.stderr


@pytest.mark.parametrize("kind", ["fork", "newuser"])
def test_worker_is_killed_for_a_process_or_a_namespace(ca, tmp_path, kind):
    rc, err = worker_selftest(ca, tmp_path, "--selftest-clone", kind)
    assert rc == -signal.SIGSYS, (rc, err)


def test_worker_clone3_fails_with_enosys(ca, tmp_path):
    """clone3's flags are out of the filter's sight: refused, so glibc uses clone."""
    rc, err = worker_selftest(ca, tmp_path, "--selftest-clone", "clone3")
    assert rc == 1 and "clone3 after the sandbox returned -1 (Function not implemented)" in err, err


def test_worker_threads_still_work(ca, tmp_path):
    rc, err = worker_selftest(ca, tmp_path, "--selftest-clone", "thread")
    assert rc == 1 and "selftest: thread made and joined" in err, err


def test_worker_open_for_writing_is_killed(ca, tmp_path):
    rc, err = worker_selftest(ca, tmp_path, "--selftest-open", "/etc/hostname")
    assert rc == -signal.SIGSYS, (rc, err)
