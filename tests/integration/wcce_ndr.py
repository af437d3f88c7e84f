"""MS-WCCE ICertRequestD / ICertRequestD2 as impacket NDR calls (impacket 0.10 has
none): written from MS-WCCE 3.2.1.4.2 and 3.2.1.4.3 with impacket's NDR types.
Each call is a DCOMCALL (ORPCTHIS first, as impacket's dcomrt.INTERFACE.request
fills it) and each answer a DCOMANSWER (ORPCTHAT first) ending with the HRESULT
(ErrorCode), so that a caller can read it with checkError=False.

Used by the integration tests (through impacket's DCOMConnection: call
INTERFACE.request(Request2(...), iid=IID_ICertRequestD2)) and by
tests/unit/support/wcce_impacket.py (the unit tests' oracle)."""
import sys
from pathlib import Path

from impacket.dcerpc.v5.dcomrt import DCOMANSWER, DCOMCALL, ORPCTHIS
# rpcrt.DCERPC.request looks the call's module up for <Call>Response and, for a
# non-zero HRESULT, DCERPCSessionError: both must be names of this module.
from impacket.dcerpc.v5.dcomrt import DCERPCSessionError
from impacket.dcerpc.v5.dtypes import DWORD, LONG, LPWSTR, NULL, ULONG
from impacket.uuid import string_to_bin, uuidtup_to_bin

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "support"))
from rpc_impacket import CERTTRANSBLOB  # noqa: E402

CLSID_CCertRequestD = string_to_bin('d99e6e74-fc88-11d0-b498-00a0c90312f3')
IID_ICertRequestD = uuidtup_to_bin(('d99e6e70-fc88-11d0-b498-00a0c90312f3', '0.0'))
IID_ICertRequestD2 = uuidtup_to_bin(('5422fd3a-d4b8-4cef-a12e-e87d4ca22e90', '0.0'))


# ---- ICertRequestD (3.2.1.4.2) ----

class Request(DCOMCALL):
    opnum = 3
    structure = (('dwFlags', DWORD), ('pwszAuthority', LPWSTR), ('pdwRequestId', DWORD),
                 ('pwszAttributes', LPWSTR), ('pctbRequest', CERTTRANSBLOB))


class RequestResponse(DCOMANSWER):
    structure = (('pdwRequestId', DWORD), ('pdwDisposition', ULONG),
                 ('pctbCertChain', CERTTRANSBLOB), ('pctbEncodedCert', CERTTRANSBLOB),
                 ('pctbDispositionMessage', CERTTRANSBLOB), ('ErrorCode', ULONG))


class GetCACert(DCOMCALL):
    opnum = 4
    structure = (('fchain', DWORD), ('pwszAuthority', LPWSTR))


class GetCACertResponse(DCOMANSWER):
    structure = (('pctbOut', CERTTRANSBLOB), ('ErrorCode', ULONG))


class Ping(DCOMCALL):
    opnum = 5
    structure = (('pwszAuthority', LPWSTR),)


class PingResponse(DCOMANSWER):
    structure = (('ErrorCode', ULONG),)


# ---- ICertRequestD2 (3.2.1.4.3): note Request2's authority before dwFlags ----

class Request2(DCOMCALL):
    opnum = 6
    structure = (('pwszAuthority', LPWSTR), ('dwFlags', DWORD), ('pwszSerialNumber', LPWSTR),
                 ('pdwRequestId', DWORD), ('pwszAttributes', LPWSTR),
                 ('pctbRequest', CERTTRANSBLOB))


class Request2Response(DCOMANSWER):
    structure = (('pdwRequestId', DWORD), ('pdwDisposition', ULONG),
                 ('pctbFullResponse', CERTTRANSBLOB), ('pctbEncodedCert', CERTTRANSBLOB),
                 ('pctbDispositionMessage', CERTTRANSBLOB), ('ErrorCode', ULONG))


class GetCAProperty(DCOMCALL):
    opnum = 7
    structure = (('pwszAuthority', LPWSTR), ('PropID', LONG), ('PropIndex', LONG),
                 ('PropType', LONG))


class GetCAPropertyResponse(DCOMANSWER):
    structure = (('pctbPropertyValue', CERTTRANSBLOB), ('ErrorCode', ULONG))


class GetCAPropertyInfo(DCOMCALL):
    opnum = 8
    structure = (('pwszAuthority', LPWSTR),)


class GetCAPropertyInfoResponse(DCOMANSWER):
    structure = (('pcProperty', LONG), ('pctbPropInfo', CERTTRANSBLOB), ('ErrorCode', ULONG))


class Ping2(DCOMCALL):
    opnum = 9
    structure = (('pwszAuthority', LPWSTR),)


class Ping2Response(PingResponse):
    pass


SessionError = DCERPCSessionError  # what a failed call raises (rpcrt looks it up here)

RESPONSES = {3: RequestResponse, 4: GetCACertResponse, 5: PingResponse, 6: Request2Response,
             7: GetCAPropertyResponse, 8: GetCAPropertyInfoResponse, 9: Ping2Response}


def orpcthis(cid=b'\x11' * 16, flags=0):
    """An ORPCTHIS as impacket's INTERFACE.request sends it (COM 5.7, no
    extensions), with a fixed causality id."""
    t = ORPCTHIS()
    t['cid'] = cid
    t['extensions'] = NULL
    t['flags'] = flags
    return t


def set_str(call, name, value, referent):
    """A [string, unique] parameter: None -> NULL, else the text with its NUL
    and a fixed referent id (impacket draws random ones)."""
    if value is None:
        call[name] = NULL
        return
    call[name] = value + '\x00'
    call.fields[name].fields['ReferentID'] = referent


def set_blob(call, name, data, referent):
    call[name]['cb'] = len(data)
    call[name]['pb'] = data if data else NULL
    if data:
        call[name].fields['pb'].fields['ReferentID'] = referent


def blob_bytes(b):
    """A CERTTRANSBLOB's octets (b'' for a NULL pb)."""
    return b''.join(b['pb']) if b['pb'] not in (NULL, None) else b''


def catransprop(pb, count):
    """GetCAPropertyInfo's pctbPropInfo read with struct alone (MS-WCCE
    2.2.2.3.1): [(id, type, flags, name)], checking the reserved octet, the
    4-aligned name offsets inside the blob, each name's NUL, no overlaps."""
    import struct
    out, used = [], []
    if count < 0 or 12 * count > len(pb):
        raise ValueError('%d records in %d octets' % (count, len(pb)))
    for i in range(count):
        pid, ptype, reserved, flags, off = struct.unpack_from('<iBBHI', pb, 12 * i)
        if reserved != 0 or off % 4 or off < 12 * count or off >= len(pb):
            raise ValueError('record %d: reserved %d offset %d' % (i, reserved, off))
        end = off
        while end + 1 < len(pb) and pb[end:end + 2] != b'\x00\x00':
            end += 2
        if pb[end:end + 2] != b'\x00\x00':
            raise ValueError('record %d: name not terminated' % i)
        for a, b in used:
            if off < b and a < end + 2:
                raise ValueError('record %d: name overlaps another' % i)
        used.append((off, end + 2))
        out.append((pid, ptype, flags, pb[off:end].decode('utf-16-le')))
    return out
