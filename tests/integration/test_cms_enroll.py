"""CMS and CMC requests end to end (issue 16): cad,
ca-auth, the worker, the custodian and the ledger; impacket's MS-ICPR client over
NTLM at packet privacy (dwFlags 0, as real clients send); the behaviour as the
decisions of issue 16 fix it (the lead's spec); the requests built by
cms_build.py (python3-asn1crypto and python3-cryptography, checked against openssl
by test_cms_build.py) and, for a renewal and a new request, by `openssl cms -sign`;
the certificates read with python3-asn1crypto and verified by openssl.

Example 6 (MS-CERSOD 3.6): an agent's certificate from EnrollmentAgent approved by
an officer; the agent enrolls for EXAMPLE\\alice on User with a CMS naming her in
RequesterName; alice renews with that certificate and key over her own logon,
issued at once. Then every refusal of the spec with its HRESULT, each recorded as
a failure of an assigned request id (`ca-ledger show`).

Not tested: an expired (or not yet valid) renewal or agent certificate. Templates
count validity in days (1 at least) and the CA has no setting for a shorter one;
the only ways would be to forge the CA's signature or move the clock, and this
file does neither."""
import re

import pytest
from asn1crypto import x509

import cms_build as cb
import icpr_client as ic
import ntlm_client as nc
import test_templates_enroll as te
from conftest import BIN, run
from test_admin import add_operators, caadm, init_root, serial_of
from test_templates_admin import with_lines
from test_templates_enroll import (USER_SID, account, ekus, enroll, issued,
                                   pended, sans, sid_of, subject_cn, template_of, verify)

DOM = nc.DOMAIN
ALICE = (f"{DOM}\\{nc.USER}", nc.PASSWORD)
BOB = (f"{DOM}\\bob", "bob's password 1")
CAROL = (f"{DOM}\\carol", "carol's password 1")    # the enrollment agent
ERIN = (f"{DOM}\\erin", "erin's password 1")       # a second agent
DAVE = (f"{DOM}\\dave", "dave's password 1")       # disabled
BOB_SID = "S-1-5-21-1004336348-1177238915-682003330-1106"
CAROL_SID = "S-1-5-21-1004336348-1177238915-682003330-500"
ERIN_SID = "S-1-5-21-1004336348-1177238915-682003330-501"
USER_TEMPLATE_OID = "1.3.6.1.4.1.311.21.8.1.1"

E_INVALIDARG = 0x80070057
NTE_BAD_SIGNATURE = 0x80090006
CRYPT_E_REVOKED = 0x80092010
CERT_E_UNTRUSTEDROOT = 0x800B0109
CERTSRV_E_BAD_RENEWAL_CERT_ATTRIBUTE = 0x8009400E
CERTSRV_E_BAD_REQUESTSUBJECT = 0x80094001
CERTSRV_E_TEMPLATE_DENIED = 0x80094012
CERTSRV_E_UNSUPPORTED_CERT_TYPE = 0x80094800
CERTSRV_E_BAD_RENEWAL_SUBJECT = 0x80094806
CERTSRV_E_SIGNATURE_POLICY_REQUIRED = 0x80094809
CERTSRV_E_SIGNATURE_COUNT = 0x8009480A
OID_CODE_SIGNING = "1.3.6.1.5.5.7.3.3"


@pytest.fixture
def ca(tmp_path, token):
    c = init_root(tmp_path, token)
    conf = c["data"] / "ca.conf"
    conf.write_text(conf.read_text().replace("icpr_enforce_encryption = 0",
                                             "icpr_enforce_encryption = 1")
                    .replace("icpr_allow_anonymous = 1", "icpr_allow_anonymous = 0"))
    account(c, *ALICE, "--upn", "alice@example.test", "--email", "alice@example.test",
            "--sid", USER_SID)
    account(c, *BOB, "--upn", "bob@example.test", "--email", "bob@example.test",
            "--sid", BOB_SID)
    account(c, *CAROL, "--upn", "carol@example.test", "--sid", CAROL_SID,
            "--group", "Domain Admins")
    account(c, *ERIN, "--upn", "erin@example.test", "--sid", ERIN_SID,
            "--group", "Domain Admins")
    account(c, *DAVE, "--upn", "dave@example.test")
    p = run(BIN / "caadm", "account", "disable", "--data", c["data"], DAVE[0])
    assert "disabled" in p.stdout
    return c


@pytest.fixture
def appliance(ca):
    a = ic.Appliance(ca["data"], ca["token"].pin_file)
    add_operators(ca)
    yield a
    a.stop()


# ---- helpers ----

def ledger(ca):
    return run(BIN / "ca-ledger", "show", "--data", ca["data"]).stdout


def audit(ca):
    return caadm(ca, "auditor", "audit").stdout


