#!/usr/bin/python3
"""impacket (an independent DCOM stack) as the oracle for firmware/rpc/dcom*.c.

    dcom_impacket.py gen > tests/unit/support/dcom_ref.h
        Writes, as C arrays, the request stubs tests/unit/test_rpc_dcom.c
        decodes: RemoteCreateInstance and RemoteGetClassObject exactly as
        impacket's dcomrt.IRemoteSCMActivator builds them (its methods are run
        against a fake transport that keeps the stub), a RemoteCreateInstance
        built with impacket's classes the way Windows fills it (several IIDs,
        two protseqs, SpecialPropertiesData and SecurityInfoData, an ORPCTHIS
        with extensions), and ORPCTHIS with and without extensions followed by
        a marker. random is seeded and the causality id fixed, so a rerun
        gives the same octets (python3-impacket 0.10 on Debian 12).

    dcom_impacket.py act OPNUM FILE
        FILE holds our response stub to RemoteCreateInstance (4) or
        RemoteGetClassObject (3). impacket's own IRemoteSCMActivator method is
        run with a transport that answers with those octets, so the answer
        goes through dcomrt's parsing (ACTIVATION_BLOB, ScmReplyInfoData,
        PropsOutInfo, OBJREF_STANDARD); prints what it found, one key=value a
        line. An answer with a failure HRESULT prints hr= only.

    dcom_impacket.py actin FILE
        FILE holds our RemoteCreateInstance request stub (careq's
        dcom_act_encode_in): parsed with impacket's RemoteCreateInstance,
        OBJREF_CUSTOM, ACTIVATION_BLOB and each property's class; prints the
        fields, one key=value a line.

    dcom_impacket.py objref FILE     an OBJREF_STANDARD's octets
    dcom_impacket.py dsa FILE        an NDR conformant DUALSTRINGARRAY
        Parse with impacket's OBJREF_STANDARD / DUALSTRINGARRAY and print the
        fields and bindings.

    dcom_impacket.py seeds DIR
        Writes the seed corpus of tests/fuzz/fuzz_dcom.c (a selector octet,
        then the input; see there).
"""
import os
import random
import struct
import sys
import uuid as pyuuid

from impacket.dcerpc.v5 import dcomrt
from impacket.dcerpc.v5.dcomrt import (
    ACTIVATION_BLOB, CLSID, CLSID_ActivationContextInfo, CLSID_ActivationPropertiesIn,
    CLSID_InstantiationInfo, CLSID_ScmRequestInfo, CLSID_SecurityInfo,
    CLSID_ServerLocationInfo, CLSID_SpecialSystemProperties, DUALSTRINGARRAY,
    IID_IActivationPropertiesIn, IID_IClassFactory, IRemoteSCMActivator, IID,
    ActivationContextInfoData, InstantiationInfoData, LocationInfoData, OBJREF_CUSTOM,
    OBJREF_STANDARD, ORPC_EXTENT, ORPCTHIS, PORPC_EXTENT, RemoteCreateInstance,
    RemoteCreateInstanceResponse, RemoteGetClassObjectResponse, ScmRequestInfoData,
    SECURITYBINDING, SecurityInfoData, SpecialPropertiesData, STRINGBINDING)
from impacket.dcerpc.v5.dtypes import DWORD, NULL
from impacket.dcerpc.v5.ndr import NDRCALL
from impacket.uuid import string_to_bin

CLSID_CCertRequestD = string_to_bin('d99e6e74-fc88-11d0-b498-00a0c90312f3')
IID_ICertRequestD = string_to_bin('d99e6e70-fc88-11d0-b498-00a0c90312f3')
IID_ICertRequestD2 = string_to_bin('5422fd3a-d4b8-4cef-a12e-e87d4ca22e90')
IID_IUnknown = string_to_bin('00000000-0000-0000-c000-000000000046')
CID = string_to_bin('11223344-5566-7788-99aa-bbccddeeff00')


class Captured(Exception):
    pass


