"""Enrollment after the templates (issue 15), end to end: cad, ca-auth, the
worker, the custodian and the ledger; impacket's MS-ICPR client over NTLM at
packet privacy; accounts with the attributes AD would supply (caadm account
--upn --email --dns --sid --group); the five default templates the ceremony
installs. openssl and python3-asn1crypto read the certificates; neither shares
code with the CA.

Each attack class named after the AD CS research (ESC1, ESC2, ESC3, ESC6, ESC9 and
ESC10) is tried as an enrollee would try it, and must not work."""
import subprocess

import pytest
from asn1crypto import core, pem, x509

import icpr_client as ic
import ntlm_client as nc
from conftest import BIN, run
from test_admin import add_operators, caadm, init_root

CA_NAME = "Test Issuing CA"
DOM = nc.DOMAIN
USER = (f"{DOM}\\{nc.USER}", nc.PASSWORD)
HOST = (f"{DOM}\\host1$", "machine password 1")
ADMIN = (f"{DOM}\\carol", "carol's password 1")
USER_SID = "S-1-5-21-1004336348-1177238915-682003330-1104"
ADMIN_SID = "S-1-5-21-1004336348-1177238915-682003330-500"

OID_TEMPLATE = "1.3.6.1.4.1.311.21.7"
OID_SID = "1.3.6.1.4.1.311.25.2"
OID_UPN = "1.3.6.1.4.1.311.20.2.3"
HR_UNSUPPORTED_CERT_TYPE = 0x80094800
HR_NO_CERT_TYPE = 0x80094801
HR_TEMPLATE_CONFLICT = 0x80094802
HR_BAD_TEMPLATE_VERSION = 0x80094807
HR_KEY_LENGTH = 0x80094811
HR_TEMPLATE_DENIED = 0x80094012


def account(ca, name, password, *opts):
    p = subprocess.run([str(BIN / "caadm"), "account", "add", "--data", str(ca["data"]),
                        "--password-fd", "0", *opts, name], input=password + "\n",
                       text=True, capture_output=True)
    assert p.returncode == 0, p.stderr


@pytest.fixture
def ca(tmp_path, token):
    c = init_root(tmp_path, token)
    # NTLM at packet privacy only, as a domain's enrollment is
    conf = c["data"] / "ca.conf"
    conf.write_text(conf.read_text().replace("icpr_enforce_encryption = 0", "icpr_enforce_encryption = 1")
                    .replace("icpr_allow_anonymous = 1", "icpr_allow_anonymous = 0"))
    account(c, *USER, "--upn", "alice@example.test", "--email", "alice@example.test",
            "--sid", USER_SID)
    account(c, *HOST, "--dns", "host1.example.test", "--group", "Domain Computers",
            "--sid", "S-1-5-21-1004336348-1177238915-682003330-1105")
    account(c, *ADMIN, "--upn", "carol@example.test", "--sid", ADMIN_SID,
            "--group", "Domain Admins")
    return c


@pytest.fixture
def appliance(ca):
    a = ic.Appliance(ca["data"], ca["token"].pin_file)
    add_operators(ca)
    yield a
    a.stop()


def der_of_ext_v2(oid, major, minor):
    return core.Sequence(contents=core.ObjectIdentifier(oid).dump() +
                         core.Integer(major).dump() + core.Integer(minor).dump()).dump()


def upn_san(upn):
    """GeneralNames with one otherName UPN, [0] EXPLICIT UTF8String, written by hand:
    asn1crypto drops the explicit tag of an AnotherName value it is given."""
    def tlv(tag, body):
        assert len(body) < 128
        return bytes([tag, len(body)]) + body
    inner = core.ObjectIdentifier(OID_UPN).dump() + tlv(0xa0, core.UTF8String(upn).dump())
    return tlv(0x30, tlv(0xa0, inner))


def dns_san(name):
    return x509.GeneralNames([x509.GeneralName(name="dns_name", value=name)]).dump()


def make_csr(tmp, name, subject="/CN=ignored", key="ec:P-256", exts=()):
    """A PKCS#10 by the openssl CLI; exts: (oid, DER value hex) pairs."""
    cfg = tmp / f"{name}.cnf"
    lines = ["[req]", "distinguished_name = dn", "req_extensions = ext", "[dn]", "[ext]"]
    lines += [f"{oid} = DER:{hexval}" for oid, hexval in exts]
    if not exts:
        lines[2] = "# no extensions"
    cfg.write_text("\n".join(lines) + "\n")
    kind, arg = key.split(":")
    newkey = (["-newkey", "ec", "-pkeyopt", f"ec_paramgen_curve:{arg}"] if kind == "ec"
              else ["-newkey", f"rsa:{arg}"])
    out = tmp / f"{name}.der"
    run("openssl", "req", "-new", *newkey, "-nodes", "-keyout", tmp / f"{name}.key",
        "-config", cfg, "-subj", subject, "-outform", "DER", "-out", out)
    return out.read_bytes()


