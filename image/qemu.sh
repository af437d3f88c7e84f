#!/bin/sh
# Boots the appliance image under QEMU (TCG: these machines have no usable KVM).
#
#   image/qemu.sh IMAGE_DIR DATA_DISK [EXPORT_DISK]
#
# Disks, in this order (the guest's names): vda the read-only root.squashfs, vdb
# DATA_DISK (raw; all zeros = formatted ext4 at first boot), vdc EXPORT_DISK (raw;
# the guest writes a tar of ca.crt and ca-chain.pem there). Environment:
#   EPM_HOST_PORT   host port forwarded to the guest's endpoint mapper (135); default 13135
#   ICPR_PORT       MS-ICPR port, the same number on both sides (the endpoint mapper
#                   answers it, so the host's client must find it there); default 5022
#   CONSOLE         QEMU -serial for the console (ttyS0); default mon:stdio
#   AGENT           a path: the scripting channel (ttyS1) as a unix socket there
#   MEM             guest memory; default 512M
#   KERNEL_ARGS     more kernel arguments (e.g. ca.first_boot=wait)
# Execs QEMU: the caller's PID is QEMU's (the power-cut tests SIGKILL it).
set -eu
img=${1:?usage: qemu.sh IMAGE_DIR DATA_DISK [EXPORT_DISK]}
data=${2:?usage: qemu.sh IMAGE_DIR DATA_DISK [EXPORT_DISK]}
export_disk=${3:-}
epm=${EPM_HOST_PORT:-13135}
icpr=${ICPR_PORT:-5022}
append="console=ttyS0 panic=-1 quiet ca.icpr_port=$icpr${KERNEL_ARGS:+ $KERNEL_ARGS}"
set -- -accel tcg -cpu max -M pc -smp 1 -m "${MEM:-512M}" -nographic -nodefaults \
    -no-reboot -kernel "$img/vmlinuz" -initrd "$img/initramfs.cpio.gz" \
    -serial "${CONSOLE:-mon:stdio}"
if [ -n "${AGENT:-}" ]; then
    set -- "$@" -serial "unix:$AGENT,server=on,wait=off"
    append="$append ca.agent=1"
fi
set -- "$@" -append "$append" \
    -drive "file=$img/root.squashfs,format=raw,if=virtio,readonly=on" \
    -drive "file=$data,format=raw,if=virtio,cache=writeback"
if [ -n "$export_disk" ]; then
    set -- "$@" -drive "file=$export_disk,format=raw,if=virtio"
fi
# restrict=on: the guest reaches nothing but the forwarded ports' peers.
set -- "$@" \
    -netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$epm-:135,hostfwd=tcp:127.0.0.1:$icpr-:$icpr" \
    -device virtio-net-pci,netdev=n0,romfile= \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04
case "${CONSOLE:-mon:stdio}" in
*stdio*) exec qemu-system-x86_64 "$@" ;;          # the terminal is the console
*) exec qemu-system-x86_64 "$@" </dev/null ;;
esac
