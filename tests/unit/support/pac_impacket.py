#!/usr/bin/python3
"""impacket (python3-impacket 0.10) as the oracle for firmware/auth/pac.c.

    pac_impacket.py gen > tests/unit/support/pac_ref.h
        Writes, as C arrays, reference PACs and, for each, what pac_decode must
        find in it (struct pac_ref), for tests/unit/test_auth_pac.c. The
        KERB_VALIDATION_INFO is impacket's own NDR (krb5/pac.py's
        VALIDATION_INFO, built as impacket's examples/ticketer.py builds it);
        PACTYPE, PAC_CLIENT_INFO, PAC_SIGNATURE_DATA and UPN_DNS_INFO are
        impacket's Structures. The expected values are computed here from the
        inputs (SID text per MS-DTYP 2.4.2.1, group order and duplicates, UTF-8
        of the names), never by decoding the octets. impacket draws its NDR
        referent ids at random: random is seeded, so a rerun gives the same
        octets.

    pac_impacket.py seeds DIR
        Writes the same PACs, one file each, as the seed corpus of
        tests/fuzz/fuzz_pac.c.

    pac_impacket.py capture-mit > tests/unit/support/pac_mit_krb5.txt
        Runs MIT's KDC (krb5kdc, Debian 12's krb5 1.20.1) for realm CA.TEST on
        a free loopback port in a temporary directory, gets alice a ticket for
        host/ca.example.test with kinit and kvno, decrypts it with the keytab
        (impacket's crypto) and writes the PAC the KDC put in it (AD-IF-RELEVANT,
        AD-WIN2K-PAC) with the ticket's authtime and client name. gen reads
        that file: the PAC is real MIT output (signatures and times change on
        every capture, hence the file), the expected values come from the
        ticket, not from the PAC.

The cases: a user with groups (one repeated), extra SIDs (one repeating a
group, one with a 48-bit authority), resource groups, an unknown buffer type;
no groups at all; names of 255 octets of UTF-8 (the most pac.h keeps) and one
of 256 (refused); non-ASCII names with a character outside the BMP (impacket
counts RPC_UNICODE_STRING lengths in code points: fixed here to UTF-16 units);
UPN_DNS_INFO extended with SamName and Sid (S flag) and a made-up UPN (U flag);
MIT krb5 1.20's own PAC, captured (pac_mit_krb5.txt: PAC_CLIENT_INFO, the
ticket signature (type 16), server and KDC signatures, no LOGON_INFO) and
rebuilt here in the same order; PAC_MAX_GROUPS (256) distinct group SIDs, and 257 (refused).
"""
import os
import random
import struct
import sys

from impacket.dcerpc.v5.dtypes import NULL, RPC_SID
from impacket.dcerpc.v5.nrpc import GROUP_MEMBERSHIP
from impacket.krb5.pac import (KERB_SID_AND_ATTRIBUTES, KERB_VALIDATION_INFO, PAC_CLIENT_INFO,
                               PAC_CLIENT_INFO_TYPE, PAC_INFO_BUFFER, PAC_LOGON_INFO,
                               PAC_PRIVSVR_CHECKSUM, PAC_SERVER_CHECKSUM, PAC_SIGNATURE_DATA,
                               PAC_UPN_DNS_INFO, PACTYPE, PKERB_SID_AND_ATTRIBUTES_ARRAY,
                               UPN_DNS_INFO, VALIDATION_INFO)

PAC_TICKET_CHECKSUM = 16
PAC_ATTRIBUTES_INFO = 17
SE_GROUP_DEFAULT = 7          # mandatory, enabled by default, enabled
SE_GROUP_RESOURCE = 0x20000000
HMAC_SHA1_96_AES256 = 16
FILETIME = 133000000000000000  # 2022-06-18, any fixed value

DOMAIN = 'S-1-5-21-1111111111-2222222222-3333333333'
OTHER = 'S-1-5-21-444444444-555555555-666666666'
RESOURCE = 'S-1-5-21-777777777-888888888-999999999'


