"""Kerberos logons whose ticket carries an AD-like PAC (issue 18): "When the
ticket carries a PAC (AD's KDC adds one), its groups and SID are used and its
server signature is checked with the service key."

MIT's KDC writes no LOGON_INFO, so the tickets are made with the service key
from the keytab the `kdc` fixture exports (silver.py). The appliance is driven
as test_kerberos.py drives it: the keytab installed with `caadm kerberos keytab
add`, the domain account CA.TEST\\alice (with a SID of its own, ACCOUNT_SID,
different from the PAC's), impacket's Kerberos MS-ICPR client.

Oracles: MIT's own krb5_pac_verify (libkrb5 through ctypes) and impacket's
VALIDATION_INFO decoder for the tickets silver.py makes; the certificate's
SID extension (1.3.6.1.4.1.311.25.2) read with python3-asn1crypto
(test_templates_enroll.sid_of) and checked by openssl verify; `ca-ledger show`
for the refusals; ca-auth's log line for what the identity token carried.

On main as of 47df57d the PAC is not yet used and a PAC that does not verify is
taken for no PAC: test_pac_logon_takes_the_pacs_sid_and_groups and
test_pac_that_does_not_verify_refused fail there (the certificate has the
account's SID; the forged logons succeed) and pass once ca-auth takes the
PAC's SID and groups and refuses a ticket whose PAC gss_inquire_name lists but
gss_get_name_attribute hides."""
import ctypes
import ctypes.util
import re
import struct

import pytest
from impacket.dcerpc.v5.dtypes import RPC_SID
from impacket.krb5.pac import PAC_LOGON_INFO, VALIDATION_INFO
from asn1crypto import x509

import icpr_client as ic
import krb_client as kc
import ntlm_client as nc
import silver
from conftest import issuing_ca
from test_kerberos import add_domain_account, binding, caadm, refused_events, tgs
from test_ntlm import CA_NAME, csr, journal, openssl_verify
from test_templates_enroll import sid_of

REALM = "CA.TEST"
ALICE = f"{REALM}\\alice"
PAC_SID = silver.DOMAIN_SID + "-1105"
ACCOUNT_SID = "S-1-5-21-9999-8888-7777-1105"
EXTRA_SID = "S-1-5-21-4444-5555-6666-1300"
PAC_LINE = re.compile(r"Kerberos logon of CA\.TEST\\alice \(PAC: (S-[0-9-]+), (\d+) groups\)")

# MIT krb5 1.20's error codes (krb5.h), as its krb5_pac_verify returns them
KRB5KRB_AP_ERR_MODIFIED = -1765328343       # "Message stream modified"
KRB5KRB_AP_WRONG_PRINC = -1765328240        # "Wrong principal in request"


@pytest.fixture
def ca(tmp_path, token, kdc):
    c = issuing_ca(tmp_path, token)
    c["keytab"] = kdc.keytab(tmp_path / "export.keytab")
    p = caadm("kerberos", "keytab", "add", "--unjournaled", "--data", c["data"], c["keytab"])
    assert p.returncode == 0, p.stderr
    add_domain_account(c["data"], ALICE, "--upn", "alice@ca.test", "--email", "alice@ca.test",
                       "--sid", ACCOUNT_SID)
    return c


# ---- MIT's libkrb5 as the oracle for silver.py's PACs ----

class _Keyblock(ctypes.Structure):
    _fields_ = [("magic", ctypes.c_int32), ("enctype", ctypes.c_int32),
                ("length", ctypes.c_uint), ("contents", ctypes.POINTER(ctypes.c_ubyte))]


