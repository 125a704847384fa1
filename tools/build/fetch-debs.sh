#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Fetch Debian packages at the versions pinned in a lock file into a cache.
#
#   fetch-debs.sh <lockfile> <cache-dir> <package>...
#       make sure <cache-dir>/<name>_<version>_<arch>.deb exists for each
#       package (downloaded with `apt-get download name=version`), print the
#       path of each .deb, one a line.  Quiet when everything is cached.
#       A pinned version the archive no longer has (Debian drops superseded
#       ones) is replaced by the archive's current one, with a warning.
#   fetch-debs.sh --lock <lockfile> <package>...
#       pin each package at its current apt candidate version (appended to
#       the lock file, or updated in place if already there).
#   --with-libs (either form): the packages and, recursively, every
#       library package they depend on (Depends and Pre-Depends whose name
#       starts with "lib" or "zlib", Debian's library names; the first choice
#       of an alternative): the pool from which a root file system takes
#       the shared libraries its binaries need.
set -euo pipefail

die() { echo "fetch-debs.sh: $*" >&2; exit 1; }

# Pinned version of $1 in lock file $2, or nothing.
lookup() {
    awk -F= -v p="$1" '/^[[:space:]]*(#|$)/ { next }
        { gsub(/[[:space:]]/, "") } $1 == p { print $2; exit }' "$2"
}

sudo=()                         # apt-get update needs root; download does not
((EUID == 0)) || sudo=(sudo)

candidate() {
    apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2; exit }'
}

# Library packages named in a Depends/Pre-Depends text (on stdin).
library_deps() {
    tr ',' '\n' | sed 's/|.*//; s/[[:space:]]*(.*//; s/^[[:space:]]*//; s/:any$//' | grep -E '^(lib|zlib)' || true
}

with_libs=0
if [[ ${1:-} == --with-libs ]]; then with_libs=1; shift; fi

if [[ ${1:-} == --lock ]]; then
    (($# >= 3)) || die "usage: fetch-debs.sh [--with-libs] --lock <lockfile> <package>..."
    lock=$2; shift 2
    if ((with_libs)); then
        declare -A seen=()
        todo=("$@") all=()
        while ((${#todo[@]})); do
            p=${todo[0]} todo=("${todo[@]:1}")
            [[ -n ${seen[$p]:-} ]] && continue
            seen[$p]=1 all+=("$p")
            todo+=($(apt-cache show --no-all-versions "$p" 2>/dev/null |
                     sed -n 's/^\(Pre-\)\?Depends: //p' | library_deps))
        done
        set -- "${all[@]}"
    fi
    for p in "$@"; do
        v=$(candidate "$p")
        if [[ -z $v || $v == "(none)" ]]; then
            "${sudo[@]}" apt-get update -q >&2 || true
            v=$(candidate "$p")
        fi
        [[ -n $v && $v != "(none)" ]] || die "no apt candidate for '$p'"
        if [[ -n $(lookup "$p" "$lock") ]]; then
            sed -i "s|^[[:space:]]*$p[[:space:]]*=.*|$p=$v|" "$lock"
        else
            echo "$p=$v" >> "$lock"
        fi
        echo "locked $p=$v" >&2
    done
    exit 0
fi

(($# >= 3)) || die "usage: fetch-debs.sh [--with-libs] <lockfile> <cache-dir> <package>...  (or --lock <lockfile> <package>...)"
lock=$1 cache=$2; shift 2
[[ -r $lock ]] || die "lock file '$lock' not found"
mkdir -p "$cache"
arch=$(dpkg --print-architecture)
updated=0
dl=(apt-get download -q)
# As root apt falls back to an unsandboxed download anyway (the _apt user
# cannot write the cache dir); say so up front to skip its warning.
((EUID == 0)) && dl+=(-o APT::Sandbox::User=root)

warn() { echo "fetch-debs.sh: warning: $*" >&2; }
refresh() { ((updated)) || { "${sudo[@]}" apt-get update -q >&2; updated=1; }; }
# The archive's current version of $1 (after one refresh if need be).
available_version() {
    local c
    c=$(candidate "$1")
    if [[ -z $c || $c == "(none)" ]]; then
        refresh
        c=$(candidate "$1")
    fi
    [[ -n $c && $c != "(none)" ]] && echo "$c"
}

declare -A fetched=()
todo=("$@")
while ((${#todo[@]})); do
    p=${todo[0]} todo=("${todo[@]:1}")
    [[ -n ${fetched[$p]:-} ]] && continue
    fetched[$p]=1
    v=$(lookup "$p" "$lock")
    if [[ -z $v ]]; then
        # Reached only through a fallback below (a newer kernel metapackage
        # names a new ABI package) or a lock that lacks a package.
        v=$(available_version "$p") ||
            die "package '$p' is not pinned in $lock and apt has no candidate for it"
        warn "'$p' is not pinned in $lock: using the archive's $v" \
            "(pin it: $0 $( ((with_libs)) && echo '--with-libs ')--lock $lock $p)"
    fi
    # apt-get download names files with the epoch colon escaped as %3a;
    # arch-independent packages end in _all, so accept either.
    base="${p}_${v//:/%3a}"
    deb=
    for a in "$arch" all; do
        [[ -f $cache/${base}_$a.deb ]] && { deb=$cache/${base}_$a.deb; break; }
    done
    if [[ -z $deb ]]; then
        echo "fetching $p=$v" >&2
        if ! (cd "$cache" && "${dl[@]}" "$p=$v" >&2); then
            # Stale or missing package lists: refresh once, then retry.
            refresh
            if ! (cd "$cache" && "${dl[@]}" "$p=$v" >&2); then
                # Debian drops superseded versions from its archive (a
                # security update, a point release): take the version it
                # has now rather than fail every build until the lock is
                # bumped, and say so.
                nv=$(available_version "$p") && [[ $nv != "$v" ]] ||
                    die "cannot download $p=$v and the archive has no other version of it"
                warn "$p=$v is no longer in the archive: using $nv" \
                    "(re-pin: $0 --lock $lock $p)"
                v=$nv base="${p}_${v//:/%3a}"
                (cd "$cache" && "${dl[@]}" "$p=$v" >&2) || die "cannot download $p=$v"
            fi
        fi
        for a in "$arch" all; do
            [[ -f $cache/${base}_$a.deb ]] && { deb=$cache/${base}_$a.deb; break; }
        done
        [[ -n $deb ]] || die "apt-get download of $p=$v did not produce $cache/${base}_<arch>.deb"
    fi
    echo "$deb"
    if ((with_libs)); then
        todo+=($( { dpkg-deb -f "$deb" Pre-Depends; dpkg-deb -f "$deb" Depends; } | library_deps))
    fi
done
