#!/bin/sh
# Assembles the appliance image from the project's build and Debian's packages:
#
#   image/build-image.sh BUILD_DIR IMAGE_DIR
#
# IMAGE_DIR/kernel/ (from fetch-kernel.sh) must exist. Writes
#   IMAGE_DIR/root.squashfs       the read-only root (busybox, the appliance, the
#                                 shared libraries ldd names, SoftHSM2, configuration)
#   IMAGE_DIR/initramfs.cpio.gz   loads the virtio modules, mounts the root, switch_root
#   IMAGE_DIR/vmlinuz
# Reproducible: every timestamp is SOURCE_DATE_EPOCH (default: the last commit's
# time), owners are root, entries are sorted, gzip records no name or time.
set -eu
build=$(cd "${1:?usage: build-image.sh BUILD IMAGE_DIR}" && pwd)
img=${2:?usage: build-image.sh BUILD IMAGE_DIR}
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$img"
img=$(cd "$img" && pwd)
kernel=$img/kernel
[ -e "$kernel/vmlinuz" ] || { echo "build-image: no $kernel/vmlinuz (fetch-kernel.sh)" >&2; exit 1; }
# A build whose seccomp filters only log (Kconfig SECCOMP_LOG, for measuring an
# allow-list) confines nothing: it never becomes an appliance.
if grep -q '^#define CONFIG_SECCOMP_LOG' "$build/config.h" 2>/dev/null; then
    echo "build-image: $build is a CONFIG_SECCOMP_LOG build (filters log, never kill)" >&2
    exit 1
fi
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
    SOURCE_DATE_EPOCH=$(git -C "$top" log -1 --format=%ct 2>/dev/null || echo 1)
fi
export SOURCE_DATE_EPOCH LC_ALL=C
umask 022

root=$img/rootfs
rm -rf "$root" "$img/initramfs"
mkdir -p "$root"
cd "$root"
mkdir -p bin sbin usr/bin usr/sbin usr/lib/ca usr/lib/softhsm lib64 lib/x86_64-linux-gnu \
    etc/ca proc sys dev tmp run data export mnt root var/lib var/empty
chmod 0555 var/empty          # cad's chroot for the worker: root's, empty, read-only
chmod 0700 root
chmod 1777 tmp
ln -s /data/ca var/lib/ca     # CONFIG_DATA_DIR: caadm works without --data

# busybox: one static binary, an absolute link per applet. Its mke2fs makes only
# ext2: e2fsprogs' mke2fs (below) formats the data disk.
cp /bin/busybox bin/busybox
/bin/busybox --list-full | sort | while read -r a; do
    case "$a" in linuxrc | */mke2fs | bin/busybox) continue ;; esac
    [ -e "$a" ] || [ -L "$a" ] || ln -s /bin/busybox "$a"
done

# The appliance, stripped (deterministic): cad finds the others next to itself.
bins="cad ca-ledger ca-custodian ca-worker ca-auth caadm careq"
for b in $bins; do
    strip --strip-unneeded -o "usr/bin/$b" "$build/bin/$b"
done
cp --remove-destination /usr/sbin/mke2fs usr/sbin/mke2fs
cp /etc/mke2fs.conf etc/mke2fs.conf
# SoftHSM2: the module the configuration names (CONFIG_HSM_MODULE_PATH) and where
# Debian keeps it.
softhsm=$(readlink -f /usr/lib/softhsm/libsofthsm2.so)
mkdir -p "$root$(dirname "$softhsm")"
cp "$softhsm" "$root$softhsm"
cp "$softhsm" usr/lib/softhsm/libsofthsm2.so
# gss-ntlmssp, the GSSAPI mechanism ca-auth accepts NTLM with: loaded by MIT
# GSSAPI from /etc/gss/mech.d, so ldd does not name it.
ntlmssp=/usr/lib/x86_64-linux-gnu/gssntlmssp/gssntlmssp.so
mkdir -p "$root$(dirname "$ntlmssp")" etc/gss/mech.d
cp -L "$ntlmssp" "$root$ntlmssp"
cp /etc/gss/mech.d/mech.ntlmssp.conf etc/gss/mech.d/mech.ntlmssp.conf
# gss-ntlmssp converts to UTF-16LE with iconv: glibc's gconv module, dlopen()ed
# through the module cache (without them every NTLM logon failed with EBADF).
gconv=/usr/lib/x86_64-linux-gnu/gconv
mkdir -p "$root$gconv"
cp "$gconv/gconv-modules.cache" "$gconv/UTF-16.so" "$root$gconv/"
# NTLM needs MD4 and RC4, which OpenSSL 3 keeps in its legacy provider (dlopen()ed).
legacy=/usr/lib/x86_64-linux-gnu/ossl-modules/legacy.so
mkdir -p "$root$(dirname "$legacy")"
cp -L "$legacy" "$root$legacy"
# Exactly the shared libraries that ldd names (transitively), at the paths it names.
for f in $(for b in $bins; do echo "usr/bin/$b"; done) usr/sbin/mke2fs "$root$softhsm" \
    "$root$ntlmssp" "$root$legacy" "$root$gconv/UTF-16.so"; do
    ldd "$f" | awk '{for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i}'
