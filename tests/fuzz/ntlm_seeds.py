#!/usr/bin/python3
"""Seeds for fuzz_ntlm: NTLM tokens made by impacket (NEGOTIATE, a CHALLENGE with
target info, the AUTHENTICATE answering it) and the sealed request PDUs of
tests/unit/support/ntlm_vector.py.

    tests/fuzz/ntlm_seeds.py tests/fuzz/corpus/fuzz_ntlm
"""
import struct
import sys
from pathlib import Path

from impacket import ntlm

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "support"))
import ntlm_vector  # noqa: E402


def av(pairs):
    out = b""
    for i, v in pairs:
        out += struct.pack("<HH", i, len(v)) + v
    return out + b"\0\0\0\0"


def main(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    neg = ntlm.getNTLMSSPType1("WS", "DOMAIN", signingRequired=True)
    (out / "negotiate").write_bytes(neg.getData())
    # CHALLENGE (MS-NLMP 2.2.1.2), built field by field
    name = "APPLIANCE".encode("utf-16-le")
    ti = av([(1, "CA1".encode("utf-16-le")), (2, name), (7, b"\0" * 8)])
    flags = ntlm_vector.FLAGS | ntlm.NTLMSSP_NEGOTIATE_TARGET_INFO
    data = (b"NTLMSSP\0" + struct.pack("<I", 2) +
            struct.pack("<HHI", len(name), len(name), 56) + struct.pack("<I", flags) +
            b"\x11" * 8 + b"\0" * 8 + struct.pack("<HHI", len(ti), len(ti), 56 + len(name)) +
            b"\x06\x01\xb1\x1d\x00\x00\x00\x0f" + name + ti)
    (out / "challenge").write_bytes(data)
    auth, _ = ntlm.getNTLMSSPType3(neg, data, "alice", "secret", "EXAMPLE")
    (out / "authenticate").write_bytes(auth.getData())
    for level, tag in ((6, "privacy"), (5, "integrity")):
        d, t = ntlm_vector.client(level)
        d.call(0, ntlm_vector.STUB1)
        (out / f"pdu_{tag}").write_bytes(t.sent[0])


if __name__ == "__main__":
    main(sys.argv[1])