def mit_pac_verify(pac, authtime, client, key):
    """krb5_pac_verify(pac, authtime, client, server key, privsvr NULL): what
    MIT's acceptor runs on a ticket's PAC (mspac_verify). 0 or MIT's error."""
    lib = ctypes.CDLL(ctypes.util.find_library("krb5") or "libkrb5.so.3")
    ctx, p, princ = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_void_p()
    assert lib.krb5_init_context(ctypes.byref(ctx)) == 0
    try:
        assert lib.krb5_pac_parse(ctx, pac, ctypes.c_size_t(len(pac)), ctypes.byref(p)) == 0
        assert lib.krb5_parse_name(ctx, client.encode(), ctypes.byref(princ)) == 0
        raw = (ctypes.c_ubyte * len(key.contents)).from_buffer_copy(key.contents)
        kb = _Keyblock(0, key.enctype, len(key.contents), raw)
        lib.krb5_pac_verify.restype = ctypes.c_int32
        return lib.krb5_pac_verify(ctx, p, ctypes.c_int32(authtime), princ, ctypes.byref(kb),
                                   None)
    finally:
        if princ:
            lib.krb5_free_principal(ctx, princ)
        if p:
            lib.krb5_pac_free(ctx, p)
        lib.krb5_free_context(ctx)


def pac_buffer(pac, wanted):
    n = struct.unpack_from("<I", pac, 0)[0]
    for i in range(n):
        t, size, off = struct.unpack_from("<IIQ", pac, 8 + 16 * i)
        if t == wanted:
            return pac[off:off + size]
    return None


def authtime_of(etp):
    import calendar
    import time
    return calendar.timegm(time.strptime(str(etp["authtime"]), "%Y%m%d%H%M%SZ"))


def sid_text(rpc_sid):
    s = RPC_SID()
    s.fromString(rpc_sid.getData())
    return s.formatCanonical()


def test_silver_tickets_as_mit_and_impacket_read_them(kdc, tmp_path):
    """The tool itself: the ticket opens with the keytab; MIT's
    krb5_pac_verify accepts its PAC and refuses the tampered one, the one
    signed with another key and one naming another client; impacket's NDR
    decoder reads the LOGON_INFO the tests rely on."""
    kt = kdc.keytab(tmp_path / "t.keytab")
    key, kvno = silver.service_key(kt)
    assert kvno == kdc.kvno("host/ca.example.test")

    etp, pac = silver.open_ticket(silver.ticket(kt, extra_sids=(EXTRA_SID,)), kt)
    assert str(etp["cname"]["name-string"][0]) == "alice" and str(etp["crealm"]) == REALM
    when = authtime_of(etp)
    assert mit_pac_verify(pac, when, "alice@CA.TEST", key) == 0
    assert silver.pac_verifies(pac, key)
    # MIT's acceptor compares PAC_CLIENT_INFO with the ticket: authtime and name
    assert mit_pac_verify(pac, when + 1, "alice@CA.TEST", key) == KRB5KRB_AP_WRONG_PRINC
    assert mit_pac_verify(pac, when, "bob@CA.TEST", key) == KRB5KRB_AP_WRONG_PRINC

    li = pac_buffer(pac, PAC_LOGON_INFO)
    info = VALIDATION_INFO()
    info.fromString(li)
    info.fromStringReferents(li, len(info.getData()))
    k = info["Data"]
    assert str(k["EffectiveName"]) == "alice" and str(k["LogonDomainName"]) == "CA"
    assert sid_text(k["LogonDomainId"]) == silver.DOMAIN_SID
    assert (k["UserId"], k["PrimaryGroupId"]) == (1105, 513)
    assert [g["RelativeId"] for g in k["GroupIds"]] == [513, 1200]
    assert k["UserFlags"] & 0x20 and [sid_text(s["Sid"]) for s in k["ExtraSids"]] == [EXTRA_SID]

    etp, bad = silver.open_ticket(silver.ticket(kt, tamper_pac=True), kt)
    li = pac_buffer(bad, PAC_LOGON_INFO)
    info = VALIDATION_INFO()
    info.fromString(li)
    info.fromStringReferents(li, len(info.getData()))
    assert sid_text(info["Data"]["LogonDomainId"]) == "S-1-5-21-1111-2222-3332"
    for opt, err in (("tamper_pac", KRB5KRB_AP_ERR_MODIFIED),
                     ("sign_with_wrong_key", KRB5KRB_AP_ERR_MODIFIED)):
        etp, bad = silver.open_ticket(silver.ticket(kt, **{opt: True}), kt)
        assert mit_pac_verify(bad, authtime_of(etp), "alice@CA.TEST", key) == err, opt
        assert not silver.pac_verifies(bad, key)
    etp, bad = silver.open_ticket(silver.ticket(kt, client_info_name="bob"), kt)
    assert mit_pac_verify(bad, authtime_of(etp), "alice@CA.TEST", key) == KRB5KRB_AP_WRONG_PRINC
    assert silver.open_ticket(silver.ticket(kt, no_pac=True), kt)[1] is None

    # the signature check agrees with MIT's KDC on a PAC it signed itself
    etp, mit_pac = silver.open_ticket(tgs(kdc), kt)
    assert silver.pac_verifies(mit_pac, key)
    assert mit_pac_verify(mit_pac, authtime_of(etp), "alice@CA.TEST", key) == 0


