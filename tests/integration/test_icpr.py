"""MS-ICPR enrollment end to end: cad with ledger, custodian and the sandboxed
worker; python3-impacket's DCE/RPC stack as the client (ept_map, then
CertServerRequest); openssl as the oracle for every certificate."""
import os
import signal
import socket
import subprocess
import time

import pytest
from cryptography import x509
from impacket.dcerpc.v5.rpcrt import DCERPCException

import icpr_client as ic
from conftest import BIN, issuing_ca, run

CA_NAME = "Test Issuing CA"


@pytest.fixture
def ca(tmp_path, token):
    return issuing_ca(tmp_path, token)


def csr(tmp, name="host1.example", key=("-newkey", "ec", "-pkeyopt",
                                         "ec_paramgen_curve:P-256")):
    out = tmp / f"{name}.der"
    run("openssl", "req", "-new", *key, "-nodes", "-keyout", tmp / f"{name}.key", "-subj",
        f"/CN={name}", "-outform", "DER", "-out", out)
    return out.read_bytes()


def openssl_verify(ca, cert_der):
    pem = ca["tmp"] / "leaf.pem"
    subprocess.run(["openssl", "x509", "-inform", "DER", "-out", str(pem)], input=cert_der,
                   check=True)
    run("openssl", "verify", "-x509_strict", "-CAfile", ca["data"] / "ca.crt", pem)


def enroll_dce(a):
    return ic.connect(ic.lookup(a.epm_port))


OPEN = {"policy": "issue", "subject_rule": "request", "icpr_enforce_encryption": 0,
        "icpr_allow_anonymous": 1}


def test_issue_automatically(appliance, ca):
    a = appliance(**OPEN)
    binding = ic.lookup(a.epm_port)
    assert binding == f"ncacn_ip_tcp:127.0.0.1[{a.icpr_port}]"
    dce = ic.connect(binding)
    rv, rid, disp, p7, cert, msg = ic.cert_server_request(
        dce, CA_NAME, csr(ca["tmp"]), "rmd:host1.example")
    assert (rv, rid, disp, msg) == (0, 1, ic.DISP_ISSUED, "Issued")
    openssl_verify(ca, cert)
    assert x509.load_der_x509_certificate(cert).subject.rfc4514_string() == "CN=host1.example"
    # pctbCert: certs-only PKCS#7, leaf then the CA
    listed = subprocess.run(["openssl", "pkcs7", "-inform", "DER", "-print_certs", "-noout"],
                            input=p7, capture_output=True, check=True).stdout.decode()
    assert listed.index("subject=CN = host1.example") < listed.index(f"CN = {CA_NAME}")
    # retrieval by id gives it again; the ledger verifies
    assert ic.cert_server_request(dce, CA_NAME, request_id=rid)[2:5] == (ic.DISP_ISSUED, p7,
                                                                          cert)
    run(BIN / "caadm", "verify", "--data", ca["data"])


def test_pend_then_retrieve(appliance, ca):
    a = appliance(icpr_enforce_encryption=0, icpr_allow_anonymous=1)  # policy pend
    dce = enroll_dce(a)
    rv, rid, disp, p7, cert, msg = ic.cert_server_request(dce, CA_NAME, csr(ca["tmp"]))
    assert (rv, disp, msg, p7, cert) == (0, ic.DISP_UNDER_SUBMISSION,
                                         "Taken Under Submission", b"", b"")
    assert ic.cert_server_request(dce, CA_NAME, request_id=rid)[2] == ic.DISP_UNDER_SUBMISSION
    assert ic.cert_server_request(dce, CA_NAME, request_id=4242)[2] == ic.PROPERTY_EMPTY


