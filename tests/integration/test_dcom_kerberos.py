"""MS-WCCE over DCOM with Kerberos (SPNEGO, DCE/RPC auth type 9), end to end:
every DCOM interface the appliance serves is bound with a realm user's
Kerberos ticket: IRemoteSCMActivator and IObjectExporter on the endpoint
mapper's port, ICertRequestD/D2 and IRemUnknown/IRemUnknown2 on the port the
OXID bindings name (one connection, one security context, per interface:
dcom_client). The realm is kdc.py's private MIT KDC, the CA's keytab is
installed with `caadm kerberos keytab add`, alice and bob are domain accounts
(Kerberos only); bob also has an NTLM account. openssl verifies what is issued;
the journal is read with `ca-ledger show`."""

import subprocess

import pytest
from impacket.dcerpc.v5 import dcomrt, transport
from impacket.dcerpc.v5.dcomrt import IObjectExporter
from impacket.dcerpc.v5.rpcrt import (RPC_C_AUTHN_LEVEL_CONNECT, RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
                                      RPC_C_AUTHN_LEVEL_PKT_PRIVACY)

import dcom_client as dc
import icpr_client as ic
import krb_client as kc
import ntlm_client as nc
import wcce_ndr as w
from conftest import issuing_ca
from kdc import OTHER_SERVICE
from test_kerberos import ALICE, REALM, add_domain_account, install_keytab, tgs
from test_ntlm import CA_NAME, add_account, csr, journal, openssl_verify

BOB = f"{REALM}\\bob"
BOB_NTLM = (f"{nc.DOMAIN}\\bob", "bob's NTLM password 1")
E_ACCESSDENIED = 0x80070005
CR_PROP_CANAME, CR_PROP_CASIGCERT = 6, 12


@pytest.fixture
def ca(tmp_path, token, kdc):
    c = issuing_ca(tmp_path, token)
    install_keytab(kdc, c["data"], tmp_path)
    add_domain_account(c["data"], ALICE, "--upn", "alice@ca.test")
    add_domain_account(c["data"], BOB, "--upn", "bob@ca.test")
    add_account(c["data"], BOB_NTLM[0], BOB_NTLM[1])
    return c


@pytest.fixture
def a(appliance, ca):
    return appliance(policy="issue", subject_rule="request")


def krb_connect(a, kdc, user="alice", level=RPC_C_AUTHN_LEVEL_PKT_PRIVACY):
    return dc.connect_kerberos(a.epm_port, tgs(kdc, user), user=user, realm=REALM, level=level)


def ntlm_connect(a, who):
    return dc.connect(a.epm_port, who[0].split("\\")[1], who[1], nc.DOMAIN)


def closed(conn, iface):
    if iface is not None:
        dc.close_objects(iface)
    dc.disconnect(conn)


def logged(a, needle, count):
    """The log holds needle exactly count times: waited for (the worker's
    lines reach cad's log a little after the answers), then counted."""
    a.wait_for(needle, count=count, timeout=10)
    n = a.text().count(needle)
    assert n == count, f"{n} x {needle!r}:\n" + a.text()


def ping_req():
    req = w.Ping2()
    req["pwszAuthority"] = CA_NAME + "\x00"
    return req


def der_of(path):
    return subprocess.run(["openssl", "x509", "-in", str(path), "-outform", "DER"],
                          capture_output=True, check=True).stdout


def still_serving(a, ca, kdc, name="after"):
    """A new Kerberos activation, a sealed Request2 issued; nothing crashed."""
    conn = krb_connect(a, kdc)
    iface = None
    try:
        iface = dc.activate(conn)
        hr, rid, disp, _, cert, msg = dc.request2(iface, CA_NAME, csr(ca["tmp"], name))
        assert (hr, disp) == (0, ic.DISP_ISSUED), (hex(hr), hex(disp), msg)
        openssl_verify(ca, cert)
        assert dc.release(iface) == 0
    finally:
        closed(conn, iface)
    assert "killed by signal" not in a.text()


