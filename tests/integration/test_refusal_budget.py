"""Refusals cost the attacker, not the ledger (issue 13, items 1 and 2).

The custodian journals refused requests (CUST_REFUSED) and failed logons
(CUST_AUTH_EVENT) in bursts, per address and per account: the first few of a
burst one by one, the rest as one record with their count (firmware/custodian/
authlog.c; the count is the record's optional tail, firmware/ledger/event.h
LEDGER_TAIL). The oracle for every count is the journal itself, read back over
the ledger's channel and decoded in Python (ledger_client.py, independently of
the C decoder), its hash chain checked here, then by `caadm verify`."""
import hashlib
import os
import struct
import time

import pytest
from impacket.dcerpc.v5.rpcrt import DCERPCException

import icpr_client as ic
import ledger_client as lc
from conftest import BIN, configure, run
from test_custodian_enroll import (CUST_REFUSED, CUST_RESULT, DISP_FAILED, NTLM_REFUSED,  # noqa: F401
                                   CUST_AUTH_EVENT, appliance, auth_event_payload,
                                   decode_result, refused_payload)
from test_icpr import CA_NAME, ca  # noqa: F401

FIRST = 3  # journal_burst_first's default: a burst's events journaled one by one
ACCESSDENIED, INVALIDARG = 0x80070005, 0x80070057


def records(data):
    """Every record of the journal, decoded in Python, the chain checked."""
    with lc.Ledger(data) as led:
        head, head_hash = led.head()
        raw = led.get_events(range(1, head + 1))
    recs = [lc.decode_record(raw[s]) for s in range(1, head + 1)]
    prev = bytes(lc.HASH_LEN)
    for r in recs:
        assert r.prev == prev, f"chain broken at {r.seq}"
        prev = r.hash
    assert prev == head_hash
    return recs


def logons(recs, **match):
    return [r for r in recs if r.type == lc.EV_LOGON_REFUSED and
            all(r.fields[k] == v for k, v in match.items())]


def refusals(recs):
    return [r for r in recs if r.type == lc.EV_REQUEST_RECEIVED and
            r.fields["format"] == lc.FMT_DIGEST]


def total(recs):
    return sum(lc.event_count(r) for r in recs)


def verify(data):
    run(BIN / "caadm", "verify", "--data", data)


def auth_event(a, peer, claimed, detail="logon refused", what=NTLM_REFUSED):
    rtype, data = a.call(CUST_AUTH_EVENT, auth_event_payload(what, peer, claimed, detail))
    assert rtype == CUST_RESULT, data
    return decode_result(data)[3]


# ---- failed logons (the custodian's channel played by the test) ----------------------

def test_logon_flood_from_one_address_is_one_burst(appliance, root_ca):
    """50 failed logons from one address: the first three journaled at once, the
    other 47 counted and journaled as one record at shutdown."""
    a = appliance()
    answers = [auth_event(a, "192.0.2.7", "EXAMPLE\\mallory", f"try {i}") for i in range(50)]
    assert answers == ["recorded"] * FIRST + ["counted"] * (50 - FIRST)
    assert a.stop() == 0
    recs = logons(records(root_ca["data"]), peer="192.0.2.7")
    assert [lc.event_count(r) for r in recs] == [1, 1, 1, 47]
    summary = recs[-1]
    assert summary.fields["claimed"] == "EXAMPLE\\mallory"
    assert summary.fields["detail"] == "try 49"  # the last one's
    assert recs[0].fields["since"] <= summary.fields["since"] <= summary.time
    assert total(recs) == 50
    verify(root_ca["data"])


def test_password_spray_is_one_burst_per_account(appliance, root_ca):
    """One account tried from 40 addresses: aggregated under the account; the
    summary names the account and "*" for the addresses, which differed."""
    a = appliance()
    answers = [auth_event(a, f"198.51.100.{i}", "EXAMPLE\\alice") for i in range(40)]
    assert answers.count("recorded") == FIRST
    a.stop()
    recs = logons(records(root_ca["data"]), claimed="EXAMPLE\\alice")
    assert total(recs) == 40
    assert recs[-1].fields["peer"] == lc.LEDGER_MANY and lc.event_count(recs[-1]) == 37
    verify(root_ca["data"])


def test_global_rate_bounds_what_unique_keys_journal(appliance, root_ca):
    """A compromised worker inventing a new address and account per event gets
    past every per-key burst; the global rate (1/s here, ten seconds' worth
    banked) still bounds what is journaled one by one: the rest is counted under
    the overflow key "*"."""
    configure(root_ca, journal_refusal_rate=1)
    a = appliance()
    t0 = time.monotonic()
    answers = [auth_event(a, f"203.0.113.{i}", f"EXAMPLE\\u{i}") for i in range(60)]
    elapsed = time.monotonic() - t0
    recorded = answers.count("recorded")
    assert 10 <= recorded <= 10 + int(elapsed) + 1, (recorded, elapsed)
    a.stop()
    recs = logons(records(root_ca["data"]))
    assert total(recs) == 60
    overflow = [r for r in recs if lc.event_count(r) > 1]
    assert len(overflow) == 1 and overflow[0].fields["peer"] == lc.LEDGER_MANY
    assert overflow[0].fields["claimed"] == lc.LEDGER_MANY
    assert lc.event_count(overflow[0]) == 60 - recorded
    verify(root_ca["data"])


