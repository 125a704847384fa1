#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# VMFS through our FUSE mount against ext4 on a loop device, both in image
# files on the same disk (build/bench/vmfs), measured in one run:
#   1 GiB sequential write (fsync'd) and read (caches dropped): MB/s, ratio
#   10,000 small files (4 KiB) created and synced: seconds, ratio
#   a 4 GiB eagerzeroedthick disk (vmkfstools -c) against fallocate and
#   zeroing the same size on ext4: seconds, ratio
# A ratio is ext4's time over VMFS's (1.0 = as fast as ext4, higher is faster).
# The small files are also created on a FUSE file system that keeps
# nothing (tests/vmfs/fuse_null.c): the most any FUSE mount reaches here.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/system/vmfs_lib.sh
dir=$(realpath -m build/bench/vmfs)
loop=
cleanup() {
    vmfs_unmount_all
    mountpoint -q "$dir/null" && fusermount3 -u "$dir/null"
    mountpoint -q "$dir/ext4" && umount "$dir/ext4"
    [[ -n $loop ]] && losetup -d "$loop"
    rm -rf "$dir"
}
trap cleanup EXIT
rm -rf "$dir"
mkdir -p "$dir/ext4" "$dir/vmfs" "$dir/null"

truncate -s 20G "$dir/ext4.img"
mkfs.ext4 -q -F "$dir/ext4.img"
loop=$(losetup -f --show "$dir/ext4.img")
mount "$loop" "$dir/ext4"
truncate -s 20G "$dir/vmfs.img"
"$VMFS_BIN/vmkfstools" -C vmfs3 -S bench "$dir/vmfs.img" >/dev/null
vmfs_mount "$dir/vmfs.img" "$dir/vmfs"

now() { date +%s.%N; }
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true; }
timed() {   # timed <command...>: seconds it took
    local t0
    t0=$(now)
    "$@" >/dev/null
    awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'
}
seq_write() { dd if=/dev/zero of="$1/seq" bs=1M count=1024 conv=fsync status=none; }
seq_read() { dd if="$1/seq" of=/dev/null bs=1M status=none; }
small_files() {
    python3 - "$1/small" <<'PY'
import os, sys
d = sys.argv[1]
os.mkdir(d)
data = b"x" * 4096
for i in range(10000):
    with open(f"{d}/f{i:05d}", "wb") as f:
        f.write(data)
fd = os.open(d, os.O_RDONLY)
os.fsync(fd)
os.sync()
PY
}
ext4_eager() { fallocate -l 4G "$1/eager-flat.vmdk" && dd if=/dev/zero of="$1/eager-flat.vmdk" bs=1M count=4096 conv=notrunc,fsync status=none; }
vmfs_eager() { "$VMFS_BIN/vmkfstools" -c 4g -d eagerzeroedthick "$1/eager.vmdk"; }

declare -A t
for fs in ext4 vmfs; do
    drop_caches
    t[$fs.write]=$(timed seq_write "$dir/$fs")
    drop_caches
    t[$fs.read]=$(timed seq_read "$dir/$fs")
    drop_caches
    t[$fs.small]=$(timed small_files "$dir/$fs")
    drop_caches
done
make -s build/tests/vmfs-bin/fuse_null
build/tests/vmfs-bin/fuse_null "$dir/null" &
null_pid=$!
for ((i = 0; i < 100; i++)); do mountpoint -q "$dir/null" && break; sleep 0.1; done
t[null.small]=$(timed small_files "$dir/null")
fusermount3 -u "$dir/null"
wait $null_pid
t[ext4.eager]=$(timed ext4_eager "$dir/ext4")
t[vmfs.eager]=$(timed vmfs_eager "$dir/vmfs")

echo "VMFS through vmfs-fuse vs ext4 on a loop device (image files on the same disk; ratio = ext4 time / VMFS time):"
awk -v ew="${t[ext4.write]}" -v vw="${t[vmfs.write]}" -v er="${t[ext4.read]}" -v vr="${t[vmfs.read]}" \
    -v es="${t[ext4.small]}" -v vs="${t[vmfs.small]}" -v ns="${t[null.small]}" \
    -v ee="${t[ext4.eager]}" -v ve="${t[vmfs.eager]}" 'BEGIN {
    printf "  %-40s %10s %10s %7s\n", "", "ext4", "vmfs", "ratio"
    printf "  %-40s %7.0f MB/s %7.0f MB/s %7.2f\n", "1 GiB sequential write (fsync)", 1024 / ew, 1024 / vw, ew / vw
    printf "  %-40s %7.0f MB/s %7.0f MB/s %7.2f\n", "1 GiB sequential read (cold)", 1024 / er, 1024 / vr, er / vr
    printf "  %-40s %8.2f s %8.2f s %7.2f\n", "10,000 files of 4 KiB", es, vs, es / vs
    printf "  %-40s %8.2f s %8.2f s %7.2f\n", "  the same, FUSE keeping nothing (floor)", es, ns, es / ns
    printf "  %-40s %8.2f s %8.2f s %7.2f\n", "4 GiB eagerzeroedthick (vs fallocate+zero)", ee, ve, ee / ve
    printf "  targets: sequential ratios >= 0.8, small files >= 0.5\n"
}'
