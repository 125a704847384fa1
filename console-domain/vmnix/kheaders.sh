#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Unpack the kernel headers the vmnix module is built against.
#
#   kheaders.sh <lockfile> <deb-cache> <out-dir> <release>...
#
# For each release (6.1.0-57-cloud-amd64, ...) fetches
# linux-headers-<release>, their -common package and linux-kbuild-<major.minor>
# at the versions pinned in the lock file and unpacks them under <out-dir>
# (rebuilt from scratch) with dpkg-deb -x; nothing is installed.  The
# packages assume they live in /: the flavour's Makefile includes
# /usr/src/linux-headers-<abi>-common/Makefile and lib/modules/*/build points
# at /usr/src.  Those are made relative, so that
#   make -C <out-dir>/usr/src/linux-headers-<release> M=<module dir>
# works wherever the tree is.
set -euo pipefail

(($# >= 4)) || { echo "usage: $0 <lockfile> <deb-cache> <out-dir> <release>..." >&2; exit 2; }
lock=$1 cache=$2 out=$3
shift 3
fetch=$(cd "$(dirname "$0")/../.." && pwd)/tools/build/fetch-debs.sh

pkgs=()
for release in "$@"; do
    abi=$(cut -d- -f1,2 <<<"$release")     # 6.1.0-57
    kbuild=$(cut -d. -f1,2 <<<"$release")
    pkgs+=("linux-headers-$release" "linux-headers-$abi-common" "linux-kbuild-$kbuild")
done
# One fetch at a time: the console build fetches into the same cache.
mkdir -p "$cache"
exec {lockfd}>"$cache/.console-fetch.lock"
flock "$lockfd"
list=$("$fetch" "$lock" "$cache" "${pkgs[@]}")
mapfile -t debs <<<"$list"
exec {lockfd}>&-

rm -rf "$out"
mkdir -p "$out"
for d in "${debs[@]}"; do
    dpkg-deb -x "$d" "$out"
done
for release in "$@"; do
    hdr=$out/usr/src/linux-headers-$release
    [[ -f $hdr/Makefile ]] || { echo "kheaders.sh: no $hdr/Makefile" >&2; exit 1; }
    # include /usr/src/linux-headers-X-common/Makefile -> the one next to it.
    sed -i 's|^include /usr/src/\(linux-headers-[^/]*\)/Makefile$|include $(dir $(realpath $(lastword $(MAKEFILE_LIST))))../\1/Makefile|' "$hdr/Makefile"
    grep -q '^include /' "$hdr/Makefile" && { echo "kheaders.sh: $hdr/Makefile still includes an absolute path" >&2; exit 1; }
    for l in build source; do
        link=$out/lib/modules/$release/$l
        [[ -L $link ]] && ln -sfn "../../..$(readlink "$link")" "$link"
    done
done
# Anything else that still points at the build host's / would be a surprise.
if bad=$(find "$out" -type l -lname '/*' | head -n 3) && [[ -n $bad ]]; then
    echo "kheaders.sh: absolute symlinks left: $bad" >&2
    exit 1
fi
echo "kernel headers for $* in $out"
