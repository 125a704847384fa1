#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The demo guest's initramfs: busybox-static from packages.lock,
# console-domain/guest/init, the drivers of ESX's virtual hardware
# (PVSCSI, vmxnet3) from the kernel's own modules, and VMware Tools
# (open-vm-tools' vmtoolsd with the plugins that report the guest's IP
# address and carry out soft power operations, and vmware-rpctool) and
# iperf3 (make bench's TCP throughput; busybox nc is not up to it) with
# their libraries, as a zstd-compressed newc cpio.  Its kernel is the
# console's own (Debian's).
#
#   mkguest.sh <lockfile> <deb-cache> <work-dir> <kernel-modules-dir> <initrd-out>
set -euo pipefail
(($# == 5)) || { echo "usage: $0 <lockfile> <deb-cache> <work-dir> <kernel-modules-dir> <initrd-out>" >&2; exit 2; }
lock=$1 cache=$2 work=$(realpath -m "$3") modules=$4 out=$5
src=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work"
mkdir -p "$work/deb" "$work/root/bin"
mkdir -p "$cache"
exec {lockfd}>"$cache/.console-fetch.lock"
flock "$lockfd"
deb=$("$src/../../tools/build/fetch-debs.sh" "$lock" "$cache" busybox-static)
pool_debs=($("$src/../../tools/build/fetch-debs.sh" --with-libs "$lock" "$cache" open-vm-tools iperf3))
exec {lockfd}>&-
dpkg-deb -x "$deb" "$work/deb"
install -m 755 "$work/deb/bin/busybox" "$work/root/bin/busybox"
install -m 755 "$src/init" "$work/root/init"
install -m 755 "$src/udhcpc.script" "$work/root/bin/udhcpc.script"
mkdir -p "$work/pool" "$work/root/sbin"
for d in "${pool_debs[@]}"; do dpkg-deb -x "$d" "$work/pool"; done
plugins=/usr/lib/x86_64-linux-gnu/open-vm-tools/plugins/vmsvc
python3 "$src/../rootfs_install.py" --pool "$work/pool" --root "$work/root" /usr/bin/vmtoolsd \
    /usr/bin/vmware-rpctool $plugins/libguestInfo.so $plugins/libpowerOps.so /usr/bin/iperf3 >/dev/null
# What vmtoolsd runs for OS_Halt and OS_Reboot (busybox has no shutdown),
# and the power scripts it runs first, as a Tools install has them.
install -m 755 "$src/shutdown" "$work/root/sbin/shutdown"
mkdir -p "$work/root/etc/vmware-tools"
for state in poweroff poweron resume suspend; do
    printf '#!/bin/sh\necho "skerry-guest: VMware Tools %s script" >/dev/ttyS0\n' "$state" \
        >"$work/root/etc/vmware-tools/$state-vm-default"
    chmod 755 "$work/root/etc/vmware-tools/$state-vm-default"
done
mkdir -p "$work/root/lib/modules"
for m in drivers/scsi/scsi_common drivers/scsi/scsi_mod drivers/scsi/sd_mod drivers/scsi/vmw_pvscsi \
         drivers/net/vmxnet3/vmxnet3; do
    f=$(ls "$modules/kernel/$m.ko"* 2>/dev/null | head -n 1)
    [[ -n $f ]] || { echo "mkguest: $modules has no $m module" >&2; exit 1; }
    case $f in
    *.xz) xz -dc "$f" >"$work/root/lib/modules/${m##*/}.ko" ;;
    *.zst) zstd -qdc "$f" >"$work/root/lib/modules/${m##*/}.ko" ;;
    *) cp "$f" "$work/root/lib/modules/${m##*/}.ko" ;;
    esac
done
python3 "$src/../mkcpio.py" --node dev/console 0600 c 5 1 --node dev/ttyS0 0660 c 4 64 "$work/root" |
    zstd -q -19 -o "$out.tmp" -f
mv "$out.tmp" "$out"
