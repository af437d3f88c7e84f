#!/usr/bin/python3
"""impacket (an independent SPNEGO and Kerberos stack) as the oracle for
firmware/auth/spnego.c.

    spnego_impacket.py gen > tests/unit/support/spnego_ref.h
        Writes, as C arrays and constants, the reference tokens that
        tests/unit/test_auth_spnego.c decodes and the NegTokenResp octets its
        encoder must reproduce:
          * ref_init_type1: impacket's own getKerberosType1 (krb5/kerberosv5.py)
            over a dummy service ticket built with impacket's krb5 asn1 (the
            ticket's enc-part is filler: nothing here decrypts), so the token is
            exactly what impacket's DCE/RPC bind sends; the authenticator is
            really encrypted (aes256, a fixed session key) with a fresh
            timestamp and confounder, so a rerun gives other octets;
          * ref_init_multi: SPNEGO_NegTokenInit offering MS-KRB5, KRB5, NTLM,
            NEGOEX and an OID ca-auth does not know (KRB5 user-to-user);
          * ref_init_ntlm: NTLM inside SPNEGO (impacket's NTLM NEGOTIATE);
          * ref_init_rc4: getKerberosType1 as for ref_init_type1, with a ticket
            and an authenticator of rc4-hmac (enctype 23, a fixed 16-octet
            session key): what ca-auth refuses before MIT sees it;
          * ref_init_nomech_token: mechTypes only;
          * ref_init_mic: reqFlags and mechListMIC, which impacket does not
            write: built with pyasn1's DER encoder from RFC 4178's module
            (below), a second independent encoder;
          * ref_resp_*: SPNEGO_NegTokenResp.getData() for the forms impacket
            writes (server first reply, client third leg, bare negState) and
            pyasn1 for one with a mechListMIC; these are the exact octets
            spnego_encode_resp must produce, and each is parsed back by
            SPNEGO_NegTokenResp here (the encoder's bytes are compared to them
            byte for byte in C, so impacket parses what ca-auth sends);
          * ref_alter_doubled: the alter_context impacket's DCERPC_v5.bind()
            sends as the third leg of a Kerberos bind (dcerpc/v5/rpcrt.py: its
            pduData is bind.getData() called a second time, and MSRPCBind
            appends its context items at each call: the list of presentation
            contexts twice, p_context_elem 1), with auth type 9, level 6 and
            ref_resp_client as the verifier; REF_ALTER_LIST_LEN is one copy's
            length (firmware/rpc/pdu.c's repeated_list accepts exactly this).
        Run with /usr/bin/python3 (python3-impacket 0.10 on Debian 12).

    spnego_impacket.py seeds DIR
        Writes the seed corpus of tests/fuzz/fuzz_spnego.c (every reference, and
        the krb5 mechanism token and AP-REQ of a fresh getKerberosType1).
"""
import datetime
import os
import struct
import sys

from pyasn1.codec.der import decoder as der_decoder
from pyasn1.codec.der import encoder as der_encoder
from pyasn1.type import namedtype, namedval, tag, univ

from impacket import ntlm
from impacket.dcerpc.v5 import rpcrt
from impacket.uuid import uuidtup_to_bin
from impacket.krb5 import constants
from impacket.krb5.asn1 import AP_REQ, TGS_REP, EncTGSRepPart, seq_set
from impacket.krb5.crypto import Key, _enctype_table
from impacket.krb5.kerberosv5 import getKerberosType1
from impacket.spnego import SPNEGO_NegTokenInit, SPNEGO_NegTokenResp, TypesMech

REALM = 'CA.TEST'
HOST = 'ca.example.test'
SESSION_KEY = bytes(range(32))
TICKET_KVNO = 2
TICKET_CIPHER = bytes((i * 7 + 3) & 0xff for i in range(300))

MSKRB5 = TypesMech['MS KRB5 - Microsoft Kerberos 5']
KRB5 = TypesMech['KRB5 - Kerberos 5']
NTLM = TypesMech['NTLMSSP - Microsoft NTLM Security Support Provider']
NEGOEX = TypesMech['NEGOEX - SPNEGO Extended Negotiation Security Mechanism']
U2U = TypesMech['KRB5 - Kerberos 5 - User to User']