def resolve_oxid_kerberos(a, kdc, oxid, level=RPC_C_AUTHN_LEVEL_PKT_PRIVACY):
    """IObjectExporter::ResolveOxid2 on a Kerberos connection of its own
    (impacket's IObjectExporter connects and binds in each call)."""
    t = transport.DCERPCTransportFactory(f"ncacn_ip_tcp:{dc.HOST}[{a.epm_port}]")
    t.setRemoteName(kc.SERVICE_HOST)
    t.set_credentials("alice", "", REALM, "", "", None, None, tgs(kdc))
    t.set_kerberos(True, dc.HOST)
    dce = t.get_dce_rpc()
    dce.set_auth_type(dcomrt.RPC_C_AUTHN_GSS_NEGOTIATE)
    dce.set_auth_level(level)
    try:
        return IObjectExporter(dce).ResolveOxid2(oxid, (7,))
    finally:
        dce.disconnect()


def test_activate_enroll_properties_release_over_kerberos(ca, a, kdc):
    conn = krb_connect(a, kdc)
    iface = None
    try:
        # IRemoteSCMActivator::RemoteCreateInstance over Kerberos: the hint
        # says privacy, the connection's auth type (9) is the object's
        iface = dc.activate(conn)
        assert iface.get_cinstance().get_auth_level() == RPC_C_AUTHN_LEVEL_PKT_PRIVACY
        assert iface.get_cinstance().get_auth_type() == dcomrt.RPC_C_AUTHN_GSS_NEGOTIATE
        assert dc.ping2(iface, CA_NAME) == 0
        # ICertRequestD2::Request2 at privacy (sealed both ways)
        hr, rid, disp, p7, cert, msg = dc.request2(iface, CA_NAME, csr(ca["tmp"], "k1"))
        assert (hr, disp) == (0, ic.DISP_ISSUED), (hex(hr), hex(disp), msg)
        assert rid > 0 and msg.startswith("Issued")
        openssl_verify(ca, cert)
        # several sealed calls on the object's connection: sequence numbers go on
        hr, rid2, disp, _, cert2, _ = dc.request(iface, CA_NAME, csr(ca["tmp"], "k2"))
        assert (hr, disp, rid2) == (0, ic.DISP_ISSUED, rid + 1)
        openssl_verify(ca, cert2)
        hr, rrid, disp, _, again, _ = dc.request2(iface, CA_NAME, request_id=rid)
        assert (hr, rrid, disp, again) == (0, rid, ic.DISP_ISSUED, cert)
        # GetCAProperty
        assert dc.get_ca_property(iface, CA_NAME, CR_PROP_CANAME,
                                  dc.PROPTYPE_STRING) == (0, CA_NAME)
        assert dc.get_ca_property(iface, CA_NAME, CR_PROP_CASIGCERT, dc.PROPTYPE_BINARY) == \
            (0, der_of(ca["data"] / "ca.crt"))
        # IObjectExporter::ResolveOxid2 over Kerberos names the ICPR port
        bindings = resolve_oxid_kerberos(a, kdc, iface.get_oxid())
        assert any(b["aNetworkAddr"].rstrip("\x00") == f"{dc.HOST}[{a.icpr_port}]"
                   for b in bindings), [b["aNetworkAddr"] for b in bindings]
        # IRemUnknown2::RemRelease over Kerberos: then the object is gone
        assert dc.release(iface) == 0
        dc.close_objects(iface)
        assert "RPC_E_INVALID_IPID" in dc.fault_text(lambda: dc.ping2(iface, CA_NAME))
    finally:
        closed(conn, iface)
    assert any(f"request={rid} requester={ALICE}" in ln for ln in journal(ca))
    # each connection was a Kerberos logon at privacy: the activator, the
    # object's ICertRequestD2 (twice: before and after the release),
    # IObjectExporter, IRemUnknown2; none other
    logged(a, f"ca-worker: {dc.HOST}: Kerberos logon of {ALICE} at pkt_privacy", 5)
    logged(a, f"ca-auth: Kerberos logon of {ALICE} (", 5)  # "(PAC verified...)"
    text = a.text()
    assert "NTLM logon" not in text and "killed by signal" not in text


