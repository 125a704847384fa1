#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Crash consistency of libvmfs's metadata journal.  A metadata-heavy
# workload (mkdir, create files of every size class, rename, unlink,
# truncate, overwrite; every so often a file written and fsync'd) runs
# with a block layer that stops persisting writes after the N-th, for
# many N spread over the whole run and several seeds.  After the crash
# the volume is recovered (journal replay when the dead run's heartbeat
# is broken) and must be clean for fsck.vmfs and check_vol_bitmaps
# (vmfs-tools) and for our vmfs-fsck, and every fsync'd file intact.
set -u
cd "$(dirname "$0")/../.."
. tests/system/vmfs_lib.sh

make -s build/bin/vmkfstools build/tests/vmfs-bin/crash_workload >/dev/null || { fail "vmfs-crash: build"; exit 1; }
W=build/tests/vmfs-bin/crash_workload
dir=$(vmfs_workdir crash)
new_volume "$dir/base.img" 2G || { fail "vmfs-crash: vmkfstools -C"; exit 1; }

points=${VMFS_CRASH_POINTS:-20}
for seed in 1 2 3; do
    cp --sparse=always "$dir/base.img" "$dir/run.img"
    rm -f "$dir/manifest"
    total=$("$W" run "$dir/run.img" "$dir/manifest" "$seed" 300) || { fail "vmfs-crash seed $seed: workload"; continue; }
    bad=0
    for ((k = 0; k < points; k++)); do
        n=$((1 + total * k / points + k))
        cp --sparse=always "$dir/base.img" "$dir/run.img"
        rm -f "$dir/manifest"
        VMFS_CRASH_AFTER_WRITES=$n "$W" run "$dir/run.img" "$dir/manifest" "$seed" 300
        why=""
        out=$("$W" verify "$dir/run.img" "$dir/manifest" 2>&1) || why="fsync'd files: $out"
        [[ -z $why ]] && { out=$(fsck_vmfs_clean "$dir/run.img") || why="fsck.vmfs: $out"; }
        [[ -z $why ]] && { out=$(bitmaps_clean "$dir/run.img") || why="check_vol_bitmaps: $out"; }
        if [[ -z $why && -x $VMFS_BIN/vmfs-fsck ]]; then
            out=$("$VMFS_BIN/vmfs-fsck" -n "$dir/run.img" 2>&1) || why="vmfs-fsck: $(tail -5 <<<"$out")"
        fi
        if [[ -n $why ]]; then
            fail "vmfs-crash seed $seed, crash after write $n of $total: $why"
            bad=$((bad + 1))
        fi
    done
    ((bad == 0)) && pass "vmfs-crash seed $seed: $points crash points over $total writes, each recovers clean with every fsync'd file intact"
done
rm -rf "$dir"
