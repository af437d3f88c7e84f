#!/bin/sh
# The initramfs's /init: load the virtio drivers (the cloud kernel has them as
# modules, order from modules.order), mount the read-only root from the first
# virtio disk and hand over to its /sbin/init. On failure, a shell on the console.
mount -t devtmpfs devtmpfs /dev
mount -t proc proc /proc
while read -r m; do
    insmod "/lib/modules/$m" || echo "initramfs: cannot load $m"
done < /lib/modules/modules.order
n=0
while [ ! -b /dev/vda ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
if mount -t squashfs -o ro /dev/vda /newroot; then
    umount /proc
    mount --move /dev /newroot/dev
    exec switch_root /newroot /sbin/init
fi
echo "initramfs: cannot mount the root file system (/dev/vda): shell"
exec sh
