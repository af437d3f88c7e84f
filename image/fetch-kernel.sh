#!/bin/sh
# Fetches the Debian cloud kernel package (never installed on the host) into a
# download cache and extracts vmlinuz and the modules the initramfs needs.
#
#   image/fetch-kernel.sh DL_DIR OUT_DIR
#
# DL_DIR keeps the .deb: later builds reuse it, so a rebuild gives the same bytes
# even after Debian publishes a newer kernel (delete DL_DIR to move on). OUT_DIR
# gets vmlinuz, kver and modules/ (the .ko files) with modules.order, the insmod
# order that `modprobe --show-depends` gives (virtio_ring, virtio, the virtio-pci
# transport, failover and virtio_net, virtio_blk, squashfs).
set -eu
dl=${1:?usage: fetch-kernel.sh DL_DIR OUT_DIR}
out=${2:?usage: fetch-kernel.sh DL_DIR OUT_DIR}
mkdir -p "$dl"
deb=$(ls "$dl"/linux-image-*-cloud-amd64_*.deb 2>/dev/null | LC_ALL=C sort | tail -n 1 || true)
if [ -z "$deb" ]; then
    resolve() {
        apt-cache depends linux-image-cloud-amd64 2>/dev/null |
            awk '/Depends: linux-image-/{print $2; exit}'
    }
    pkg=$(resolve)
    if [ -z "$pkg" ]; then
        apt-get update -q >/dev/null   # a fresh machine's package lists may be empty
        pkg=$(resolve)
    fi
    [ -n "$pkg" ] || { echo "fetch-kernel: no linux-image-cloud-amd64 package" >&2; exit 1; }
    # apt-get download writes into the current directory; _apt cannot write into a
    # root-only build tree, which only costs a warning.
    (cd "$dl" && apt-get download -q "$pkg")
    deb=$(ls "$dl"/linux-image-*-cloud-amd64_*.deb | LC_ALL=C sort | tail -n 1)
fi
tmp=$out.tmp
rm -rf "$tmp"
mkdir -p "$tmp/kroot" "$tmp/modules"
dpkg-deb -x "$deb" "$tmp/kroot"
kv=$(ls "$tmp/kroot/lib/modules")
depmod -b "$tmp/kroot" "$kv"        # the .deb ships no modules.dep
cp "$tmp/kroot/boot/vmlinuz-$kv" "$tmp/vmlinuz"
echo "$kv" > "$tmp/kver"
: > "$tmp/modules/modules.order"
for m in virtio_pci virtio_net virtio_blk squashfs; do
    modprobe -d "$tmp/kroot" -S "$kv" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
done | while read -r ko; do
    name=$(basename "$ko")
    if ! grep -qx "$name" "$tmp/modules/modules.order"; then
        cp "$ko" "$tmp/modules/$name"
        echo "$name" >> "$tmp/modules/modules.order"
    fi
done
rm -rf "$tmp/kroot" "$out"
mv "$tmp" "$out"
echo "fetch-kernel: $(basename "$deb"): kernel $kv, modules: $(tr '\n' ' ' < "$out/modules/modules.order")"
