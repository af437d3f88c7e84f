"""Kerberos (SPNEGO, DCE/RPC auth type 9) MS-ICPR clients on python3-impacket for
the integration tests. impacket's type 9 is SPNEGO with Kerberos only, DCE
style: the bind carries the AP-REQ, the bind_ack the CA's AP-REP, and impacket
sends its own AP-REP in an alter_context. The service ticket comes from the
test realm's MIT tools (kdc.py: impacket's own AS exchange fails against MIT),
loaded from the ccache.

A client can also have its legs changed before they are sent (`tampered`), be
given an old AP-REQ (`replay`), or have one octet of its next request flipped
(ntlm_client.Wire works on any transport)."""
import sys
from pathlib import Path

import struct

from impacket.dcerpc.v5 import rpcrt, transport
from impacket.krb5 import gssapi, kerberosv5
from impacket.krb5.gssapi import KG_USAGE_INITIATOR_SIGN

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "support"))
from rpc_impacket import ICPR  # noqa: E402

LEVELS = {"connect": rpcrt.RPC_C_AUTHN_LEVEL_CONNECT,
          "integrity": rpcrt.RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
          "privacy": rpcrt.RPC_C_AUTHN_LEVEL_PKT_PRIVACY}
SERVICE_HOST = "ca.example.test"


def _get_mic(self, sessionKey, data, sequenceNumber, direction="init"):
    """impacket 0.10's GSSAPI_AES.GSS_GetMIC with its Python 3 defect mended: it
    pads with a str (`chr(pad) * pad`) and so raises TypeError on bytes (any
    Kerberos call at integrity level). The same computation with bytes."""
    token = self.MIC()
    pad = (4 - (len(data) % 4)) & 0x3
    data += bytes([pad]) * pad
    token["Flags"] = 4
    token["SND_SEQ"] = struct.pack(">Q", sequenceNumber)
    token["SGN_CKSUM"] = self.checkSumProfile().checksum(
        sessionKey, KG_USAGE_INITIATOR_SIGN, data + token.getData()[:16])
    return token.getData()


gssapi.GSSAPI_AES.GSS_GetMIC = _get_mic


def connect(binding, tgs, user="alice", realm="CA.TEST", level="privacy", iface=ICPR):
    """A Kerberos bind to iface (ICPR) with the service ticket tgs
    (kdc.KDC.impacket_tgs) at the level named."""
    t = transport.DCERPCTransportFactory(binding)
    t.setRemoteName(SERVICE_HOST)
    t.set_credentials(user, "", realm, "", "", None, None, tgs)
    t.set_kerberos(True, "127.0.0.1")
    dce = t.get_dce_rpc()
    dce.set_auth_type(rpcrt.RPC_C_AUTHN_GSS_NEGOTIATE)
    dce.set_auth_level(LEVELS[level])
    dce.connect()
    dce.bind(iface)
    return dce


class Legs:
    """Patches impacket's Kerberos legs while a client binds: first(blob) may
    change the NegTokenInit (bytes) impacket made; record keeps every first-leg
    blob sent, so a later client can send one again (a replayed AP-REQ)."""

    def __init__(self, first=None, replay=None):
        self.first, self.replay, self.sent = first, replay, []

    def __enter__(self):
        self._t1 = kerberosv5.getKerberosType1

        def type1(*a, **kw):
            cipher, key, blob = self._t1(*a, **kw)
            if self.replay is not None:
                blob = self.replay
            elif self.first is not None:
                blob = self.first(blob)
            self.sent.append(blob)
            return cipher, key, blob
        kerberosv5.getKerberosType1 = type1
        return self

    def __exit__(self, *exc):
        kerberosv5.getKerberosType1 = self._t1