def issued_count(ca):
    """How many certificates the journal records as issued."""
    return len(re.findall(r" cert-issued ", ledger(ca)))


def says(text, phrase):
    """phrase in text as printed, or with its backslashes escaped as the
    journal's lines escape them (\\x5c)."""
    return phrase in text or phrase.replace("\\", "\\x5c") in text


def refused(ca, rv_tuple, hresult, *words):
    """Refused with hresult, nothing issued, the request id assigned and recorded
    as failed with that HRESULT."""
    rv, rid, disp, _, cert, msg = rv_tuple
    assert (rv, disp, cert) == (0, hresult, b""), (hex(rv), hex(disp), msg)
    assert rid != 0, msg
    for w in words:
        assert w.lower() in msg.lower(), msg
    show = ledger(ca)
    assert f"request={rid} failed hresult=0x{hresult:08x}" in show, show
    return rid, msg


def refused_somehow(ca, rv_tuple):
    """Refused (the spec fixes no HRESULT for this one), recorded as failed with
    the HRESULT answered."""
    rv, rid, disp, _, cert, msg = rv_tuple
    assert rv == 0 and cert == b"" and rid != 0, (hex(rv), hex(disp), msg)
    assert disp & 0x80000000, (hex(disp), msg)  # a failure HRESULT, not a disposition
    assert disp != ic.CRYPT_E_INVALID_MSG_TYPE, "CMS/CMC still not accepted: " + msg
    assert f"request={rid} failed hresult=0x{disp:08x}" in ledger(ca)
    return msg


def refused_one_of(ca, rv_tuple, *hresults):
    """refused() where the spec leaves the choice among hresults."""
    disp = rv_tuple[2]
    assert disp in hresults, (hex(disp), rv_tuple[5])
    return refused(ca, rv_tuple, disp)


def never_for(rv_tuple, user):
    """Refused, pending, or issued for someone else than user."""
    rv, rid, disp, _, cert, msg = rv_tuple
    assert rv == 0, (hex(rv), msg)
    assert disp != ic.CRYPT_E_INVALID_MSG_TYPE, "CMS/CMC still not accepted: " + msg
    if disp == ic.DISP_ISSUED:
        c = x509.Certificate.load(cert)
        assert subject_cn(c) != user, msg
        assert all(user not in str(v) for _, v in sans(c)), msg


def new_csr(key=None, **kw):
    key = key or cb.new_key()
    return key, cb.build_csr(key, **kw)


def user_cert(ca, a, who, template="User", key=None):
    """who's certificate from template by a PKCS#10 (issued at once): (key, DER)."""
    key, der = new_csr(key)
    cert, _ = issued(enroll(a, who, der, f"CertificateTemplate:{template}"))
    return key, cert.dump()


def agent_cert(ca, a, who=CAROL):
    """An Enrollment Agent certificate: who enrolls on EnrollmentAgent (pends), the
    officer approves, who retrieves it. (key, DER)."""
    key, der = new_csr()
    rid, _ = pended(enroll(a, who, der, "CertificateTemplate:EnrollmentAgent"))
    caadm(ca, "officer", "resubmit", str(rid))
    cert, _ = issued(enroll(a, who, b"", request_id=rid))
    assert ekus(cert) == [cb.OID_EKU_REQUEST_AGENT]
    return key, cert.dump()


def spki_of(cert):
    return cert["tbs_certificate"]["subject_public_key_info"].dump()


def serial_hex(ca, der, label):
    p = ca["tmp"] / f"{label}.pem"
    p.write_bytes(cb.cert_pem(der))
    return serial_of(p)


def revoke(ca, der, label, reason="keyCompromise"):
    caadm(ca, "officer", "revoke", serial_hex(ca, der, label), reason)


def add_template(ca, name, oid, **fields):
    """A copy of User under name and oid with fields changed, by the administrator."""
    text = caadm(ca, "admin", "template", "show", "User").stdout
    f = ca["tmp"] / f"{name}.tmpl"
    f.write_text(with_lines(text, name=name, display_name=name, oid=oid, minor_version=0,
                            **fields))
    caadm(ca, "admin", "template", "add", name, "--from", f)


def on_behalf(agent, target, digest="sha256", **signer):
    """The agent's Signer naming target in RequesterName."""
    return cb.Signer(*agent, digest=digest, name_values=[("RequesterName", target)], **signer)


def renewal_of(old, new_key=None, **signer):
    """A renewal CMS for old = (key, DER): a PKCS#10 of a new key with the
    renewal attribute, signed with the old key. Returns (new key, CMS)."""
    key, inner = new_csr(new_key, renewal_cert=old[1])
    return key, cb.cms(inner, [cb.Signer(*old, **signer)])


