"""The appliance image end to end: first boot on an empty data disk (format,
token, root ceremony, CA exported), enrollment from the host over the forwarded
ports with the independent impacket client and careq, the sandbox as the guest's
/proc shows it, a clean poweroff, and a second boot from the same disk with the
ledger verified and the earlier requests still retrievable."""
import re
import subprocess

import pytest

from conftest import BIN, CA_NAME, DEMO_DOMAIN, DEMO_PASSWORD, DEMO_USER, new_data_disk, run

import dcom_client as dc  # the same stack's DCOM client (MS-WCCE over DCOM)
import icpr_client as ic  # tests/integration: python3-impacket's DCE/RPC stack
import ntlm_client as nc  # the same with NTLM credentials and packet privacy

CR_PROP_CASIGCERT = 12


def make_csr(tmp, name):
    p = subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(tmp / f"{name}.key"),
                        "-subj", f"/CN={name}", "-outform", "DER"],
                       capture_output=True, check=True)
    return p.stdout


def openssl_verify(ca_pem, cert, tmp, form="DER"):
    path = tmp / "verify.crt"
    path.write_bytes(cert)
    if form == "DER":
        run("openssl", "x509", "-inform", "DER", "-in", path, "-out", tmp / "verify.pem")
        path = tmp / "verify.pem"
    out = run("openssl", "verify", "-x509_strict", "-CAfile", ca_pem, path).stdout
    assert out.strip().endswith(": OK"), out


def careq_enroll(g, tmp, name):
    run(BIN / "careq", "new", "-subject", f"CN={name}", tmp / f"{name}.key",
        tmp / f"{name}.req")
    p = run(BIN / "careq", "submit", "-config", g.config, *g.auth, tmp / f"{name}.req",
            tmp / f"{name}.crt")
    m = re.search(r"issued: request id (\d+)", p.stdout + p.stderr)
    assert m, p.stdout + p.stderr
    return int(m.group(1)), (tmp / f"{name}.crt").read_bytes()


def dcom_enroll(g, tmp, ca_pem):
    """Windows' path (MS-WCCE over DCOM) with impacket's DCOMConnection: activation
    of CLSID_CCertRequestD through the forwarded endpoint mapper, then
    ICertRequestD2 on the port the OXID bindings name. The guest sees itself as
    10.0.2.15, which the host does not reach: the demo's ca.conf dcom_address makes
    127.0.0.1[ICPR port] the first binding (dc.object_dce connects to the first
    127.0.0.1 one and fails when there is none). Returns (request id, DER)."""
    conn = dc.connect(g.epm_port, DEMO_USER, DEMO_PASSWORD, DEMO_DOMAIN)
    iface = None
    try:
        iface = dc.activate(conn)
        addrs = [b["aNetworkAddr"].rstrip("\x00")
                 for b in iface.get_cinstance().get_string_bindings() if b["wTowerId"] == 7]
        assert addrs[0] == f"127.0.0.1[{g.icpr_port}]", addrs
        hr, rid, disp, full, cert, msg = dc.request2(iface, CA_NAME,
                                                     make_csr(tmp, "dcom.example"))
        assert (hr, disp) == (0, ic.DISP_ISSUED), msg
        assert full, "no pctbFullResponse"
        openssl_verify(ca_pem, cert, tmp)
        hr, sig = dc.get_ca_property(iface, CA_NAME, CR_PROP_CASIGCERT, dc.PROPTYPE_BINARY)
        assert hr == 0, hex(hr)
        assert sig == run("openssl", "x509", "-in", ca_pem, "-outform", "DER",
                          text=False).stdout
        assert dc.release(iface) == 0
    finally:
        if iface is not None:
            dc.close_objects(iface)
        dc.disconnect(conn)
    return rid, cert


def status_field(status, field):
    m = re.search(rf"^{field}:\s+(.*)$", status, re.M)
    assert m, f"no {field} in\n{status}"
    return m.group(1).split()