def enroll(a, who, der, attributes="", request_id=0):
    dce = nc.connect(ic.lookup(a.epm_port), user=who[0].split("\\")[1], password=who[1],
                     domain=DOM)
    try:
        return ic.cert_server_request(dce, CA_NAME, der, attributes=attributes,
                                      request_id=request_id)
    finally:
        dce.disconnect()


def failed(ca, rv_tuple, hresult, *words):
    """Refused with hresult, recorded as failed with it, nothing issued; the
    message names each of words."""
    rv, rid, disp, _, cert, msg = rv_tuple
    assert (rv, disp, cert) == (0, hresult, b""), (hex(rv), hex(disp), msg)
    for w in words:
        assert w in msg, msg
    show = run(BIN / "ca-ledger", "show", "--data", ca["data"]).stdout
    assert f"request={rid} failed hresult=0x{hresult:08x}" in show, show
    return msg


def issued(rv_tuple):
    rv, rid, disp, _, cert, msg = rv_tuple
    assert (rv, disp) == (0, ic.DISP_ISSUED), (hex(rv), disp, msg)
    return x509.Certificate.load(cert), msg


def pended(rv_tuple):
    rv, rid, disp, _, _, msg = rv_tuple
    assert (rv, disp) == (0, ic.DISP_UNDER_SUBMISSION), (hex(rv), disp, msg)
    return rid, msg


def ext(cert, oid):
    for e in cert["tbs_certificate"]["extensions"]:
        if e["extn_id"].dotted == oid:
            return e
    return None


def verify(ca, tmp, cert, name):
    p = tmp / f"{name}.pem"
    p.write_bytes(pem.armor("CERTIFICATE", cert.dump()))
    run("openssl", "verify", "-x509_strict", "-CAfile", ca["data"] / "ca.crt", p)
    return run("openssl", "x509", "-in", p, "-noout", "-text").stdout


def sans(cert):
    raw = raw_ext(cert, "2.5.29.17")
    if raw is None:
        return []
    out = []
    for gn in x509.GeneralNames.load(raw):
        if gn.name == "other_name":
            assert gn.chosen["type_id"].dotted == OID_UPN
            out.append(("upn", gn.chosen["value"].parse(core.UTF8String).native))
        else:
            out.append((gn.name, gn.native))
    return out


def ekus(cert):
    raw = raw_ext(cert, "2.5.29.37")
    return [] if raw is None else [o.dotted for o in x509.ExtKeyUsageSyntax.load(raw)]


def raw_ext(cert, oid):
    e = ext(cert, oid)
    return None if e is None else e["extn_value"].contents


def sid_of(cert):
    """The SID extension: GeneralNames with one otherName (25.2.1, [0] OCTET STRING)."""
    raw = raw_ext(cert, OID_SID)
    if raw is None:
        return None
    gns = x509.GeneralNames.load(raw)
    assert len(gns) == 1
    on = gns[0].chosen
    assert on["type_id"].dotted == "1.3.6.1.4.1.311.25.2.1"
    return on["value"].parse(core.OctetString).native.decode()


def template_of(cert):
    seq = core.Sequence.load(raw_ext(cert, OID_TEMPLATE))
    return (seq[0].dotted, seq[1].native, seq[2].native)


def subject_cn(cert):
    return cert.subject.native.get("common_name")


# ---- the User template ----

def test_user_names_come_from_the_account_esc1_esc6(ca, appliance, tmp_path):
    """ESC1/ESC6: the enrollee names Administrator in the subject, in a SAN
    extension and in the SAN: attribute; the certificate names the account."""
    der = make_csr(tmp_path, "u1", subject="/CN=Administrator",
                   exts=[("2.5.29.17", upn_san("administrator@example.test").hex())])
    cert, msg = issued(enroll(appliance, USER, der,
                              "CertificateTemplate:User\nSAN:upn=administrator@example.test"))
    assert "template User 1.0" in msg
    assert subject_cn(cert) == nc.USER
    assert sans(cert) == [("upn", "alice@example.test"), ("rfc822_name", "alice@example.test")]
    assert ekus(cert) == ["1.3.6.1.4.1.311.10.3.4", "1.3.6.1.5.5.7.3.4", "1.3.6.1.5.5.7.3.2"]
    # an EC key: keyEncipherment left out (RFC 5480)
    assert set(cert.key_usage_value.native) == {"digital_signature"}
    assert sid_of(cert) == USER_SID
    assert template_of(cert) == ("1.3.6.1.4.1.311.21.8.1.1", 1, 0)
    text = verify(ca, tmp_path, cert, "u1")
    assert "Administrator" not in text and "administrator@" not in text


