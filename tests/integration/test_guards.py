"""Issue 14's guard rails for automatic issuance, end to end through cad, ca-auth,
the sandboxed worker, the custodian and the ledger. Requests are made by careq, by
openssl, or byte by byte here (a tiny DER writer; python3-cryptography signs, and
`openssl req -verify` confirms each is a well-signed PKCS#10, or, for the strings
openssl will not load, python3-cryptography checks the signature: a refusal is
never a bad signature in disguise). They are sent by careq and by impacket, as the
account EXAMPLE\\alice at packet privacy or anonymously; certificates are read with
openssl and python3-cryptography; the journal with `ca-ledger show`.

What each test tries is what a hostile enrollee would: another account's name or
the CA's own name as subject, characters that hide or reorder text, strings that
are not strings, and the purposes that act for others."""
import os
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

import icpr_client as ic
import ntlm_client as nc
from conftest import BIN, ISSUING_CA, run

CA_NAME = ISSUING_CA
ACCOUNT = f"{nc.DOMAIN}\\{nc.USER}"  # EXAMPLE\alice
BAD_SUBJECT = 0x80094001       # CERTSRV_E_BAD_REQUESTSUBJECT
WRONG_USAGE = 0x800B0110       # CERT_E_WRONG_USAGE
ANON = {"icpr_enforce_encryption": 0, "icpr_allow_anonymous": 1}
PASS = {"admin": "admin passphrase 1", "officer": "officer passphrase 1"}
ACCOUNT_RULE = ("subject_rule = account: the subject must be CN=alice (the account's "
                "name) and nothing else")
CA_NAME_MSG = ("the request's subject is the CA's own name: a certificate's subject "
               "may never be its issuer's")

# ---- DER, written by hand (what the CA's own name parser would refuse to write) ----


def tlv(tag, content):
    n = len(content)
    if n < 0x80:
        head = bytes([n])
    elif n < 0x100:
        head = bytes([0x81, n])
    else:
        head = bytes([0x82, n >> 8, n & 0xff])
    return bytes([tag]) + head + content


OID = {"CN": b"\x55\x04\x03", "O": b"\x55\x04\x0a"}
UPN = b"\x2b\x06\x01\x04\x01\x82\x37\x14\x02\x03"
EKU = {"any": b"\x55\x1d\x25\x00", "agent": b"\x2b\x06\x01\x04\x01\x82\x37\x14\x02\x01",
       "kra": b"\x2b\x06\x01\x04\x01\x82\x37\x15\x06",
       "codeSigning": b"\x2b\x06\x01\x05\x05\x07\x03\x03"}
EKU_DOTTED = {"any": "2.5.29.37.0", "agent": "1.3.6.1.4.1.311.20.2.1",
              "kra": "1.3.6.1.4.1.311.21.6", "codeSigning": "1.3.6.1.5.5.7.3.3"}


def name(*rdns):
    """rdns: (attribute, tag, value bytes), most significant first."""
    return tlv(0x30, b"".join(
        tlv(0x31, tlv(0x30, tlv(0x06, OID[a]) + tlv(tag, v))) for a, tag, v in rdns))


def utf8_cn(value, o=None):
    rdns = ([("O", 0x0c, o)] if o is not None else []) + [("CN", 0x0c, value)]
    return name(*rdns)


def ext(oid, value):
    """One Extension (not critical)."""
    return tlv(0x30, tlv(0x06, oid) + tlv(0x04, value))


def san(*entries):
    return ext(b"\x55\x1d\x11", tlv(0x30, b"".join(entries)))


def upn(value):
    return tlv(0xa0, tlv(0x06, UPN) + tlv(0xa0, tlv(0x0c, value)))


def eku(*which):
    return ext(b"\x55\x1d\x25", tlv(0x30, b"".join(tlv(0x06, EKU[w]) for w in which)))


