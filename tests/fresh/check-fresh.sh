#!/bin/sh
# make check-fresh: the README's promise to a newcomer, kept honest. In a minimal
# Debian 12 root (debootstrap --variant=minbase bookworm), as root, with the
# checkout in /root (mode 0700, as a root user's checkout is):
#   1. apt-get install make sudo ca-certificates git (what a newcomer types first);
#   2. git clone of the current commit into /root/main;
#   3. make check;
#   4. make run, until the booted CA issues a certificate to careq (NTLM, the demo
#      enrollee), checked with openssl verify.
# Prints the time each step took and whether it passed; exits non-zero if any
# failed. Not part of `make check` (it repeats all of it, from nothing).
#
#   tests/fresh/check-fresh.sh [WORK_DIR]   (default /var/tmp/ca-check-fresh: outside
#                                           build/, whose *.d files make reads)
#   FRESH_MIRROR=URL        the Debian mirror (default http://deb.debian.org/debian)
#   FRESH_KEEP=1            keep the root afterwards (default: removed on success)
#   FRESH_STEPS="check run" the steps after the clone (default both)
#
# The debootstrap result is cached as WORK_DIR/minbase.tar (debootstrap is the
# slow part and its output does not depend on the project); every run unpacks it
# anew, so no state of an earlier run leaks in. Logs: WORK_DIR/*.log.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-/var/tmp/ca-check-fresh}
mirror=${FRESH_MIRROR:-http://deb.debian.org/debian}
steps=${FRESH_STEPS:-check run}
commit=$(git -C "$top" rev-parse HEAD)

if [ "$(id -u)" -ne 0 ]; then
    echo "check-fresh: run as root (debootstrap, chroot and mounts need it)" >&2
    exit 2
fi
command -v debootstrap >/dev/null || { echo "check-fresh: debootstrap missing (make deps)" >&2; exit 2; }
if [ -n "$(git -C "$top" status --porcelain --untracked-files=no)" ]; then
    echo "check-fresh: note: uncommitted changes are not tested, only commit $commit"
fi
mkdir -p "$work"
work=$(cd "$work" && pwd)
root=$work/root
results=$work/results.txt
: > "$results"

now() { date +%s; }
# step NAME SECONDS RC: one line of the summary.
step() {
    if [ "$3" = 0 ]; then verdict=PASS; else verdict="FAIL (exit $3)"; fi
    printf '%-34s %6ss  %s\n' "$1" "$2" "$verdict" | tee -a "$results"
}

unmount_root() {
    for m in dev/shm dev/pts dev sys proc; do
        if mountpoint -q "$root/$m" 2>/dev/null; then
            umount "$root/$m" 2>/dev/null || umount -l "$root/$m"
        fi
    done
}

# Removes the root, but never through a mount: with /dev still mounted, rm -rf
# would delete the host's device nodes.
remove_root() {
    unmount_root
    if grep -q " $root/" /proc/mounts; then
        echo "check-fresh: $root still has mounts; not removing it" >&2
        return 1
    fi
    rm -rf --one-file-system "$root"
}

run_pid=
cleanup() {
    # make run's QEMU and its probe, if still there (a process group of its own).
    [ -z "$run_pid" ] || kill -TERM "-$run_pid" 2>/dev/null || true
    unmount_root
}
trap cleanup EXIT INT TERM

# ---- 0. a minimal Debian 12 root ---------------------------------------------------
t=$(now)
if [ ! -s "$work/minbase.tar" ]; then
    rm -rf "$work/base"
    rc=0
    debootstrap --variant=minbase bookworm "$work/base" "$mirror" > "$work/debootstrap.log" 2>&1 || rc=$?
    if [ $rc != 0 ]; then
        step "debootstrap minbase bookworm" $(($(now) - t)) $rc
        tail -20 "$work/debootstrap.log"
        exit 1
    fi
    tar -C "$work/base" -cf "$work/minbase.tar.tmp" .
    mv "$work/minbase.tar.tmp" "$work/minbase.tar"
    rm -rf "$work/base"
fi
remove_root
mkdir -p "$root"
tar -C "$root" -xf "$work/minbase.tar"
# What a booted machine has and a bare chroot lacks: the kernel's file systems, a
# resolver, and a hostname (ca.conf's default NetBIOS name is the host name).
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount -t devtmpfs devtmpfs "$root/dev"
mkdir -p "$root/dev/pts" "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts"
mount -t tmpfs -o mode=1777 shm "$root/dev/shm"
cp /etc/resolv.conf "$root/etc/resolv.conf"
[ -s "$root/etc/hostname" ] || hostname > "$root/etc/hostname"
step "minimal Debian 12 root" $(($(now) - t)) 0

in_root() {
    # A login-like environment: root's, not this shell's (no pyenv, no CA_BUILD).
    chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /bin/sh -c "$1"
}

# ---- 1. the newcomer's first packages ----------------------------------------------
t=$(now)
rc=0
in_root "export DEBIAN_FRONTEND=noninteractive; apt-get update -q &&
         apt-get install -y -q make sudo ca-certificates git" > "$work/apt.log" 2>&1 || rc=$?
step "apt-get install make sudo git" $(($(now) - t)) $rc
[ $rc = 0 ] || exit 1

# ---- 2. the checkout, in /root -------------------------------------------------------
t=$(now)
rc=0
git clone -q --no-hardlinks "$top" "$root/root/main" && git -C "$root/root/main" checkout -q "$commit" || rc=$?
chmod 0700 "$root/root"
step "git clone into /root/main" $(($(now) - t)) $rc
[ $rc = 0 ] || exit 1

failed=0
# ---- 3. make check ---------------------------------------------------------------------
case " $steps " in *" check "*)
    t=$(now)
    rc=0
    in_root "cd /root/main && make check" > "$work/check.log" 2>&1 || rc=$?
    step "make check" $(($(now) - t)) $rc
    if [ $rc != 0 ]; then
        failed=1
        grep -E "FAILED|ERROR|Error [0-9]|error:" "$work/check.log" | tail -30
    fi
