#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# vmfs-fsck: a fresh populated volume and ESX's own volume are clean;
# each kind of damage (a used block marked free, a free one marked used, a
# wrong free count, an entry naming a dead inode, an orphaned inode, a
# wrong link count, a wrong block count, two files sharing a block) is
# found by -n (exit 4) and, where it can be, repaired by -y, after which
# vmfs-fsck, fsck.vmfs and check_vol_bitmaps are clean and the files that
# were not damaged read back unchanged.
set -u
cd "$(dirname "$0")/../.."
. tests/system/vmfs_lib.sh
trap vmfs_unmount_all EXIT

make -s build/bin/vmkfstools build/bin/vmfs-fuse build/bin/vmfs-fsck >/dev/null || { fail "vmfs-fsck: build"; exit 1; }
F=$VMFS_BIN/vmfs-fsck
dir=$(vmfs_workdir fsck)
base=$dir/base.img
new_volume "$base" 1G
vmfs_mount "$base" "$dir/m"
mkdir -p "$dir/m/vm/sub"
head -c 5000 /dev/urandom >"$dir/m/vm/a"
head -c 200000 /dev/urandom >"$dir/m/vm/b"
head -c 2000000 /dev/urandom >"$dir/m/vm/c"
head -c 70000 /dev/urandom >"$dir/m/vm/d"
head -c 3000000 /dev/urandom >"$dir/m/vm/big"
truncate -s 300M "$dir/m/vm/sparse" && echo end >>"$dir/m/vm/sparse"
echo keep >"$dir/m/vm/sub/keep"
ln "$dir/m/vm/a" "$dir/m/vm/a.link"
(cd "$dir/m/vm" && sha1sum a b big sparse sub/keep) >"$dir/sums"
vmfs_unmount "$dir/m"

check "vmfs-fsck: a populated volume is clean" "$F" -n "$base"
zstd -q -dc ../shared/fixtures/vmfs3-esx35.img.zst >"$dir/esx.img"
check "vmfs-fsck: ESX 3.5's own volume is clean (its to-be-zeroed blocks are in use, not lost)" "$F" -n "$dir/esx.img"
rm -f "$dir/esx.img"