def make_csr(tmp, subject, exts=()):
    """A PKCS#10 request for the DER subject with an extensionRequest of exts,
    signed with a new P-256 key; openssl must find it well-signed."""
    key = ec.generate_private_key(ec.SECP256R1())
    spki = key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    attrs = b""
    if exts:
        ext_req = tlv(0x06, b"\x2a\x86\x48\x86\xf7\x0d\x01\x09\x0e")  # 1.2.840.113549.1.9.14
        attrs = tlv(0x30, ext_req + tlv(0x31, tlv(0x30, b"".join(exts))))
    info = tlv(0x30, b"\x02\x01\x00" + subject + spki + tlv(0xa0, attrs))
    sig = key.sign(info, ec.ECDSA(hashes.SHA256()))
    alg = tlv(0x30, tlv(0x06, b"\x2a\x86\x48\xce\x3d\x04\x03\x02"))  # ecdsa-with-SHA256
    der = tlv(0x30, info + alg + tlv(0x03, b"\x00" + sig))
    path = tmp / f"raw{len(list(tmp.glob('raw*.der')))}.der"
    path.write_bytes(der)
    p = run("openssl", "req", "-inform", "DER", "-in", path, "-noout", "-verify", check=False)
    if "illegal characters" in p.stderr or "invalid utf8string" in p.stderr:
        # openssl will not even load a name with invalid strings: the signature
        # over the bytes is checked with python3-cryptography instead.
        key.public_key().verify(sig, info, ec.ECDSA(hashes.SHA256()))
    else:
        assert p.returncode == 0 and "verify OK" in (p.stdout + p.stderr), p.stderr
    return der


# ---- the appliance ----


def secret_file(tmp, who, text):
    p = tmp / f"{who}.pass"
    p.write_text(text + "\n")
    os.chmod(p, 0o600)
    return p


@pytest.fixture
def ca(tmp_path, token):
    """A root CA with an administrator and the account EXAMPLE\\alice."""
    data = tmp_path / "ca"
    run(BIN / "caadm", "init", "--root", "--data", data, "--key", "ec:p256", "--subject",
        f"CN={CA_NAME},O=Example", *token.opts(), "--admin", "admin",
        "--admin-passphrase-file", secret_file(tmp_path, "admin", PASS["admin"]))
    p = subprocess.run([str(BIN / "caadm"), "account", "add", "--data", str(data),
                        "--password-fd", "0", ACCOUNT], input=nc.PASSWORD + "\n", text=True,
                       capture_output=True)
    assert p.returncode == 0, p.stderr
    return {"data": data, "token": token, "tmp": tmp_path}


def add_officer(ca):
    """The administrator makes an officer (through the console: cad runs)."""
    caadm(ca, "admin", "operator", "add", "officer", "--role", "officer",
          "--new-passphrase-file", secret_file(ca["tmp"], "new-officer", PASS["officer"]))


def caadm(ca, who, *args, check=True):
    p = run(BIN / "caadm", "--data", ca["data"], "--operator", who, "--passphrase-file",
            secret_file(ca["tmp"], who, PASS[who]), *args, check=False)
    if check:
        assert p.returncode == 0, f"{args}: {p.returncode}\n{p.stdout}\n{p.stderr}"
    return p


def enroll(a, der, anonymous=False):
    """(request id, disposition or HRESULT, certificate, message)."""
    binding = ic.lookup(a.epm_port)
    dce = ic.connect(binding) if anonymous else nc.connect(binding)
    try:
        rv, rid, disp, _, cert, msg = nc.request(dce, CA_NAME, der)
    finally:
        dce.disconnect()
    assert rv == 0, hex(rv)
    return rid, disp, cert, msg


def refused(a, ca, der, msg, hresult=BAD_SUBJECT, anonymous=False):
    """Refused with hresult and msg, recorded as failed with it, nothing issued."""
    rid, disp, cert, got = enroll(a, der, anonymous)
    assert (disp, cert, got) == (hresult, b"", msg), (hex(disp), got)
    assert rid >= 1
    show = run(BIN / "ca-ledger", "show", "--data", ca["data"]).stdout
    assert f"request={rid} failed hresult=0x{hresult:08x}" in show, show
    return rid


def subject_of(cert_der):
    return x509.load_der_x509_certificate(cert_der).subject.rfc4514_string()


# ---- the subject rule (policy = issue) ----


