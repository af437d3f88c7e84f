"""ca-ledger as a process: the rules of the journal, the indexes and views, the CLI,
and protocol violations, spoken through an independent Python client
(ledger_client.py) against real Berkeley DB files."""
import hashlib
import os
import re
import struct

import pytest

import ledger_client as lc
from ledger_client import (ACTOR_CA, ACTOR_OPERATOR, ACTOR_REQUESTER, DISP_DENIED,
                           DISP_ISSUED, DISP_PENDING, DISP_REVOKED, EV_CERT_INTENT,
                           EV_CERT_ISSUED, EV_CERT_REVOKED, EV_CERT_UNREVOKED,
                           EV_CRL_PUBLISHED, EV_DISPOSITION, EV_EXTENSION_SET,
                           EV_KEY_ARCHIVED, EV_OPERATOR_ACTION, EV_PROPERTY_CHANGED,
                           EV_REQUEST_RECEIVED, LEDGER_ERR_INVALID, LEDGER_ERR_NOTFOUND,
                           Ledger, LedgerError)

NB, NA = 1_800_000_000, 1_831_536_000


@pytest.fixture
def data(tmp_path):
    d, _ = lc.new_ledger(tmp_path)
    return d


@pytest.fixture
def ledger(data):
    led = Ledger(data).start()
    yield led
    if led.alive():
        assert led.close() == 0, led.stderr()


def refused(fn, *args, code=LEDGER_ERR_INVALID, match=None, **kw):
    """Calls fn expecting a LedgerError with code (and a message matching match)."""
    with pytest.raises(LedgerError) as ei:
        fn(*args, **kw)
    assert ei.value.code == code, ei.value
    if match is not None:
        assert re.search(match, ei.value.message, re.I), ei.value.message
    return ei.value


def unchanged(led, before):
    assert led.head() == before, "a refused event changed the head"


def test_genesis_then_request_ids_are_assigned_in_order(tmp_path):
    data, cert = lc.new_ledger(tmp_path)
    with Ledger(data) as led:
        seq, h = led.head()
        assert seq == 1
        g = lc.decode_record(led.get_event(1))
        assert g.type == lc.EV_GENESIS and g.prev == bytes(32) and g.seq == 1
        assert g.fields["ca_cert"] == cert
        assert g.hash == h

        got, prev = [], h
        for i, who in enumerate(["EXAMPLE\\alice", "EXAMPLE\\bob", "carol"]):
            raw = b"csr-%d" % i
            body = lc.encode_request(who, raw, lc.FMT_CMC, "CertificateTemplate:User")
            a = led.append(EV_REQUEST_RECEIVED, ACTOR_REQUESTER, who, body)
            got.append(a.request_id)
            assert a.seq == 2 + i
            rec = led.get_event(a.seq)
            assert lc.record_hash(rec) == a.hash
            r = lc.decode_record(rec)
            assert r.prev == prev and r.time == a.time and r.actor == who
            # The record carries the body as sent, with the id the ledger assigned.
            assert r.body == struct.pack("<I", a.request_id) + body[4:]
            prev = a.hash
            row = led.get_request(a.request_id)
            assert (row.requester, row.format, row.seq_received, row.seq_last,
                    row.submitted, row.disposition, row.serial) == \
                (who, lc.FMT_CMC, a.seq, a.seq, a.time, 0, b"")
        assert got == [1, 2, 3]
        assert led.head() == (4, prev)
        refused(led.get_request, 4, code=LEDGER_ERR_NOTFOUND)
        refused(led.get_event, 5, code=LEDGER_ERR_NOTFOUND)
        refused(led.get_event, 0, code=LEDGER_ERR_NOTFOUND)
    # Ids keep growing across a restart.
    with Ledger(data) as led:
        assert lc.request(led).request_id == 4
        assert led.verify()[0]


