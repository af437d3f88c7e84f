#!/bin/sh
# The reference side of the CRL benchmark: `openssl ca -gencrl` over an index of N
# revoked certificates, signed with the CA's own key in its SoftHSM token through
# the OpenSSL pkcs11 engine (libengine-pkcs11-openssl).
#
#   tests/bench/openssl_gencrl.sh DATA_DIR N OUTDIR
#
# DATA_DIR is a CA made by `caadm init` (ca.conf, ca.crt). From ca.conf: the PKCS#11
# module (`module`), the token label (`token`), the signing key's CKA_ID
# (`sign_key_id`) and the SoftHSM configuration (`softhsm2_conf`, exported as
# SOFTHSM2_CONF). The user PIN is read by openssl from a file (-passin file:, never
# on a command line): GENCRL_PIN_FILE, by default user.pin next to softhsm2_conf,
# where hsm/provision-softhsm.sh puts it. GENCRL_ENGINE overrides the engine's .so.
#
# Writes into OUTDIR (created; its old files are overwritten): ca.cnf (the `ca`
# section), engine.cnf (the engine, through OPENSSL_CONF), index.txt (N revoked
# entries, not timed), crlnumber, openssl.crl (PEM, what `openssl ca` writes),
# openssl.der (the same CRL in DER, for its size), openssl-ca.log. Prints
#
#   openssl_gencrl N=<N> seconds=<s.sss> bytes=<DER size of the CRL>
#
# where seconds is the wall time of the whole `openssl ca -gencrl` process: start,
# engine and module load, login, index load, CRL build, one signature in the
# token, PEM write. Then checks the CRL's signature against DATA_DIR/ca.crt and
# that it holds N entries; exits 1 if anything fails.
#
# The CRL matches what caadm crl publishes (firmware/custodian/crlpub.c): v2,
# AKI (key identifier only), cRLNumber, reasonCode on the entries that have a
# reason (none for "no reason": openssl writes reasonCode only when the index
# names one), nextUpdate = thisUpdate + 7 days + 12 hours (CRLPeriod + CRLOverlap),
# SHA-256 (SHA-384 for RSA-4096 and P-384 keys, as the ceremony chooses).
set -eu

usage() {
    echo "usage: $0 DATA_DIR N OUTDIR" >&2
    exit 2
}
[ $# -eq 3 ] || usage
data=$1
n=$2
out=$3
case $n in
'' | *[!0-9]*) usage ;;
esac

fail() {
    echo "openssl_gencrl: $*" >&2
    exit 1
}

if [ ! -r "$data/ca.conf" ] || [ ! -r "$data/ca.crt" ]; then
    fail "$data is not a CA data directory (no ca.conf or ca.crt)"
fi
data=$(cd "$data" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)

# ca.conf is "key = value" lines (platform/conf.c).
conf_get() {
    sed -n "s/^$1 = //p" "$data/ca.conf" | head -n 1
}
module=$(conf_get module)
token=$(conf_get token)
key_id=$(conf_get sign_key_id)
softhsm_conf=$(conf_get softhsm2_conf)
if [ -z "$module" ] || [ -z "$token" ] || [ -z "$key_id" ]; then
    fail "$data/ca.conf lacks module, token or sign_key_id"
fi
if [ -n "$softhsm_conf" ]; then
    SOFTHSM2_CONF=$softhsm_conf
    export SOFTHSM2_CONF
    pin_file=${GENCRL_PIN_FILE:-$(dirname "$softhsm_conf")/user.pin}
else
    pin_file=${GENCRL_PIN_FILE:-}
fi
if [ -z "$pin_file" ] || [ ! -r "$pin_file" ]; then
    fail "no readable user PIN file (${pin_file:-none}; set GENCRL_PIN_FILE)"
fi

# The engine is installed in OpenSSL's ENGINESDIR (Debian: engines-3/pkcs11.so).
enginesdir=$(openssl version -e | sed -n 's/^ENGINESDIR: "\(.*\)"$/\1/p')
engine=${GENCRL_ENGINE:-$enginesdir/pkcs11.so}
[ -r "$engine" ] ||
    fail "no pkcs11 engine at $engine: make deps (libengine-pkcs11-openssl)"