# ---- MIT's GSSAPI acceptor on the same tickets ----
#
# What ca-auth sees (krb.c pac_of): MIT's acceptor does not refuse a ticket
# whose PAC does not verify; it marks the PAC unverified and gss_get_name_attribute
# ("urn:mspac:") then answers GSS_S_UNAVAILABLE, as for a ticket without a PAC
# (MIT 1.20's mspac_get_attribute: "If it didn't verify, pretend it didn't
# exist"). gss_inquire_name still lists the PAC's attributes: that is what tells
# the two apart.

GSS_S_UNAVAILABLE = 0x100000


class _Buf(ctypes.Structure):
    _fields_ = [("length", ctypes.c_size_t), ("value", ctypes.c_void_p)]


class _BufSet(ctypes.Structure):
    _fields_ = [("count", ctypes.c_size_t), ("elements", ctypes.POINTER(_Buf))]


def gss_ap_req(tgs, user="alice"):
    """A GSS-framed AP-REQ (RFC 1964 framing, TOK_ID 01 00) for the ticket in
    tgs, without DCE style or mutual authentication so that one
    gss_accept_sec_context completes: impacket's pieces, as
    kerberosv5.getKerberosType1 builds its authenticator."""
    import datetime
    from pyasn1.codec.der import decoder, encoder
    from pyasn1.type.univ import noValue
    from impacket.krb5.asn1 import AP_REQ, TGS_REP, Authenticator, seq_set
    from impacket.krb5 import constants
    from impacket.krb5.gssapi import (GSS_C_CONF_FLAG, GSS_C_INTEG_FLAG, GSS_C_REPLAY_FLAG,
                                      GSS_C_SEQUENCE_FLAG, CheckSumField)
    from impacket.krb5.types import KerberosTime, Principal, Ticket
    from impacket.spnego import ASN1_AID, ASN1_OID, TypesMech, asn1encode

    rep = decoder.decode(tgs["KDC_REP"], asn1Spec=TGS_REP())[0]
    t = Ticket()
    t.from_asn1(rep["ticket"])
    req = AP_REQ()
    req["pvno"] = 5
    req["msg-type"] = int(constants.ApplicationTagNumbers.AP_REQ.value)
    req["ap-options"] = constants.encodeFlags([])
    seq_set(req, "ticket", t.to_asn1)
    au = Authenticator()
    au["authenticator-vno"] = 5
    au["crealm"] = REALM
    seq_set(au, "cname", Principal(user, type=1).components_to_asn1)
    now = datetime.datetime.utcnow()
    au["cusec"] = now.microsecond
    au["ctime"] = KerberosTime.to_asn1(now)
    au["cksum"] = noValue
    au["cksum"]["cksumtype"] = 0x8003
    c = CheckSumField()
    c["Lgth"] = 16
    c["Flags"] = GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG | GSS_C_SEQUENCE_FLAG | GSS_C_REPLAY_FLAG
    au["cksum"]["checksum"] = c.getData()
    sealed = tgs["cipher"].encrypt(tgs["sessionKey"], 11, encoder.encode(au), None)
    req["authenticator"] = noValue
    req["authenticator"]["etype"] = tgs["cipher"].enctype
    req["authenticator"]["cipher"] = sealed
    return bytes([ASN1_AID]) + asn1encode(bytes([ASN1_OID]) + asn1encode(
        TypesMech["KRB5 - Kerberos 5"]) + b"\x01\x00" + encoder.encode(req))