def test_icertrequestd_activated_at_connect_level(ca, a, kdc, tmp_path):
    """As Windows activates: the activator at connect level (a logon, nothing
    signed), ICertRequestD alone on the object at the hinted privacy: a
    retrieval through ICertRequestD::Request, GetCACert, and RemRelease through
    IRemUnknown (not 2), all over Kerberos."""
    conn = krb_connect(a, kdc, level=RPC_C_AUTHN_LEVEL_CONNECT)
    old = None
    try:
        old = dc.activate(conn, w.IID_ICertRequestD)
        assert old.get_cinstance().get_auth_level() == RPC_C_AUTHN_LEVEL_PKT_PRIVACY
        hr, rid, disp, p7, cert, msg = dc.request(old, CA_NAME, csr(ca["tmp"], "old"),
                                                  iid=w.IID_ICertRequestD)
        assert (hr, disp) == (0, ic.DISP_ISSUED), (hex(hr), hex(disp), msg)
        openssl_verify(ca, cert)
        hr, rrid, disp, _, again, _ = dc.request(old, CA_NAME, request_id=rid,
                                                 iid=w.IID_ICertRequestD)
        assert (hr, rrid, disp, again) == (0, rid, ic.DISP_ISSUED, cert)
        assert dc.get_ca_cert(old, CA_NAME, 0, iid=w.IID_ICertRequestD) == \
            (0, der_of(ca["data"] / "ca.crt"))
        assert dc.release(old, iid=dcomrt.IID_IRemUnknown) == 0
        dc.close_objects(old)
        assert "RPC_E_INVALID_IPID" in dc.fault_text(
            lambda: dc.get_ca_cert(old, CA_NAME, 0, iid=w.IID_ICertRequestD))
    finally:
        closed(conn, old)
    logged(a, f"Kerberos logon of {ALICE} at connect", 1)
    logged(a, f"Kerberos logon of {ALICE} at pkt_privacy", 3)
    text = a.text()
    assert "killed by signal" not in text


def test_object_is_its_kerberos_logons_only(ca, a, kdc):
    """alice's object (activated over Kerberos) is not bob's: neither bob over
    Kerberos nor bob over NTLM may call it or release it."""
    conn = krb_connect(a, kdc)
    iface = None
    try:
        iface = dc.activate(conn)
        assert dc.ping2(iface, CA_NAME) == 0
        for connect_bob in (lambda: krb_connect(a, kdc, user="bob"),
                            lambda: ntlm_connect(a, BOB_NTLM)):
            other = connect_bob()
            theirs = None
            try:
                theirs = dc.activate(other)
                assert dc.ping2(theirs, CA_NAME) == 0
                assert "RPC_E_INVALID_IPID" in dc.fault_text(
                    lambda: dc.call(theirs, ping_req(), ipid=iface.get_iPid()))
                req = w.Request2()
                req["pwszAuthority"] = CA_NAME + "\x00"
                req["dwFlags"] = 0
                req["pwszSerialNumber"] = w.NULL
                req["pdwRequestId"] = 0
                req["pwszAttributes"] = w.NULL
                body = csr(ca["tmp"], "bob")
                req["pctbRequest"]["cb"] = len(body)
                req["pctbRequest"]["pb"] = body
                assert "RPC_E_INVALID_IPID" in dc.fault_text(
                    lambda: dc.call(theirs, req, ipid=iface.get_iPid()))
            finally:
                closed(other, theirs)
        # alice's object still serves her
        assert dc.ping2(iface, CA_NAME) == 0
        hr, _, disp, _, cert, _ = dc.request2(iface, CA_NAME, csr(ca["tmp"], "mine"))
        assert (hr, disp) == (0, ic.DISP_ISSUED)
        assert dc.release(iface) == 0
    finally:
        closed(conn, iface)
    assert not any(f"requester={BOB}" in ln or f"requester={BOB_NTLM[0]}" in ln
                   for ln in journal(ca))
    still_serving(a, ca, kdc)


