#!/usr/bin/python3
"""impacket (an independent DCE/RPC stack) as the oracle for firmware/rpc.

    rpc_impacket.py gen > tests/unit/support/rpc_ref.h
        Writes, as C arrays, the reference PDUs and stubs that
        tests/unit/test_rpc_*.c decode: impacket's own bind for ICPR, a bind
        offering NDR + NDR64 + bind-time feature negotiation, impacket's NTLM
        (PKT_PRIVACY) bind, a CertServerRequest request stub and PDU, ept_map
        request stubs for ICPR and for an unknown interface. rpc_ref.h was
        produced with this command (python3-impacket 0.10 on Debian 12); the
        referent ids are fixed here, so a rerun gives the same octets.

    rpc_impacket.py seeds DIR
        Writes the seed corpus of tests/fuzz/fuzz_rpc.c (a control octet, then
        what a client sends on one connection; see the layout there).

    rpc_impacket.py client EPM_PORT ICPR_PORT
        Runs impacket's client against a server on 127.0.0.1 (the one
        test_rpc_impacket.c builds on rpc_conn): ept_map, binds (plain, NDR64
        only, unknown interface, several contexts with feature negotiation,
        small max_recv_frag), alter_context, CertServerRequest with small and
        large (fragmented both ways) stubs, an unknown opnum, a request on a
        context never negotiated. Prints one line per check; exits 1 on the
        first failure.

The CertServerRequest NDR definitions are not in impacket 0.10; they are
written here from MS-ICPR 3.2.4.1.1 with impacket's NDR types.
"""
import socket
import struct
import sys

from impacket import ntlm
from impacket.dcerpc.v5 import epm, rpcrt, transport
from impacket.dcerpc.v5.dtypes import DWORD, LPWSTR, ULONG
from impacket.dcerpc.v5.ndr import NDRCALL, NDRPOINTER, NDRSTRUCT, NDRUniConformantArray
from impacket.uuid import uuidtup_to_bin

ICPR = uuidtup_to_bin(('91ae6020-9e3c-11cf-8d7c-00aa00c091be', '0.0'))
NDR = uuidtup_to_bin(('8a885d04-1ceb-11c9-9fe8-08002b104860', '2.0'))
NDR64 = uuidtup_to_bin(('71710533-beba-4937-8319-b5dbef9ccc36', '1.0'))
BTFN = bytes.fromhex('2c1cb76c12984045') + bytes([3, 0, 0, 0, 0, 0, 0, 0]) + b'\x01\x00\x00\x00'
UNKNOWN = uuidtup_to_bin(('12345678-1234-abcd-ef00-0123456789ab', '1.0'))


class BYTE_ARRAY(NDRUniConformantArray):
    item = 'c'


class PBYTE_ARRAY(NDRPOINTER):
    referent = (('Data', BYTE_ARRAY),)


class CERTTRANSBLOB(NDRSTRUCT):
    structure = (('cb', ULONG), ('pb', PBYTE_ARRAY))


class CertServerRequest(NDRCALL):
    opnum = 0
    structure = (
        ('dwFlags', DWORD),
        ('pwszAuthority', LPWSTR),
        ('pdwRequestId', DWORD),
        ('pctbAttribs', CERTTRANSBLOB),
        ('pctbRequest', CERTTRANSBLOB),
    )


class CertServerRequestResponse(NDRCALL):
    structure = (
        ('pdwRequestId', DWORD),
        ('pdwDisposition', ULONG),
        ('pctbCert', CERTTRANSBLOB),
        ('pctbEncodedCert', CERTTRANSBLOB),
        ('pctbDispositionMessage', CERTTRANSBLOB),
    )


class DCERPCSessionError(Exception):
    """What rpcrt.DCERPC.request raises for a non-zero return value."""

    def __init__(self, error_string=None, error_code=None, packet=None):
        Exception.__init__(self, error_string)
        self.error_code = error_code
        self.packet = packet


def csr_request(authority, attribs, req, request_id=0):
    r = CertServerRequest()
    r['dwFlags'] = 0
    r['pwszAuthority'] = authority + '\x00'
    r['pdwRequestId'] = request_id
    r['pctbAttribs']['cb'] = len(attribs)
    r['pctbAttribs']['pb'] = attribs
    r['pctbRequest']['cb'] = len(req)
    r['pctbRequest']['pb'] = req
    # fixed referent ids (Windows style) instead of impacket's random ones, so that
    # gen and seeds reproduce byte for byte
    r.fields['pwszAuthority'].fields['ReferentID'] = 0x20000
    r['pctbAttribs'].fields['pb'].fields['ReferentID'] = 0x20004
    r['pctbRequest'].fields['pb'].fields['ReferentID'] = 0x20008
    return r


