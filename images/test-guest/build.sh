#!/bin/bash
# Builds vmdesk's test guest: Debian's kernel + an initramfs (busybox, virtio modules, rfbd, init).
#
#   images/test-guest/build.sh            prints the directory holding vmlinuz and initrd.gz (last line of stdout)
#
# The result is cached outside the repository, keyed by a hash of its inputs (this directory's files, the kernel
# package and busybox versions): VMDESK_IMAGE_CACHE (default /var/cache/vmdesk/images)/test-guest-<hash>/.
# The kernel package is only downloaded and unpacked (apt-get download, dpkg-deb -x), never installed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${VMDESK_IMAGE_CACHE:-/var/cache/vmdesk/images}
say() { echo "test-guest: $*" >&2; }

kernel_pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
if [ -z "$kernel_pkg" ]; then
    say "apt-cache knows no linux-image-amd64 candidate; run 'apt-get update' and try again"
    exit 1
fi
kernel_version=$(apt-cache policy "$kernel_pkg" | awk '/Candidate:/ {print $2}')
busybox_version=$(dpkg-query -W -f '${Version}' busybox-static 2>/dev/null || true)
if [ -z "$busybox_version" ] || [ ! -x /bin/busybox ]; then
    say "busybox-static is missing: apt-get install busybox-static (or ./vmdesk deps)"
    exit 1
fi
hash=$( (cd "$here" && sha256sum build.sh init rfbd.c; echo "$kernel_pkg $kernel_version busybox $busybox_version") \
    | sha256sum | cut -c1-16)
out="$cache/test-guest-$hash"
if [ -f "$out/initrd.gz" ] && [ -f "$out/vmlinuz" ]; then
    say "cached: $out"
    echo "$out"
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
say "downloading $kernel_pkg $kernel_version (not installed, only unpacked)"
(cd "$work" && chmod 777 . && apt-get -q download "$kernel_pkg=$kernel_version" 2>&1 | grep -v -e '^W: Download is performed unsandboxed' >&2 || true)
deb=$(ls "$work"/"$kernel_pkg"_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { say "apt-get download $kernel_pkg failed (network? apt sources?)"; exit 1; }
dpkg-deb -x "$deb" "$work/kernel"
release=${kernel_pkg#linux-image-}
modules="$work/kernel/lib/modules/$release/kernel"

say "building the initramfs"
root="$work/root"
mkdir -p "$root"/{bin,dev,proc,sys,lib/modules}
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
install -m 0755 "$here/init" "$root/init"
gcc -O2 -static -Wall -o "$root/bin/rfbd" "$here/rfbd.c"
# The NIC's driver stack on QEMU microvm and Firecracker: virtio over MMIO. Debian builds them as modules.
for name in virtio virtio_ring virtio_mmio failover net_failover virtio_net; do
    found=$(find "$modules" -name "$name.ko" -o -name "$name.ko.xz" | head -1)
    [ -n "$found" ] || { say "module $name not in $kernel_pkg"; exit 1; }
    case "$found" in
        *.xz) xz -dc "$found" > "$root/lib/modules/$name.ko" ;;
        *) cp "$found" "$root/lib/modules/$name.ko" ;;
    esac
done
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) > "$work/initrd.gz"

mkdir -p "$cache"
stage="$cache/.test-guest-$hash.$$"
mkdir -p "$stage"
cp "$work/kernel/boot/vmlinuz-$release" "$stage/vmlinuz"
cp "$work/initrd.gz" "$stage/initrd.gz"
printf 'kernel %s %s\nbusybox %s\n' "$kernel_pkg" "$kernel_version" "$busybox_version" > "$stage/MANIFEST"
rm -rf "$out"
mv "$stage" "$out"
say "built: $out ($(du -sh "$out" | cut -f1))"
echo "$out"