def test_careq_account_rule(appliance, ca, tmp_path):
    """careq as EXAMPLE\\alice: CN=Administrator refused, CN=alice issued (openssl
    verifies it; its subject is CN=alice alone)."""
    a = appliance(policy="issue")
    pw = tmp_path / "alice.password"
    pw.write_text(nc.PASSWORD + "\n")
    os.chmod(pw, 0o600)
    config = f"127.0.0.1:{a.epm_port}\\{CA_NAME}"
    for cn, ok in (("Administrator", False), ("alice", True)):
        k, r, c = (tmp_path / f"{cn}.{x}" for x in ("key", "req", "crt"))
        assert run(BIN / "careq", "new", "-subject", f"CN={cn}", k, r,
                   check=False).returncode == 0
        p = run(BIN / "careq", "submit", "-config", config, "-user", ACCOUNT,
                "-password-file", pw, r, c, check=False)
        if ok:
            assert p.returncode == 0, p.stdout + p.stderr
            run("openssl", "verify", "-x509_strict", "-CAfile", ca["data"] / "ca.crt", c)
            out = run("openssl", "x509", "-in", c, "-noout", "-subject").stdout
            assert out.strip() == "subject=CN = alice", out
        else:
            assert p.returncode == 2, p.stdout + p.stderr
            assert ("0x80094001 (CERTSRV_E_BAD_REQUESTSUBJECT): " + ACCOUNT_RULE) in p.stdout
            assert not c.exists()
    a.stop()
    show = run(BIN / "ca-ledger", "show", "--data", ca["data"]).stdout
    assert "failed hresult=0x80094001" in show and "issued" in show


@pytest.mark.parametrize("subject", [
    utf8_cn(b"Administrator"), utf8_cn(b"alice", o=b"Example"),
    name(("CN", 0x0c, b"alice"), ("CN", 0x0c, b"alice")), utf8_cn(b"alice\x00"),
    utf8_cn(b"alice ")], ids=["administrator", "with-O", "two-CNs", "NUL", "trailing-space"])
def test_account_rule_refuses_other_subjects(appliance, ca, subject):
    a = appliance(policy="issue")
    der = make_csr(ca["tmp"], subject)
    rid, disp, cert, msg = enroll(a, der)
    assert (disp, cert) == (BAD_SUBJECT, b""), (hex(disp), msg)


def test_account_rule_case_insensitive(appliance, ca):
    a = appliance(policy="issue")
    rid, disp, cert, msg = enroll(a, make_csr(ca["tmp"], utf8_cn(b"ALICE")))
    assert disp == ic.DISP_ISSUED, (hex(disp), msg)
    assert subject_of(cert) == "CN=ALICE"


def test_anonymous_refused_under_account(appliance, ca):
    a = appliance(policy="issue", **ANON)
    refused(a, ca, make_csr(ca["tmp"], utf8_cn(b"anything")),
            "subject_rule = account: an anonymous requester has no account, so no subject "
            "of its choosing is issued", anonymous=True)


def test_request_rule_is_the_administrators_choice(appliance, ca):
    """subject_rule = request: any subject is issued, with a warning at start."""
    a = appliance(policy="issue", subject_rule="request", **ANON)
    rid, disp, cert, msg = enroll(a, make_csr(ca["tmp"], utf8_cn(b"Administrator")),
                                  anonymous=True)
    assert disp == ic.DISP_ISSUED and subject_of(cert) == "CN=Administrator", msg
    assert "policy = issue with subject_rule = request" in a.text()


def test_pend_unchanged(appliance, ca):
    """Under policy = pend the rule is the officer's: CN=Administrator waits."""
    a = appliance()
    rid, disp, cert, msg = enroll(a, make_csr(ca["tmp"], utf8_cn(b"Administrator")))
    assert disp == ic.DISP_UNDER_SUBMISSION, (hex(disp), msg)


# ---- always: the CA's own name ----


@pytest.mark.parametrize("subject", [
    utf8_cn(CA_NAME.encode(), o=b"Example"),
    utf8_cn(CA_NAME.lower().encode(), o=b"EXAMPLE"),
    utf8_cn(b"  Test   Issuing CA ", o=b"Example"),
    name(("O", 0x13, b"Example"), ("CN", 0x1e, CA_NAME.upper().encode("utf-16-be"))),
    utf8_cn(b"Test\xc2\xa0Issuing CA\xe2\x80\x8b", o=b"Example"),
], ids=["exact", "case", "spacing", "printable-bmp", "nbsp-zwsp"])
@pytest.mark.parametrize("policy", ["issue", "pend"])
def test_ca_name_refused(appliance, ca, subject, policy):
    a = appliance(policy=policy, subject_rule="request")
    refused(a, ca, make_csr(ca["tmp"], subject), CA_NAME_MSG)


