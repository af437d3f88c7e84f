"""A full disk: the ledger runs on a 64 MiB tmpfs that a filler file leaves almost
full. Appends of ~16 KiB events go on until the ledger refuses one: the refusal must
be LEDGER_ERR_STORAGE with a clear message, the server must stay up, nothing
acknowledged may be lost, and once space is freed appends resume with the chain
continuing. Needs root (mount); skipped with the reason otherwise."""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

import ledger_client as lc
from ledger_client import (ACTOR_REQUESTER, EV_REQUEST_RECEIVED, LEDGER_ERR_STORAGE, Ledger,
                           LedgerError, LedgerGone)

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
        assert err.code == LEDGER_ERR_STORAGE, err
        assert "disk is full" in err.message or "No space left" in err.message, err.message
        last = max(acked)
        head = led.head()
        assert head == (last, acked[last]), "the refused append moved the head"

        # Still serving, still refusing while full. (Reads while full: the test with
        # verify_while_full below.)
        with pytest.raises(LedgerError) as ei:
            led.append(*big_request(0))
        assert ei.value.code == LEDGER_ERR_STORAGE
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