# damage <label> <python expression on the image>: see the helpers below.
damage() {
    python3 - "$dir/bad.img" "$1" <<'PY'
import struct, sys
path, what = sys.argv[1], sys.argv[2]
f = open(path, 'r+b')
L = 0x1100000
def rd(o, n): f.seek(o); return f.read(n)
def wr(o, b): f.seek(o); f.write(b)
bs = struct.unpack_from('<Q', rd(L + 0x200000 + 0xa1, 8))[0]
fdc = L + max(1, 0x400000 // bs) * bs
def inode(i): return fdc + 0x18000 + i * 0x800
def sysfile_block(i): return L + (struct.unpack_from('<I', rd(inode(i) + 0x400, 4))[0] >> 6) * bs
fbb = sysfile_block(1)                       # .fbb.sf: entry 0 at +64 KiB
def find(name):                              # (dir inode index, entry offset, target index) in /vm
    def entries(ino):
        zla = struct.unpack_from('<I', rd(ino + 0x244, 4))[0]
        size = struct.unpack_from('<Q', rd(ino + 0x214, 8))[0]
        b = struct.unpack_from('<I', rd(ino + 0x400, 4))[0]
        if zla == 1:
            base = L + (b >> 6) * bs
        else:                                # one sub-block of .sbc.sf
            sbc = sysfile_block(4); ent, item = (b >> 6) & 0x3fffff, (b >> 28) | ((b >> 3) & 3) << 4
            idx = ent * 16 + item
            base = sbc + 0x10000 + (idx // 512) * (32 * 1024 + 512 * 0x10000) + 32 * 1024 + (idx % 512) * 0x10000
        for k in range(size // 140):
            t, a, g = struct.unpack_from('<III', rd(base + k * 140, 12))
            n = rd(base + k * 140 + 12, 128).split(b'\0')[0].decode()
            yield base + k * 140, n, a
    for off, n, a in entries(inode(0)):
        if n == 'vm':
            vm = ((a >> 6) & 0xffff) * 32 + (a >> 22)
            for off2, n2, a2 in entries(inode(vm)):
                if n2 == name:
                    return off2, ((a2 >> 6) & 0xffff) * 32 + (a2 >> 22)
    raise SystemExit('not found: ' + name)
e0 = fbb + 0x10000
if what == 'used-block-free':                # mark file block 20 (system area) free, fix the count
    bits = bytearray(rd(e0 + 0x210, 4)); bits[2] |= 0x10; wr(e0 + 0x210, bytes(bits))
    free = struct.unpack_from('<I', rd(e0 + 0x208, 4))[0]; wr(e0 + 0x208, struct.pack('<I', free + 1))
elif what == 'free-block-used':              # the last block of entry 0 marked used
    bits = bytearray(rd(e0 + 0x210, 25)); bits[24] &= 0x7f; wr(e0 + 0x210, bytes(bits))
    free = struct.unpack_from('<I', rd(e0 + 0x208, 4))[0]; wr(e0 + 0x208, struct.pack('<I', free - 1))
elif what == 'free-count':
    free = struct.unpack_from('<I', rd(e0 + 0x208, 4))[0]; wr(e0 + 0x208, struct.pack('<I', free + 3))
elif what == 'dead-entry':                   # c's inode loses its links, its entry stays
    off, idx = find('c'); wr(inode(idx) + 0x208, struct.pack('<I', 0))
elif what == 'orphan':                       # d's directory entry points elsewhere: d is orphaned
    off, idx = find('d'); off_b, idx_b = find('b')
    wr(off + 4, rd(off_b + 4, 8)); wr(off + 12, b'd2'.ljust(128, b'\0'))
    wr(inode(idx_b) + 0x208, struct.pack('<I', 2))
elif what == 'link-count':
    off, idx = find('b'); wr(inode(idx) + 0x208, struct.pack('<I', 5))
elif what == 'block-count':
    off, idx = find('big'); wr(inode(idx) + 0x224, struct.pack('<Q', 7))
elif what == 'shared-block':                 # c maps big's first block
    off, idx = find('big'); off_c, idx_c = find('c')
    wr(inode(idx_c) + 0x400, rd(inode(idx) + 0x400, 4))
PY
}

for kind in used-block-free free-block-used free-count dead-entry orphan link-count block-count shared-block; do
    cp --sparse=always "$base" "$dir/bad.img"
    damage "$kind" || { fail "vmfs-fsck $kind: could not damage the image"; continue; }
    out=$("$F" -n "$dir/bad.img" 2>&1)
    rc=$?
    if ((rc == 4)); then
        pass "vmfs-fsck $kind: found by -n ($(head -1 <<<"$out"))"
    else
        fail "vmfs-fsck $kind: -n exited $rc: $out"
        continue
    fi
    [[ $kind == shared-block ]] && {
        out=$("$F" -y "$dir/bad.img" 2>&1)
        (($? == 4)) && pass "vmfs-fsck $kind: -y leaves a block two files share to the administrator" ||
            fail "vmfs-fsck $kind: -y said: $out"
        continue
    }
    out=$("$F" -y "$dir/bad.img" 2>&1)
    rc=$?
    ((rc == 1)) && pass "vmfs-fsck $kind: -y repairs it" || { fail "vmfs-fsck $kind: -y exited $rc: $out"; continue; }
    check "vmfs-fsck $kind: clean afterwards" "$F" -n "$dir/bad.img"
    check "vmfs-fsck $kind: fsck.vmfs clean afterwards" fsck_vmfs_clean "$dir/bad.img"
    check "vmfs-fsck $kind: check_vol_bitmaps clean afterwards" bitmaps_clean "$dir/bad.img"
    vmfs_mount "$dir/bad.img" "$dir/m" -r
    want=$(grep -v -E " (c|d|b)$" "$dir/sums")
    [[ $kind != orphan && $kind != link-count ]] && want=$(grep -v -E " (c|d)$" "$dir/sums")
    check "vmfs-fsck $kind: the undamaged files read back unchanged" bash -c "cd '$dir/m/vm' && sha1sum -c --quiet <<<'$want'"
    vmfs_unmount "$dir/m"
done
rm -rf "$dir"
