"""Crash safety: a writer pipelines appends (requests, intents with fresh random
serials, certificates, dispositions) against `ca-ledger serve`, which is SIGKILLed at
random moments, again and again. After each kill the ledger reopens (recovery), and:
every acknowledged append is there with the very record hash APPENDED reported,
`ca-ledger verify` passes, request ids never repeat and keep growing. At the end the
whole journal is replayed here, independently of the ledger's own verify."""
import os
import random
import threading
import time

import ledger_client as lc
from ledger_client import (ACTOR_CA, ACTOR_REQUESTER, DISP_ISSUED, DISP_PENDING,
                           EV_CERT_INTENT, EV_CERT_ISSUED, EV_DISPOSITION,
                           EV_REQUEST_RECEIVED, Appended, Ledger, LedgerGone)

KILLS = int(os.environ.get("LEDGER_CRASH_KILLS", "80"))
NB, NA = 1_800_000_000, 1_831_536_000


class Writer:
    """The client's view: what was acknowledged, and where each request stands."""

    def __init__(self, rng):
        self.rng = rng
        self.acked = {}        # seq -> record hash from APPENDED
        self.acked_ids = []    # (seq, request id) of acknowledged requests
        self.stage = {}        # request id -> "new" | "pending" | "intent" | "issued"
        self.serial = {}       # request id -> serial of its acknowledged intent
        self.sent_serials = set()
        self.n = 0

    def round(self):
        """One pipelined burst: new requests, and one step for requests under way."""
        evs, meta = [], []
        for _ in range(self.rng.randint(4, 24)):
            self.n += 1
            who = f"EXAMPLE\\user{self.n % 97}"
            evs.append((EV_REQUEST_RECEIVED, ACTOR_REQUESTER, who,
                        lc.encode_request(who, b"0\x82" + os.urandom(self.rng.randint(50, 900)),
                                          lc.FMT_PKCS10, "CertificateTemplate:User")))
            meta.append(("request", None, None))
        for rid, st in list(self.stage.items()):
            if st in ("new", "pending") and self.rng.random() < 0.15:
                evs.append((EV_DISPOSITION, ACTOR_CA, "CA",
                            lc.encode_disposition(rid, DISP_PENDING, 0x80094012, "pending")))
                meta.append(("pending", rid, None))
            elif st in ("new", "pending"):
                serial = lc.new_serial(self.rng.choice([8, 16, 20]))
                assert serial not in self.sent_serials
                self.sent_serials.add(serial)
                evs.append((EV_CERT_INTENT, ACTOR_CA, "CA",
                            lc.encode_intent(rid, serial, os.urandom(32), NB, NA)))
                meta.append(("intent", rid, serial))
            elif st == "intent":
                s = self.serial[rid]
                evs.append((EV_CERT_ISSUED, ACTOR_CA, "CA",
                            lc.encode_issued(rid, s, NB, NA, b"0\x82cert" + s + os.urandom(400))))
                meta.append(("issued", rid, s))
            elif st == "issued":
                evs.append((EV_DISPOSITION, ACTOR_CA, "CA",
                            lc.encode_disposition(rid, DISP_ISSUED, 0, "Issued")))
                meta.append(("done", rid, None))
        self.rng.shuffle(order := list(range(len(evs))))
        return [evs[i] for i in order], [meta[i] for i in order]

    def on_result(self, meta):
        def cb(i, res):
            assert isinstance(res, Appended), f"append refused: {res} ({meta[i]})"
            assert res.seq not in self.acked, f"seq {res.seq} acknowledged twice"
            self.acked[res.seq] = res.hash
            kind, rid, serial = meta[i]
            if kind == "request":
                assert res.request_id > 0
                self.acked_ids.append((res.seq, res.request_id))
                self.stage[res.request_id] = "new"
            elif kind == "pending":
                self.stage[rid] = "pending"
            elif kind == "intent":
                self.stage[rid] = "intent"
                self.serial[rid] = serial
            elif kind == "issued":
                self.stage[rid] = "issued"
            else:
                del self.stage[rid]
                self.serial.pop(rid, None)
        return cb

    def reconcile(self, led):
        """After a crash, events sent but not acknowledged may have been committed:
        read back where each request under way stands."""
        rids = [rid for rid, st in self.stage.items() if st in ("intent", "issued")]
        if not rids:
            return
        replies = led.call_many([(lc.LEDGER_GET_REQUEST, lc.W().u32(r).done()) for r in rids])
        for rid, (rtype, data) in zip(rids, replies):
            assert rtype == lc.LEDGER_REQUEST, f"request {rid} vanished"
            row = lc.decode_request_row(data)
            if row.disposition == DISP_ISSUED:
                del self.stage[rid]
            elif row.serial:
                self.stage[rid] = "issued"
                self.serial[rid] = row.serial


