#!/bin/sh
# The appliance image's init steps, run by busybox init (image/inittab):
#
#   image-init.sh boot      mounts, network, the data disk (formatted if empty)
#   image-init.sh cad       first boot (token + root ceremony), CA export, then cad
#   image-init.sh agent     the scripting channel on ttyS1 (kernel arg ca.agent=1)
#   image-init.sh shutdown  SIGTERM to cad, wait, sync, unmount the data disk
#
# The root is read-only squashfs: everything written goes to the data disk
# (/dev/vdb at /data: ledger, SoftHSM token, published CRLs) or to tmpfs (/tmp,
# /run, /dev/shm for the ledger's Berkeley DB regions). A third disk (/dev/vdc), if
# present, receives a tar of the CA certificates for the host.
set -u
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
. /etc/ca/image.conf

DATA=/data/ca
TOKEN=/data/token
DATA_DISK=/dev/vdb
EXPORT_DISK=/dev/vdc

# Seconds since the kernel started, for the boot-time figures in image/README.md.
say() { echo "ca-image: [$(cut -d" " -f1 /proc/uptime)] $*" > /dev/console; }

cmdline() { # the value of kernel argument $1=, or nothing
    for a in $(cat /proc/cmdline); do
        case "$a" in "$1"=*) echo "${a#*=}"; return ;; esac
    done
}

# Each operator user of the image (IMAGE_OPERATORS at build time: members of
# ca-operators, home /data/home/NAME) gets its home on the data disk, its own
# alone (0700): caadm keeps the session there (~/.caadm-session, 0600).
operator_homes() {
    mkdir -p /data/home && chmod 0755 /data/home
    awk -F: '$6 ~ "^/data/home/[a-z0-9_-]+$" { print $1, $3, $4, $6 }' /etc/passwd |
        while read -r name uid gid home; do
            mkdir -p "$home" && chown "$uid:$gid" "$home" && chmod 0700 "$home" ||
                say "cannot make the home $home of the operator $name"
        done
}

boot() {
    mount -t proc -o nosuid,nodev,noexec proc /proc
    mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
    mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp
    mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
    mkdir -p /dev/shm /dev/pts
    mount -t tmpfs -o mode=1777,nosuid,nodev,noexec tmpfs /dev/shm
    mount -t devpts -o nosuid,noexec devpts /dev/pts
    hostname -F /etc/hostname
    ip link set lo up
    # User-mode networking (QEMU -netdev user): fixed address, no DHCP needed.
    ip addr add 10.0.2.15/24 dev eth0 && ip link set eth0 up &&
        ip route add default via 10.0.2.2 || say "network: eth0 not configured"
    n=0
    while [ ! -b $DATA_DISK ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
    if [ ! -b $DATA_DISK ]; then
        say "no data disk ($DATA_DISK): the appliance cannot start"
        return
    fi
    # (mke2fs by its path: busybox sh prefers its own applet, which makes only ext2.)
    # Only a disk whose first 64 KiB are all zero is formatted: anything else that
    # fails to mount is left alone for the operator rather than wiped.
    if [ -z "$(head -c 65536 $DATA_DISK | tr -d '\000' | head -c 1)" ]; then
        say "empty data disk: formatting $DATA_DISK (ext4)"
        /usr/sbin/mke2fs -q -F -t ext4 -L ca-data $DATA_DISK || say "mke2fs failed"
    fi
    if ! mount -t ext4 -o nosuid,nodev,noexec $DATA_DISK /data; then
        say "cannot mount the data disk $DATA_DISK"
        return
    fi
    chmod 0755 /data
    mkdir -p /data/crl
    operator_homes
}

# The operator's ceremony is complete when ca.conf says the CA is active (a
# subordinate stays awaiting-cert until caadm install-cert) and no caadm runs any
# more: caadm init writes ca.conf, then the ledger's genesis.
ceremony_done() {
    grep -q '^state *= *active' $DATA/ca.conf 2>/dev/null && ! pidof caadm > /dev/null
}

first_boot() {
    # The kernel argument ca.first_boot=wait|ceremony overrides image.conf (the
    # system tests boot one image both ways; on an appliance the boot loader's
    # configuration is as trusted as the image's).
    mode=$(cmdline ca.first_boot)
    case "${mode:-$FIRST_BOOT}" in
    ceremony) ;;
    wait)
        say "no CA yet: provision the token ($TOKEN, with /usr/lib/ca/provision-softhsm.sh)" \
            "and run 'caadm init --root --data $DATA --pin-file $TOKEN/user.pin ...' on the" \
            "console; cad starts when the ceremony is complete"
        until ceremony_done; do sleep 2; done
        return 0 ;;
    *)
        say "first_boot: unknown mode '${mode:-$FIRST_BOOT}' (ceremony or wait)"
        return 1 ;;
    esac
    # No CA yet, so no token worth keeping: one left by a ceremony that a power cut
    # interrupted holds keys that no CA uses. A fresh token each time.
    say "first boot: provisioning the SoftHSM token '$TOKEN_LABEL' (DEMO PINs kept in $TOKEN)"
    rm -rf $TOKEN
    /usr/lib/ca/provision-softhsm.sh $TOKEN "$TOKEN_LABEL" /usr/bin > /dev/console 2>&1 ||
        return 1
    say "first boot: root CA ceremony ($CA_KEY, $CA_SUBJECT)"
    rm -rf $DATA.new
    # DEMO ONLY: the first administrator's passphrase is fixed and published.
    (umask 077 && echo "$DEMO_ADMIN_PASSPHRASE" > $TOKEN/admin.passphrase)
    caadm init --root --data $DATA.new --token "$TOKEN_LABEL" --subject "$CA_SUBJECT" \
        --key "$CA_KEY" --days "$CA_DAYS" --softhsm-conf $TOKEN/softhsm2.conf \
        --pin-file $TOKEN/user.pin --admin admin \
        --admin-passphrase-file $TOKEN/admin.passphrase > /dev/console 2>&1 || return 1
    cat >> $DATA.new/ca.conf <<CONF
