"""MS-WCCE over DCOM (issue 17), end to end: cad, ca-auth, the sandboxed worker,
the custodian and the ledger; python3-impacket's DCOM client (DCOMConnection:
IRemoteSCMActivator on the endpoint mapper's port, then the object's
ICertRequestD/ICertRequestD2 on the port the OXID bindings name) with NTLM at
packet privacy; openssl and asn1crypto as the oracles for what comes back.

The appliance is the templates CA of test_templates_enroll (the five default
templates, accounts with attributes, packet privacy required)."""
import os
import struct
import subprocess

import pytest
from asn1crypto import cms, crl, x509
from impacket.dcerpc.v5 import dcomrt, transport
from impacket.dcerpc.v5.dcomrt import IObjectExporter
from impacket.dcerpc.v5.rpcrt import (DCERPCException, RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
                                      RPC_C_AUTHN_LEVEL_PKT_PRIVACY)

import dcom_client as dc
import icpr_client as ic
import wcce_ndr as w
from conftest import BIN, crl_verified, run
from test_admin import caadm
from test_templates_enroll import (ADMIN, CA_NAME, DOM, USER, appliance, ca, make_csr)

assert appliance and ca  # fixtures, imported for pytest

USER_T = "CertificateTemplate:User"
E_ACCESSDENIED = 0x80070005
E_INVALIDARG = 0x80070057
E_OUTOFMEMORY = 0x8007000E
CERTSRV_E_PROPERTY_EMPTY = 0x80094004
CR_PROP_CANAME, CR_PROP_SANITIZEDCANAME, CR_PROP_CATYPE = 6, 7, 10
CR_PROP_CASIGCERT, CR_PROP_CASIGCERTCHAIN, CR_PROP_CAXCHGCERT = 12, 13, 15
CR_PROP_BASECRL, CR_PROP_DELTACRL, CR_PROP_TEMPLATES = 17, 18, 29
OID_CA_EXCHANGE = "1.3.6.1.4.1.311.21.5"


def connect(a, who=USER, level=RPC_C_AUTHN_LEVEL_PKT_PRIVACY):
    return dc.connect(a.epm_port, who[0].split("\\")[1], who[1], DOM, level=level)


@pytest.fixture
def dcom(appliance):
    """alice's DCOM connection and her ICertRequestD2 object."""
    conn = connect(appliance)
    iface = None
    try:
        iface = dc.activate(conn)
        yield conn, iface
    finally:
        if iface is not None:
            dc.close_objects(iface)
        dc.disconnect(conn)


def der_of(path):
    return x509.Certificate.load(
        subprocess.run(["openssl", "x509", "-in", str(path), "-outform", "DER"],
                       capture_output=True, check=True).stdout).dump()


def verified(ca, cert_der, tmp):
    pem = tmp / "leaf.pem"
    subprocess.run(["openssl", "x509", "-inform", "DER", "-out", str(pem)], input=cert_der,
                   check=True)
    run("openssl", "verify", "-x509_strict", "-CAfile", ca["data"] / "ca.crt", pem)


def certs_in(p7):
    sd = cms.ContentInfo.load(p7, strict=True)["content"]
    return [c.chosen.dump() for c in sd["certificates"]]


def test_activate_ping_enroll_and_retrieve(ca, appliance, dcom, tmp_path):
    _, iface = dcom
    assert dc.ping2(iface, CA_NAME) == 0
    hr, rid, disp, p7, cert, msg = dc.request2(iface, CA_NAME, make_csr(tmp_path, "d1"),
                                               attributes=USER_T)
    assert (hr, disp) == (0, ic.DISP_ISSUED), (hex(hr), hex(disp), msg)
    assert rid > 0 and msg.startswith("Issued")
    verified(ca, cert, tmp_path)
    assert certs_in(p7)[0] == cert and der_of(ca["data"] / "ca.crt") in certs_in(p7)
    leaf = x509.Certificate.load(cert)
    assert "alice@example.test" in str(leaf.subject_alt_name_value.native)

    # ICertRequestD::Request (inherited by ICertRequestD2) on the same object,
    # then both retrievals
    hr, rid2, disp, p7b, cert2, _ = dc.request(iface, CA_NAME, make_csr(tmp_path, "d2"),
                                               attributes=USER_T)
    assert (hr, disp) == (0, ic.DISP_ISSUED) and rid2 == rid + 1
    hr, rrid, disp, _, again, _ = dc.request2(iface, CA_NAME, request_id=rid)
    assert (hr, rrid, disp, again) == (0, rid, ic.DISP_ISSUED, cert)
    serial = format(leaf.serial_number, "x")
    serial = serial if len(serial) % 2 == 0 else "0" + serial
    hr, rrid, disp, _, again, _ = dc.request2(iface, CA_NAME, serial=serial)
    assert (hr, rrid, disp, again) == (0, rid, ic.DISP_ISSUED, cert)
    shown = run(BIN / "ca-ledger", "show", "--data", ca["data"]).stdout
    assert f"{DOM}\\alice" in shown


