#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# vmkfstools with ESX's options and wording, judged by qemu-img: every
# disk -c makes is a VMDK of the right virtual size, data written into it
# through the mount comes back from `qemu-img convert -O raw`, clones
# compare equal, and extend, rename, delete, inflate, zero and the lock
# dump behave as on ESX.  Bad requests fail naming the file and the reason.
set -u
cd "$(dirname "$0")/../.."
. tests/system/vmfs_lib.sh
trap vmfs_unmount_all EXIT

make -s build/bin/vmkfstools build/bin/vmfs-fuse >/dev/null || { fail "vmfs-vmkfstools: build"; exit 1; }
V=$VMFS_BIN/vmkfstools
dir=$(vmfs_workdir vmkfstools)
img=$dir/vol.img
mnt=$dir/mnt
out=$("$V" -C vmfs3 -b 1m -S datastore1 <(:) 2>&1) && fail "vmfs-vmkfstools: -C on a pipe succeeded" ||
    pass "vmfs-vmkfstools: -C refuses what is neither a device nor an image ($out)"
truncate -s 3G "$img"
out=$("$V" -C vmfs3 -b 1m -S datastore1 "$img")
if grep -q "^Creating vmfs3 file system on \"$img\" with blockSize 1048576 and volume label \"datastore1\".$" <<<"$out" &&
    grep -qE '^Successfully created new volume: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{12}$' <<<"$out"; then
    pass "vmfs-vmkfstools: -C prints ESX's two lines"
else
    fail "vmfs-vmkfstools: -C printed: $out"
fi
vmfs_mount "$img" "$mnt" || { fail "vmfs-vmkfstools: mount"; exit 1; }
mkdir -p "$mnt/vm1"

out=$("$V" -C vmfs3 -S again "$img" 2>&1) && fail "vmfs-vmkfstools: -C over a mounted volume succeeded" ||
    { grep -q "in use by host" <<<"$out" && pass "vmfs-vmkfstools: -C refuses a volume in use ($out)" ||
        fail "vmfs-vmkfstools: -C over a mounted volume said: $out"; }

out=$("$V" -P "$mnt/vm1")
if grep -q '^VMFS-3.31 file system spanning 1 partitions.$' <<<"$out" &&
    grep -q '^File system label (if any): datastore1$' <<<"$out" && grep -q '^Mode: public$' <<<"$out" &&
    grep -qE '^Capacity [0-9]+ \([0-9]+ file blocks \* 1048576\), [0-9]+ \([0-9]+ blocks\) avail$' <<<"$out"; then
    pass "vmfs-vmkfstools: -P on a path in the volume prints ESX's report"
else
    fail "vmfs-vmkfstools: -P printed: $out"
fi
out=$("$V" -P -h "$mnt")
grep -qE '^Capacity [0-9.]+G, [0-9.]+[GM] available, file block size 1.0M$' <<<"$out" &&
    pass "vmfs-vmkfstools: -P -h prints human-readable sizes" || fail "vmfs-vmkfstools: -P -h printed: $out"

# qemu_size <disk>: the virtual size qemu-img sees, in bytes.
qemu_size() { qemu-img info --output=json "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["format"], d["virtual-size"])'; }

for fmt in thin zeroedthick eagerzeroedthick; do
    disk=$mnt/vm1/$fmt.vmdk
    if ! out=$("$V" -c 64m -d $fmt -a lsilogic "$disk" 2>&1); then
        fail "vmfs-vmkfstools: -c 64m -d $fmt: $out"
        continue
    fi
    check "vmfs-vmkfstools: qemu-img sees the $fmt disk as a 64 MiB vmdk" \
        bash -c "[[ \$(qemu-img info --output=json '$disk' | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[\"format\"], d[\"virtual-size\"])') == 'vmdk 67108864' ]]"
    alloc=$(stat -c %b "$mnt/vm1/$fmt-flat.vmdk")
    case $fmt in
    thin) ((alloc == 0)) && pass "vmfs-vmkfstools: the thin disk has no block allocated" ||
        fail "vmfs-vmkfstools: the thin disk has $alloc sectors allocated" ;;
    *) ((alloc >= 131072)) && pass "vmfs-vmkfstools: the $fmt disk has all its blocks allocated" ||
        fail "vmfs-vmkfstools: the $fmt disk has only $alloc sectors allocated" ;;
    esac
    # Data written through the mount must come back through qemu-img.
    head -c 1048576 /dev/urandom >"$dir/data"
    dd if="$dir/data" of="$mnt/vm1/$fmt-flat.vmdk" bs=4096 seek=3000 conv=notrunc status=none
    qemu-img convert -O raw "$disk" "$dir/$fmt.raw"
    truncate -s 64M "$dir/expected-$fmt.raw"
    dd if="$dir/data" of="$dir/expected-$fmt.raw" bs=4096 seek=3000 conv=notrunc status=none
    check "vmfs-vmkfstools: qemu-img convert -O raw of the $fmt disk gives back what was written" \
        cmp "$dir/$fmt.raw" "$dir/expected-$fmt.raw"