def test_other_names_of_the_same_words_pass(appliance, ca):
    a = appliance(policy="issue", subject_rule="request")
    rid, disp, cert, msg = enroll(a, make_csr(ca["tmp"], utf8_cn(CA_NAME.encode())))
    assert disp == ic.DISP_ISSUED, msg  # no O: not the CA's name


# ---- always: characters and strings in every name ----

CTRL = "the request's subject: CN holds a control character (U+{:04X}), refused in any name"
BIDI = ("the request's subject: CN holds a bidirectional control character (U+{:04X}), "
        "refused in any name")


@pytest.mark.parametrize("subject,msg", [
    (utf8_cn(b"a\x00b"), CTRL.format(0)),
    (utf8_cn(b"a\x1b[31mb"), CTRL.format(0x1b)),
    (utf8_cn(b"a\x7fb"), CTRL.format(0x7f)),
    (utf8_cn("a\u0085b".encode()), CTRL.format(0x85)),
    (utf8_cn("a\u009bb".encode()), CTRL.format(0x9b)),
    (utf8_cn("evil\u202egpj.exe".encode()), BIDI.format(0x202e)),
    (utf8_cn("x\u2067y".encode()), BIDI.format(0x2067)),
    (utf8_cn(b"a\xffb"), "the request's subject: CN is not valid UTF-8"),
    (utf8_cn(b"\xc0\xaf"), "the request's subject: CN is not valid UTF-8"),
    (utf8_cn(b"\xed\xa0\x80"), "the request's subject: CN is not valid UTF-8"),
    (name(("CN", 0x1e, b"\xd8\x00")),
     "the request's subject: CN is not a valid BMPString (unpaired surrogate)"),
    (name(("O", 0x0c, "O\u202d".encode()), ("CN", 0x0c, b"x")),
     "the request's subject: O holds a bidirectional control character (U+202D), "
     "refused in any name"),
], ids=["NUL", "ESC", "DEL", "C1-NEL", "C1-CSI", "RLO", "RLI", "invalid-UTF-8", "overlong",
        "surrogate", "BMP-surrogate", "LRO-in-O"])
def test_subject_strings_refused(appliance, ca, subject, msg):
    a = appliance(policy="issue", subject_rule="request")
    refused(a, ca, make_csr(ca["tmp"], subject), msg)


SAN_MSG = "the request's subjectAltName: SAN "


@pytest.mark.parametrize("entry,msg", [
    (tlv(0x82, b"host\x1b.example"),
     "dNSName holds a control character (U+001B), refused in any name"),
    (tlv(0x82, b"host\x00.example"),
     "dNSName holds a control character (U+0000), refused in any name"),
    (tlv(0x81, "a\u0085@example".encode()), "rfc822Name is not an IA5String (ASCII)"),
    (upn("administrator\u202e@corp".encode()),
     "otherName UPN holds a bidirectional control character (U+202E), refused in any name"),
    (upn(b"admin\xc0\x80@corp"), "otherName UPN is not valid UTF-8"),
    (upn("admin\u0085@corp".encode()),
     "otherName UPN holds a control character (U+0085), refused in any name"),
    (tlv(0xa4, utf8_cn(b"x\x9b")),
     "directoryName CN is not valid UTF-8"),
], ids=["dNS-ESC", "dNS-NUL", "rfc822-C1", "UPN-RLO", "UPN-overlong", "UPN-C1",
      "dirName-bad-UTF-8"])
@pytest.mark.parametrize("allowed", [True, False], ids=["allowed", "dropped"])
def test_san_strings_refused(appliance, ca, entry, msg, allowed):
    """Whether csr_extensions lets the SAN through (which only policy = pend
    allows) or not, the request is refused on arrival."""
    settings = ({"csr_extensions": "2.5.29.17"} if allowed
                else {"policy": "issue", "subject_rule": "request"})
    a = appliance(**settings)
    refused(a, ca, make_csr(ca["tmp"], utf8_cn(b"host1.example"), [san(entry)]),
            SAN_MSG + msg)


