#!/bin/sh
# Runs the benchmarks: `make bench` (or tests/bench/run.sh BUILD_DIR).
# Makes a throw-away SoftHSM token and two CAs (RSA-3072 and P-256), then
# compares certificate issuance through the custodian's IPC with raw C_Sign on
# the same key, alternating the two in one run. SECONDS/ROUNDS/THREADS tune it.
set -eu
build=${1:-build}
build=$(cd "$build" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${BENCH_SECONDS:-3}
rounds=${BENCH_ROUNDS:-3}
threads=${BENCH_THREADS:-"1 2"}
work=$(mktemp -d /tmp/ca-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

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
