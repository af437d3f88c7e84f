#!/bin/sh
# Runs the benchmarks: `make bench` (or tests/bench/run.sh BUILD_DIR
# [all|x509crl|sign|ledger|enroll|crl]).
#
# sign:   makes a throw-away SoftHSM token and two CAs (RSA-3072 and P-256), then
#         compares certificate issuance through the custodian's IPC with raw
#         C_Sign on the same key, alternating the two in one run.
# ledger: durable ledger appends through ca-ledger's IPC (1 and 16 in flight,
#         with and without --nosync) against raw write + fdatasync, alternating,
#         in a throw-away directory; ends with `ca-ledger verify`.
# enroll: the same token and CAs, set to issue automatically with
#         IF_ENFORCEENCRYPTICERTREQUEST off; bench_enroll starts cad on them and
#         counts certificates issued end to end over MS-ICPR (1, 4 and 16
#         connections, durable ledger) against raw C_Sign with as many sessions as
#         the custodian's HSM pool, alternating; ends with `caadm verify`. Each
#         measurement is made twice in the same round: unauthenticated, then with
#         NTLM at packet privacy (a logon through ca-auth per connection, every
#         fragment sealed), for the account BENCH\bench (BENCH_NTLM=0: skip);
#         with BENCH_KRB=1, a third time with Kerberos at packet privacy (SPNEGO,
#         DCE style, a new AP-REQ per connection) for CA.TEST\alice of a private
#         MIT realm on loopback (bench_kdc.py: tests/integration/kdc.py's KDC,
#         the CA's keytab installed with caadm, kinit + kvno into a ccache).
# crl:    for each key, CRL publication (`caadm crl` against cad) with 10^4, 10^5
#         and 10^6 revoked certificates in the ledger, against `openssl ca
#         -gencrl` on an index of the same size with the same SoftHSM key
#         through the pkcs11 engine, alternating (bench_crl.sh; about 10 min).
# x509crl: the x509 layer's share of a large CRL (bench_x509_crl: encode, lint,
#         hash, assemble, decode at 10^4, 10^5, 10^6 entries; no HSM, seconds).
# all (the default) runs x509crl, sign, ledger, enroll, then crl. BENCH_LEDGER_ONLY=1 is the
# same as `ledger` (for `BENCH_LEDGER_ONLY=1 make bench`).
#
# Tuning: BENCH_SECONDS, BENCH_ROUNDS (every part), BENCH_THREADS (sign),
# BENCH_LEDGER_WINDOWS (appends in flight, default "1,16"), BENCH_LEDGER_TMP (where
# the ledger's directory goes, default /tmp: it must be a real disk, not tmpfs),
# BENCH_CONNS (enroll: connections, default "1,4,16"), BENCH_ENROLL_ARENA_MAX
# (enroll: glibc.malloc.arena_max for cad and its children, unset by default; see
# tests/bench/README.md), BENCH_KEYS (sign and enroll: default "rsa:3072 ec:p256"),
# BENCH_NTLM=0 (enroll: no NTLM half), BENCH_KRB=1 (enroll: also Kerberos at packet
# privacy against a private MIT realm; needs krb5-kdc, krb5-admin-server, krb5-user and
# /usr/bin/python3), BENCH_RECONNECT=1 (enroll: a new connection,
# and with NTLM a new logon, per call), BENCH_CSRS (enroll: how many distinct requests
# the clients cycle through; default 1024 with EC client keys, 64 with RSA), BENCH_CLIENT_KEY (enroll: the requests'
# keys, default ec:p256; rsa:2048 is Windows' certreq default), BENCH_DCOM=1 (enroll:
# also over MS-WCCE/DCOM after the NTLM half, ICertRequestD2::Request2 on an object
# activated once per connection, or per certificate with BENCH_RECONNECT=1; needs
# the NTLM half), BENCH_CRL_SIZES (crl: default "10000 100000
# 1000000", ascending).
set -eu
build=${1:-build}
build=$(cd "$build" && pwd)
what=${2:-all}
if [ "${BENCH_LEDGER_ONLY:-0}" = 1 ]; then
    what=ledger
fi
case $what in
all|x509crl|sign|ledger|enroll|crl) ;;
*) echo "usage: $0 [BUILD_DIR] [all|x509crl|sign|ledger|enroll|crl]" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${BENCH_SECONDS:-3}
rounds=${BENCH_ROUNDS:-3}
threads=${BENCH_THREADS:-"1 2"}
windows=${BENCH_LEDGER_WINDOWS:-1,16}
conns=${BENCH_CONNS:-1,4,16}
keys=${BENCH_KEYS:-"rsa:3072 ec:p256"}
work=$(mktemp -d /tmp/ca-bench.XXXXXX)
# As root, cad runs the ledger and the custodian under their own users: they must
# reach the CA directories under this (mktemp: 0700) directory.
chmod 711 "$work"
ledger_tmp=
kdc_pid=
# Each ledger's Berkeley DB regions live in /dev/shm/ca-ledger-<its region-id>
# (firmware/ledger/store.h): they go with the throw-away data directories.
cleanup() {
    if [ -n "$kdc_pid" ]; then
        kill "$kdc_pid" 2>/dev/null || true
        wait "$kdc_pid" 2>/dev/null || true
    fi
    find "$work" ${ledger_tmp:+"$ledger_tmp"} -name region-id 2>/dev/null |
        while read -r f; do rm -rf "/dev/shm/ca-ledger-$(cat "$f")"; done
    rm -rf "$work" ${ledger_tmp:+"$ledger_tmp"}
}
trap cleanup EXIT
trap 'exit 130' HUP INT TERM