def test_integrity_level_refused_at_the_request(ca, a, kdc):
    """Activation at integrity level needs only the logon; the Request on the
    object, at integrity (the client ignores the privacy hint), is refused by
    the access check, E_ACCESSDENIED, and nothing is issued."""
    conn = krb_connect(a, kdc, level=RPC_C_AUTHN_LEVEL_PKT_INTEGRITY)
    iface = None
    try:
        iface = dc.activate(conn)
        assert iface.get_cinstance().get_auth_level() == RPC_C_AUTHN_LEVEL_PKT_PRIVACY
        iface.appliance_level = RPC_C_AUTHN_LEVEL_PKT_INTEGRITY
        hr, rid, disp, _, cert, msg = dc.request2(iface, CA_NAME, csr(ca["tmp"], "integ"))
        assert (hr, cert) == (E_ACCESSDENIED, b""), (hex(hr), hex(disp), msg)
        hr, _, _, _, cert, _ = dc.request(iface, CA_NAME, csr(ca["tmp"], "integ2"))
        assert (hr, cert) == (E_ACCESSDENIED, b"")
        assert dc.get_ca_property(iface, CA_NAME, CR_PROP_CASIGCERT,
                                  dc.PROPTYPE_BINARY)[0] == E_ACCESSDENIED
        # the MIC-signed connection goes on: RemRelease answers
        assert dc.release(iface) == 0
    finally:
        closed(conn, iface)
    lines = journal(ca)
    assert sum("hresult=0x80070005" in ln and "packet privacy is required" in ln
               for ln in lines) == 2, "\n".join(lines)
    assert not any("cert-issued" in ln for ln in lines), "\n".join(lines)
    # the activator, ICertRequestD2 and IRemUnknown2 each at integrity
    logged(a, f"Kerberos logon of {ALICE} at pkt_integrity", 3)
    assert f"Kerberos logon of {ALICE} at pkt_privacy" not in a.text()
    still_serving(a, ca, kdc)


def test_activation_with_a_ticket_for_another_service_refused(ca, a, kdc):
    """The activator's bind carries a ticket the CA's keytab cannot read: no
    activation, the refusal journaled, the appliance serves on."""
    with pytest.raises(Exception):
        dc.connect_kerberos(a.epm_port, tgs(kdc, service=OTHER_SERVICE)).CoCreateInstanceEx(
            w.CLSID_CCertRequestD, w.IID_ICertRequestD2)
    assert any("kerberos-refused" in ln for ln in journal(ca))
    still_serving(a, ca, kdc)


def test_unauthenticated_object_connection_refused(ca, a, kdc):
    """alice's object, called on a connection without a logon: refused (the
    object is a logon's); her object still serves her."""
    conn = krb_connect(a, kdc)
    iface = None
    try:
        iface = dc.activate(conn)
        addr = [b["aNetworkAddr"].rstrip("\x00")
                for b in iface.get_cinstance().get_string_bindings()
                if b["wTowerId"] == 7 and b["aNetworkAddr"].startswith(dc.HOST)][0]
        dce = transport.DCERPCTransportFactory("ncacn_ip_tcp:" + addr).get_dce_rpc()
        dce.connect()
        try:
            dce.bind(w.IID_ICertRequestD2)
            req = ping_req()
            req["ORPCthis"] = iface.get_cinstance().get_ORPCthis()
            req["ORPCthis"]["flags"] = 0
            dce.call(req.opnum, req, iface.get_iPid())
            assert "RPC_E_INVALID_IPID" in dc.fault_text(dce.recv)
        finally:
            dce.disconnect()
        assert dc.ping2(iface, CA_NAME) == 0
        assert dc.release(iface) == 0
    finally:
        closed(conn, iface)
    still_serving(a, ca, kdc)