# From image.conf (DEMO ONLY: the policy issues without an officer)
policy = $DEMO_POLICY
subject_rule = ${DEMO_SUBJECT_RULE:-account}
icpr_enforce_encryption = $DEMO_ENFORCE_ENCRYPTION
icpr_allow_anonymous = $DEMO_ALLOW_ANONYMOUS
netbios_domain_name = $NETBIOS_DOMAIN
CONF
    # The address DCOM clients are sent back to (image.conf): the guest's own
    # (10.0.2.15 under QEMU's user networking) is not one the host reaches.
    if [ -n "${DEMO_DCOM_ADDRESS:-}" ]; then
        echo "dcom_address = $DEMO_DCOM_ADDRESS" >> $DATA.new/ca.conf
    fi
    if [ -n "${DEMO_ENROLLEE:-}" ]; then
        # DEMO ONLY: a fixed, published password (image.conf).
        (umask 077 && echo "$DEMO_ENROLLEE_PASSWORD" > $TOKEN/enrollee.password)
        caadm account add --data $DATA.new --password-fd 3 "$DEMO_ENROLLEE" \
            3< $TOKEN/enrollee.password > /dev/console 2>&1 || return 1
    fi
    # The ceremony's directory becomes the CA only when complete: a power cut during
    # it leaves DATA absent and the next boot runs it again.
    sync
    mv $DATA.new $DATA && sync
    say "first boot: the CA certificate:"
    cat $DATA/ca.crt > /dev/console
}

export_ca() {
    [ -b $EXPORT_DISK ] || return 0
    tar -C $DATA -cf $EXPORT_DISK ca.crt ca-chain.pem 2>/dev/null ||
        tar -C $DATA -cf $EXPORT_DISK ca.crt
    sync
}

# SoftHSM rewrites its token files in place (truncate, then write) each time the
# custodian logs in; a power cut between the two left an empty token.object and
# the CA without its key (tests/soak/README.md). Keys are made only by the
# ceremonies, before cad starts, and signing writes nothing: so while the CA
# serves, the ceremony's files (token.object and each key's object file) are
# read-only bind mounts of themselves, and stay what the ceremony wrote, byte for
# byte (tests/system/test_powercut.py). The directory itself stays writable: the
# custodian keeps the ledger's anchors there (two data objects it destroys and
# creates in turn, firmware/custodian/README.md), which SoftHSM writes as a new
# <uuid>.object and .lock and an update of the generation file (measured with
# strace on C_CreateObject / C_DestroyObject; token.object is not written then).
# Which files are the ceremony's is written down once, before cad first runs:
# every object file present then ($TOKEN/ceremony.files; the anchors appear only
# once cad runs). The files are given to the custodian's user first, which cad
# cannot do through a read-only mount.
CEREMONY_FILES=$TOKEN/ceremony.files

