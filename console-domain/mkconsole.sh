#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build the service console's kernel and initramfs from Debian packages.
#
#   mkconsole.sh <lockfile> <deb-cache> <work-dir> <kernel-metapackage> <vmlinuz-out> <initrd-out>
#
# <kernel-metapackage> is linux-image-cloud-amd64 or linux-image-amd64; its
# Depends names the real package (linux-image-6.1.0-NN-<flavour>), which must
# be pinned in the lock file too, as must busybox-static.  Everything is
# unpacked under <work-dir> (rebuilt from scratch); details go to
# <work-dir>.log, one line a phase to stdout.  Needs dpkg-deb, kmod's depmod,
# modprobe and modinfo, python3, zstd or gzip.  Environment: VMNIX_KO, the
# vmnix module built for this kernel (put in /lib/modules/<release>/extra);
# SKERRY_PROGRAMS, CONSOLE_CREDENTIALS (below).
set -euo pipefail

(($# == 6)) || { echo "usage: $0 <lockfile> <deb-cache> <work-dir> <kernel-metapackage> <vmlinuz-out> <initrd-out>" >&2; exit 2; }
lock=$1 cache=$2 work=$(realpath -m "$3") meta=$4 vmlinuz_out=$5 initrd_out=$6
src=$(cd "$(dirname "$0")" && pwd)
fetch=$src/../tools/build/fetch-debs.sh
log=$work.log
modlist=$src/modules.txt
manifest=$src/rootfs.txt

# The manifest's packages and files (rootfs.txt: "package file..." with
# indented continuation lines).
manifest_packages=($(awk '/^[^#[:space:]]/ { print $1 }' "$manifest"))
manifest_files=($(awk '/^[[:space:]]*(#|$)/ { next } /^[^[:space:]]/ { $1 = "" } { print }' "$manifest"))

# depmod and modprobe live in /sbin, which a normal user's PATH may lack.
export PATH=$PATH:/usr/sbin:/sbin

mkdir -p "$(dirname "$work")"
: >"$log"
# phase <label> <command...>: output to the log.  set -e ends the script at
# the first failing command of a phase; the EXIT trap then shows the log's tail.
current=start
phase() {
    current=$1
    shift
    echo "  CONSOLE $current"
    echo "=== $current" >>"$log"
    "$@" >>"$log" 2>&1
}
trap 'rc=$?; ((rc == 0)) || { echo "console: \"$current\" failed, see $log:" >&2; tail -n 15 "$log" >&2; }' EXIT
note() { echo "$*" >>"$log"; }

rm -rf "$work"
mkdir -p "$work"
pkg=$work/pkg root=$work/root

# --- fetch: the metapackage names the real kernel package ------------------
fetch_debs() {
    local d lockfd
    # Both flavours may build at once (make -j) and share busybox-static.
    mkdir -p "$cache"
    exec {lockfd}>"$cache/.console-fetch.lock"
    flock "$lockfd"
    d=$("$fetch" "$lock" "$cache" "$meta")
    real=$(dpkg-deb -f "$d" Depends | tr ',' '\n' | sed -n 's/^ *\(linux-image-[^ (]*\).*/\1/p' | head -n 1)
    [[ -n $real ]] || { echo "$meta: no linux-image-* in its Depends" >&2; return 1; }
    note "$meta depends on $real"
    kernel_deb=$("$fetch" "$lock" "$cache" "$real")
    busybox_deb=$("$fetch" "$lock" "$cache" busybox-static)
    userland_debs=($("$fetch" --with-libs "$lock" "$cache" "${manifest_packages[@]}"))
    note "kernel: $kernel_deb"
    note "busybox: $busybox_deb"
    note "userland: ${userland_debs[*]}"
    exec {lockfd}>&-
}
phase "fetch $meta" fetch_debs
kernel_version=$(dpkg-deb -f "$kernel_deb" Version)

phase "unpack $real $kernel_version" dpkg-deb -x "$kernel_deb" "$pkg"
phase "unpack busybox-static" dpkg-deb -x "$busybox_deb" "$work/busybox"
unpack_pool() {
    local d
    for d in "${userland_debs[@]}"; do
        dpkg-deb -x "$d" "$work/pool"
    done
    echo "${#userland_debs[@]} packages unpacked"
}
phase "unpack ${#manifest_packages[@]} userland packages and their libraries" unpack_pool

release=$(ls "$pkg/lib/modules")
[[ -n $release && $(wc -w <<<"$release") == 1 ]] ||
    { echo "console: expected one kernel release under $pkg/lib/modules, got '$release'" >&2; exit 1; }
config=$pkg/boot/config-$release
note "kernel release $release"

# --- the initramfs tree --------------------------------------------------
make_tree() {
    mkdir -p "$root"
    (cd "$root" && mkdir -p bin sbin usr/bin usr/sbin lib etc root tmp proc sys dev mnt run var/log \
        etc/udhcpc)
    ln -s ../run "$root/var/run"
    chmod 1777 "$root/tmp"
    chmod 700 "$root/root"
    cp -a "$src/initramfs/." "$root/"
    chmod 600 "$root/etc/shadow"
    ln -s /proc/mounts "$root/etc/mtab"
    ln -s /usr/share/udhcpc/default.script "$root/etc/udhcpc/default.script"

    # root's password hash and authorized keys from the build's credentials
    # (console-domain/credentials.sh); without them root's password is locked.
    local hash='!' creds=${CONSOLE_CREDENTIALS:-}
    if [[ -n $creds ]]; then
        hash=$("$work/busybox/bin/busybox" mkpasswd -m sha512 "$(cat "$creds/root-password")" \
            "$(cat "$creds/root-password.salt")")
        [[ $hash == \$6\$* ]] || { echo "mkpasswd gave no SHA-512 hash" >&2; return 1; }
        install -d -m 700 "$root/root/.ssh"
        install -m 600 "$creds/authorized_keys" "$root/root/.ssh/authorized_keys"
        echo "root: password from $creds/root-password, $(wc -l <"$creds/authorized_keys") authorized keys"
    fi
    sed -i "s|@ROOT_HASH@|$hash|" "$root/etc/shadow"
    chmod 600 "$root/etc/gshadow"
    chmod 700 "$root/root"
    mkdir -p "$root/var/lib" "$root/home"

    # The programs from Debian packages and Skerry's own (SKERRY_PROGRAMS,
    # Debian 12 binaries built on the host: vmkfstools, vmfs-fuse, ...),
    # with their libraries.  Skerry's go in stripped, as Debian's do: the
    # console unpacks every byte at boot, and build/bin keeps the symbols.
    local prog own=()
    for prog in ${SKERRY_PROGRAMS:-}; do
        install -D -m 755 -s "$prog" "$work/pool/usr/sbin/${prog##*/}"
        own+=("/usr/sbin/${prog##*/}")
    done
    python3 "$src/rootfs_install.py" --pool "$work/pool" --root "$root" "${manifest_files[@]}" "${own[@]}"
    declare -A packaged=()
    local f
    for f in "${manifest_files[@]}"; do packaged[${f##*/}]=1; done

    # busybox and a link for every applet, at the paths it reports itself,
    # unless a packaged program has that name.
    install -m 755 "$work/busybox/bin/busybox" "$root/bin/busybox"
    local applet n=0
    while read -r applet; do
        [[ $applet == bin/busybox ]] && continue
        [[ -n ${packaged[${applet##*/}]:-} ]] && continue
        [[ -e $root/$applet || -L $root/$applet ]] && continue   # /init, ...
        mkdir -p "$root/$(dirname "$applet")"
        ln -s "$(realpath -m --relative-to="$root/$(dirname "$applet")" "$root/bin/busybox")" "$root/$applet"
        n=$((n + 1))
    done < <("$root/bin/busybox" --list-full)
    echo "$n busybox applet links"
}
phase "initramfs tree (busybox, /init, /etc)" make_tree

# --- modules -------------------------------------------------------------
boot_modules=() missing=() builtin=()
copy_modules() {
    local moddir=lib/modules/$release
    depmod -b "$pkg" "$release"
    mkdir -p "$root/$moddir"
    local name flag line path n=0
    while read -r name flag; do
        [[ -z $name || $name == \#* ]] && continue
        name=${name//-/_}
        [[ ${flag:-} == boot ]] && boot_modules+=("$name")
        local out
        if ! out=$(modprobe -d "$pkg" -S "$release" --show-depends "$name" 2>&1); then
            echo "$name: not in this kernel ($out)"
            missing+=("$name")
            continue
        fi
        while read -r line; do
            case $line in
            builtin\ *)
                echo "$name: ${line#builtin } is built in"
                [[ ${line#builtin } == "$name" ]] && builtin+=("$name")
                ;;
            insmod\ *)
                path=${line#insmod }
                path=${path%% *}
                path=${path#"$pkg/$moddir/"}
                if [[ ! -e $root/$moddir/$path ]]; then
                    mkdir -p "$root/$moddir/$(dirname "$path")"
                    cp "$pkg/$moddir/$path" "$root/$moddir/$path"
                    echo "$name: $path"
                    n=$((n + 1))
                fi
                ;;
            *) echo "$name: unexpected line from modprobe: $line" >&2; return 1 ;;
            esac
        done <<<"$out"
    done <"$modlist"
    # Skerry's own module (VMNIX_KO, console-domain/vmnix), built against
    # this very kernel: its vermagic must name this release.
    if [[ -n ${VMNIX_KO:-} ]]; then
        local magic
        magic=$(modinfo -F vermagic "$VMNIX_KO")
        [[ ${magic%% *} == "$release" ]] ||
            { echo "$VMNIX_KO was built for '${magic%% *}', not $release" >&2; return 1; }
        install -D -m 644 "$VMNIX_KO" "$root/$moddir/extra/vmnix.ko"
        strip --strip-debug "$root/$moddir/extra/vmnix.ko"     # as Debian's modules; the build keeps the debug copy
        echo "vmnix: extra/vmnix.ko ($magic)"
    fi
    # The module index for busybox modprobe (modules.dep, modules.alias,
    # modules.builtin); kmod's binary indexes are not read by busybox.
    local f
    for f in modules.order modules.builtin modules.builtin.modinfo; do
        cp "$pkg/$moddir/$f" "$root/$moddir/"
    done
    depmod -b "$root" "$release"
    rm -f "$root/$moddir"/*.bin
    printf '%s\n' "${boot_modules[@]}" >"$root/etc/modules"
    echo "$n module files copied; missing: ${missing[*]:-none}; built in: ${builtin[*]:-none}"
}
phase "modules for $release" copy_modules
# A module this flavour lacks is worth a line on the terminal too.
((${#missing[@]} == 0)) || echo "  CONSOLE note: $release has no ${missing[*]}"

cat >"$root/etc/console-release" <<EOF
FLAVOUR=${release#*-*-}
KERNEL_RELEASE=$release
KERNEL_PACKAGE=$real
KERNEL_VERSION=$kernel_version
MISSING_MODULES="${missing[*]}"
BUILTIN_MODULES="${builtin[*]}"
EOF

# --- kernel and archive ----------------------------------------------------
if grep -qx CONFIG_RD_ZSTD=y "$config" && command -v zstd >/dev/null; then
    compress=(zstd -q -19 -c) kind=zstd
else
    compress=(gzip -n -9 -c) kind=gzip
fi
# Every file gets the kernel image's date from the package: same inputs,
# same archive.
mtime=$(stat -c %Y "$pkg/boot/vmlinuz-$release")
archive() {
    python3 "$src/mkcpio.py" --mtime "$mtime" --node dev/console 0600 c 5 1 "$root" >"$work/initrd.cpio"
    "${compress[@]}" "$work/initrd.cpio" >"$initrd_out.tmp"
    mv "$initrd_out.tmp" "$initrd_out"
    cp "$pkg/boot/vmlinuz-$release" "$vmlinuz_out.tmp"
    mv "$vmlinuz_out.tmp" "$vmlinuz_out"
    echo "initramfs: $(stat -c %s "$work/initrd.cpio") bytes cpio, $(stat -c %s "$initrd_out") bytes $kind"
    echo "kernel: $(stat -c %s "$vmlinuz_out") bytes"
}
phase "initramfs $(basename "$initrd_out") ($kind) and $(basename "$vmlinuz_out")" archive
