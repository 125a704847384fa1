#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# vmfs-fsck: a fresh volume with a populated tree (files of every size
# class, a hard link, a symlink, a 262-level-deep path) is clean for
# vmfs-fsck, fsck.vmfs and check_vol_bitmaps; so are ESX 3.5's own volume
# and a volume with to-be-zeroed blocks (which fsck.vmfs wrongly calls
# lost).  Then each kind of damage, made on the image with Python while it
# is unmounted, is found by vmfs-fsck -n (exit 4, the right message); -y
# repairs the repairable ones (exit 1) after which vmfs-fsck, fsck.vmfs and
# check_vol_bitmaps are clean and the undamaged files read back identical
# through vmfs-fuse; what cannot be repaired safely is left (exit 4) with
# nothing else lost.  -y refuses a volume that is mounted.
set -u
cd "$(dirname "$0")/../.."
. tests/system/vmfs_lib.sh
trap vmfs_unmount_all EXIT

make -s build/bin/vmkfstools build/bin/vmfs-fuse build/bin/vmfs-fsck >/dev/null || { fail "vmfs-fsck: build"; exit 1; }
F=$VMFS_BIN/vmfs-fsck
dir=$(vmfs_workdir fsck)

# Reads and patches an image in place (the volume at byte 0, no MBR).
cat >"$dir/vmfsimg.py" <<'PY'
import struct

DATA = 0x1100000