class CaptureDce:
    """A transport for IRemoteSCMActivator that keeps the request stub."""
    def __init__(self):
        self.stub = None

    def bind(self, iid):
        pass

    def request(self, req):
        self.stub = req.getData()
        raise Captured()


class AnswerDce:
    """A transport that answers every request with the given response stub."""
    def __init__(self, stub, respclass):
        self.stub = stub
        self.respclass = respclass

    def bind(self, iid):
        pass

    def request(self, req):
        resp = self.respclass(self.stub)
        if resp['ErrorCode'] != 0:
            raise RuntimeError('hr=0x%08x' % resp['ErrorCode'])
        return resp

    def get_rpc_transport(self):
        return self

    def getRemoteHost(self):
        return '127.0.0.1'

    def get_auth_type(self):
        return 10


def impacket_stub(method, clsid, iid):
    random.seed(17)
    dcomrt.generate = lambda: CID
    dce = CaptureDce()
    try:
        getattr(IRemoteSCMActivator(dce), method)(clsid, iid)
    except Captured:
        pass
    return dce.stub


def ts1(obj, pad=True):
    marshaled = obj.getData() + obj.getDataReferents()
    if pad:
        marshaled += b'\xfa' * ((8 - len(marshaled) % 8) % 8)
    return marshaled


def windows_like_stub(iids, protseqs, extents=0, opnum=4, n_props_override=None):
    """RemoteCreateInstance (or RemoteGetClassObject) filled with impacket's
    classes the way a Windows client fills it."""
    random.seed(23)
    props = []
    special = SpecialPropertiesData()
    special['dwSessionId'] = 0xffffffff
    special['dwDefaultAuthnLvl'] = 6
    special['dwOrigClsctx'] = 0x14
    special['dwFlags'] = 2
    special['Reserved'] = b'\x00' * 32
    props.append((CLSID_SpecialSystemProperties, ts1(special)))
    inst = InstantiationInfoData()
    inst['classId'] = CLSID_CCertRequestD
    inst['classCtx'] = 0x14
    inst['cIID'] = len(iids)
    for i in iids:
        x = IID()
        x['Data'] = i
        inst['pIID'].append(x)
    inst['clientCOMVersion']['MajorVersion'] = 5
    inst['clientCOMVersion']['MinorVersion'] = 7
    props.append((CLSID_InstantiationInfo, ts1(inst)))
    ctx = ActivationContextInfoData()
    ctx['pIFDClientCtx'] = NULL
    ctx['pIFDPrototypeCtx'] = NULL
    props.append((CLSID_ActivationContextInfo, ts1(ctx)))
    sec = SecurityInfoData()
    sec['pServerInfo']['pwszName'] = 'ca.example.test\x00'
    sec['pServerInfo']['pdwReserved'] = NULL
    sec['pdwReserved'] = NULL
    props.append((CLSID_SecurityInfo, ts1(sec)))
    loc = LocationInfoData()
    loc['machineName'] = NULL
    props.append((CLSID_ServerLocationInfo, ts1(loc)))
    scm = ScmRequestInfoData()
    scm['pdwReserved'] = NULL
    scm['remoteRequest']['ClientImpLevel'] = 2
    scm['remoteRequest']['cRequestedProtseqs'] = len(protseqs)
    for p in protseqs:
        scm['remoteRequest']['pRequestedProtseqs'].append(p)
    props.append((CLSID_ScmRequestInfo, ts1(scm)))

    blob = ACTIVATION_BLOB()
    blob['CustomHeader']['destCtx'] = 2
    blob['CustomHeader']['pdwReserved'] = NULL
    for c, data in props:
        x = CLSID()
        x['Data'] = c
        blob['CustomHeader']['pclsid'].append(x)
        d = DWORD()
        d['Data'] = len(data)
        blob['CustomHeader']['pSizes'].append(d)
    blob['Property'] = b''.join(d for _, d in props)
    objref = OBJREF_CUSTOM()
    objref['iid'] = IID_IActivationPropertiesIn[:-4]
    objref['clsid'] = CLSID_ActivationPropertiesIn
    objref['pObjectData'] = blob.getData()
    objref['ObjectReferenceSize'] = len(objref['pObjectData']) + 8

    req = RemoteCreateInstance()
    req['ORPCthis'] = orpcthis(extents)
    req['pUnkOuter'] = NULL
    req['pActProperties']['ulCntData'] = len(objref.getData())
    req['pActProperties']['abData'] = list(objref.getData())
    data = req.getData()
    if opnum == 3:
        # RemoteGetClassObject has no pUnkOuter: drop its NULL referent.
        n = len(orpcthis_bytes(extents))
        data = data[:n] + data[n + 4:]
    return data


