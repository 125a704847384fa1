# SPDX-License-Identifier: GPL-2.0-only
# Helpers for the VMFS tests (tests/system/vmfs-*.sh): volumes in image
# files, our FUSE mount, and the vmfs-tools judges.  Every check prints one
# "PASS <name>" or "FAIL <name>: <why>" line for tests/run-tests.sh.

VMFS_BIN=${VMFS_BIN:-build/bin}

pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; }

# check <name> <command...>: PASS when the command succeeds.
check() {
    local name=$1
    shift
    local out
    if out=$("$@" 2>&1); then
        pass "$name"
    else
        fail "$name: $* failed: $(tail -c 400 <<<"$out")"
    fi
}

# vmfs_workdir <name>: a fresh scratch directory under build/tests/vmfs
# (image files are sparse; they cost only what is written).
vmfs_workdir() {
    local d=build/tests/vmfs/$1
    rm -rf "$d"
    mkdir -p "$d"
    realpath "$d"
}

# new_volume <image> <size> [vmkfstools -C options]: a fresh VMFS3 volume
# in a sparse image file, made by our vmkfstools.
new_volume() {
    local img=$1 size=$2
    shift 2
    rm -f "$img"
    truncate -s "$size" "$img"
    "$VMFS_BIN/vmkfstools" -C vmfs3 "$@" -S "${VMFS_LABEL:-testvol}" "$img" >/dev/null
}

declare -A VMFS_MOUNT_PIDS

# vmfs_mount <image> <mountpoint> [vmfs-fuse options...]: mounts in the
# background and waits until the mount answers.
vmfs_mount() {
    local img=$1 mnt=$2
    shift 2
    mkdir -p "$mnt"
    "$VMFS_BIN/vmfs-fuse" "$@" "$img" "$mnt" -f 2>>"$mnt.log" &
    VMFS_MOUNT_PIDS[$mnt]=$!
    local i
    for ((i = 0; i < 100; i++)); do
        if grep -q " $(realpath "$mnt") fuse" /proc/mounts; then
            return 0
        fi
        kill -0 "${VMFS_MOUNT_PIDS[$mnt]}" 2>/dev/null || break
        sleep 0.1
    done
    echo "vmfs-fuse did not mount $img on $mnt: $(cat "$mnt.log")" >&2
    return 1
}

# vmfs_unmount <mountpoint>: unmounts and waits until vmfs-fuse has
# committed and freed its heartbeat (the process ends).
vmfs_unmount() {
    local mnt=$1 pid=${VMFS_MOUNT_PIDS[$1]:-}
    fusermount3 -u "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null
    if [[ -n $pid ]]; then
        wait "$pid" 2>/dev/null
        unset "VMFS_MOUNT_PIDS[$mnt]"
    fi
}

# vmfs_unmount_all: for traps.
vmfs_unmount_all() {
    local m
    for m in "${!VMFS_MOUNT_PIDS[@]}"; do
        vmfs_unmount "$m"
    done
}

# fsck_vmfs_clean <image>: vmfs-tools' fsck.vmfs exits 0 whatever it finds,
# so its counters are read instead.
fsck_vmfs_clean() {
    local out
    out=$(fsck.vmfs "$1" 2>&1) || { echo "$out"; return 1; }
    grep -qE '^Unallocated blocks : 0$' <<<"$out" && grep -qE '^Lost blocks +: 0$' <<<"$out" &&
        grep -qE '^Undefined inodes +: 0$' <<<"$out" && grep -qE '^Orphaned inodes +: 0$' <<<"$out" &&
        grep -qE '^Directory errors +: 0$' <<<"$out" && ! grep -q 'referenced by multiple' <<<"$out" ||
        { echo "$out" | tail -20; return 1; }
}

# bitmaps_clean <image>: debugvmfs check_vol_bitmaps reports no error.
bitmaps_clean() {
    local out
    out=$(debugvmfs "$1" check_vol_bitmaps 2>&1)
    grep -q '^Total errors: 0$' <<<"$out" || { echo "$out" | tail -20; return 1; }
}
