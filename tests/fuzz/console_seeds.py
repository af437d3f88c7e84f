#!/usr/bin/env python3
"""Seeds for fuzz_console: one well-formed frame per console message
(firmware/custodian/admin_proto.h), requests as caadm sends them and answers as
the custodian sends them, each behind the target's selector byte (its index in
fuzz_console.c's types[]), encoded with the integration tests' independent codec
(tests/integration/ledger_client.py's W).

    tests/fuzz/console_seeds.py tests/fuzz/corpus/fuzz_console
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
import ledger_client as lc  # noqa: E402

W = lc.W
# fuzz_console.c's types[], in order
TYPES = ["login", "session", "logout", "op-add", "op-del", "op-passwd", "op-list", "view",
         "rows", "detail", "detail-is", "setext", "resubmit", "deny", "result", "revoke",
         "unrevoke", "crl", "getprop", "prop", "setprop", "audit", "events", "verify", "ok",
         "error", "op-roles", "unknown", "tmpl-list", "tmpl-list-is", "tmpl-show", "tmpl-text",
         "tmpl-add", "tmpl-set", "tmpl-del", "keytab"]
TEMPLATE = """name = Web2
display_name = Web Server 2
oid = 1.3.6.1.4.1.311.21.8.1.99
major_version = 1
minor_version = 0
validity_days = 730
renewal_days = 42
eku = 1.3.6.1.5.5.7.3.1
key_usage = digitalSignature, keyEncipherment
ca = no
key_algorithms = rsa, ec
rsa_min_bits = 2048
ec_min_bits = 256
subject = request
san = request
allow_request_san = no
pend_all = yes
agent_signatures = 0
renew_without_approval = no
enroll_groups = Domain Admins, Enterprise Admins
"""
TOKEN = bytes(range(32))


def tok():
    return W().bytes(TOKEN)


def main(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    row = (W().u32(1).u32(9).u32(0).u32(1).i64(1700000000).i64(0).u64(2).u64(3)
           .str("EXAMPLE\\alice").str("Taken Under Submission").bytes(b"").i64(0).i64(0)
           .u64(0).u32(0).u32(0).i64(0).done())
    rec = b"\x4c\x45\x56\x31" + bytes(60)
    seeds = {
        "login": W().str("admin").str("admin-passphrase-1").done(),
        "session": tok().u32(1).i64(1700000000).done(),
        "logout": tok().done(),
        "op-add": tok().str("officer").u32(2).str("officer-passphrase-2").done(),
        "op-del": tok().str("officer").done(),
        "op-passwd": tok().str("officer").str("new-passphrase").done(),
        "op-list": tok().done(),
        "view": tok().raw(lc.encode_view_query(["Disposition==pending"],
                                               ["RequestID", "SerialNumber"])).done(),
        "rows": W().u32(1).bytes(row).u32(0).done(),
        "detail": tok().u32(1).done(),
        "detail-is": (W().str("CN=alice").str("CertificateTemplate:User").str("EXAMPLE\\alice")
                      .u32(1).str("1.2.3.4").u32(1).bytes(b"\x05\x00").done()),
        "setext": tok().u32(1).str("1.2.3.4").u32(0).bytes(b"\x05\x00").done(),
        "resubmit": tok().u32(1).done(),
        "deny": tok().u32(2).done(),
        "result": W().u32(1).u32(20).u32(0).str("Issued").bytes(b"\x30\x00").done(),
        "revoke": tok().bytes(b"\x01\x02\x03").u32(1).i64(0).i64(0).done(),
        "unrevoke": tok().bytes(b"\x01\x02\x03").done(),
        "crl": tok().u32(1).done(),
        "getprop": tok().str("CRLPeriod").done(),
        "prop": W().bytes(b"1w").done(),
        "setprop": tok().str("CRLPeriod").bytes(b"2d").done(),
        "audit": tok().u64(1).u32(512).done(),
        "events": W().u32(1).bytes(rec).done(),
        "verify": tok().done(),
        "ok": W().str("operator officer added").done(),
        "error": W().u32(0x80070005).str("not logged in").done(),
        "op-roles": tok().str("officer").u32(1).done(),
        "tmpl-list": tok().done(),
        "tmpl-list-is": (W().u32(2)
                         .str("SubCA").str("Subordinate CA").str("1.3.6.1.4.1.311.21.8.1.5")
                         .u32(1).u32(0).u32(3)
                         .str("User").str("User").str("1.3.6.1.4.1.311.21.8.1.1")
                         .u32(1).u32(2).u32(0).done()),
        "tmpl-show": tok().str("WebServer").done(),
        "tmpl-text": W().str(TEMPLATE).done(),
        "tmpl-add": tok().str("Web2").str(TEMPLATE).done(),
        "tmpl-set": tok().str("User").str("validity_days = 30\nagent_policy = \n").done(),
        "tmpl-del": tok().str("Web2").done(),
        "keytab": (tok().u32(1).str("host/ca.example.test@CA.TEST").str("1 2")
                   .str("aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96")
                   .bytes(bytes(range(32))).done()),
        "keytab-removed": tok().u32(2).str("").str("").str("").bytes(b"").done(),
    }
    for name, payload in seeds.items():
        kind = name if name in TYPES else name.split("-")[0]  # keytab-removed: a keytab
        (out / name).write_bytes(bytes([TYPES.index(kind)]) + payload)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/corpus/fuzz_console")