def test_pend_approve_retrieve(ca, appliance, tmp_path):
    """carol (a Domain Admin) asks for an Enrollment Agent certificate, which
    pends; the officer approves; she retrieves it through an object activated
    for ICertRequestD alone, as older clients do."""
    conn = connect(appliance, ADMIN)
    try:
        iface = dc.activate(conn)
        hr, rid, disp, _, cert, msg = dc.request2(
            iface, CA_NAME, make_csr(tmp_path, "agent"),
            attributes="CertificateTemplate:EnrollmentAgent")
        assert (hr, disp, cert) == (0, ic.DISP_UNDER_SUBMISSION, b""), (hex(disp), msg)
        dc.close_objects(iface)
    finally:
        dc.disconnect(conn)
    caadm(ca, "officer", "resubmit", str(rid))
    conn = connect(appliance, ADMIN)
    old = None
    try:
        old = dc.activate(conn, w.IID_ICertRequestD)
        hr, rrid, disp, p7, cert, _ = dc.request(old, CA_NAME, request_id=rid,
                                                 iid=w.IID_ICertRequestD)
        assert (hr, rrid, disp) == (0, rid, ic.DISP_ISSUED)
        assert certs_in(p7)[0] == cert
        assert dc.get_ca_cert(old, CA_NAME, 0, iid=w.IID_ICertRequestD) == \
            (0, der_of(ca["data"] / "ca.crt"))
    finally:
        if old is not None:
            dc.close_objects(old)
        dc.disconnect(conn)
    verified(ca, cert, tmp_path)


def test_ca_certificates_and_names(ca, dcom):
    _, iface = dcom
    ca_der = der_of(ca["data"] / "ca.crt")
    assert dc.get_ca_property(iface, CA_NAME, CR_PROP_CANAME, dc.PROPTYPE_STRING) == (0, CA_NAME)
    hr, sanitized = dc.get_ca_property(iface, CA_NAME, CR_PROP_SANITIZEDCANAME,
                                       dc.PROPTYPE_STRING)
    assert hr == 0 and sanitized == CA_NAME  # nothing to sanitize in it
    assert dc.get_ca_property(iface, CA_NAME, CR_PROP_CASIGCERT, dc.PROPTYPE_BINARY) == (0, ca_der)
    hr, chain = dc.get_ca_property(iface, CA_NAME, CR_PROP_CASIGCERTCHAIN, dc.PROPTYPE_BINARY)
    assert hr == 0 and ca_der in certs_in(chain)
    hr, xchg = dc.get_ca_property(iface, CA_NAME, CR_PROP_CAXCHGCERT, dc.PROPTYPE_BINARY)
    assert hr == 0 and xchg == der_of(ca["data"] / "xchg.crt")
    xc = x509.Certificate.load(xchg)
    assert OID_CA_EXCHANGE in [e.dotted for e in xc.extended_key_usage_value]
    assert xc.issuer == x509.Certificate.load(ca_der).subject
    # GetCACert: GETCERT_CASIGCERT (0) and GETCERT_CAXCHGCERT (1)
    assert dc.get_ca_cert(iface, CA_NAME, 0) == (0, ca_der)
    assert dc.get_ca_cert(iface, CA_NAME, 1) == (0, xchg)
    # the property list parses and names what was asked
    hr, count, info = dc.get_ca_property_info(iface, CA_NAME)
    assert hr == 0 and count > 20
    ids = {p[0] for p in w.catransprop(info, count)}
    assert {CR_PROP_CANAME, CR_PROP_CASIGCERT, CR_PROP_BASECRL, CR_PROP_TEMPLATES} <= ids