# RFC 4178 4.2 in pyasn1 (EXPLICIT TAGS): the second encoder, for the fields
# impacket does not write.
def _ctx(n, t):
    return namedtype.OptionalNamedType(
        t[0], t[1].subtype(explicitTag=tag.Tag(tag.tagClassContext, tag.tagFormatSimple, n)))


class MechTypeList(univ.SequenceOf):
    componentType = univ.ObjectIdentifier()


class NegTokenInit(univ.Sequence):
    componentType = namedtype.NamedTypes(
        namedtype.NamedType('mechTypes', MechTypeList().subtype(
            explicitTag=tag.Tag(tag.tagClassContext, tag.tagFormatSimple, 0))),
        _ctx(1, ('reqFlags', univ.BitString())),
        _ctx(2, ('mechToken', univ.OctetString())),
        _ctx(3, ('mechListMIC', univ.OctetString())))


class NegState(univ.Enumerated):
    namedValues = namedval.NamedValues(('accept-completed', 0), ('accept-incomplete', 1),
                                       ('reject', 2), ('request-mic', 3))


class NegTokenResp(univ.Sequence):
    componentType = namedtype.NamedTypes(
        _ctx(0, ('negState', NegState())),
        _ctx(1, ('supportedMech', univ.ObjectIdentifier())),
        _ctx(2, ('responseToken', univ.OctetString())),
        _ctx(3, ('mechListMIC', univ.OctetString())))


def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, 'big')
    return bytes([0x80 | len(b)]) + b


def tlv(t, body):
    return bytes([t]) + der_len(len(body)) + body


def gss_frame(oid_body, inner):
    return tlv(0x60, tlv(0x06, oid_body) + inner)


def dotted(oid_body):
    return str(univ.ObjectIdentifier(der_decoder.decode(tlv(0x06, oid_body),
                                                        asn1Spec=univ.ObjectIdentifier())[0]))


def dummy_tgs(etype=18):
    """A TGS-REP carrying a ticket for host/HOST@REALM (enc-part filler, of
    etype): what getKerberosType1 takes in place of a KDC's answer."""
    rep = TGS_REP()
    rep['pvno'] = 5
    rep['msg-type'] = int(constants.ApplicationTagNumbers.TGS_REP.value)
    rep['crealm'] = REALM
    rep['cname'] = univ.noValue
    rep['cname']['name-type'] = constants.PrincipalNameType.NT_PRINCIPAL.value
    rep['cname']['name-string'][0] = 'alice'
    rep['ticket'] = univ.noValue
    rep['ticket']['tkt-vno'] = 5
    rep['ticket']['realm'] = REALM
    rep['ticket']['sname'] = univ.noValue
    rep['ticket']['sname']['name-type'] = constants.PrincipalNameType.NT_SRV_INST.value
    rep['ticket']['sname']['name-string'][0] = 'host'
    rep['ticket']['sname']['name-string'][1] = HOST
    rep['ticket']['enc-part'] = univ.noValue
    rep['ticket']['enc-part']['etype'] = etype
    rep['ticket']['enc-part']['kvno'] = TICKET_KVNO
    rep['ticket']['enc-part']['cipher'] = TICKET_CIPHER
    rep['enc-part'] = univ.noValue
    rep['enc-part']['etype'] = etype
    rep['enc-part']['cipher'] = b'\x00' * 32
    return der_encoder.encode(rep)


def type1(etype=18):
    key = SESSION_KEY if etype == 18 else SESSION_KEY[:16]
    tgs = {'KDC_REP': dummy_tgs(etype), 'cipher': _enctype_table[etype],
           'sessionKey': Key(etype, key)}
    _, _, blob = getKerberosType1('alice', '', REALM, '', '', TGS=tgs, targetName=HOST)
    return blob