def test_table_is_bounded_and_an_evicted_burst_is_journaled(appliance, root_ca):
    """260 addresses, two failed logons each (one journaled, one counted: first
    = 1), against 256 slots: each new address past the 256th evicts the least
    recently seen burst, whose count is journaled then and there (before any
    shutdown); in the end every address's events add up to 2."""
    configure(root_ca, journal_burst_first=1, journal_refusal_rate=10000)
    a = appliance()
    n = 260
    for i in range(n):
        peer = f"10.0.{i // 256}.{i % 256}"
        assert auth_event(a, peer, "") == "recorded"
        assert auth_event(a, peer, "") == "counted"
    show = run(BIN / "ca-ledger", "show", "--data", root_ca["data"]).stdout
    # The first four addresses gave way to the last four: each has its first
    # event and its evicted count in the journal already; the fifth only its first.
    for i in range(4):
        assert sum(f"peer=10.0.0.{i} " in ln for ln in show.splitlines()) == 2, i
    assert sum("peer=10.0.0.4 " in ln for ln in show.splitlines()) == 1
    a.stop()
    recs = logons(records(root_ca["data"]))
    per = {}
    for r in recs:
        per[r.fields["peer"]] = per.get(r.fields["peer"], 0) + lc.event_count(r)
    assert len(per) == n and set(per.values()) == {2}, per
    verify(root_ca["data"])


def test_burst_ends_after_its_quiet_time(appliance, root_ca):
    """The count is journaled when the burst goes quiet, without a shutdown; the
    next event then opens a new burst (journaled at once)."""
    configure(root_ca, journal_burst_quiet=1)
    a = appliance()
    for _ in range(10):
        auth_event(a, "192.0.2.9", "")
    deadline = time.time() + 15
    while time.time() < deadline:
        show = run(BIN / "ca-ledger", "show", "--data", root_ca["data"]).stdout
        if "count=7 " in show:
            break
        time.sleep(0.3)
    assert "peer=192.0.2.9" in show and "count=7 " in show, show
    assert auth_event(a, "192.0.2.9", "") == "recorded"
    a.stop()
    recs = logons(records(root_ca["data"]), peer="192.0.2.9")
    assert [lc.event_count(r) for r in recs] == [1, 1, 1, 7, 1]


def test_a_long_burst_is_journaled_at_its_maximum_interval(appliance, root_ca):
    """A burst that never goes quiet (an event every 0.2 s, quiet time 10 s) has
    its count journaled every journal_burst_max seconds (2 here) while it goes
    on, not only at its end."""
    configure(root_ca, journal_burst_max=2)
    a = appliance()
    t0, sent, seen = time.monotonic(), 0, ""
    while time.monotonic() - t0 < 6:
        auth_event(a, "192.0.2.11", "EXAMPLE\\carol")
        sent += 1
        time.sleep(0.2)
    seen = run(BIN / "ca-ledger", "show", "--data", root_ca["data"]).stdout
    during = [ln for ln in seen.splitlines() if "peer=192.0.2.11 " in ln]
    assert len(during) >= FIRST + 2, seen  # at least two counts while it lasted
    a.stop()
    assert total(logons(records(root_ca["data"]), peer="192.0.2.11")) == sent


@pytest.mark.parametrize("key,value", [("journal_burst_quiet", "0"),
                                       ("journal_burst_first", "many"),
                                       ("journal_refusal_rate", "-1")])
def test_a_bad_budget_setting_stops_the_custodian_at_start(appliance, root_ca, key, value):
    configure(root_ca, **{key: value})
    a = appliance(start_up=False)  # it never answers a start-up
    assert a.custodian.wait(timeout=30) == 78  # refuse_to_start
    assert f"ca.conf: {key} must be".encode() in a.custodian.stderr.read()


# ---- refused requests (CUST_REFUSED) -----------------------------------------------