def test_pending_disposition_shows_in_the_view(ledger):
    r1, r2, r3 = (lc.request(ledger).request_id for _ in range(3))
    d = lc.disposition(ledger, r2, DISP_PENDING, 0x80094012, "Taken Under Submission")
    row = ledger.get_request(r2)
    assert (row.disposition, row.hresult, row.message, row.seq_last, row.resolved) == \
        (DISP_PENDING, 0x80094012, "Taken Under Submission", d.seq, 0)
    rows, more = ledger.view(["Disposition==pending"])
    assert [r.request_id for r in rows] == [r2] and not more
    assert [r.request_id for r in ledger.view(["Disposition==9"])[0]] == [r2]
    assert [r.request_id for r in ledger.view(["Disposition!=pending"])[0]] == [r1, r3]
    assert [r.request_id for r in ledger.view(["StatusCode==0x80094012"])[0]] == [r2]
    # Denied: no longer pending, resolved set.
    d = lc.disposition(ledger, r2, DISP_DENIED, 0x80094014, "Denied by an officer")
    assert ledger.view(["Disposition==pending"])[0] == []
    row = ledger.get_request(r2)
    assert row.disposition == DISP_DENIED and row.resolved == d.time
    refused(lc.disposition, ledger, r2, DISP_PENDING, match="already denied")
    refused(lc.disposition, ledger, 99, DISP_PENDING, match="no request 99")
    assert ledger.verify()[0]


def test_issue_flow_and_get_cert(ledger):
    rid = lc.request(ledger, "EXAMPLE\\dave").request_id
    lc.disposition(ledger, rid, DISP_PENDING)
    serial = lc.new_serial()
    i = lc.intent(ledger, rid, serial)
    assert ledger.get_request(rid).serial == b""  # an intent is not a certificate
    refused(ledger.get_cert, serial, code=LEDGER_ERR_NOTFOUND)
    refused(lc.disposition, ledger, rid, DISP_ISSUED, match="without a certificate")
    iss = lc.issued(ledger, rid, serial, NB, NA, cert=b"0\x82DER" + serial)
    assert iss.seq == i.seq + 1
    c = ledger.get_cert(serial)
    assert (c.request_id, c.seq_issued) == (rid, iss.seq)
    fin = lc.disposition(ledger, rid, DISP_ISSUED, 0, "Issued")
    row = ledger.get_request(rid)
    assert (row.serial, row.not_before, row.not_after, row.seq_cert, row.disposition,
            row.resolved, row.seq_last) == (serial, NB, NA, iss.seq, DISP_ISSUED, fin.time,
                                            fin.seq)
    rec = lc.decode_record(ledger.get_event(iss.seq))
    assert rec.fields == {"request_id": rid, "serial": serial, "not_before": NB,
                          "not_after": NA, "cert": b"0\x82DER" + serial}
    # The view finds it by serial (with ':' and upper case), by expiry, by requester.
    spelled = ":".join(f"{b:02X}" for b in serial)
    assert [r.request_id for r in ledger.view([f"SerialNumber=={spelled}"])[0]] == [rid]
    assert lc.row_column(row, "NotAfter") == "2028-01-15T08:00:00Z"
    assert [r.request_id for r in ledger.view(["NotAfter<=2028-01-15T08:00:00Z",
                                               "Disposition==issued"])[0]] == [rid]
    assert ledger.view(["NotAfter<2028-01-15T08:00:00"])[0] == []
    assert [r.request_id for r in ledger.view(["RequesterName==example\\DAVE"])[0]] == [rid]
    refused(ledger.get_cert, lc.new_serial(), code=LEDGER_ERR_NOTFOUND)
    refused(lc.issued, ledger, rid, serial, match="already has its outcome")
    assert ledger.verify()[0]


def test_serial_reuse_is_refused_and_changes_nothing(ledger):
    r1, r2 = lc.request(ledger).request_id, lc.request(ledger).request_id
    serial = lc.new_serial()
    lc.issue(ledger, r1, serial)
    before = ledger.head()
    e = refused(lc.intent, ledger, r2, serial, match="serial already used")
    assert e.code == LEDGER_ERR_INVALID
    unchanged(ledger, before)
    # Reserved but never issued: still never reused.
    s2 = lc.new_serial()
    lc.intent(ledger, r2, s2)
    r3 = lc.request(ledger).request_id
    before = ledger.head()
    refused(lc.intent, ledger, r3, s2, match="serial already used")
    unchanged(ledger, before)
    # Nor issued to another request than the one it was reserved for.
    refused(lc.issued, ledger, r3, s2, match=f"reserved for request {r2}, not {r3}")
    unchanged(ledger, before)
    # An intent for a finished request is refused too.
    refused(lc.intent, ledger, r1, lc.new_serial(), match="already issued")
    unchanged(ledger, before)
    assert ledger.get_request(r3).serial == b""
    assert ledger.verify()[0]