def ept_map_request(iface):
    """The request impacket's hept_map sends, for any interface."""
    tower = epm.EPMTower()
    i = epm.EPMRPCInterface()
    i['InterfaceUUID'] = iface[:16]
    i['MajorVersion'] = struct.unpack('<H', iface[16:18])[0]
    i['MinorVersion'] = struct.unpack('<H', iface[18:20])[0]
    d = epm.EPMRPCDataRepresentation()
    d['DataRepUuid'] = NDR[:16]
    d['MajorVersion'] = 2
    d['MinorVersion'] = 0
    p = epm.EPMProtocolIdentifier()
    p['ProtIdentifier'] = epm.FLOOR_RPCV5_IDENTIFIER
    port = epm.EPMPortAddr()
    port['IpPort'] = 0
    host = epm.EPMHostAddr()
    host['Ip4addr'] = socket.inet_aton('0.0.0.0')
    tower['NumberOfFloors'] = 5
    tower['Floors'] = i.getData() + d.getData() + p.getData() + port.getData() + host.getData()
    q = epm.ept_map()
    q['max_towers'] = 1
    q['map_tower']['tower_length'] = len(tower)
    q['map_tower']['tower_octet_string'] = tower.getData()
    q.fields['obj'].fields['ReferentID'] = 1
    q.fields['map_tower'].fields['ReferentID'] = 2
    return q


def bind_pdu(items, call_id=1, max_frag=4280, ptype=rpcrt.MSRPC_BIND):
    """A bind (or alter_context) with the given (ctx_id, abstract, [transfers])."""
    b = rpcrt.MSRPCBind()
    b['max_tfrag'] = max_frag
    b['max_rfrag'] = max_frag
    for ctx_id, abstract, transfers in items:
        it = rpcrt.CtxItem()
        it['ContextID'] = ctx_id
        it['TransItems'] = len(transfers)
        it['AbstractSyntax'] = abstract
        it['TransferSyntax'] = transfers[0]
        data = it.getData() + b''.join(transfers[1:])
        b.addCtxItem(RawItem(data))
    h = rpcrt.MSRPCHeader()
    h['type'] = ptype
    h['call_id'] = call_id
    h['pduData'] = b.getData()
    return h.get_packet()


class RawItem:
    def __init__(self, data):
        self.data = data

    def getData(self):
        return self.data


class Capture:
    """A transport that keeps what is sent and answers nothing."""

    def __init__(self):
        self.sent = []

    def send(self, data, forceWriteAndx=0, forceRecv=0):
        self.sent.append(bytes(data))

    def recv(self, forceRecv=0, count=0):
        raise EOFError('captured')

    def get_credentials(self):
        return ('alice', 'Passw0rd', 'EXAMPLE', '', '', '', None, None)

    def doesSupportNTLMv2(self):
        return True

    def getRemoteName(self):
        return 'ca'

    def get_kdcHost(self):
        return None


def captured_bind(auth_level=None):
    cap = Capture()
    dce = rpcrt.DCERPC_v5(cap)
    if auth_level is not None:
        dce.set_credentials('alice', 'Passw0rd', 'EXAMPLE')
        dce.set_auth_type(rpcrt.RPC_C_AUTHN_WINNT)
        dce.set_auth_level(auth_level)
    try:
        dce.bind(ICPR)
    except EOFError:
        pass
    return cap.sent[0]


def c_array(name, data):
    out = ['static const uint8_t %s[%d] __attribute__((unused)) = {' % (name, len(data))]
    for i in range(0, len(data), 12):
        out.append('\t' + ' '.join('0x%02x,' % b for b in data[i:i + 12]))
    out.append('};')
    return '\n'.join(out)


