/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VMFS3 on-disk structures (../shared/specs/vmfs3-format.md): constants,
 * decoded forms and their decode/encode functions.  Decoding never trusts
 * the bytes: callers validate with the *_check() functions before use.
 */
#ifndef VMFS_FORMAT_H
#define VMFS_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MiB (1024u * 1024u)

/* Physical placement, relative to the start of the partition or image. */
#define VMFS_LVM_BASE        0x100000ull   /* device header */
#define VMFS_VOLDESC_OFFSET  0x200u        /* volume descriptor, from LVM base */
#define VMFS_SEGMAP_OFFSET   0x80200ull    /* segment bitmap, from LVM base */
#define VMFS_SEGTAB_OFFSET   0x80600ull    /* segment table, from LVM base */
#define VMFS_SEGTAB_ENTRY    0x80u
#define VMFS_DATA_OFFSET     0x1100000ull  /* logical address 0 */
#define VMFS_SEGMENT_SIZE    (256ull * MiB)
#define VMFS_MAX_SEGMENTS    8192u         /* 2 TiB, the VMFS3 extent limit */

#define VMFS_LVM_MAGIC       0xc001d00du
#define VMFS_FSDESC_MAGIC    0x2fabf15eu
#define VMFS_INODE_MAGIC     0x10c00001u
#define VMFS_FBB_MAGIC       0x10c00002u
#define VMFS_SBC_MAGIC       0x10c00003u
#define VMFS_PBC_MAGIC       0x10c00004u
#define VMFS_FDC_MAGIC       0x10c00005u
#define VMFS_HB_FREE         0xabcdef01u
#define VMFS_HB_LIVE         0xabcdef02u

/* Logical placement. */
#define VMFS_FSDESC_ADDR     0x200000ull
#define VMFS_HB_ADDR         0x300000ull
#define VMFS_HB_SLOTS        2048u
#define VMFS_HB_SIZE         512u
#define VMFS_SYSAREA_END     0x400000ull   /* .vh.sf covers 0 .. 4 MiB */

#define VMFS_LOCK_SIZE       512u
#define VMFS_INODE_SIZE      2048u
#define VMFS_INODE_BLOCKS    256u
#define VMFS_BMP_ENTRY_SIZE  1024u
#define VMFS_BMP_BITS_MAX    (496u * 8u)
#define VMFS_DIRENT_SIZE     140u
#define VMFS_NAME_MAX        127u
#define VMFS_SUBBLOCK_SIZE   (64u * 1024u)
#define VMFS_PTRBLOCK_SIZE   4096u

enum vmfs_file_type {
    VMFS_TYPE_DIR = 2,
    VMFS_TYPE_FILE = 3,
    VMFS_TYPE_SYMLINK = 4,
    VMFS_TYPE_SYSFILE = 5,
    VMFS_TYPE_RDM = 6,
};

/* Inode addressing modes ("zla"). */
enum vmfs_zla { VMFS_ZLA_DIRECT = 1, VMFS_ZLA_SUBBLOCK = 2, VMFS_ZLA_POINTER = 3 };

struct vmfs_uuid { uint8_t b[16]; };

/* Device header and volume descriptor (the LVM header, one per extent). */
struct vmfs_lvm_header {
    uint32_t magic, major, minor;
    uint16_t lun;
    char vendor_model[29];      /* SCSI vendor (8), product (16), revision (4) */
    char scsi_id[45];
    uint32_t disk_block_size;
    uint64_t device_bytes;
    uint32_t num_volumes, num_pes, last_pe, generation;
    uint64_t data_offset;
    struct vmfs_uuid device_uuid;
    uint64_t ctime_us, mtime_us;
    /* volume descriptor */
    uint64_t logical_size, blocks;
    uint32_t state;
    char lvm_name[65];
    struct vmfs_uuid lvm_uuid;
    uint32_t snap_id;
    uint64_t vol_ctime_us;
    uint32_t volume_id, num_segments;
    uint64_t first_segment, last_segment;
    uint64_t vol_mtime_us;
    uint32_t num_extents;
};

struct vmfs_fs_desc {
    uint32_t magic, vol_version;
    uint8_t version;
    struct vmfs_uuid uuid;
    uint32_t mode;
    char label[129];
    uint32_t disk_block_size;
    uint64_t block_size;
    uint32_t ctime;
    uint32_t snap_id;
    struct vmfs_uuid lvm_uuid;
    uint32_t after_lvm_uuid;    /* +0xC1: meaning unknown; ESX 3.5 writes 1 */
    uint32_t fdc_header_size, fdc_bitmap_count, subblock_size;
};