def assert_renewed(old_der, new_cert, new_key, msg):
    old = x509.Certificate.load(old_der)
    assert new_cert.subject.dump() == old.subject.dump()
    assert sans(new_cert) == sans(old) and sid_of(new_cert) == sid_of(old)
    assert template_of(new_cert)[0] == template_of(old)[0]
    assert spki_of(new_cert) == cb.spki(new_key) != spki_of(old)
    assert new_cert.serial_number != old.serial_number
    assert re.search(r"renewal of (0x)?0*%x\b" % old.serial_number, msg, re.I), msg


# ---- Example 6 ----

def test_example6_agent_enrolls_for_alice_who_renews(ca, appliance, tmp_path):
    agent = agent_cert(ca, appliance)
    # B1-B2: carol, logged on, sends a CMS for alice's new key, signed as agent
    alice_key, inner = new_csr(subject=cb.name("Administrator"))
    req = cb.cms(inner, [on_behalf(agent, "EXAMPLE\\alice")])
    rv = enroll(appliance, CAROL, req, "CertificateTemplate:User")
    cert, msg = issued(rv)
    rid = rv[1]
    assert subject_cn(cert) == "alice"
    assert sans(cert) == [("upn", "alice@example.test"), ("rfc822_name", "alice@example.test")]
    assert sid_of(cert) == USER_SID
    assert template_of(cert) == (USER_TEMPLATE_OID, 1, template_of(cert)[2])
    assert spki_of(cert) == cb.spki(alice_key)
    text = verify(ca, tmp_path, cert, "alice-by-agent")
    assert "Administrator" not in text and "carol" not in text
    # the journal: the agent as the requester, alice as the subject
    show = ledger(ca)
    assert re.search(rf"request={rid} requester=EXAMPLE\\carol\b", show), show
    assert re.search(rf"request={rid} issued ", show), show
    assert says(audit(ca), "on behalf of EXAMPLE\\alice")
    # C3-C4: the certificate is alice's: the agent may not renew it, even with
    # her key; alice renews it with that certificate and key, over her own logon
    old = (alice_key, cert.dump())
    _, renewal = renewal_of(old)
    refused(ca, enroll(appliance, CAROL, renewal), CERTSRV_E_BAD_RENEWAL_SUBJECT)
    new_key, renewal = renewal_of(old)
    new_cert, msg = issued(enroll(appliance, ALICE, renewal))
    assert_renewed(old[1], new_cert, new_key, msg)
    assert "template User" in msg
    verify(ca, tmp_path, new_cert, "alice-renewed")
    old_hex = "%x" % cert.serial_number
    for text in (audit(ca), ledger(ca)):
        assert re.search(r"renewal of (0x)?0*" + old_hex, text, re.I), text
    # the renewed certificate renews again (the chain of renewals goes on)
    newer_key, renewal2 = renewal_of((new_key, new_cert.dump()))
    newest, msg = issued(enroll(appliance, ALICE, renewal2))
    assert_renewed(new_cert.dump(), newest, newer_key, msg)


# ---- renewal: the refusals ----