done | sort -u | while read -r lib; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
done

# Init, first boot, provisioning, configuration.
cp "$top/platform/image-init.sh" usr/lib/ca/image-init.sh
cp "$top/hsm/provision-softhsm.sh" usr/lib/ca/provision-softhsm.sh
chmod 0755 usr/lib/ca/*.sh
cp "$top/image/inittab" etc/inittab
cp "$top/image/demo.conf" etc/ca/image.conf
# Operators are ordinary users in the group ca-operators (the console socket's,
# cad's default operators_group), never root. /etc is read-only on the image, so
# they are named when it is built: IMAGE_OPERATORS="alice:1001 bob:1002" (name:uid,
# uid 1000..59999); each gets its own group, a shell, and a home on the data disk
# (/data/home/NAME, made 0700 at boot by image-init.sh) for its caadm session file.
ops_passwd= ops_group= ops_members=
for op in ${IMAGE_OPERATORS:-}; do
    name=${op%%:*} uid=${op#*:}
    case "$name" in '' | *[!a-z0-9_-]* | -*) echo "build-image: IMAGE_OPERATORS: bad name '$name'" >&2; exit 1 ;; esac
    case "$uid" in '' | *[!0-9]*) echo "build-image: IMAGE_OPERATORS: bad uid '$uid'" >&2; exit 1 ;; esac
    if [ "$uid" -lt 1000 ] || [ "$uid" -gt 59999 ]; then
        echo "build-image: IMAGE_OPERATORS: uid $uid outside 1000..59999" >&2; exit 1
    fi
    ops_passwd="$ops_passwd$name:x:$uid:$uid:CA operator:/data/home/$name:/bin/sh
"
    ops_group="$ops_group$name:x:$uid:
"
    ops_members="${ops_members:+$ops_members,}$name"
done
cat > etc/passwd <<PW
root:x:0:0:root:/root:/bin/sh
ca-ledger:x:101:101:CA ledger:/var/empty:/sbin/nologin
ca-custodian:x:102:102:CA key custodian:/var/empty:/sbin/nologin
ca-worker:x:103:103:CA network worker:/var/empty:/sbin/nologin
ca-auth:x:104:104:CA credential checker:/var/empty:/sbin/nologin
${ops_passwd}nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
PW
cat > etc/group <<GR
root:x:0:
ca-ledger:x:101:
ca-custodian:x:102:
ca-worker:x:103:
ca-auth:x:104:
ca-operators:x:105:$ops_members
${ops_group}nogroup:x:65534:
GR
echo "ca-appliance" > etc/hostname
cat > etc/profile <<'PROFILE'
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PS1='ca-appliance# '
echo "CA appliance console: caadm status | caadm verify | ca-ledger show; poweroff to stop"
PROFILE
cat > etc/nsswitch.conf <<NSS
passwd: files
group: files
NSS

chmod -R go-w "$root"
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
rm -f "$img/root.squashfs"
# -all-root: no build user leaks into the image; fixed times; one processor keeps
# the block order the same from build to build.
env -u SOURCE_DATE_EPOCH mksquashfs "$root" "$img/root.squashfs" -quiet -noappend -comp zstd -all-root \
    -no-xattrs -mkfs-time "$SOURCE_DATE_EPOCH" -all-time "$SOURCE_DATE_EPOCH" \
    -processors 1 >/dev/null

# The initramfs: static busybox, the modules in order, /init.
ir=$img/initramfs
mkdir -p "$ir/bin" "$ir/dev" "$ir/proc" "$ir/newroot" "$ir/lib/modules"
cp /bin/busybox "$ir/bin/busybox"
for a in sh mount umount insmod switch_root sleep cat echo; do
    ln -s busybox "$ir/bin/$a"
done
cp "$kernel/modules/"*.ko "$kernel/modules/modules.order" "$ir/lib/modules/"
cp "$top/image/initramfs-init.sh" "$ir/init"
chmod 0755 "$ir/init"
mknod -m 600 "$ir/dev/console" c 5 1   # the kernel opens it before /init runs
find "$ir" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
(cd "$ir" && find . | sort | cpio -o -H newc -R 0:0 --reproducible --quiet) |
    gzip -9 -n > "$img/initramfs.cpio.gz"
cp "$kernel/vmlinuz" "$img/vmlinuz"
rm -rf "$ir"
echo "build-image: $(du -k "$img/root.squashfs" | cut -f1) KiB root.squashfs," \
     "$(du -k "$img/initramfs.cpio.gz" | cut -f1) KiB initramfs," \
     "$(du -k "$img/vmlinuz" | cut -f1) KiB vmlinuz;" \
     "sha256 $(sha256sum "$img/root.squashfs" | cut -c1-16)"