def test_issued_without_intent_is_refused(ledger):
    rid = lc.request(ledger).request_id
    before = ledger.head()
    refused(lc.issued, ledger, rid, lc.new_serial(), match="without a recorded intent")
    unchanged(ledger, before)
    refused(lc.issued, ledger, 77, lc.new_serial(), match="no request 77")
    s = lc.new_serial()
    lc.intent(ledger, rid, s)
    before = ledger.head()
    refused(lc.issued, ledger, rid, s, NA, NB, match="validity ends before it starts")
    unchanged(ledger, before)
    assert ledger.get_request(rid).serial == b""
    refused(ledger.get_cert, s, code=LEDGER_ERR_NOTFOUND)
    assert ledger.verify()[0]


def revoke(led, serial, reason, at=1_810_000_000, invalidity=0):
    return led.append(EV_CERT_REVOKED, ACTOR_OPERATOR, "EXAMPLE\\officer",
                      lc.encode_revoked(serial, reason, at, invalidity))


def unrevoke(led, serial):
    return led.append(EV_CERT_UNREVOKED, ACTOR_OPERATOR, "EXAMPLE\\officer",
                      lc.encode_unrevoked(serial))


def test_revoke_hold_unrevoke_and_revoke_twice(ledger):
    rid = lc.request(ledger).request_id
    serial = lc.issue(ledger, rid)
    refused(unrevoke, ledger, serial, match="only a certificate on hold")
    ev = revoke(ledger, serial, lc.REASON_HOLD, 1_810_000_000)
    row = ledger.get_request(rid)
    assert (row.revoked, row.revoked_reason, row.revoked_at, row.disposition,
            row.seq_last) == (1, 6, 1_810_000_000, DISP_REVOKED, ev.seq)
    assert [r.request_id for r in ledger.view(["RevokedReason==6"])[0]] == [rid]
    refused(revoke, ledger, serial, lc.REASON_HOLD, match="already revoked")
    unrevoke(ledger, serial)
    row = ledger.get_request(rid)
    assert (row.revoked, row.revoked_reason, row.revoked_at, row.disposition) == \
        (0, 0, 0, DISP_ISSUED)
    assert ledger.view(["RevokedReason==6"])[0] == []
    refused(unrevoke, ledger, serial, match="only a certificate on hold")
    # Hold, then a final revocation (RFC 5280 5.3.1); after that nothing changes it.
    revoke(ledger, serial, lc.REASON_HOLD)
    revoke(ledger, serial, 1, 1_820_000_000)  # keyCompromise
    row = ledger.get_request(rid)
    assert (row.revoked, row.revoked_reason, row.revoked_at) == (1, 1, 1_820_000_000)
    before = ledger.head()
    refused(revoke, ledger, serial, 1, match="already revoked")
    refused(revoke, ledger, serial, 4, match="already revoked")
    refused(revoke, ledger, serial, lc.REASON_HOLD, match="already revoked")
    refused(unrevoke, ledger, serial, match="only a certificate on hold")
    unchanged(ledger, before)
    refused(revoke, ledger, lc.new_serial(), 1, match="no certificate with this serial")
    # Reason 7 does not exist in RFC 5280: refused as out of bounds.
    rid2 = lc.request(ledger).request_id
    s2 = lc.issue(ledger, rid2)
    refused(revoke, ledger, s2, 7, match="not a CRL reason")
    refused(lc.disposition, ledger, rid, DISP_REVOKED, match="already revoked")
    assert ledger.verify()[0]


def crl(led, number, delta=0, base=0, this=1_810_000_000, nxt=1_810_604_800):
    return led.append(EV_CRL_PUBLISHED, ACTOR_CA, "CA",
                      lc.encode_crl(number, this, nxt, b"0\x82CRL-%d" % number, delta, base))


def test_crl_numbers_grow_and_deltas_name_a_base(ledger):
    refused(crl, ledger, 0, match="not above the last one")
    crl(ledger, 1)
    before = ledger.head()
    refused(crl, ledger, 1, match="not above the last one")
    unchanged(ledger, before)
    crl(ledger, 5)
    before = ledger.head()
    refused(crl, ledger, 4, match=r"CRL number 4 not above the last one \(5\)")
    refused(crl, ledger, 6, 1, 3, match="names no published base")
    refused(crl, ledger, 6, 1, 0, match="names no published base")
    refused(crl, ledger, 6, 0, 5, match="base_number must be 0")
    refused(crl, ledger, 6, this=10, nxt=10, match="nextUpdate not after thisUpdate")
    unchanged(ledger, before)
    crl(ledger, 6, 1, 5)
    refused(crl, ledger, 7, 1, 6, match="base is not a base CRL")
    crl(ledger, 7, 1, 1)  # a delta on an older base is still a base CRL's delta
    crl(ledger, 8)
    rec = lc.decode_record(ledger.get_event(ledger.head()[0]))
    assert rec.fields["number"] == 8 and rec.fields["is_delta"] == 0
    assert ledger.verify()[0]


