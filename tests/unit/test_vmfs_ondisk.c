// SPDX-License-Identifier: GPL-2.0-only
/*
 * VMFS3 on-disk structures and block addresses (vmfs/lib/format.c,
 * blkaddr.h), against the volume ESX 3.5 wrote (../shared/fixtures):
 * every structure decodes to the values ESX put there, encodes back to the
 * same bytes, and the checks accept it and refuse corrupted copies.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "../../vmfs/lib/blkaddr.h"
#include "../../vmfs/lib/format.h"

#define FIXTURE "../shared/fixtures/vmfs3-esx35.img.zst"
#define HEAD (24u << 20)        /* the fixture's first 24 MiB hold all we look at */
#define LOGICAL(x) (0x1100000u + (x))

static uint8_t *img;

static int load_fixture(void)
{
    FILE *p = popen("zstd -q -dc " FIXTURE " 2>/dev/null | head -c 25165824", "r");
    if (!p)
        return -1;
    img = calloc(1, HEAD);
    size_t n = img ? fread(img, 1, HEAD, p) : 0;
    pclose(p);
    return n == HEAD ? 0 : -1;
}

static void test_block_addresses(void)
{
    CHECK_EQ(blk_fb(0), 0x1, "file block 0");
    CHECK_EQ(blk_fb_number(blk_fb(VMFS_FB_MAX - 1)), VMFS_FB_MAX - 1, "file block 2^26-1 round trip");
    CHECK(blk_fb_tbz(blk_fb(5) | VMFS_FB_TBZ) && !blk_fb_tbz(blk_fb(5)), "TBZ bit");
    CHECK_EQ(blk_fb_number(0x96e1), 0x25b, "fixture: zeroedthick block 0x96e1 is block 0x25b");
    CHECK(blk_fb_tbz(0x96e1), "fixture: zeroedthick block 0x96e1 is to be zeroed");
    CHECK_EQ(blk_sb(30, 0), 0x782, "fixture: sub-block 0x782 is entry 30 item 0");
    CHECK_EQ(blk_sb(30, 1), 0x10000782, "fixture: sub-block 0x10000782 is entry 30 item 1");
    int bad = 0;
    for (uint32_t item = 0; item < VMFS_SB_MAX_ITEM; item++)
        for (uint32_t entry = 0; entry < VMFS_SB_MAX_ENTRY; entry += 0x3ffff) {
            uint32_t a = blk_sb(entry, item);
            bad += blk_type(a) != VMFS_BLK_SB || blk_sb_entry(a) != entry || blk_sb_item(a) != item;
        }
    CHECK_EQ(bad, 0, "sub-block addresses round trip (items 0-63 split over bits 28-31 and 3-4)");
    bad = 0;
    for (uint32_t item = 0; item < VMFS_PB_MAX_ITEM; item++)
        for (uint32_t entry = 0; entry < VMFS_PB_MAX_ENTRY; entry += 0x3ffff)
            bad += blk_pb_entry(blk_pb(entry, item)) != entry || blk_pb_item(blk_pb(entry, item)) != item ||
                   blk_type(blk_pb(entry, item)) != VMFS_BLK_PB;
    CHECK_EQ(bad, 0, "pointer block addresses round trip");
    bad = 0;
    for (uint32_t item = 0; item < VMFS_FD_MAX_ITEM; item += 31)
        for (uint32_t entry = 0; entry < VMFS_FD_MAX_ENTRY; entry += 4369)
            bad += blk_fd_entry(blk_fd(entry, item)) != entry || blk_fd_item(blk_fd(entry, item)) != item ||
                   blk_type(blk_fd(entry, item)) != VMFS_BLK_FD;
    CHECK_EQ(bad, 0, "file descriptor addresses round trip");
    CHECK_EQ(blk_fd(0, 0), 0x4, "the root directory is file descriptor 0x4");
    CHECK_EQ(blk_fd(0, 1), 0x400004, ".fbb.sf is file descriptor 0x400004");
    CHECK_EQ(blk_fd(6, 1), 0x400184, "fixture: thin.vmdk is file descriptor 0x400184 (entry 6 item 1)");
}

