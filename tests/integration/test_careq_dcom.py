"""careq -dcom (issue 17): careq activates CCertRequestD on the endpoint mapper's
port and calls ICertRequestD2 at the port the OXID bindings name, NTLM at packet
privacy; the appliance is test_templates_enroll's templates CA. openssl and
asn1crypto check what comes back (the certificate verifies against ca.crt,
CASIGCERT is ca.crt's DER)."""
import subprocess

from asn1crypto import x509

from conftest import BIN, run
from test_admin import caadm
from test_templates_enroll import ADMIN, CA_NAME, USER, appliance, ca, make_csr

assert appliance and ca  # fixtures, imported for pytest

USER_T = "CertificateTemplate:User"


def careq(*args):
    return run(BIN / "careq", *args, check=False)


def auth(tmp, who):
    p = tmp / f"pw-{who[0].split(chr(92))[1]}"
    p.write_text(who[1] + "\n")
    p.chmod(0o600)
    return ["-user", who[0], "-password-file", str(p)]


def config(a):
    return f"127.0.0.1:{a.epm_port}\\{CA_NAME}"


def der_of(path):
    return subprocess.run(["openssl", "x509", "-in", str(path), "-outform", "DER"],
                          capture_output=True, check=True).stdout


def test_submit_issues_over_dcom(ca, appliance, tmp_path):
    csr = make_csr(tmp_path, "c1")
    req = tmp_path / "c1.der"
    req.write_bytes(csr)
    cert = tmp_path / "c1.crt"
    p = careq("submit", "-config", config(appliance), "-dcom", *auth(tmp_path, USER),
              "-attrib", USER_T, req, cert)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.startswith("issued: request id ")
    run("openssl", "verify", "-x509_strict", "-CAfile", ca["data"] / "ca.crt", cert)
    leaf = x509.Certificate.load(der_of(cert))
    assert "alice@example.test" in str(leaf.subject_alt_name_value.native)
    # retrieve over DCOM gives the same certificate
    rid = p.stdout.split()[-1]
    again = tmp_path / "again.crt"
    p = careq("retrieve", "-config", config(appliance), "-dcom", *auth(tmp_path, USER),
              rid, again)
    assert p.returncode == 0, p.stdout + p.stderr
    assert der_of(again) == der_of(cert)


def test_pending_approved_then_retrieved_over_dcom(ca, appliance, tmp_path):
    req = tmp_path / "agent.der"
    req.write_bytes(make_csr(tmp_path, "agent"))
    cert = tmp_path / "agent.crt"
    p = careq("submit", "-config", config(appliance), "-dcom", *auth(tmp_path, ADMIN),
              "-attrib", "CertificateTemplate:EnrollmentAgent", req, cert)
    assert p.returncode == 3, p.stdout + p.stderr
    rid = p.stdout.split("request id ")[1].split()[0].strip(",:.")
    caadm(ca, "officer", "resubmit", rid)
    p = careq("retrieve", "-config", config(appliance), "-dcom", *auth(tmp_path, ADMIN),
              rid, cert)
    assert p.returncode == 0, p.stdout + p.stderr
    run("openssl", "verify", "-x509_strict", "-CAfile", ca["data"] / "ca.crt", cert)


def test_getcaprop(ca, appliance, tmp_path):
    out = tmp_path / "casig.der"
    p = careq("getcaprop", "-config", config(appliance), *auth(tmp_path, USER),
              "-out", out, "CASIGCERT")
    assert p.returncode == 0, p.stdout + p.stderr
    assert out.read_bytes() == der_of(ca["data"] / "ca.crt")
    p = careq("getcaprop", "-config", config(appliance), "-dcom", *auth(tmp_path, USER),
              "TEMPLATES")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "User" in p.stdout.split("\n")[0::2]
    p = careq("getcaprop", "-config", config(appliance), *auth(tmp_path, USER), "CANAME")
    assert (p.returncode, p.stdout) == (0, CA_NAME + "\n"), p.stderr
    p = careq("getcaprop", "-config", config(appliance), *auth(tmp_path, USER), "CATYPE")
    assert p.returncode == 0 and int(p.stdout) in (0, 1, 3, 4), p.stdout + p.stderr
    # an index beyond the certificates: the CA refuses (exit 2)
    p = careq("getcaprop", "-config", config(appliance), *auth(tmp_path, USER),
              "-out", out, "CASIGCERT", "7")
    assert p.returncode == 2, p.stdout + p.stderr
    # usage: a binary property needs -out; unknown names
    assert careq("getcaprop", "-config", config(appliance), "CASIGCERT").returncode == 4
    assert careq("getcaprop", "-config", config(appliance), "NOSUCH").returncode == 4


def test_refusals_over_dcom(ca, appliance, tmp_path):
    """What careq -dcom says when the appliance refuses: a wrong password (the
    activation's logon), a request id nobody made, a property without a value
    yet (no delta CRL), the exchange certificate written to a file."""
    req = tmp_path / "w.der"
    req.write_bytes(make_csr(tmp_path, "w"))
    bad = ["-user", USER[0], "-password-file", str(tmp_path / "bad")]
    (tmp_path / "bad").write_text("not the password\n")
    (tmp_path / "bad").chmod(0o600)
    p = careq("submit", "-config", config(appliance), "-dcom", *bad, "-attrib", USER_T, req,
              tmp_path / "w.crt")
    assert p.returncode != 0 and not (tmp_path / "w.crt").exists(), p.stdout + p.stderr
    p = careq("retrieve", "-config", config(appliance), "-dcom", *auth(tmp_path, USER),
              "99999", tmp_path / "none.crt")
    assert p.returncode != 0 and "0x80094004" in (p.stdout + p.stderr).lower(), \
        p.stdout + p.stderr
    p = careq("getcaprop", "-config", config(appliance), *auth(tmp_path, USER),
              "-out", tmp_path / "delta.crl", "DELTACRL")
    assert p.returncode == 2, p.stdout + p.stderr
    out = tmp_path / "xchg.der"
    p = careq("getcaprop", "-config", config(appliance), *auth(tmp_path, USER),
              "-out", out, "CAXCHGCERT")
    assert p.returncode == 0, p.stdout + p.stderr
    assert out.read_bytes() == der_of(ca["data"] / "xchg.crt")


def test_bindings_name_another_host_first(ca, tmp_path):
    """With dcom_address naming a host careq did not use, the OXID bindings list
    it first: careq passes over it to the binding of the address it reached."""
    import icpr_client as ic
    conf = ca["data"] / "ca.conf"
    conf.write_text(conf.read_text() + "dcom_address = ca.example.test\n")
    a = ic.Appliance(ca["data"], ca["token"].pin_file)
    try:
        req = tmp_path / "h.der"
        req.write_bytes(make_csr(tmp_path, "h"))
        cert = tmp_path / "h.crt"
        p = careq("submit", "-config", config(a), "-dcom", *auth(tmp_path, USER),
                  "-attrib", USER_T, req, cert)
        assert p.returncode == 0, p.stdout + p.stderr
        run("openssl", "verify", "-x509_strict", "-CAfile", ca["data"] / "ca.crt", cert)
    finally:
        a.stop()