/* The lock header that starts every inode and bitmap entry. */
struct vmfs_lock {
    uint32_t magic;
    uint64_t pos;           /* the object's own logical address */
    uint64_t hb_pos;        /* owner's heartbeat slot address */
    uint64_t hb_gen;        /* owner's heartbeat generation */
    uint64_t token;         /* bumped at every lock change */
    uint32_t mode;          /* 0 free, 1 exclusive */
    struct vmfs_uuid owner;
    uint64_t mtime_us;
};

struct vmfs_inode {
    struct vmfs_lock lock;
    uint32_t addr, gen, nlink, type, flags;
    uint64_t size, blk_size, blk_count;
    uint32_t mtime, ctime, atime, uid, gid, mode, zla, tbz, cow;
    uint32_t blocks[VMFS_INODE_BLOCKS];
};

struct vmfs_bitmap_header {
    uint32_t items_per_entry, entries_per_area, header_size, data_size;
    uint32_t area_size, total_items, area_count;
};

struct vmfs_bitmap_entry {
    struct vmfs_lock lock;
    uint32_t id, total, free, first_free;
    uint8_t bits[496];      /* a set bit means the item is free */
};

struct vmfs_heartbeat {
    uint32_t state;
    uint64_t pos, gen, stamp_us;
    struct vmfs_uuid owner;
    uint32_t journal;       /* file block address of the owner's journal, 0 if none */
};

struct vmfs_dirent {
    uint32_t type, addr, gen;
    char name[VMFS_NAME_MAX + 1];
};

void vmfs_lvm_header_decode(struct vmfs_lvm_header *h, const uint8_t *buf);
void vmfs_lvm_header_encode(const struct vmfs_lvm_header *h, uint8_t *buf);
void vmfs_fs_desc_decode(struct vmfs_fs_desc *d, const uint8_t *buf);
void vmfs_fs_desc_encode(const struct vmfs_fs_desc *d, uint8_t *buf);
void vmfs_lock_decode(struct vmfs_lock *l, const uint8_t *buf);
void vmfs_lock_encode(const struct vmfs_lock *l, uint8_t *buf);
void vmfs_inode_decode(struct vmfs_inode *i, const uint8_t *buf);
void vmfs_inode_encode(const struct vmfs_inode *i, uint8_t *buf);
void vmfs_bitmap_header_decode(struct vmfs_bitmap_header *h, const uint8_t *buf);
void vmfs_bitmap_header_encode(const struct vmfs_bitmap_header *h, uint8_t *buf);
void vmfs_bitmap_entry_decode(struct vmfs_bitmap_entry *e, const uint8_t *buf);
void vmfs_bitmap_entry_encode(const struct vmfs_bitmap_entry *e, uint8_t *buf);
void vmfs_heartbeat_decode(struct vmfs_heartbeat *hb, const uint8_t *buf);
void vmfs_heartbeat_encode(const struct vmfs_heartbeat *hb, uint8_t *buf);
void vmfs_dirent_decode(struct vmfs_dirent *d, const uint8_t *buf);
void vmfs_dirent_encode(const struct vmfs_dirent *d, uint8_t *buf);

/* Validation: NULL when sane, else a phrase saying what is wrong. */
const char *vmfs_lvm_header_check(const struct vmfs_lvm_header *h);
const char *vmfs_fs_desc_check(const struct vmfs_fs_desc *d);
const char *vmfs_bitmap_header_check(const struct vmfs_bitmap_header *h, uint32_t max_items_per_entry,
                                     uint32_t max_entries);

/* Where item `index` of a bitmap file lies, and where entry `entry` lies (file offsets). */
uint64_t vmfs_bitmap_item_offset(const struct vmfs_bitmap_header *h, uint32_t index);
uint64_t vmfs_bitmap_entry_offset(const struct vmfs_bitmap_header *h, uint32_t entry);
/* Size a bitmap file must have to hold all its items. */
uint64_t vmfs_bitmap_file_size(const struct vmfs_bitmap_header *h);

void vmfs_uuid_format(const struct vmfs_uuid *u, char out[36]);
int vmfs_uuid_parse(const char *s, struct vmfs_uuid *u);
bool vmfs_uuid_is_null(const struct vmfs_uuid *u);

#endif
