"""A full disk: the ledger runs on a 64 MiB tmpfs that a filler file leaves almost
full. Appends of ~16 KiB events go on until the ledger refuses one: the refusal must
be LEDGER_ERR_FULL with a clear message, the server must stay up, nothing
acknowledged may be lost, and once space is freed appends resume with the chain
continuing. Needs root (mount); skipped with the reason otherwise."""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

import ledger_client as lc
from ledger_client import (ACTOR_REQUESTER, EV_REQUEST_RECEIVED, LEDGER_ERR_FULL, Ledger,
                           LedgerError, LedgerGone)
from test_admin import ca  # noqa: F401  (the appliance-level reserve test's CA)

EVENT_BYTES = 16 * 1024
MAX_APPENDS = 3000  # 64 MiB / 16 KiB: a ledger that never refuses fails the test


@pytest.fixture
def tmpfs():
    mnt = Path(tempfile.mkdtemp(prefix="ledger-tmpfs-"))
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m,mode=0700", "tmpfs", str(mnt)],
                       capture_output=True, text=True)
    if p.returncode != 0:
        os.rmdir(mnt)
        pytest.skip(f"cannot mount a tmpfs (root needed): {p.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)
        os.rmdir(mnt)


def big_request(i):
    who = "EXAMPLE\\filler"
    return (EV_REQUEST_RECEIVED, ACTOR_REQUESTER, who,
            lc.encode_request(who, b"0\x82" + os.urandom(EVENT_BYTES), lc.FMT_PKCS10,
                              f"n:{i}"))


def fill(mnt, leave):
    """A filler file that leaves about leave bytes free."""
    st = os.statvfs(mnt)
    free = st.f_bavail * st.f_frsize
    filler = mnt / "filler"
    with open(filler, "wb") as f:
        left = max(free - leave, 0)
        chunk = b"\0" * (1 << 20)
        while left > 0:
            n = f.write(chunk[:min(left, len(chunk))])
            left -= n
    return filler


def run_until_refused(led, acked):
    """Appends until the first refusal: the LedgerError. Fails if the server dies."""
    for i in range(MAX_APPENDS):
        try:
            a = led.append(*big_request(i))
        except LedgerError as e:
            return e
        except LedgerGone:
            rc = led.wait()
            pytest.fail(f"the ledger died on a full disk (exit {rc}, "
                        f"{'SIGBUS' if rc == -7 else 'signal' if rc < 0 else 'status'}) "
                        f"after {len(acked)} appends instead of refusing the append:\n"
                        f"{led.stderr()[-2000:]}")
        acked[a.seq] = a.hash
    pytest.fail(f"{MAX_APPENDS} appends of {EVENT_BYTES} bytes fitted a 64 MiB disk")


def disk_full_scenario(mnt, leave, verify_while_full=False):
    """The ledger and the filler in directory mnt (on the tmpfs)."""
    data, _ = lc.new_ledger(mnt)
    acked = {}
    led = Ledger(data).start()
    try:
        for i in range(5):
            a = led.append(*big_request(i))
            acked[a.seq] = a.hash
        filler = fill(mnt, leave)
        err = run_until_refused(led, acked)
        assert err.code == LEDGER_ERR_FULL, err
        assert "disk is full" in err.message or "No space left" in err.message, err.message
        last = max(acked)
        head = led.head()
        assert head == (last, acked[last]), "the refused append moved the head"

        # Still serving, still refusing while full. (Reads while full: the test with
        # verify_while_full below.)
        with pytest.raises(LedgerError) as ei:
            led.append(*big_request(0))
        assert ei.value.code == LEDGER_ERR_FULL
        assert led.head() == head
        assert "append refused" in led.stderr()
        if verify_while_full:
            try:
                lc.check_chain(led.records(), acked)
                ok, n, msg = led.verify()
            except LedgerGone:
                pytest.fail(f"the ledger died reading on a full disk (exit {led.wait()}):\n"
                            f"{led.stderr()[-1000:]}")
            assert ok and n == last, msg

        # Space again: appends resume and the chain continues from the last one.
        filler.unlink()
        lc.check_chain(led.records(), acked)  # nothing acknowledged was lost
        prev = acked[last]
        for i in range(5):
            a = led.append(*big_request(i))
            assert a.seq == last + 1 + i
            assert lc.decode_record(led.get_event(a.seq)).prev == prev
            acked[a.seq] = prev = a.hash
        ok, n, msg = led.verify()
        assert ok and n == last + 5, msg
        assert led.close() == 0, led.stderr()
    finally:
        if led.alive():
            led.kill()
    p = lc.verify_cli(data)
    assert p.returncode == 0, p.stdout + p.stderr
    with Ledger(data) as again:
        lc.check_chain(again.records(), acked)


def test_disk_full_refuses_with_storage_error_and_loses_nothing(tmpfs):
    # The environment's regions live on a memory filesystem (CONFIG_LEDGER_REGION_DIR):
    # whatever room is left, the full data disk surfaces as ENOSPC, never SIGBUS.
    disk_full_scenario(tmpfs, 4 << 20)


def test_disk_full_never_kills_the_ledger_whatever_room_is_left(tmpfs):
    died = []
    for leave in (64 << 10, 256 << 10, 1 << 20, 2 << 20, 4 << 20, 8 << 20):
        sub = tmpfs / f"left-{leave}"
        sub.mkdir()
        try:
            disk_full_scenario(sub, leave)
        except pytest.fail.Exception as e:
            died.append(f"{leave >> 10} KiB left: {str(e).splitlines()[0]}")
        finally:
            shutil.rmtree(sub)
    assert not died, "\n".join(died)


def test_disk_full_reads_while_full_do_not_kill_the_ledger(tmpfs):
    disk_full_scenario(tmpfs, 4 << 20, verify_while_full=True)


# ---- the reserve (issue 13, item 3): space kept for CRLs and operator actions -------

RESERVE_MB, LOW_MB = 16, 32
MIB = 1 << 20


def free_mib(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize / MIB


def low_space_events(records):
    return [r for r in records if r.type == lc.EV_OPERATOR_ACTION and
            r.fields["action"] == "low-disk-space"]


def crl_event(number):
    return (lc.EV_CRL_PUBLISHED, lc.ACTOR_CA, "CA",
            lc.encode_crl(number, 1800000000, 1800600000, b"0\x82crl-" + os.urandom(64)))


def operator_event(detail):
    return (lc.EV_OPERATOR_ACTION, lc.ACTOR_OPERATOR, "admin",
            lc.encode_operator("revoke", "1a2b", 1, detail))


LEDGER_APPEND_GROUP, LEDGER_APPENDED_GROUP = 0x202, 0x203  # firmware/ledger/proto.h


def append_group(led, events):
    """LEDGER_APPEND_GROUP: u32 n, then n byte strings each holding one event."""
    w = lc.W().u32(len(events))
    for e in events:
        w.bytes(led.append_payload(*e))
    return led.call(LEDGER_APPEND_GROUP, w.done(), LEDGER_APPENDED_GROUP)


def small_request(i):
    who = "anonymous@192.0.2.7"
    return (EV_REQUEST_RECEIVED, ACTOR_REQUESTER, who,
            lc.encode_request(who, b"0\x82" + os.urandom(200), lc.FMT_PKCS10, f"n:{i}"))


def test_reserve_keeps_room_for_crls_and_operators(tmpfs):
    """`ca-ledger serve --reserve-mb 16 --low-space-mb 32` on a 64 MiB tmpfs. Between
    the threshold and the reserve: appends go on, the warning is logged and
    journaled once. Below the reserve (about 8 MiB left, far from full): a request
    and a request+disposition group are refused with LEDGER_ERR_FULL and a
    message that names the reserve, the head does not move (nothing half
    recorded); a CRL and an operator's event are still recorded. Space freed:
    requests again, and a new crossing journals a new warning."""
    data, _ = lc.new_ledger(tmpfs)
    led = Ledger(data, extra=["--reserve-mb", RESERVE_MB, "--low-space-mb", LOW_MB]).start()
    try:
        led.append(*small_request(0))
        assert low_space_events(led.records()) == []  # 60-odd MiB free: no warning

        filler = fill(tmpfs, (RESERVE_MB + LOW_MB) // 2 * MIB)  # 24 MiB left
        assert RESERVE_MB < free_mib(tmpfs) < LOW_MB
        for i in range(3):
            led.append(*small_request(1 + i))
        warned = low_space_events(led.records())
        assert len(warned) == 1, warned
        assert warned[0].actor == "ledger" and "below ledger_low_space_mb = 32" in \
            warned[0].fields["detail"]
        assert "low on space" in led.stderr()

        filler.unlink()
        filler = fill(tmpfs, RESERVE_MB // 2 * MIB)  # 8 MiB left: below the reserve
        assert 0 < free_mib(tmpfs) < RESERVE_MB
        head = led.head()
        with pytest.raises(LedgerError) as ei:
            led.append(*small_request(9))
        assert ei.value.code == LEDGER_ERR_FULL
        assert "reserve" in ei.value.message and "ledger_reserve_mb" in ei.value.message
        req = small_request(10)
        disp = (lc.EV_DISPOSITION, lc.ACTOR_CA, "CA", lc.encode_disposition(0, 30, 5, "x"))
        with pytest.raises(LedgerError) as ei:
            append_group(led, [req, disp])
        assert ei.value.code == LEDGER_ERR_FULL
        assert led.head() == head  # nothing of either was recorded

        crl = led.append(*crl_event(1))
        op = led.append(*operator_event("below the reserve"))
        assert (crl.seq, op.seq) == (head[0] + 1, head[0] + 2)
        assert len(low_space_events(led.records())) == 1  # still one crossing

        filler.unlink()
        led.append(*small_request(11))
        filler = fill(tmpfs, (RESERVE_MB + LOW_MB) // 2 * MIB)
        led.append(*small_request(12))
        assert len(low_space_events(led.records())) == 2  # a second crossing
        lc.check_chain(led.records())
        ok, n, msg = led.verify()
        assert ok, msg
        assert led.close() == 0, led.stderr()
    finally:
        if led.alive():
            led.kill()
    p = lc.verify_cli(data)
    assert p.returncode == 0, p.stdout + p.stderr


@pytest.fixture
def ca_on_small_ledger_disk(ca):
    """test_admin's CA (an administrator, anonymous enrollment, pend) whose
    DATA/ledger is moved onto a 64 MiB tmpfs (owner and mode kept), with
    ledger_reserve_mb = 16 and ledger_low_space_mb = 32 in ca.conf."""
    led = ca["data"] / "ledger"
    st = os.stat(led)
    orig = ca["tmp"] / "ledger.orig"
    subprocess.run(["cp", "-a", str(led), str(orig)], check=True)
    shutil.rmtree(led)
    led.mkdir()
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m,mode=0700", "tmpfs", str(led)],
                       capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs (root needed): {p.stderr.strip()}")
    try:
        subprocess.run(["cp", "-a", f"{orig}/.", str(led)], check=True)
        os.chown(led, st.st_uid, st.st_gid)
        conf = ca["data"] / "ca.conf"
        conf.write_text(conf.read_text() +
                        f"ledger_reserve_mb = {RESERVE_MB}\nledger_low_space_mb = {LOW_MB}\n")
        yield ca
    finally:
        subprocess.run(["umount", "-l", str(led)], capture_output=True)


def test_appliance_below_the_reserve_refuses_enrollment_but_publishes_crls(
        ca_on_small_ledger_disk):
    """cad with the ledger's filesystem left between the reserve and zero (8 MiB
    free of 64): an enrollment is refused (ERROR_DISK_FULL to the client, which
    careq explains, the reason named in the log) and not recorded at all, while `caadm crl` by the
    administrator still publishes a CRL openssl verifies, recorded under the
    operator's name with the login; the low-space warning is journaled once; the ledger
    verifies afterwards."""
    import icpr_client as ic
    from conftest import BIN, crl_verified, run
    from test_admin import CA_NAME, caadm, submit
    ca = ca_on_small_ledger_disk
    led_dir = ca["data"] / "ledger"
    a = ic.Appliance(ca["data"], ca["token"].pin_file)
    try:
        rv, rid, disp, _, _, _ = submit(a, ca["tmp"], "before.example")
        assert (rv, disp) == (0, 5) and rid == 1  # pending: recorded

        filler = fill(led_dir, RESERVE_MB // 2 * MIB)
        assert 0 < free_mib(led_dir) < RESERVE_MB
        rv, rid, disp, _, cert, msg = submit(a, ca["tmp"], "refused.example")
        # HRESULT_FROM_WIN32(ERROR_DISK_FULL), not E_UNEXPECTED: come back later.
        assert (rv, cert) == (0x80070070, b""), (hex(rv), hex(disp), msg)
        a.wait_for("below the reserve of 16 MiB (ledger_reserve_mb)")
        run(BIN / "careq", "new", "-subject", "CN=careq-refused.example",
            ca["tmp"] / "full.key", ca["tmp"] / "full.req")
        p = run(BIN / "careq", "submit", "-config", f"127.0.0.1:{a.epm_port}\\{CA_NAME}",
                ca["tmp"] / "full.req", ca["tmp"] / "full.crt", check=False)
        assert p.returncode != 0 and "0x80070070 (ERROR_DISK_FULL)" in p.stderr, p.stderr
        assert "short of disk space" in p.stderr, p.stderr

        out = caadm(ca, "admin", "crl").stdout
        assert "CRL" in out, out
        crl_verified(ca["data"] / "crl" / "ca.crl", ca["data"] / "ca.crt")

        show = run(BIN / "ca-ledger", "show", "--data", ca["data"]).stdout
        kinds = [ln.split()[2] for ln in show.splitlines()]
        assert kinds.count("request-received") == 1, show  # the refused one is not there
        assert kinds.count("disposition") == 1, show
        assert kinds.count("crl-published") == 1, show
        assert show.count("action=low-disk-space") == 1, show
        lines = show.splitlines()
        assert any("crl-published admin number=1" in ln for ln in lines), show
        assert any("operator-action admin action=login" in ln for ln in lines), show

        # Refusals are still answered at once with their own HRESULT; the ledger
        # cannot take them now, so the custodian keeps their count, and journals
        # it once there is room again (here at its shutdown).
        big = b"A" * 70000
        for _ in range(5):
            dce = ic.connect(ic.lookup(a.epm_port))
            rv, rid, disp, _, cert, msg = ic.cert_server_request(dce, CA_NAME, big)
            dce.disconnect()
            assert (rv, rid, disp, cert) == (0, 0, 0x80070057, b""), (hex(rv), rid, msg)
        filler.unlink()
    finally:
        a.stop()
    show = run(BIN / "ca-ledger", "show", "--data", ca["data"]).stdout
    refused = [ln for ln in show.splitlines() if "refused bytes=70000" in ln]
    assert sum(int(ln.split("count=")[1].split()[0]) for ln in refused) == 5, show
    run(BIN / "caadm", "verify", "--data", ca["data"])
