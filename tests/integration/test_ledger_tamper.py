"""Tampering with a stopped ledger's files: `ca-ledger verify` must fail and name
what was altered. The changes are made with ledger_tamper (Berkeley DB calls, as an
attacker with the library would) and, once, by flipping a byte of journal.db on
disk directly. Before each change the ledger verifies clean."""
import re

import pytest

import ledger_client as lc
from ledger_client import DISP_PENDING, Ledger

MARKER = b"TAMPER-MARKER-7f3a9c-unique"


@pytest.fixture(scope="session", autouse=True)
def tamper_tool():
    assert lc.TAMPER_BIN.exists(), (f"{lc.TAMPER_BIN} is missing: `make {lc.TAMPER_BIN}` "
                                    f"(make check-integration builds it)")


class Built:
    """A stopped ledger of 14 events:
      1 genesis | 2..9 requests 1..8 (request 4, event 5, carries MARKER) |
      10, 11 requests 2 and 6 pending | 12 intent, 13 issued for request 3 |
      14 request 9."""

    K = 5  # the event with the marker, in the middle


@pytest.fixture
def built(tmp_path):
    data, _ = lc.new_ledger(tmp_path)
    b = Built()
    b.data = data
    with Ledger(data) as led:
        for i in range(1, 9):
            raw = b"0\x82csr-" + (MARKER if i == 4 else b"plain-%d" % i) + b"-end"
            lc.request(led, f"EXAMPLE\\user{i}", raw=raw)
        lc.disposition(led, 2, DISP_PENDING)
        lc.disposition(led, 6, DISP_PENDING)
        b.serial = lc.new_serial()
        lc.intent(led, 3, b.serial)
        lc.issued(led, 3, b.serial)
        lc.request(led, "EXAMPLE\\user9")
        b.n = led.head()[0]
        b.records = {r.seq: r.raw for r in led.records()}
    assert b.n == 14
    assert lc.decode_record(b.records[b.K]).fields["raw"].find(MARKER) > 0
    p = lc.verify_cli(data)
    assert p.returncode == 0, f"clean ledger does not verify: {p.stdout}{p.stderr}"
    assert "ledger verified: 14 events" in p.stdout
    return b


def tamper(*args):
    p = lc.tamper(*args)
    assert p.returncode == 0, f"ledger_tamper {args}: {p.stdout}{p.stderr}"
    return p.stdout


def verify_fails(data):
    p = lc.verify_cli(data)
    out = p.stdout + p.stderr
    assert p.returncode != 0, f"verify passed a tampered ledger:\n{out}"
    return out


def test_flip_body_byte_in_the_middle(built):
    k = built.K
    off = built.records[k].find(MARKER) + 3
    tamper("flip", built.data, k, off)
    out = verify_fails(built.data)
    # Event k still decodes, so the chain breaks at k+1, whose prev says k was altered.
    assert re.search(rf"\bevent {k} was altered\b", out), out
    assert re.search(rf"\bevent {k + 1}\b", out), out


# Offsets in the record header (event.h): u32 magic | u64 seq | i64 time | u32 type |
# u32 actor_kind | str actor | 32 bytes prev.
HEADER_FLIPS = [
    ("magic", 0, r"event {k} does not decode"),
    ("seq", 4, r"journal record {k} holds event"),
    ("time", 12, r"event {k} was altered"),
    ("type", 20, r"event {k} does not decode"),
    ("actor_kind", 24, r"event {k} was altered"),  # 3 -> 2: still a valid actor kind
    ("actor length", 28, r"\b(event|record) {k}\b"),
    ("prev", 32 + len("EXAMPLE\\user4") + 5, r"event {k}: its prev is not the hash"),
]


@pytest.mark.parametrize("field,off,pattern", HEADER_FLIPS, ids=[h[0] for h in HEADER_FLIPS])
def test_flip_header_byte_in_the_middle(built, field, off, pattern):
    k = built.K
    tamper("flip", built.data, k, off)
    out = verify_fails(built.data)
    assert re.search(pattern.format(k=k), out), out


def test_flip_in_the_last_event(built):
    n = built.n
    off = len(built.records[n]) - 6  # inside the request's raw bytes
    tamper("flip", built.data, n, off)
    out = verify_fails(built.data)
    assert re.search(rf"\bevent {n}\b", out), out


def test_flip_in_the_last_event_is_reported_by_verify_itself(built):
    n = built.n
    tamper("flip", built.data, n, len(built.records[n]) - 6)
    out = verify_fails(built.data)
    assert f"ledger verification FAILED: event {n} (the last) was altered" in out, out


def test_drop_an_event(built):
    k = built.K
    tamper("drop", built.data, k)
    out = verify_fails(built.data)
    assert re.search(rf"\bevent {k} missing\b", out), out


def test_swap_two_events(built):
    k = built.K
    tamper("swap", built.data, k)
    out = verify_fails(built.data)
    assert re.search(rf"journal record {k} holds event {k + 1}\b", out), out


INDEX_KEYS = [
    ("pending", lambda b: "00000002"),
    ("requests", lambda b: "00000007"),
    ("serials", lambda b: b.serial.hex()),
    ("certs", lambda b: b.serial.hex()),
    ("requester", lambda b: b"EXAMPLE\\user5".hex()),
]


@pytest.mark.parametrize("index,key", INDEX_KEYS, ids=[i[0] for i in INDEX_KEYS])
def test_index_key_deleted(built, index, key):
    k = key(built)
    tamper("index-del", built.data, index, k)
    out = verify_fails(built.data)
    assert re.search(rf"\bindex {index}: key {k[:48]}\S* is missing from the stored index",
                     out), out


def flip_on_disk(data):
    path = data / "ledger" / "journal.db"
    b = bytearray(path.read_bytes())
    assert b.count(MARKER) == 1, "the marker is not on disk exactly once"
    b[b.find(MARKER) + 3] ^= 0x01
    with open(path, "r+b") as f:
        f.write(b)


def test_raw_byte_flip_on_disk_after_a_cold_start(built):
    """The byte is changed in the file itself, without the database library. The
    environment's region files are removed as well (a clean shutdown was made, so this
    is what a fresh environment, e.g. after db_recover, looks like): verify reads the
    page from disk."""
    flip_on_disk(built.data)
    for region in (built.data / "ledger").glob("__db.0*"):
        region.unlink()
    out = verify_fails(built.data)
    assert re.search(rf"\bevent {built.K} was altered\b", out), out


def test_raw_byte_flip_on_disk(built):
    flip_on_disk(built.data)
    out = verify_fails(built.data)
    assert re.search(rf"\bevent {built.K} was altered\b", out), out