def test_renewal_refusals(ca, appliance, tmp_path):
    # set-up first (PKCS#10 only), then the CMS requests
    alice = user_cert(ca, appliance, ALICE)
    bob = user_cert(ca, appliance, BOB)
    to_revoke = user_cert(ca, appliance, ALICE)
    on_hold = user_cert(ca, appliance, ALICE)
    add_template(ca, "UserNoRenew", "1.3.6.1.4.1.311.21.8.1.101",
                 renew_without_approval="no")
    no_renew = user_cert(ca, appliance, ALICE, "UserNoRenew")
    add_template(ca, "UserGone", "1.3.6.1.4.1.311.21.8.1.102")
    gone = user_cert(ca, appliance, ALICE, "UserGone")
    caadm(ca, "admin", "template", "del", "UserGone")
    # a certificate without a template extension: the standalone policy pends,
    # the officer issues it
    nk, der = new_csr(subject=cb.name("alice"))
    rid, _ = pended(enroll(appliance, ALICE, der))
    caadm(ca, "officer", "resubmit", str(rid))
    plain_cert, _ = issued(enroll(appliance, ALICE, b"", request_id=rid))
    plain = (nk, plain_cert.dump())
    revoke(ca, to_revoke[1], "to-revoke")
    revoke(ca, on_hold[1], "on-hold", "certificateHold")
    # other CAs: one with another name, one with this CA's very name, which
    # issues alice's subject with the serial of her real certificate
    real = x509.Certificate.load(alice[1])
    other = cb.openssl_ca(tmp_path, "other", "/CN=Other CA")
    k1, k2 = cb.new_key(), cb.new_key()
    foreign = (k1, cb.openssl_issue(tmp_path, "foreign", other, k1, "/CN=alice"))
    forged = (k2, cb.forge(ca["data"] / "ca.crt", "alice", k2, cb.new_key(),
                           serial=real.serial_number))
    assert x509.Certificate.load(forged[1]).issuer.dump() == real.issuer.dump()

    before = issued_count(ca)
    assert before == 7  # the certificates above: the count reads the journal
    # the renewal attribute not a certificate, none carried equal to it, no signer
    # naming it
    _, inner = new_csr(attributes=[cb.attribute(cb.OID_RENEWAL_CERT,
                                                b"\x04\x05junk!")])
    refused(ca, enroll(appliance, ALICE, cb.cms(inner, [cb.Signer(*alice)])),
            CERTSRV_E_BAD_RENEWAL_CERT_ATTRIBUTE)
    _, inner = new_csr(renewal_cert=alice[1])
    refused(ca, enroll(appliance, ALICE, cb.cms(inner, [cb.Signer(*alice)], omit_certs=[0])),
            CERTSRV_E_BAD_RENEWAL_CERT_ATTRIBUTE)
    # signed by bob's certificate (carried) while the attribute names alice's
    refused(ca, enroll(appliance, ALICE, cb.cms(inner, [cb.Signer(*bob)])),
            CERTSRV_E_BAD_RENEWAL_CERT_ATTRIBUTE)
    # alice's certificate carried but not the signer's
    refused(ca, enroll(appliance, ALICE, cb.cms(inner, [cb.Signer(*bob)],
                                                certs=[alice[1]])),
            CERTSRV_E_BAD_RENEWAL_CERT_ATTRIBUTE)
    # not issued by this CA
    for old in (foreign, forged):
        _, req = renewal_of(old)
        refused(ca, enroll(appliance, ALICE, req), CERT_E_UNTRUSTEDROOT)
    # revoked, on hold included
    for old in (to_revoke, on_hold):
        _, req = renewal_of(old)
        refused(ca, enroll(appliance, ALICE, req), CRYPT_E_REVOKED)
    # the signature: flipped, made by another key, over swapped content, with a
    # wrong contentType or messageDigest, SHA-1
    for kw in ({"tamper": True}, {"content_type": cb.OID_PKIDATA},
               {"message_digest": b"\x00" * 32}, {"digest": "sha1"}):
        _, req = renewal_of(alice, **kw)
        refused(ca, enroll(appliance, ALICE, req), NTE_BAD_SIGNATURE)
    _, req = renewal_of((bob[0], alice[1]))
    refused(ca, enroll(appliance, ALICE, req), NTE_BAD_SIGNATURE)
    _, inner = new_csr(renewal_cert=alice[1])
    _, swapped = new_csr(renewal_cert=alice[1])
    refused(ca, enroll(appliance, ALICE, cb.cms(inner, [cb.Signer(*alice)],
                                                content_after=swapped)),
            NTE_BAD_SIGNATURE)
    # the inner request's own signature (proof of possession of the new key)
    _, inner = new_csr(renewal_cert=alice[1], tamper_signature=True)
    refused(ca, enroll(appliance, ALICE, cb.cms(inner, [cb.Signer(*alice)])),
            NTE_BAD_SIGNATURE)
    # bob renews alice's certificate with her (stolen) key
    _, req = renewal_of(alice)
    refused(ca, enroll(appliance, BOB, req), CERTSRV_E_BAD_RENEWAL_SUBJECT)
    # no template extension; a template removed
    for old in (plain, gone):
        _, req = renewal_of(old)
        refused(ca, enroll(appliance, ALICE, req), CERTSRV_E_UNSUPPORTED_CERT_TYPE)
    # a template that does not renew without approval
    _, req = renewal_of(no_renew)
    refused(ca, enroll(appliance, ALICE, req), CERTSRV_E_TEMPLATE_DENIED)
    # renewal on behalf of (CR_IN_ROBO): not supported
    _, inner = new_csr(renewal_cert=alice[1])
    robo = cb.cms(inner, [cb.Signer(*alice, name_values=[("RequesterName",
                                                          "EXAMPLE\\alice")])])
    refused(ca, enroll(appliance, ALICE, robo), E_INVALIDARG)
    # none of that issued anything; the good renewal still works
    assert issued_count(ca) == before
    new_key, req = renewal_of(alice, sid="ski")
    cert, msg = issued(enroll(appliance, ALICE, req))
    assert_renewed(alice[1], cert, new_key, msg)


def test_renewal_rsa_sha384_and_ski(ca, appliance, tmp_path):
    """An RSA certificate renewed by an RSA signer with SHA-384, named by its
    subject key identifier, into an EC key."""
    alice = user_cert(ca, appliance, ALICE, key=cb.new_key("rsa:2048"))
    new_key, req = renewal_of(alice, new_key=cb.new_key("ec:P-384"), sid="ski",
                              digest="sha384")
    cert, msg = issued(enroll(appliance, ALICE, req))
    assert_renewed(alice[1], cert, new_key, msg)
    verify(ca, tmp_path, cert, "rsa-renewed")
    # a signer without signed attributes (RFC 5652 allows it for id-data, and
    # x509/cms.h takes it): the signature covers the PKCS#10 itself
    new_key, req = renewal_of(alice, no_signed_attrs=True)
    cert, msg = issued(enroll(appliance, ALICE, req))
    assert_renewed(alice[1], cert, new_key, msg)


