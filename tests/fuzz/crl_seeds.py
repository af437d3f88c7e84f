#!/usr/bin/python3
# Seeds for fuzz_x509_crl that exercise the CRL entry reader (firmware/x509/crlent.c):
# TBSCertLists with hand-made entries around a bare TBS of the corpus (an empty base
# CRL), each written bare (selector 0x01) and in a CertificateList with a dummy
# signature (0x00), named by SHA-1 as libFuzzer names its inputs.
#   tests/fuzz/crl_seeds.py tests/fuzz/corpus/fuzz_x509_crl OUT_DIR
# Six small ones are in the corpus: serial20, exts32, v1 (0x00), v1ext, critunknown, dup.
import hashlib, os, sys
corpus, out = sys.argv[1], sys.argv[2]
base = open(os.path.join(corpus, '02dac66d1596357644a65ab3ab659151530d561f'), 'rb').read()[1:]

def length(n):
    if n < 0x80: return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, 'big')
    return bytes([0x80 | len(b)]) + b
def tlv(tag, *parts):
    c = b''.join(parts); return bytes([tag]) + length(len(c)) + c
def elements(der):
    assert der[0] == 0x30
    i = 1
    if der[i] < 0x80: n = der[i]; i += 1
    else: k = der[i] & 0x7f; n = int.from_bytes(der[i+1:i+1+k], 'big'); i += 1 + k
    els, body = [], der[i:i+n]
    j = 0
    while j < len(body):
        h = 2; l = body[j+1]
        if l >= 0x80: k = l & 0x7f; l = int.from_bytes(body[j+2:j+2+k], 'big'); h = 2 + k
        els.append(body[j:j+h+l]); j += h + l
    return els
els = elements(base)
def tbs(entries, v1=False):
    parts = []
    for e in els:
        if e[0] == 0xa0:
            if entries is not None: parts.append(tlv(0x30, *entries)); entries = None
            if v1: continue
        if v1 and e[0] == 0x02: continue
        parts.append(e)
    if entries is not None: parts.append(tlv(0x30, *entries))
    return tlv(0x30, *parts)
def whole(t):
    alg = els[1] if els[0][0] == 0x02 else els[0]
    return tlv(0x30, t, alg, tlv(0x03, b'\x00' + b'\x30\x06\x02\x01\x01\x02\x01\x01'))
utc = lambda s: tlv(0x17, s.encode())
gen = lambda s: tlv(0x18, s.encode())
def ext(oid, value, critical=False):
    return tlv(0x30, tlv(0x06, oid), tlv(0x01, b'\xff') if critical else b'', tlv(0x04, value))
reason = lambda r: ext(b'\x55\x1d\x15', tlv(0x0a, bytes([r])))
inval = lambda s: ext(b'\x55\x1d\x18', gen(s))
def entry(serial, date, *exts):
    return tlv(0x30, tlv(0x02, serial), date, tlv(0x30, *exts) if exts else b'')
seeds = {}
many = []
for i in range(1, 120):
    s = i.to_bytes((i.bit_length() + 8) // 8, 'big')
    exts = []
    if i % 3: exts.append(reason(i % 11 if i % 11 != 7 else 1))
    if i % 5 == 0: exts.append(inval('2024%02d%02d120000Z' % (i % 12 + 1, i % 28 + 1)))
    if i % 17 == 0: exts.append(ext(b'\x2a\x03\x04', b'\x05\x00'))
    date = gen('2050%02d01000000Z' % (i % 12 + 1)) if i % 7 == 0 else utc('24%02d%02d235959Z' % (i % 12 + 1, i % 28 + 1))
    many.append(entry(s, date, *exts))
seeds['many'] = tbs(many)
seeds['serial20'] = tbs([entry(b'\x00\x80' + bytes(range(2, 20)), utc('240229000000Z'), reason(10))])
seeds['exts32'] = tbs([entry(b'\x05', utc('250101000000Z'), *[ext(b'\x2a\x03' + bytes([k]), b'\x05\x00') for k in range(32)])])
seeds['v1'] = tbs([entry(b'\x01', utc('250101000000Z')), entry(b'\x02', gen('20500101000000Z'))], v1=True)
seeds['v1ext'] = tbs([entry(b'\x01', utc('250101000000Z'), reason(1))], v1=True)
seeds['critunknown'] = tbs([entry(b'\x01', utc('250101000000Z'), ext(b'\x2a\x03\x04', b'\x05\x00', True))])
seeds['dup'] = tbs([entry(b'\x01', utc('250101000000Z'), reason(1), reason(2))])
seeds['critreason'] = tbs([entry(b'\x01', utc('250101000000Z'), ext(b'\x55\x1d\x15', tlv(0x0a, b'\x04'), True))])
os.makedirs(out, exist_ok=True)
for name, t in seeds.items():
    for sel, data in ((b'\x01', t), (b'\x00', whole(t))):
        d = sel + data
        h = hashlib.sha1(d).hexdigest()
        open(os.path.join(out, h), 'wb').write(d)
        print(name, sel.hex(), len(d), h)