def mit_accept(token):
    """gss_accept_sec_context with the default acceptor (KRB5_KTNAME), then
    gss_inquire_name's attributes and gss_get_name_attribute("urn:mspac:"):
    (accept major, [attributes], get major, authenticated)."""
    g = ctypes.CDLL(ctypes.util.find_library("gssapi_krb5") or "libgssapi_krb5.so.2")
    minor, ctx, src = ctypes.c_uint32(), ctypes.c_void_p(), ctypes.c_void_p()
    out, flags = _Buf(), ctypes.c_uint32()
    keep = ctypes.create_string_buffer(token, len(token))
    inb = _Buf(len(token), ctypes.cast(keep, ctypes.c_void_p))
    major = g.gss_accept_sec_context(ctypes.byref(minor), ctypes.byref(ctx), None,
                                     ctypes.byref(inb), None, ctypes.byref(src), None,
                                     ctypes.byref(out), ctypes.byref(flags), None, None)
    if major != 0:
        return major, [], None, None
    try:
        is_mn, names = ctypes.c_int(), ctypes.POINTER(_BufSet)()
        assert g.gss_inquire_name(ctypes.byref(minor), src, ctypes.byref(is_mn), None,
                                  ctypes.byref(names)) == 0
        attrs = []
        if names:
            for i in range(names.contents.count):
                e = names.contents.elements[i]
                attrs.append(ctypes.string_at(e.value, e.length).decode())
            g.gss_release_buffer_set(ctypes.byref(minor), ctypes.byref(names))
        want = ctypes.create_string_buffer(b"urn:mspac:", 10)
        attr = _Buf(10, ctypes.cast(want, ctypes.c_void_p))
        auth, comp, val, disp, more = (ctypes.c_int(), ctypes.c_int(), _Buf(), _Buf(),
                                       ctypes.c_int(-1))
        got = g.gss_get_name_attribute(ctypes.byref(minor), src, ctypes.byref(attr),
                                       ctypes.byref(auth), ctypes.byref(comp), ctypes.byref(val),
                                       ctypes.byref(disp), ctypes.byref(more))
        g.gss_release_buffer(ctypes.byref(minor), ctypes.byref(val))
        g.gss_release_buffer(ctypes.byref(minor), ctypes.byref(disp))
        return major, attrs, got, auth.value
    finally:
        g.gss_release_name(ctypes.byref(minor), ctypes.byref(src))
        g.gss_delete_sec_context(ctypes.byref(minor), ctypes.byref(ctx), None)
        g.gss_release_buffer(ctypes.byref(minor), ctypes.byref(out))


def test_mit_acceptor_hides_a_pac_that_does_not_verify(kdc, tmp_path, monkeypatch):
    """The behaviour of MIT 1.20's acceptor ca-auth has to work with, on
    silver.py's tickets: a good PAC is "authenticated"; a tampered one, one
    signed with another key and one naming another client are accepted with
    the PAC hidden from gss_get_name_attribute exactly as a ticket without a
    PAC is, and only gss_inquire_name shows that the ticket had one."""
    kt = kdc.keytab(tmp_path / "t.keytab")
    monkeypatch.setenv("KRB5_CONFIG", kdc.krb5_conf)
    monkeypatch.setenv("KRB5_KTNAME", "FILE:%s" % kt)
    monkeypatch.setenv("KRB5RCACHETYPE", "none")
    major, attrs, got, auth = mit_accept(gss_ap_req(silver.ticket(kt)))
    assert (major, got, auth) == (0, 0, 1)
    assert "urn:mspac:logon-info" in attrs
    for forged in ({"tamper_pac": True}, {"sign_with_wrong_key": True},
                   {"client_info_name": "bob"}):
        major, attrs, got, auth = mit_accept(gss_ap_req(silver.ticket(kt, **forged)))
        assert (major, got) == (0, GSS_S_UNAVAILABLE), forged
        assert "urn:mspac:" in attrs and "urn:mspac:logon-info" in attrs, forged
    major, attrs, got, auth = mit_accept(gss_ap_req(silver.ticket(kt, no_pac=True)))
    assert (major, attrs, got) == (0, [], GSS_S_UNAVAILABLE)


