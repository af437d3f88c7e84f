#!/usr/bin/python3
"""Seeds for fuzz_auth (records: u8 op | u16 len | octets; see fuzz_auth.c):
a real client's logon as it is and with the edits gss-ntlmssp mishandles (no
session key under KEY_EXCH, no user name, cut short), its NEGOTIATE asking
for datagram NTLM or 56-bit keys, impacket's NEGOTIATE and AUTHENTICATE as raw
tokens, a release, frames the whitelist refuses, failed logons enough to be
throttled, the channel's messages for its decoders, and account look-ups
(before a logon, after one: each name of the target's list, past the bound of
16, after a release, a raw AUTH_LOOKUP frame), and Kerberos logons
(AUTH_GSS_ACCEPT, issue 18) with impacket's tokens from
tests/unit/support/spnego_impacket.py: no SPNEGO, NTLM first, rc4-hmac, aes256
without a keytab, a second leg on a context ca-auth does not hold, raw
AUTH_GSS_* frames, and the AUTH_GSS_* decoders; and NTLM inside SPNEGO by
MIT's SPNEGO initiator (a good logon and a look-up on it, its last leg cut,
its mechListMIC's last octet flipped).

    tests/fuzz/auth_seeds.py tests/fuzz/corpus/fuzz_auth
"""
import struct
import sys
from pathlib import Path

from impacket import ntlm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "unit" / "support"))
import spnego_impacket  # noqa: E402  (tests/unit/support: impacket's SPNEGO tokens)

NEG, AUTH, REL, RAW, LOGON, LOGON_NEG, DECODE, LOOKUP, LOOKUP_PICK, GSS, SPNEGO = range(11)


def rec(op, data=b""):
    return struct.pack("<BH", op, len(data)) + data


def edits(*writes, cut=None):
    head = struct.pack("<BH", 1, cut) if cut is not None else b"\0\0\0"
    return head + b"".join(struct.pack("<HB", off, val) for off, val in writes)


def u32(v):
    return struct.pack("<I", v)


def blob(b):
    return u32(len(b)) + b


