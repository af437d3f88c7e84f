"""Kerberos inside SPNEGO (DCE/RPC auth type 9) on MS-ICPR, end to end: a
private MIT realm on loopback (kdc.py), the CA's keytab exported with
kadmin.local and installed with `caadm kerberos keytab add`, cad with ca-auth
(MIT GSSAPI) and the worker (firmware/rpc/krb5_seal.c); python3-impacket's
Kerberos DCE/RPC client with a service ticket from MIT's kinit/kvno; openssl
as the oracle for certificates; the journal read with `ca-ledger show`.

The refusals the issue names are each tried here: a wrong service key, an
expired ticket, a replayed authenticator, a ticket for another service,
integrity level only, a tampered sealed PDU; each is refused and journaled."""
import subprocess
import time

import pytest
from impacket.dcerpc.v5.rpcrt import DCERPCException

import icpr_client as ic
import krb_client as kc
import ntlm_client as nc
from conftest import BIN, issuing_ca, run
from kdc import OTHER_SERVICE
from test_ntlm import CA_NAME, assert_dropped, csr, journal, openssl_verify

REALM = "CA.TEST"
ALICE = f"{REALM}\\alice"


def caadm(*args, input=None):
    return subprocess.run([str(BIN / "caadm"), *map(str, args)], input=input, text=True,
                          capture_output=True)


def install_keytab(kdc, data, tmp):
    kt = kdc.keytab(tmp / "export.keytab")
    p = caadm("kerberos", "keytab", "add", "--unjournaled", "--data", data, kt)
    assert p.returncode == 0, p.stderr


def add_domain_account(data, name, *attrs):
    """A domain account: attributes, no password (Kerberos only)."""
    p = caadm("account", "add", "--data", data, "--no-password", *attrs, name)
    assert p.returncode == 0, p.stderr


@pytest.fixture
def ca(tmp_path, token, kdc):
    c = issuing_ca(tmp_path, token)
    install_keytab(kdc, c["data"], tmp_path)
    add_domain_account(c["data"], ALICE, "--upn", "alice@ca.test")
    return c


def binding(a):
    return ic.lookup(a.epm_port)


def tgs(kdc, user="alice", service="host/ca.example.test", lifetime=None):
    cc = kdc.ticket(user, kdc.passwords[user], service=service, lifetime=lifetime)
    return kdc.impacket_tgs(cc, service)


def refused_events(ca):
    return [ln for ln in journal(ca) if "kerberos-refused" in ln]


def bind_refused(a, ticket, **kw):
    with pytest.raises(Exception) as e:
        kc.connect(binding(a), ticket, **kw)
    return str(e.value)


def still_serving(a, ca, kdc):
    dce = kc.connect(binding(a), tgs(kdc))
    rv, rid, disp, p7, cert, msg = nc.request(dce, CA_NAME, csr(ca["tmp"], "after"))
    assert (rv, disp) == (0, ic.DISP_ISSUED)
    dce.disconnect()
    assert "killed by signal" not in a.text()


def test_privacy_enroll_issued_as_the_realm_user(appliance, ca, kdc):
    a = appliance(policy="issue", subject_rule="request")
    dce = kc.connect(binding(a), tgs(kdc))
    rv, rid, disp, p7, cert, msg = nc.request(dce, CA_NAME, csr(ca["tmp"]))
    assert (rv, disp, msg) == (0, ic.DISP_ISSUED, "Issued")
    openssl_verify(ca, cert)
    # several sealed calls on one connection: the sequence numbers go on
    for i in range(3):
        assert nc.request(dce, CA_NAME, csr(ca["tmp"], f"k{i}"))[2] == ic.DISP_ISSUED
    # retrieval by the same realm user
    assert nc.request(dce, CA_NAME, request_id=rid)[2] == ic.DISP_ISSUED
    dce.disconnect()
    assert any(f"request={rid} requester={ALICE}" in ln for ln in journal(ca))
    assert f"ca-auth: Kerberos logon of {ALICE}" in a.text()


def test_integrity_level_refused_and_the_mic_checked(appliance, ca, kdc):
    """At integrity the call gets through the MIC (a wrong MIC would end the
    connection with a fault) and is refused by the access check."""
    a = appliance(policy="issue", subject_rule="request")
    dce = kc.connect(binding(a), tgs(kdc), level="integrity")
    rv, rid, disp, p7, cert, msg = nc.request(dce, CA_NAME, csr(ca["tmp"]))
    assert (rv, disp, cert) == (ic.E_ACCESSDENIED, ic.E_ACCESSDENIED, b"")
    assert "packet privacy is required" in msg
    dce.disconnect()
    show = "\n".join(journal(ca))
    assert f"request={rid} requester={ALICE}" in show
    assert f"request={rid} failed hresult=0x80070005" in show
    assert "certificate-issued" not in show
    assert f"Kerberos logon of {ALICE} at pkt_integrity" in a.text()


def test_tampered_sealed_request_ends_the_connection(appliance, ca, kdc):
    a = appliance(policy="issue", subject_rule="request")
    dce = kc.connect(binding(a), tgs(kdc))
    w = nc.Wire(dce)
    w.flip_at = 40  # inside the sealed stub
    with pytest.raises(Exception):
        nc.request(dce, CA_NAME, csr(ca["tmp"]))
    assert_dropped(dce)
    assert "verifier refused" in a.text()
    assert any("action=rpc-violation" in ln for ln in journal(ca)), "\n".join(journal(ca))
    still_serving(a, ca, kdc)


def test_ticket_for_another_service_refused(appliance, ca, kdc):
    a = appliance(policy="issue", subject_rule="request")
    why = bind_refused(a, tgs(kdc, service=OTHER_SERVICE))
    assert "bind" in why.lower() or "nak" in why.lower() or why
    assert refused_events(ca)
    still_serving(a, ca, kdc)