@pytest.mark.time_limit(600)
def test_enroll_sandbox_poweroff_and_second_boot(tmp_path, guests):
    data = new_data_disk(tmp_path / "data.img")

    # First boot: empty disk -> formatted, token, ceremony, CA exported.
    g = guests(tmp_path, data, "first")
    first = g.wait_ready(timeout=300)
    console = g.console_text()
    assert "empty data disk: formatting" in console
    assert "first boot: root CA ceremony" in console
    assert "-----BEGIN CERTIFICATE-----" in console  # printed on the console
    ca_pem = tmp_path / "ca.crt"
    ca_pem.write_bytes(g.ca_cert())
    run("openssl", "verify", "-x509_strict", "-CAfile", ca_pem, ca_pem)

    # Enrollment from the host: impacket (ept_map through the forwarded endpoint
    # mapper, then the ICPR port it answers) ...
    binding = ic.lookup(g.epm_port)
    assert binding.endswith(f"[{g.icpr_port}]"), binding
    # The image's default: no anonymous enrollment ...
    dce = ic.connect(binding)
    rv, _, _, _, cert, msg = nc.request(dce, CA_NAME, make_csr(tmp_path, "anon.example"))
    dce.disconnect()
    assert (rv, cert) == (ic.E_ACCESSDENIED, b""), msg
    # ... but NTLM at packet privacy, as the demo enrollee.
    dce = nc.connect(binding, user=DEMO_USER, password=DEMO_PASSWORD, domain=DEMO_DOMAIN)
    rv, rid1, disp, p7, cert1, msg = nc.request(
        dce, CA_NAME, make_csr(tmp_path, "impacket.example"))
    dce.disconnect()
    assert (rv, disp) == (0, ic.DISP_ISSUED), msg
    openssl_verify(ca_pem, cert1, tmp_path)
    # ... and careq.
    rid2, cert2 = careq_enroll(g, tmp_path, "careq.example")
    openssl_verify(ca_pem, cert2, tmp_path, form="PEM")
    assert rid2 != rid1
    # ... and over DCOM, as Windows enrolls.
    rid3, cert3 = dcom_enroll(g, tmp_path, ca_pem)
    assert rid3 not in (rid1, rid2)

    # The sandbox, from the guest's /proc: each process under its own user, with
    # no_new_privs, a seccomp filter and no capability (as tests/integration/
    # test_sandbox.py checks on the host). ca-auth joins CONFINED with one line
    # when it runs as its own user (issue 12).
    CONFINED = ("ca-worker", "ca-ledger", "ca-custodian")
    uid = {u: g.check(f"id -u {u}").strip() for u in CONFINED}
    assert len(set(uid.values())) == len(CONFINED) and "0" not in uid.values()
    for p in CONFINED:
        st = g.check(f"cat /proc/$(pidof {p})/status")
        assert status_field(st, "Uid") == [uid[p]] * 4, p
        assert status_field(st, "Seccomp") == ["2"], p
        assert status_field(st, "NoNewPrivs") == ["1"], p
        for cap in ("CapEff", "CapPrm", "CapInh", "CapAmb"):
            assert status_field(st, cap) == ["0000000000000000"], (p, cap)
    assert g.check("readlink /proc/$(pidof ca-worker)/root").strip() == "/var/empty"
    # The boot's sandbox self-test: a worker that opened a file after its sandbox
    # was up died of SIGSYS (31) and cad started the worker that serves.
    console = g.console_text()
    assert re.search(r"worker \(pid \d+\) killed by signal 31", console), console
    assert "sandbox self-test passed" in console
    # A forbidden system call in the serving worker, sent as the signal the seccomp
    # filter raises, is survived the same way: cad starts a new worker.
    pid = g.check("pidof ca-worker").strip()
    g.check(f"kill -SYS {pid}")
    g.wait_ready(timeout=60)
    assert g.check("pidof ca-worker").strip() != pid
    # The root file system is read-only; the data disk holds the state.
    rc, out = g.sh("touch /usr/x")
    assert rc != 0 and "Read-only" in out
    g.check("grep -q ' /data ext4 ' /proc/mounts")
    # caadm works on the console (as root, against the running appliance).
    assert "ledger verified" in g.check("caadm verify")
    # The console's operator verbs reach the custodian (running as ca-custodian)
    # over DATA/admin.sock: the demo administrator views the requests, publishes a
    # CRL, and the journal shows who did it.
    adm = ("caadm --data /data/ca --operator admin --passphrase-file "
           "/data/token/admin.passphrase")
    view = g.check(f"{adm} view")
    assert f"RequestID={rid1} " in view and f"RequesterName={DEMO_DOMAIN}\\{DEMO_USER}" in view, view
    assert f"RequestID={rid3} " in view, view
    assert "base CRL" in g.check(f"{adm} crl")
    g.check("test -s /data/ca/crl/ca.crl")
    # Operators need not be root: the demo's operator user (IMAGE_OPERATORS, a
    # member of ca-operators) logs in with a session file in its own home and
    # views; the socket is the group's, the PIN file stays root's.
    assert g.check("stat -c '%a %U %G' /data/ca/admin.sock").split() == \
        ["660", "root", "ca-operators"]
    g.check("su operator -c 'caadm --data /data/ca --passphrase-fd 3 login admin 3<&0' "
            "< /data/token/admin.passphrase")
    assert g.check("stat -c '%a %U' /data/home/operator/.caadm-session").split() == \
        ["600", "operator"]
    assert f"RequestID={rid1} " in g.check("su operator -c 'caadm --data /data/ca view'")
    rc, out = g.sh("su operator -c 'cat /data/token/user.pin'")
    assert rc != 0 and "Permission denied" in out
    g.check("su operator -c 'caadm --data /data/ca logout'")

    assert g.poweroff() == 0
    console = g.console_text()
    assert "cad: stopped" in console and "data disk unmounted" in console

    # Second boot from the same disk: no ceremony, the ledger verifies, the earlier
    # requests are retrievable by id.
    g2 = guests(tmp_path, data, "second")
    second = g2.wait_ready(timeout=120)
    assert "first boot" not in g2.console_text()
    assert g2.ca_cert() == ca_pem.read_bytes()
    assert "ledger verified" in g2.check("caadm verify")
    for rid, want, form in ((rid1, cert1, "DER"), (rid2, cert2, "PEM"), (rid3, cert3, "DER")):
        out = tmp_path / f"again-{rid}.crt"
        run(BIN / "careq", "retrieve", "-config", g2.config, *g2.auth, rid, out)
        got = out.read_bytes()
        if form == "DER":
            got = run("openssl", "x509", "-in", out, "-outform", "DER",
                      text=False).stdout if got.startswith(b"-----") else got
        assert got == want, rid
    assert g2.poweroff() == 0
    print(f"\nboot to ready: first boot (format, token, ceremony) {first:.1f} s, "
          f"second boot {second:.1f} s")
