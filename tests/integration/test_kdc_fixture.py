"""The `kdc` fixture (kdc.py): a private MIT realm CA.TEST on loopback. Each check
goes through an independent path: a ticket MIT's kinit/kvno obtained is decrypted
here with impacket's crypto and the key impacket's Keytab reads from the file
kadmin.local exported, and klist is the oracle for the keytab's entries."""
import os
import subprocess
import time

import pytest
from impacket.krb5 import crypto
from impacket.krb5.asn1 import TGS_REP, EncTicketPart, Ticket
from impacket.krb5.ccache import CCache
from impacket.krb5.keytab import Keytab
from pyasn1.codec.der import decoder

from kdc import KDCError

SERVICE = "host/ca.example.test"
OTHER = "host/other.example.test"
USAGE_TICKET = 2  # RFC 4120 7.5.1: the ticket's enc-part, under the service key


def service_ticket(kdc, cc, service=SERVICE):
    """The credential for service in ccache cc (impacket's reader)."""
    cred = CCache.loadFile(cc).getCredential("%s@%s" % (service, kdc.realm), anySPN=False)
    assert cred is not None, service
    return cred


def enc_part(cred):
    t = decoder.decode(cred.ticket["data"], asn1Spec=Ticket())[0]
    e = t["enc-part"]
    return int(e["etype"]), int(e["kvno"]), bytes(e["cipher"])


def keytab_key(keytab_path, principal, etype, kvno):
    """The key of principal, enctype and kvno in the keytab (impacket's reader;
    its own getKey ignores the kvno), or None."""
    want = principal.upper().split("@")[0].encode()
    for e in Keytab.loadFile(keytab_path).entries:
        m = e.main_part
        if (not e.deleted and m["principal"].prettyPrint().upper().split(b"@")[0] == want
                and m["keyblock"]["keytype"] == etype and e.kvno == kvno):
            return bytes(m["keyblock"]["keyvalue"]["data"])
    return None


def decrypt_ticket(keytab_path, principal, cred):
    """The ticket's EncTicketPart, decrypted with the keytab's key of the ticket's
    enctype and kvno (impacket's Keytab and crypto: not MIT's code)."""
    etype, kvno, cipher = enc_part(cred)
    kb = keytab_key(keytab_path, principal, etype, kvno)
    assert kb is not None, "no key of enctype %d kvno %d in %s" % (etype, kvno, keytab_path)
    plain = crypto._enctype_table[etype].decrypt(crypto.Key(etype, kb), USAGE_TICKET, cipher)
    return decoder.decode(plain, asn1Spec=EncTicketPart())[0]