def test_templates_and_crls(ca, appliance, dcom, tmp_path):
    _, iface = dcom
    hr, text = dc.get_ca_property(iface, CA_NAME, CR_PROP_TEMPLATES, dc.PROPTYPE_STRING)
    assert hr == 0
    lines = text.split("\n")
    names = lines[0::2]
    assert "User" in names and "EnrollmentAgent" in names
    for oid in lines[1::2]:
        assert oid == "" or oid.startswith("1.3.6.1.4.1.311.21.8.")
    # no CRL yet: empty; then the officer publishes a base and a delta
    hr, issued = 0, None
    hr, _, disp, _, issued, _ = dc.request2(iface, CA_NAME, make_csr(tmp_path, "rev"),
                                            attributes=USER_T)
    serial = format(x509.Certificate.load(issued).serial_number, "x")
    caadm(ca, "officer", "revoke", serial, "keyCompromise")
    caadm(ca, "officer", "crl")
    caadm(ca, "officer", "crl", "--delta")
    for prop, path in ((CR_PROP_BASECRL, "ca.crl"), (CR_PROP_DELTACRL, "ca-delta.crl")):
        hr, der = dc.get_ca_property(iface, CA_NAME, prop, dc.PROPTYPE_BINARY)
        assert hr == 0 and der == (ca["data"] / "crl" / path).read_bytes()
        p = tmp_path / path
        p.write_bytes(der)
        crl_verified(p, ca["data"] / "ca.crt")
    base = crl.CertificateList.load((ca["data"] / "crl" / "ca.crl").read_bytes())
    assert int(serial, 16) in [r["user_certificate"].native for r in base["tbs_cert_list"]
                               ["revoked_certificates"]]


def test_property_arguments_refused(dcom):
    _, iface = dcom
    # a type other than the property's, an index beyond the certificates, an id
    # that is no property, another CA's name
    assert dc.get_ca_property(iface, CA_NAME, CR_PROP_CANAME, dc.PROPTYPE_BINARY)[0] == E_INVALIDARG
    assert dc.get_ca_property(iface, CA_NAME, CR_PROP_CASIGCERT, dc.PROPTYPE_BINARY,
                              index=7)[0] == E_INVALIDARG
    assert dc.get_ca_property(iface, CA_NAME, 999, dc.PROPTYPE_LONG)[0] == E_INVALIDARG
    assert dc.get_ca_property(iface, "Other CA", CR_PROP_CANAME,
                              dc.PROPTYPE_STRING)[0] == E_INVALIDARG
    assert dc.ping2(iface, CA_NAME) == 0  # the object still serves


def test_integrity_only_is_refused(ca, appliance, tmp_path):
    conn = connect(appliance, level=RPC_C_AUTHN_LEVEL_PKT_INTEGRITY)
    iface = None
    try:
        iface = dc.activate(conn)  # activation needs a logon, not privacy
        # the answer's hint says privacy; a client that ignores it:
        assert iface.get_cinstance().get_auth_level() == RPC_C_AUTHN_LEVEL_PKT_PRIVACY
        iface.get_cinstance().set_auth_level(RPC_C_AUTHN_LEVEL_PKT_INTEGRITY)
        hr, *_ = dc.request2(iface, CA_NAME, make_csr(tmp_path, "integ"), attributes=USER_T)
        assert hr == E_ACCESSDENIED
        assert dc.get_ca_property(iface, CA_NAME, CR_PROP_CASIGCERT,
                                  dc.PROPTYPE_BINARY)[0] == E_ACCESSDENIED
    finally:
        if iface is not None:
            dc.close_objects(iface)
        dc.disconnect(conn)


def test_unknown_foreign_and_released_ipids(ca, appliance, dcom):
    conn, iface = dcom
    assert "RPC_E_INVALID_IPID" in dc.fault_text(
        lambda: dc.call(iface, ping_req(), ipid=os.urandom(16)))
    # carol (another logon) cannot use alice's object
    other = connect(appliance, ADMIN)
    theirs = None
    try:
        theirs = dc.activate(other)
        assert dc.ping2(theirs, CA_NAME) == 0
        assert "RPC_E_INVALID_IPID" in dc.fault_text(
            lambda: dc.call(theirs, ping_req(), ipid=iface.get_iPid()))
    finally:
        if theirs is not None:
            dc.close_objects(theirs)
        dc.disconnect(other)
    # alice releases her references: the object is gone (a new connection)
    assert dc.ping2(iface, CA_NAME) == 0
    assert dc.release(iface) == 0
    dc.close_objects(iface)
    assert "RPC_E_INVALID_IPID" in dc.fault_text(lambda: dc.ping2(iface, CA_NAME))


def ping_req():
    req = w.Ping2()
    req["pwszAuthority"] = CA_NAME + "\x00"
    return req