static void test_lvm_header(void)
{
    struct vmfs_lvm_header h;
    vmfs_lvm_header_decode(&h, img + 0x100000);
    CHECK_EQ(h.magic, VMFS_LVM_MAGIC, "LVM: magic");
    CHECK_EQ(h.major, 3, "LVM: major version 3");
    CHECK_EQ(h.disk_block_size, 512, "LVM: disk block size");
    CHECK_EQ(h.device_bytes, 1258435584, "LVM: device size is the image's");
    CHECK_EQ(h.data_offset, 0x1100000, "LVM: data offset");
    CHECK_EQ(h.num_segments, 4, "LVM: 4 segments");
    CHECK_EQ(h.logical_size, 4ull << 28, "LVM: logical size 1 GiB");
    CHECK_EQ(h.last_segment, 3, "LVM: last segment");
    char uuid[36];
    vmfs_uuid_format(&h.lvm_uuid, uuid);
    CHECK(!strcmp(uuid, "49edf842-dcb35d37-b383-0021280083cf"), "LVM: UUID 49edf842-dcb35d37-b383-0021280083cf (%s)", uuid);
    CHECK(!strcmp(h.lvm_name, uuid), "LVM: its name is its UUID as text");
    CHECK(vmfs_lvm_header_check(&h) == NULL, "LVM: ESX's header passes the checks");
    uint8_t again[1024];
    vmfs_lvm_header_encode(&h, again);
    CHECK(!memcmp(again, img + 0x100000, 0x2e + 15) && !memcmp(again + 0x5a, img + 0x100000 + 0x5a, 0xa2 - 0x5a),
          "LVM: the device header encodes back to ESX's bytes");
    CHECK(!memcmp(again + 0x200, img + 0x100200, 0x94), "LVM: the volume descriptor encodes back to ESX's bytes");
    struct vmfs_lvm_header b = h;
    b.magic ^= 1;
    CHECK(vmfs_lvm_header_check(&b) != NULL, "LVM: a bad magic is refused");
    b = h, b.major = 5;
    CHECK(vmfs_lvm_header_check(&b) != NULL, "LVM: VMFS5 is refused");
    b = h, b.num_segments = 0;
    CHECK(vmfs_lvm_header_check(&b) != NULL, "LVM: zero segments are refused");
    b = h, b.num_segments = 8193, b.last_segment = 8192, b.logical_size = 8193ull << 28;
    CHECK(vmfs_lvm_header_check(&b) != NULL, "LVM: more than 2 TiB of segments is refused");
    b = h, b.logical_size += 512;
    CHECK(vmfs_lvm_header_check(&b) != NULL, "LVM: a size that disagrees with the segments is refused");
    b = h, b.num_extents = 2;
    CHECK(vmfs_lvm_header_check(&b) != NULL, "LVM: spanned volumes are refused clearly");
}

static void test_fs_descriptor(void)
{
    struct vmfs_fs_desc d;
    vmfs_fs_desc_decode(&d, img + LOGICAL(0x200000));
    CHECK_EQ(d.magic, VMFS_FSDESC_MAGIC, "FS: magic");
    CHECK_EQ(d.vol_version, 4, "FS: volume version");
    CHECK_EQ(d.version, 31, "FS: version 3.31");
    CHECK_EQ(d.mode, 2, "FS: mode public");
    CHECK(!strcmp(d.label, "toto"), "FS: label toto");
    CHECK_EQ(d.block_size, 1u << 20, "FS: 1 MiB file blocks");
    CHECK_EQ(d.subblock_size, 65536, "FS: 64 KiB sub-blocks");
    CHECK_EQ(d.fdc_header_size, 65536, "FS: FDC header size");
    CHECK_EQ(d.fdc_bitmap_count, 32, "FS: FDC bitmap count");
    char uuid[36];
    vmfs_uuid_format(&d.uuid, uuid);
    CHECK(!strncmp(uuid, "49edf844-", 9), "FS: its own UUID (%s)", uuid);
    struct vmfs_lvm_header h;
    vmfs_lvm_header_decode(&h, img + 0x100000);
    CHECK(!memcmp(&d.lvm_uuid, &h.lvm_uuid, 16), "FS: names its logical volume's UUID");
    uint8_t again[512];
    vmfs_fs_desc_encode(&d, again);
    CHECK(!memcmp(again, img + LOGICAL(0x200000), 512), "FS: encodes back to ESX's 512 bytes");
    CHECK(vmfs_fs_desc_check(&d) == NULL, "FS: passes the checks");
    struct vmfs_fs_desc b = d;
    b.block_size = 3u << 20;
    CHECK(vmfs_fs_desc_check(&b) != NULL, "FS: a 3 MiB block size is refused");
    b = d, b.subblock_size = 4096;
    CHECK(vmfs_fs_desc_check(&b) != NULL, "FS: another sub-block size is refused");
    b = d, b.magic = 0;
    CHECK(vmfs_fs_desc_check(&b) != NULL, "FS: a bad magic is refused");
}

