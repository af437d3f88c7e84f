#!/usr/bin/python3
"""impacket (an independent NDR engine) as the oracle for firmware/rpc/wcce_stub.c
and the wire forms of firmware/icpr/caprop.c.

    wcce_impacket.py gen > tests/unit/support/wcce_ref.h
        Writes, as C arrays, ICertRequestD/D2 request stubs built by impacket with
        the NDR calls of tests/integration/wcce_ndr.py (ORPCTHIS first, fixed
        causality id and referent ids, so a rerun gives the same octets), and the
        values test_rpc_wcce.c expects them to decode to. wcce_ref.h was produced
        with this command (python3-impacket 0.10 on Debian 12).

    wcce_impacket.py parse OPNUM < HEX
        Reads a response stub (hex on stdin) with impacket's response class for
        OPNUM and prints its fields, one "name=value" a line (integers in
        decimal, blobs in hex); for GetCAPropertyInfo also each CATRANSPROP as
        "prop=id,type,flags,name", decoded with struct alone. Exits 1 (with the
        reason on stderr) when the stub does not parse or has octets left over.

    wcce_impacket.py seeds DIR
        Writes the seed corpus of tests/fuzz/fuzz_wcce.c (a selector octet,
        then a stub; see the layout there).
"""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "integration"))
import wcce_ndr as w  # noqa: E402

AUTHORITY = 'Appliance Root CA'
ATTRS = 'CertificateTemplate:User\nSAN:upn=alice@example.test'
REQ = bytes.fromhex('3082010a') + bytes(range(7))
SERIAL = '1a2b3c4d'


def request(authority=AUTHORITY, attrs=ATTRS, req=REQ, flags=0x00010000, request_id=0):
    r = w.Request()
    r['ORPCthis'] = w.orpcthis()
    r['dwFlags'] = flags
    w.set_str(r, 'pwszAuthority', authority, 0x20000)
    r['pdwRequestId'] = request_id
    w.set_str(r, 'pwszAttributes', attrs, 0x20004)
    w.set_blob(r, 'pctbRequest', req, 0x20008)
    return r


def request2(authority=AUTHORITY, serial=None, attrs=ATTRS, req=REQ, flags=0x00010400,
             request_id=0):
    r = w.Request2()
    r['ORPCthis'] = w.orpcthis()
    w.set_str(r, 'pwszAuthority', authority, 0x20000)
    r['dwFlags'] = flags
    w.set_str(r, 'pwszSerialNumber', serial, 0x20004)
    r['pdwRequestId'] = request_id
    w.set_str(r, 'pwszAttributes', attrs, 0x20008)
    w.set_blob(r, 'pctbRequest', req, 0x2000c)
    return r


def getcacert(fchain, authority=AUTHORITY):
    r = w.GetCACert()
    r['ORPCthis'] = w.orpcthis()
    r['fchain'] = fchain
    w.set_str(r, 'pwszAuthority', authority, 0x20000)
    return r


def getcaproperty(pid, index, ptype, authority=AUTHORITY):
    r = w.GetCAProperty()
    r['ORPCthis'] = w.orpcthis()
    w.set_str(r, 'pwszAuthority', authority, 0x20000)
    r['PropID'] = pid
    r['PropIndex'] = index
    r['PropType'] = ptype
    return r


def with_extension(call):
    """call with an ORPCTHIS carrying one ORPC_EXTENT (5 octets of data, padded
    to 8), as impacket marshals it: the decoder must skip it and read on."""
    from impacket.dcerpc.v5.dcomrt import ORPC_EXTENT, ORPC_EXTENT_ARRAY, PORPC_EXTENT
    t = w.ORPCTHIS()
    t['cid'] = b'\x11' * 16
    t['flags'] = 0
    e = ORPC_EXTENT()
    e['id'] = b'\x22' * 16
    e['size'] = 5
    e['data'] = list(b'hello\x00\x00\x00')
    ptr = PORPC_EXTENT()
    ptr['Data'] = e
    arr = ORPC_EXTENT_ARRAY()
    arr['size'] = 1
    arr['reserved'] = 0
    arr['extent'] = [ptr, w.NULL]
    t['extensions'] = arr
    t.fields['extensions'].fields['ReferentID'] = 0x20100
    arr.fields['extent'].fields['ReferentID'] = 0x20104
    ptr.fields['ReferentID'] = 0x20108
    call['ORPCthis'] = t
    return call


def authority_call(cls, authority=AUTHORITY):
    r = cls()
    r['ORPCthis'] = w.orpcthis()
    w.set_str(r, 'pwszAuthority', authority, 0x20000)
    return r