def test_every_event_type_records_its_body_exactly(ledger):
    """One event of each type, with the body encoded here: the record holds exactly the
    header and these bytes."""
    rid = lc.request(ledger).request_id
    lc.disposition(ledger, rid, DISP_PENDING)
    serial = lc.new_serial(20)
    bodies = [
        (EV_EXTENSION_SET, ACTOR_OPERATOR, "EXAMPLE\\officer",
         lc.encode_extension(rid, "2.5.29.17", b"0\x0b\x82\x09host.test", 0)),
        (EV_CERT_INTENT, ACTOR_CA, "CA",
         lc.encode_intent(rid, serial, hashlib.sha256(b"tbs").digest(), NB, NA)),
        (EV_CERT_ISSUED, ACTOR_CA, "CA", lc.encode_issued(rid, serial, NB, NA, b"cert")),
        (EV_DISPOSITION, ACTOR_CA, "CA", lc.encode_disposition(rid, DISP_ISSUED, 0, "ok")),
        (EV_CERT_REVOKED, ACTOR_OPERATOR, "op", lc.encode_revoked(serial, 6, NB + 5, NB)),
        (EV_CERT_UNREVOKED, ACTOR_OPERATOR, "op", lc.encode_unrevoked(serial)),
        (EV_CRL_PUBLISHED, ACTOR_CA, "CA", lc.encode_crl(1, NB, NB + 86400, b"crl")),
        (EV_KEY_ARCHIVED, ACTOR_CA, "CA", lc.encode_archive(rid, os.urandom(300))),
        (EV_PROPERTY_CHANGED, ACTOR_OPERATOR, "admin",
         lc.encode_property("CRLPeriod", b"weekly")),
        (EV_OPERATOR_ACTION, ACTOR_OPERATOR, "admin",
         lc.encode_operator("login", "console", 1, "role=administrator")),
        (EV_OPERATOR_ACTION, ACTOR_OPERATOR, "mallory",
         lc.encode_operator("revoke", "", 0, "")),
    ]
    prev = ledger.head()[1]
    for etype, kind, actor, body in bodies:
        a = ledger.append(etype, kind, actor, body)
        rec = lc.decode_record(ledger.get_event(a.seq))
        assert (rec.type, rec.actor_kind, rec.actor, rec.body, rec.prev, rec.time) == \
            (etype, kind, actor, body, prev, a.time), lc.TYPE_NAMES[etype]
        assert rec.hash == a.hash
        prev = a.hash
    # Extensions only on pending requests; archives only for known requests.
    refused(ledger.append, EV_EXTENSION_SET, ACTOR_OPERATOR, "op",
            lc.encode_extension(rid, "2.5.29.17"), match="not pending")
    refused(ledger.append, EV_KEY_ARCHIVED, ACTOR_CA, "CA", lc.encode_archive(999, b"k"),
            match="no request 999")
    ok, n, msg = ledger.verify()
    assert ok and n == ledger.head()[0], msg


def append_raw(led, payload):
    """An APPEND frame with a payload built by hand."""
    return lc.decode_appended(led.call(lc.LEDGER_APPEND, payload, lc.LEDGER_APPENDED))