def orpcthis(extents):
    t = ORPCTHIS()
    t['version']['MajorVersion'] = 5
    t['version']['MinorVersion'] = 7
    t['flags'] = 1
    t['cid'] = CID
    if extents == 0:
        t['extensions'] = NULL
        return t
    t['extensions']['size'] = extents
    t['extensions']['reserved'] = 0
    for i in range(extents + (extents & 1)):
        p = PORPC_EXTENT()
        if i < extents:
            e = ORPC_EXTENT()
            e['id'] = string_to_bin('%08x-0000-0000-c000-000000000046' % (0x31c + i))
            e['size'] = 5 + i
            e['data'] = list(bytes(range(1, 6 + i)) + b'\x00' * ((8 - (5 + i) % 8) % 8))
            p['Data'] = e
        else:
            p = NULL
        t['extensions']['extent'].append(p)
    return t


def orpcthis_bytes(extents):
    class Call(NDRCALL):
        structure = (('ORPCthis', ORPCTHIS),)
    random.seed(29)
    c = Call()
    c['ORPCthis'] = orpcthis(extents)
    return c.getData()


def orpcthis_marked(extents):
    """ORPCTHIS followed by a DWORD 0x1f2e3d4c: the decoder must stop right there."""
    class Call(NDRCALL):
        structure = (('ORPCthis', ORPCTHIS), ('marker', DWORD))
    random.seed(29)
    c = Call()
    c['ORPCthis'] = orpcthis(extents)
    c['marker'] = 0x1f2e3d4c
    return c.getData()


REFS = [
    ('ref_rci_stub', 'RemoteCreateInstance as impacket sends it (CCertRequestD, ICertRequestD2)',
     lambda: impacket_stub('RemoteCreateInstance', CLSID_CCertRequestD, IID_ICertRequestD2)),
    ('ref_rgco_stub', 'RemoteGetClassObject as impacket sends it (CCertRequestD, IClassFactory)',
     lambda: impacket_stub('RemoteGetClassObject', CLSID_CCertRequestD, IID_IClassFactory[:16])),
    ('ref_rci_win_stub', 'RemoteCreateInstance filled as Windows does: IUnknown, ICertRequestD, '
     'ICertRequestD2; protseqs 7 and 0x1f; 6 properties; ORPCTHIS with 3 extents',
     lambda: windows_like_stub([IID_IUnknown, IID_ICertRequestD, IID_ICertRequestD2], [7, 0x1f],
                               extents=3)),
    ('ref_rgco_win_stub', 'RemoteGetClassObject, same properties, one IID, no extents',
     lambda: windows_like_stub([IID_IClassFactory[:16]], [7], opnum=3)),
    ('ref_rci_maxiids_stub', 'RemoteCreateInstance with 8 IIDs (the most accepted)',
     lambda: windows_like_stub([IID_IUnknown] * 8, [7])),
    ('ref_rci_9iids_stub', 'RemoteCreateInstance with 9 IIDs (one too many)',
     lambda: windows_like_stub([IID_IUnknown] * 9, [7])),
    ('ref_orpcthis_plain', 'ORPCTHIS without extensions, then DWORD 0x1f2e3d4c',
     lambda: orpcthis_marked(0)),
    ('ref_orpcthis_ext1', 'ORPCTHIS with 1 extent (5 octets), then DWORD 0x1f2e3d4c',
     lambda: orpcthis_marked(1)),
    ('ref_orpcthis_ext3', 'ORPCTHIS with 3 extents (4 pointers, one NULL), then 0x1f2e3d4c',
     lambda: orpcthis_marked(3)),
]