def check_acked(led, w, since):
    """Every acknowledged event from seq since on has the hash APPENDED gave."""
    seqs = sorted(s for s in w.acked if s >= since)
    head, _ = led.head()
    assert not seqs or head >= seqs[-1], f"head {head} behind acknowledged {seqs[-1]}"
    got = led.get_events(seqs)
    for s in seqs:
        assert not isinstance(got[s], lc.LedgerError), f"acknowledged event {s}: {got[s]}"
        assert lc.record_hash(got[s]) == w.acked[s], f"acknowledged event {s} changed"
    return head


def one_cycle(rng, w, data, led, cycle, st):
    """Start (done by the caller), check, write until killed, verify."""
    seed = st["seed"]
    if cycle % 7 == 3:
        # Now and then, kill it while it opens (recovery of the previous crash).
        time.sleep(rng.uniform(0, 0.02))
        assert led.kill() == -9, f"seed {seed}: {led.stderr()}"
        st["kills"] += 1
        st["startup_kills"] += 1
        return
    head = check_acked(led, w, st["checked_to"])
    assert head >= st["last_head"], \
        f"seed {seed}: the head went back from {st['last_head']} to {head}"
    st["checked_to"] = max(w.acked, default=1) + 1
    w.reconcile(led)
    killer = threading.Timer(rng.uniform(0.0, 0.1), led.proc.kill)
    killer.start()
    try:
        while True:
            evs, meta = w.round()
            led.append_many(evs, on_result=w.on_result(meta))
    except LedgerGone:
        pass
    finally:
        killer.cancel()
        killer.join()
    rc = led.wait()
    led.close()
    assert rc == -9, f"seed {seed}: the ledger exited {rc} on its own:\n{led.stderr()}"
    st["kills"] += 1
    p = lc.verify_cli(data)
    assert p.returncode == 0, f"seed {seed}, after kill {st['kills']}:\n{p.stdout}{p.stderr}"
    st["last_head"] = int(p.stdout.split()[2])
    assert st["last_head"] >= max(w.acked, default=1)


def test_sigkill_at_random_moments_loses_nothing_acknowledged(tmp_path):
    seed = int(os.environ.get("LEDGER_CRASH_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    data, _ = lc.new_ledger(tmp_path)
    w = Writer(rng)
    st = {"seed": seed, "kills": 0, "startup_kills": 0, "checked_to": 1, "last_head": 1}
    t0 = time.monotonic()
    for cycle in range(KILLS):
        led = Ledger(data).start()
        try:
            one_cycle(rng, w, data, led, cycle, st)
        finally:
            if led.alive():
                led.kill()
    elapsed = time.monotonic() - t0
    kills = st["kills"]
    assert kills >= 50

    # The whole run, replayed here.
    with Ledger(data) as led:
        recs = led.records()
        ok, n, msg = led.verify()
        assert ok and n == len(recs), msg
    lc.check_chain(recs, w.acked)
    ids = [r.fields["request_id"] for r in recs if r.type == EV_REQUEST_RECEIVED]
    assert ids == list(range(1, len(ids) + 1)), "request ids repeat or skip"
    acked_ids = [rid for _, rid in sorted(w.acked_ids)]
    assert acked_ids == sorted(set(acked_ids)), "acknowledged request ids not increasing"
    for seq, rid in w.acked_ids:
        assert recs[seq - 1].fields["request_id"] == rid
    intents = [r.fields["serial"] for r in recs if r.type == EV_CERT_INTENT]
    assert len(intents) == len(set(intents)), "a serial was reserved twice"
    issued = [r.fields["serial"] for r in recs if r.type == EV_CERT_ISSUED]
    assert len(issued) == len(set(issued)), "a serial was issued twice"
    assert set(issued) <= set(intents)
    print(f"seed {seed}: {kills} kills ({st['startup_kills']} while opening), {len(recs)} "
          f"events, {len(w.acked)} acknowledged, {len(ids)} requests, {len(issued)} "
          f"certificates in {elapsed:.1f} s")
    assert len(w.acked) > 10 * KILLS, "too few appends between kills to mean much"
