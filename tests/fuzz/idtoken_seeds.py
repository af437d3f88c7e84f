#!/usr/bin/env python3
"""Seeds for fuzz_idtoken (version 3 tokens, firmware/identity/idtoken.h), made
with an independent codec and HMAC: python3 tests/fuzz/idtoken_seeds.py DIR.
Tokens minted with the target's key (expiring after its clock, 1000), and
bodies prefixed with 0xa5 that the target seals itself."""
import hashlib
import hmac
import os
import struct
import sys

KEY = b"fuzz-key-fuzz-key-fuzz-key-fuzz\0"


def s32(b):
    return struct.pack("<I", len(b)) + b


LOGON, SUBJECT = 1, 2


def body(identity, upn="", email="", dns="", sid="", groups=(), version=3, expires=2000,
         purpose=LOGON):
    if version < 3:  # the layouts before the purpose
        b = struct.pack("<IQq", version, 7, expires) + s32(identity.encode())
    else:
        b = struct.pack("<IIQq", version, purpose, 7, expires) + s32(identity.encode())
    for v in (upn, email, dns, sid):
        b += s32(v.encode())
    b += struct.pack("<I", len(groups))
    for g in groups:
        b += s32(g.encode())
    return b


def token(b):
    return b + s32(hmac.new(KEY, b, hashlib.sha256).digest())


FULL = dict(upn="alice@example.com", email="alice@mail.example.com", dns="pc1.example.com",
            sid="S-1-5-21-3623811015-3361044348-30300820-1013",
            groups=("Domain Users", "Staff", "Gr\u00fcppe"))


def seeds():
    yield "v3_plain", token(body("EXAMPLE\\alice"))
    yield "v3_full", token(body("EXAMPLE\\alice", **FULL))
    yield "v3_32_groups", token(body("EXAMPLE\\bob", groups=tuple("g%d" % i for i in range(32))))
    # IDENTITY_MAX_GROUPS (256, an AD user's PAC) of 128 bytes: the largest
    # token; one more is refused even sealed
    yield "v3_256_groups", token(body("EXAMPLE\\bob", groups=tuple(
        ("S-1-5-21-%d-" % i).ljust(128, "9") for i in range(256))))
    yield "sealed_257_groups", b"\xa5" + body("EXAMPLE\\bob", groups=tuple(
        "g%d" % i for i in range(257)))
    yield "v3_long_sid", token(body("EXAMPLE\\bob", sid="S-1-281474976710655" +
                                    "-4294967295" * 15))
    yield "v3_subject", token(body("EXAMPLE\\bob", purpose=SUBJECT))
    yield "v3_subject_full", token(body("EXAMPLE\\alice", purpose=SUBJECT, **FULL))
    yield "v3_purpose_0", token(body("EXAMPLE\\alice", purpose=0))
    yield "v3_purpose_3", token(body("EXAMPLE\\alice", purpose=3))
    yield "v2_plain", token(body("EXAMPLE\\alice", version=2))
    yield "sealed_full", b"\xa5" + body("EXAMPLE\\alice", **FULL)
    yield "sealed_bad_sid", b"\xa5" + body("EXAMPLE\\alice", sid="S-1-5-021")
    yield "sealed_dup_group", b"\xa5" + body("EXAMPLE\\alice", groups=("Staff", "STAFF"))
    yield "sealed_v1_layout", b"\xa5" + body("EXAMPLE\\alice", version=1)
    yield "sealed_v2_layout", b"\xa5" + body("EXAMPLE\\alice", version=2)
    yield "sealed_subject", b"\xa5" + body("EXAMPLE\\alice", purpose=SUBJECT, **FULL)
    yield "sealed_purpose_9", b"\xa5" + body("EXAMPLE\\alice", purpose=9)
    yield "sealed_expired", b"\xa5" + body("EXAMPLE\\alice", expires=999)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