static void test_heartbeat(void)
{
    struct vmfs_heartbeat hb;
    vmfs_heartbeat_decode(&hb, img + LOGICAL(0x300200));
    CHECK_EQ(hb.state, VMFS_HB_FREE, "heartbeat: slot 1 of a cleanly unmounted volume is free");
    CHECK_EQ(hb.pos, 0x300200, "heartbeat: slot 1 names its own address");
    uint8_t again[512];
    vmfs_heartbeat_encode(&hb, again);
    CHECK(!memcmp(again, img + LOGICAL(0x300200), 512), "heartbeat: encodes back to ESX's bytes");
    struct vmfs_heartbeat live = { .state = VMFS_HB_LIVE, .pos = 0x300400, .gen = 7, .stamp_us = 123456789,
                                   .journal = 0x1c1 };
    live.owner.b[0] = 0xaa;
    vmfs_heartbeat_encode(&live, again);
    struct vmfs_heartbeat back;
    vmfs_heartbeat_decode(&back, again);
    CHECK(back.state == live.state && back.pos == live.pos && back.gen == 7 && back.stamp_us == 123456789 &&
              back.journal == 0x1c1 && back.owner.b[0] == 0xaa,
          "heartbeat: a live slot round trips");
    CHECK(again[0x30] == 4 && again[0x34] == 31, "heartbeat: a live slot carries the FS version as ESX's do");
}

static void test_bitmaps(void)
{
    const uint8_t *fdc = img + LOGICAL(0x400000);
    struct vmfs_bitmap_header h;
    vmfs_bitmap_header_decode(&h, fdc);
    CHECK(h.items_per_entry == 32 && h.entries_per_area == 32 && h.header_size == 0x10000 && h.data_size == 0x800 &&
              h.area_size == 0x208000 && h.total_items == 256 && h.area_count == 1,
          "FDC: header 32/32/64K/2K/0x208000/256/1");
    CHECK(vmfs_bitmap_header_check(&h, VMFS_FD_MAX_ITEM, VMFS_FD_MAX_ENTRY) == NULL, "FDC: header passes the checks");
    uint8_t again[28];
    vmfs_bitmap_header_encode(&h, again);
    CHECK(!memcmp(again, fdc, 28), "FDC: header encodes back");
    CHECK_EQ(vmfs_bitmap_entry_offset(&h, 0), 0x10000, "FDC: entry 0 right after the header");
    CHECK_EQ(vmfs_bitmap_item_offset(&h, 0), 0x18000, "FDC: item 0 (the root) after the 32 entries");
    CHECK_EQ(vmfs_bitmap_item_offset(&h, 192), 0x18000 + 192 * 0x800, "FDC: item 192 (thin-flat.vmdk)");
    struct vmfs_bitmap_header b = h;
    b.items_per_entry = 0;
    CHECK(vmfs_bitmap_header_check(&b, VMFS_FD_MAX_ITEM, VMFS_FD_MAX_ENTRY), "bitmap: zero items per entry refused");
    b = h, b.items_per_entry = 2000;
    CHECK(vmfs_bitmap_header_check(&b, VMFS_FD_MAX_ITEM, VMFS_FD_MAX_ENTRY), "bitmap: too many items per entry refused");
    b = h, b.area_size += 1024;
    CHECK(vmfs_bitmap_header_check(&b, VMFS_FD_MAX_ITEM, VMFS_FD_MAX_ENTRY), "bitmap: inconsistent area size refused");
    b = h, b.area_count = 2;
    CHECK(vmfs_bitmap_header_check(&b, VMFS_FD_MAX_ITEM, VMFS_FD_MAX_ENTRY), "bitmap: inconsistent area count refused");
    b = h, b.total_items = 0;
    CHECK(vmfs_bitmap_header_check(&b, VMFS_FD_MAX_ITEM, VMFS_FD_MAX_ENTRY), "bitmap: zero items refused");

    struct vmfs_bitmap_entry e;
    vmfs_bitmap_entry_decode(&e, fdc + 0x10000);
    unsigned pop = 0;
    for (unsigned i = 0; i < e.total; i++)
        pop += (e.bits[i / 8] >> (i % 8)) & 1;
    CHECK(e.lock.magic == VMFS_FDC_MAGIC && e.id == 0 && e.total == 32 && e.free == pop,
          "FDC: entry 0 (magic, id 0, 32 items, free count = free bits: %u)", pop);
    CHECK_EQ(e.lock.pos, 0x410000, "FDC: entry 0's lock names its own address");
    uint8_t eagain[1024];
    vmfs_bitmap_entry_encode(&e, eagain);
    CHECK(!memcmp(eagain + 0x200, fdc + 0x10200, 0x200), "FDC: entry 0 encodes back");

    /* .sbc.sf's geometry: a 64 KiB item may straddle two 1 MiB file blocks. */
    struct vmfs_bitmap_header sbc = { 16, 32, 0x10000, 0x10000, 32 * 1024 + 512 * 0x10000, 1024, 2 };
    CHECK(vmfs_bitmap_header_check(&sbc, VMFS_SB_MAX_ITEM, VMFS_SB_MAX_ENTRY) == NULL, "SBC: the fixture's geometry");
    uint64_t o = vmfs_bitmap_item_offset(&sbc, 14);
    CHECK(o == 0x10000 + 0x8000 + 14 * 0x10000 && o / (1u << 20) != (o + 0xffff) / (1u << 20),
          "SBC: item 14 straddles the first 1 MiB boundary");
    CHECK_EQ(vmfs_bitmap_file_size(&sbc), 67239936, "SBC: file size as ESX's .sbc.sf");
}