def klist_keytab(kdc, path):
    """[(kvno, enctype name)] as `klist -k -e` lists them."""
    out = subprocess.run(["klist", "-k", "-e", path], env=kdc.env, capture_output=True,
                         text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[0].isdigit():
            rows.append((int(parts[0]), line[line.rindex("(") + 1:line.rindex(")")]))
    return rows


def test_realm_is_private(kdc):
    assert kdc.realm == "CA.TEST"
    assert os.path.dirname(kdc.krb5_conf) == kdc.dir
    assert kdc.env["KRB5_CONFIG"] == kdc.krb5_conf
    assert kdc.env["KRB5_KDC_PROFILE"] == kdc.kdc_conf
    assert kdc.proc.poll() is None


def test_ticket_decrypts_with_exported_keytab(kdc, tmp_path):
    cc = kdc.ticket("alice", kdc.passwords["alice"])
    cred = service_ticket(kdc, cc)
    kt = kdc.keytab(str(tmp_path / "host.keytab"))
    assert os.stat(kt).st_size > 0
    # AES only, the principal's current kvno
    kv = kdc.kvno(SERVICE)
    assert klist_keytab(kdc, kt) == [(kv, "aes256-cts-hmac-sha1-96"),
                                     (kv, "aes128-cts-hmac-sha1-96")]
    etype, kvno, _ = enc_part(cred)
    assert (etype, kvno) == (18, kv)
    tkt = decrypt_ticket(kt, SERVICE, cred)
    assert str(tkt["crealm"]) == "CA.TEST"
    assert [str(c) for c in tkt["cname"]["name-string"]] == ["alice"]
    # the session key in the ticket is the one the client holds in its ccache
    assert bytes(tkt["key"]["keyvalue"]) == bytes(cred["key"]["keyvalue"])


def test_other_service_key_does_not_decrypt(kdc, tmp_path):
    """The decryption above can fail: another service's key does not open it."""
    cred = service_ticket(kdc, kdc.ticket("bob", kdc.passwords["bob"]))
    kt = kdc.keytab(str(tmp_path / "other.keytab"), OTHER)
    etype, _, cipher = enc_part(cred)
    kb = Keytab.loadFile(kt).getKey(OTHER, specificEncType=etype)
    with pytest.raises(crypto.InvalidChecksum):
        crypto._enctype_table[etype].decrypt(crypto.Key(etype, bytes(kb["keyvalue"]["data"])),
                                             USAGE_TICKET, cipher)


def test_ticket_for_second_service(kdc, tmp_path):
    cc = kdc.ticket("bob", kdc.passwords["bob"], service=OTHER)
    cred = service_ticket(kdc, cc, OTHER)
    tkt = decrypt_ticket(kdc.keytab(str(tmp_path / "o.keytab"), OTHER), OTHER, cred)
    assert [str(c) for c in tkt["cname"]["name-string"]] == ["bob"]


def test_wrong_password_fails(kdc):
    with pytest.raises(KDCError, match="(?i)password incorrect|preauthentication failed"):
        kdc.ticket("alice", kdc.passwords["alice"] + "x")
    with pytest.raises(KDCError):
        kdc.ticket("alice", kdc.passwords["bob"])


def test_rekey_changes_kvno(kdc, tmp_path):
    before = kdc.kvno(OTHER)
    old = kdc.keytab(str(tmp_path / "old.keytab"), OTHER)
    assert kdc.rekey(OTHER) == before + 1
    assert kdc.kvno(OTHER) == before + 1
    cred = service_ticket(kdc, kdc.ticket("alice", kdc.passwords["alice"], service=OTHER),
                          OTHER)
    etype, kvno, cipher = enc_part(cred)
    assert kvno == before + 1
    # the stale keytab holds only the old kvno, whose key no longer opens the ticket
    assert {k for k, _ in klist_keytab(kdc, old)} == {before}
    kb = Keytab.loadFile(old).getKey(OTHER, specificEncType=etype)
    with pytest.raises(crypto.InvalidChecksum):
        crypto._enctype_table[etype].decrypt(crypto.Key(etype, bytes(kb["keyvalue"]["data"])),
                                             USAGE_TICKET, cipher)
    new = kdc.keytab(str(tmp_path / "new.keytab"), OTHER)
    assert {k for k, _ in klist_keytab(kdc, new)} == {before + 1}
    decrypt_ticket(new, OTHER, cred)


def test_expired_ticket(kdc):
    cc = kdc.ticket("alice", kdc.passwords["alice"], lifetime="3s")
    cred = service_ticket(kdc, cc)
    start, end = cred["time"]["starttime"], cred["time"]["endtime"]
    assert 0 < end - start <= 3
    # klist -s: exit 0 while the ccache holds a valid ticket, 1 once none is
    env = dict(kdc.env, KRB5CCNAME="FILE:" + cc)
    assert subprocess.run(["klist", "-s"], env=env).returncode == 0
    time.sleep(max(0.0, end - time.time()) + 1.1)
    assert subprocess.run(["klist", "-s"], env=env).returncode == 1
    assert end < time.time()


def test_impacket_tgs(kdc):
    cc = kdc.ticket("alice", kdc.passwords["alice"])
    tgs = kdc.impacket_tgs(cc, SERVICE)
    rep = decoder.decode(tgs["KDC_REP"], asn1Spec=TGS_REP())[0]
    assert [str(c) for c in rep["ticket"]["sname"]["name-string"]] == ["host", "ca.example.test"]
    assert str(rep["ticket"]["realm"]) == "CA.TEST"
    cred = service_ticket(kdc, cc)
    assert tgs["sessionKey"].contents == bytes(cred["key"]["keyvalue"])
    assert tgs["sessionKey"].enctype == 18
    with pytest.raises(KDCError, match="no ticket"):
        kdc.impacket_tgs(cc, OTHER)


def test_stop_cleans_up():
    from kdc import KDC
    k = KDC()
    d, pid = k.dir, k.proc.pid
    k.stop()
    assert not os.path.exists(d)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    k.stop()  # idempotent
