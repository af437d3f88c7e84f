#!/usr/bin/python3
"""Seeds for fuzz_auth (records: u8 op | u16 len | octets; see fuzz_auth.c):
a real client's logon as it is and with the edits gss-ntlmssp mishandles (no
session key under KEY_EXCH, no user name, cut short), its NEGOTIATE asking
for datagram NTLM, impacket's NEGOTIATE and AUTHENTICATE as raw tokens, a
release, and frames the whitelist refuses.

    tests/fuzz/auth_seeds.py tests/fuzz/corpus/fuzz_auth
"""
import struct
import sys
from pathlib import Path

from impacket import ntlm

NEG, AUTH, REL, RAW, LOGON, LOGON_NEG = range(6)


def rec(op, data=b""):
    return struct.pack("<BH", op, len(data)) + data


def edits(*writes, cut=None):
    head = struct.pack("<BH", 1, cut) if cut is not None else b"\0\0\0"
    return head + b"".join(struct.pack("<HB", off, val) for off, val in writes)


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
    }
    for name, data in seeds.items():
        (out / name).write_bytes(data)


if __name__ == "__main__":
    main(sys.argv[1])