def apreq_facts(token):
    """Where impacket's AP-REQ and its authenticator sit inside the SPNEGO token,
    and the ticket's fields, read with impacket's own decoders."""
    init = SPNEGO_NegTokenInit(token)
    mt = init['MechToken']
    hdr = 2 if mt[1] < 0x80 else 2 + (mt[1] & 0x7f)
    assert mt[0] == 0x60 and mt[hdr:hdr + 11] == tlv(0x06, KRB5)
    assert mt[hdr + 11:hdr + 13] == b'\x01\x00'
    apreq_der = mt[hdr + 13:]
    ap = der_decoder.decode(apreq_der, asn1Spec=AP_REQ())[0]
    cipher = bytes(ap['authenticator']['cipher'])
    t = ap['ticket']
    opts = bytes(ap['ap-options'].asOctets())
    return {
        'mech_token_off': token.index(mt), 'mech_token_len': len(mt),
        'apreq_off': token.index(apreq_der), 'apreq_len': len(apreq_der),
        'auth_cipher_off': token.index(cipher), 'auth_cipher_len': len(cipher),
        'auth_enctype': int(ap['authenticator']['etype']),
        'ticket_enctype': int(t['enc-part']['etype']),
        'ticket_kvno': int(t['enc-part']['kvno']),
        'realm': str(t['realm']),
        'sname': '/'.join(str(c) for c in t['sname']['name-string']),
        'ap_options': struct.unpack('>I', opts[:4])[0],
    }


def init_multi():
    blob = SPNEGO_NegTokenInit()
    blob['MechTypes'] = [MSKRB5, KRB5, NTLM, NEGOEX, U2U]
    blob['MechToken'] = gss_frame(KRB5, b'\x01\x00' + b'\x30\x00')
    return blob.getData()


def init_ntlm():
    neg = ntlm.getNTLMSSPType1('WS', 'CA', signingRequired=True)
    blob = SPNEGO_NegTokenInit()
    blob['MechTypes'] = [NTLM]
    blob['MechToken'] = neg.getData()
    return blob.getData()


def init_no_token():
    blob = SPNEGO_NegTokenInit()
    blob['MechTypes'] = [MSKRB5, NTLM]
    return blob.getData()


MIC = bytes(range(0x40, 0x50))


def init_mic():
    t = NegTokenInit()
    plain = MechTypeList()   # without the [0]: what mechListMIC covers
    for i, m in enumerate((MSKRB5, NTLM)):
        t['mechTypes'][i] = univ.ObjectIdentifier(dotted(m))
        plain[i] = univ.ObjectIdentifier(dotted(m))
    t['reqFlags'] = "'0110'B"
    t['mechToken'] = b'\x60\x00'
    t['mechListMIC'] = MIC
    inner = der_encoder.encode(t)
    return gss_frame(b'\x2b\x06\x01\x05\x05\x02', tlv(0xa0, inner)), \
        der_encoder.encode(plain)


AP_REP = bytes([0x6f, 0x81, 0x90]) + bytes((i * 13) & 0xff for i in range(0x90))


def resp(neg_state=None, mech=None, token=None):
    r = SPNEGO_NegTokenResp()
    if neg_state is not None:
        r['NegState'] = bytes([neg_state])
    if mech is not None:
        r['SupportedMech'] = mech
    if token is not None:
        r['ResponseToken'] = token
    data = r.getData()
    back = SPNEGO_NegTokenResp(data)   # impacket parses what it wrote
    if token is not None:
        assert back['ResponseToken'] == token
    if neg_state is not None:
        assert back['NegState'] == bytes([neg_state])
    return data


def resp_mic():
    t = NegTokenResp()
    t['negState'] = 'accept-completed'
    t['mechListMIC'] = MIC
    return tlv(0xa1, der_encoder.encode(t))


ICPR = uuidtup_to_bin(('91ae6020-9e3c-11cf-8d7c-00aa00c091be', '0.0'))
NDR = uuidtup_to_bin(('8a885d04-1ceb-11c9-9fe8-08002b104860', '2.0'))