def main(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    neg = ntlm.getNTLMSSPType1("WS", "EXAMPLE", signingRequired=True).getData()
    seeds = {
        "logon": rec(LOGON),
        # AUTHENTICATE's EncryptedRandomSessionKey length (offset 52) set to 0
        "logon_key_exch_no_key": rec(LOGON, edits((52, 0), (53, 0))),
        "logon_no_user": rec(LOGON, edits((36, 0), (37, 0))),
        "logon_cut": rec(LOGON, edits(cut=72)),
        # NegotiateFlags' first octet with NEGOTIATE_DATAGRAM (0x40)
        "negotiate_datagram": rec(LOGON_NEG, edits((12, 0x77))),
        "raw_tokens": rec(NEG, neg) + rec(AUTH, neg) + rec(REL) + rec(LOGON),
        "unknown_type": rec(RAW, b"\x03" + b"\0" * 4),
        "malformed_negotiate": rec(RAW, b"\x00\x05\0\0\0NTLM"),
        "release_then_logon": rec(NEG, neg) + rec(REL) + rec(REL) + rec(LOGON),
        # NegotiateFlags' last octet without NEGOTIATE_128 (0x20): 56-bit keys
        "negotiate_56_bit": rec(LOGON_NEG, edits((15, 0xc2))),
        # AUTHENTICATEs with an octet of the payload changed: failed logons,
        # then the right one, throttled
        "throttled": b"".join(rec(LOGON, edits((off, 0x5a))) for off in range(100, 150, 10))
        + rec(LOGON),
        # each decoder (octet 0 % 9 picks it) with a well-formed message
        "decoders": rec(DECODE, b"\0" + blob(neg))
        + rec(DECODE, b"\1" + u32(7) + blob(neg))
        + rec(DECODE, b"\2" + u32(7) + blob(b"192.0.2.1") + blob(neg))
        + rec(DECODE, b"\3" + blob(b"EXAMPLE\\alice") + u32(0) + blob(b"k" * 16) + blob(b""))
        + rec(DECODE, b"\4" + u32(7)) + rec(DECODE, b"\5")
        + rec(DECODE, b"\6" + u32(5) + blob(b"throttled"))
        + rec(DECODE, b"\7" + u32(7) + blob(b"EXAMPLE\\bob"))
        + rec(DECODE, b"\x08" + blob(b"t" * 60)),
        # account look-ups: none before a logon, the names of fuzz_auth.c's
        # NAMES after one (octet 0 picks), then past the bound of 16
        "lookup_before_logon": rec(LOOKUP, b"EXAMPLE\\alice") + rec(LOGON)
        + rec(LOOKUP, b"EXAMPLE\\alice"),
        "lookup_names": rec(LOGON) + b"".join(rec(LOOKUP_PICK, bytes([i])) for i in range(9)),
        "lookup_bound": rec(LOGON) + rec(LOOKUP, b"EXAMPLE\\alice") * 17,
        "lookup_after_release": rec(LOGON) + rec(REL) + rec(LOOKUP, b"EXAMPLE\\alice"),
        "lookup_raw": rec(LOGON) + rec(RAW, b"\x06" + u32(0) + blob(b"EXAMPLE\\alice"))
        + rec(RAW, b"\x06" + u32(0) + blob(b"")),
    }
    sp = spnego_impacket
    client_leg = sp.resp(token=sp.AP_REP)
    gss_ok = (u32(0x80000001) + blob(sp.resp(0)) + blob(b"CA.TEST\\alice") + blob(b"")
              + u32(1) + u32(18) + blob(bytes(range(32))) + struct.pack("<QQ", 0, 0) + u32(1))
    seeds.update({
        # AUTH_GSS_ACCEPT (op 9): octet 0 bit 0 clear, a new logon
        "gss_not_spnego": rec(GSS, b"\0" + neg) + rec(LOGON),
        "gss_ntlm_first": rec(GSS, b"\0" + sp.init_ntlm()),
        "gss_rc4": rec(GSS, b"\0" + sp.type1(23)),
        "gss_no_keytab": rec(GSS, b"\0" + sp.type1()),
        "gss_multi": rec(GSS, b"\0" + sp.init_multi()) + rec(GSS, b"\0" + sp.init_no_token()),
        # a second leg (bit 0 set, ctx in octets 1-4) on contexts never made
        "gss_second_leg": rec(GSS, b"\1" + u32(0x80000001) + client_leg)
        + rec(GSS, b"\1" + u32(1) + client_leg),
        # NTLM inside SPNEGO by MIT's initiator (op 10): as sent (and a
        # look-up on its logon), cut short, its last octet (the
        # mechListMIC's: the NegTokenResp's last field) flipped
        "spnego_logon": rec(SPNEGO) + rec(LOOKUP, b"EXAMPLE\\alice"),
        "spnego_cut": rec(SPNEGO, edits(cut=40)),
        "spnego_mic_edited": rec(SPNEGO, b"\x02\0\0"),
        "gss_raw": rec(RAW, b"\x08" + u32(0) + blob(b"192.0.2.1") + blob(sp.type1())),
        "gss_raw_answer": rec(RAW, b"\x09" + u32(1) + blob(b"\xa1")),
        "gss_decoders": rec(DECODE, b"\x09" + u32(0) + blob(b"192.0.2.1") + blob(sp.type1()))
        + rec(DECODE, b"\x0a" + u32(0x80000001) + blob(sp.resp(1, sp.MSKRB5, sp.AP_REP)))
        + rec(DECODE, b"\x0b" + gss_ok),
    })
    for name, data in seeds.items():
        (out / name).write_bytes(data)


if __name__ == "__main__":
    main(sys.argv[1])