BAD_BODIES = [
    ("empty requester", EV_REQUEST_RECEIVED, lc.encode_request("", b"x"), "requester is empty"),
    ("long requester", EV_REQUEST_RECEIVED, lc.encode_request("r" * 257, b"x"),
     "requester is longer than 256"),
    ("empty raw request", EV_REQUEST_RECEIVED, lc.encode_request("bob", b""), "raw is empty"),
    ("unknown format", EV_REQUEST_RECEIVED, lc.encode_request("bob", b"x", fmt=5),
     "format 5 is not a known request format"),
    ("digest not size and hash", EV_REQUEST_RECEIVED,
     lc.encode_request("bob", b"x", fmt=4), "a digest is 36 bytes, not 1"),  # FMT_DIGEST
    ("long attributes", EV_REQUEST_RECEIVED, lc.encode_request("bob", b"x", attributes="a" * 4097),
     "attributes is longer than 4096"),
    ("NUL in requester", EV_REQUEST_RECEIVED, lc.encode_request("bo\0b", b"x"), "NUL"),
    ("unknown disposition", EV_DISPOSITION, lc.encode_disposition(1, 10),
     "not a known disposition"),
    ("serial of 21 bytes", EV_CERT_INTENT,
     lc.encode_intent(1, b"\x01" * 21, bytes(32), NB, NA), "serial of 21 bytes is over 20"),
    ("empty serial", EV_CERT_ISSUED, lc.encode_issued(1, b"", NB, NA, b"c"), "serial is empty"),
    ("reason 7", EV_CERT_REVOKED, lc.encode_revoked(b"\x01", 7, 0), "not a CRL reason"),
    ("reason 11", EV_CERT_REVOKED, lc.encode_revoked(b"\x01", 11, 0), "not a CRL reason"),
    ("bad OID", EV_EXTENSION_SET, lc.encode_extension(1, "2.5..29"), "not a dotted OID"),
    ("OID 1.40", EV_EXTENSION_SET, lc.encode_extension(1, "1.40.1"), "not a dotted OID"),
    ("is_delta 2", EV_CRL_PUBLISHED, lc.encode_crl(9, 1, 2, b"c", is_delta=2), "not 0 or 1"),
    ("allowed 2", EV_OPERATOR_ACTION, lc.encode_operator("x", "", 2), "not 0 or 1"),
    ("trailing byte", EV_DISPOSITION, lc.encode_disposition(1, DISP_PENDING) + b"\0",
     "does not match its type"),
    ("truncated", EV_CERT_INTENT, lc.encode_intent(1, b"\x01", bytes(32), NB, NA)[:-3],
     "ends inside not_after"),
    ("length past the end", lc.EV_GENESIS, struct.pack("<I", 1000) + b"abc", "ends inside"),
    ("unknown event type", 99, b"\0" * 4, "event type 99 is not known"),
    ("type 0", 0, b"\0" * 4, "event type 0 is not known"),
]