def stubs():
    """(C name, stub) pairs: gen writes them, seeds starts from them."""
    return [
        ('ref_wcce_request', 3, request().getData()),
        ('ref_wcce_request_null', 3, request(authority=None, attrs=None, req=b'').getData()),
        ('ref_wcce_request2', 6, request2().getData()),
        ('ref_wcce_request2_status', 6,
         request2(serial=SERIAL, attrs=None, req=b'', request_id=0).getData()),
        ('ref_wcce_attr_max', 3, request(attrs='a' * 1535).getData()),
        ('ref_wcce_attr_over', 3, request(attrs='a' * 1536).getData()),
        ('ref_wcce_serial_over', 6, request2(serial='1' * 64).getData()),
        ('ref_wcce_getcacert', 4, getcacert(0x63740002).getData()),
        ('ref_wcce_getcacert_ext', 4, with_extension(getcacert(0x6e616d65)).getData()),
        ('ref_wcce_getcaproperty', 7, getcaproperty(12, -1, 3).getData()),
        ('ref_wcce_ping', 5, authority_call(w.Ping, authority='').getData()),
        ('ref_wcce_propinfo', 8, authority_call(w.GetCAPropertyInfo).getData()),
        ('ref_wcce_ping2', 9, authority_call(w.Ping2, authority=None).getData()),
    ]


def c_array(name, data):
    out = ['static const uint8_t %s[%d] __attribute__((unused)) = {' % (name, len(data))]
    for i in range(0, len(data), 12):
        out.append('\t' + ' '.join('0x%02x,' % b for b in data[i:i + 12]))
    out.append('};')
    return '\n'.join(out)


def c_string(name, text):
    return 'static const char %s[] __attribute__((unused)) = "%s";' % (
        name, text.replace('\\', '\\\\').replace('\n', '\\n'))


def gen():
    print('/* ICertRequestD/D2 request stubs made by impacket: generated by')
    print(' * tests/unit/support/wcce_impacket.py gen (see there). */')
    print('#ifndef TESTS_WCCE_REF_H\n#define TESTS_WCCE_REF_H\n\n#include <stdint.h>\n')
    print(c_string('ref_wcce_authority', AUTHORITY))
    print(c_string('ref_wcce_attrs', ATTRS))
    print(c_string('ref_wcce_serial', SERIAL))
    print(c_array('ref_wcce_req', REQ))
    print()
    for name, _, data in stubs():
        print(c_array(name, data))
        print()
    print('#endif')


def parse(opnum, hexdata):
    data = bytes.fromhex(hexdata.strip())
    resp = w.RESPONSES[opnum](data)
    used = len(resp.getData())
    if used != len(data):
        sys.exit('%d octets parsed of %d' % (used, len(data)))
    print('orpcthat_flags=%d' % resp['ORPCthat']['flags'])
    print('orpcthat_ext=%d' % (resp['ORPCthat'].fields['extensions'].fields['ReferentID'] != 0))
    for name, _ in resp.structure:
        v = resp[name]
        if name.startswith('pctb'):
            pb = w.blob_bytes(v)
            if v['cb'] != len(pb):
                sys.exit('%s: cb %d for %d octets' % (name, v['cb'], len(pb)))
            print('%s=%s' % (name, pb.hex()))
        else:
            print('%s=%d' % (name, v))
    if opnum == 8:
        for pid, ptype, flags, name in w.catransprop(w.blob_bytes(resp['pctbPropInfo']),
                                                     resp['pcProperty']):
            print('prop=%d,%d,%d,%s' % (pid, ptype, flags, name))


def seeds(outdir):
    """Selector octet: 0..6 = opnum 3..9 for the decoders; 7 = fchain map, 8 =
    PropType check (fuzz_wcce.c)."""
    os.makedirs(outdir, exist_ok=True)
    for name, opnum, data in stubs():
        with open(os.path.join(outdir, name[4:]), 'wb') as f:
            f.write(bytes([opnum - 3]) + data)
    for fchain in (0, 1, 0x80000000, 0x6363726c, 0x696e666f, 0x74797065, 0x63740003,
                   0x73740000, 0xe3740001):
        with open(os.path.join(outdir, 'fchain_%08x' % fchain), 'wb') as f:
            f.write(bytes([7]) + fchain.to_bytes(4, 'little'))
    with open(os.path.join(outdir, 'propcheck'), 'wb') as f:
        f.write(bytes([8]) + (12).to_bytes(4, 'little') + (0).to_bytes(4, 'little') +
                (3).to_bytes(4, 'little'))


if __name__ == '__main__':
    if len(sys.argv) == 2 and sys.argv[1] == 'gen':
        gen()
    elif len(sys.argv) == 3 and sys.argv[1] == 'parse':
        parse(int(sys.argv[2]), sys.stdin.read())
    elif len(sys.argv) == 3 and sys.argv[1] == 'seeds':
        seeds(sys.argv[2])
    else:
        sys.exit(__doc__)
