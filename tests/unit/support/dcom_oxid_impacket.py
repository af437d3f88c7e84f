#!/usr/bin/python3
"""impacket (an independent DCOM stack) as the oracle for firmware/rpc/dcom_oxid.c
and dcom_remunk.c.

    dcom_oxid_impacket.py gen > tests/unit/support/dcom_oxid_ref.h
        Writes, as C arrays, request stubs built by impacket's own NDRCALL
        classes (impacket/dcerpc/v5/dcomrt.py): ResolveOxid, ResolveOxid2,
        SimplePing, ComplexPing (with and without OIDs to delete), ServerAlive,
        ServerAlive2, RemQueryInterface, RemAddRef, RemRelease, and
        RemQueryInterface2 (impacket 0.10 has no class for it: written here
        from MS-DCOM 3.1.1.5.7.1 with impacket's NDR types). The values are
        fixed here, so a rerun gives the same octets (pad octets are impacket's).
        One more, packed by hand (impacket cannot send ORPC extensions): a
        RemRelease whose ORPCTHIS carries one extension.
        test_rpc_dcom_oxid.c decodes them and checks the values named below.

    dcom_oxid_impacket.py seeds DIR
        Writes the seed corpus of tests/fuzz/fuzz_dcom_oxid.c: a selector
        octet (see the target), then the stub.

    dcom_oxid_impacket.py check NAME FILE
        Parses FILE (a response stub our encoder wrote) with impacket's
        response class NAME and prints its fields, one "key=value" per line
        (test_rpc_dcom_oxid.c compares them). NAME is an impacket class
        (ResolveOxidResponse ...) or, where impacket's own does not follow
        the IDL, one written here: RemQueryInterfaceArray (ppQIResults as the
        [size_is(, cIids)] array MS-DCOM defines; impacket's class reads one
        REMQIRESULT, which lines up with the array only for one IID) and
        RemQueryInterface2Response.
"""
import os
import struct
import sys

from impacket.dcerpc.v5 import dcomrt as d
from impacket.dcerpc.v5.dtypes import NULL, USHORT, ULONG
from impacket.dcerpc.v5.ndr import NDRPOINTER, NDRUniConformantArray
from impacket.uuid import bin_to_string

CID = bytes(range(0x10, 0x20))
RIPID = bytes(range(0xa0, 0xb0))
IPID2 = bytes(range(0xc0, 0xd0))


# ---- what impacket 0.10 lacks ----

class RemQueryInterface2(d.DCOMCALL):
    opnum = 6
    structure = (
        ('ripid', d.REFIPID),
        ('cIids', USHORT),
        ('iids', d.IID_ARRAY),
    )


class PMInterfacePointerInternal_ARRAY(NDRUniConformantArray):
    item = d.PMInterfacePointerInternal


class RemQueryInterface2Response(d.DCOMANSWER):
    structure = (
        ('phr', d.HRESULT_ARRAY),
        ('ppMIF', PMInterfacePointerInternal_ARRAY),
        ('ErrorCode', d.error_status_t),
    )


class REMQIRESULT_ARRAY(NDRUniConformantArray):
    item = d.REMQIRESULT


class PREMQIRESULT_ARRAY(NDRPOINTER):
    referent = (('Data', REMQIRESULT_ARRAY),)


class RemQueryInterfaceArray(d.DCOMANSWER):
    structure = (
        ('ppQIResults', PREMQIRESULT_ARRAY),
        ('ErrorCode', d.error_status_t),
    )


# ---- requests ----

def orpcthis(r, minor=7):
    r['ORPCthis']['version']['MajorVersion'] = 5
    r['ORPCthis']['version']['MinorVersion'] = minor
    r['ORPCthis']['flags'] = 0
    r['ORPCthis']['reserved1'] = 0
    r['ORPCthis']['cid'] = CID
    r['ORPCthis']['extensions'] = NULL


def iid(b):
    g = d.IID()
    g['Data'] = b[:16]
    return g


def remref(ipid, pub, priv):
    e = d.REMINTERFACEREF()
    e['ipid'] = ipid
    e['cPublicRefs'] = pub
    e['cPrivateRefs'] = priv
    return e


def resolve(cls, oxid, protseqs):
    r = cls()
    r['pOxid'] = oxid
    r['cRequestedProtseqs'] = len(protseqs)
    r['arRequestedProtseqs'] = protseqs
    return r


def complex_ping(setid, seq, add, dele):
    r = d.ComplexPing()
    r['pSetId'] = setid
    r['SequenceNum'] = seq
    r['cAddToSet'] = len(add)
    r['cDelFromSet'] = len(dele)
    for field, oids in (('AddToSet', add), ('DelFromSet', dele)):
        if not oids:
            r[field] = NULL
        for v in oids:
            o = d.OID()
            o['Data'] = v
            r[field].append(o)
    # fixed referent ids (impacket draws random ones)
    if add:
        r.fields['AddToSet'].fields['ReferentID'] = 0x20000
    if dele:
        r.fields['DelFromSet'].fields['ReferentID'] = 0x20004
    return r


