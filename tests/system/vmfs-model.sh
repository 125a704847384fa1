#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Model-based random test of our VMFS mount: thousands of random operations
# (create, write at random offsets, overwrite, append, truncate, rename,
# unlink, mkdir, rmdir, symlink, hard link, chmod, read-back, hundreds of
# files in one directory) applied both to a directory on our vmfs-fuse
# mount and to one on tmpfs, which is the model (tests/vmfs/model_test.py).
# Every operation's outcome (errno included) must agree, the paths it
# touched must agree right after it, and the whole trees (paths, types,
# sizes, contents byte for byte, symlink targets, link counts, which names
# are hard links of one file, permission bits) at checkpoints.  Half-way
# through, the volume is unmounted, checked by vmfs-tools (fsck.vmfs,
# check_vol_bitmaps) and mounted again; at the end it is checked again and
# its tree read through vmfs-tools' own (read-only) vmfs-fuse must match
# the model too.  Sparse files reach ~300 MiB (pointer blocks).
#
# Each seed uses a fresh volume, so a failing seed replays alone:
#   VMFS_MODEL_SEEDS=<seed> VMFS_MODEL_OPS=<ops> tests/system/vmfs-model.sh
# (VMFS_MODEL_TRACE=1 prints each operation; defaults: seeds "1 2 3", 1500
# operations each).  VMFS_MODEL_FUSE_OPTS adds options to our mount, to
# look past a known divergence while debugging; the test sets none.
set -u
cd "$(dirname "$0")/../.."
. tests/system/vmfs_lib.sh

seeds=${VMFS_MODEL_SEEDS:-1 2 3}
ops=${VMFS_MODEL_OPS:-1500}
MODEL=tests/vmfs/model_test.py
# Debian's vmfs-tools (read-only, FUSE 2); ours is $VMFS_BIN/vmfs-fuse.
THEIR_FUSE=/usr/sbin/vmfs-fuse
[[ -x $THEIR_FUSE ]] || THEIR_FUSE=/usr/bin/vmfs-fuse
read -ra fuse_opts <<<"${VMFS_MODEL_FUSE_OPTS:-}"

make -s build/bin/vmkfstools build/bin/vmfs-fuse >/dev/null || { fail "vmfs-model: build"; exit 1; }
dir=$(vmfs_workdir model)
ref=$(mktemp -d /dev/shm/vmfs-model.XXXXXX)
their_pid=

# their_mount <image> <mountpoint>: vmfs-tools' vmfs-fuse, read-only.
their_mount() {
    mkdir -p "$2"
    "$THEIR_FUSE" "$1" "$2" -f >>"$2.log" 2>&1 &
    their_pid=$!
    local i
    for ((i = 0; i < 100; i++)); do
        [[ $(stat -f -c %T "$2" 2>/dev/null) == fuse* ]] && return 0
        kill -0 "$their_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "$THEIR_FUSE did not mount: $(cat "$2.log")"
    return 1
}

their_unmount() {
    [[ -n $their_pid ]] || return 0
    fusermount3 -u "$1" 2>/dev/null || fusermount -u "$1" 2>/dev/null || umount -l "$1" 2>/dev/null
    wait "$their_pid" 2>/dev/null
    their_pid=
}

cleanup() {
    vmfs_unmount_all
    their_unmount "$dir/theirs"
    rm -rf "$ref"
}
trap cleanup EXIT

# volume_clean <image>: vmfs-tools find nothing wrong with the volume.
volume_clean() {
    local out
    out=$(fsck_vmfs_clean "$1") || { echo "fsck.vmfs: $out"; return 1; }
    out=$(bitmaps_clean "$1") || { echo "debugvmfs check_vol_bitmaps: $out"; return 1; }
}

failed=0   # FAIL lines so far
bad() {
    fail "vmfs-model seed $seed: $*"
    failed=$((failed + 1))
}

half=$((ops / 2))
for seed in $seeds; do
    start=$SECONDS seed_failed=$failed
    img=$dir/seed$seed.img mnt=$dir/mnt theirs=$dir/theirs
    replay="(replay: VMFS_MODEL_SEEDS=$seed VMFS_MODEL_OPS=$ops tests/system/vmfs-model.sh)"
    new_volume "$img" 2G || { bad "vmkfstools -C failed"; continue; }
    vmfs_mount "$img" "$mnt" "${fuse_opts[@]}" || { bad "mount failed: $(tail -3 "$mnt.log")"; continue; }

    # Operations 0..half-1, unmount, check, remount, half..ops-1.
    model_ok=1 clean_ok=1
    if out=$(python3 "$MODEL" run "$seed" 0 "$half" "$ops" "$mnt/model" "$ref/$seed"); then
        echo "vmfs-model seed $seed: $out"
    else
        bad "$out"$'\n'"  $replay"
        model_ok=0
    fi
    vmfs_unmount "$mnt"
    out=$(volume_clean "$img") ||
        { bad "volume not clean after operations 0..$((half - 1)) and unmount: $out"; clean_ok=0; }
    if ((model_ok && clean_ok)); then
        if vmfs_mount "$img" "$mnt" "${fuse_opts[@]}"; then
            if out=$(python3 "$MODEL" run "$seed" "$half" "$ops" "$ops" "$mnt/model" "$ref/$seed"); then
                echo "vmfs-model seed $seed: $out"
            else
                bad "$out"$'\n'"  $replay"
                model_ok=0
            fi
            vmfs_unmount "$mnt"
            out=$(volume_clean "$img") ||
                { bad "volume not clean after operations $half..$((ops - 1)) and unmount: $out"; clean_ok=0; }
        else
            bad "remount failed: $(tail -3 "$mnt.log")"
            model_ok=0
        fi
    fi
    ((model_ok)) && pass "vmfs-model seed $seed: $ops operations, trees identical (after each operation, at checkpoints and across a remount)"
    ((clean_ok)) && pass "vmfs-model seed $seed: fsck.vmfs and check_vol_bitmaps find the volume clean after each unmount"

    # The final tree once more, through vmfs-tools' reader.
    if ((model_ok && clean_ok)); then
        # Not in $(...): the command substitution would wait for the daemon.
        if their_mount "$img" "$theirs" >"$dir/their_mount.err"; then
            if out=$(python3 "$MODEL" compare "$theirs/model" "$ref/$seed"); then
                pass "vmfs-model seed $seed: vmfs-tools' vmfs-fuse reads the same tree"
            else
                bad "through vmfs-tools' vmfs-fuse: $out"$'\n'"  $replay"
            fi
            their_unmount "$theirs"
        else
            bad "$(cat "$dir/their_mount.err")"
        fi
    fi
    echo "vmfs-model seed $seed: $((SECONDS - start)) s"
    rm -rf "${ref:?}/$seed"
    if ((failed == seed_failed)); then
        rm -f "$img"
    else
        echo "vmfs-model seed $seed: its volume is kept in $img"
    fi
done
((failed)) || rm -rf "$dir"
((failed == 0))
