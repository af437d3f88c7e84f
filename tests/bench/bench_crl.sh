#!/bin/sh
# CRL generation at scale: tests/bench/bench_crl.sh BUILD WORK TOKEN_DIR KEY
# (run.sh's `crl` part calls it once per key type; see README.md).
#
# For each size N of BENCH_CRL_SIZES (default 10^4 10^5 10^6), makes a CA with KEY
# on the token in TOKEN_DIR (provision-softhsm.sh's layout), gives its ledger N
# revoked certificates with ledger_fill (placeholders through the ledger's own
# rules; not timed; a fresh CA each time because a ledger that cad has run belongs
# to the ledger's user afterwards), starts cad, logs in once, and times
# `caadm crl` BENCH_ROUNDS times: the console's request, the revoked set read
# from the ledger, the TBS written, linted, signed in SoftHSM, recorded in the
# ledger (durable) and written to DATA/crl/ca.crl. In the same run,
# openssl_gencrl.sh times `openssl ca -gencrl` on an index of N revoked entries
# with the same SoftHSM key through the pkcs11 engine. Both CRLs are checked
# with `openssl crl -CAfile` and their entries counted. Prints one line per
# measurement and a summary per size: medians and the ratio openssl / ours.
# Targets (issue 6): 10^6 entries under 2 s, and at least twice as fast as
# openssl at every size. Exit status 1 if a CRL does not verify, has the wrong
# number of entries, or the ledger does not verify at the end.
set -eu
build=$1 work=$2 token=$3 key=$4
here=$(cd "$(dirname "$0")" && pwd)
sizes=${BENCH_CRL_SIZES:-"10000 100000 1000000"}
rounds=${BENCH_ROUNDS:-3}
pass="$work/crl-admin.pass"
status=0

now() { date +%s.%N; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

# The number of entries in a DER CRL, and its signature checked against the CA
# (`openssl crl -CAfile` exits 0 whatever the outcome: its "verify OK" counts).
crl_entries() {
    openssl crl -inform DER -in "$1" -CAfile "$d/ca.crt" -noout 2>&1 | grep -q '^verify OK' ||
        return 1
    openssl crl -inform DER -in "$1" -noout -text | grep -c 'Serial Number:'
}

# A CA of its own for each size, without automatic CRLs while measuring; the CDP
# URL gives the CRLs their IDP, as a production CA's would.
make_ca() {
    "$build/bin/caadm" init --root --data "$d" --key "$key" --token bench \
        --softhsm-conf "$token/softhsm2.conf" --pin-file "$token/user.pin" \
        --subject "CN=CRL Bench $key $1" --admin bench --admin-passphrase-file "$pass" \
        >/dev/null
    printf 'crl_auto = 0\ncdp_url = http://pki.example/crl-bench.crl\n' >>"$d/ca.conf"
}

# The CA directory and its ledger's memory regions (/dev/shm, see store.h).
drop_ca() {
    [ -f "$d/ledger/region-id" ] && rm -rf "/dev/shm/ca-ledger-$(cat "$d/ledger/region-id")"
    rm -rf "$d"
}

# (run.sh made $work reachable by the ledger's and the custodian's users.)
export CAADM_SESSION="$work/crl-session"
printf 'bench-admin-passphrase\n' >"$pass"
chmod 600 "$pass"
for n in $sizes; do
    d="$work/crl-$(echo "$key" | tr : -)-$n"
    make_ca "$n"
    "$build/tests/ledger_fill" "$d" "$n" >/dev/null

    log="$d/bench-cad-$n.log"
    "$build/bin/cad" --data "$d" --pin-file "$token/user.pin" --epm 127.0.0.1:0 \
        --icpr 127.0.0.1:0 2>"$log" &
    cad=$!
    i=0
    until grep -q "serving CA" "$log"; do
        i=$((i + 1))
        [ $i -lt 300 ] || { echo "cad did not start:" >&2; cat "$log" >&2; exit 1; }
        sleep 0.1
    done
    "$build/bin/caadm" --data "$d" --passphrase-file "$pass" login bench >/dev/null
    ours=""
    r=0
    while [ $r -lt "$rounds" ]; do
        r=$((r + 1))
        t0=$(now)
        "$build/bin/caadm" --data "$d" crl >/dev/null
        t=$(echo "$(now) $t0" | awk '{printf "%.3f", $1 - $2}')
        ours="$ours $t"
        phases=$(grep "ms: ledger walk" "$log" | tail -1 | sed 's/.*entries, //')
        echo "ours     $key N=$n round $r: $t s ($phases)"
    done
    "$build/bin/caadm" --data "$d" logout >/dev/null || true
    kill -TERM "$cad"
    wait "$cad" || true
    got=$(crl_entries "$d/crl/ca.crl") || got="bad signature"
    [ "$got" = "$n" ] || { echo "ours: the CRL has $got entries, not $n" >&2; status=1; }

    theirs=""
    r=0
    while [ $r -lt "$rounds" ]; do
        r=$((r + 1))
        line=$("$here/openssl_gencrl.sh" "$d" "$n" "$work/openssl-$n")
        t=$(echo "$line" | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p')
        theirs="$theirs $t"
        echo "openssl  $key N=$n round $r: $t s ($line)"
    done
    got=$(crl_entries "$work/openssl-$n/openssl.der") || got="bad signature"
    [ "$got" = "$n" ] || { echo "openssl: the CRL has $got entries, not $n" >&2; status=1; }
    rm -rf "$work/openssl-$n"

    mo=$(echo "$ours" | median)
    mt=$(echo "$theirs" | median)
    echo "$key N=$n: ours $mo s, openssl ca -gencrl $mt s, openssl/ours $(echo "$mt $mo" |
        awk '{printf "%.1f", $1 / $2}')x (medians of $rounds)"
    "$build/bin/caadm" verify --data "$d" || status=1
    drop_ca
done
exit $status