def c_array(name, comment, data):
    out = ['/* %s */' % comment, 'static const uint8_t %s[%d] = {' % (name, len(data))]
    for i in range(0, len(data), 12):
        out.append('\t' + ' '.join('0x%02x,' % b for b in data[i:i + 12]))
    out.append('};')
    return '\n'.join(out)


def gen():
    print('/* Generated by tests/unit/support/dcom_impacket.py gen: do not edit. */')
    print('#ifndef TESTS_DCOM_REF_H')
    print('#define TESTS_DCOM_REF_H')
    print()
    print('#include <stdint.h>')
    for name, comment, fn in REFS:
        print()
        print(c_array(name, comment, fn()))
    print()
    print('#endif')


def guid(b):
    return str(pyuuid.UUID(bytes_le=bytes(b)))


def wstr(x):
    if isinstance(x, bytes):
        x = x.decode('utf-16le')
    return x.rstrip('\x00')


def print_dsa_units(prefix, units, secoff):
    raw = b''.join(struct.pack('<H', x) for x in units)
    strb = raw[:secoff * 2]
    i = 0
    while strb[0:2] != b'\x00\x00':
        b = STRINGBINDING(strb)
        print('%sstr%d=%d %s' % (prefix, i, b['wTowerId'], wstr(b['aNetworkAddr'])))
        strb = strb[len(b):]
        i += 1
    # Security bindings by hand: impacket's SECURITYBINDING (a WIDESTR that
    # ends at the first three zero octets) misreads an empty principal name.
    sec = list(units[secoff:])
    i = 0
    while len(sec) >= 2 and sec[0] != 0:
        end = sec.index(0, 2)
        name = ''.join(chr(u) for u in sec[2:end])
        print('%ssec%d=%d %d %s' % (prefix, i, sec[0], sec[1], name))
        sec = sec[end + 1:]
        i += 1
    if sec != [0] and not (i == 0 and sec == [0, 0]):  # an empty list is two zeros
        raise RuntimeError('security bindings: %r left' % sec)


def print_objref(prefix, data):
    o = OBJREF_STANDARD(data)
    print('%ssignature=0x%08x' % (prefix, o['signature']))
    print('%sflags=%d' % (prefix, o['flags']))
    print('%siid=%s' % (prefix, guid(o['iid'])))
    print('%sstdflags=0x%x' % (prefix, o['std']['flags']))
    print('%spublicrefs=%d' % (prefix, o['std']['cPublicRefs']))
    print('%soxid=%016x' % (prefix, o['std']['oxid']))
    print('%soid=%016x' % (prefix, o['std']['oid']))
    print('%sipid=%s' % (prefix, guid(o['std']['ipid'])))
    sa = o['saResAddr']
    n, off = struct.unpack('<HH', sa[:4])
    if len(sa) != 4 + 2 * n:
        raise RuntimeError('saResAddr: %d octets for %d entries' % (len(sa), n))
    print_dsa_units(prefix + 'res.', struct.unpack('<%dH' % n, sa[4:]), off)


