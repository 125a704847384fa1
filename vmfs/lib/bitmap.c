// SPDX-License-Identifier: GPL-2.0-only
/*
 * The four bitmap system files: .fbb.sf (file blocks), .sbc.sf
 * (sub-blocks), .pbc.sf (pointer blocks), .fdc.sf (file descriptors).
 * Each is a header, then areas of 1 KiB bitmap entries followed by the
 * items those entries describe (none for .fbb.sf: its items are the
 * volume's file blocks).  A set bit means free.
 */
#include <errno.h>
#include <string.h>

#include "blkaddr.h"
#include "volume.h"

/* Logical address of byte `off` of a bitmap file; `len` bytes from there
 * must lie in one file block. */
static int sysfile_laddr(const struct vmfs_volume *vol, const struct vmfs_bitmap *bm, uint64_t off,
                         uint64_t len, uint64_t *laddr)
{
    uint64_t idx = off / vol->block_size;
    if (idx >= bm->nblocks || (off % vol->block_size) + len > vol->block_size)
        return -EIO;
    *laddr = (uint64_t)blk_fb_number(bm->blocks[idx]) * vol->block_size + off % vol->block_size;
    return 0;
}

int bitmap_entry_laddr(const struct vmfs_volume *vol, const struct vmfs_bitmap *bm, uint32_t entry,
                       uint64_t *laddr)
{
    if (entry >= bm->entries)
        return -EINVAL;
    return sysfile_laddr(vol, bm, vmfs_bitmap_entry_offset(&bm->hdr, entry), VMFS_BMP_ENTRY_SIZE, laddr);
}

int bitmap_item_laddr(const struct vmfs_volume *vol, const struct vmfs_bitmap *bm, uint32_t index,
                      uint64_t *laddr)
{
    if (index >= bm->hdr.total_items)
        return -EINVAL;
    return sysfile_laddr(vol, bm, vmfs_bitmap_item_offset(&bm->hdr, index), bm->hdr.data_size, laddr);
}

int bitmap_load(struct vmfs_volume *vol, struct vmfs_bitmap *bm, uint32_t inode_addr, uint32_t magic,
                const char *name, uint32_t max_items, uint32_t max_entries)
{
    struct vmfs_inode ino;
    int r = inode_read(vol, inode_addr, &ino);
    if (r < 0)
        return r;
    if (ino.type != VMFS_TYPE_SYSFILE || ino.zla != VMFS_ZLA_DIRECT || ino.blk_size != vol->block_size)
        return vol_fail(vol, EIO, "%s is not a system file of direct file blocks", name);
    memset(bm, 0, sizeof *bm);
    bm->name = name;
    bm->magic = magic;
    bm->inode_addr = inode_addr;
    for (unsigned i = 0; i < VMFS_INODE_BLOCKS; i++) {
        if (blk_type(ino.blocks[i]) != VMFS_BLK_FB)
            break;
        if (blk_fb_number(ino.blocks[i]) >= vol->logical_size / vol->block_size)
            return vol_fail(vol, EIO, "%s points past the end of the volume", name);
        bm->blocks[bm->nblocks++] = ino.blocks[i];
    }
    if ((uint64_t)bm->nblocks * vol->block_size < ino.size)
        return vol_fail(vol, EIO, "%s is shorter than its size says", name);

    uint8_t raw[28];
    uint64_t laddr = 0;
    if (sysfile_laddr(vol, bm, 0, sizeof raw, &laddr) < 0)
        return vol_fail(vol, EIO, "%s has no blocks", name);
    if ((r = meta_read(vol, laddr, raw, sizeof raw)) < 0)
        return r;
    vmfs_bitmap_header_decode(&bm->hdr, raw);
    const char *why = vmfs_bitmap_header_check(&bm->hdr, max_items, max_entries);
    if (why)
        return vol_fail(vol, EIO, "%s: %s", name, why);
    if (magic != VMFS_FBB_MAGIC && bm->hdr.data_size == 0)
        return vol_fail(vol, EIO, "%s: items of size 0", name);
    if (vmfs_bitmap_file_size(&bm->hdr) > ino.size)
        return vol_fail(vol, EIO, "%s: its items lie past the end of the file", name);
    bm->entries = (bm->hdr.total_items + bm->hdr.items_per_entry - 1) / bm->hdr.items_per_entry;
    return 0;
}