# The CA of each key, made once for sign and enroll: $work/ca-rsa-3072 ...
ca_dir() {
    d="$work/ca-$(echo "$1" | tr : -)"
    if [ ! -d "$d" ]; then
        [ -d "$work/token" ] ||
            "$top/hsm/provision-softhsm.sh" "$work/token" bench "$build/bin" >/dev/null
        "$build/bin/caadm" init --root --data "$d" --key "$1" --token bench \
            --softhsm-conf "$work/token/softhsm2.conf" --pin-file "$work/token/user.pin" \
            --subject "CN=Bench $1" >/dev/null
    fi
}

if [ "$what" = all ] || [ "$what" = x509crl ]; then
    echo "== x509: CRL of 10^4, 10^5, 10^6 entries: encode, lint, hash, assemble, decode =="
    "$build/tests/bench_x509_crl" --rounds "$rounds"
fi

if [ "$what" = all ] || [ "$what" = sign ]; then
    for key in $keys; do
        ca_dir "$key"
        for t in $threads; do
            echo "== $key, custodian issuance vs raw C_Sign =="
            "$build/tests/bench_sign" --data "$d" --pin-file "$work/token/user.pin" \
                --custodian "$build/bin/ca-custodian" --seconds "$secs" --rounds "$rounds" \
                --threads "$t"
        done
    done
fi

if [ "$what" = all ] || [ "$what" = ledger ]; then
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

# BENCH_KRB=1: the realm, for the Kerberos half of enroll (at most 60 s to start).
kdc_start() {
    /usr/bin/python3 "$here/bench_kdc.py" "$work/krb5.keytab" "$work/krb.env" \
        >"$work/kdc.log" 2>&1 &
    kdc_pid=$!
    n=0
    while [ ! -e "$work/krb.env" ]; do
        if ! kill -0 "$kdc_pid" 2>/dev/null || [ $n -ge 600 ]; then
            echo "the test realm did not start:" >&2
            cat "$work/kdc.log" >&2
            exit 1
        fi
        sleep 0.1
        n=$((n + 1))
    done
    . "$work/krb.env"
    export KRB5_CONFIG KRB5CCNAME
}

if [ "$what" = all ] || [ "$what" = enroll ]; then
    failed=
    if [ "${BENCH_KRB:-0}" = 1 ]; then
        kdc_start
    fi
    for key in $keys; do
        ca_dir "$key"
        if ! grep -q '^policy = issue$' "$d/ca.conf"; then
            printf 'policy = issue\nicpr_enforce_encryption = 0\nicpr_allow_anonymous = 1\n' >> "$d/ca.conf"
        fi
        # Anonymous requesters with subjects of their own (issue 14's subject_rule).
        grep -q '^subject_rule = request$' "$d/ca.conf" ||
            printf 'subject_rule = request\n' >> "$d/ca.conf"
        ntlm=
        if [ "${BENCH_NTLM:-1}" = 1 ]; then
            # A throw-away account for the NTLM half of each measurement.
            [ -e "$work/bench.password" ] ||
                (umask 077 && head -c 18 /dev/urandom | base64 > "$work/bench.password")
            [ -e "$d/auth/accounts" ] ||
                "$build/bin/caadm" account add --data "$d" --password-fd 3 'BENCH\bench' \
                    3<"$work/bench.password" >/dev/null
            ntlm=1
        fi
        krb=
        if [ "${BENCH_KRB:-0}" = 1 ]; then
            # The CA's service key and the realm user's domain account (Kerberos only).
            "$build/bin/caadm" kerberos keytab add --unjournaled --data "$d" \
                "$work/krb5.keytab" >/dev/null
            "$build/bin/caadm" account list --data "$d" 2>/dev/null |
                grep -qF "$BENCH_KRB_USER" ||
                "$build/bin/caadm" account add --data "$d" --no-password \
                    "$BENCH_KRB_USER" >/dev/null
            krb=1
        fi
        echo "== $key, enrollment over MS-ICPR (cad, durable ledger) vs raw C_Sign =="
        "$build/tests/bench_enroll" --data "$d" --pin-file "$work/token/user.pin" \
            --bin "$build/bin" --seconds "$secs" --rounds "$rounds" --conns "$conns" \
            ${BENCH_ENROLL_ARENA_MAX:+--arena-max "$BENCH_ENROLL_ARENA_MAX"} \
            ${ntlm:+--ntlm 'BENCH\bench' --password-file "$work/bench.password"} \
            ${BENCH_CSRS:+--csrs "$BENCH_CSRS"} ${BENCH_RECONNECT:+--reconnect} ${BENCH_CLIENT_KEY:+--client-key "$BENCH_CLIENT_KEY"} \
            ${ntlm:+${BENCH_DCOM:+--dcom}} ${krb:+--krb "$BENCH_KRB_SERVICE"} ||
            failed="$failed $key"
    done
    if [ -n "$failed" ]; then
        echo "bench_enroll failed for:$failed (see above)" >&2
        exit 1
    fi
fi

if [ "$what" = all ] || [ "$what" = crl ]; then
    [ -d "$work/token" ] ||
        "$top/hsm/provision-softhsm.sh" "$work/token" bench "$build/bin" >/dev/null
    failed=
    for key in $keys; do
        echo "== $key, CRL publication (caadm crl) vs openssl ca -gencrl, same SoftHSM key =="
        "$here/bench_crl.sh" "$build" "$work" "$work/token" "$key" || failed="$failed $key"
    done
    if [ -n "$failed" ]; then
        echo "bench_crl failed for:$failed (see above)" >&2
        exit 1
    fi
fi