def check_act(opnum, data):
    respclass = RemoteCreateInstanceResponse if opnum == 4 else RemoteGetClassObjectResponse
    resp = respclass(data)
    print('hr=0x%08x' % resp['ErrorCode'])
    if resp['ErrorCode'] != 0:
        if resp['ppActProperties'] not in (NULL, b'') and resp['ppActProperties']['ulCntData'] != 0:
            raise RuntimeError('a failure with ppActProperties')
        return
    method = 'RemoteCreateInstance' if opnum == 4 else 'RemoteGetClassObject'
    iface = getattr(IRemoteSCMActivator(AnswerDce(data, respclass)), method)(
        CLSID_CCertRequestD, IID_ICertRequestD2)
    # What dcomrt kept: the first interface, the OXID's bindings and level.
    print('first.oxid=%016x' % iface.get_oxid())
    print('first.oid=%016x' % iface.get_oid())
    print('first.ipid=%s' % guid(iface.get_iPid()))
    print('ipidRemUnknown=%s' % guid(iface.get_ipidRemUnknown()))
    cinst = iface.get_cinstance()
    print('authlevel=%d' % cinst.get_auth_level())
    for i, b in enumerate(cinst.get_string_bindings()):
        print('binding%d=%d %s' % (i, b['wTowerId'], wstr(b['aNetworkAddr'])))
    # The whole BLOB again with dcomrt's classes, every interface.
    objref = OBJREF_CUSTOM(b''.join(resp['ppActProperties']['abData']))
    print('custom.iid=%s' % guid(objref['iid']))
    print('custom.clsid=%s' % guid(objref['clsid']))
    blob = ACTIVATION_BLOB(objref['pObjectData'])
    hdr = blob['CustomHeader']
    print('blob.dwSize=%d' % blob['dwSize'])
    print('blob.totalSize=%d' % hdr['totalSize'])
    print('blob.cIfs=%d' % hdr['cIfs'])
    sizes = [x['Data'] for x in hdr['pSizes']]
    for i, c in enumerate(hdr['pclsid']):
        print('blob.prop%d=%s %d' % (i, guid(c['Data']), sizes[i]))
    if len(blob['Property']) != sum(sizes):
        raise RuntimeError('properties: %d octets, sizes say %d' % (len(blob['Property']), sum(sizes)))
    props = blob['Property'][:sizes[0]]
    scm = blob['Property'][sizes[0]:sizes[0] + sizes[1]]
    scmr = dcomrt.ScmReplyInfoData()
    n = scmr.fromString(scm)
    scmr.fromStringReferents(scm[n:])
    rr = scmr['remoteReply']
    print('scm.oxid=%016x' % rr['Oxid'])
    print('scm.authnHint=%d' % rr['authnHint'])
    print('scm.version=%d.%d' % (rr['serverVersion']['MajorVersion'], rr['serverVersion']['MinorVersion']))
    dsa = rr['pdsaOxidBindings']
    print_dsa_units('scm.', dsa['aStringArray'], dsa['wSecurityOffset'])
    po = dcomrt.PropsOutInfo()
    n = po.fromString(props)
    po.fromStringReferents(props[n:])
    print('props.cIfs=%d' % po['cIfs'])
    for i in range(po['cIfs']):
        print('props%d.iid=%s' % (i, guid(po['piid'][i]['Data'])))
        print('props%d.hr=0x%08x' % (i, po['phresults'][i]['Data'] & 0xffffffff))
        mip = po['ppIntfData'][i]
        if mip['ReferentID'] != 0:
            print_objref('props%d.' % i, b''.join(mip['abData']))
        else:
            print('props%d.null=1' % i)


