#!/bin/sh
# Provisions a SoftHSM2 token in a private directory, for tests and the demo.
#
#   hsm/provision-softhsm.sh DIR LABEL [BIN]
#
# Creates DIR/softhsm2.conf (a private configuration: point SOFTHSM2_CONF at it),
# DIR/tokens/, random SO and user PINs in DIR/so.pin and DIR/user.pin (mode 0600),
# and initialises the token LABEL through ca-custodian token-init (BIN is the
# directory holding ca-custodian; default build/bin). PINs travel on file
# descriptors, never on a command line. Refuses if DIR already holds a token.
set -eu

dir=${1:?usage: provision-softhsm.sh DIR LABEL [BIN]}
label=${2:?usage: provision-softhsm.sh DIR LABEL [BIN]}
bin=${3:-$(dirname "$0")/../build/bin}
module=${HSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}

if [ -e "$dir/softhsm2.conf" ]; then
    echo "provision-softhsm: $dir already holds a token configuration" >&2
    exit 1
fi
umask 077
mkdir -p "$dir/tokens"
dir=$(cd "$dir" && pwd)
cat > "$dir/softhsm2.conf" <<CONF
# SoftHSM2 configuration private to this appliance/test (SOFTHSM2_CONF).
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
CONF
chmod 644 "$dir/softhsm2.conf"

# 24 random characters each; demo and test PINs only.
head -c 18 /dev/urandom | base64 | tr '+/' '-_' > "$dir/so.pin"
head -c 18 /dev/urandom | base64 | tr '+/' '-_' > "$dir/user.pin"
chmod 600 "$dir/so.pin" "$dir/user.pin"

"$bin/ca-custodian" token-init --module "$module" --label "$label" \
    --softhsm-conf "$dir/softhsm2.conf" --so-pin-fd 3 --pin-fd 4 \
    3<"$dir/so.pin" 4<"$dir/user.pin"
echo "provision-softhsm: token '$label' in $dir (SOFTHSM2_CONF=$dir/softhsm2.conf," \
     "user PIN in $dir/user.pin)"
