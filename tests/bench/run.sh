#!/bin/sh
# Runs the benchmarks: `make bench` (or tests/bench/run.sh BUILD_DIR [all|sign|ledger]).
#
# sign:   makes a throw-away SoftHSM token and two CAs (RSA-3072 and P-256), then
#         compares certificate issuance through the custodian's IPC with raw
#         C_Sign on the same key, alternating the two in one run.
# ledger: durable ledger appends through ca-ledger's IPC (1 and 16 in flight,
#         with and without --nosync) against raw write + fdatasync, alternating,
#         in a throw-away directory; ends with `ca-ledger verify`.
# all (the default) runs sign then ledger. BENCH_LEDGER_ONLY=1 is the same as
# `ledger` (for `BENCH_LEDGER_ONLY=1 make bench`).
#
# Tuning: BENCH_SECONDS, BENCH_ROUNDS (both parts), BENCH_THREADS (sign),
# BENCH_LEDGER_WINDOWS (appends in flight, default "1,16"), BENCH_LEDGER_TMP (where
# the ledger's directory goes, default /tmp: it must be a real disk, not tmpfs).
set -eu
build=${1:-build}
build=$(cd "$build" && pwd)
what=${2:-all}
if [ "${BENCH_LEDGER_ONLY:-0}" = 1 ]; then
    what=ledger
fi
case $what in
all|sign|ledger) ;;
*) echo "usage: $0 [BUILD_DIR] [all|sign|ledger]" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${BENCH_SECONDS:-3}
rounds=${BENCH_ROUNDS:-3}
threads=${BENCH_THREADS:-"1 2"}
windows=${BENCH_LEDGER_WINDOWS:-1,16}
work=$(mktemp -d /tmp/ca-bench.XXXXXX)
ledger_tmp=
# Each ledger's Berkeley DB regions live in /dev/shm/ca-ledger-<its region-id>
# (firmware/ledger/store.h): they go with the throw-away data directories.
cleanup() {
    find "$work" ${ledger_tmp:+"$ledger_tmp"} -name region-id 2>/dev/null |
        while read -r f; do rm -rf "/dev/shm/ca-ledger-$(cat "$f")"; done
    rm -rf "$work" ${ledger_tmp:+"$ledger_tmp"}
}
trap cleanup EXIT

if [ "$what" != ledger ]; then
    "$top/hsm/provision-softhsm.sh" "$work/token" bench "$build/bin" >/dev/null
    for key in rsa:3072 ec:p256; do
        d="$work/ca-$(echo "$key" | tr : -)"
        "$build/bin/caadm" init --root --data "$d" --key "$key" --token bench \
            --softhsm-conf "$work/token/softhsm2.conf" --pin-file "$work/token/user.pin" \
            --subject "CN=Bench $key" >/dev/null
        for t in $threads; do
            echo "== $key, custodian issuance vs raw C_Sign =="
            "$build/tests/bench_sign" --data "$d" --pin-file "$work/token/user.pin" \
                --custodian "$build/bin/ca-custodian" --seconds "$secs" --rounds "$rounds" \
                --threads "$t"
        done
    done
fi

if [ "$what" != sign ]; then
    ledger_tmp=$(mktemp -d "${BENCH_LEDGER_TMP:-/tmp}/ca-bench-ledger.XXXXXX")
    echo "== ledger, durable appends through ca-ledger vs raw write + fdatasync =="
    "$build/tests/bench_ledger" --ledger "$build/bin/ca-ledger" --dir "$ledger_tmp/d" \
        --seconds "$secs" --rounds "$rounds" --windows "$windows" || {
        rc=$?
        echo "bench_ledger failed (exit $rc): kept $ledger_tmp" >&2
        ledger_tmp=
        exit $rc
    }
fi