def test_refusal_burst_keeps_size_hash_address_and_reason(appliance, root_ca):
    """20 refusals from one anonymous address: each answered at once with its
    HRESULT; the first three get a request id and a record of their own, the
    other 17 id 0 and one record that keeps the last one's size, SHA-256, reason
    and the address, with the count; never a payload."""
    a = appliance()
    blobs = [os.urandom(64) * (100 + i) for i in range(20)]
    rids = []
    for i, blob in enumerate(blobs):
        rtype, data = a.call(CUST_REFUSED, refused_payload(
            INVALIDARG, "anonymous@192.0.2.7", f"too big {i}", len(blob),
            hashlib.sha256(blob).digest()))
        rid, disp, hr, msg, cert = decode_result(data)
        assert (disp, hr, msg, cert) == (DISP_FAILED, INVALIDARG, f"too big {i}", b"")
        rids.append(rid)
    assert rids == [1, 2, 3] + [0] * 17
    a.stop()
    recs = records(root_ca["data"])
    ref = refusals(recs)
    assert [lc.event_count(r) for r in ref] == [1, 1, 1, 17]
    for r in ref:
        assert r.fields["peer"] == "192.0.2.7"
        assert r.fields["requester"] == "anonymous@192.0.2.7"
    last = ref[-1].fields["raw"]
    assert struct.unpack("<I", last[:4])[0] == len(blobs[-1])
    assert last[4:] == hashlib.sha256(blobs[-1]).digest()
    # its disposition follows it, with the reason
    after = recs[recs.index(ref[-1]) + 1]
    assert after.type == lc.EV_DISPOSITION
    assert (after.fields["hresult"], after.fields["message"]) == (INVALIDARG, "too big 19")
    assert total(ref) == 20
    verify(root_ca["data"])
    show = run(BIN / "ca-ledger", "show", "--data", root_ca["data"]).stdout
    assert "peer=192.0.2.7 count=17 since=" in show


def test_authenticated_refusal_records_its_address(appliance, root_ca):
    """A logged-on requester's refusal names the account (from the token) and,
    in its own field, the address the worker saw."""
    a = appliance()
    rtype, data = a.call(CUST_REFUSED, refused_payload(
        ACCESSDENIED, "EXAMPLE\\alice", "packet privacy is required", 10, bytes(32),
        peer="203.0.113.9"))
    assert decode_result(data)[:3] == (1, DISP_FAILED, ACCESSDENIED)
    a.stop()
    ref = refusals(records(root_ca["data"]))
    assert [(r.fields["requester"], r.fields["peer"], r.fields["count"]) for r in ref] == \
        [("EXAMPLE\\alice", "203.0.113.9", 1)]


def test_anonymous_requester_must_match_its_address(appliance, root_ca):
    a = appliance()
    a.sock.sendall(lc.frame(CUST_REFUSED, 1, refused_payload(
        INVALIDARG, "anonymous@192.0.2.7", "m", 1, bytes(32), peer="192.0.2.8")))
    assert a.custodian.wait(timeout=30) != 0
    assert b"protocol violation" in a.custodian.stderr.read()


def test_old_records_replay_beside_new_ones(tmp_path):
    """A journal with records written before the tail existed (no count) and
    with it: the ledger takes both, `caadm verify`-style replay (ca-ledger
    verify) accepts the chain, and Python decodes both, the old as one event."""
    data, _ = lc.new_ledger(tmp_path)
    digest = struct.pack("<I", 70000) + hashlib.sha256(b"x").digest()
    with lc.Ledger(data) as led:
        for e in [  # one at a time: pipelined appends may commit in any order
            (lc.EV_REQUEST_RECEIVED, lc.ACTOR_REQUESTER, "anonymous@192.0.2.7",
             lc.encode_request("anonymous@192.0.2.7", digest, fmt=lc.FMT_DIGEST)),
            (lc.EV_LOGON_REFUSED, lc.ACTOR_REQUESTER, "unauthenticated",
             lc.encode_logon(1, "192.0.2.7", "EXAMPLE\\bob", "old")),
            (lc.EV_REQUEST_RECEIVED, lc.ACTOR_REQUESTER, "anonymous@192.0.2.7",
             lc.encode_request("anonymous@192.0.2.7", digest, fmt=lc.FMT_DIGEST,
                               tail=(12, 1790000000, "192.0.2.7"))),
            (lc.EV_LOGON_REFUSED, lc.ACTOR_REQUESTER, "unauthenticated",
             lc.encode_logon(1, "192.0.2.7", "EXAMPLE\\bob", "new", tail=(5, 1790000000))),
        ]:
            led.append(*e)
        # a tail with count 0, or on a request with its bytes: refused, not recorded
        with pytest.raises(lc.LedgerError):
            led.append(lc.EV_LOGON_REFUSED, lc.ACTOR_REQUESTER, "unauthenticated",
                       lc.encode_logon(1, "p", tail=(0, 0)))
        with pytest.raises(lc.LedgerError):
            led.append(lc.EV_REQUEST_RECEIVED, lc.ACTOR_REQUESTER, "EXAMPLE\\bob",
                       lc.encode_request("EXAMPLE\\bob", b"\x30\x00",
                                         tail=(1, 0, "192.0.2.7")))
    recs = records(data)
    assert [lc.event_count(r) for r in recs[1:]] == [1, 1, 12, 5]
    run(BIN / "ca-ledger", "verify", "--data", data)