def requests():
    """(name, opnum, NDRCALL) for every reference stub."""
    out = []
    out.append(('ref_resolve_oxid', 0, resolve(d.ResolveOxid, 0x1122334455667788, [7])))
    out.append(('ref_resolve_oxid2', 4, resolve(d.ResolveOxid2, 0x8877665544332211,
                                                 [7, 15, 9])))
    r = d.SimplePing()
    r['pSetId'] = 0x0102030405060708
    out.append(('ref_simple_ping', 1, r))
    out.append(('ref_complex_ping', 2, complex_ping(0, 1, [0x1111, 0x2222, 0x3333],
                                                    [0x4444])))
    out.append(('ref_complex_ping_add', 2, complex_ping(0xabcdef0123456789, 7,
                                                        [0xfedcba9876543210], [])))
    out.append(('ref_complex_ping_max', 2, complex_ping(5, 2, list(range(1, 257)),
                                                        list(range(1000, 1256)))))
    out.append(('ref_server_alive', 3, d.ServerAlive()))
    out.append(('ref_server_alive2', 5, d.ServerAlive2()))
    r = d.RemQueryInterface()
    orpcthis(r)
    r['ripid'] = RIPID
    r['cRefs'] = 5
    r['cIids'] = 2
    r['iids'].append(iid(d.IID_IUnknown))
    r['iids'].append(iid(d.IID_IRemUnknown2))
    out.append(('ref_remqi', 3, r))
    r = d.RemAddRef()
    orpcthis(r)
    r['cInterfaceRefs'] = 2
    r['InterfaceRefs'].append(remref(RIPID, 1, 0))
    r['InterfaceRefs'].append(remref(IPID2, 3, 2))
    out.append(('ref_remaddref', 4, r))
    r = d.RemRelease()
    orpcthis(r, minor=6)
    r['cInterfaceRefs'] = 1
    r['InterfaceRefs'].append(remref(IPID2, 5, 0))
    out.append(('ref_remrelease', 5, r))
    r = RemQueryInterface2()
    orpcthis(r)
    r['ripid'] = RIPID
    r['cIids'] = 3
    r['iids'].append(iid(d.IID_IUnknown))
    r['iids'].append(iid(d.IID_IRemUnknown))
    r['iids'].append(iid(d.IID_IRemUnknown2))
    out.append(('ref_remqi2', 6, r))
    return out


def release_with_extent():
    """A RemRelease whose ORPCTHIS carries one extension (impacket's classes
    send none): packed by hand from MS-DCOM 2.2.13, not by impacket."""
    b = struct.pack('<HHII16sI', 5, 7, 0, 0, CID, 0x20000)  # ORPCTHIS, extensions ->
    b += struct.pack('<III', 1, 0, 0x20004)                  # ORPC_EXTENT_ARRAY: size 1
    b += struct.pack('<IIII', 2, 0x20008, 0, 8)              # 2 pointers; extent max_count 8
    b += bytes(range(16)) + struct.pack('<I', 5) + b'abcde\0\0\0'  # id, size 5, data
    b += struct.pack('<HHI16sII', 1, 0, 1, IPID2, 7, 0)      # cInterfaceRefs 1, the array
    return b


def c_array(name, data):
    out = ['static const uint8_t %s[%d] __attribute__((unused)) = {' % (name, len(data))]
    for i in range(0, len(data), 12):
        out.append('\t' + ' '.join('0x%02x,' % b for b in data[i:i + 12]))
    out.append('};')
    return '\n'.join(out)


def gen():
    print('/* Reference request stubs made by impacket: generated by')
    print(' * tests/unit/support/dcom_oxid_impacket.py gen (see there). */')
    print('#ifndef TESTS_DCOM_OXID_REF_H')
    print('#define TESTS_DCOM_OXID_REF_H')
    print()
    print('#include <stdint.h>')
    for name, _, r in requests():
        if not r.getData():
            continue  # ServerAlive, ServerAlive2: no [in] parameters, an empty stub
        print()
        print(c_array(name, r.getData()))
    print()
    print('/* not impacket\'s: see release_with_extent() */')
    print(c_array('ref_remrelease_extent', release_with_extent()))
    print()
    print('#endif')


def seeds(dirname):
    """Selector octet: 0..5 IObjectExporter opnum, 0x10 + 3..6 IRemUnknown2 opnum."""
    os.makedirs(dirname, exist_ok=True)
    for name, opnum, r in requests():
        sel = (0x10 | opnum) if name.startswith('ref_rem') else opnum
        with open(os.path.join(dirname, name[4:]), 'wb') as f:
            f.write(bytes([sel]) + r.getData())
    with open(os.path.join(dirname, 'remrelease_extent'), 'wb') as f:
        f.write(bytes([0x15]) + release_with_extent())


# ---- responses ----

