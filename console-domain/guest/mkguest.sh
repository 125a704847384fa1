#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The demo guest's initramfs: busybox-static from packages.lock and
# console-domain/guest/init, as a zstd-compressed newc cpio.  Its kernel is
# the console's own (Debian's), so nothing else is needed.
#
#   mkguest.sh <lockfile> <deb-cache> <work-dir> <initrd-out>
set -euo pipefail
(($# == 4)) || { echo "usage: $0 <lockfile> <deb-cache> <work-dir> <initrd-out>" >&2; exit 2; }
lock=$1 cache=$2 work=$(realpath -m "$3") out=$4
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
python3 "$src/../mkcpio.py" --node dev/console 0600 c 5 1 --node dev/ttyS0 0660 c 4 64 "$work/root" |
    zstd -q -19 -o "$out.tmp" -f
mv "$out.tmp" "$out"