static int entry_load(struct vmfs_volume *vol, struct vmfs_bitmap *bm, uint32_t entry,
                      struct vmfs_bitmap_entry *e, uint64_t *laddr)
{
    uint8_t raw[VMFS_BMP_ENTRY_SIZE];
    int r = bitmap_entry_laddr(vol, bm, entry, laddr);
    if (r < 0)
        return vol_fail(vol, EIO, "%s: entry %u lies outside the file", bm->name, entry);
    if ((r = meta_read(vol, *laddr, raw, sizeof raw)) < 0)
        return r;
    vmfs_bitmap_entry_decode(e, raw);
    uint32_t expect_total = entry + 1 < bm->entries ? bm->hdr.items_per_entry
                                                    : bm->hdr.total_items - entry * bm->hdr.items_per_entry;
    if (e->lock.magic != bm->magic || e->id != entry || e->total != expect_total || e->free > e->total)
        return vol_fail(vol, EIO, "%s: bitmap entry %u is corrupt", bm->name, entry);
    return 0;
}

static int entry_store(struct vmfs_volume *vol, const struct vmfs_bitmap_entry *e, uint64_t laddr)
{
    uint8_t raw[VMFS_BMP_ENTRY_SIZE];
    /* Keep the lock header as it is now on disk or in the transaction. */
    int r = meta_read(vol, laddr, raw, VMFS_LOCK_SIZE);
    if (r < 0)
        return r;
    uint8_t lock[VMFS_LOCK_SIZE];
    memcpy(lock, raw, sizeof lock);
    vmfs_bitmap_entry_encode(e, raw);
    memcpy(raw, lock, sizeof lock);
    return meta_write(vol, laddr, raw, sizeof raw);
}

static bool bit_free(const struct vmfs_bitmap_entry *e, uint32_t i) { return e->bits[i / 8] & (1u << (i % 8)); }

/* How long a bitmap found full stays so without another look: other
 * hosts' frees are seen after this. */
#define FULL_RECHECK_US (5u * 1000000u)

int bitmap_alloc(struct vmfs_volume *vol, struct vmfs_bitmap *bm, uint32_t *index)
{
    int busy = 0;
    if (bm->full && bm->full_epoch == vol->cache_epoch && vmfs_now_us() - bm->full_us < FULL_RECHECK_US)
        return vol_fail(vol, ENOSPC, "%s is full", bm->name);
    bm->full = false;
    for (uint32_t n = 0; n < bm->entries; n++) {
        uint32_t entry = (bm->hint + n) % bm->entries;
        struct vmfs_bitmap_entry e;
        uint64_t laddr = 0;
        int r = entry_load(vol, bm, entry, &e, &laddr);
        if (r < 0)
            return r;
        if (e.free == 0)
            continue;
        if ((r = lock_object(vol, laddr)) == -EBUSY) {
            busy++;
            continue;           /* another host allocates from this one */
        }
        if (r < 0)
            return r;
        if ((r = entry_load(vol, bm, entry, &e, &laddr)) < 0)
            return r;
        for (uint32_t i = 0; i < e.total; i++) {
            if (!bit_free(&e, i))
                continue;
            e.bits[i / 8] &= (uint8_t)~(1u << (i % 8));
            e.free--;
            e.first_free = i + 1 < e.total ? i + 1 : 0;
            if ((r = entry_store(vol, &e, laddr)) < 0)
                return r;
            bm->hint = entry;
            *index = entry * bm->hdr.items_per_entry + i;
            return 0;
        }
        return vol_fail(vol, EIO, "%s: bitmap entry %u counts free items it does not have", bm->name, entry);
    }
    if (busy)
        return vol_fail(vol, ENOSPC, "no free item in %s that another host does not hold", bm->name);
    bm->full = true;
    bm->full_us = vmfs_now_us();
    bm->full_epoch = vol->cache_epoch;
    return vol_fail(vol, ENOSPC, "%s is full", bm->name);
}