done
check "vmfs-vmkfstools: the thin descriptor is ESX's" bash -c "grep -qx 'ddb.thinProvisioned = \"1\"' '$mnt/vm1/thin.vmdk' &&
    grep -qx 'createType=\"vmfs\"' '$mnt/vm1/thin.vmdk' && grep -qx 'RW 131072 VMFS \"thin-flat.vmdk\"' '$mnt/vm1/thin.vmdk' &&
    grep -qx 'ddb.adapterType = \"lsilogic\"' '$mnt/vm1/thin.vmdk' && grep -qx 'parentCID=ffffffff' '$mnt/vm1/thin.vmdk'"
check "vmfs-vmkfstools: a thick descriptor has no thinProvisioned line" bash -c "! grep -q thinProvisioned '$mnt/vm1/zeroedthick.vmdk'"
out=$("$V" -D "$mnt/vm1/zeroedthick-flat.vmdk")
grep -q '^Lock \[type 10c00001 offset ' <<<"$out" && grep -qE 'tbz [1-9]' <<<"$out" &&
    pass "vmfs-vmkfstools: -D dumps the lock and inode (zeroedthick blocks are to-be-zeroed)" ||
    fail "vmfs-vmkfstools: -D printed: $out"

# Clone: to every format; the clones compare equal to the source.
for fmt in thin zeroedthick eagerzeroedthick; do
    out=$("$V" -i "$mnt/vm1/thin.vmdk" -d $fmt "$mnt/vm1/clone-$fmt.vmdk" 2>&1)
    if grep -q "^Clone: 100% done.$" <<<"$out" && grep -q "^Destination disk format: VMFS $fmt$" <<<"$out"; then
        check "vmfs-vmkfstools: the $fmt clone compares equal (qemu-img compare)" \
            qemu-img compare -q "$mnt/vm1/thin.vmdk" "$mnt/vm1/clone-$fmt.vmdk"
    else
        fail "vmfs-vmkfstools: -i -d $fmt printed: $out"
    fi
done
alloc=$(stat -c %b "$mnt/vm1/clone-thin-flat.vmdk")
((alloc > 0 && alloc <= 2 * 2048)) && pass "vmfs-vmkfstools: a thin clone stays thin ($alloc sectors)" ||
    fail "vmfs-vmkfstools: the thin clone has $alloc sectors allocated"

# Extend.
check "vmfs-vmkfstools: -X 128m extends the disk" "$V" -X 128m "$mnt/vm1/zeroedthick.vmdk"
check "vmfs-vmkfstools: qemu-img sees the extended size" \
    bash -c "qemu-img info '$mnt/vm1/zeroedthick.vmdk' | grep -q 'virtual size: 128 MiB'"
check "vmfs-vmkfstools: data survives the extension" \
    bash -c "qemu-img convert -O raw '$mnt/vm1/zeroedthick.vmdk' '$dir/x.raw' && cmp -n 67108864 '$dir/x.raw' '$dir/expected-zeroedthick.raw'"
out=$("$V" -X 32m "$mnt/vm1/zeroedthick.vmdk" 2>&1) && fail "vmfs-vmkfstools: -X to a smaller size succeeded" ||
    { grep -q 'zeroedthick.vmdk' <<<"$out" && pass "vmfs-vmkfstools: -X refuses to shrink ($out)" || fail "vmfs-vmkfstools: -X shrink said: $out"; }

