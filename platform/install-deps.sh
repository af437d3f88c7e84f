#!/bin/sh
# Installs every Debian 12 package that building, testing, the benchmarks, the image
# and `make run` need, on a minimal Debian 12 (debootstrap --variant=minbase): every
# command the scripts and tests call and every Python module they import. Keep it
# complete: `make check-fresh` (tests/fresh) proves it on such a root.
# Idempotent: apt-get skips what is already installed. Called by `make deps`.
set -eu

PACKAGES="
build-essential pkg-config make gcc clang libclang-rt-14-dev
libp11-kit-dev p11-kit softhsm2 opensc
libwolfssl-dev
libtasn1-6-dev libtasn1-bin
libdb5.3-dev db5.3-util
libseccomp-dev
gss-ntlmssp libkrb5-dev
krb5-kdc krb5-admin-server krb5-user
libcmocka-dev
python3 python3-pytest python3-impacket python3-kconfiglib python3-cryptography
python3-pycryptodome python3-asn1crypto
openssl libengine-pkcs11-openssl
qemu-system-x86 busybox-static squashfs-tools cpio kmod e2fsprogs
procps util-linux passwd iproute2 strace git ca-certificates
gcovr acl
"

if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "install-deps: all packages present"
    exit 0
fi

echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