def test_renewal_made_by_openssl_cms(ca, appliance, tmp_path):
    """`openssl cms -sign` around the renewal PKCS#10 (openssl cannot put a DER
    attribute into its own request, so cms_build makes that one), signed with
    the old key, with another certificate carried (-certfile)."""
    alice = user_cert(ca, appliance, ALICE)
    bob = user_cert(ca, appliance, BOB)
    new_key, inner = new_csr(renewal_cert=alice[1])
    req = cb.openssl_cms_sign(tmp_path, "renew", inner, alice[0], alice[1],
                              more_certs=[bob[1]])
    cert, msg = issued(enroll(appliance, ALICE, req))
    assert_renewed(alice[1], cert, new_key, msg)
    verify(ca, tmp_path, cert, "openssl-renewed")
    # openssl's own PKCS#10 with the renewal attribute as openssl writes it (a
    # UTF8String, not a certificate), signed by openssl with alice's key
    odd = cb.openssl_csr(tmp_path, "odd", cb.new_key(), "/CN=alice",
                         attributes={cb.OID_RENEWAL_CERT: "DER:" + alice[1].hex()[:64]})
    req = cb.openssl_cms_sign(tmp_path, "renew-odd", odd, alice[0], alice[1])
    refused(ca, enroll(appliance, ALICE, req), CERTSRV_E_BAD_RENEWAL_CERT_ATTRIBUTE)
    # the same, signed by bob's key: bob's certificate is not the one renewed
    req = cb.openssl_cms_sign(tmp_path, "renew-bob", inner, bob[0], bob[1],
                              more_certs=[alice[1]])
    refused(ca, enroll(appliance, ALICE, req), CERTSRV_E_BAD_RENEWAL_CERT_ATTRIBUTE)


# ---- on behalf of: the refusals ----

def test_on_behalf_refusals(ca, appliance, tmp_path):
    agent = agent_cert(ca, appliance)
    revoked_agent = agent_cert(ca, appliance)
    alice = user_cert(ca, appliance, ALICE)
    revoke(ca, revoked_agent[1], "revoked-agent")
    k = cb.new_key()
    forged_agent = (k, cb.forge(ca["data"] / "ca.crt", "carol", k, cb.new_key(),
                                serial=x509.Certificate.load(agent[1]).serial_number,
                                eku=cb.OID_EKU_REQUEST_AGENT))
    add_template(ca, "UserTwoAgents", "1.3.6.1.4.1.311.21.8.1.103", on_behalf="yes",
                 agent_signatures=2, agent_policy=cb.OID_EKU_REQUEST_AGENT)
    add_template(ca, "UserCodeAgents", "1.3.6.1.4.1.311.21.8.1.104", on_behalf="yes",
                 agent_signatures=1, agent_policy=OID_CODE_SIGNING, pend_all="yes")
    add_template(ca, "UserAdminsOnly", "1.3.6.1.4.1.311.21.8.1.105", on_behalf="yes",
                 enroll_groups="Domain Admins")

    def send(signers, template="User", who=CAROL, inner=None, **kw):
        inner = inner or new_csr()[1]
        return enroll(appliance, who, cb.cms(inner, signers, **kw),
                      f"CertificateTemplate:{template}")

    for_alice = "EXAMPLE\\alice"
    before = issued_count(ca)
    assert before == 3  # two agents and alice
    refused(ca, send([on_behalf(forged_agent, for_alice)]), CERT_E_UNTRUSTEDROOT)
    refused(ca, send([on_behalf(revoked_agent, for_alice)]), CRYPT_E_REVOKED)
    # a User certificate as the "agent": no Certificate Request Agent EKU
    refused(ca, send([on_behalf(alice, "EXAMPLE\\bob")], who=ALICE),
            CERTSRV_E_SIGNATURE_POLICY_REQUIRED)
    # ... and no account oracle for her: an unknown name gets the same answer
    refused(ca, send([on_behalf(alice, "EXAMPLE\\nobody")], who=ALICE),
            CERTSRV_E_SIGNATURE_POLICY_REQUIRED)
    # the agent EKU, but the template wants code signing
    refused(ca, send([on_behalf(agent, for_alice)], "UserCodeAgents"),
            CERTSRV_E_SIGNATURE_POLICY_REQUIRED)
    # templates that forbid agents (carol may enroll on WebServer herself)
    for t in ("WebServer", "EnrollmentAgent"):
        refused(ca, send([on_behalf(agent, for_alice)], t), CERTSRV_E_TEMPLATE_DENIED)
    # the target account may not enroll on the template
    refused(ca, send([on_behalf(agent, for_alice)], "UserAdminsOnly"),
            CERTSRV_E_TEMPLATE_DENIED)
    # no such account; a disabled one
    refused(ca, send([on_behalf(agent, "EXAMPLE\\nobody")]), CERTSRV_E_BAD_REQUESTSUBJECT,
            "nobody")
    refused(ca, send([on_behalf(agent, "EXAMPLE\\dave")]), CERTSRV_E_BAD_REQUESTSUBJECT)
    # one agent where two are required
    refused(ca, send([on_behalf(agent, for_alice)], "UserTwoAgents"), CERTSRV_E_SIGNATURE_COUNT)
    # tampered signatures: flipped, content swapped, wrong contentType, SHA-1
    refused(ca, send([on_behalf(agent, for_alice, tamper=True)]), NTE_BAD_SIGNATURE)
    refused(ca, send([on_behalf(agent, for_alice)], content_after=new_csr()[1]),
            NTE_BAD_SIGNATURE)
    refused(ca, send([on_behalf(agent, for_alice, content_type=cb.OID_PKIDATA)]),
            NTE_BAD_SIGNATURE)
    refused(ca, send([on_behalf(agent, for_alice, digest="sha1")]), NTE_BAD_SIGNATURE)
    # the agent's certificate not carried: a signature nothing can verify
    # (every signer must verify, cmsreq.h)
    refused(ca, send([on_behalf(agent, for_alice)], omit_certs=[0]), NTE_BAD_SIGNATURE)
    # the inner request's own signature
    _, bad_inner = new_csr(tamper_signature=True)
    refused(ca, send([on_behalf(agent, for_alice)], inner=bad_inner), NTE_BAD_SIGNATURE)
    # none of these issued anything
    assert issued_count(ca) == before
    # and the agent still enrolls for her, the template named by the inner
    # request's template extension alone (no attribute)
    key, inner = new_csr(extensions=[cb.extension(cb.OID_TEMPLATE_EXT,
                                                  cb.template_ext(USER_TEMPLATE_OID))])
    cert, _ = issued(enroll(appliance, CAROL, cb.cms(inner, [on_behalf(agent, for_alice)])))
    assert subject_cn(cert) == "alice" and sid_of(cert) == USER_SID
    assert template_of(cert)[0] == USER_TEMPLATE_OID and spki_of(cert) == cb.spki(key)