def test_clean_san_issued(appliance, ca):
    """A clean SAN, listed in csr_extensions (policy = pend), is issued once an
    officer resubmits the request."""
    a = appliance(csr_extensions="2.5.29.17")
    add_officer(ca)
    der = make_csr(ca["tmp"], utf8_cn(b"host1.example"),
                   [san(tlv(0x82, b"host1.example"), upn(b"host1@corp"))])
    rid, disp, cert, msg = enroll(a, der)
    assert disp == ic.DISP_UNDER_SUBMISSION, (hex(disp), msg)
    out = caadm(ca, "officer", "resubmit", str(rid)).stdout
    assert f"request {rid}: issued" in out, out
    rid, disp, cert, msg = enroll_retrieve(a, rid)
    assert disp == ic.DISP_ISSUED, msg
    names = x509.load_der_x509_certificate(cert).extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["host1.example"]


# ---- the agent purposes ----

AGENT_MSG = ("the request asks for the {} purpose ({}): only a certificate manager grants "
             "it (setextension 2.5.29.37 on a pending request)")
NAMES = {"any": "anyExtendedKeyUsage", "agent": "Certificate Request Agent",
         "kra": "Key Recovery Agent"}


@pytest.mark.parametrize("which", ["any", "agent", "kra"])
def test_agent_purposes_from_the_request_dropped(appliance, ca, which):
    """policy = issue: 2.5.29.37 may not be in csr_extensions (test_settings), so a
    requested agent purpose is dropped: the certificate carries the profile's
    purposes only."""
    a = appliance(policy="issue", subject_rule="request")
    der = make_csr(ca["tmp"], utf8_cn(b"host1.example"), [eku("codeSigning", which)])
    rid, disp, cert, msg = enroll(a, der)
    assert disp == ic.DISP_ISSUED, (hex(disp), msg)
    try:
        got = ekus_of(cert)
    except x509.ExtensionNotFound:
        got = []
    assert EKU_DOTTED[which] not in got and "1.3.6.1.5.5.7.3.3" not in got, got


def ekus_of(cert_der):
    v = x509.load_der_x509_certificate(cert_der).extensions.get_extension_for_class(
        x509.ExtendedKeyUsage).value
    return [o.dotted_string for o in v]


@pytest.mark.parametrize("which", ["any", "agent", "kra"])
def test_agent_purposes_need_the_officer(appliance, ca, which):
    """policy = pend: the request's agent purpose fails at resubmit; the same
    purpose set by the officer (setextension) is issued, and openssl verifies it."""
    a = appliance(csr_extensions="2.5.29.37")
    add_officer(ca)
    der = make_csr(ca["tmp"], utf8_cn(b"agent.example"), [eku(which)])
    ids = []
    for _ in range(2):
        rid, disp, cert, msg = enroll(a, der)
        assert disp == ic.DISP_UNDER_SUBMISSION, (hex(disp), msg)
        ids.append(rid)
    out = caadm(ca, "officer", "resubmit", str(ids[0])).stdout
    assert out.strip() == (f"request {ids[0]}: failed (0x800b0110) " +
                           AGENT_MSG.format(NAMES[which], EKU_DOTTED[which])), out
    value = tlv(0x30, tlv(0x06, EKU[which]) + tlv(0x06, b"\x2b\x06\x01\x05\x05\x07\x03\x02"))
    caadm(ca, "officer", "setextension", str(ids[1]), "2.5.29.37", "0", "hex:" + value.hex())
    out = caadm(ca, "officer", "resubmit", str(ids[1])).stdout
    assert f"request {ids[1]}: issued" in out, out
    rid, disp, cert, msg = enroll_retrieve(a, ids[1])
    assert disp == ic.DISP_ISSUED, msg
    assert ekus_of(cert) == [EKU_DOTTED[which], "1.3.6.1.5.5.7.3.2"]
    crt = ca["tmp"] / "agent.crt"
    crt.write_bytes(x509.load_der_x509_certificate(cert).public_bytes(
        serialization.Encoding.PEM))
    run("openssl", "verify", "-CAfile", ca["data"] / "ca.crt", crt)


def enroll_retrieve(a, rid):
    dce = nc.connect(ic.lookup(a.epm_port))
    try:
        rv, rid2, disp, _, cert, msg = nc.request(dce, CA_NAME, request_id=rid)
    finally:
        dce.disconnect()
    assert rv == 0 and rid2 == rid
    return rid2, disp, cert, msg