def alter_doubled():
    """impacket's Kerberos alter_context, built as DCERPC_v5.bind() builds it:
    the same MSRPCBind serialized for the bind, then again for the alter."""
    bind = rpcrt.MSRPCBind()
    item = rpcrt.CtxItem()
    item['AbstractSyntax'] = ICPR
    item['TransferSyntax'] = NDR
    item['ContextID'] = 0
    item['TransItems'] = 1
    bind.addCtxItem(item)
    first = bind.getData()              # what the bind carried
    second = bind.getData()             # what the alter_context carries
    assert second == first + first[12:], 'impacket no longer doubles the list'
    sec = rpcrt.SEC_TRAILER()
    sec['auth_type'] = rpcrt.RPC_C_AUTHN_GSS_NEGOTIATE
    sec['auth_level'] = rpcrt.RPC_C_AUTHN_LEVEL_PKT_PRIVACY
    sec['auth_ctx_id'] = 79231
    alter = rpcrt.MSRPCHeader()
    alter['type'] = rpcrt.MSRPC_ALTERCTX
    alter['pduData'] = second
    alter['call_id'] = 1
    alter['sec_trailer'] = sec
    alter['auth_data'] = resp(token=AP_REP)
    return alter.get_packet(), len(first) - 12


def c_array(name, data):
    lines = ['static const uint8_t %s[%d] __attribute__((unused)) = {' % (name, len(data))]
    for i in range(0, len(data), 12):
        lines.append('\t' + ' '.join('0x%02x,' % b for b in data[i:i + 12]))
    lines.append('};')
    return '\n'.join(lines)


def refs():
    t1 = type1()
    mic_tok, mic_list = init_mic()
    return t1, [
        ('ref_init_type1', t1),
        ('ref_init_multi', init_multi()),
        ('ref_init_ntlm', init_ntlm()),
        ('ref_init_rc4', type1(23)),
        ('ref_init_no_token', init_no_token()),
        ('ref_init_mic', mic_tok),
        ('ref_init_mic_list', mic_list),
        ('ref_mic', MIC),
        ('ref_ap_rep', AP_REP),
        ('ref_resp_server', resp(1, MSKRB5, AP_REP)),
        ('ref_resp_ntlm', resp(1, NTLM, b'NTLMSSP\x00\x02\x00\x00\x00')),
        ('ref_resp_client', resp(token=AP_REP)),
        ('ref_resp_done', resp(0)),
        ('ref_resp_reject', resp(2)),
        ('ref_resp_mic', resp_mic()),
        ('ref_alter_doubled', alter_doubled()[0]),
    ]


def gen():
    t1, arrays = refs()
    f = apreq_facts(t1)
    print('/* Reference SPNEGO and Kerberos tokens made by impacket (and pyasn1): generated')
    print(' * by tests/unit/support/spnego_impacket.py gen (see there). */')
    print('#ifndef TESTS_SPNEGO_REF_H\n#define TESTS_SPNEGO_REF_H\n\n#include <stdint.h>\n')
    for name, data in arrays:
        print(c_array(name, data))
        print()
    print('/* ref_init_type1 as impacket decodes it (offsets into ref_init_type1). */')
    for k in ('mech_token_off', 'mech_token_len', 'apreq_off', 'apreq_len', 'auth_cipher_off',
              'auth_cipher_len', 'auth_enctype', 'ticket_enctype', 'ticket_kvno'):
        print('#define REF_TYPE1_%s %d' % (k.upper(), f[k]))
    print('#define REF_TYPE1_AP_OPTIONS 0x%08xu' % f['ap_options'])
    print('#define REF_TYPE1_REALM "%s"' % f['realm'])
    print('#define REF_TYPE1_SNAME "%s"' % f['sname'])
    print('/* one copy of ref_alter_doubled\'s presentation-context list */')
    print('#define REF_ALTER_LIST_LEN %d' % alter_doubled()[1])
    print('\n#endif')


def seeds(d):
    os.makedirs(d, exist_ok=True)
    t1, arrays = refs()
    f = apreq_facts(t1)
    arrays.append(('ref_apreq', t1[f['apreq_off']:f['apreq_off'] + f['apreq_len']]))
    arrays.append(('ref_krb5_token',
                   t1[f['mech_token_off']:f['mech_token_off'] + f['mech_token_len']]))
    for name, data in arrays:
        with open(os.path.join(d, name[4:]), 'wb') as fh:
            fh.write(data)


if __name__ == '__main__':
    if len(sys.argv) == 2 and sys.argv[1] == 'gen':
        gen()
    elif len(sys.argv) == 3 and sys.argv[1] == 'seeds':
        seeds(sys.argv[2])
    else:
        sys.exit(__doc__)