# Rename, inflate, zero, delete.
check "vmfs-vmkfstools: -E renames the disk" "$V" -E "$mnt/vm1/clone-thin.vmdk" "$mnt/vm1/renamed.vmdk"
check "vmfs-vmkfstools: the renamed disk names its renamed extent" \
    bash -c "grep -qx 'RW 131072 VMFS \"renamed-flat.vmdk\"' '$mnt/vm1/renamed.vmdk' && test -f '$mnt/vm1/renamed-flat.vmdk' &&
        ! test -e '$mnt/vm1/clone-thin.vmdk' && ! test -e '$mnt/vm1/clone-thin-flat.vmdk'"
check "vmfs-vmkfstools: qemu-img reads the renamed disk" qemu-img compare -q "$mnt/vm1/thin.vmdk" "$mnt/vm1/renamed.vmdk"
check "vmfs-vmkfstools: -j inflates the thin disk" "$V" -j "$mnt/vm1/renamed.vmdk"
check "vmfs-vmkfstools: the inflated disk is thick, data kept" bash -c "! grep -q thinProvisioned '$mnt/vm1/renamed.vmdk' &&
    (( \$(stat -c %b '$mnt/vm1/renamed-flat.vmdk') >= 131072 )) && qemu-img compare -q '$mnt/vm1/thin.vmdk' '$mnt/vm1/renamed.vmdk'"
check "vmfs-vmkfstools: -w writes zeros over the disk" "$V" -w "$mnt/vm1/renamed.vmdk"
check "vmfs-vmkfstools: the zeroed disk reads as zeros" \
    bash -c "qemu-img convert -O raw '$mnt/vm1/renamed.vmdk' '$dir/z.raw' && cmp -s '$dir/z.raw' <(head -c 67108864 /dev/zero)"
check "vmfs-vmkfstools: -g prints the geometry" bash -c "'$V' -g '$mnt/vm1/thin.vmdk' | grep -qx 'Geometry information C/H/S is 64/64/32'"
check "vmfs-vmkfstools: -U deletes the disk and its extent" \
    bash -c "'$V' -U '$mnt/vm1/renamed.vmdk' && ! test -e '$mnt/vm1/renamed.vmdk' && ! test -e '$mnt/vm1/renamed-flat.vmdk'"

# Bad requests: non-zero status and the file and reason named.
expect_error() {   # expect_error <label> <pattern> <vmkfstools args...>
    local label=$1 pattern=$2 out
    shift 2
    if out=$("$V" "$@" 2>&1); then
        fail "vmfs-vmkfstools: $label succeeded"
    elif grep -qE "$pattern" <<<"$out"; then
        pass "vmfs-vmkfstools: $label fails clearly ($out)"
    else
        fail "vmfs-vmkfstools: $label said: $out"
    fi
}
expect_error "-c over an existing disk" "thin.vmdk.*already exists" -c 1m "$mnt/vm1/thin.vmdk"
expect_error "-c with a bad size" "invalid size" -c 12q "$mnt/vm1/x.vmdk"
expect_error "-c with a bad format" "unknown disk format" -c 1m -d sparse "$mnt/vm1/x.vmdk"
expect_error "-c with a bad adapter" "adapter" -c 1m -a scsi9 "$mnt/vm1/x.vmdk"
expect_error "-c without .vmdk" "must end with .vmdk" -c 1m "$mnt/vm1/x.img"
expect_error "-c larger than the volume" "x.vmdk|space" -c 1t -d eagerzeroedthick "$mnt/vm1/x.vmdk"
expect_error "-U of a missing disk" "nothere.vmdk.*No such file" -U "$mnt/vm1/nothere.vmdk"
expect_error "-i of a missing source" "nothere.vmdk" -i "$mnt/vm1/nothere.vmdk" "$mnt/vm1/y.vmdk"
expect_error "-E onto an existing disk" "thin.vmdk.*already exists" -E "$mnt/vm1/zeroedthick.vmdk" "$mnt/vm1/thin.vmdk"
printf 'not a descriptor\0\1\2' >"$mnt/vm1/garbage.vmdk"
expect_error "-X of a garbage descriptor" "garbage.vmdk" -X 1g "$mnt/vm1/garbage.vmdk"
check "vmfs-vmkfstools: a failed -c leaves no file behind" bash -c "! test -e '$mnt/vm1/x.vmdk' && ! test -e '$mnt/vm1/x-flat.vmdk'"