# ---- SIDs, independently of impacket (MS-DTYP 2.4.2.1) ----

def sid_text(authority, subs):
    a = '%d' % authority if authority < 1 << 32 else '0x%012X' % authority
    return 'S-1-' + a + ''.join('-%d' % s for s in subs)


def sid_parse(text):
    parts = text.split('-')
    return int(parts[2], 0), [int(x) for x in parts[3:]]


def rpc_sid(text):
    """An impacket RPC_SID (its fromCanonical keeps one octet of authority)."""
    authority, subs = sid_parse(text)
    s = RPC_SID()
    s['Revision'] = 1
    s['IdentifierAuthority'] = authority.to_bytes(6, 'big')
    s['SubAuthorityCount'] = len(subs)
    for x in subs:
        s['SubAuthority'].append(x)
    return s


# ---- buffers ----

def set_ustr(kvi, field, text):
    kvi[field] = text
    units = len(text.encode('utf-16le')) // 2
    kvi.fields[field].fields['Length'] = units * 2
    kvi.fields[field].fields['MaximumLength'] = units * 2


def logon_info(user, domain_name, rid=1104, pgid=513, groups=(), extra=(), res_domain=None,
               res_groups=(), full_name='', domain_sid=DOMAIN):
    k = KERB_VALIDATION_INFO()
    for f in ('LogonTime', 'PasswordLastSet'):
        k[f]['dwLowDateTime'] = FILETIME & 0xffffffff
        k[f]['dwHighDateTime'] = FILETIME >> 32
    for f in ('LogoffTime', 'KickOffTime', 'PasswordMustChange'):
        k[f]['dwLowDateTime'] = 0xffffffff
        k[f]['dwHighDateTime'] = 0x7fffffff
    set_ustr(k, 'EffectiveName', user)
    set_ustr(k, 'FullName', full_name)
    for f in ('LogonScript', 'ProfilePath', 'HomeDirectory', 'HomeDirectoryDrive'):
        set_ustr(k, f, '')
    set_ustr(k, 'LogonServer', 'DC1')
    set_ustr(k, 'LogonDomainName', domain_name)
    k['LogonCount'] = 12
    k['UserId'] = rid
    k['PrimaryGroupId'] = pgid
    k['GroupCount'] = len(groups)
    if groups:
        for g in groups:
            m = GROUP_MEMBERSHIP()
            m['RelativeId'] = g
            m['Attributes'] = SE_GROUP_DEFAULT
            k['GroupIds'].append(m)
    else:
        k['GroupIds'] = NULL
    k['UserSessionKey'] = b'\x00' * 16
    k['LogonDomainId'] = rpc_sid(domain_sid)
    k['LMKey'] = b'\x00' * 8
    k['UserAccountControl'] = 0x210
    k['SidCount'] = len(extra)
    if extra:
        k['UserFlags'] |= 0x20  # EXTRA_SIDS: set whenever ExtraSids is filled, as Windows does
        k['ExtraSids'] = PKERB_SID_AND_ATTRIBUTES_ARRAY()
        for s in extra:
            a = KERB_SID_AND_ATTRIBUTES()
            a['Sid'] = rpc_sid(s)
            a['Attributes'] = SE_GROUP_DEFAULT
            k['ExtraSids'].append(a)
    else:
        k['ExtraSids'] = NULL
    if res_domain is not None:
        k['UserFlags'] |= 0x200  # RESOURCE_GROUPS
        k['ResourceGroupDomainSid'] = rpc_sid(res_domain)
        k['ResourceGroupCount'] = len(res_groups)
        for g in res_groups:
            m = GROUP_MEMBERSHIP()
            m['RelativeId'] = g
            m['Attributes'] = SE_GROUP_DEFAULT | SE_GROUP_RESOURCE
            k['ResourceGroupIds'].append(m)
    else:
        k['ResourceGroupDomainSid'] = NULL
        k['ResourceGroupCount'] = 0
        k['ResourceGroupIds'] = NULL
    v = VALIDATION_INFO()
    v['Data'] = k
    return v.getData() + v.getDataReferents()