esac

# ---- 4. make run, until the CA issues a certificate -------------------------------
case " $steps " in *" run "*)
    t=$(now)
    rc=0
    # In a session of its own, so cleanup() can stop QEMU and the probe together.
    setsid chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        /bin/sh -c 'cd /root/main && exec make run' < /dev/null > "$work/run.log" 2>&1 &
    run_pid=$!
    deadline=$(($(now) + 3600))  # a first `make run` installs, builds and fetches a kernel
    while ! grep -q "== ready: MS-ICPR answered" "$work/run.log"; do
        if [ "$(now)" -gt $deadline ] || ! kill -0 $run_pid 2>/dev/null; then
            rc=1
            break
        fi
        sleep 2
    done
    ready=$(($(now) - t))
    if [ $rc = 0 ]; then
        # What the ready message tells a newcomer to type, run in the fresh root.
        in_root 'cd /tmp && b=/root/main/build/bin r=/root/main/build/run &&
            $b/careq new -subject "CN=host1.example" host1.key host1.req &&
            $b/careq submit -config "127.0.0.1:13135\Appliance Root CA" \
                -user "DEMO\enrollee" -password-file $r/enrollee.password \
                host1.req host1.crt &&
            openssl verify -CAfile $r/ca.crt host1.crt' > "$work/enroll.log" 2>&1 || rc=$?
    fi
    step "make run (until the CA answered)" $ready $rc
    step "make run, enroll, openssl verify" $(($(now) - t)) $rc
    if [ $rc != 0 ]; then
        failed=1
        tail -30 "$work/run.log"
        cat "$work/enroll.log" 2>/dev/null || true
    fi
    # (dash's kill takes no "--": a negative number is the process group)
    kill -TERM "-$run_pid" 2>/dev/null || true
    wait $run_pid 2>/dev/null || true
    run_pid=
esac

# What the newcomer's machine holds now: packages, checkout, builds, image.
printf '%-34s %6s   %s\n' "disk used by the fresh root" "" \
    "$(du -sx --block-size=1M "$root" 2>/dev/null | cut -f1) MiB (minbase: $(du -s --block-size=1M "$work/minbase.tar" | cut -f1) MiB)" |
    tee -a "$results"
echo "check-fresh: commit $commit, results in $results, logs in $work"
cat "$results"
if [ $failed = 0 ] && [ "${FRESH_KEEP:-0}" != 1 ]; then
    remove_root
else
    unmount_root
fi
exit $failed