static void test_inodes_and_dirs(void)
{
    const uint8_t *root = img + LOGICAL(0x418000);
    struct vmfs_inode ino;
    vmfs_inode_decode(&ino, root);
    CHECK(ino.lock.magic == VMFS_INODE_MAGIC && ino.lock.pos == 0x418000, "root: lock magic and position");
    CHECK(ino.addr == 4 && ino.gen == 1 && ino.nlink == 2 && ino.type == VMFS_TYPE_DIR, "root: address, gen, links, type");
    CHECK(ino.size == 2100 && ino.blk_size == 1u << 20 && ino.blk_count == 1 && ino.zla == VMFS_ZLA_DIRECT,
          "root: 15 entries in one direct file block");
    CHECK(ino.blocks[0] == 0x141 && blk_fb_number(ino.blocks[0]) == 5, "root: file block 5");
    CHECK_EQ(ino.mode, 01755, "root: mode 1755");
    uint8_t again[2048];
    vmfs_inode_encode(&ino, again);
    CHECK(!memcmp(again + 0x200, root + 0x200, 0x600) && !memcmp(again, root, 0x40),
          "root: encodes back to ESX's bytes");
    const uint8_t *dir = img + LOGICAL(5u << 20);
    struct vmfs_dirent d[3];
    for (int i = 0; i < 3; i++)
        vmfs_dirent_decode(&d[i], dir + i * VMFS_DIRENT_SIZE);
    CHECK(!strcmp(d[0].name, ".") && d[0].addr == 4 && d[0].type == VMFS_TYPE_DIR, "root: \".\" first, naming 0x4");
    CHECK(!strcmp(d[1].name, "..") && d[1].addr == 4, "root: \"..\" names the root itself");
    CHECK(!strcmp(d[2].name, ".fbb.sf") && d[2].addr == 0x400004 && d[2].type == VMFS_TYPE_SYSFILE && d[2].gen == 1,
          "root: .fbb.sf, a system file, generation 1");
    uint8_t eagain[VMFS_DIRENT_SIZE];
    vmfs_dirent_encode(&d[2], eagain);
    CHECK(!memcmp(eagain, dir + 2 * VMFS_DIRENT_SIZE, VMFS_DIRENT_SIZE), "dirent: encodes back");
}

static void test_uuid(void)
{
    struct vmfs_uuid u;
    char text[36];
    CHECK(vmfs_uuid_parse("49edf842-dcb35d37-b383-0021280083cf", &u) == 0, "UUID: parses");
    vmfs_uuid_format(&u, text);
    CHECK(!strcmp(text, "49edf842-dcb35d37-b383-0021280083cf"), "UUID: round trip");
    CHECK(!memcmp(u.b, img + 0x100200 + 0x54, 16), "UUID: the same bytes as in ESX's volume descriptor");
    CHECK(vmfs_uuid_parse("49edf842-dcb35d37-b383-0021280083c", &u) < 0, "UUID: too short is refused");
    CHECK(vmfs_uuid_parse("49edf842-dcb35d37-b383-0021280083cg", &u) < 0, "UUID: non-hex is refused");
    CHECK(vmfs_uuid_parse("49edf842-dcb35d37-b383-0021280083cf0", &u) < 0, "UUID: extra characters are refused");
    CHECK(vmfs_uuid_parse("+9edf842-dcb35d37-b383-0021280083cf", &u) < 0, "UUID: a sign is refused");
    CHECK(vmfs_uuid_parse("49edf842-dcb35d37-0x83-0021280083cf", &u) < 0, "UUID: a 0x prefix is refused");
    CHECK(vmfs_uuid_parse("49edf842-dcb35d37-b383- 021280083cf", &u) < 0, "UUID: a space is refused");
    CHECK(vmfs_uuid_parse("49edf842-dcb35d37-b383-00-1280083cf", &u) < 0, "UUID: a dash out of place is refused");
}

int main(void)
{
    test_block_addresses();
    if (load_fixture() < 0) {
        printf("FAIL vmfs on-disk: cannot read %s (run from the repository root)\n", FIXTURE);
        return 1;
    }
    test_lvm_header();
    test_fs_descriptor();
    test_heartbeat();
    test_bitmaps();
    test_inodes_and_dirs();
    test_uuid();
    free(img);
    CHECK_DONE();
}