def dsa_text(dsa):
    """'7:127.0.0.1[5022],...|10:princ,...' from a DUALSTRINGARRAY's units."""
    units = list(dsa['aStringArray'])
    if dsa['wNumEntries'] != len(units):
        return 'bad-count'
    off = dsa['wSecurityOffset']

    def strings(seq, sec):
        items, cur = [], []
        i = 0
        while i < len(seq):
            if seq[i] == 0:
                break
            head = seq[i]
            if sec:
                head = '%d/%d' % (seq[i], seq[i + 1])
                i += 1
            i += 1
            cur = []
            while i < len(seq) and seq[i] != 0:
                cur.append(chr(seq[i]))
                i += 1
            i += 1
            items.append('%s:%s' % (head, ''.join(cur)))
        return ','.join(items)
    return strings(units[:off], False) + '|' + strings(units[off:], True)


def u32(x):
    """An array item (an NDR scalar object) as an unsigned 32-bit value."""
    return (x['Data'] if hasattr(x, 'fields') else x) & 0xffffffff


def ref(p):
    """A pointer's referent id (0: NULL)."""
    return p.fields['ReferentID']


def std_text(s):
    return 'flags=0x%x refs=%d oxid=0x%x oid=0x%x ipid=%s' % (
        s['flags'], s['cPublicRefs'], s['oxid'], s['oid'], s['ipid'].hex())


def check(name, path):
    data = open(path, 'rb').read()
    cls = globals().get(name) or getattr(d, name)
    r = cls(data)
    p = print
    if name in ('ResolveOxidResponse', 'ResolveOxid2Response'):
        b = r.fields['ppdsaOxidBindings']
        p('bindings=%s' % ('NULL' if ref(b) == 0 else dsa_text(b['Data'])))
        p('ipid=%s' % r['pipidRemUnknown'].hex())
        p('authn=%d' % r['pAuthnHint'])
        if name == 'ResolveOxid2Response':
            p('version=%d.%d' % (r['pComVersion']['MajorVersion'],
                                 r['pComVersion']['MinorVersion']))
    elif name == 'ServerAlive2Response':
        p('version=%d.%d' % (r['pComVersion']['MajorVersion'],
                             r['pComVersion']['MinorVersion']))
        b = r.fields['ppdsaOrBindings']
        p('bindings=%s' % ('NULL' if ref(b) == 0 else dsa_text(b['Data'])))
        # impacket reads the [ref] DWORD pReserved as a pointer: 0 is NULL to it
        p('reserved=%s' % ('0' if ref(r.fields['pReserved']) == 0 else 'nonzero'))
    elif name == 'ComplexPingResponse':
        p('setid=0x%x' % r['pSetId'])
        p('backoff=%d' % r['pPingBackoffFactor'])
    elif name == 'RemQueryInterfaceResponse':
        q = r.fields['ppQIResults']
        if ref(q) == 0:
            p('results=NULL')
        else:
            p('hr=0x%x' % (q['hResult'] & 0xffffffff))
            p('std=%s' % std_text(q['std']))
    elif name == 'RemQueryInterfaceArray':
        q = r.fields['ppQIResults']
        if ref(q) == 0:
            p('results=NULL')
        else:
            for e in q['Data']:
                p('hr=0x%x std=%s' % (e['hResult'] & 0xffffffff, std_text(e['std'])))
    elif name == 'RemAddRefResponse':
        p('results=%s' % ','.join('0x%x' % u32(x) for x in r['pResults']))
    elif name == 'RemQueryInterface2Response':
        p('phr=%s' % ','.join('0x%x' % u32(x) for x in r['phr']))
        for m in r['ppMIF']:
            if ref(m) == 0:
                p('mif=NULL')
                continue
            ab = m['abData']
            raw = b''.join(ab) if isinstance(ab, list) else bytes(ab)
            if len(raw) != m['ulCntData']:
                p('mif=bad-length')
                continue
            o = d.OBJREF_STANDARD(raw)
            sa = d.DUALSTRINGARRAYPACKED(o['saResAddr'])
            units = list(struct.unpack('<%dH' % sa['wNumEntries'],
                                       sa['aStringArray'][:2 * sa['wNumEntries']]))
            fake = {'aStringArray': units, 'wNumEntries': sa['wNumEntries'],
                    'wSecurityOffset': sa['wSecurityOffset']}
            p('mif=sig=0x%x flags=%d iid=%s std=%s resaddr=%s' % (
                o['signature'], o['flags'], bin_to_string(o['iid']).lower(),
                std_text(o['std']), dsa_text(fake)))
    if 'ORPCthat' in r.fields:
        p('orpcthat=0x%x/%d' % (r['ORPCthat']['flags'],
                                ref(r['ORPCthat'].fields['extensions'])))
    p('status=0x%x' % (r['ErrorCode'] & 0xffffffff))


if __name__ == '__main__':
    if len(sys.argv) == 2 and sys.argv[1] == 'gen':
        gen()
    elif len(sys.argv) == 3 and sys.argv[1] == 'seeds':
        seeds(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == 'check':
        check(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