def check_actin(data):
    req = RemoteCreateInstance(data)
    print('orpc.version=%d.%d' % (req['ORPCthis']['version']['MajorVersion'],
                                  req['ORPCthis']['version']['MinorVersion']))
    print('orpc.cid=%s' % guid(req['ORPCthis']['cid']))
    print('unkouter.null=%d' % (req['pUnkOuter'] in (NULL, b'') or req['pUnkOuter']['ulCntData'] == 0))
    raw = b''.join(req['pActProperties']['abData'])
    objref = OBJREF_CUSTOM(raw)
    print('custom.iid=%s' % guid(objref['iid']))
    print('custom.clsid=%s' % guid(objref['clsid']))
    blob = ACTIVATION_BLOB(objref['pObjectData'])
    hdr = blob['CustomHeader']
    print('blob.cIfs=%d' % hdr['cIfs'])
    print('blob.destCtx=%d' % hdr['destCtx'])
    sizes = [x['Data'] for x in hdr['pSizes']]
    if len(blob['Property']) != sum(sizes):
        raise RuntimeError('properties: %d octets, sizes say %d' % (len(blob['Property']), sum(sizes)))
    if hdr['totalSize'] != hdr['headerSize'] + sum(sizes) or blob['dwSize'] != hdr['totalSize']:
        raise RuntimeError('totalSize %d, headerSize %d, dwSize %d, sizes %d' % (
            hdr['totalSize'], hdr['headerSize'], blob['dwSize'], sum(sizes)))
    off = 0
    for i, c in enumerate(hdr['pclsid']):
        print('blob.prop%d=%s %d' % (i, guid(c['Data']), sizes[i]))
        part = blob['Property'][off:off + sizes[i]]
        off += sizes[i]
        if c['Data'] == CLSID_InstantiationInfo:
            ii = InstantiationInfoData()
            n = ii.fromString(part)
            ii.fromStringReferents(part[n:])
            print('inst.clsid=%s' % guid(ii['classId']))
            print('inst.cIID=%d' % ii['cIID'])
            for k in range(ii['cIID']):
                print('inst.iid%d=%s' % (k, guid(ii['pIID'][k]['Data'])))
            print('inst.version=%d.%d' % (ii['clientCOMVersion']['MajorVersion'],
                                          ii['clientCOMVersion']['MinorVersion']))
            print('inst.thisSize=%d' % ii['thisSize'])
        elif c['Data'] == CLSID_ScmRequestInfo:
            sr = ScmRequestInfoData()
            n = sr.fromString(part)
            sr.fromStringReferents(part[n:])
            rr = sr['remoteRequest']
            print('scm.count=%d' % rr['cRequestedProtseqs'])
            print('scm.protseqs=%s' % ','.join(str(x['Data'] if isinstance(x, dict) or hasattr(x, '__getitem__') and not isinstance(x, int) else x)
                                               for x in rr['pRequestedProtseqs']))
        elif c['Data'] == CLSID_ActivationContextInfo:
            ActivationContextInfoData(part)
            print('actctx=ok')
        elif c['Data'] == CLSID_ServerLocationInfo:
            LocationInfoData(part)
            print('location=ok')


def seeds(d):
    os.makedirs(d, exist_ok=True)
    items = [
        (0, 'rci_impacket', impacket_stub('RemoteCreateInstance', CLSID_CCertRequestD, IID_ICertRequestD2)),
        (0, 'rci_windows', windows_like_stub([IID_IUnknown, IID_ICertRequestD, IID_ICertRequestD2], [7, 0x1f], extents=3)),
        (1, 'rgco_impacket', impacket_stub('RemoteGetClassObject', CLSID_CCertRequestD, IID_IClassFactory[:16])),
        (1, 'rgco_windows', windows_like_stub([IID_IClassFactory[:16]], [7], opnum=3)),
        (2, 'orpcthis_ext3', orpcthis_marked(3)),
        (2, 'orpcthis_plain', orpcthis_marked(0)),
        (3, 'mip', struct.pack('<II', 6, 6) + b'MEOW\x01\x00'),
    ]
    for sel, name, data in items:
        with open(os.path.join(d, name), 'wb') as f:
            f.write(bytes([sel]) + data)


def main():
    if len(sys.argv) == 2 and sys.argv[1] == 'gen':
        gen()
    elif len(sys.argv) == 4 and sys.argv[1] == 'act':
        check_act(int(sys.argv[2]), open(sys.argv[3], 'rb').read())
    elif len(sys.argv) == 3 and sys.argv[1] == 'actin':
        check_actin(open(sys.argv[2], 'rb').read())
    elif len(sys.argv) == 3 and sys.argv[1] == 'objref':
        print_objref('', open(sys.argv[2], 'rb').read())
    elif len(sys.argv) == 3 and sys.argv[1] == 'dsa':
        data = open(sys.argv[2], 'rb').read()
        d = DUALSTRINGARRAY(data)
        if len(d.getData()) != len(data):
            raise RuntimeError('DUALSTRINGARRAY: %d octets, %d parsed' % (len(data), len(d.getData())))
        print('entries=%d' % d['wNumEntries'])
        print('secoff=%d' % d['wSecurityOffset'])
        print_dsa_units('', d['aStringArray'], d['wSecurityOffset'])
    elif len(sys.argv) == 3 and sys.argv[1] == 'seeds':
        seeds(sys.argv[2])
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == '__main__':
    main()