def test_user_rsa_gets_key_encipherment(ca, appliance, tmp_path):
    der = make_csr(tmp_path, "u2", subject="/", key="rsa:2048")
    cert, _ = issued(enroll(appliance, USER, der, "CertificateTemplate:User"))
    assert set(cert.key_usage_value.native) == {"digital_signature", "key_encipherment"}


def test_requested_sid_and_agent_eku_are_not_taken_esc3_esc9(ca, appliance, tmp_path):
    """ESC9/ESC10: a request carrying another account's SID extension gets its own
    account's SID; ESC3: a requested Certificate Request Agent EKU is not granted
    by a template that does not list it."""
    forged_sid = x509.GeneralNames([x509.GeneralName(name="other_name", value={
        "type_id": "1.3.6.1.4.1.311.25.2.1",
        "value": core.OctetString(ADMIN_SID.encode())})]).dump().hex()
    eku_der = x509.ExtKeyUsageSyntax(["1.3.6.1.4.1.311.20.2.1"]).dump().hex()
    der = make_csr(tmp_path, "u3", exts=[(OID_SID, forged_sid), ("2.5.29.37", eku_der)])
    cert, _ = issued(enroll(appliance, USER, der, "CertificateTemplate:User"))
    assert sid_of(cert) == USER_SID
    assert "1.3.6.1.4.1.311.20.2.1" not in ekus(cert)


def test_template_named_by_extension_and_versions(ca, appliance, tmp_path):
    user_oid = "1.3.6.1.4.1.311.21.8.1.1"
    der = make_csr(tmp_path, "v1", exts=[(OID_TEMPLATE, der_of_ext_v2(user_oid, 1, 0).hex())])
    cert, _ = issued(enroll(appliance, USER, der))
    assert template_of(cert)[0] == user_oid
    # another major version, a newer minor: refused
    for n, (maj, mnr) in enumerate([(2, 0), (1, 5)]):
        der = make_csr(tmp_path, f"v2{n}",
                       exts=[(OID_TEMPLATE, der_of_ext_v2(user_oid, maj, mnr).hex())])
        failed(ca, enroll(appliance, USER, der), HR_BAD_TEMPLATE_VERSION, "User")
    # an older minor version is the same template, as AD CS takes it
    der = make_csr(tmp_path, "v4", exts=[(OID_TEMPLATE, der_of_ext_v2(user_oid, 1, 0).hex())])
    caadm(ca, "admin", "template", "set", "User", "validity_days=300")
    issued(enroll(appliance, USER, der))
    # the attribute and the extension name different templates: refused
    failed(ca, enroll(appliance, USER, der, "CertificateTemplate:WebServer"),
           HR_TEMPLATE_CONFLICT)


def test_unknown_template_and_denied_account(ca, appliance, tmp_path):
    failed(ca, enroll(appliance, USER, make_csr(tmp_path, "x1"),
                      "CertificateTemplate:NoSuchTemplate"),
           HR_UNSUPPORTED_CERT_TYPE, "NoSuchTemplate")
    # a user asks for the machine template; one not in Domain Admins for WebServer
    failed(ca, enroll(appliance, USER, make_csr(tmp_path, "x2"), "CertificateTemplate:Machine"),
           HR_TEMPLATE_DENIED, "Machine")
    failed(ca, enroll(appliance, USER, make_csr(tmp_path, "x3"),
                      "CertificateTemplate:WebServer"), HR_TEMPLATE_DENIED, "WebServer")
    # the attribute names a template by its OID as well
    cert, _ = issued(enroll(appliance, USER, make_csr(tmp_path, "x4"),
                            "CertificateTemplate:1.3.6.1.4.1.311.21.8.1.1"))
    assert template_of(cert)[0] == "1.3.6.1.4.1.311.21.8.1.1"


def test_machine_template(ca, appliance, tmp_path):
    der = make_csr(tmp_path, "m1", subject="/CN=dc01.example.test")
    cert, _ = issued(enroll(appliance, HOST, der, "CertificateTemplate:Machine"))
    assert subject_cn(cert) == "host1.example.test"
    assert sans(cert) == [("dns_name", "host1.example.test")]
    assert ekus(cert) == ["1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.1"]


def test_subca_key_rule(ca, appliance, tmp_path):
    """SubCA wants RSA 3072+ or P-384: a P-256 key is refused before it pends."""
    failed(ca, enroll(appliance, ADMIN, make_csr(tmp_path, "s1"), "CertificateTemplate:SubCA"),
           HR_KEY_LENGTH, "SubCA")


# ---- templates that pend, then an officer ----