def client_info(name, when=FILETIME):
    c = PAC_CLIENT_INFO()
    c['ClientId'] = when
    c['Name'] = name.encode('utf-16le')
    c['NameLength'] = len(c['Name'])
    return c.getData()


def signature(length=12):
    s = PAC_SIGNATURE_DATA()
    s['SignatureType'] = HMAC_SHA1_96_AES256
    s['Signature'] = bytes(range(1, length + 1))
    return s.getData()


def upn_dns(upn, dns, flags=0, sam=None, sid=None):
    """UPN_DNS_INFO as Windows lays it out: the fixed part, then the strings,
    each 8-aligned (MS-KILE 3.3.5.6.4.8)."""
    fixed = 20 if flags & 2 else 12
    strings = [upn.encode('utf-16le'), dns.encode('utf-16le')]
    if flags & 2:
        strings += [sam.encode('utf-16le'), sid]
    offs, tail, off = [], b'', (fixed + 7) // 8 * 8
    for s in strings:
        offs.append(off)
        tail += s + b'\x00' * ((-len(s)) % 8)
        off += len(s) + (-len(s)) % 8
    u = UPN_DNS_INFO()
    u['UpnLength'], u['UpnOffset'] = len(strings[0]), offs[0]
    u['DnsDomainNameLength'], u['DnsDomainNameOffset'] = len(strings[1]), offs[1]
    u['Flags'] = flags
    head = u.getData()
    if flags & 2:
        head += struct.pack('<HHHH', len(strings[2]), offs[2], len(strings[3]), offs[3])
    return head + b'\x00' * ((-len(head)) % 8) + tail


def sid_binary(text):
    """A SID in its binary form (MS-DTYP 2.4.2.2), for UPN_DNS_INFO's Sid."""
    authority, subs = sid_parse(text)
    return bytes([1, len(subs)]) + authority.to_bytes(6, 'big') + \
        b''.join(struct.pack('<I', s) for s in subs)


def pactype(buffers):
    """PACTYPE with its PAC_INFO_BUFFERs: each buffer 8-aligned, in order, no
    padding after the last one (so every shorter prefix is a truncation)."""
    off = 8 + 16 * len(buffers)
    infos, body = b'', b''
    for i, (t, data) in enumerate(buffers):
        ib = PAC_INFO_BUFFER()
        ib['ulType'], ib['cbBufferSize'], ib['Offset'] = t, len(data), off
        infos += ib.getData()
        pad = b'' if i == len(buffers) - 1 else b'\x00' * ((-len(data)) % 8)
        body += data + pad
        off += len(data) + len(pad)
    p = PACTYPE()
    p['cBuffers'], p['Version'] = len(buffers), 0
    p['Buffers'] = infos + body
    return p.getData()


# ---- the cases ----

def expect(**kw):
    e = dict(ok=1, has_logon_info=0, user_sid='', primary_group_sid='', groups=[],
             account_name='', logon_domain='', has_upn_dns=0, upn='', dns_domain='',
             upn_constructed=0, has_client_info=0, client_info_time=0, client_name='',
             has_server_sig=0, has_kdc_sig=0)
    e.update(kw)
    return e


def dedup(sids):
    out = []
    for s in sids:
        if s not in out:
            out.append(s)
    return out


def windows_like(user, domain_name, upn, dns, groups=(), extra=(), res_domain=None,
                 res_groups=(), **kw):
    li = logon_info(user, domain_name, groups=groups, extra=extra, res_domain=res_domain,
                    res_groups=res_groups, **kw)
    pac = pactype([(PAC_LOGON_INFO, li), (PAC_CLIENT_INFO_TYPE, client_info(user)),
                   (PAC_UPN_DNS_INFO, upn_dns(upn, dns)),
                   (PAC_SERVER_CHECKSUM, signature()), (PAC_PRIVSVR_CHECKSUM, signature())])
    sids = ['%s-%d' % (DOMAIN, g) for g in groups] + list(extra) + \
        ['%s-%d' % (res_domain, g) for g in res_groups]
    e = expect(has_logon_info=1, user_sid=DOMAIN + '-1104', primary_group_sid=DOMAIN + '-513',
               groups=dedup(sids), account_name=user, logon_domain=domain_name, has_upn_dns=1,
               upn=upn, dns_domain=dns, has_client_info=1, client_info_time=FILETIME,
               client_name=user, has_server_sig=1, has_kdc_sig=1)
    return pac, e


