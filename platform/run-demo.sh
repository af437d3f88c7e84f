#!/bin/sh
# `make run` until the appliance image exists: provisions a demo SoftHSM token (if
# none), runs the root CA ceremony (if no CA exists), shows the CA, then starts
# the appliance on the host (cad: ledger, custodian, sandboxed worker) in the
# foreground until Ctrl-C.
#
#   platform/run-demo.sh BUILD_DIR DEMO_DIR
#   DEMO_EPM=ADDR:PORT DEMO_ICPR=ADDR:PORT   (default 127.0.0.1:135 as root, else
#                                            127.0.0.1:13135; 127.0.0.1:5022)
#
# DEMO ONLY: the token's PINs are random but kept in DEMO_DIR/token/*.pin
# (mode 0600) so the demo runs unattended. A real appliance takes the PIN from
# the operator (terminal or descriptor) and never stores it beside the token.
# The demo CA also issues automatically (policy = issue). Enrollment needs NTLM at
# packet privacy, as on the appliance: the demo makes the enrollee account
# DEMO\enrollee whose DEMO PASSWORD is in DEMO_DIR/enrollee.password (0600).
set -eu
build=$(cd "${1:?usage: run-demo.sh BUILD DEMO}" && pwd)
demo=${2:?usage: run-demo.sh BUILD DEMO}
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$demo"
demo=$(cd "$demo" && pwd)
# As root, cad runs the ledger and the custodian as their own users, which must pass
# through every directory above the demo's data. A root user's checkout usually sits
# in /root (mode 0700): then the demo lives in /var/lib/ca-demo instead, rather
# than opening /root to every user. (cad would refuse, naming the path.)
if [ "$(id -u)" = 0 ] &&
   ! setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$demo" 2>/dev/null; then
    echo "== $demo is below a directory the appliance's users cannot pass through;"
    echo "   the demo CA lives in /var/lib/ca-demo instead"
    demo=/var/lib/ca-demo
    mkdir -p "$demo"
fi
label=ca-appliance

if [ ! -e "$demo/token/softhsm2.conf" ]; then
    echo "== Provisioning a demo SoftHSM2 token in $demo/token"
    "$top/hsm/provision-softhsm.sh" "$demo/token" "$label" "$build/bin"
fi
if [ ! -e "$demo/ca/ca.conf" ]; then
    echo "== Root CA ceremony (caadm init --root)"
    "$build/bin/caadm" init --root --data "$demo/ca" --token "$label" \
        --softhsm-conf "$demo/token/softhsm2.conf" --pin-file "$demo/token/user.pin"
    cat >> "$demo/ca/ca.conf" <<CONF
# DEMO ONLY: issue without an officer, any subject the enrollee asks for
policy = issue
subject_rule = request
netbios_domain_name = DEMO
CONF
fi
if [ ! -e "$demo/enrollee.password" ]; then
    printf '%s\n' '== Demo enrollee account DEMO\enrollee (caadm account add)'
    # DEMO ONLY: a fixed, published password. Never on an appliance.
    (umask 077 && echo "demo-password-do-not-use" > "$demo/enrollee.password")
    "$build/bin/caadm" account add --data "$demo/ca" --password-fd 3 'DEMO\enrollee' \
        3<"$demo/enrollee.password"
fi
if [ ! -e "$demo/admin.passphrase" ]; then
    echo "== Demo CA administrator 'admin' (caadm operator-init)"
    # DEMO ONLY: a fixed, published passphrase. Never on an appliance.
    (umask 077 && echo "demo-admin-passphrase" > "$demo/admin.passphrase")
    "$build/bin/caadm" operator-init admin --data "$demo/ca" \
        --passphrase-file "$demo/admin.passphrase"
fi
echo "== The CA (caadm status)"
"$build/bin/caadm" status --data "$demo/ca"
echo "== The root certificate, as openssl sees it"
openssl x509 -noout -text -certopt no_pubkey,no_sigdump -in "$demo/ca/ca.crt"
openssl verify -x509_strict -CAfile "$demo/ca/ca.crt" "$demo/ca/ca.crt"
echo "== The custodian's start-up check (certificate <-> HSM key)"
"$build/bin/caadm" check --data "$demo/ca" --pin-file "$demo/token/user.pin"
if [ "$(id -u)" = 0 ]; then epm_default=127.0.0.1:135; else epm_default=127.0.0.1:13135; fi
epm=${DEMO_EPM:-$epm_default}
icpr=${DEMO_ICPR:-127.0.0.1:5022}
name=$(openssl x509 -noout -subject -nameopt multiline -in "$demo/ca/ca.crt" |
       sed -n 's/^ *commonName *= *//p')
cat <<MSG

The demo CA lives in $demo/ca (certificate: $demo/ca/ca.crt), its keys in the
SoftHSM token under $demo/token, its ledger in $demo/ca/ledger. The enrollee
account DEMO\\enrollee has the DEMO password in $demo/enrollee.password
(caadm account add|passwd|del|list --data $demo/ca manages accounts).
Starting the appliance: endpoint mapper on $epm, MS-ICPR on $icpr. Enroll with:

  $build/bin/careq new -subject "CN=host1.example" host1.key host1.req
  $build/bin/careq submit -config "$epm\\$name" -user 'DEMO\\enrollee' \\
      -password-file $demo/enrollee.password host1.req host1.crt
  openssl verify -CAfile $demo/ca/ca.crt host1.crt

Administer it from another terminal as the demo administrator (DEMO passphrase in
$demo/admin.passphrase):

  $build/bin/caadm --data $demo/ca --passphrase-file $demo/admin.passphrase login admin
  $build/bin/caadm --data $demo/ca view ; $build/bin/caadm --data $demo/ca crl

and see the ledger with: $build/bin/ca-ledger show --data $demo/ca
Ctrl-C stops it; 'make distclean' removes the demo.
MSG
exec "$build/bin/cad" --data "$demo/ca" --pin-file "$demo/token/user.pin" --epm "$epm" \
    --icpr "$icpr"
