#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Bad input: truncated volumes and volumes with random bit flips in their
# headers, bitmaps, inodes and directories.  No tool may crash or hang, and
# a tool that refuses says why (a message naming what is wrong).  Each
# damaged volume goes through vmkfstools -P, vmfs-fsck -n, a read-only
# mount walked and read entirely, and a read-write mount that writes a file.
set -u
cd "$(dirname "$0")/../.."
. tests/system/vmfs_lib.sh
trap vmfs_unmount_all EXIT

make -s build/bin/vmkfstools build/bin/vmfs-fuse build/bin/vmfs-fsck >/dev/null || { fail "vmfs-corrupt: build"; exit 1; }
dir=$(vmfs_workdir corrupt)
base=$dir/base.img
new_volume "$base" 1G
vmfs_mount "$base" "$dir/mnt" || { fail "vmfs-corrupt: mount"; exit 1; }
mkdir -p "$dir/mnt/d1/d2"
head -c 200000 /dev/urandom >"$dir/mnt/d1/small"
head -c 3000000 /dev/urandom >"$dir/mnt/d1/d2/big"
truncate -s 300M "$dir/mnt/sparse" && echo tail >>"$dir/mnt/sparse"
for i in $(seq 20); do echo "$i" >"$dir/mnt/d1/f$i"; done
ln -s d1/small "$dir/mnt/link"
vmfs_unmount "$dir/mnt"