def cases():
    random.seed(18)
    out = []
    big_auth = sid_text(0x0102030405, [7, 8])  # 48-bit authority: hex form
    pac, e = windows_like('alice', 'CA', 'alice@ca.test', 'CA.TEST',
                          groups=(513, 512, 1105, 513),
                          extra=(OTHER + '-1200', 'S-1-18-1', DOMAIN + '-512', big_auth),
                          res_domain=RESOURCE, res_groups=(1300, 1301),
                          full_name='Alice Liddell')
    out.append(('full', pac, e))
    pac, e = windows_like('bob', 'CA', 'bob@ca.test', 'CA.TEST')
    out.append(('nogroups', pac, e))
    long_user = 'u' * 255
    long_dom = 'd' * 255
    long_upn = 'x' * 247 + '@ca.test'
    pac, e = windows_like(long_user, long_dom, long_upn, 'CA.TEST', groups=(513,))
    out.append(('longnames', pac, e))
    pac, e = windows_like('u' * 256, 'CA', 'a@ca.test', 'CA.TEST', groups=(513,))
    out.append(('toolong', pac, expect(ok=0)))
    user = 'Zoë.Ångström-李\U0001d11e'
    dom = 'ÉCOLE'
    pac, e = windows_like(user, dom, 'zoë@école.test', 'ÉCOLE.TEST', groups=(513,))
    out.append(('nonascii', pac, e))
    # Windows Server 2022's extended UPN_DNS_INFO, a made-up UPN, and an
    # unknown buffer type between the others.
    li = logon_info('carol', 'CA', groups=(513,))
    pac = pactype([(PAC_LOGON_INFO, li), (PAC_ATTRIBUTES_INFO, struct.pack('<II', 2, 1)),
                   (PAC_CLIENT_INFO_TYPE, client_info('carol')),
                   (PAC_UPN_DNS_INFO, upn_dns('carol@ca.test', 'CA.TEST', flags=3, sam='carol',
                                              sid=sid_binary(DOMAIN + '-1104'))),
                   (PAC_SERVER_CHECKSUM, signature()), (PAC_PRIVSVR_CHECKSUM, signature(16))])
    out.append(('upn_ext', pac, expect(
        has_logon_info=1, user_sid=DOMAIN + '-1104', primary_group_sid=DOMAIN + '-513',
        groups=[DOMAIN + '-513'], account_name='carol', logon_domain='CA', has_upn_dns=1,
        upn='carol@ca.test', dns_domain='CA.TEST', upn_constructed=1, has_client_info=1,
        client_info_time=FILETIME, client_name='carol', has_server_sig=1, has_kdc_sig=1)))
    # MIT krb5 1.20's KDC (the buffers in the order of the captured PAC).
    pac = pactype([(PAC_CLIENT_INFO_TYPE, client_info('alice', FILETIME + 1)),
                   (PAC_TICKET_CHECKSUM, signature()),
                   (PAC_SERVER_CHECKSUM, signature()), (PAC_PRIVSVR_CHECKSUM, signature())])
    out.append(('mit', pac, expect(has_client_info=1, client_info_time=FILETIME + 1,
                                   client_name='alice', has_server_sig=1, has_kdc_sig=1)))
    out.append(mit_captured())
    # PAC_MAX_GROUPS distinct SIDs: 200 groups + 56 extra SIDs, then one more.
    extra = ['%s-%d' % (OTHER, 5000 + i) for i in range(56)]
    pac, e = windows_like('dave', 'CA', 'dave@ca.test', 'CA.TEST',
                          groups=tuple(range(2000, 2200)), extra=extra)
    assert len(e['groups']) == 256
    out.append(('groups256', pac, e))
    pac, e = windows_like('dave', 'CA', 'dave@ca.test', 'CA.TEST',
                          groups=tuple(range(2000, 2200)), extra=extra + [OTHER + '-6000'])
    out.append(('groups257', pac, expect(ok=0)))
    return out


