"""Service tickets with an AD-like PAC, made with the service key alone (a
"silver ticket"), for the integration tests of issue 18.

MIT's KDC (1.20) puts a PAC in its tickets, but one without LOGON_INFO; AD's
KDC adds LOGON_INFO (the user's SID and groups). No MIT KDC makes one, so the
tests make the ticket themselves: whoever holds the service key can, which is
what the acceptor's checks are about.

    import silver
    tgs = silver.ticket(keytab_path)           # alice@CA.TEST, groups 513 and 1200
    krb_client.connect(binding, tgs)           # as kdc.impacket_tgs's dict is used

What is built (python3-impacket 0.10's ASN.1, crypto and PAC structures; the
PAC buffers with tests/unit/support/pac_impacket.py, the oracle pac.c's unit
tests use):
- EncTicketPart: flags forwardable, renewable, pre-authent; a fresh AES-256
  session key; crealm CA.TEST, cname alice (NT-PRINCIPAL); authtime = starttime
  = now (whole seconds), endtime = renew-till = now + 10 h; authorization-data
  AD-IF-RELEVANT { AD-WIN2K-PAC (128) }.
- the PAC: LOGON_INFO (KERB_VALIDATION_INFO: EffectiveName, LogonDomainName,
  LogonDomainId, UserId, PrimaryGroupId, GroupIds, ExtraSids with UserFlags
  0x20 when given), PAC_CLIENT_INFO (ClientId = authtime as a FILETIME, Name =
  the client name without the realm: MIT's acceptor compares both with the
  ticket), UPN_DNS_INFO, server and KDC signatures, HMAC-SHA1-96-AES256
  (checksum type 16, key usage 17), each over the PAC with both signatures
  zeroed (server) or over the server signature (KDC), as MS-PAC 2.8 says.
  The KDC signature should be made with krbtgt's key, which the tests do not
  have: it is made with the service key too. MIT's acceptor does not check it
  (mspac_verify calls krb5_pac_verify with privsvr NULL: only the server
  signature and PAC_CLIENT_INFO are checked).
- the Ticket: tkt-vno 5, realm CA.TEST, sname host/ca.example.test
  (NT-SRV-INST), enc-part etype 18 with the keytab's kvno, encrypted with the
  keytab's AES-256 key (key usage 2).
- the dict impacket's set_credentials(..., TGS=...) takes: KDC_REP (a TGS-REP
  around the ticket, its own enc-part a placeholder as ccache.py's toTGS
  writes it: impacket never opens it when given a TGS), cipher, sessionKey.

Options (each makes a ticket the acceptor must treat differently):
- tamper_pac: after signing, one octet of LOGON_INFO changes (the last
  sub-authority of LogonDomainId, so a PAC taken anyway would name another
  domain); the server signature no longer matches.
- sign_with_wrong_key: both signatures made with a random AES-256 key.
- no_pac: no authorization-data at all (MIT accepts such a ticket).
- client_info_name: PAC_CLIENT_INFO's name, when it should differ from the
  ticket's client (MIT then leaves the PAC unverified).
MIT's acceptor does not refuse a ticket whose PAC does not verify: it marks
the PAC unverified and then hides it (mspac_get_attribute returns ENOENT for an
unverified PAC, "pretend it didn't exist"): gss_get_name_attribute
("urn:mspac:") answers GSS_S_UNAVAILABLE, as for a ticket without a PAC.
"""
import datetime
import os
import struct
import sys
from pathlib import Path

from pyasn1.codec.der import encoder
from pyasn1.type.univ import noValue

from impacket.krb5 import constants
from impacket.krb5.asn1 import AD_IF_RELEVANT, TGS_REP, EncTicketPart
from impacket.krb5.crypto import Key, _checksum_table, _enctype_table
from impacket.krb5.keytab import Keytab
from impacket.krb5.pac import (PAC_CLIENT_INFO_TYPE, PAC_LOGON_INFO, PAC_PRIVSVR_CHECKSUM,
                               PAC_SERVER_CHECKSUM, PAC_UPN_DNS_INFO)
from impacket.krb5.types import KerberosTime

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "support"))
import pac_impacket as pi  # noqa: E402

REALM = "CA.TEST"
SERVICE = "host/ca.example.test"
DOMAIN_SID = "S-1-5-21-1111-2222-3333"
AES256 = 18
CKSUM_HMAC_SHA1_96_AES256 = 16
KU_PAC_SIGNATURE = 17          # KERB_NON_KERB_CKSUM_SALT, MS-PAC 2.8.1
KU_TICKET = 2                  # RFC 4120 7.5.1: the ticket's enc-part
AD_IF_RELEVANT_TYPE = 1
AD_WIN2K_PAC = 128
SIG_LEN = 12                   # HMAC-SHA1-96
LIFETIME = datetime.timedelta(hours=10)
FILETIME_EPOCH = 11644473600   # seconds from 1601-01-01 to 1970-01-01


class SilverError(RuntimeError):
    pass


