#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Two hosts on one VMFS volume: two vmfs-fuse processes with different
# host UUIDs mount the same image.  The second sees the first's live
# heartbeat and cannot take the locks it holds (a file open for writing):
# it gets "locked by host <uuid>".  Once the first is killed and its
# heartbeat has gone stale past the timeout, the second breaks it safely:
# the dead host's journal is replayed, its files are intact and the
# volume is clean for vmfs-tools.
set -u
cd "$(dirname "$0")/../.."
. tests/system/vmfs_lib.sh
trap 'exec 3>&- 2>/dev/null; vmfs_unmount_all' EXIT

make -s build/bin/vmkfstools build/bin/vmfs-fuse >/dev/null || { fail "vmfs-locks: build"; exit 1; }
export VMFS_HB_TIMEOUT=3
A=11111111-22222222-3333-444444444444
B=aaaaaaaa-bbbbbbbb-cccc-dddddddddddd
dir=$(vmfs_workdir locks)
img=$dir/shared.img
new_volume "$img" 1G
vmfs_mount "$img" "$dir/a" --host-uuid $A || { fail "vmfs-locks: host A mounts"; exit 1; }
mkdir "$dir/a/vmA" "$dir/a/vmB"
head -c 3000000 /dev/urandom >"$dir/disk.ref"
cp "$dir/disk.ref" "$dir/a/vmA/disk-flat.vmdk"
exec 3>>"$dir/a/vmA/disk-flat.vmdk"         # host A keeps its disk open, as a running VM does
sync "$dir/a/vmA/disk-flat.vmdk"            # A commits: only the open file stays locked

vmfs_mount "$img" "$dir/b" --host-uuid $B || { fail "vmfs-locks: host B mounts beside A"; exit 1; }
pass "vmfs-locks: a second host mounts the volume beside the first"
out=$("$VMFS_BIN/vmkfstools" -D "$dir/b/vmA/disk-flat.vmdk")
grep -q "mode 1, owner $A" <<<"$out" && pass "vmfs-locks: host B sees host A's lock on the open disk" ||
    fail "vmfs-locks: vmkfstools -D through B says: $out"
check "vmfs-locks: host B may read A's disk" cmp "$dir/b/vmA/disk-flat.vmdk" "$dir/disk.ref"
if echo overwrite 2>/dev/null >>"$dir/b/vmA/disk-flat.vmdk"; then
    fail "vmfs-locks: host B wrote to the disk host A holds"
else
    pass "vmfs-locks: host B cannot open A's disk for writing"
fi
rm "$dir/b/vmA/disk-flat.vmdk" 2>/dev/null && fail "vmfs-locks: host B removed A's open disk" ||
    pass "vmfs-locks: host B cannot remove A's open disk"
grep -q "locked by host $A" "$dir/b.log" && pass "vmfs-locks: B's log names the lock owner ($(grep -m1 'locked by host' "$dir/b.log"))" ||
    fail "vmfs-locks: B's log does not say \"locked by host $A\": $(cat "$dir/b.log")"
out=$("$VMFS_BIN/vmkfstools" -C vmfs3 -S again "$img" 2>&1) && fail "vmfs-locks: -C over a volume in use succeeded" ||
    pass "vmfs-locks: vmkfstools -C refuses a volume two hosts use"

# Both hosts work side by side on files neither holds.
head -c 200000 /dev/urandom >"$dir/b.ref"
check "vmfs-locks: host B writes its own files meanwhile" cp "$dir/b.ref" "$dir/b/vmB/b.bin"
sync "$dir/b/vmB/b.bin"
check "vmfs-locks: host A reads B's file" cmp "$dir/a/vmB/b.bin" "$dir/b.ref"

# Host A dies with its disk open.
kill -9 "${VMFS_MOUNT_PIDS[$dir/a]}"
wait "${VMFS_MOUNT_PIDS[$dir/a]}" 2>/dev/null
unset "VMFS_MOUNT_PIDS[$dir/a]"
exec 3>&-
fusermount3 -u "$dir/a" 2>/dev/null || umount -l "$dir/a"
if echo early 2>/dev/null >>"$dir/b/vmA/disk-flat.vmdk"; then
    fail "vmfs-locks: host B broke A's lock before A's heartbeat went stale"
else
    pass "vmfs-locks: within the timeout A's lock still holds"
fi
sleep $((VMFS_HB_TIMEOUT + 1))
if echo appended >>"$dir/b/vmA/disk-flat.vmdk"; then
    pass "vmfs-locks: past the timeout host B breaks A's stale heartbeat and takes the lock"
else
    fail "vmfs-locks: host B still cannot write A's disk: $(tail -3 "$dir/b.log")"
fi
check "vmfs-locks: A's disk kept its contents" cmp -n 3000000 "$dir/b/vmA/disk-flat.vmdk" "$dir/disk.ref"
vmfs_unmount "$dir/b"
check "vmfs-locks: fsck.vmfs is clean after the takeover" fsck_vmfs_clean "$img"
check "vmfs-locks: check_vol_bitmaps is clean after the takeover" bitmaps_clean "$img"
check "vmfs-locks: no heartbeat slot is left in use" bash -c "[[ -z \$(debugvmfs '$img' show_heartbeats) ]]"
rm -rf "$dir"