# ---- the appliance ----

def enroll_user_template(dce, ca, name):
    """The User template: its names and the SID extension come from the
    identity the logon established."""
    rv, rid, disp, p7, cert, msg = nc.request(dce, CA_NAME, csr(ca["tmp"], name),
                                              attributes="CertificateTemplate:User")
    assert (rv, disp) == (0, ic.DISP_ISSUED), (hex(rv), hex(disp), msg)
    openssl_verify(ca, cert)
    return x509.Certificate.load(cert), rid


def logons(a):
    return [ln for ln in a.text().splitlines() if "ca-auth: Kerberos logon of" in ln]


def test_pac_logon_takes_the_pacs_sid_and_groups(appliance, ca, kdc):
    a = appliance(policy="issue", subject_rule="request")
    ticket = silver.ticket(ca["keytab"], extra_sids=(EXTRA_SID,))
    dce = kc.connect(binding(a), ticket)
    # the logon succeeded: a sealed call goes through and is issued
    rv, rid, disp, p7, cert, msg = nc.request(dce, CA_NAME, csr(ca["tmp"], "pac1"))
    assert (rv, disp) == (0, ic.DISP_ISSUED), msg
    openssl_verify(ca, cert)
    assert any(f"request={rid} requester={ALICE}" in ln for ln in journal(ca))
    # the real oracle: the certificate's SID extension names the PAC's user,
    # not the account's SID
    cert, _ = enroll_user_template(dce, ca, "pac2")
    dce.disconnect()
    assert sid_of(cert) == PAC_SID
    # what the identity token carried: the PAC's SID; groups 513, 1200 and the
    # extra SID (UserFlags 0x20)
    m = [PAC_LINE.search(ln) for ln in logons(a)]
    assert m and m[-1] is not None, logons(a)
    assert (m[-1].group(1), int(m[-1].group(2))) == (PAC_SID, 3)


@pytest.mark.parametrize("forged", [{"tamper_pac": True}, {"sign_with_wrong_key": True},
                                    {"client_info_name": "bob"}],
                         ids=["tampered", "wrong-key", "client-info-mismatch"])
def test_pac_that_does_not_verify_refused(appliance, ca, kdc, forged):
    """MIT accepts the ticket and hides the PAC it could not verify
    (silver.py's docstring): the refusal is ca-auth's."""
    a = appliance(policy="issue", subject_rule="request")
    with pytest.raises(Exception):
        kc.connect(binding(a), silver.ticket(ca["keytab"], **forged))
    assert "the ticket's PAC does not verify" in a.text(), logons(a)
    assert refused_events(ca)
    assert logons(a) == []  # no logon at all, not one without the PAC
    # the well-signed ticket still gets in
    kc.connect(binding(a), silver.ticket(ca["keytab"])).disconnect()


def test_no_pac_the_account_supplies_the_sid(appliance, ca, kdc):
    a = appliance(policy="issue", subject_rule="request")
    dce = kc.connect(binding(a), silver.ticket(ca["keytab"], no_pac=True))
    cert, _ = enroll_user_template(dce, ca, "nopac")
    dce.disconnect()
    assert sid_of(cert) == ACCOUNT_SID
    assert logons(a) and "PAC:" not in logons(a)[-1], logons(a)