def service_key(keytab, principal=SERVICE, realm=REALM):
    """The principal's newest AES-256 key in the keytab: (Key, kvno)."""
    best = None
    for e in Keytab.loadFile(str(keytab)).entries:
        m = e.main_part
        name = "/".join(c["data"].decode() for c in m["principal"].components)
        if m["principal"].realm["data"].decode() != realm or name != principal:
            continue
        if m["keyblock"]["keytype"] != AES256:
            continue
        if best is None or e.kvno > best[1]:
            best = (Key(AES256, bytes(m["keyblock"]["keyvalue"]["data"])), e.kvno)
    if best is None:
        raise SilverError("no AES-256 key of %s@%s in %s" % (principal, realm, keytab))
    return best


def filetime(dt):
    """A naive UTC datetime as a FILETIME (100 ns since 1601)."""
    return (int(dt.replace(tzinfo=datetime.timezone.utc).timestamp()) + FILETIME_EPOCH) \
        * 10000000


def sid_binary_tail(sid):
    """The last sub-authority of sid as NDR writes it (little endian), with
    the one before it, to find it in LOGON_INFO."""
    subs = [int(x) for x in sid.split("-")[3:]]
    return struct.pack("<II", subs[-2], subs[-1])


def signature_buffer(sig):
    return struct.pack("<I", CKSUM_HMAC_SHA1_96_AES256) + sig


def build_pac(user, logon_domain, domain_sid, rid, primary_group, groups, extra_sids,
              upn, dns_domain, authtime, client_name, sign_key, tamper):
    li = pi.logon_info(user, logon_domain, rid=rid, pgid=primary_group, groups=groups,
                       extra=extra_sids, domain_sid=domain_sid)
    zero = signature_buffer(b"\x00" * SIG_LEN)
    buffers = [(PAC_LOGON_INFO, li),
               (PAC_CLIENT_INFO_TYPE, pi.client_info(client_name, filetime(authtime))),
               (PAC_UPN_DNS_INFO, pi.upn_dns(upn, dns_domain)),
               (PAC_SERVER_CHECKSUM, zero), (PAC_PRIVSVR_CHECKSUM, zero)]
    unsigned = pi.pactype(buffers)
    cksum = _checksum_table[CKSUM_HMAC_SHA1_96_AES256]
    server_sig = cksum.checksum(sign_key, KU_PAC_SIGNATURE, unsigned)
    kdc_sig = cksum.checksum(sign_key, KU_PAC_SIGNATURE, server_sig)
    assert len(server_sig) == SIG_LEN and len(kdc_sig) == SIG_LEN
    if tamper:
        tail = sid_binary_tail(domain_sid)
        at = li.find(tail)
        if at < 0:
            raise SilverError("LogonDomainId not found in LOGON_INFO")
        li = bytearray(li)
        li[at + 4] ^= 0x01  # the last sub-authority: 3333 -> 3332
        li = bytes(li)
    buffers = [(PAC_LOGON_INFO, li)] + buffers[1:3] + [
        (PAC_SERVER_CHECKSUM, signature_buffer(server_sig)),
        (PAC_PRIVSVR_CHECKSUM, signature_buffer(kdc_sig))]
    pac = pi.pactype(buffers)
    assert len(pac) == len(unsigned)
    return pac


def set_authorization_data(etp, pac):
    """authorization-data = AD-IF-RELEVANT { AD-WIN2K-PAC }, filled in place
    (pyasn1 takes no untagged AuthorizationData for the [10] component)."""
    inner = AD_IF_RELEVANT()
    inner[0] = noValue
    inner[0]["ad-type"] = AD_WIN2K_PAC
    inner[0]["ad-data"] = pac
    etp["authorization-data"] = noValue
    etp["authorization-data"][0] = noValue
    etp["authorization-data"][0]["ad-type"] = AD_IF_RELEVANT_TYPE
    etp["authorization-data"][0]["ad-data"] = encoder.encode(inner)


def principal_name(node, name_type, parts):
    node["name-type"] = name_type
    node["name-string"] = noValue
    for i, p in enumerate(parts):
        node["name-string"][i] = p


