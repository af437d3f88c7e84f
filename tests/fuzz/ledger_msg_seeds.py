#!/usr/bin/env python3
"""Seeds for fuzz_ledger_msg: one well-formed payload per journal-channel message
(firmware/ledger/proto.h), each behind the target's selector byte, encoded with
the integration tests' independent codec (tests/integration/ledger_client.py).

    tests/fuzz/ledger_msg_seeds.py tests/fuzz/corpus/fuzz_ledger_msg
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
import ledger_client as lc  # noqa: E402

W = lc.W
HASH = bytes(range(32))


def append(etype, body, actor="ca", kind=lc.ACTOR_CA):
    return W().u32(etype).u32(kind).str(actor).raw(body).done()


def request_row(rid=1, serial=b"\x01\x02"):
    return (W().u32(rid).u32(20).u32(0).u32(1).i64(1700000000).i64(1700000001).u64(2)
            .u64(5).str("EXAMPLE\\alice").str("Issued").bytes(serial).i64(1700000000)
            .i64(1800000000).u64(4).u32(0).u32(0).i64(0).done())


def appended(seq, rid=0):
    return W().u64(seq).i64(1700000000).u32(rid).bytes(HASH).done()


def main(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    op = append(lc.EV_OPERATOR_ACTION, lc.encode_operator("login", "admin", 1, ""),
                "admin", lc.ACTOR_OPERATOR)
    req = append(lc.EV_REQUEST_RECEIVED, lc.encode_request("EXAMPLE\\alice", b"\x30\x00"),
                 "EXAMPLE\\alice", lc.ACTOR_REQUESTER)
    disp = append(lc.EV_DISPOSITION, lc.encode_disposition(0, 9, 0, "Taken Under Submission"))
    group = W().u32(2).bytes(req).bytes(disp).done()
    rec = b"\x4c\x45\x56\x31" + bytes(60)  # shape only: a record's bytes
    revoked_entry = W().bytes(b"\x01\x02").u32(1).i64(1700000000).i64(0).u64(7).done()
    seeds = {
        "append-operator": (0, op),
        "append-request": (0, req),
        "append-group": (1, group),
        "get-request": (2, W().u32(1).done()),
        "get-event": (3, W().u64(1).done()),
        "get-cert": (4, W().bytes(b"\x01\x02").done()),
        "revoked-list-start": (5, W().bytes(b"").done()),
        "revoked-list-after": (5, W().bytes(b"\x7f" * 20).done()),
        "view": (6, lc.encode_view_query(["Disposition==pending"], ["RequestID"])),
        "head": (7, b""),
        "crl-latest": (8, W().u32(1).done()),
        "get-prop": (9, W().str("CRLPeriod").done()),
        "get-events": (10, W().u64(1).u32(512).done()),
        "appended": (11, appended(3, 1)),
        "appended-group": (12, W().u32(2).raw(appended(2, 1)).raw(appended(3)).done()),
        "request-row": (13, request_row()),
        "cert-row": (14, W().u32(1).u64(4).done()),
        "event": (15, W().bytes(rec).done()),
        "rows": (16, W().u32(2).bytes(request_row(1)).bytes(request_row(2, b"\x03")).u32(1)
                 .done()),
        "head-is": (17, W().u64(9).bytes(HASH).done()),
        "verified": (18, W().u32(1).u64(9).str("the chain holds").done()),
        "revoked-rows": (19, W().u32(1).raw(revoked_entry).u32(0).done()),
        "crl-row": (20, W().u64(3).u32(1).u64(2).i64(1700000000).i64(1700086400).u64(8)
                    .done()),
        "events": (21, W().u32(2).bytes(rec).bytes(rec + b"\0").done()),
        "error": (22, W().u32(lc.LEDGER_ERR_NOTFOUND).str("no such request").done()),
        "group-members": (23, group),
    }
    for name, (selector, payload) in seeds.items():
        (out / name).write_bytes(bytes([selector]) + payload)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/corpus/fuzz_ledger_msg")