class Vol:
    def __init__(s, path):
        s.f = open(path, 'r+b')
        s.bs = struct.unpack_from('<Q', s.rd(DATA + 0x200000 + 0xa1, 8))[0]
        base = DATA + max(1, 0x400000 // s.bs) * s.bs       # block 0 of .fdc.sf
        s.fdc_hdr = s.hdr(s.rd(base, 28))
        s.sysblocks = {2: s.blocks_of(s.rd(base + s.item_off(s.fdc_hdr, 2), 0x800))}
        s.bm = {}
        for name, idx in (('fbb', 1), ('fdc', 2), ('pbc', 3), ('sbc', 4)):
            s.sysblocks[idx] = s.blocks_of(s.inode_raw(idx))
            s.bm[name] = (idx, s.hdr(s.rd(s.sys_phys(idx, 0), 28)))

    def rd(s, o, n): s.f.seek(o); return s.f.read(n)
    def wr(s, o, b): s.f.seek(o); s.f.write(b)
    def hdr(s, b):
        return dict(zip(('ipe', 'epa', 'hsize', 'dsize', 'asize', 'total', 'areas'), struct.unpack_from('<7I', b)))
    def item_off(s, h, i):
        ipa = h['ipe'] * h['epa']
        return h['hsize'] + (i // ipa) * h['asize'] + h['epa'] * 1024 + (i % ipa) * h['dsize']
    def entry_off(s, h, e): return h['hsize'] + (e // h['epa']) * h['asize'] + (e % h['epa']) * 1024
    def blocks_of(s, raw): return list(struct.unpack_from('<256I', raw, 0x400))
    def sys_phys(s, idx, off):
        b = s.sysblocks[idx][off // s.bs]
        return DATA + (b >> 6) * s.bs + off % s.bs
    # inodes
    def inode_pos(s, idx): return s.sys_phys(2, s.item_off(s.fdc_hdr, idx))
    def inode_raw(s, idx): return s.rd(s.inode_pos(idx), 0x800)
    FIELDS = {'magic': (0, 'I'), 'hb_pos': (0x0c, 'Q'), 'hb_gen': (0x14, 'Q'), 'lock_mode': (0x24, 'I'),
              'owner': (0x28, '16s'), 'id': (0x200, 'I'), 'gen': (0x204, 'I'), 'nlink': (0x208, 'I'),
              'type': (0x20c, 'I'), 'size': (0x214, 'Q'), 'blk_size': (0x21c, 'Q'), 'blk_count': (0x224, 'Q'),
              'zla': (0x244, 'I'), 'tbz': (0x248, 'I')}
    def get(s, idx, field):
        o, t = s.FIELDS[field]
        return struct.unpack_from('<' + t, s.inode_raw(idx), o)[0]
    def set(s, idx, field, v):
        o, t = s.FIELDS[field]
        s.wr(s.inode_pos(idx) + o, struct.pack('<' + t, v))
    def block(s, idx, i): return struct.unpack_from('<I', s.inode_raw(idx), 0x400 + 4 * i)[0]
    def set_block(s, idx, i, v): s.wr(s.inode_pos(idx) + 0x400 + 4 * i, struct.pack('<I', v))
    def addr(s, idx):
        ipe = s.fdc_hdr['ipe']; return (idx % ipe) << 22 | (idx // ipe) << 6 | 4
    def index(s, addr): return ((addr >> 6) & 0xffff) * s.fdc_hdr['ipe'] + (addr >> 22)
    # contents of sub-block and direct files
    def blk_phys(s, b, off=0):
        if b & 7 == 1: return DATA + (b >> 6) * s.bs + off
        h = s.bm['sbc'][1]
        return s.sys_phys(4, s.item_off(h, ((b >> 6) & 0x3fffff) * h['ipe'] + ((b >> 28) | ((b >> 3) & 3) << 4)) + off)
    def file_pos(s, idx, off):
        unit = 0x10000 if s.get(idx, 'zla') == 2 else s.bs
        return s.blk_phys(s.block(idx, off // unit), off % unit)
    # directories
    def entries(s, idx):
        out = []
        for k in range(s.get(idx, 'size') // 140):
            pos = s.file_pos(idx, k * 140)
            t, a, g = struct.unpack('<III', s.rd(pos, 12))
            out.append(dict(pos=pos, type=t, addr=a, gen=g, name=s.rd(pos + 12, 128).split(b'\0')[0].decode()))
        return out
    def lookup(s, path):                  # -> (inode index, parent index, its entry)
        idx, parent, ent = 0, 0, None
        for part in [p for p in path.split('/') if p]:
            ent = [e for e in s.entries(idx) if e['name'] == part][0]
            parent, idx = idx, s.index(ent['addr'])
        return idx, parent, ent
    def set_entry(s, ent, **kw):
        for k, v in kw.items():
            s.wr(ent['pos'] + {'type': 0, 'addr': 4, 'gen': 8}[k], struct.pack('<I', v))
    def remove_entry(s, dir_idx, name):   # as ESX does: the last entry moves into the hole
        ents = s.entries(dir_idx)
        k = [i for i, e in enumerate(ents) if e['name'] == name][0]
        s.wr(ents[k]['pos'], s.rd(ents[-1]['pos'], 140))
        s.set(dir_idx, 'size', (len(ents) - 1) * 140)
    def append_entry(s, dir_idx, type_, addr, gen, name):
        n = s.get(dir_idx, 'size')
        s.wr(s.file_pos(dir_idx, n), struct.pack('<III', type_, addr, gen) + name.encode().ljust(128, b'\0'))
        s.set(dir_idx, 'size', n + 140)
    # bitmaps
    EF = {'magic': 0, 'id': 0x200, 'total': 0x204, 'free': 0x208}
    def entry_pos(s, name, e):
        idx, h = s.bm[name]; return s.sys_phys(idx, s.entry_off(h, e))
    def entry_get(s, name, e, f): return struct.unpack('<I', s.rd(s.entry_pos(name, e) + s.EF[f], 4))[0]
    def entry_set(s, name, e, f, v): s.wr(s.entry_pos(name, e) + s.EF[f], struct.pack('<I', v))
    def item_free(s, name, n):
        e, i = divmod(n, s.bm[name][1]['ipe'])
        return bool(s.rd(s.entry_pos(name, e) + 0x210 + i // 8, 1)[0] >> (i % 8) & 1)
    def set_item(s, name, n, free):       # the bit and the entry's free count
        e, i = divmod(n, s.bm[name][1]['ipe'])
        pos = s.entry_pos(name, e) + 0x210 + i // 8
        byte = s.rd(pos, 1)[0]
        if bool(byte >> (i % 8) & 1) == free:
            raise SystemExit('item %d already %s' % (n, 'free' if free else 'allocated'))
        s.wr(pos, bytes([byte ^ (1 << (i % 8))]))
        s.entry_set(name, e, 'free', s.entry_get(name, e, 'free') + (1 if free else -1))
    # heartbeats
    def set_hb(s, slot, state, gen, stamp_us, owner, journal=0):
        pos = DATA + 0x300000 + slot * 512
        s.wr(pos, struct.pack('<IQ', state, 0x300000 + slot * 512))
        s.wr(pos + 0x0c, struct.pack('<QQ', gen, stamp_us) + owner + struct.pack('<I', journal))
PY

# A populated volume: every size class (empty, 1 byte, sub-blocks, several
# sub-blocks, file blocks, pointer blocks), a hard link, a symlink, an
# empty directory, a deep path.
base=$dir/base.img
new_volume "$base" 1G
vmfs_mount "$base" "$dir/m" || { fail "vmfs-fsck: mount"; exit 1; }
m=$dir/m
deep=$m/deep; for ((i = 0; i < 262; i++)); do deep=$deep/d; done
mkdir -p "$m/vm/sub" "$m/vm/empty" "$deep"
: >"$m/vm/zero"
head -c 1 /dev/urandom >"$m/vm/one"
head -c 5000 /dev/urandom >"$m/vm/a"
head -c 70000 /dev/urandom >"$m/vm/d"
head -c 200000 /dev/urandom >"$m/vm/b"
head -c 2000000 /dev/urandom >"$m/vm/c"
head -c 3000000 /dev/urandom >"$m/vm/big"
truncate -s 300M "$m/vm/sparse" && echo end >>"$m/vm/sparse"
echo keep >"$m/vm/sub/keep"
echo deep >"$deep/f"
ln "$m/vm/a" "$m/vm/a.link"
ln -s a "$m/vm/sym"
(cd "$m/vm" && sha1sum a a.link b big c d one zero sparse sub/keep) >"$dir/sums"
vmfs_unmount "$m"

check "vmfs-fsck: a populated volume is clean" "$F" -n "$base"
check "vmfs-fsck: fsck.vmfs agrees" fsck_vmfs_clean "$base"
check "vmfs-fsck: check_vol_bitmaps agrees" bitmaps_clean "$base"
out=$("$F" -y "$base" 2>&1)
rc=$?
[[ $rc == 0 && $out == *": clean" ]] && pass "vmfs-fsck: -y on a clean volume changes nothing (exit 0)" ||
    fail "vmfs-fsck: -y on a clean volume exited $rc: $out"
if [[ -f ../shared/fixtures/vmfs3-esx35.img.zst ]]; then
    zstd -q -dc ../shared/fixtures/vmfs3-esx35.img.zst >"$dir/esx.img"
    check "vmfs-fsck: ESX 3.5's own volume is clean (its to-be-zeroed blocks are in use, not lost)" "$F" -n "$dir/esx.img"
    rm -f "$dir/esx.img"
fi

# To-be-zeroed blocks (fallocate through the mount: zeroedthick).
thick=$dir/thick.img
new_volume "$thick" 1G
vmfs_mount "$thick" "$dir/m" && fallocate -l 5M "$dir/m/thick" && echo small >"$dir/m/small"
vmfs_unmount "$dir/m"
check "vmfs-fsck: to-be-zeroed blocks are in use, not lost" "$F" -n "$thick"

# damage IMAGE PYTHON: patch the image; `v` is the volume.
damage() {
    PYTHONPATH=$dir python3 -c "
from vmfsimg import *
v = Vol('$1')
$2
"
}

# A mounted volume: -n notes the host, -y refuses (exit 8).
cp --sparse=always "$base" "$dir/bad.img"
vmfs_mount "$dir/bad.img" "$dir/m"
out=$("$F" -n "$dir/bad.img" 2>&1)
rc=$?
[[ $rc == 0 && $out == *"note: host "*"has the volume open"* ]] && pass "vmfs-fsck: -n on a mounted volume notes the host" ||
    fail "vmfs-fsck: -n on a mounted volume exited $rc: $out"
out=$("$F" -y "$dir/bad.img" 2>&1)
rc=$?
[[ $rc == 8 && $out == *"has the volume open: unmount it"* ]] && pass "vmfs-fsck: -y refuses a mounted volume (exit 8)" ||
    fail "vmfs-fsck: -y on a mounted volume exited $rc: $out"
vmfs_unmount "$dir/m"

# case NAME IMAGE EXPECT-Y DAMAGED-FILES MESSAGE-REGEX PYTHON
#   EXPECT-Y: 1 (repaired) or 4 (left to the administrator)
#   DAMAGED-FILES: files of /vm not compared afterwards (regex)
case_() {
    local name=$1 img=$2 want_y=$3 damaged=$4 msg=$5 code=$6 out rc
    cp --sparse=always "$img" "$dir/bad.img"
    damage "$dir/bad.img" "$code" || { fail "vmfs-fsck $name: could not damage the image"; return; }
    out=$("$F" -n "$dir/bad.img" 2>&1)
    rc=$?
    if ((rc == 4)) && grep -qE -- "$msg" <<<"$out"; then
        pass "vmfs-fsck $name: -n finds it ($(grep -m1 -E -- "$msg" <<<"$out"))"
    else
        fail "vmfs-fsck $name: -n exited $rc, want 4 and /$msg/: $out"
        return
    fi
    cmp -s "$img" "$dir/bad.img" && { fail "vmfs-fsck $name: the damage did not change the image"; return; }
    out=$("$F" -y "$dir/bad.img" 2>&1)
    rc=$?
    if ((rc != want_y)); then
        fail "vmfs-fsck $name: -y exited $rc, want $want_y: $out"
        return
    fi
    if ((want_y == 1)); then
        pass "vmfs-fsck $name: -y repairs it"
        check "vmfs-fsck $name: clean afterwards" "$F" -n "$dir/bad.img"
        # (fsck.vmfs calls to-be-zeroed blocks lost: not asked of the thick volume)
        [[ $img == "$thick" ]] || check "vmfs-fsck $name: fsck.vmfs clean afterwards" fsck_vmfs_clean "$dir/bad.img"
        check "vmfs-fsck $name: check_vol_bitmaps clean afterwards" bitmaps_clean "$dir/bad.img"
    else
        pass "vmfs-fsck $name: -y leaves it to the administrator ($(grep -m1 '^still: ' <<<"$out"))"
    fi
    if [[ $img == "$base" ]]; then
        local want
        want=$(grep -vE " ($damaged)\$" "$dir/sums")
        vmfs_mount "$dir/bad.img" "$dir/m" -r
        check "vmfs-fsck $name: the undamaged files read back identical" \
            bash -c "cd '$dir/m/vm' && sha1sum -c --quiet <<<'$want'"
        vmfs_unmount "$dir/m"
    fi
}

# The bitmaps.
case_ used-block-free "$base" 1 "" 'block 0x00001641 is used by 0x[0-9a-f]{8} \(/vm/big\) but free in .fbb.sf' \
    "v.set_item('fbb', 0x1641 >> 6, True)"
case_ free-block-used "$base" 1 "" 'block 0x0000bfc1 is allocated in .fbb.sf but used by no file \(lost\)' \
    "v.set_item('fbb', 767, False)"
case_ free-count "$base" 1 "" '.fbb.sf entry 0 counts [0-9]+ free items, its bits say' \
    "v.entry_set('fbb', 0, 'free', v.entry_get('fbb', 0, 'free') + 3)"
case_ entry-header "$base" 1 "" '.sbc.sf entry 1: magic 0x10c00003, id 7' \
    "v.entry_set('sbc', 1, 'id', 7)"
case_ entry-past-last "$base" 1 "" '.fbb.sf entry 4, past the last in use, has magic 0x10c00002' \
    "v.entry_set('fbb', 4, 'magic', 0x10c00002)"

# Inodes and directories.
case_ dead-entry "$base" 1 "c" 'directory 0x[0-9a-f]{8} \(/vm\): entry "c" names 0x[0-9a-f]{8}, which is not a file in use' \
    "i, p, e = v.lookup('/vm/c'); v.set(i, 'nlink', 0)"
case_ orphan "$base" 1 "d" 'file 0x[0-9a-f]{8} is orphaned: no directory names it \(70000 bytes' \
    "i, p, e = v.lookup('/vm/d'); v.remove_entry(p, 'd')"
case_ orphan-dir "$base" 1 "sub/keep" 'directory 0x[0-9a-f]{8} is orphaned' \
    "i, p, e = v.lookup('/vm/sub'); v.remove_entry(p, 'sub'); v.set(p, 'nlink', v.get(p, 'nlink') - 1)"
case_ link-count "$base" 1 "" 'file 0x[0-9a-f]{8} \(/vm/b\): link count 5, names found: 1' \
    "i, p, e = v.lookup('/vm/b'); v.set(i, 'nlink', 5)"
case_ hard-link-count "$base" 1 "" 'file 0x[0-9a-f]{8} \(/vm/a\): link count 1, names found: 2' \
    "i, p, e = v.lookup('/vm/a'); v.set(i, 'nlink', 1)"
case_ dir-link-count "$base" 1 "" 'directory 0x[0-9a-f]{8} \(/vm\): link count 9, 2 \+ subdirectories = 4' \
    "i, p, e = v.lookup('/vm'); v.set(i, 'nlink', 9)"
case_ block-count "$base" 1 "" 'file 0x[0-9a-f]{8} \(/vm/big\): block count 7, maps 3' \
    "i, p, e = v.lookup('/vm/big'); v.set(i, 'blk_count', 7)"
case_ tbz-count "$thick" 1 "" 'file 0x[0-9a-f]{8} \(/thick\): to-be-zeroed count 0, maps 5' \
    "i, p, e = v.lookup('/thick'); v.set(i, 'tbz', 0)"
case_ entry-type "$base" 1 "" 'entry "sub" says type 3, its file descriptor 0x[0-9a-f]{8} is a directory' \
    "i, p, e = v.lookup('/vm/sub'); v.set_entry(e, type=3)"
case_ address-field "$base" 1 "" 'file 0x[0-9a-f]{8} \(/vm/b\): its address field says 0x12345674' \
    "i, p, e = v.lookup('/vm/b'); v.set(i, 'id', 0x12345674)"
case_ addressing-mode "$base" 1 "" 'file 0x[0-9a-f]{8} \(/vm/c\): addressing mode 7: its blocks say 1' \
    "i, p, e = v.lookup('/vm/c'); v.set(i, 'zla', 7)"
case_ dir-size "$base" 1 "" 'directory 0x[0-9a-f]{8} \(/vm\): size 1959 is not a whole number of 140-byte entries' \
    "i, p, e = v.lookup('/vm'); v.set(i, 'size', v.get(i, 'size') - 1)"
case_ second-dot "$base" 1 "" 'directory 0x[0-9a-f]{8} \(/vm/sub\): a second "\." entry' \
    "i, p, e = v.lookup('/vm/sub'); v.append_entry(i, 2, v.addr(i), v.get(i, 'gen'), '.')"
case_ wrong-dotdot "$base" 1 "" 'directory 0x[0-9a-f]{8} \(/vm/sub\): "\.\." names 0x[0-9a-f]{8}, not 0x[0-9a-f]{8}' \
    "i, p, e = v.lookup('/vm/sub'); d = [x for x in v.entries(i) if x['name'] == '..'][0]; v.set_entry(d, addr=v.addr(i))"
case_ generation "$base" 1 "" 'directory 0x[0-9a-f]{8} \(/vm\): entry "one" has generation [0-9]+, its file descriptor' \
    "i, p, e = v.lookup('/vm/one'); v.set_entry(e, gen=e['gen'] + 1)"

# What is not repaired: reported, left, nothing else lost.
case_ shared-block "$base" 4 "c" 'block 0x00001601 is mapped by both 0x[0-9a-f]{8} \(/vm/(big|c)\) and 0x[0-9a-f]{8} \(/vm/(big|c)\)' \
    "b = v.lookup('/vm/big')[0]; c = v.lookup('/vm/c')[0]; v.set_block(c, 0, v.block(b, 0))"
case_ past-size "$base" 4 "c" 'file 0x[0-9a-f]{8} \(/vm/c\): maps 1 block past its size of 1000000 bytes \(0x000015c1' \
    "i, p, e = v.lookup('/vm/c'); v.set(i, 'size', 1000000)"
case_ sub-block-hole "$base" 4 "b" 'file 0x[0-9a-f]{8} \(/vm/b\): a sub-block file with a hole at byte 65536' \
    "i, p, e = v.lookup('/vm/b'); v.set_block(i, 1, 0)"

# Dead hosts: a stale lock (a note: -n exits 0, -y clears it) and a
# heartbeat whose host died with the volume open (-y replays and frees it).
cp --sparse=always "$base" "$dir/bad.img"
damage "$dir/bad.img" "i, p, e = v.lookup('/vm/a'); v.set(i, 'lock_mode', 1); v.set(i, 'hb_pos', 0x300000 + 7 * 512)
v.set(i, 'hb_gen', 3); v.set(i, 'owner', bytes(range(16)))"
out=$("$F" -n "$dir/bad.img" 2>&1)
rc=$?
[[ $rc == 0 && $out == *"note: file descriptor 0x"*"(/vm/a) is locked by host 03020100-07060504-0908-0a0b0c0d0e0f, whose heartbeat slot is free"* ]] &&
    pass "vmfs-fsck stale-lock: -n notes it (exit 0)" || fail "vmfs-fsck stale-lock: -n exited $rc: $out"
out=$("$F" -y "$dir/bad.img" 2>&1)
rc=$?
lock=$(damage "$dir/bad.img" "print(v.get(v.lookup('/vm/a')[0], 'lock_mode'))")
[[ $rc == 1 && $out == *"(cleared)"* && $lock == 0 ]] && pass "vmfs-fsck stale-lock: -y clears it" ||
    fail "vmfs-fsck stale-lock: -y exited $rc, lock mode $lock: $out"

cp --sparse=always "$base" "$dir/bad.img"
damage "$dir/bad.img" "v.set_hb(5, 0xabcdef02, 4, 1000000, bytes(range(16, 32)))"
out=$("$F" -n "$dir/bad.img" 2>&1)
rc=$?
[[ $rc == 4 && $out == *"heartbeat slot 5: host 13121110-17161514-1918-1a1b1c1d1e1f died with the volume open"* ]] &&
    pass "vmfs-fsck stale-heartbeat: -n finds it" || fail "vmfs-fsck stale-heartbeat: -n exited $rc: $out"
out=$("$F" -y "$dir/bad.img" 2>&1)
rc=$?
((rc == 1)) && pass "vmfs-fsck stale-heartbeat: -y frees the slot" || fail "vmfs-fsck stale-heartbeat: -y exited $rc: $out"
check "vmfs-fsck stale-heartbeat: clean afterwards" "$F" -n "$dir/bad.img"

cp --sparse=always "$base" "$dir/bad.img"
damage "$dir/bad.img" "v.set_hb(9, 0x12345678, 0, 0, bytes(16))"
out=$("$F" -n "$dir/bad.img" 2>&1)
rc=$?
[[ $rc == 4 && $out == *"heartbeat slot 9: bad state 0x12345678"* ]] && pass "vmfs-fsck bad-heartbeat: -n finds it" ||
    fail "vmfs-fsck bad-heartbeat: -n exited $rc: $out"
out=$("$F" -y "$dir/bad.img" 2>&1)
rc=$?
((rc == 1)) && pass "vmfs-fsck bad-heartbeat: -y frees the slot" || fail "vmfs-fsck bad-heartbeat: -y exited $rc: $out"

out=$("$F" -n "$dir/nonexistent.img" 2>&1)
(($? == 8)) && pass "vmfs-fsck: a missing image is an operational error (exit 8)" || fail "vmfs-fsck: missing image: $out"
rm -rf "$dir"