# ---- the ledger's growth under sustained anonymous refusal (item 2) -----------------

def ledger_bytes(data):
    """The disk the ledger's files take (allocated blocks: Berkeley DB's log file
    is sized 16 MiB up front but sparse, so its length says nothing)."""
    return sum(f.stat().st_blocks * 512 for f in (data / "ledger").rglob("*") if f.is_file())


def request_stub(blob):
    """A CertServerRequest's NDR stub for blob, built once: impacket packs a
    conformant byte array one element at a time (a quarter of a second for 60 KB),
    and every request of the flood is the same."""
    req = ic.CertServerRequest()
    req["dwFlags"] = 0
    req["pwszAuthority"] = CA_NAME + "\x00"
    req["pdwRequestId"] = 0
    req["pctbAttribs"]["cb"] = 0
    req["pctbAttribs"]["pb"] = ic.NULL
    req["pctbRequest"]["cb"] = len(blob)
    req["pctbRequest"]["pb"] = blob
    return req.opnum, req.getData()


def send_refused(a, blob, n):
    """n CertServerRequests of blob without a logon (anonymous enrollment off):
    each answered E_ACCESSDENIED at once. A connection carries 25 of them, well
    within the worker's logon deadline for a connection without a logon."""
    opnum, stub = request_stub(blob)
    dce, answered = None, 0
    deadline = time.monotonic() + 600
    while answered < n:
        assert time.monotonic() < deadline, answered
        if answered % 25 == 0 and dce is not None:
            dce.disconnect()
            dce = None
        if dce is None:
            binding = ic.lookup(a.epm_port)
            dce = ic.connect(binding)
            dce.get_rpc_transport().get_socket().settimeout(30)
        dce.call(opnum, stub)
        resp = ic.CertServerRequestResponse(dce.recv())
        rv, disp = resp["ErrorCode"], resp["pdwDisposition"]
        assert (rv, disp, ic.blob(resp["pctbEncodedCert"]["pb"])) == \
            (ACCESSDENIED, ACCESSDENIED, b""), (hex(rv), hex(disp))
        answered += 1
    return answered


N, SIZE = int(os.environ.get('NREF', 300)), 60 * 1024


@pytest.fixture
def cad(ca):
    """cad with its worker on ca (conftest's appliance, which this module's
    custodian-only `appliance` hides)."""
    apps = []

    def start(**settings):
        configure(ca, **settings)
        apps.append(ic.Appliance(ca["data"], ca["token"].pin_file))
        return apps[-1]
    yield start
    for a in apps:
        a.stop()


def test_sustained_anonymous_refusal_grows_the_ledger_by_little(cad, ca):
    """300 anonymous 60 KB requests (18 MB of payload) refused: the ledger's files
    grow by far less than 1% of that (bound: 180 KB, i.e. 600 bytes a refusal;
    journaled one by one, as before this budget, a refusal cost a request and a
    disposition record and their Berkeley DB log, several KB: see the
    custodian's README), and the journal's counts add up to 300."""
    a = cad()  # defaults: no anonymous enrollment, packet privacy required
    shown = run(BIN / "ca-ledger", "show", "--data", ca["data"]).stdout.splitlines()
    before, head_before = ledger_bytes(ca["data"]), len(shown)
    t0 = time.monotonic()
    blob = os.urandom(SIZE)
    assert send_refused(a, blob, N) == N
    elapsed = time.monotonic() - t0
    a.stop()  # the custodian journals the counts it holds
    grown = ledger_bytes(ca["data"]) - before
    recs = records(ca["data"])
    new_records = sum(len(r.raw) for r in recs[head_before:])
    per = grown / N
    print(f"\nledger files grew {grown} bytes ({new_records} bytes of new records) for {N} "
          f"refusals of {SIZE} bytes ({N * SIZE} bytes of payload): {per:.0f} bytes a "
          f"refusal, {100.0 * grown / (N * SIZE):.3f}% ({elapsed:.1f} s)")
    assert grown < N * SIZE // 100, grown
    assert per < 600, per
    ref = [r for r in refusals(recs) if r.fields["peer"] == "127.0.0.1"]
    assert total(ref) == N
    assert len(ref) <= FIRST + 2, [lc.event_count(r) for r in ref]
    for r in ref:  # size and hash, never the payload
        assert r.fields["raw"] == struct.pack("<I", SIZE) + hashlib.sha256(blob).digest()
    for f in (ca["data"] / "ledger").rglob("*"):  # nowhere in the ledger's files
        if f.is_file():
            assert blob[1000:1064] not in f.read_bytes(), f
    run(BIN / "caadm", "verify", "--data", ca["data"])