def test_webserver_pends_and_keeps_the_requests_names(ca, appliance, tmp_path):
    der = make_csr(tmp_path, "w1", subject="/CN=www.example.test",
                   exts=[("2.5.29.17", dns_san("www.example.test").hex())])
    rid, msg = pended(enroll(appliance, ADMIN, der, "CertificateTemplate:WebServer"))
    assert "template WebServer 1.0" in msg
    out = caadm(ca, "officer", "resubmit", str(rid)).stdout
    assert "issued" in out.lower(), out
    cert, _ = issued(enroll(appliance, ADMIN, b"", request_id=rid))
    assert subject_cn(cert) == "www.example.test"
    assert sans(cert) == [("dns_name", "www.example.test")]
    assert ekus(cert) == ["1.3.6.1.5.5.7.3.1"]
    assert sid_of(cert) is None  # names from the request: no SID mapping
    verify(ca, tmp_path, cert, "w1")


def test_enrollment_agent_pends_then_the_officer_grants_the_agent_eku(ca, appliance,
                                                                       tmp_path):
    rid, _ = pended(enroll(appliance, ADMIN, make_csr(tmp_path, "e1"),
                           "CertificateTemplate:EnrollmentAgent"))
    # the template decides the names and purposes: an officer approves or denies
    # them, never rewrites them (the SAN a subject is rebuilt from, the EKUs)
    for oid, value in (("2.5.29.17", "hex:" + dns_san("evil.example.test").hex()),
                       ("2.5.29.37", "hex:300a06082b06010505070302")):
        p = caadm(ca, "officer", "setextension", str(rid), oid, "0", value, check=False)
        assert p.returncode != 0 and "template" in p.stdout + p.stderr, p.stdout + p.stderr
    caadm(ca, "officer", "resubmit", str(rid))
    cert, _ = issued(enroll(appliance, ADMIN, b"", request_id=rid))
    assert ekus(cert) == ["1.3.6.1.4.1.311.20.2.1"]
    assert subject_cn(cert) == "carol"
    assert sans(cert) == [("upn", "carol@example.test")]
    assert sid_of(cert) == ADMIN_SID


def test_subca_pends_then_issues_a_ca_certificate(ca, appliance, tmp_path):
    rid, _ = pended(enroll(appliance, ADMIN, make_csr(tmp_path, "sub", subject="/CN=Sub CA",
                                                      key="ec:P-384"),
                           "CertificateTemplate:SubCA"))
    caadm(ca, "officer", "resubmit", str(rid))
    cert, _ = issued(enroll(appliance, ADMIN, b"", request_id=rid))
    bc = cert.basic_constraints_value.native
    assert bc["ca"] is True and bc["path_len_constraint"] == 0
    assert set(cert.key_usage_value.native) == {"digital_signature", "key_cert_sign",
                                                "crl_sign"}
    assert subject_cn(cert) == "Sub CA"


def test_template_changed_while_pending_is_not_applied(ca, appliance, tmp_path):
    rid, _ = pended(enroll(appliance, ADMIN,
                           make_csr(tmp_path, "c1", subject="/CN=c1.test",
                                    exts=[("2.5.29.17", dns_san("c1.test").hex())]),
                           "CertificateTemplate:WebServer"))
    caadm(ca, "admin", "template", "set", "WebServer", "validity_days=400")
    p = caadm(ca, "officer", "resubmit", str(rid), check=False)
    assert p.returncode != 0 and "changed" in (p.stdout + p.stderr), p.stdout + p.stderr


# ---- requests naming no template ----

def test_no_template_follows_the_property(ca, appliance, tmp_path):
    # a new CA: the standalone policy, which pends (policy = pend)
    rid, msg = pended(enroll(appliance, USER, make_csr(tmp_path, "n1", subject="/CN=alice")))
    assert "template" not in msg
    caadm(ca, "admin", "setprop", "no_template", "refuse")
    failed(ca, enroll(appliance, USER, make_csr(tmp_path, "n2")), HR_NO_CERT_TYPE)
    caadm(ca, "admin", "setprop", "default_template", "User")
    caadm(ca, "admin", "setprop", "no_template", "default")
    cert, msg = issued(enroll(appliance, USER, make_csr(tmp_path, "n3")))
    assert "template User" in msg and subject_cn(cert) == nc.USER


def test_decisions_are_journaled_with_the_template(ca, appliance, tmp_path):
    issued(enroll(appliance, USER, make_csr(tmp_path, "j1"), "CertificateTemplate:User"))
    enroll(appliance, USER, make_csr(tmp_path, "j2"), "CertificateTemplate:Machine")
    audit = caadm(ca, "auditor", "audit", "--type", "disposition").stdout
    assert "template User 1.0" in audit and "template Machine 1.0" in audit, audit