# The key as an RFC 7512 URI: the token by label and the key by CKA_ID, as the
# custodian finds it (hsm_find_key by id). Every byte of both is percent-encoded,
# which is always valid and spares quoting the label.
pct() {
    printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n' | sed 's/../%&/g'
}
key_uri="pkcs11:token=$(pct "$token");id=$(echo "$key_id" | sed 's/../%&/g');type=private"

# The digest the ceremony pairs with the key (x509_sigalg_for_key).
md=sha256
keytext=$(openssl x509 -in "$data/ca.crt" -noout -text)
case $keytext in
*"Public-Key: (4096 bit)"* | *"NIST CURVE: P-384"* | *secp384r1*) md=sha384 ;;
esac

# The engine is configured through OPENSSL_CONF, which `openssl` loads at start,
# before `-engine pkcs11` is looked up: the engine then knows its module before it
# is initialised. MODULE_PATH is the module ca.conf names (SoftHSM itself, which
# the custodian loads through p11-kit's p11_kit_module_load): without it the engine
# would go through p11-kit-proxy.so and every module registered system-wide
# (SoftHSM, OpenSC, p11-kit-trust), which is slower to start and can find a second
# token of the same label.
cat > "$out/engine.cnf" <<EOF
# Written by tests/bench/openssl_gencrl.sh (OPENSSL_CONF).
openssl_conf = openssl_init

[openssl_init]
engines = engine_section

[engine_section]
pkcs11 = pkcs11_section

[pkcs11_section]
engine_id = pkcs11
dynamic_path = $engine
MODULE_PATH = $module
init = 0
EOF

# The CA section, for -gencrl only. unique_subject = no: no index of subjects to
# build (gencrl never needs one, and this is the usual setting of a real CA).
cat > "$out/ca.cnf" <<EOF
# Written by tests/bench/openssl_gencrl.sh (openssl ca -config).
[ca]
default_ca = bench_ca

[bench_ca]
dir = $out
database = \$dir/index.txt
crlnumber = \$dir/crlnumber
certificate = $data/ca.crt
unique_subject = no
default_md = $md
default_crl_hours = 180
crl_extensions = crl_ext

[crl_ext]
authorityKeyIdentifier = keyid:always
EOF
printf 'unique_subject = no\n' > "$out/index.txt.attr"
printf '01\n' > "$out/crlnumber"
rm -f "$out/crlnumber.old" "$out/openssl.crl" "$out/openssl.der"

# index.txt: N revoked entries. openssl ca does not need them sorted: it sorts the
# CRL's entries itself (X509_CRL_sort, a qsort of the whole list). By default the
# index is in issuance order, which with random serials (ours, or openssl ca
# -rand_serial) is no order; GENCRL_SORTED=1 sorts it by serial first (not timed),
# the best case for openssl, like the ledger's revoked set, which is kept in serial
# order. At 1,000,000 entries the sorted index halves the time. Each line:
#   R <TAB> expiry <TAB> revocation[,reason] <TAB> serial <TAB> unknown <TAB> /CN=x<i>
# Serials: 16 bytes, positive, first hex digit 1-7, unique by construction (the
# last 4 bytes are i through a bijection of 32-bit integers); the rest is random.
# Revocations in the last two years, expiries in the next three (UTCTime). A third
# of the entries carry no reason; the rest superseded, cessationOfOperation,
# keyCompromise or affiliationChanged (no certificateHold: openssl would add a
# holdInstructionCode the project's CRLs do not carry).
now=$(date -u +%s)
awk -v n="$n" -v now="$now" -v seed="$$" '
# YYMMDD of a day number (days since 1970-01-01): civil from days (H. Hinnant).
function ymd(z,    era, doe, yoe, y, doy, mp, d, m) {
    z += 719468
    era = int(z / 146097)
    doe = z - era * 146097
    yoe = int((doe - int(doe / 1460) + int(doe / 36524) - int(doe / 146096)) / 365)
    y = yoe + era * 400
    doy = doe - (365 * yoe + int(yoe / 4) - int(yoe / 100))
    mp = int((5 * doy + 2) / 153)
    d = doy - int((153 * mp + 2) / 5) + 1
    m = mp < 10 ? mp + 3 : mp - 9
    if (m <= 2) y++
    return sprintf("%02d%02d%02d", y % 100, m, d)
}
function hms() {
    return sprintf("%02d%02d%02dZ", int(rand() * 24), int(rand() * 60), int(rand() * 60))
}
function r16() {
    return sprintf("%04X", int(rand() * 65536))
}
BEGIN {
    srand(seed)
    today = int(now / 86400)
    # Day tables, not a date conversion per line: past[0..729], future[0..1094].
    for (k = 0; k < 730; k++) past[k] = ymd(today - k)
    for (k = 0; k < 1095; k++) future[k] = ymd(today + 1 + k)
    reason[0] = "superseded"; reason[1] = "superseded"; reason[2] = "superseded"
    reason[3] = "cessationOfOperation"; reason[4] = "cessationOfOperation"
    reason[5] = "cessationOfOperation"; reason[6] = "keyCompromise"
    reason[7] = "keyCompromise"; reason[8] = "affiliationChanged"
    for (i = 1; i <= n; i++) {
        # an odd multiplier modulo 2^32 is a bijection; exact in doubles (< 2^53)
        low = (i * 2654435761 + 12345) % 4294967296
        serial = sprintf("%X%03X%s%s%s%s%s%08X", 1 + int(rand() * 7), int(rand() * 4096),
                         r16(), r16(), r16(), r16(), r16(), low)
        expiry = future[int(rand() * 1095)] hms()
        rev = past[int(rand() * 730)] hms()
        if (rand() >= 1 / 3) rev = rev "," reason[int(rand() * 9)]
        printf "R\t%s\t%s\t%s\tunknown\t/CN=x%d\n", expiry, rev, serial, i
    }
}' > "$out/index.txt"
if [ "${GENCRL_SORTED:-0}" = 1 ]; then
    # Serials all have 32 hex digits: in the C locale text order is numeric order.
    LC_ALL=C sort -t "$(printf '\t')" -k4,4 -o "$out/index.txt" "$out/index.txt"