def test_mit_pac_without_logon_info_the_account_supplies_the_sid(appliance, ca, kdc):
    """MIT's KDC's own PAC (client info and signatures, no LOGON_INFO)."""
    a = appliance(policy="issue", subject_rule="request")
    dce = kc.connect(binding(a), tgs(kdc))
    cert, _ = enroll_user_template(dce, ca, "mitpac")
    dce.disconnect()
    assert sid_of(cert) == ACCOUNT_SID
    assert logons(a) and not PAC_LINE.search(logons(a)[-1]), logons(a)


# ---- AD users in many groups: IDENTITY_MAX_GROUPS is the PAC decoder's 256 ----

def many_groups(n, first=2000):
    """n group RIDs of the PAC's domain (513, Domain Users, first)."""
    return (513,) + tuple(range(first, first + n - 1))


def set_account_groups(ca, *groups):
    args = []
    for g in groups:
        args += ["--group", g]
    p = caadm("account", "set", "--data", ca["data"], *args, ALICE)
    assert p.returncode == 0, p.stderr


def test_pac_of_100_groups_enrolls(appliance, ca, kdc):
    """More than the 32 groups an identity token carried before: the logon is
    made, the token carries them and the policy takes it."""
    a = appliance(policy="issue", subject_rule="request")
    groups = many_groups(100)
    ticket = silver.ticket(ca["keytab"], groups=groups)
    # impacket's reading of what silver.py wrote: 100 groups in LOGON_INFO,
    # and MIT's: the PAC verifies with the service key
    etp, pac = silver.open_ticket(ticket, ca["keytab"])
    assert mit_pac_verify(pac, authtime_of(etp), "alice@CA.TEST",
                          silver.service_key(ca["keytab"])[0]) == 0
    li = pac_buffer(pac, PAC_LOGON_INFO)
    info = VALIDATION_INFO()
    info.fromString(li)
    info.fromStringReferents(li, len(info.getData()))
    assert [g["RelativeId"] for g in info["Data"]["GroupIds"]] == list(groups)
    dce = kc.connect(binding(a), ticket)
    cert, rid = enroll_user_template(dce, ca, "many")
    dce.disconnect()
    assert sid_of(cert) == PAC_SID
    assert any(f"request={rid} requester={ALICE}" in ln for ln in journal(ca))
    m = [PAC_LINE.search(ln) for ln in logons(a)]
    assert m and m[-1] is not None, logons(a)
    assert (m[-1].group(1), int(m[-1].group(2))) == (PAC_SID, 100)


def test_pac_and_account_groups_at_256_log_on_one_more_refused(appliance, ca, kdc):
    """Both sides of the bound: the PAC's 255 groups and the account record's
    own make 256, which logs on; the PAC's 256 and the account's make 257,
    refused (and journaled) rather than carried in part."""
    set_account_groups(ca, "Staff")
    a = appliance(policy="issue", subject_rule="request")
    dce = kc.connect(binding(a), silver.ticket(ca["keytab"], groups=many_groups(255)))
    cert, _ = enroll_user_template(dce, ca, "at256")
    dce.disconnect()
    m = [PAC_LINE.search(ln) for ln in logons(a)]
    assert m and m[-1] is not None and int(m[-1].group(2)) == 255, logons(a)
    assert not refused_events(ca)
    with pytest.raises(Exception):
        kc.connect(binding(a), silver.ticket(ca["keytab"], groups=many_groups(256)))
    assert ("the PAC's 256 groups and the account record's 1 make more than the 256 an "
            "identity token carries") in a.text()
    assert refused_events(ca)
    assert len(logons(a)) == 1  # the refused one made no logon


def test_pac_of_more_than_256_groups_refused(appliance, ca, kdc):
    """300 group SIDs: beyond the PAC decoder's bound, the logon is refused and
    journaled; the next logon goes on."""
    a = appliance(policy="issue", subject_rule="request")
    with pytest.raises(Exception):
        kc.connect(binding(a), silver.ticket(ca["keytab"], groups=many_groups(300)))
    assert "the ticket's PAC cannot be read" in a.text()
    assert "(at most 256)" in a.text()
    assert refused_events(ca)
    assert logons(a) == []
    kc.connect(binding(a), silver.ticket(ca["keytab"])).disconnect()