def gen():
    attribs = 'CertificateTemplate:User\x00'.encode('utf-16le')
    req = bytes.fromhex('3082010a') + bytes(range(7))
    stub = csr_request('Appliance Root CA', attribs, req).getData()
    call = rpcrt.DCERPC_RawCall(0, stub)
    call['call_id'] = 2
    call['alloc_hint'] = len(stub)
    pdus = [
        ('ref_bind_icpr', captured_bind()),
        ('ref_bind_multi', bind_pdu([(0, ICPR, [NDR]), (1, ICPR, [NDR64]), (2, ICPR, [BTFN])])),
        ('ref_bind_ntlm', captured_bind(rpcrt.RPC_C_AUTHN_LEVEL_PKT_PRIVACY)),
        ('ref_csr_stub', stub),
        ('ref_csr_pdu', call.get_packet()),
        ('ref_eptmap_icpr', ept_map_request(ICPR).getData()),
        ('ref_eptmap_unknown', ept_map_request(UNKNOWN).getData()),
    ]
    print('/* Reference PDUs and stubs made by impacket: generated by')
    print(' * tests/unit/support/rpc_impacket.py gen (see there). */')
    print('#ifndef TESTS_RPC_REF_H\n#define TESTS_RPC_REF_H\n\n#include <stdint.h>\n')
    for name, data in pdus:
        print(c_array(name, data))
        print()
    print('#endif')


# ---- the live client ----

failures = 0


def check(what, cond, detail=''):
    if not isinstance(detail, str) or not detail.isprintable():
        detail = repr(detail)
    print('%s: %s%s' % ('ok' if cond else 'FAILED', what, (' (%s)' % detail) if detail else ''))
    if not cond:
        sys.exit(1)


def connect(port):
    t = transport.DCERPCTransportFactory('ncacn_ip_tcp:127.0.0.1[%d]' % port)
    dce = t.get_dce_rpc()
    dce.connect()
    return t, dce


def expect_error(what, fn, text):
    try:
        fn()
    except Exception as e:  # impacket raises several classes
        check(what, text in str(e), str(e))
        return e
    check(what, False, 'no error')
    return None


def blob(resp, name):
    b = resp[name]
    if b['cb'] == 0:
        return b''
    return b''.join(b['pb'])


def csr_call(dce, authority, attribs, req, request_id=0):
    resp = dce.request(csr_request(authority, attribs, req, request_id))
    return resp