# ---- MIT's KDC ----

MIT_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'pac_mit_krb5.txt')


def mit_captured():
    """The captured PAC and what the ticket said: authtime (GeneralizedTime) to
    a FILETIME, the client name as MIT unparses it without the realm."""
    import calendar
    import time
    f = dict(line.split(' ', 1) for line in open(MIT_FILE).read().splitlines())
    t = calendar.timegm(time.strptime(f['authtime'], '%Y%m%d%H%M%SZ'))
    return ('mit_krb5', bytes.fromhex(f['pac']),
            expect(has_client_info=1, client_info_time=(t + 11644473600) * 10000000,
                   client_name=f['cname'], has_server_sig=1, has_kdc_sig=1))


def capture_mit():
    import shutil
    import socket
    import subprocess
    import tempfile
    import time
    from pyasn1.codec.der import decoder
    from impacket.krb5.asn1 import AD_IF_RELEVANT, TGS_REP, EncTicketPart
    from impacket.krb5.ccache import CCache
    from impacket.krb5.crypto import Key, _enctype_table
    from impacket.krb5.keytab import Keytab

    d = tempfile.mkdtemp(prefix='pacmit.')
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    with open(d + '/krb5.conf', 'w') as f:
        f.write('[libdefaults]\n    default_realm = CA.TEST\n    dns_lookup_kdc = false\n'
                '    rdns = false\n[realms]\n    CA.TEST = {\n'
                '        kdc = 127.0.0.1:%d\n    }\n' % port)
    with open(d + '/kdc.conf', 'w') as f:
        f.write('[kdcdefaults]\n    kdc_ports = %d\n    kdc_tcp_ports = %d\n[realms]\n'
                '    CA.TEST = {\n        database_name = %s/principal\n'
                '        key_stash_file = %s/stash\n'
                '        supported_enctypes = aes256-cts-hmac-sha1-96:normal\n    }\n'
                % (port, port, d, d))
    env = dict(os.environ, KRB5_CONFIG=d + '/krb5.conf', KRB5_KDC_PROFILE=d + '/kdc.conf',
               KRB5CCNAME='FILE:' + d + '/cc')

    def run(*args, stdin=None):
        subprocess.run(list(args), env=env, check=True, capture_output=True, input=stdin)

    run('kdb5_util', 'create', '-s', '-r', 'CA.TEST', '-P', 'masterpw')
    run('kadmin.local', '-q', 'addprinc -pw alicepw alice')
    run('kadmin.local', '-q', 'addprinc -randkey host/ca.example.test')
    run('kadmin.local', '-q', 'ktadd -k %s/krb5.keytab host/ca.example.test' % d)
    kdc = subprocess.Popen(['krb5kdc', '-n'], env=env, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.5)
        run('kinit', 'alice@CA.TEST', stdin=b'alicepw\n')
        run('kvno', 'host/ca.example.test@CA.TEST')
    finally:
        kdc.terminate()
        kdc.wait()
    tgs = CCache.loadFile(d + '/cc').getCredential('host/ca.example.test@CA.TEST').toTGS()
    rep = decoder.decode(tgs['KDC_REP'], asn1Spec=TGS_REP())[0]
    ent = [e.main_part for e in Keytab.loadFile(d + '/krb5.keytab').entries
           if e.main_part['keyblock']['keytype'] == 18][0]
    key = Key(18, ent['keyblock']['keyvalue']['data'])
    etype = int(rep['ticket']['enc-part']['etype'])
    plain = _enctype_table[etype].decrypt(key, 2, bytes(rep['ticket']['enc-part']['cipher']))
    etp = decoder.decode(plain, asn1Spec=EncTicketPart())[0]
    shutil.rmtree(d)
    pac = None
    for ad in etp['authorization-data']:
        if int(ad['ad-type']) == 1:  # AD-IF-RELEVANT
            for a in decoder.decode(bytes(ad['ad-data']), asn1Spec=AD_IF_RELEVANT())[0]:
                if int(a['ad-type']) == 128:  # AD-WIN2K-PAC
                    pac = bytes(a['ad-data'])
    print('pac ' + pac.hex())
    print('authtime ' + str(etp['authtime']))
    print('cname ' + '/'.join(str(x) for x in etp['cname']['name-string']))