static int set_state(struct vmfs_volume *vol, struct vmfs_bitmap *bm, uint32_t index, bool allocate)
{
    if (index >= bm->hdr.total_items)
        return vol_fail(vol, EIO, "%s: item %u out of range", bm->name, index);
    uint32_t entry = index / bm->hdr.items_per_entry, i = index % bm->hdr.items_per_entry;
    struct vmfs_bitmap_entry e;
    uint64_t laddr = 0;
    int r = entry_load(vol, bm, entry, &e, &laddr);
    if (r < 0 || (r = lock_object(vol, laddr)) < 0 || (r = entry_load(vol, bm, entry, &e, &laddr)) < 0)
        return r;
    if (bit_free(&e, i) != allocate)
        return vol_fail(vol, EIO, "%s: item %u is already %s", bm->name, index, allocate ? "allocated" : "free");
    if (allocate) {
        e.bits[i / 8] &= (uint8_t)~(1u << (i % 8));
        e.free--;
    } else {
        bm->full = false;
        e.bits[i / 8] |= (uint8_t)(1u << (i % 8));
        e.free++;
        if (e.free == 1 || i < e.first_free)
            e.first_free = i;
    }
    return entry_store(vol, &e, laddr);
}

int bitmap_alloc_at(struct vmfs_volume *vol, struct vmfs_bitmap *bm, uint32_t index)
{
    return set_state(vol, bm, index, true);
}

int bitmap_free(struct vmfs_volume *vol, struct vmfs_bitmap *bm, uint32_t index)
{
    return set_state(vol, bm, index, false);
}

int bitmap_is_allocated(struct vmfs_volume *vol, struct vmfs_bitmap *bm, uint32_t index)
{
    if (index >= bm->hdr.total_items)
        return -EINVAL;
    struct vmfs_bitmap_entry e;
    uint64_t laddr = 0;
    int r = entry_load(vol, bm, index / bm->hdr.items_per_entry, &e, &laddr);
    if (r < 0)
        return r;
    return !bit_free(&e, index % bm->hdr.items_per_entry);
}

int bitmap_count_free(struct vmfs_volume *vol, struct vmfs_bitmap *bm, uint64_t *free_items)
{
    *free_items = 0;
    for (uint32_t entry = 0; entry < bm->entries; entry++) {
        struct vmfs_bitmap_entry e;
        uint64_t laddr = 0;
        int r = entry_load(vol, bm, entry, &e, &laddr);
        if (r < 0)
            return r;
        *free_items += e.free;
    }
    return 0;
}

/* Read or write bytes of an item, through data or metadata I/O.  Items of
 * .sbc.sf (64 KiB) may straddle two of the file's blocks. */
int bitmap_item_io(struct vmfs_volume *vol, struct vmfs_bitmap *bm, uint32_t index, uint32_t off, void *buf,
                   size_t len, enum item_io how)
{
    if (index >= bm->hdr.total_items || off > bm->hdr.data_size || len > bm->hdr.data_size - off)
        return vol_fail(vol, EIO, "%s: item %u out of range", bm->name, index);
    uint64_t foff = vmfs_bitmap_item_offset(&bm->hdr, index) + off;
    uint8_t *p = buf;
    while (len) {
        size_t piece = vol->block_size - foff % vol->block_size;
        if (piece > len)
            piece = len;
        uint64_t laddr = 0;
        if (sysfile_laddr(vol, bm, foff, piece, &laddr) < 0)
            return vol_fail(vol, EIO, "%s: item %u lies outside the file", bm->name, index);
        int r;
        switch (how) {
        case ITEM_META_READ: r = meta_read(vol, laddr, p, piece); break;
        case ITEM_META_WRITE: r = meta_write(vol, laddr, p, piece); break;
        case ITEM_DATA_READ: r = data_read(vol, laddr, p, piece); break;
        default: r = data_write(vol, laddr, p, piece); break;
        }
        if (r < 0)
            return r;
        p += piece, foff += piece, len -= piece;
    }
    return 0;
}