def client(epm_port, icpr_port):
    # Endpoint mapper: hept_map as careq and certipy use it.
    t, dce = connect(epm_port)
    where = epm.hept_map('127.0.0.1', ICPR, protocol='ncacn_ip_tcp', dce=dce)
    check('ept_map ICPR', where == 'ncacn_ip_tcp:127.0.0.1[%d]' % icpr_port, where)
    expect_error('ept_map unknown interface -> EPT_S_NOT_REGISTERED',
                 lambda: dce.request(ept_map_request(UNKNOWN)), '16c9a0d6')
    dce.disconnect()

    # Plain bind, a call, a big call fragmented both ways.
    t, dce = connect(icpr_port)
    dce.bind(ICPR)
    attribs = 'CertificateTemplate:User\x00'.encode('utf-16le')
    resp = csr_call(dce, 'Appliance Root CA', attribs, b'\x30\x03\x02\x01\x00')
    check('CertServerRequest request id', resp['pdwRequestId'] == 7, resp['pdwRequestId'])
    check('CertServerRequest disposition', resp['pdwDisposition'] == 3)
    check('pctbCert echoes the request', blob(resp, 'pctbCert') == b'\x30\x03\x02\x01\x00')
    check('pctbEncodedCert empty (NULL)', resp['pctbEncodedCert']['cb'] == 0)
    msg = blob(resp, 'pctbDispositionMessage').decode('utf-16le')
    check('pctbDispositionMessage echoes the authority', msg == 'Appliance Root CA\x00', msg)
    big = bytes((i * 7 + 3) & 0xff for i in range(10 * 1024))
    dce.set_max_fragment_size(1000)  # many request fragments
    resp = csr_call(dce, 'Appliance Root CA', attribs, big, request_id=41)
    check('10 KiB request and response, fragmented', blob(resp, 'pctbCert') == big)
    check('retrieval id echoed + 1', resp['pdwRequestId'] == 42)
    check('pctbEncodedCert first 100 octets', blob(resp, 'pctbEncodedCert') == big[:100])
    dce.set_default_max_fragment_size()
    expect_error('opnum 255 -> nca_s_op_rng_error',
                 lambda: dce.call(255, b'\x00' * 8) or dce.recv(), 'nca_s_op_rng_error')
    expect_error('bad stub -> rpc_x_bad_stub_data',
                 lambda: dce.call(0, b'\x00\x00\x00\x00\x01') or dce.recv(),
                 'rpc_x_bad_stub_data')
    # alter_context to a second context of the same interface, a call on it.
    dce2 = dce.alter_ctx(ICPR)
    resp = csr_call(dce2, 'CA2', b'', b'\x01')
    check('call on the alter_context context', blob(resp, 'pctbCert') == b'\x01')
    # A context id never negotiated: fault, and the connection goes on.
    dce2.set_ctx_id(9)
    expect_error('unknown context -> nca_s_unk_if',
                 lambda: dce2.call(0, b'') or dce2.recv(), 'nca_s_unk_if')
    resp = csr_call(dce, 'Appliance Root CA', b'', b'\x02')
    check('connection kept after the fault', blob(resp, 'pctbCert') == b'\x02')
    dce.disconnect()

    # Small max_recv_frag: responses cut to 1024 octets, reassembled by impacket.
    orig = rpcrt.MSRPCBind.__init__

    def small(self, data=None, alignment=0):
        orig(self, data, alignment)
        if data is None:
            self['max_rfrag'] = 1024
    rpcrt.MSRPCBind.__init__ = small
    try:
        t, dce = connect(icpr_port)
        dce.bind(ICPR)
    finally:
        rpcrt.MSRPCBind.__init__ = orig
    resp = csr_call(dce, 'Appliance Root CA', b'', big)
    check('10 KiB response over max_recv_frag 1024', blob(resp, 'pctbCert') == big)
    dce.disconnect()

    # Binds the server refuses.
    t, dce = connect(icpr_port)
    expect_error('bind to an unknown interface -> bind_nak', lambda: dce.bind(UNKNOWN),
                 'reason_not_specified')
    dce.disconnect()
    t, dce = connect(icpr_port)
    expect_error('NDR64 only -> proposed_transfer_syntaxes_not_supported',
                 lambda: dce.bind(ICPR, transfer_syntax=(
                     '71710533-beba-4937-8319-b5dbef9ccc36', '1.0')),
                 'proposed_transfer_syntaxes_not_supported')
    dce.disconnect()

    # NDR + NDR64 + feature negotiation, parsed with impacket's bind_ack.
    s = socket.create_connection(('127.0.0.1', icpr_port))
    s.sendall(bind_pdu([(0, ICPR, [NDR]), (1, ICPR, [NDR64]), (2, ICPR, [BTFN])]))
    ack = recv_pdu(s)
    s.close()
    h = rpcrt.MSRPCHeader(ack)
    check('bind_ack type', h['type'] == rpcrt.MSRPC_BINDACK, h['type'])
    a = rpcrt.MSRPCBindAck(ack)
    port = '%d' % icpr_port  # impacket hands the 'z' field back as text, NUL removed
    check('bind_ack secondary address', a['SecondaryAddr'] == port and
          a['SecondaryAddrLen'] == len(port) + 1, a['SecondaryAddr'])
    check('bind_ack max frags', (a['max_tfrag'], a['max_rfrag']) == (4280, 4280))
    r = [(x['Result'], x['Reason'], x['TransferSyntax']) for x in a.getCtxItems()]
    check('NDR accepted', r[0] == (0, 0, NDR), r[0])
    check('NDR64 provider rejection 2', r[1] == (2, 2, b'\x00' * 20), r[1])
    check('feature negotiation negotiate_ack, keep-on-orphan', r[2] == (3, 2, b'\x00' * 20),
          r[2])
    print('all impacket checks passed')


def request_pdu(call_id, opnum, stub, flags=rpcrt.PFC_FIRST_FRAG | rpcrt.PFC_LAST_FRAG, ctx=0,
                auth=None):
    call = rpcrt.DCERPC_RawCall(opnum, stub)
    call['call_id'] = call_id
    call['flags'] = flags
    call['ctx_id'] = ctx
    call['alloc_hint'] = len(stub)
    if auth is not None:
        trailer, token, seal = auth
        pad = (4 - (24 + len(stub)) % 4) % 4
        call['pduData'] = bytes(b ^ seal for b in stub + b'\xbb' * pad)
        trailer['auth_pad_len'] = pad
        call['sec_trailer'] = trailer.getData()
        call['auth_data'] = token
    return call.get_packet()


