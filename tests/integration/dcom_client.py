"""impacket's DCOM client (impacket/dcerpc/v5/dcomrt.py) against the appliance:
activation of CLSID_CCertRequestD through IRemoteSCMActivator on the endpoint
mapper's port, then ICertRequestD/D2 calls on the object, NTLM at packet privacy
by default, or Kerberos (SPNEGO, auth type 9) with a service ticket from the
test realm (`connect_kerberos`; krb_client's fixes apply). impacket activates
through port 135 only: `activate` points its first connection at the
appliance's endpoint-mapper port instead (the OXID bindings the appliance
answers name its ICPR port, which impacket follows as given)."""
import contextlib
import struct
import sys
from pathlib import Path

from impacket.dcerpc.v5 import dcomrt, transport
from impacket.dcerpc.v5.dcomrt import DCOMConnection
from impacket.dcerpc.v5.rpcrt import (DCERPCException, RPC_C_AUTHN_GSS_NEGOTIATE,
                                      RPC_C_AUTHN_LEVEL_PKT_PRIVACY)

sys.path.insert(0, str(Path(__file__).resolve().parent))
import krb_client as kc  # noqa: E402  (also mends impacket's GSS_GetMIC)
import wcce_ndr as w  # noqa: E402

HOST = "127.0.0.1"
PROPTYPE_LONG, PROPTYPE_BINARY, PROPTYPE_STRING = 1, 3, 4
RPC_E_INVALID_IPID = 0x80010113


@contextlib.contextmanager
def _epm_port(port, remote_name=None):
    """impacket's DCOMConnection opens ncacn_ip_tcp:HOST with no endpoint (135):
    while it connects, such bindings get the appliance's port (and, for
    Kerberos, the service's host name, as krb_client.connect gives it)."""
    real = transport.DCERPCTransportFactory

    def factory(binding):
        if binding.startswith("ncacn_ip_tcp:") and "[" not in binding:
            binding = f"{binding}[{port}]"
        t = real(binding)
        if remote_name is not None:
            t.setRemoteName(remote_name)
        return t

    transport.DCERPCTransportFactory = factory
    try:
        yield
    finally:
        transport.DCERPCTransportFactory = real


def connect(epm_port, user, password, domain, level=RPC_C_AUTHN_LEVEL_PKT_PRIVACY):
    """A DCOMConnection to the appliance (no activation yet)."""
    with _epm_port(epm_port):
        conn = DCOMConnection(HOST, user, password, domain, authLevel=level, oxidResolver=False)
    conn.appliance_creds = (user, password, domain)
    conn.appliance_kerberos = False
    return conn


def connect_kerberos(epm_port, tgs, user="alice", realm="CA.TEST",
                     level=RPC_C_AUTHN_LEVEL_PKT_PRIVACY):
    """The same over Kerberos: tgs is the service ticket (kdc.KDC.impacket_tgs)
    of user@realm for host/ca.example.test; every connection made for the
    object (object_dce) binds with it again (a new authenticator each)."""
    with _epm_port(epm_port, kc.SERVICE_HOST):
        conn = DCOMConnection(HOST, user, "", realm, TGS=tgs, authLevel=level,
                              oxidResolver=False, doKerberos=True, kdcHost=HOST)
    conn.appliance_creds = (user, "", realm, "", "", None, None, tgs)
    conn.appliance_kerberos = True
    return conn


def disconnect(conn):
    """impacket keeps one table of object connections per target and thread, which
    the first DCOMConnection to disconnect empties: a second one's disconnect then
    finds nothing there (KeyError) and only its own connection is left to close."""
    try:
        conn.disconnect()
    except KeyError:
        conn.get_dce_rpc().disconnect()


def activate(conn, iid=w.IID_ICertRequestD2):
    """CoCreateInstanceEx(CLSID_CCertRequestD, iid): impacket's INTERFACE, which
    remembers the logon that made it (the object is that logon's)."""
    iface = conn.CoCreateInstanceEx(w.CLSID_CCertRequestD, iid)
    iface.appliance_creds = conn.appliance_creds
    iface.appliance_kerberos = conn.appliance_kerberos
    iface.appliance_level = None  # object_dce: None for impacket's reading of the hint
    iface.appliance_dces = {}
    return iface


def object_dce(iface, iid):
    """The object's connection for interface iid: one per interface, opened to
    the first string binding the activation answered for this host, with the
    logon that activated it, at the level the answer's hint says (or
    iface.appliance_level when set), as impacket's
    INTERFACE.connect opens it. Not impacket's own cache: it keeps one connection
    per OXID and thread (two logons in one test would share it) and reaches
    another interface with alter_ctx and a second NTLM logon on the same
    connection (a second security context), which the appliance does not
    multiplex; Windows' clients add the interface to the connection's one."""
    dce = iface.appliance_dces.get(iid)
    if dce is not None:
        return dce
    addrs = [b["aNetworkAddr"].rstrip("\x00") for b in iface.get_cinstance().get_string_bindings()
             if b["wTowerId"] == 7 and b["aNetworkAddr"].startswith(HOST)]
    assert addrs, "no string binding for " + HOST
    t = transport.DCERPCTransportFactory("ncacn_ip_tcp:" + addrs[0])
    t.set_credentials(*iface.appliance_creds)
    if iface.appliance_kerberos:
        t.setRemoteName(kc.SERVICE_HOST)
        t.set_kerberos(True, HOST)
    dce = t.get_dce_rpc()
    if iface.appliance_kerberos:
        dce.set_auth_type(RPC_C_AUTHN_GSS_NEGOTIATE)
    # impacket's CLASS_INSTANCE.get_auth_level turns any level below privacy
    # into privacy for an auth type other than NTLM: a Kerberos client that
    # ignores the hint says its level in appliance_level
    level = iface.appliance_level
    dce.set_auth_level(level if level is not None else iface.get_cinstance().get_auth_level())
    dce.connect()
    dce.bind(iid)
    iface.appliance_dces[iid] = dce
    return dce