def test_wrong_ca_name_and_bad_cb(appliance, ca):
    a = appliance(**OPEN)
    dce = enroll_dce(a)
    assert ic.cert_server_request(dce, "Other CA", csr(ca["tmp"]))[0] == ic.E_INVALIDARG
    # pctbAttribs' cb must be the string's byte length with its NUL (MS-ICPR 3.2.4.1.1)
    padded = "rmd:host1.example\x00\x00\x00".encode("utf-16-le")
    assert ic.cert_server_request(dce, CA_NAME, csr(ca["tmp"]),
                                  attrib_raw=padded)[0] == ic.E_INVALIDARG
    # a cb that disagrees with the NDR array's count does not even decode
    with pytest.raises(DCERPCException, match="rpc_x_bad_stub_data"):
        ic.cert_server_request(dce, CA_NAME, csr(ca["tmp"]), "rmd:host1.example",
                               attrib_cb=6)
    dce = enroll_dce(a)
    # nothing was recorded for either: the next request is id 1
    assert ic.cert_server_request(dce, CA_NAME, csr(ca["tmp"]))[1] == 1


def test_broken_signature_is_recorded_and_failed(appliance, ca):
    a = appliance(**OPEN)
    dce = enroll_dce(a)
    der = bytearray(csr(ca["tmp"]))
    der[-3] ^= 0x01  # inside the signature
    rv, rid, disp, p7, cert, msg = ic.cert_server_request(dce, CA_NAME, bytes(der))
    assert (rv, rid, disp, cert) == (0, 1, ic.NTE_BAD_SIGNATURE, b"")
    # CMS is recognised but not accepted yet; still recorded
    assert ic.cert_server_request(dce, CA_NAME, b"\x30\x03\x02\x01\x00")[2] != ic.DISP_ISSUED
    a.stop()
    show = run(BIN / "ca-ledger", "show", "--data", ca["data"]).stdout
    assert "request=1" in show and "failed hresult=0x80090006" in show


def test_san_attribute_does_not_reach_the_certificate(appliance, ca):
    a = appliance(**OPEN)
    dce = enroll_dce(a)
    cert = ic.cert_server_request(dce, CA_NAME, csr(ca["tmp"]),
                                  "rmd:host1.example\nSAN:dns=evil.example&upn=admin@corp")[4]
    c = x509.load_der_x509_certificate(cert)
    with pytest.raises(x509.ExtensionNotFound):
        c.extensions.get_extension_for_class(x509.SubjectAlternativeName)


def test_unknown_opnum_gets_the_fault(appliance, ca):
    a = appliance(**OPEN)
    dce = enroll_dce(a)
    dce.call(255, b"")
    with pytest.raises(DCERPCException) as ei:
        dce.recv()
    assert "nca_s_op_rng_error" in str(ei.value) or hex(ic.NCA_S_OP_RNG_ERROR) in str(ei.value)


def test_enforcement_refuses_unauthenticated_calls(appliance, ca):
    # IF_ENFORCEENCRYPTICERTREQUEST on: the default
    a = appliance(policy="issue", subject_rule="request")
    dce = enroll_dce(a)
    rv, rid, disp, p7, cert, msg = ic.cert_server_request(dce, CA_NAME, csr(ca["tmp"]))
    assert (rv, cert) == (ic.E_ACCESSDENIED, b"")


def test_worker_killed_mid_request_is_restarted(appliance, ca):
    a = appliance(**OPEN)
    # a client that sends half a PDU, then the worker dies under it
    s = socket.create_connection(("127.0.0.1", a.icpr_port))
    s.sendall(b"\x05\x00\x0b\x03\x10\x00\x00\x00\x48\x00")
    (worker,) = a.pids("ca-worker")
    os.kill(worker, signal.SIGKILL)
    s.close()
    a.wait_for("worker started", count=2)
    time.sleep(0.5)
    dce = enroll_dce(a)
    rv, rid, disp, p7, cert, msg = ic.cert_server_request(dce, CA_NAME, csr(ca["tmp"]))
    assert (rv, disp) == (0, ic.DISP_ISSUED)
    openssl_verify(ca, cert)
    assert a.pids("ca-ledger") and a.pids("ca-custodian")
    run(BIN / "caadm", "verify", "--data", ca["data"])


