#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The VMFS3 volume written by ESX 3.5 itself (../shared/fixtures): our
# tools list it and read every disk exactly as debugvmfs does, and can
# write new files into it that vmfs-tools then reads, while the files ESX
# wrote stay unchanged and vmfs-tools' checks find nothing new.
set -u
cd "$(dirname "$0")/../.."
. tests/system/vmfs_lib.sh
trap vmfs_unmount_all EXIT

fixture=${VMFS_FIXTURE:-../shared/fixtures/vmfs3-esx35.img.zst}
[[ -f $fixture ]] || { fail "vmfs-fixture: $fixture is missing"; exit 1; }
make -s build/bin/vmkfstools build/bin/vmfs-fuse >/dev/null || { fail "vmfs-fixture: build"; exit 1; }
dir=$(vmfs_workdir fixture)
img=$dir/esx35.img
mnt=$dir/mnt
zstd -q -dc "$fixture" >"$img"
check "vmfs-fixture: the unpacked image is the published one" \
    bash -c "[[ \$(md5sum <'$img' | cut -c1-32) == 98d595210b3859dc23249143abfa19ac ]]"

files=(thin.vmdk thin-flat.vmdk thick.vmdk thick-flat.vmdk zeroedthick.vmdk zeroedthick-flat.vmdk
       eagerzeroedthick.vmdk eagerzeroedthick-flat.vmdk)
declare -A before
for f in "${files[@]}"; do
    before[$f]=$(debugvmfs "$img" cat "/$f" | sha1sum)
done
fsck_before=$(fsck.vmfs "$img" | grep -E '^(Unallocated|Lost|Undefined|Orphaned|Directory)')

out=$("$VMFS_BIN/vmkfstools" -P "$img")
if grep -q '^VMFS-3.31 file system spanning 1 partitions.$' <<<"$out" &&
    grep -q '^File system label (if any): toto$' <<<"$out" && grep -q '^Mode: public$' <<<"$out" &&
    grep -q "^UUID: 49edf844-" <<<"$out"; then
    pass "vmfs-fixture: vmkfstools -P describes ESX's volume (VMFS-3.31, label toto, public)"
else
    fail "vmfs-fixture: vmkfstools -P says: $out"
fi

vmfs_mount "$img" "$mnt" || { fail "vmfs-fixture: our mount failed"; exit 1; }
ours=$(cd "$mnt" && ls -A | sort)
theirs=$(debugvmfs "$img" ls / | grep -vx '\.\|\.\.' | sort)
if [[ $ours == "$theirs" ]]; then
    pass "vmfs-fixture: our mount lists the same $(wc -l <<<"$ours") names as debugvmfs"
else
    fail "vmfs-fixture: listings differ: ours [$ours] theirs [$theirs]"
fi
for f in "${files[@]}"; do
    sum=$(sha1sum <"$mnt/$f")
    if [[ $sum == "${before[$f]}" ]]; then
        pass "vmfs-fixture: $f reads identically through our mount and debugvmfs"
    else
        fail "vmfs-fixture: $f differs between our mount and debugvmfs"
    fi
done
check "vmfs-fixture: the thin disk's descriptor says so" grep -q 'ddb.thinProvisioned = "1"' "$mnt/thin.vmdk"
out=$("$VMFS_BIN/vmkfstools" -D "$mnt/zeroedthick-flat.vmdk")
if grep -q '^Lock \[type 10c00001 ' <<<"$out" && grep -q 'tbz 199' <<<"$out"; then
    pass "vmfs-fixture: vmkfstools -D shows the zeroedthick disk's lock and its 199 to-be-zeroed blocks"
else
    fail "vmfs-fixture: vmkfstools -D says: $out"
fi

# New files of ours beside ESX's.
head -c 5000 /dev/urandom >"$dir/small"
head -c 3145728 /dev/urandom >"$dir/large"
mkdir "$mnt/skerry" && cp "$dir/small" "$mnt/skerry/small" && cp "$dir/large" "$mnt/large" &&
    "$VMFS_BIN/vmkfstools" -c 10m -d thin "$mnt/skerry/new.vmdk" >/dev/null
rc=$?
vmfs_unmount "$mnt"
check "vmfs-fixture: we wrote a directory, files and a new disk into ESX's volume" test $rc -eq 0
check "vmfs-fixture: debugvmfs reads our small file" bash -c "debugvmfs '$img' cat /skerry/small | cmp -s - '$dir/small'"
check "vmfs-fixture: debugvmfs reads our 3 MiB file" bash -c "debugvmfs '$img' cat /large | cmp -s - '$dir/large'"
check "vmfs-fixture: debugvmfs reads our descriptor" bash -c "debugvmfs '$img' cat /skerry/new.vmdk | grep -q 'RW 20480 VMFS \"new-flat.vmdk\"'"
for f in "${files[@]}"; do
    if [[ $(debugvmfs "$img" cat "/$f" | sha1sum) == "${before[$f]}" ]]; then
        pass "vmfs-fixture: ESX's $f is unchanged"
    else
        fail "vmfs-fixture: ESX's $f changed"
    fi
done
fsck_after=$(fsck.vmfs "$img" | grep -E '^(Unallocated|Lost|Undefined|Orphaned|Directory)')
if [[ $fsck_after == "$fsck_before" ]]; then
    pass "vmfs-fixture: fsck.vmfs finds what it found before (ESX's to-be-zeroed blocks only), nothing new"
else
    fail "vmfs-fixture: fsck.vmfs before [$fsck_before] after [$fsck_after]"
fi
check "vmfs-fixture: check_vol_bitmaps is clean after our writes" bitmaps_clean "$img"
check "vmfs-fixture: every heartbeat slot is free again" bash -c "[[ -z \$(debugvmfs '$img' show_heartbeats) ]]"
rm -rf "$dir"