token_mounts() {
    awk -v d="$1/" 'index($2, d) == 1 { print $2 }' /proc/mounts
}

protect_token() {
    tokendir=$(sed -n 's/^directories\.tokendir *= *//p' $TOKEN/softhsm2.conf 2>/dev/null)
    [ -n "$tokendir" ] && [ -d "$tokendir" ] || { say "no token directory in $TOKEN/softhsm2.conf"; return 1; }
    if [ -n "$(token_mounts "$tokendir")" ]; then
        return 0 # cad restarted: the mounts are still there
    fi
    chown -R ca-custodian:ca-custodian "$tokendir" || return 1
    chmod 0700 "$tokendir" || return 1
    if [ ! -s $CEREMONY_FILES ]; then
        ls "$tokendir"/*/*.object > $CEREMONY_FILES.tmp 2>/dev/null &&
            grep -q '/token\.object$' $CEREMONY_FILES.tmp &&
            mv $CEREMONY_FILES.tmp $CEREMONY_FILES || { say "no token files in $tokendir"; return 1; }
    fi
    sync
    n=0
    while IFS= read -r f; do
        [ -f "$f" ] || { say "the ceremony's token file $f is missing"; return 1; }
        mount --bind "$f" "$f" &&
            mount -o remount,bind,ro,nosuid,nodev,noexec "$f" "$f" || return 1
        n=$((n + 1))
    done < $CEREMONY_FILES
    say "token: the ceremony's $n files in $tokendir mounted read-only"
}

run_cad() {
    if ! grep -q " /data " /proc/mounts; then
        sleep 3600 # nothing to run: the console says why
        exit 1
    fi
    if [ -e /run/cad.started ]; then
        sleep 2 # a restart after cad exited: not in a tight loop
    fi
    touch /run/cad.started
    if [ ! -e $DATA/ca.conf ]; then
        first_boot || { say "first boot failed (see above)"; sleep 10; exit 1; }
    fi
    export_ca
    protect_token || { say "the token's files cannot be made read-only: cad not started"; sleep 10; exit 1; }
    icpr=$(cmdline ca.icpr_port)
    selftest=
    [ "${SANDBOX_SELFTEST:-1}" = 1 ] && selftest=--sandbox-selftest
    say "starting cad"
    exec cad --data $DATA --pin-file $TOKEN/user.pin --epm "0.0.0.0:$EPM_PORT" \
        --icpr "0.0.0.0:${icpr:-$ICPR_PORT}" $selftest > /dev/console 2>&1
}

# A line-oriented command channel for scripting the guest (system tests): each
# line is run by sh, its output follows, then "@@RC <status>@@". Same trust as the
# console; present only when the kernel command line has ca.agent=1.
agent() {
    if [ "$(cmdline ca.agent)" != 1 ] || [ ! -c /dev/ttyS1 ]; then
        exec sleep 2147483647
    fi
    exec < /dev/ttyS1 > /dev/ttyS1 2>&1
    stty raw -echo
    echo "@@AGENT READY@@"
    while IFS= read -r line; do
        sh -c "$line" < /dev/null
        echo "@@RC $?@@"
    done
    exit 0
}

shutdown() {
    pid=$(pidof cad)
    if [ -n "$pid" ]; then
        say "stopping cad"
        kill -TERM $pid
        n=0
        while kill -0 $pid 2>/dev/null && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
    fi
    sync
    tokendir=$(sed -n 's/^directories\.tokendir *= *//p' $TOKEN/softhsm2.conf 2>/dev/null)
    [ -n "$tokendir" ] && for m in $(token_mounts "$tokendir"); do umount "$m" 2>/dev/null; done
    umount /data 2>/dev/null || mount -o remount,ro /data 2>/dev/null
    say "data disk unmounted"
}

case "${1:-}" in
boot) boot ;;
cad) run_cad ;;
agent) agent ;;
shutdown) shutdown ;;
*) echo "usage: image-init.sh boot|cad|agent|shutdown" >&2; exit 2 ;;
esac