# Regions (offset length) of the image worth damaging: the LVM header, the
# FS descriptor, the heartbeats, .fdc.sf's header, bitmap entries and first
# inodes, and the start of every other system file and directory block.
regions=($(python3 - "$base" <<'PY'
import struct, sys
f = open(sys.argv[1], 'rb')
L = 0x1100000           # logical address 0
def rd(off, n): f.seek(off); return f.read(n)
bs = struct.unpack_from('<Q', rd(L + 0x200000 + 0xa1, 8))[0]
fdc = L + max(1, 0x400000 // bs) * bs
print(0x100000, 0x400)                 # LVM header and volume descriptor
print(L + 0x200000, 0x200)             # FS descriptor
print(L + 0x300000, 0x400)             # heartbeats
print(fdc, 0x40)                       # .fdc.sf header
print(fdc + 0x10000, 0x2000)           # .fdc.sf bitmap entries
print(fdc + 0x18000, 0x8000)           # the first 16 inodes (root, system files, ours)
# each system file's and directory's first block, from the root inode's map
root = rd(fdc + 0x18000, 0x800)
for i in range(6):
    ino = rd(fdc + 0x18000 + i * 0x800, 0x800)
    blk = struct.unpack_from('<I', ino, 0x400)[0]
    if blk & 7 == 1:
        print(L + (blk >> 6) * bs, 0x10000)
PY
))
((${#regions[@]} >= 12)) || { fail "vmfs-corrupt: could not find the metadata regions"; exit 1; }
flips=${VMFS_CORRUPT_FLIPS:-40}
crashes=0 hangs=0 silent=0 runs=0
judge() {   # judge <what> <rc> <stderr file>
    runs=$((runs + 1))
    if (($2 == 124)); then
        hangs=$((hangs + 1)); echo "hang: $1" >>"$dir/problems"
    elif (($2 >= 128)); then
        crashes=$((crashes + 1)); echo "crash ($2): $1" >>"$dir/problems"
    elif (($2 != 0)) && ! [[ -s $3 ]]; then
        silent=$((silent + 1)); echo "failed without a message: $1" >>"$dir/problems"
    fi
}
# Mounted, whether or not the damaged volume answers statfs.
is_mounted() { grep -q " $1 fuse" /proc/mounts; }
: >"$dir/problems"
for ((k = 0; k < flips; k++)); do
    img=$dir/bad.img
    cp --sparse=always "$base" "$img"
    what=$(python3 - "$img" "$k" "${regions[@]}" <<'PY'
import random, sys
path, seed, regions = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
rng = random.Random(seed)
pairs = [(int(regions[i]), int(regions[i + 1])) for i in range(0, len(regions), 2)]
off, length = pairs[seed % len(pairs)]
f = open(path, 'r+b')
flipped = []
for _ in range(rng.randint(1, 8)):
    at = off + rng.randrange(length)
    f.seek(at); b = f.read(1)[0]
    bit = 1 << rng.randrange(8)
    f.seek(at); f.write(bytes([b ^ bit]))
    flipped.append(f"{at:#x}^{bit:#x}")
print(f"region {off:#x}+{length:#x}: " + " ".join(flipped))
PY
) || { fail "vmfs-corrupt: flipping bits failed"; exit 1; }
    timeout 20 "$VMFS_BIN/vmkfstools" -P "$img" >/dev/null 2>"$dir/err"
    judge "vmkfstools -P, $what" $? "$dir/err"
    timeout 30 "$VMFS_BIN/vmfs-fsck" -n "$img" >"$dir/err" 2>&1
    rc=$?
    ((rc == 4)) && rc=0     # problems found and reported: what it is for
    judge "vmfs-fsck -n, $what" $rc "$dir/err"
    mkdir -p "$dir/ro" "$dir/rw"
    timeout 20 "$VMFS_BIN/vmfs-fuse" -r "$img" "$dir/ro" -f 2>"$dir/err" &
    pid=$!
    for _ in $(seq 50); do is_mounted "$dir/ro" && break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done
    if is_mounted "$dir/ro"; then
        timeout 20 bash -c "find '$dir/ro' -xdev -type f ! -name '*.sf' -exec cat {} + >/dev/null 2>&1; ls -lR '$dir/ro' >/dev/null 2>&1"
        (($? == 124)) && { hangs=$((hangs + 1)); echo "hang walking the read-only mount: $what" >>"$dir/problems"; }
        fusermount3 -u "$dir/ro" 2>/dev/null || umount -l "$dir/ro"
    fi
    wait $pid
    judge "read-only vmfs-fuse, $what" $? "$dir/err"
    timeout 20 "$VMFS_BIN/vmfs-fuse" "$img" "$dir/rw" -f 2>"$dir/err" &
    pid=$!
    for _ in $(seq 50); do is_mounted "$dir/rw" && break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done
    if is_mounted "$dir/rw"; then
        timeout 20 bash -c "echo new >'$dir/rw/d1/new'; rm -f '$dir/rw/d1/f3'; mv '$dir/rw/d1/f4' '$dir/rw/f4' ; true" 2>/dev/null
        (($? == 124)) && { hangs=$((hangs + 1)); echo "hang writing through the mount: $what" >>"$dir/problems"; }
        fusermount3 -u "$dir/rw" 2>/dev/null || umount -l "$dir/rw"
    fi
    wait $pid
    judge "read-write vmfs-fuse, $what" $? "$dir/err"
done
if ((crashes + hangs + silent == 0)); then
    pass "vmfs-corrupt: $flips damaged volumes, $runs tool runs: no crash, no hang, every refusal explained"
else
    fail "vmfs-corrupt: $crashes crashes, $hangs hangs, $silent unexplained failures: $(head -5 "$dir/problems" | tr '\n' ';')"
fi

# Truncated volumes: a clear error, no crash.
for size in 512K 20M 200M 600M; do
    cp --sparse=always "$base" "$dir/short.img"
    truncate -s "$size" "$dir/short.img"
    out=$(timeout 20 "$VMFS_BIN/vmkfstools" -P "$dir/short.img" 2>&1)
    rc=$?
    if ((rc != 0 && rc < 124)) && grep -qiE "truncated|too small|cannot read|no VMFS" <<<"$out"; then
        pass "vmfs-corrupt: a volume cut to $size is refused clearly ($(tail -1 <<<"$out"))"
    else
        fail "vmfs-corrupt: a volume cut to $size: status $rc: $out"
    fi
done
rm -rf "$dir"