# vmkfstools asks the mount by ioctl (vmfs/ioctl.h), and only a FUSE mount:
# elsewhere -D fails clearly and -c allocates with plain file calls.
plain=$dir/plain
mkdir -p "$plain"
expect_error "-D of a file not on VMFS" "img.*not a file on a mounted VMFS volume" -D "$img"
for fmt in thin zeroedthick eagerzeroedthick; do
    "$V" -c 8m -d $fmt "$plain/$fmt.vmdk" >/dev/null 2>&1 || fail "vmfs-vmkfstools: -c -d $fmt outside VMFS failed"
done
check "vmfs-vmkfstools: outside VMFS, -c makes 8 MiB flat files: thin sparse, the thick ones allocated" \
    bash -c "[[ \$(stat -c %s '$plain/thin-flat.vmdk') == 8388608 && \$(stat -c %b '$plain/thin-flat.vmdk') == 0 &&
               \$(stat -c %b '$plain/zeroedthick-flat.vmdk') -ge 16384 && \$(stat -c %b '$plain/eagerzeroedthick-flat.vmdk') -ge 16384 ]]"
# The mount's own answers: no extended attributes (the kernel then stops
# asking for security.capability before each write), no terminal ioctls,
# and allocation only through a file open for writing.
out=$(python3 - "$mnt/vm1/thin-flat.vmdk" <<'PY' 2>&1
import errno, fcntl, os, struct, sys, termios
path = sys.argv[1]
def err(f):
    try:
        f()
        return "ok"
    except OSError as e:
        return errno.errorcode[e.errno]
    except termios.error as e:
        return errno.errorcode[e.args[0]]
fd = os.open(path, os.O_RDONLY)
VMFS_IOC_ALLOCATE = (1 << 30) | (16 << 16) | (0xb6 << 8) | 3
print("getxattr", err(lambda: os.getxattr(path, "user.vmfs.inode")))
print("setxattr", err(lambda: os.setxattr(path, "user.test", b"1")))
print("tcgetattr", err(lambda: termios.tcgetattr(fd)))
print("allocate-readonly", err(lambda: fcntl.ioctl(fd, VMFS_IOC_ALLOCATE, struct.pack("<IIQ", 2, 0, 1 << 30))))
print("size", os.stat(path).st_size)
PY
)
[[ $out =~ getxattr\ E(OPNOTSUPP|NOTSUP) && $out =~ setxattr\ E(OPNOTSUPP|NOTSUP) ]] &&
    pass "vmfs-vmkfstools: the mount answers no extended attributes" || fail "vmfs-vmkfstools: xattrs on the mount: $out"
[[ $out == *"tcgetattr ENOTTY"* ]] && pass "vmfs-vmkfstools: a file on the mount is not a terminal (ENOTTY)" ||
    fail "vmfs-vmkfstools: tcgetattr on the mount: $out"
[[ $out == *"allocate-readonly EBADF"* && $out == *"size 67108864"* ]] &&
    pass "vmfs-vmkfstools: VMFS_IOC_ALLOCATE through a read-only descriptor is refused and changes nothing" ||
    fail "vmfs-vmkfstools: allocate through a read-only descriptor: $out"
vmfs_unmount "$mnt"
# File modes are checked by the kernel only on a mount others may enter.
mount_opts() { awk -v m="$(realpath "$mnt")" '$2 == m { print $4 }' /proc/mounts; }
vmfs_mount "$img" "$mnt" -o allow_other && opts=$(mount_opts) && vmfs_unmount "$mnt"
vmfs_mount "$img" "$mnt" && private=$(mount_opts) && vmfs_unmount "$mnt"
[[ ${opts:-} == *allow_other* && $opts == *default_permissions* && -n ${private:-} && $private != *default_permissions* ]] &&
    pass "vmfs-vmkfstools: default_permissions only with allow_other ($private / $opts)" ||
    fail "vmfs-vmkfstools: mount options: private '${private:-}', allow_other '${opts:-}'"
check "vmfs-vmkfstools: check_vol_bitmaps is clean afterwards" bitmaps_clean "$img"
[[ -x $VMFS_BIN/vmfs-fsck ]] && check "vmfs-vmkfstools: vmfs-fsck is clean afterwards" "$VMFS_BIN/vmfs-fsck" -n "$img"
rm -rf "$dir"