def test_worker_cannot_open_files_after_start(ca, tmp_path):
    """The seccomp filter kills the worker when it opens a file after start-up."""
    # A channel per worker, as cad gives each start: GET_CA is a channel's
    # once-only start-up, so a second worker on the first one's channel would
    # be refused.
    for probe, expect_kill in (("/etc/hostname", True), (None, False)):
        with ic.worker_channels(ca) as fds:
            args = ic.worker_args(fds, *(("--selftest-open", probe) if probe else ()))
            w = subprocess.Popen(args, pass_fds=fds, stderr=subprocess.PIPE)
            if expect_kill:
                assert w.wait(timeout=30) == -signal.SIGSYS
            else:  # without the probe it serves (and is stopped here)
                time.sleep(0.5)
                assert w.poll() is None
                w.kill()
                w.wait()


def test_sixteen_concurrent_clients(appliance, ca):
    """More connections at once than glibc has arenas: the sandboxed worker must
    not die (malloc used to open /sys/devices/system/cpu/online for the 9th)."""
    import threading
    a = appliance(**OPEN)
    der = csr(ca["tmp"])
    binding = ic.lookup(a.epm_port)
    results, errors = [], []

    def client():
        try:
            dce = ic.connect(binding)
            for _ in range(3):
                results.append(ic.cert_server_request(dce, CA_NAME, der)[2])
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))
    threads = [threading.Thread(target=client) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert results == [ic.DISP_ISSUED] * 48
    assert "killed by signal" not in a.text()
    run(BIN / "caadm", "verify", "--data", ca["data"])


def test_second_ledger_server_is_refused(appliance, ca):
    a = appliance(**OPEN)
    ours, theirs = socket.socketpair()
    p = subprocess.run([str(BIN / "ca-ledger"), "serve", "--data", str(ca["data"]), "--fd",
                        str(theirs.fileno())], pass_fds=[theirs.fileno()],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode != 0 and "another ca-ledger" in p.stderr
    assert a.proc.poll() is None


@pytest.mark.skipif(os.geteuid() != 0, reason="the users are dropped to only as root")
def test_each_process_runs_as_its_own_user(appliance, ca):
    """As root, cad starts the ledger as ca-ledger and the custodian as
    ca-custodian (the worker drops to ca-worker itself); the PIN file stays root's
    and reaches the custodian as a descriptor, never named on its command line."""
    import pwd
    a = appliance(**OPEN)
    uids = {}
    for name, user in (("ca-ledger", "ca-ledger"), ("ca-custodian", "ca-custodian"),
                       ("ca-worker", "ca-worker")):
        (pid,) = a.pids(name)
        status = open(f"/proc/{pid}/status").read()
        uid = [ln.split()[1:] for ln in status.splitlines() if ln.startswith("Uid:")][0]
        assert uid == [str(pwd.getpwnam(user).pw_uid)] * 4, (name, uid)
        uids[name] = uid[0]
    assert len(set(uids.values())) == 3
    (cust,) = a.pids("ca-custodian")
    argv = open(f"/proc/{cust}/cmdline", "rb").read().split(b"\0")
    assert b"--pin-fd" in argv and str(ca["token"].pin_file).encode() not in argv
    st = ca["token"].pin_file.stat()
    assert (st.st_uid, st.st_mode & 0o077) == (0, 0)
    assert (ca["data"] / "ledger").stat().st_uid == pwd.getpwnam("ca-ledger").pw_uid
    # Enrollment works across the users, and root's ledger verbs still work on a
    # ledger that belongs to ca-ledger (ca-ledger becomes its owner).
    dce = enroll_dce(a)
    rv, rid, disp, p7, cert, msg = ic.cert_server_request(dce, CA_NAME, csr(ca["tmp"]))
    assert (rv, disp) == (0, ic.DISP_ISSUED)
    run(BIN / "caadm", "verify", "--data", ca["data"])
