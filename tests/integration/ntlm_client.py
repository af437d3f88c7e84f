"""NTLM-authenticated MS-ICPR clients on python3-impacket for the integration
tests: a client at a chosen authentication level, one whose requests can be
tampered with or replayed on the wire, a relay that completes NTLM for a
victim without ever learning the session key, and a client with the right
password whose AUTHENTICATE is edited before it is sent."""
import os

from impacket import ntlm
from impacket.dcerpc.v5 import rpcrt, transport

import icpr_client as ic
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "support"))
from rpc_impacket import ICPR  # noqa: E402

DOMAIN, USER, PASSWORD = "EXAMPLE", "alice", "alice's demo password 1"
LEVELS = {"connect": rpcrt.RPC_C_AUTHN_LEVEL_CONNECT,
          "integrity": rpcrt.RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
          "privacy": rpcrt.RPC_C_AUTHN_LEVEL_PKT_PRIVACY}


def connect(binding, level="privacy", user=USER, password=PASSWORD, domain=DOMAIN,
            max_recv_frag=None):
    """An NTLM bind to ICPR at the level named; max_recv_frag makes the server cut
    its responses small (several sealed fragments)."""
    t = transport.DCERPCTransportFactory(binding)
    t.set_credentials(user, password, domain)
    dce = t.get_dce_rpc()
    dce.set_auth_type(rpcrt.RPC_C_AUTHN_WINNT)
    dce.set_auth_level(LEVELS[level])
    dce.connect()
    if max_recv_frag is None:
        dce.bind(ICPR)
        return dce
    orig = rpcrt.MSRPCBind.__init__

    def small(self, data=None, alignment=0):
        orig(self, data, alignment)
        if data is None:
            self["max_rfrag"] = max_recv_frag
    rpcrt.MSRPCBind.__init__ = small
    try:
        dce.bind(ICPR)
    finally:
        rpcrt.MSRPCBind.__init__ = orig
    return dce


class Wire:
    """Wraps a connected client's transport: records what it sends, and can flip
    one octet of the next request PDU (tamper) or send old bytes again (replay)."""

    def __init__(self, dce):
        self.t = dce.get_rpc_transport()
        self.sent = []
        self.flip_at = None
        self._send = self.t.send
        self.t.send = self.send

    def send(self, data, forceWriteAndx=0, forceRecv=0):
        data = bytes(data)
        if self.flip_at is not None and data[2] == 0:  # a request PDU
            b = bytearray(data)
            b[self.flip_at] ^= 0x01
            data, self.flip_at = bytes(b), None
        self.sent.append(data)
        return self._send(data, forceWriteAndx=forceWriteAndx, forceRecv=forceRecv)

    def raw(self, data):
        return self._send(data)


def relay_connect(binding, level, victim_user=USER, victim_password=PASSWORD,
                  victim_domain=DOMAIN):
    """A relay: the attacker's client binds, and every NTLM computation that needs
    the credential is done by the "victim" (here: impacket's own NTLM code with
    the victim's password, standing for a victim machine answering the relayed
    CHALLENGE). The attacker receives only the AUTHENTICATE token, never the
    session key: it keeps a random one, as a real relay must."""
    real = ntlm.getNTLMSSPType3

    def victim(type1, type2, user, password, domain, lmhash="", nthash="", use_ntlmv2=True):
        token, _session_key = real(type1, type2, victim_user, victim_password,
                                   victim_domain, use_ntlmv2=use_ntlmv2)
        return token, os.urandom(16)  # what the attacker does not know
    ntlm.getNTLMSSPType3 = victim
    try:
        return connect(binding, level, user="attacker", password="unknown",
                       domain="EVIL")
    finally:
        ntlm.getNTLMSSPType3 = real


def request(dce, ca_name, der=b"", **kw):
    return ic.cert_server_request(dce, ca_name, der, **kw)


def tampered_connect(binding, tamper, level="privacy", user=USER, password=PASSWORD,
                     domain=DOMAIN):
    """A client whose AUTHENTICATE is changed by tamper(token) (an impacket
    NTLMAuthChallengeResponse, re-encoded when sent) after it was computed with
    the right password: what a hostile client with valid credentials sends."""
    real = ntlm.getNTLMSSPType3

    def patched(type1, type2, u, p, d, lmhash="", nthash="", use_ntlmv2=True):
        token, key = real(type1, type2, u, p, d, lmhash, nthash, use_ntlmv2)
        tamper(token)
        return token, key
    ntlm.getNTLMSSPType3 = patched
    try:
        return connect(binding, level, user=user, password=password, domain=domain)
    finally:
        ntlm.getNTLMSSPType3 = real


def empty_session_key(token):
    """KEY_EXCH stays set, the EncryptedRandomSessionKey goes (gss-ntlmssp 1.2
    copies 16 octets from it regardless: SIGSEGV)."""
    assert token["flags"] & ntlm.NTLMSSP_NEGOTIATE_KEY_EXCH
    token["session_key"] = b""


def negotiate_connect(binding, clear, level="privacy", user=USER, password=PASSWORD,
                      domain=DOMAIN):
    """A client whose NEGOTIATE has the flags in clear taken out (e.g.
    NTLMSSP_NEGOTIATE_128: a client, or a man-in-the-middle, asking for 56- or
    40-bit session keys)."""
    real = ntlm.getNTLMSSPType1

    def patched(*args, **kw):
        msg = real(*args, **kw)
        msg["flags"] &= ~clear
        return msg
    ntlm.getNTLMSSPType1 = patched
    try:
        return connect(binding, level, user=user, password=password, domain=domain)
    finally:
        ntlm.getNTLMSSPType1 = real


def without_128(token):
    """The AUTHENTICATE asks for 56-bit keys: NEGOTIATE_128 cleared, 56 kept."""
    assert token["flags"] & ntlm.NTLMSSP_NEGOTIATE_128
    token["flags"] &= ~ntlm.NTLMSSP_NEGOTIATE_128


def connect_from(source, binding, **kw):
    """connect() from another loopback address (e.g. 127.0.0.2): a second client
    address for the per-address rules."""
    import socket as real_socket
    import types
    from impacket.dcerpc.v5 import transport as tr

    class Bound(real_socket.socket):
        def connect(self, sa):
            self.bind((source, 0))
            return super().connect(sa)
    real = tr.socket
    shim = types.SimpleNamespace(**{k: getattr(real, k) for k in dir(real)
                                    if not k.startswith("__")})
    shim.socket = Bound
    tr.socket = shim
    try:
        return connect(binding, **kw)
    finally:
        tr.socket = real