def close_objects(iface):
    for dce in iface.appliance_dces.values():
        dce.disconnect()
    iface.appliance_dces.clear()


def call(iface, req, iid=w.IID_ICertRequestD2, ipid=None):
    """One ORPC call on the object (its own IPID unless ipid says otherwise):
    the decoded answer; the HRESULT is its ErrorCode (not raised)."""
    req["ORPCthis"] = iface.get_cinstance().get_ORPCthis()
    req["ORPCthis"]["flags"] = 0
    dce = object_dce(iface, iid)
    dce.call(req.opnum, req, ipid if ipid is not None else iface.get_iPid())
    return w.RESPONSES[req.opnum](dce.recv())


def release(iface, refs=5, iid=dcomrt.IID_IRemUnknown2):
    """IRemUnknown2::RemRelease (or IRemUnknown's, the same opnum, when iid
    says so) of the object's every public reference (the appliance hands out 5
    with each pointer; impacket's own RemRelease gives back 1): the HRESULT."""
    req = dcomrt.RemRelease()
    req["ORPCthis"] = iface.get_cinstance().get_ORPCthis()
    req["ORPCthis"]["flags"] = 0
    req["cInterfaceRefs"] = 1
    ref = dcomrt.REMINTERFACEREF()
    ref["ipid"] = iface.get_iPid()
    ref["cPublicRefs"] = refs
    ref["cPrivateRefs"] = 0
    req["InterfaceRefs"].append(ref)
    dce = object_dce(iface, iid)
    dce.call(req.opnum, req, iface.get_ipidRemUnknown())
    return dcomrt.RemReleaseResponse(dce.recv())["ErrorCode"]


def request2(iface, ca_name, csr=b"", attributes="", request_id=0, flags=0, serial=None):
    req = w.Request2()
    req["pwszAuthority"] = ca_name + "\x00"
    req["dwFlags"] = flags
    req["pwszSerialNumber"] = serial + "\x00" if serial is not None else w.NULL
    req["pdwRequestId"] = request_id
    req["pwszAttributes"] = attributes + "\x00" if attributes else w.NULL
    req["pctbRequest"]["cb"] = len(csr)
    req["pctbRequest"]["pb"] = csr if csr else w.NULL
    r = call(iface, req)
    return (r["ErrorCode"], r["pdwRequestId"], r["pdwDisposition"],
            w.blob_bytes(r["pctbFullResponse"]), w.blob_bytes(r["pctbEncodedCert"]),
            w.blob_bytes(r["pctbDispositionMessage"]).decode("utf-16-le").rstrip("\x00"))


def request(iface, ca_name, csr=b"", attributes="", request_id=0, flags=0,
            iid=w.IID_ICertRequestD2):
    """ICertRequestD::Request (opnum 3), through the ICertRequestD2 pointer
    (which inherits it) unless iid says ICertRequestD."""
    req = w.Request()
    req["dwFlags"] = flags
    req["pwszAuthority"] = ca_name + "\x00"
    req["pdwRequestId"] = request_id
    req["pwszAttributes"] = attributes + "\x00" if attributes else w.NULL
    req["pctbRequest"]["cb"] = len(csr)
    req["pctbRequest"]["pb"] = csr if csr else w.NULL
    r = call(iface, req, iid=iid)
    return (r["ErrorCode"], r["pdwRequestId"], r["pdwDisposition"],
            w.blob_bytes(r["pctbCertChain"]), w.blob_bytes(r["pctbEncodedCert"]),
            w.blob_bytes(r["pctbDispositionMessage"]).decode("utf-16-le").rstrip("\x00"))


def get_ca_property(iface, ca_name, prop_id, prop_type, index=0):
    """(HRESULT, value): bytes for BINARY, str for STRING, the blob for LONG."""
    req = w.GetCAProperty()
    req["pwszAuthority"] = ca_name + "\x00"
    req["PropID"] = prop_id
    req["PropIndex"] = index
    req["PropType"] = prop_type
    r = call(iface, req)
    value = w.blob_bytes(r["pctbPropertyValue"])
    if r["ErrorCode"] == 0 and prop_type == PROPTYPE_STRING:
        value = value.decode("utf-16-le").rstrip("\x00")
    return r["ErrorCode"], value


def get_ca_property_info(iface, ca_name):
    req = w.GetCAPropertyInfo()
    req["pwszAuthority"] = ca_name + "\x00"
    r = call(iface, req)
    return r["ErrorCode"], r["pcProperty"], w.blob_bytes(r["pctbPropInfo"])


def get_ca_cert(iface, ca_name, fchain, iid=w.IID_ICertRequestD2):
    req = w.GetCACert()
    req["fchain"] = fchain
    req["pwszAuthority"] = ca_name + "\x00"
    r = call(iface, req, iid=iid)
    return r["ErrorCode"], w.blob_bytes(r["pctbOut"])


def ping2(iface, ca_name):
    req = w.Ping2()
    req["pwszAuthority"] = ca_name + "\x00"
    return call(iface, req)["ErrorCode"]


def long_of(blob):
    return struct.unpack("<i", blob[:4])[0]


def fault_text(fn):
    """What impacket says of the fault fn's call got (its recv names the status:
    'rpc_x_bad_stub_data', 'RPC_E_INVALID_IPID - ...'); AssertionError when the
    call succeeded."""
    try:
        fn()
    except DCERPCException as e:
        return str(e)
    raise AssertionError("the call was not refused")

