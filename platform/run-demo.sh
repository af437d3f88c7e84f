#!/bin/sh
# `make run` at this stage of the appliance: provisions a demo SoftHSM token (if
# none), runs the root CA ceremony (if no CA exists), and shows the result.
#
#   platform/run-demo.sh BUILD_DIR DEMO_DIR
#
# DEMO ONLY: the token's PINs are random but kept in DEMO_DIR/token/*.pin
# (mode 0600) so the demo runs unattended. A real appliance takes the PIN from
# the operator (terminal or descriptor) and never stores it beside the token.
set -eu
build=$(cd "${1:?usage: run-demo.sh BUILD DEMO}" && pwd)
demo=${2:?usage: run-demo.sh BUILD DEMO}
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$demo"
demo=$(cd "$demo" && pwd)
label=ca-appliance

if [ ! -e "$demo/token/softhsm2.conf" ]; then
    echo "== Provisioning a demo SoftHSM2 token in $demo/token"
    "$top/hsm/provision-softhsm.sh" "$demo/token" "$label" "$build/bin"
fi
if [ ! -e "$demo/ca/ca.conf" ]; then
    echo "== Root CA ceremony (caadm init --root)"
    "$build/bin/caadm" init --root --data "$demo/ca" --token "$label" \
        --softhsm-conf "$demo/token/softhsm2.conf" --pin-file "$demo/token/user.pin"
fi
echo "== The CA (caadm status)"
"$build/bin/caadm" status --data "$demo/ca"
echo "== The root certificate, as openssl sees it"
openssl x509 -noout -text -certopt no_pubkey,no_sigdump -in "$demo/ca/ca.crt"
openssl verify -x509_strict -CAfile "$demo/ca/ca.crt" "$demo/ca/ca.crt"
echo "== The custodian's start-up check (certificate <-> HSM key)"
"$build/bin/caadm" check --data "$demo/ca" --pin-file "$demo/token/user.pin"
cat <<MSG

The demo CA lives in $demo/ca (certificate: $demo/ca/ca.crt), its keys in the
SoftHSM token under $demo/token. Enrollment over MS-ICPR, the ledger and the
appliance image arrive with the next issues; 'make distclean' removes the demo.
MSG