def fragments(call_id, opnum, stub, size):
    out = b''
    for off in range(0, len(stub), size):
        flags = (rpcrt.PFC_FIRST_FRAG if off == 0 else 0) | \
            (rpcrt.PFC_LAST_FRAG if off + size >= len(stub) else 0)
        out += request_pdu(call_id, opnum, stub[off:off + size], flags)
    return out


def seeds(outdir):
    import os
    os.makedirs(outdir, exist_ok=True)
    attribs = 'CertificateTemplate:User\x00'.encode('utf-16le')
    csr = csr_request('Appliance Root CA', attribs, bytes(range(256)) * 4).getData()
    small = csr_request('CA', b'', b'\x30\x00').getData()
    epm_if = uuidtup_to_bin(('e1af8308-5d1f-11c9-91a4-08002b14a0fa', '3.0'))
    ntlm_bind = captured_bind(rpcrt.RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
    trailer = rpcrt.SEC_TRAILER()
    trailer['auth_type'] = rpcrt.RPC_C_AUTHN_WINNT
    trailer['auth_level'] = rpcrt.RPC_C_AUTHN_LEVEL_PKT_PRIVACY
    trailer['auth_ctx_id'] = 79231
    auth3 = rpcrt.MSRPCHeader()
    auth3['type'] = rpcrt.MSRPC_AUTH3
    auth3['pduData'] = b'    '
    auth3['sec_trailer'] = trailer.getData()
    auth3['auth_data'] = b'\x01' * 64
    bind = bind_pdu([(0, ICPR, [NDR])])
    out = {
        'icpr_call': bytes([0x0f]) + bind + request_pdu(2, 0, csr),
        'icpr_call_bytewise': bytes([0x00]) + bind + request_pdu(2, 0, small),
        'bind_multi': bytes([0x0c]) + bind_pdu([(0, ICPR, [NDR]), (1, ICPR, [NDR64]),
                                                (2, ICPR, [BTFN])]) + request_pdu(2, 0, small),
        'epm_map': bytes([0x1f]) + bind_pdu([(0, epm_if, [NDR])]) +
        request_pdu(2, 3, ept_map_request(ICPR).getData()) +
        request_pdu(3, 3, ept_map_request(UNKNOWN).getData()),
        'fragmented_small_limits': bytes([0x2d]) + bind_pdu([(0, ICPR, [NDR])], max_frag=1024) +
        fragments(2, 0, csr, 500),
        # the fuzz target's stand-in provider "seals" with XOR 0x5a
        'ntlm_provider': bytes([0x4f]) + ntlm_bind + auth3.get_packet() +
        request_pdu(2, 0, small, auth=(trailer, b'\x00' * 16, 0x5a)) +
        request_pdu(3, 0, csr, auth=(trailer, b'\x00' * 16, 0x5a)),
        'opnum_fault': bytes([0x8f]) + bind + request_pdu(2, 255, b'\x00' * 8),
        'alter_orphan': bytes([0x0e]) + bind +
        bind_pdu([(1, ICPR, [NDR64, NDR])], call_id=2, ptype=rpcrt.MSRPC_ALTERCTX) +
        request_pdu(3, 0, small[:8], rpcrt.PFC_FIRST_FRAG, ctx=1) +
        bytes.fromhex('05001303100000001000000003000000') +
        request_pdu(4, 0, small, ctx=1),
        'wrong_sequence': bytes([0x0b]) + bind + request_pdu(2, 0, small[:8], 0) +
        request_pdu(3, 0, small[:8], rpcrt.PFC_FIRST_FRAG) + request_pdu(4, 0, small[8:], 2),
        'unknown_bind': bytes([0x0f]) + bind_pdu([(0, UNKNOWN, [NDR])]),
        'raw_csr_stub': bytes([0x0f]) + csr,
        'raw_eptmap_stub': bytes([0x0f]) + ept_map_request(ICPR).getData(),
    }
    for name, data in out.items():
        with open(os.path.join(outdir, name), 'wb') as f:
            f.write(data)


def recv_pdu(s):
    data = b''
    while len(data) < 16 or len(data) < struct.unpack('<H', data[8:10])[0]:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


if __name__ == '__main__':
    if len(sys.argv) == 2 and sys.argv[1] == 'gen':
        gen()
    elif len(sys.argv) == 3 and sys.argv[1] == 'seeds':
        seeds(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == 'client':
        client(int(sys.argv[2]), int(sys.argv[3]))
    else:
        sys.exit(__doc__)