def test_wrong_service_key_refused(appliance, ca, kdc):
    """The realm changed the service key after the keytab was exported: the
    new ticket does not decrypt with the installed keys."""
    a = appliance(policy="issue", subject_rule="request")
    still_serving(a, ca, kdc)
    kdc.rekey("host/ca.example.test")
    bind_refused(a, tgs(kdc))
    assert refused_events(ca)


def test_replayed_authenticator_refused(appliance, ca, kdc):
    a = appliance(policy="issue", subject_rule="request")
    ticket = tgs(kdc)
    with kc.Legs() as legs:
        dce = kc.connect(binding(a), ticket)
    dce.disconnect()
    with kc.Legs(replay=legs.sent[0]):
        bind_refused(a, ticket)
    assert "a replayed Kerberos authenticator" in a.text()
    assert refused_events(ca)
    still_serving(a, ca, kdc)


def test_unknown_principal_refused(appliance, ca, kdc):
    a = appliance(policy="issue", subject_rule="request")
    bind_refused(a, tgs(kdc, user="bob"), user="bob")
    assert "no account 'CA.TEST\\bob'" in a.text()
    assert refused_events(ca)
    # bob's ticket presented with an authenticator naming alice
    bind_refused(a, tgs(kdc, user="bob"))
    assert "Ticket/authenticator don't match" in a.text()
    still_serving(a, ca, kdc)


def test_malformed_spnego_refused_connection_only(appliance, ca, kdc):
    a = appliance(policy="issue", subject_rule="request")
    with kc.Legs(first=lambda blob: blob[:40]):
        bind_refused(a, tgs(kdc))
    with kc.Legs(first=lambda blob: blob[:-1] + bytes([blob[-1] ^ 0xff])):
        bind_refused(a, tgs(kdc))
    still_serving(a, ca, kdc)


def ntlm_init_without_128(blob):
    """impacket's NegTokenInit replaced by one that prefers NTLM and carries an
    NTLM NEGOTIATE without NEGOTIATE_128, which ca-auth refuses at once."""
    from impacket import ntlm
    from impacket.spnego import SPNEGO_NegTokenInit, TypesMech
    neg = ntlm.getNTLMSSPType1("", "", signingRequired=True, use_ntlmv2=True)
    neg["flags"] &= ~ntlm.NTLMSSP_NEGOTIATE_128
    init = SPNEGO_NegTokenInit()
    init["MechTypes"] = [TypesMech["NTLMSSP - Microsoft NTLM Security Support Provider"]]
    init["MechToken"] = neg.getData()
    return init.getData()


def test_ntlm_first_leg_refused_journaled_as_ntlm(appliance, ca, kdc):
    """A first leg refused after ca-auth chose NTLM inside SPNEGO names no
    context: ca-auth's refusal says the mechanism, and the journal records an
    NTLM refusal (ntlm-refused, claimed "(NTLM)"), not a Kerberos one; a first
    leg that is no SPNEGO at all stays kerberos-refused."""
    a = appliance(policy="issue", subject_rule="request")
    with kc.Legs(first=ntlm_init_without_128):
        bind_refused(a, tgs(kdc))
    assert "NTLM (SPNEGO) logon refused: NTLM without 128-bit keys" in a.text()
    ntlm_refused = [ln for ln in journal(ca) if "action=ntlm-refused" in ln]
    assert len(ntlm_refused) == 1 and "NTLM without 128-bit keys" in ntlm_refused[0]
    assert "(NTLM)" in ntlm_refused[0]
    assert not refused_events(ca)
    with kc.Legs(first=lambda blob: b"\x60\x03\x06\x01\x00"):
        bind_refused(a, tgs(kdc))
    assert len(refused_events(ca)) == 1
    still_serving(a, ca, kdc)


def test_expired_ticket_refused(appliance, ca, kdc):
    """kerberos_clock_skew = 1: a ticket 3 s long is taken at once, and refused
    once its end is more than the skew past (MIT's check, with ca-auth's
    krb5.conf)."""
    a = appliance(policy="issue", subject_rule="request", kerberos_clock_skew=1)
    ticket = tgs(kdc, lifetime="3s")
    dce = kc.connect(binding(a), ticket)
    dce.disconnect()
    time.sleep(5)
    bind_refused(a, ticket)
    assert "Ticket expired" in a.text()
    assert refused_events(ca)


def test_unknown_principal_as_an_unknown_domain_user(appliance, ca, kdc):
    """kerberos_unknown_principals = domain-users: bob, whom the realm vouches
    for and who has no account here, logs on in the group "Unknown Kerberos
    Principals" alone; the default templates (Authenticated Users) refuse him
    with a message saying why, and the ledger records his requests as his."""
    a = appliance(policy="issue", subject_rule="request",
                  kerberos_unknown_principals="domain-users")
    dce = kc.connect(binding(a), tgs(kdc, user="bob"), user="bob")
    rv, rid, disp, p7, cert, msg = ic.cert_server_request(
        dce, CA_NAME, csr(ca["tmp"], "bob"), attributes="CertificateTemplate:User")
    dce.disconnect()
    assert (rv, disp, cert) == (0, 0x80094012, b""), (hex(rv), hex(disp), msg)
    assert "The Kerberos principal CA.TEST\\bob has no account on this CA" in msg
    assert "no account, logged on as an unknown principal" in a.text()
    assert any(f"request={rid}" in ln and "requester=CA.TEST\\bob" in ln for ln in journal(ca))
    # alice, who has an account, is unaffected
    still_serving(a, ca, kdc)