@pytest.mark.parametrize("what,etype,body,match", BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
def test_body_out_of_bounds_is_refused_and_the_server_keeps_serving(ledger, what, etype, body,
                                                                    match):
    rid = lc.request(ledger).request_id
    before = ledger.head()
    refused(ledger.append, etype, ACTOR_CA, "CA", body, match=match)
    unchanged(ledger, before)
    # Still serving, and the next event follows on directly.
    a = lc.disposition(ledger, rid, DISP_PENDING)
    assert a.seq == before[0] + 1
    assert lc.decode_record(ledger.get_event(a.seq)).prev == before[1]


def test_bad_header_fields_are_refused(ledger):
    before = ledger.head()
    body = lc.encode_request("bob", b"x")
    refused(ledger.append, EV_REQUEST_RECEIVED, 0, "bob", body, match="actor_kind")
    refused(ledger.append, EV_REQUEST_RECEIVED, 4, "bob", body, match="actor_kind")
    refused(ledger.append, EV_REQUEST_RECEIVED, ACTOR_REQUESTER, "", body, match="actor is empty")
    refused(ledger.append, lc.EV_GENESIS, ACTOR_CA, "CA", lc.encode_genesis(b"c"),
            match="only one genesis")
    unchanged(ledger, before)
    assert lc.request(ledger).seq == before[0] + 1


def test_pipelined_appends_share_commits_and_keep_order(ledger):
    evs = [(EV_REQUEST_RECEIVED, ACTOR_REQUESTER, f"user{i}",
            lc.encode_request(f"user{i}", b"r%d" % i)) for i in range(300)]
    res = ledger.append_all(evs)
    # Every append got its own seq and id; ids follow seqs.
    by_seq = sorted(res, key=lambda r: r.seq)
    assert [r.seq for r in by_seq] == list(range(2, 302))
    assert [r.request_id for r in by_seq] == list(range(1, 301))
    recs = ledger.records()
    lc.check_chain(recs, {r.seq: r.hash for r in res})
    for i, r in enumerate(res):  # each reply belongs to its own event
        assert recs[r.seq - 1].fields["requester"] == f"user{i}"
        assert recs[r.seq - 1].fields["request_id"] == r.request_id
    # A refused event inside a pipelined run costs only itself.
    mixed = [evs[0], (EV_DISPOSITION, ACTOR_CA, "CA", lc.encode_disposition(9999, DISP_PENDING)),
             evs[1]]
    a, err, b = ledger.append_many(mixed)
    assert isinstance(err, LedgerError) and err.code == LEDGER_ERR_INVALID
    assert {a.seq, b.seq} == {302, 303}
    assert ledger.verify()[0]


VIOLATIONS = [
    ("unknown frame type", lambda led: led.send(0x999, b"")),
    ("reply type sent to the ledger", lambda led: led.send(lc.LEDGER_APPENDED, bytes(48))),
    ("get-request of 3 bytes", lambda led: led.send(lc.LEDGER_GET_REQUEST, b"\1\0\0")),
    ("get-request of 5 bytes", lambda led: led.send(lc.LEDGER_GET_REQUEST, b"\1\0\0\0\0")),
    ("head with a payload", lambda led: led.send(lc.LEDGER_HEAD, b"\0")),
    ("unknown flags", lambda led: led.send(lc.LEDGER_HEAD, b"", flags=0x10)),
    ("frame over the limit", lambda led: led.send_raw(
        struct.pack("<IIII", lc.LEDGER_APPEND, lc.LEDGER_FRAME_MAX + 1, 7, 0))),
    ("append too short", lambda led: led.send(lc.LEDGER_APPEND, bytes(15))),
    ("append actor over 256", lambda led: led.send(
        lc.LEDGER_APPEND, Ledger.append_payload(EV_REQUEST_RECEIVED, ACTOR_REQUESTER, "a" * 300,
                                                lc.encode_request("bob", b"x")))),
    ("get-cert with an empty serial", lambda led: led.send(lc.LEDGER_GET_CERT, b"\0\0\0\0\0")),
    ("view with limit 0", lambda led: led.send(lc.LEDGER_VIEW,
                                               lc.encode_view_query(limit=0))),
    ("view with limit 10001", lambda led: led.send(lc.LEDGER_VIEW,
                                                   lc.encode_view_query(limit=10001))),
    ("view with unknown column", lambda led: led.send(lc.LEDGER_VIEW,
                                                      lc.encode_view_query(columns=[14]))),
    ("view with a column twice", lambda led: led.send(
        lc.LEDGER_VIEW, lc.encode_view_query(columns=["RequestID", "requestid"]))),
    ("view with op 7", lambda led: led.send(
        lc.LEDGER_VIEW, struct.pack("<IIIQIII", 1, 1, 7, 1, 0, 0, 10))),
    ("view with trailing bytes", lambda led: led.send(
        lc.LEDGER_VIEW, lc.encode_view_query() + b"\0")),
]


@pytest.mark.parametrize("what,violate", VIOLATIONS, ids=[v[0] for v in VIOLATIONS])
def test_protocol_violation_kills_the_server_and_corrupts_nothing(data, what, violate):
    led = Ledger(data).start()
    acked = {}
    for a in led.append_all([(EV_REQUEST_RECEIVED, ACTOR_REQUESTER, "bob",
                               lc.encode_request("bob", b"x" * 200))] * 40):
        acked[a.seq] = a.hash
    # More appends in flight when the violation arrives.
    for _ in range(40):
        led.send(lc.LEDGER_APPEND, Ledger.append_payload(
            EV_REQUEST_RECEIVED, ACTOR_REQUESTER, "bob", lc.encode_request("bob", b"y")))
    violate(led)
    rc = led.wait(timeout=10)
    assert rc not in (0, None) and rc > 0, f"exit status {rc}: {led.stderr()}"
    assert re.search(r"protocol violation|fatal", led.stderr()), led.stderr()
    # Replies before the end are well-formed; then the channel closes.
    with pytest.raises(lc.LedgerGone):
        while True:
            rtype, _, payload = led.recv()
            if rtype == lc.LEDGER_APPENDED:
                a = lc.decode_appended(payload)
                acked[a.seq] = a.hash
            else:
                pytest.fail(f"unexpected reply 0x{rtype:x} after {what}")
    led.close()
    p = lc.verify_cli(data)
    assert p.returncode == 0, p.stdout + p.stderr
    with Ledger(data) as again:
        ok, n, msg = again.verify()
        assert ok, msg
        lc.check_chain(again.records(), acked)
        assert lc.request(again).seq == n + 1


def test_cli_verify_and_show(ledger, data):
    rid = lc.request(ledger, "EXAMPLE\\erin", raw=b"12345").request_id
    lc.disposition(ledger, rid, DISP_PENDING, 0x80094012)
    serial = lc.issue(ledger, rid)
    crl(ledger, 3)
    crl(ledger, 4, 1, 3)
    n = ledger.head()[0]
    assert ledger.close() == 0
    p = lc.verify_cli(data)
    assert p.returncode == 0, p.stdout + p.stderr
    assert re.match(rf"ledger verified: {n} events, the hash chain holds", p.stdout), p.stdout
    p = lc.show_cli(data)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert len(lines) == n
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
    want = [
        rf"1 {stamp} genesis CA$",
        rf"2 {stamp} request-received EXAMPLE\\erin request=1 requester=EXAMPLE\\erin bytes=5$",
        rf"3 {stamp} disposition CA request=1 pending hresult=0x80094012 message=\"[^\"]*\"$",
        rf"4 {stamp} cert-intent CA request=1 serial=[0-9a-f]+$",
        rf"5 {stamp} cert-issued CA request=1 serial=[0-9a-f]+$",
        rf"6 {stamp} disposition CA request=1 issued hresult=0x00000000 message=\"[^\"]*\"$",
        rf"7 {stamp} crl-published CA number=3$",
        rf"8 {stamp} crl-published CA number=4 delta$",
    ]
    for line, pat in zip(lines, want):
        assert re.match(pat, line), (line, pat)
    assert serial  # issued above
    # Usage errors.
    p = lc.cli("serve", "--data", data)
    assert p.returncode != 0 and "--fd" in p.stderr
    p = lc.cli("frobnicate", "--data", data)
    assert p.returncode == 2 and "usage" in p.stderr


def test_view_paging_more_flag_and_columns(ledger):
    names = ["EXAMPLE\\alice", "EXAMPLE\\bob"]
    ids = [lc.request(ledger, names[i % 2]).request_id for i in range(25)]
    assert ids == list(range(1, 26))  # odd ids alice, even ids bob
    for rid in (3, 7, 11, 20, 24):
        lc.disposition(ledger, rid, DISP_PENDING)

    rows, more = ledger.view(limit=10)
    assert [r.request_id for r in rows] == list(range(1, 11)) and more
    rows, more = ledger.view(after_id=10, limit=10)
    assert [r.request_id for r in rows] == list(range(11, 21)) and more
    rows, more = ledger.view(after_id=20, limit=10)
    assert [r.request_id for r in rows] == list(range(21, 26)) and not more
    # Exactly a page left: no "more".
    rows, more = ledger.view(after_id=15, limit=10)
    assert [r.request_id for r in rows] == list(range(16, 26)) and not more
    rows, more = ledger.view(after_id=25, limit=10)
    assert rows == [] and not more
    rows, more = ledger.view(after_id=0xFFFFFFFF, limit=10)
    assert rows == [] and not more
    rows, more = ledger.view(after_id=0, limit=10000)
    assert len(rows) == 25 and not more

    # Paging over a restriction counts matching rows only.
    rows, more = ledger.view(["Disposition==pending"], limit=2)
    assert [r.request_id for r in rows] == [3, 7] and more
    rows, more = ledger.view(["Disposition==pending"], after_id=7, limit=2)
    assert [r.request_id for r in rows] == [11, 20] and more
    rows, more = ledger.view(["Disposition==pending"], after_id=20, limit=2)
    assert [r.request_id for r in rows] == [24] and not more
    assert [r.request_id for r in ledger.view_all(["Disposition==pending"], page=1)] == \
        [3, 7, 11, 20, 24]
    # AND of restrictions; text case-insensitive.
    rows, _ = ledger.view(["RequestID>=5", "RequestID<10", "RequesterName==example\\ALICE"])
    assert [r.request_id for r in rows] == [5, 7, 9]
    rows, _ = ledger.view(["RequestID>5", "RequestID<=10", "Disposition!=pending"])
    assert [r.request_id for r in rows] == [6, 8, 9, 10]
    rows, _ = ledger.view([("SubmittedWhen", ">=", "1970-01-02"), ("ResolvedWhen", "==", 0)])
    assert len(rows) == 25
    assert ledger.view(["SerialNumber==01"])[0] == []  # no serials yet: never matches

    # Columns: the ledger returns whole rows whatever columns were asked for; a
    # column list is accepted in any order.
    all_rows, _ = ledger.view(limit=100)
    for cols in (["RequestID", "SerialNumber"], ["NotAfter", "Disposition", "RequesterName"],
                 list(lc.COLUMNS)):
        rows, more = ledger.view(columns=cols, limit=100)
        assert rows == all_rows and not more
    serial = lc.issue(ledger, 25, not_after=1_900_000_000)
    row = ledger.view(["RequestID==25"], columns=["SerialNumber", "NotAfter"])[0][0]
    assert lc.row_column(row, "SerialNumber") == serial.hex()
    assert lc.row_column(row, "NotAfter") == "2030-03-17T17:46:40Z"
    assert lc.row_column(row, "Disposition") == "issued"
    assert lc.row_column(row, "RevokedWhen") == ""
    assert ledger.verify()[0]


def test_nosync_serve(data):
    acked = {}
    with Ledger(data, nosync=True) as led:
        for a in led.append_all([(EV_REQUEST_RECEIVED, ACTOR_REQUESTER, "bob",
                                   lc.encode_request("bob", b"n" * 100))] * 200):
            acked[a.seq] = a.hash
        lc.issue(led, 1)
        assert led.verify()[0]
    # A process crash loses nothing acknowledged with --nosync either.
    led = Ledger(data, nosync=True).start()
    for a in led.append_all([(EV_REQUEST_RECEIVED, ACTOR_REQUESTER, "bob",
                               lc.encode_request("bob", b"k"))] * 100):
        acked[a.seq] = a.hash
    assert led.kill() == -9
    p = lc.verify_cli(data)
    assert p.returncode == 0, p.stdout + p.stderr
    with Ledger(data) as led:
        lc.check_chain(led.records(), acked)
        assert led.get_request(1).disposition == DISP_ISSUED


# ---- certificate templates (issue 15) -----------------------------------------------
def tmpl(led, action, name, major, minor, text=b"name = t\n", actor="admin"):
    return led.append(lc.EV_TEMPLATE_CHANGED, ACTOR_OPERATOR, actor,
                      lc.encode_template(action, name, major, minor,
                                         text if action != lc.TEMPLATE_REMOVED else b""))


def test_template_events_follow_the_ledger_rules(ledger, data):
    """Template changes as the custodian sends them, encoded here: the latest of each
    name (ASCII case ignored) governs what may follow; each refusal records nothing;
    LEDGER_GET_TEMPLATES lists the latest record of every name, removed ones
    included, byte for byte the journal's; verify and show agree."""
    assert ledger.templates() == []
    a = tmpl(ledger, lc.TEMPLATE_ADDED, "WebServer", 1, 0)
    head = ledger.head()
    refused(tmpl, ledger, lc.TEMPLATE_ADDED, "webserver", 1, 0, match="exists")
    refused(tmpl, ledger, lc.TEMPLATE_CHANGED, "WEBSERVER", 1, 0, match="not above 1.0")
    refused(tmpl, ledger, lc.TEMPLATE_REMOVED, "WebServer", 0, 9, match="not the latest")
    refused(tmpl, ledger, lc.TEMPLATE_CHANGED, "User", 2, 0, match="no such template")
    # the codec's bounds: a name outside [A-Za-z0-9._-], a removal with a text,
    # an addition without one, an unknown action
    for body in (lc.encode_template(lc.TEMPLATE_ADDED, "Web Server", 1, 0, b"t"),
                 lc.encode_template(lc.TEMPLATE_REMOVED, "WebServer", 1, 0, b"t"),
                 lc.encode_template(lc.TEMPLATE_ADDED, "Other", 1, 0, b""),
                 lc.encode_template(4, "Other", 1, 0, b"t")):
        refused(ledger.append, lc.EV_TEMPLATE_CHANGED, ACTOR_OPERATOR, "admin", body)
    assert ledger.head() == head
    c = tmpl(ledger, lc.TEMPLATE_CHANGED, "webserver", 1, 1, b"name = WebServer\n")
    u = tmpl(ledger, lc.TEMPLATE_ADDED, "User", 7, 0)
    r = tmpl(ledger, lc.TEMPLATE_REMOVED, "User", 7, 0)
    got = ledger.templates()
    assert [(x.seq, x.fields["name"], x.fields["action"]) for x in got] == \
        [(r.seq, "User", lc.TEMPLATE_REMOVED), (c.seq, "webserver", lc.TEMPLATE_CHANGED)]
    assert got[1].raw == ledger.get_event(c.seq) and a.seq < c.seq and u.seq < r.seq
    tmpl(ledger, lc.TEMPLATE_ADDED, "user", 1, 0)  # a removed name is free again
    ok, n, msg = ledger.verify()
    assert ok and n == ledger.head()[0], msg
    assert ledger.close() == 0
    p = lc.verify_cli(data)
    assert p.returncode == 0, p.stdout + p.stderr
    show = lc.show_cli(data).stdout
    assert "template-changed admin action=changed name=webserver version=1.1 text=17" \
        in show, show
    assert "action=removed name=User version=7.0 text=0" in show, show
