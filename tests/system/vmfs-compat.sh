#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# VMFS3 compatibility, with Debian's vmfs-tools as the judges: volumes made
# by our vmkfstools -C (every block size, with and without an MBR
# partition of type 0xFB, up to 2 TiB) open in debugvmfs, in vmfs-tools'
# own vmfs-fuse and in fsck.vmfs with no error, their bitmaps check clean,
# and a tree of files of every size class written through our mount reads
# back byte-identical through vmfs-tools.
set -u
cd "$(dirname "$0")/../.."
. tests/system/vmfs_lib.sh
trap vmfs_unmount_all EXIT

make -s build/bin/vmkfstools build/bin/vmfs-fuse >/dev/null || { fail "vmfs-compat: build"; exit 1; }
dir=$(vmfs_workdir compat)
THEIR_FUSE=/usr/sbin/vmfs-fuse     # Debian vmfs-tools (ours is build/bin/vmfs-fuse)

# judge <label> <image>: vmfs-tools open it and find nothing wrong.
judge() {
    local label=$1 img=$2
    check "$label: debugvmfs lists the root" debugvmfs "$img" ls /
    check "$label: fsck.vmfs finds no error" fsck_vmfs_clean "$img"
    check "$label: check_vol_bitmaps is clean" bitmaps_clean "$img"
}

for bs in 1m 2m 4m 8m; do
    img=$dir/bs$bs.img
    new_volume "$img" 1G -b "$bs" || { fail "vmfs-compat $bs: vmkfstools -C -b $bs"; continue; }
    judge "vmfs-compat block size $bs" "$img"
    want=$((${bs%m} * 1048576))
    got=$(debugvmfs "$img" show fs_info 2>/dev/null | awk -F: '/Block size/ {gsub(/ /, "", $2); print $2}')
    out=$("$VMFS_BIN/vmkfstools" -P "$img")
    if grep -q "file blocks \* $want)" <<<"$out"; then
        pass "vmfs-compat block size $bs: vmkfstools -P reports $want-byte blocks"
    else
        fail "vmfs-compat block size $bs: vmkfstools -P says: $out ($got)"
    fi
done

# A disk with an MBR whose first partition has type 0xFB, as ESX makes them.
img=$dir/mbr.img
truncate -s 1G "$img"
printf 'label: dos\nstart=2048, type=fb\n' | sfdisk -q "$img" >/dev/null 2>&1 ||
    python3 - "$img" <<'PY'
import struct, sys
f = open(sys.argv[1], 'r+b')
size = f.seek(0, 2) // 512
entry = bytes([0, 0, 0, 0, 0xfb, 0, 0, 0]) + struct.pack('<II', 2048, size - 2048)
f.seek(446); f.write(entry); f.seek(510); f.write(b'\x55\xaa')
PY
if "$VMFS_BIN/vmkfstools" -C vmfs3 -S mbrvol "$img" >/dev/null; then
    judge "vmfs-compat MBR partition" "$img"
    if [[ $(dd if="$img" bs=1 skip=$((2048 * 512 + 1048576)) count=4 status=none | od -An -tx4 | tr -d ' ') == c001d00d ]]; then
        pass "vmfs-compat MBR partition: the volume starts 1 MiB into the 0xFB partition"
    else
        fail "vmfs-compat MBR partition: no volume header 1 MiB into the partition"
    fi
else
    fail "vmfs-compat MBR partition: vmkfstools -C failed"
fi

# The largest VMFS3 extent: 2 TiB of segments (a sparse image of 2 TiB
# plus the 17 MiB that precede logical address 0).
img=$dir/big.img
truncate -s $((2 * 1024 * 1024 * 1024 * 1024 + 17 * 1048576)) "$img"
if "$VMFS_BIN/vmkfstools" -C vmfs3 -S big "$img" >/dev/null; then
    out=$("$VMFS_BIN/vmkfstools" -P "$img")
    if grep -q "^Capacity $((8192 * 268435456)) (2097152 file blocks \* 1048576)" <<<"$out"; then
        pass "vmfs-compat 2 TiB: vmkfstools -P reports a 2 TiB capacity"
    else
        fail "vmfs-compat 2 TiB: vmkfstools -P says: $out"
    fi
    mnt=$dir/big.mnt
    if vmfs_mount "$img" "$mnt"; then
        head -c 1000000 /dev/urandom >"$dir/chunk"
        dd if="$dir/chunk" of="$mnt/far" bs=1M seek=300 conv=notrunc status=none
        sum_ours=$(sha1sum <"$mnt/far")
        vmfs_unmount "$mnt"
        check "vmfs-compat 2 TiB: a sparse file past 256 blocks reads back through debugvmfs" \
            bash -c "[[ \$(debugvmfs '$img' cat /far | sha1sum) == '$sum_ours' ]]"
        judge "vmfs-compat 2 TiB" "$img"
    else
        fail "vmfs-compat 2 TiB: our mount failed"
    fi
else
    fail "vmfs-compat 2 TiB: vmkfstools -C failed"
fi

# A tree of every size class through our mount, judged by vmfs-tools.
img=$dir/tree.img
mnt=$dir/tree.mnt
new_volume "$img" 2G
ref=$dir/ref
mkdir -p "$ref/sub/deeper"
: >"$ref/empty"
head -c 1000 /dev/urandom >"$ref/tiny"                   # under one sub-block
head -c 200000 /dev/urandom >"$ref/subblocks"            # several sub-blocks
head -c 5242880 /dev/urandom >"$ref/sub/blocks"          # direct file blocks
head -c 3000 /dev/urandom >"$ref/sub/deeper/leaf"
truncate -s 400M "$ref/sparse"                           # pointer blocks, mostly holes
head -c 300000 /dev/urandom | dd of="$ref/sparse" bs=1M seek=350 conv=notrunc status=none
head -c 70000 /dev/urandom | dd of="$ref/sparse" bs=1 seek=1000 conv=notrunc status=none
if vmfs_mount "$img" "$mnt"; then
    cp -a "$ref/." "$mnt/"
    ln -s sub/blocks "$mnt/link"
    ln "$mnt/tiny" "$mnt/tiny.hardlink"
    vmfs_unmount "$mnt"
    for f in empty tiny subblocks sub/blocks sub/deeper/leaf sparse; do
        check "vmfs-compat tree: $f reads back identical through debugvmfs cat" \
            bash -c "debugvmfs '$img' cat '/$f' | cmp -s - '$ref/$f'"
    done
    mkdir -p "$dir/their.mnt"
    if "$THEIR_FUSE" "$img" "$dir/their.mnt" 2>/dev/null; then
        check "vmfs-compat tree: vmfs-tools' vmfs-fuse reads the whole tree identically" \
            diff -r "$ref" "$dir/their.mnt/" -x '*.sf' -x link -x tiny.hardlink
        check "vmfs-compat tree: vmfs-tools' vmfs-fuse sees the symlink" \
            bash -c "[[ \$(readlink '$dir/their.mnt/link') == sub/blocks ]]"
        check "vmfs-compat tree: vmfs-tools' vmfs-fuse sees the hard link" \
            cmp "$dir/their.mnt/tiny.hardlink" "$ref/tiny"
        fusermount3 -u "$dir/their.mnt"
    else
        fail "vmfs-compat tree: vmfs-tools' vmfs-fuse cannot mount our volume"
    fi
    judge "vmfs-compat tree" "$img"
else
    fail "vmfs-compat tree: our mount failed"
fi
rm -rf "$dir"