def test_two_agents_sign_for_a_template_wanting_two(ca, appliance, tmp_path):
    carol = agent_cert(ca, appliance, CAROL)
    erin = agent_cert(ca, appliance, ERIN)
    add_template(ca, "UserTwoAgents", "1.3.6.1.4.1.311.21.8.1.103", on_behalf="yes",
                 agent_signatures=2, agent_policy=cb.OID_EKU_REQUEST_AGENT)
    key, inner = new_csr()
    # the same agent twice is one agent
    req = cb.cms(inner, [on_behalf(carol, "EXAMPLE\\bob"),
                         on_behalf(carol, "EXAMPLE\\bob", sid="ski")])
    refused(ca, enroll(appliance, CAROL, req, "CertificateTemplate:UserTwoAgents"),
            CERTSRV_E_SIGNATURE_COUNT)
    req = cb.cms(inner, [on_behalf(carol, "EXAMPLE\\bob"), on_behalf(erin, "EXAMPLE\\bob",
                                                                      sid="ski")])
    cert, _ = issued(enroll(appliance, CAROL, req, "CertificateTemplate:UserTwoAgents"))
    assert subject_cn(cert) == "bob" and sid_of(cert) == BOB_SID
    assert spki_of(cert) == cb.spki(key)
    # one of the two tampered: one valid agent signature is too few, and a
    # signature that fails refuses the request
    req = cb.cms(inner, [on_behalf(carol, "EXAMPLE\\bob"),
                         on_behalf(erin, "EXAMPLE\\bob", tamper=True)])
    refused(ca, enroll(appliance, CAROL, req, "CertificateTemplate:UserTwoAgents"),
            NTE_BAD_SIGNATURE)


# ---- CMC ----

