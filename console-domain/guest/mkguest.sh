#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The demo guest's initramfs: busybox-static from packages.lock,
# console-domain/guest/init and the drivers of ESX's virtual hardware
# (PVSCSI, vmxnet3) from the kernel's own modules, as a zstd-compressed
# newc cpio.  Its kernel is the console's own (Debian's).
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
exec {lockfd}>&-
dpkg-deb -x "$deb" "$work/deb"
install -m 755 "$work/deb/bin/busybox" "$work/root/bin/busybox"
install -m 755 "$src/init" "$work/root/init"
install -m 755 "$src/udhcpc.script" "$work/root/bin/udhcpc.script"
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