# ---- output ----

def c_array(name, data):
    out = ['static const uint8_t %s[%d] __attribute__((unused)) = {' % (name, len(data))]
    for i in range(0, len(data), 12):
        out.append('\t' + ' '.join('0x%02x,' % b for b in data[i:i + 12]))
    out.append('};')
    return '\n'.join(out)


def c_str(s):
    return '"' + ''.join(c if 0x20 <= ord(c) < 0x7f and c not in '"\\?' else
                         ''.join('\\%03o' % b for b in c.encode('utf-8')) for c in s) + '"'


def gen():
    cs = cases()
    print('/* Reference PACs made with impacket and what pac_decode must find in them:')
    print(' * generated by tests/unit/support/pac_impacket.py gen (see there). */')
    print('#ifndef TESTS_PAC_REF_H\n#define TESTS_PAC_REF_H\n\n#include <stddef.h>')
    print('#include <stdint.h>\n')
    for name, pac, _ in cs:
        print(c_array('ref_pac_' + name, pac))
        print()
    for name, _, e in cs:
        print('static const char *const ref_pac_%s_groups[] __attribute__((unused)) = {' % name)
        for g in e['groups']:
            print('\t%s,' % c_str(g))
        print('\tNULL,\n};\n')
    print('struct pac_ref {')
    print('\tconst char *name;\n\tconst uint8_t *pac;\n\tsize_t len;\n\tint ok;')
    print('\tint has_logon_info;\n\tconst char *user_sid, *primary_group_sid;')
    print('\tconst char *const *groups;\n\tsize_t n_groups;')
    print('\tconst char *account_name, *logon_domain;')
    print('\tint has_upn_dns;\n\tconst char *upn, *dns_domain;\n\tint upn_constructed;')
    print('\tint has_client_info;\n\tuint64_t client_info_time;\n\tconst char *client_name;')
    print('\tint has_server_sig, has_kdc_sig;\n};\n')
    print('static const struct pac_ref pac_refs[] __attribute__((unused)) = {')
    for name, _, e in cs:
        print('\t{ "%s", ref_pac_%s, sizeof ref_pac_%s, %d,' % (name, name, name, e['ok']))
        print('\t  %d, %s, %s,' % (e['has_logon_info'], c_str(e['user_sid']),
                                   c_str(e['primary_group_sid'])))
        print('\t  ref_pac_%s_groups, %d,' % (name, len(e['groups'])))
        print('\t  %s,' % c_str(e['account_name']))
        print('\t  %s,' % c_str(e['logon_domain']))
        print('\t  %d, %s, %s, %d,' % (e['has_upn_dns'], c_str(e['upn']), c_str(e['dns_domain']),
                                       e['upn_constructed']))
        print('\t  %d, UINT64_C(%d), %s,' % (e['has_client_info'], e['client_info_time'],
                                             c_str(e['client_name'])))
        print('\t  %d, %d },' % (e['has_server_sig'], e['has_kdc_sig']))
    print('};\n\n#endif')


def seeds(outdir):
    os.makedirs(outdir, exist_ok=True)
    for name, pac, _ in cases():
        with open(os.path.join(outdir, name), 'wb') as f:
            f.write(pac)


if __name__ == '__main__':
    if len(sys.argv) == 2 and sys.argv[1] == 'gen':
        gen()
    elif len(sys.argv) == 3 and sys.argv[1] == 'seeds':
        seeds(sys.argv[2])
    elif len(sys.argv) == 2 and sys.argv[1] == 'capture-mit':
        capture_mit()
    else:
        sys.exit(__doc__)