def test_cmc_on_behalf_and_renewal(ca, appliance, tmp_path):
    agent = agent_cert(ca, appliance)
    alice = user_cert(ca, appliance, ALICE)
    # on behalf of: RequesterName as Microsoft's name-value control, the template
    # from regInfo (merged after the call's attributes, here none)
    key, inner = new_csr()
    controls = {"transaction_id": 16, "sender_nonce": b"0123456789abcdef",
                "identification": "carol", "reg_info": "CertificateTemplate:User\n",
                "name_values": [("RequesterName", "EXAMPLE\\bob")]}
    req = cb.cmc(inner, [cb.Signer(*agent)], controls=controls)
    cert, _ = issued(enroll(appliance, CAROL, req))
    assert subject_cn(cert) == "bob" and sid_of(cert) == BOB_SID
    assert sans(cert) == [("upn", "bob@example.test"), ("rfc822_name", "bob@example.test")]
    assert spki_of(cert) == cb.spki(key)
    verify(ca, tmp_path, cert, "cmc-bob")
    assert says(audit(ca), "on behalf of EXAMPLE\\bob")
    # RequesterName in regInfo's attribute string, signed by no agent: whatever
    # the CA makes of it, never a certificate for bob
    key, inner = new_csr()
    req = cb.cmc(inner, [cb.Signer(*alice)], controls={
        "reg_info": "CertificateTemplate:User\nRequesterName:EXAMPLE\\bob\n"})
    never_for(enroll(appliance, ALICE, req), "bob")
    # renewal in CMC, signed by the old key, with the usual controls
    new_key, inner = new_csr(renewal_cert=alice[1])
    req = cb.cmc(inner, [cb.Signer(*alice)], controls={"transaction_id": 17,
                                                      "sender_nonce": b"n" * 16})
    cert, msg = issued(enroll(appliance, ALICE, req))
    assert_renewed(alice[1], cert, new_key, msg)
    # CMC refusals: the signature, the agent's policy, an unknown control, two
    # requests
    _, inner = new_csr()
    refused(ca, enroll(appliance, CAROL, cb.cmc(inner, [cb.Signer(*agent, tamper=True)],
                                                controls=controls)), NTE_BAD_SIGNATURE)
    refused(ca, enroll(appliance, ALICE, cb.cmc(inner, [cb.Signer(*alice)],
                                                controls=controls)),
            CERTSRV_E_SIGNATURE_POLICY_REQUIRED)
    refused_somehow(ca, enroll(appliance, CAROL, cb.cmc(inner, [cb.Signer(*agent)], controls={
        **controls, "unknown_control": True})))
    refused_somehow(ca, enroll(appliance, CAROL, cb.cmc(inner, [cb.Signer(*agent)], controls={
        **controls, "extra_requests": [new_csr()[1]]})))
    # a CMC signer without signed attributes (allowed for id-data only)
    _, inner = new_csr(renewal_cert=alice[1])
    refused(ca, enroll(appliance, ALICE, cb.cmc(inner, [cb.Signer(*alice,
                                                                  no_signed_attrs=True)])),
            NTE_BAD_SIGNATURE)
    # a CMC renewal by bob of alice's certificate
    _, inner = new_csr(renewal_cert=alice[1])
    refused(ca, enroll(appliance, BOB, cb.cmc(inner, [cb.Signer(*alice)])),
            CERTSRV_E_BAD_RENEWAL_SUBJECT)


# ---- a plain CMS: a new request of the caller's ----

def test_plain_cms_is_a_new_request_of_the_caller(ca, appliance, tmp_path):
    """No renewal attribute, no RequesterName: the inner PKCS#10 is the caller's
    new request; the signatures are not relied on, but each must verify."""
    stranger_key = cb.new_key()
    stranger = (stranger_key, cb.self_signed(tmp_path, "stranger", stranger_key,
                                             "/CN=Administrator"))
    key, inner = new_csr(subject=cb.name("Administrator"))
    cert, msg = issued(enroll(appliance, ALICE, cb.cms(inner, [cb.Signer(*stranger)]),
                              "CertificateTemplate:User"))
    assert subject_cn(cert) == "alice" and sid_of(cert) == USER_SID
    assert spki_of(cert) == cb.spki(key)
    assert "renewal" not in msg and "behalf" not in msg
    # signed by the request's own key (a self-signed certificate of it)
    own = cb.self_signed(tmp_path, "own", key, "/CN=alice")
    issued(enroll(appliance, ALICE, cb.cms(inner, [cb.Signer(key, own)]),
                  "CertificateTemplate:User"))
    # a signer that does not verify fails the request
    refused(ca, enroll(appliance, ALICE, cb.cms(inner, [cb.Signer(*stranger, tamper=True)]),
                       "CertificateTemplate:User"), NTE_BAD_SIGNATURE)
    # ... one of two; one without its certificate (nothing to verify it with);
    # one with SHA-1
    refused(ca, enroll(appliance, ALICE, cb.cms(inner, [cb.Signer(key, own), cb.Signer(
        *stranger, tamper=True)]), "CertificateTemplate:User"), NTE_BAD_SIGNATURE)
    refused(ca, enroll(appliance, ALICE, cb.cms(inner, [cb.Signer(*stranger)], omit_certs=[0]),
                       "CertificateTemplate:User"), NTE_BAD_SIGNATURE)
    refused(ca, enroll(appliance, ALICE, cb.cms(inner, [cb.Signer(*stranger, digest="sha1")]),
                       "CertificateTemplate:User"), NTE_BAD_SIGNATURE)
    # made entirely by openssl: its PKCS#10, its CMS (template by the attribute)
    okey = cb.new_key("rsa:2048")
    oinner = cb.openssl_csr(tmp_path, "oreq", okey, "/CN=whoever")
    req = cb.openssl_cms_sign(tmp_path, "oplain", oinner, stranger_key, stranger[1])
    cert, _ = issued(enroll(appliance, ALICE, req, "CertificateTemplate:User"))
    assert subject_cn(cert) == "alice" and spki_of(cert) == cb.spki(okey)
    # RequesterName in the call's attributes of a plain CMS: never bob's
    never_for(enroll(appliance, ALICE, cb.cms(new_csr()[1], [cb.Signer(*stranger)]),
                     "CertificateTemplate:User\nRequesterName:EXAMPLE\\bob"), "bob")
    # a plain CMS under a template that pends pends as a PKCS#10 would
    rid, _ = pended(enroll(appliance, CAROL, cb.cms(new_csr()[1], [cb.Signer(*stranger)]),
                           "CertificateTemplate:EnrollmentAgent"))
    assert rid != 0