def test_object_flood_is_bounded_per_client(ca, appliance, tmp_path):
    """alice activates, one connection each (as certreq does), until refused:
    her objects are capped (32 by default) and live on after each connection
    closes; carol is not disturbed."""
    made, refused = 0, None
    for _ in range(40):
        conn = connect(appliance)
        try:
            dc.activate(conn)
            made += 1
        except DCERPCException as e:
            refused = e.get_error_code()
            break
        finally:
            dc.disconnect(conn)
    assert (made, refused) == (32, E_OUTOFMEMORY)
    other = connect(appliance, ADMIN)
    iface = None
    try:
        iface = dc.activate(other)
        assert dc.ping2(iface, CA_NAME) == 0
        assert dc.get_ca_property(iface, CA_NAME, CR_PROP_CANAME,
                                  dc.PROPTYPE_STRING) == (0, CA_NAME)
    finally:
        if iface is not None:
            dc.close_objects(iface)
        dc.disconnect(other)


def test_activation_needs_a_logon(appliance):
    t = transport.DCERPCTransportFactory(f"ncacn_ip_tcp:127.0.0.1[{appliance.epm_port}]")
    dce = t.get_dce_rpc()
    dce.connect()
    scm = dcomrt.IRemoteSCMActivator(dce)  # binds, unauthenticated
    with pytest.raises(DCERPCException) as e:
        scm.RemoteCreateInstance(w.CLSID_CCertRequestD, w.IID_ICertRequestD2)
    assert e.value.get_error_code() == E_ACCESSDENIED
    dce.disconnect()


def test_malformed_activation_and_oxid_calls(ca, appliance, tmp_path):
    # an activation stub that is no NDR: a fault, and the connection goes on
    conn = connect(appliance)
    try:
        portmap = conn.get_dce_rpc()
        portmap.bind(dcomrt.IID_IRemoteSCMActivator)
        portmap.call(4, b"\x05\x00\x07\x00" + b"\xff" * 40)
        assert "rpc_x_bad_stub_data" in dc.fault_text(portmap.recv)
        portmap.call(2, b"")
        assert "nca_s_op_rng_error" in dc.fault_text(portmap.recv)
    finally:
        dc.disconnect(conn)
    # the OXID resolver: ServerAlive2 without a logon names our bindings; a
    # ResolveOxid2 for an OXID we never made fails; a truncated one faults
    dce = transport.DCERPCTransportFactory(
        f"ncacn_ip_tcp:127.0.0.1[{appliance.epm_port}]").get_dce_rpc()
    ox = IObjectExporter(dce)  # connects and binds, unauthenticated
    bindings = ox.ServerAlive2()
    assert any(f"127.0.0.1[{appliance.epm_port}]" in b["aNetworkAddr"] for b in bindings)
    with pytest.raises(DCERPCException) as e:
        ox.ResolveOxid2(struct.pack("<Q", 0x1234), (7,))
    assert e.value.get_error_code() == 0x776  # OR_INVALID_OXID
    dce.call(4, b"\x01\x02")
    assert "rpc_x_bad_stub_data" in dc.fault_text(dce.recv)
    dce.disconnect()
    # nothing else was disturbed
    conn = connect(appliance)
    iface = None
    try:
        iface = dc.activate(conn)
        hr, *_ = dc.request2(iface, CA_NAME, make_csr(tmp_path, "after"), attributes=USER_T)
        assert hr == 0
    finally:
        if iface is not None:
            dc.close_objects(iface)
        dc.disconnect(conn)
    assert "killed by signal" not in appliance.text()


def _security_bindings(dsa):
    """The security bindings of a DUALSTRINGARRAY, read from its units as MS-DCOM
    2.2.19 lays them out (independent of impacket's STRINGBINDING parser):
    from wSecurityOffset, (wAuthnSvc, Reserved 0xffff, principal, 0) each, then 0."""
    units = list(dsa["aStringArray"])
    i, out = dsa["wSecurityOffset"], []
    assert units[i - 1] == 0  # the string bindings' terminator
    while units[i] != 0:
        svc, reserved = units[i], units[i + 1]
        end = units.index(0, i + 2)
        out.append((svc, reserved, "".join(map(chr, units[i + 2:end]))))
        i = end + 1
    assert i == len(units) - 1  # nothing after the terminator
    return out


def test_security_bindings_offer_negotiate_then_ntlm(appliance):
    # A Windows client asking for the default service takes the first security
    # binding it supports: Negotiate (9) first lets a domain client use
    # Kerberos on the objects; bare NTLM (10) stays for the others.
    dce = transport.DCERPCTransportFactory(
        f"ncacn_ip_tcp:127.0.0.1[{appliance.epm_port}]").get_dce_rpc()
    dce.connect()
    try:
        dce.bind(dcomrt.IID_IObjectExporter)
        resp = dce.request(dcomrt.ServerAlive2())
        assert _security_bindings(resp["ppdsaOrBindings"]) == [(9, 0xffff, ""),
                                                               (10, 0xffff, "")]
    finally:
        dce.disconnect()
