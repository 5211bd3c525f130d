#!/bin/bash
# Builds vmdesk's golden guest root filesystem: Debian (debootstrap) with Xvfb, openbox, x11vnc, Chromium, a JRE
# and the vmdesk agent, each started by a systemd unit; nothing in it reconfigures eth0 after the kernel (or
# vmdesk-ip.service, for kernels without CONFIG_IP_PNP) set it from ip=.
#
#   images/golden/build.sh        prints the path of rootfs.ext4 (last line of stdout); progress on stderr
#
# Cached outside the repository, keyed by a hash of its inputs (this directory, the agent jar, the suite and the
# mirror): VMDESK_IMAGE_CACHE (default /var/cache/vmdesk/images)/golden-<hash>/rootfs.ext4. Needs root and
# debootstrap; takes several minutes and about 2 GiB. The image is made with mkfs.ext4 -d: nothing is mounted.
# Settings: VMDESK_GOLDEN_SUITE (bookworm), VMDESK_GOLDEN_MIRROR (http://deb.debian.org/debian).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${VMDESK_IMAGE_CACHE:-/var/cache/vmdesk/images}
suite=${VMDESK_GOLDEN_SUITE:-bookworm}
mirror=${VMDESK_GOLDEN_MIRROR:-http://deb.debian.org/debian}
agent_jar=${VMDESK_AGENT_JAR:-$repo/agent/target/vmdesk-agent.jar}
steps=7
step=0
say() { echo "golden: $*" >&2; }
progress() { step=$((step + 1)); say "[$step/$steps] $*"; }

[ "$(id -u)" = 0 ] || { say "needs root (debootstrap chroots): run it as root"; exit 1; }
command -v debootstrap >/dev/null || { say "debootstrap is missing: apt-get install debootstrap"; exit 1; }
command -v mkfs.ext4 >/dev/null || { say "mkfs.ext4 is missing: apt-get install e2fsprogs"; exit 1; }
[ -f "$agent_jar" ] || { say "no agent jar at $agent_jar: build it first (mvn -pl agent package, or ./vmdesk dist)"; exit 1; }

hash=$( (cd "$here" && find . -type f -print0 | sort -z | xargs -0 sha256sum; sha256sum "$agent_jar" | cut -d' ' -f1
        echo "$suite $mirror") | sha256sum | cut -c1-16)
out="$cache/golden-$hash"
if [ -f "$out/rootfs.ext4" ]; then
    say "cached: $out/rootfs.ext4"
    echo "$out/rootfs.ext4"
    exit 0
fi

work=$(mktemp -d)
cleanup() {
    # A failure may leave /proc, /sys and the host's /dev mounted in the chroot: unmount them, and never delete
    # through a mount that is still there (--one-file-system, and not at all if one survived).
    for m in dev/pts dev sys proc; do mountpoint -q "$work/root/$m" 2>/dev/null && umount -l "$work/root/$m" || true; done
    for m in dev/pts dev sys proc; do
        if mountpoint -q "$work/root/$m" 2>/dev/null; then
            say "$work/root/$m is still mounted: left $work in place (unmount it, then rm -rf $work)"
            return
        fi
    done
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT
root="$work/root"

# No ifupdown, no network-manager, no DHCP client: the kernel's ip= (or vmdesk-ip.service) configures eth0 alone.
# Two phases: debootstrap's own resolver only copes with a small base; apt-get in the chroot installs the desktop.
base=systemd,systemd-sysv,dbus,iproute2,procps,curl,ca-certificates
desktop="xvfb openbox x11vnc chromium default-jre-headless fonts-dejavu-core"
progress "debootstrap $suite from $mirror"
if ! debootstrap --variant=minbase --include="$base" "$suite" "$root" "$mirror" 2>&1 | sed -u 's/^/golden:   /' >&2; then
    tail -n 30 "$root/debootstrap/debootstrap.log" 2>/dev/null | sed 's/^/golden: debootstrap.log: /' >&2
    say "debootstrap failed (see above)"
    exit 1
fi

progress "installing the desktop in the image: $desktop (the longest step)"
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"   # no service starts inside the build
chmod +x "$root/usr/sbin/policy-rc.d"
chroot "$root" apt-get -q update 2>&1 | sed -u 's/^/golden:   /' >&2
DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get install -y -q --no-install-recommends $desktop 2>&1 \
    | sed -u 's/^/golden:   /' >&2
rm -f "$root/usr/sbin/policy-rc.d"
for m in dev/pts dev sys proc; do umount "$root/$m"; done
packages="$base ${desktop// /,}"

progress "installing the agent and the units"
install -d "$root/opt/vmdesk" "$root/usr/local/sbin"
install -m 0644 "$agent_jar" "$root/opt/vmdesk/vmdesk-agent.jar"
install -m 0755 "$here"/bin/* "$root/usr/local/sbin/"
install -m 0644 "$here"/units/*.service "$root/etc/systemd/system/"
chroot "$root" useradd --create-home --uid 1000 --shell /usr/sbin/nologin desktop
for unit in "$here"/units/*.service; do
    chroot "$root" systemctl enable "$(basename "$unit")" >&2
done

progress "making sure nothing reconfigures eth0"
# networkd ships with systemd: masked, so neither a unit nor socket activation ever starts it
chroot "$root" systemctl mask systemd-networkd.service systemd-networkd.socket systemd-networkd-wait-online.service >&2
rm -f "$root"/etc/systemd/network/*.network
echo vmdesk-guest > "$root/etc/hostname"
chroot "$root" passwd -l root >/dev/null
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin

progress "writing the ext4 image (mkfs.ext4 -d, no mount)"
used_kib=$(du -sk "$root" | cut -f1)
size_mib=$(( used_kib * 13 / 10 / 1024 + 256 ))
mkdir -p "$cache"
stage="$cache/.golden-$hash.$$"
mkdir -p "$stage"
mkfs.ext4 -q -L vmdesk-root -d "$root" "$stage/rootfs.ext4" "${size_mib}M" >&2
printf 'suite %s\nmirror %s\npackages %s\nagent %s\n' "$suite" "$mirror" "$packages" \
    "$(sha256sum "$agent_jar" | cut -d' ' -f1)" > "$stage/MANIFEST"

progress "checking it with vmdesk image inspect --strict"
if [ -x "$repo/vmdesk" ]; then
    "$repo/vmdesk" image inspect --strict "$stage/rootfs.ext4" >&2 || { say "the image fails its own inspection (above)"; exit 1; }
fi

progress "done"
rm -rf "$out"
mv "$stage" "$out"
say "built: $out/rootfs.ext4 ($(du -sh --apparent-size "$out/rootfs.ext4" | cut -f1), sparse)"
echo "$out/rootfs.ext4"