def test_dwflags_request_type_is_checked(ca, appliance, tmp_path):
    """Real clients send request type 0 (any); a type the client names must be
    what the CA parsed (MS-WCCE 3.2.1.4.3.1.1), and renewal on behalf of
    (CR_IN_ROBO) is refused: each recorded as failed."""
    def call(der, flags):
        dce = nc.connect(ic.lookup(appliance.epm_port), user=ALICE[0].split("\\")[1],
                         password=ALICE[1], domain=DOM)
        try:
            return ic.cert_server_request(dce, te.CA_NAME, der, attributes="CertificateTemplate:User",
                                          flags=flags)
        finally:
            dce.disconnect()

    key, inner = new_csr()
    # the PKCS#10 called what it is: issued; called CMC or KEYGEN: refused
    assert call(inner, 0x100)[2] == ic.DISP_ISSUED
    refused(ca, call(inner, 0x400), ic.CRYPT_E_INVALID_MSG_TYPE, "CMC")
    refused(ca, call(inner, 0x200), ic.CRYPT_E_INVALID_MSG_TYPE, "KEYGEN")
    refused(ca, call(inner, 0x900), ic.CRYPT_E_INVALID_MSG_TYPE, "unknown request type")
    # a plain CMS called PKCS#7: taken; with CR_IN_ROBO: refused
    stranger_key = cb.new_key()
    stranger = (stranger_key, cb.self_signed(tmp_path, "stranger", stranger_key, "/CN=x"))
    req = cb.cms(new_csr()[1], [cb.Signer(*stranger)])
    assert call(req, 0x300)[2] == ic.DISP_ISSUED
    refused(ca, call(req, 0x300 | 0x200000), E_INVALIDARG, "CR_IN_ROBO")


def test_status_inspection_by_serial_number(ca, appliance, tmp_path):
    """MS-WCCE 3.2.1.4.2.1.3: a retrieval (request id -1, as
    ICertRequest2::GetIssuedCertificate sends it, no request) whose pctbAttribs
    hold a certificate's serial number answers for the request that produced
    it, to its requester only; an unknown serial is CERTSRV_E_PROPERTY_EMPTY; a
    text that is no serial number is E_INVALIDARG."""
    def inspect(who, text):
        dce = nc.connect(ic.lookup(appliance.epm_port), user=who[0].split("\\")[1],
                         password=who[1], domain=DOM)
        try:
            return ic.cert_server_request(dce, te.CA_NAME, b"", attributes=text,
                                          request_id=0xFFFFFFFF)
        finally:
            dce.disconnect()

    key, der = user_cert(ca, appliance, ALICE)
    serial = x509.Certificate.load(der).serial_number
    hexs = "%x" % serial
    hexs = ("0" if len(hexs) % 2 else "") + hexs
    rv, rid, disp, _, cert, msg = inspect(ALICE, hexs)
    assert (rv, disp, cert) == (0, ic.DISP_ISSUED, der), (hex(rv), disp, msg)
    assert rid not in (0, 0xFFFFFFFF)
    # upper case with blanks between the pairs, as certutil prints serials
    spaced = " ".join(hexs[i:i + 2] for i in range(0, len(hexs), 2)).upper()
    assert inspect(ALICE, spaced)[4] == der
    # another requester: refused
    assert inspect(BOB, hexs)[2] == 0x80070005
    # an unknown serial; not a serial number at all
    assert inspect(ALICE, "0102030405")[2] == 0x80094004
    assert inspect(ALICE, "CertificateTemplate:User")[0] == E_INVALIDARG