fi

# The timed part: one openssl ca -gencrl process. Its stdout and stderr go to the
# log (the engine prints 'Engine "pkcs11" set.').
t0=$(date +%s%N)
if ! OPENSSL_CONF=$out/engine.cnf openssl ca -gencrl -batch -config "$out/ca.cnf" \
    -engine pkcs11 -keyform engine -keyfile "$key_uri" -passin "file:$pin_file" \
    -cert "$data/ca.crt" -out "$out/openssl.crl" > "$out/openssl-ca.log" 2>&1; then
    cat "$out/openssl-ca.log" >&2
    fail "openssl ca -gencrl failed"
fi
t1=$(date +%s%N)

# Checks (not timed): signature by the CA, then the contents. `openssl crl -CAfile`
# exits 0 even when the signature does not verify: its "verify OK" is what counts.
openssl crl -in "$out/openssl.crl" -CAfile "$data/ca.crt" -noout > "$out/openssl-verify.log" 2>&1 &&
    grep -q '^verify OK' "$out/openssl-verify.log" || {
    cat "$out/openssl-verify.log" >&2
    fail "the CRL does not verify against $data/ca.crt"
}
openssl crl -in "$out/openssl.crl" -outform DER -out "$out/openssl.der"
# One pass over the text form (~170 bytes per entry, not kept): entries, entries
# with a reasonCode, and the header fields every CRL of the project carries.
openssl crl -in "$out/openssl.der" -inform DER -noout -text | awk '
    /^ *Serial Number: / { entries++ }
    /^ *X509v3 CRL Reason Code:/ { reasons++ }
    /^ *Version 2 \(0x1\)$/ { v2 = 1 }
    /^ *X509v3 Authority Key Identifier:/ { aki = 1 }
    /^ *X509v3 CRL Number:/ { number = 1 }
    END { printf "%d %d %d\n", entries, reasons, v2 && aki && number }
' > "$out/openssl-check.txt"
read -r entries reasons header < "$out/openssl-check.txt"
[ "$header" = 1 ] || fail "the CRL lacks v2, its AKI or its cRLNumber"
[ "$entries" -eq "$n" ] || fail "the CRL holds $entries entries, not $n"
# Every entry with a reason in the index has its reasonCode in the CRL.
want=$(grep -c ',' "$out/index.txt" || true)
[ "$reasons" -eq "$want" ] || fail "the CRL has $reasons reasonCodes, not $want"
bytes=$(wc -c < "$out/openssl.der" | tr -d ' ')
awk -v n="$n" -v ns="$((t1 - t0))" -v b="$bytes" \
    'BEGIN { printf "openssl_gencrl N=%d seconds=%.3f bytes=%d\n", n, ns / 1e9, b }'