def ticket(keytab, user="alice", realm=REALM, service=SERVICE, logon_domain="CA",
           domain_sid=DOMAIN_SID, rid=1105, primary_group=513, groups=(513, 1200),
           extra_sids=(), upn=None, dns_domain=None, client_info_name=None,
           tamper_pac=False, no_pac=False, sign_with_wrong_key=False, now=None,
           key_of=None):
    """A service ticket for user@realm to service, encrypted with the
    service's AES-256 key from keytab (or key_of's: AD issues a ticket for an
    SPN mapped to an account, such as RPCSS/NAME, in that account's key);
    returns impacket's TGS dict."""
    key, kvno = service_key(keytab, key_of or service, realm)
    session = Key(AES256, os.urandom(32))
    now = (now or datetime.datetime.utcnow()).replace(microsecond=0)

    etp = EncTicketPart()
    etp["flags"] = constants.encodeFlags([constants.TicketFlags.forwardable.value,
                                          constants.TicketFlags.renewable.value,
                                          constants.TicketFlags.pre_authent.value])
    etp["key"] = noValue
    etp["key"]["keytype"] = AES256
    etp["key"]["keyvalue"] = session.contents
    etp["crealm"] = realm
    etp["cname"] = noValue
    principal_name(etp["cname"], constants.PrincipalNameType.NT_PRINCIPAL.value, [user])
    etp["transited"] = noValue
    etp["transited"]["tr-type"] = 0
    etp["transited"]["contents"] = b""
    etp["authtime"] = KerberosTime.to_asn1(now)
    etp["starttime"] = KerberosTime.to_asn1(now)
    etp["endtime"] = KerberosTime.to_asn1(now + LIFETIME)
    etp["renew-till"] = KerberosTime.to_asn1(now + LIFETIME)
    if not no_pac:
        sign_key = Key(AES256, os.urandom(32)) if sign_with_wrong_key else key
        pac = build_pac(user, logon_domain, domain_sid, rid, primary_group, groups,
                        extra_sids, upn or "%s@%s" % (user, realm.lower()),
                        dns_domain or realm, now, client_info_name or user, sign_key,
                        tamper_pac)
        set_authorization_data(etp, pac)
    cipher = _enctype_table[AES256]
    sealed = cipher.encrypt(key, KU_TICKET, encoder.encode(etp), None)

    rep = TGS_REP()
    rep["pvno"] = 5
    rep["msg-type"] = int(constants.ApplicationTagNumbers.TGS_REP.value)
    rep["crealm"] = realm
    rep["cname"] = noValue
    principal_name(rep["cname"], constants.PrincipalNameType.NT_PRINCIPAL.value, [user])
    rep["ticket"] = noValue
    t = rep["ticket"]
    t["tkt-vno"] = 5
    t["realm"] = realm
    t["sname"] = noValue
    principal_name(t["sname"], constants.PrincipalNameType.NT_SRV_INST.value,
                   service.split("/"))
    t["enc-part"] = noValue
    t["enc-part"]["etype"] = AES256
    t["enc-part"]["kvno"] = kvno
    t["enc-part"]["cipher"] = sealed
    # impacket reads only the ticket and the key when it is given a TGS
    # (kerberosv5.getKerberosType1); the reply's enc-part is a placeholder.
    rep["enc-part"] = noValue
    rep["enc-part"]["etype"] = 1
    rep["enc-part"]["cipher"] = b""
    return {"KDC_REP": encoder.encode(rep), "cipher": cipher(), "sessionKey": session}


def open_ticket(tgs, keytab, service=SERVICE, realm=REALM):
    """The EncTicketPart of a TGS dict (kdc.impacket_tgs's or ticket()'s),
    decrypted with keytab, and the PAC in it (bytes or None): for the tests'
    own checks of what they send."""
    from pyasn1.codec.der import decoder
    rep = decoder.decode(tgs["KDC_REP"], asn1Spec=TGS_REP())[0]
    key, _ = service_key(keytab, service, realm)
    etype = int(rep["ticket"]["enc-part"]["etype"])
    if etype != AES256:
        raise SilverError("ticket etype %d" % etype)
    plain = _enctype_table[etype].decrypt(key, KU_TICKET,
                                          bytes(rep["ticket"]["enc-part"]["cipher"]))
    etp = decoder.decode(plain, asn1Spec=EncTicketPart())[0]
    pac = None
    if etp["authorization-data"].hasValue():
        for ad in etp["authorization-data"]:
            if int(ad["ad-type"]) != AD_IF_RELEVANT_TYPE:
                continue
            for a in decoder.decode(bytes(ad["ad-data"]), asn1Spec=AD_IF_RELEVANT())[0]:
                if int(a["ad-type"]) == AD_WIN2K_PAC:
                    pac = bytes(a["ad-data"])
    return etp, pac


def pac_verifies(pac, key):
    """Whether the PAC's server signature is right for key, as MS-PAC 2.8.3
    says (and MIT does): both signatures zeroed, HMAC-SHA1-96-AES256, key
    usage 17. impacket's checksum, as build_pac's: the independent check is
    MIT's krb5_pac_verify (test_kerberos_pac.py)."""
    n = struct.unpack_from("<I", pac, 0)[0]
    where = {}
    for i in range(n):
        t, size, off = struct.unpack_from("<IIQ", pac, 8 + 16 * i)
        where[t] = (off, size)
    zeroed = bytearray(pac)
    for t in (PAC_SERVER_CHECKSUM, PAC_PRIVSVR_CHECKSUM):
        off, size = where[t]
        zeroed[off + 4:off + size] = b"\x00" * (size - 4)
    off, size = where[PAC_SERVER_CHECKSUM]
    ctype = struct.unpack_from("<I", pac, off)[0]
    sig = pac[off + 4:off + size]
    return ctype == CKSUM_HMAC_SHA1_96_AES256 and \
        _checksum_table[ctype].checksum(key, KU_PAC_SIGNATURE, bytes(zeroed)) == sig
