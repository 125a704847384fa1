// SPDX-License-Identifier: GPL-2.0-only
/*
 * File contents: reads, writes, truncation and thick allocation over the
 * inode's block map.  New files start in sub-blocks; a file that outgrows
 * one file block moves to file blocks, and past 256 of those to pointer
 * blocks.  Sub-block files have no holes (vmfs-tools reads a hole there
 * as a whole file block of zeros); files of file blocks may.
 *
 * Bytes past the end of file inside an allocated block are not kept
 * zero; whatever makes the file longer zeroes them first.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "blkaddr.h"
#include "volume.h"

#define PB_ENTRIES (VMFS_PTRBLOCK_SIZE / 4u)

static const uint8_t zeros[VMFS_SUBBLOCK_SIZE];

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

static uint64_t subblock_file_max(const struct vmfs_volume *vol) { return vol->block_size; }

uint64_t file_max_size(const struct vmfs_volume *vol)
{
    return (uint64_t)VMFS_INODE_BLOCKS * PB_ENTRIES * vol->block_size;
}

static int unit_io(struct vmfs_volume *vol, const struct vmfs_inode *ino, uint32_t blk, uint64_t in_off,
                   void *buf, size_t len, bool write)
{
    bool meta = inode_is_metadata(ino);
    uint32_t index = 0;
    uint64_t laddr = 0;
    int r;
    switch (blk_type(blk)) {
    case VMFS_BLK_FB:
        if ((r = fb_laddr(vol, blk, &laddr)) < 0)
            return r;
        if (write)
            return meta ? meta_write(vol, laddr + in_off, buf, len) : data_write(vol, laddr + in_off, buf, len);
        return meta ? meta_read(vol, laddr + in_off, buf, len) : data_read(vol, laddr + in_off, buf, len);
    case VMFS_BLK_SB:
        if ((r = sb_index(vol, blk, &index)) < 0)
            return r;
        return bitmap_item_io(vol, &vol->sbc, index, (uint32_t)in_off, buf, len,
                              write ? (meta ? ITEM_META_WRITE : ITEM_DATA_WRITE)
                                    : (meta ? ITEM_META_READ : ITEM_DATA_READ));
    default:
        return vol_fail(vol, EIO, "file descriptor %#010x maps a bad block address %#010x", ino->addr, blk);
    }
}

static int unit_zero(struct vmfs_volume *vol, const struct vmfs_inode *ino, uint32_t blk, uint64_t from,
                     uint64_t to)
{
    while (from < to) {
        size_t n = (size_t)min_u64(to - from, sizeof zeros);
        int r = unit_io(vol, ino, blk, from, (void *)zeros, n, true);
        if (r < 0)
            return r;
        from += n;
    }
    return 0;
}

int file_pread(struct vmfs_volume *vol, struct vmfs_inode *ino, void *buf, size_t len, uint64_t off)
{
    if (off >= ino->size)
        return 0;
    if (len > ino->size - off)
        len = (size_t)(ino->size - off);
    uint8_t *p = buf;
    size_t done = 0;
    while (done < len) {
        uint64_t unit = inode_unit(vol, ino), in_off = off % unit;
        size_t n = (size_t)min_u64(len - done, unit - in_off);
        uint32_t blk;
        int r = inode_get_block(vol, ino, off, &blk);
        if (r < 0)
            return r;
        if (blk == 0 || blk_fb_tbz(blk))
            memset(p, 0, n);
        else if ((r = unit_io(vol, ino, blk, in_off, p, n, false)) < 0)
            return r;
        p += n, off += n, done += n;
    }
    return (int)done;
}

static int alloc_unit(struct vmfs_volume *vol, struct vmfs_inode *ino, uint32_t *blk)
{
    uint32_t index = 0;
    int r;
    if (ino->zla == VMFS_ZLA_SUBBLOCK) {
        if ((r = bitmap_alloc(vol, &vol->sbc, &index)) < 0)
            return r;
        *blk = blk_sb(index / vol->sbc.hdr.items_per_entry, index % vol->sbc.hdr.items_per_entry);
    } else {
        if ((r = bitmap_alloc(vol, &vol->fbb, &index)) < 0)
            return r == -ENOSPC ? vol_fail(vol, ENOSPC, "no space left on the volume") : r;
        *blk = blk_fb(index);
    }
    ino->blk_count++;
    return 0;
}

static int free_unit(struct vmfs_volume *vol, struct vmfs_inode *ino, uint32_t blk)
{
    uint32_t index = 0;
    uint64_t laddr = 0;
    int r;
    switch (blk_type(blk)) {
    case VMFS_BLK_FB:
        if ((r = fb_laddr(vol, blk, &laddr)) < 0 || (r = bitmap_free(vol, &vol->fbb, blk_fb_number(blk))) < 0)
            return r;
        if (blk_fb_tbz(blk) && ino->tbz)
            ino->tbz--;
        break;
    case VMFS_BLK_SB:
        if ((r = sb_index(vol, blk, &index)) < 0 || (r = bitmap_free(vol, &vol->sbc, index)) < 0)
            return r;
        break;
    default:
        return vol_fail(vol, EIO, "file descriptor %#010x maps a bad block address %#010x", ino->addr, blk);
    }
    if (ino->blk_count)
        ino->blk_count--;
    return 0;
}

static int free_pointer_block(struct vmfs_volume *vol, uint32_t pb)
{
    uint32_t index = 0;
    int r = pb_index(vol, pb, &index);
    return r < 0 ? r : bitmap_free(vol, &vol->pbc, index);
}

/* Free every block from unit `first` on. */
static int free_from(struct vmfs_volume *vol, struct vmfs_inode *ino, uint64_t first)
{
    int r;
    if (ino->zla != VMFS_ZLA_POINTER) {
        for (uint64_t i = first; i < VMFS_INODE_BLOCKS; i++) {
            if (ino->blocks[i] && (r = free_unit(vol, ino, ino->blocks[i])) < 0)
                return r;
            ino->blocks[i] = 0;
        }
        return 0;
    }
    for (uint64_t p = 0; p < VMFS_INODE_BLOCKS; p++) {
        uint32_t pb = ino->blocks[p];
        if (!pb || (p + 1) * PB_ENTRIES <= first)
            continue;
        uint32_t index = 0;
        uint8_t raw[VMFS_PTRBLOCK_SIZE];
        if ((r = pb_index(vol, pb, &index)) < 0 ||
            (r = bitmap_item_io(vol, &vol->pbc, index, 0, raw, sizeof raw, ITEM_META_READ)) < 0)
            return r;
        uint64_t start = first > p * PB_ENTRIES ? first - p * PB_ENTRIES : 0;
        for (uint64_t e = start; e < PB_ENTRIES; e++) {
            uint32_t b = (uint32_t)raw[4 * e] | (uint32_t)raw[4 * e + 1] << 8 | (uint32_t)raw[4 * e + 2] << 16 |
                         (uint32_t)raw[4 * e + 3] << 24;
            if (b && (r = free_unit(vol, ino, b)) < 0)
                return r;
            memset(raw + 4 * e, 0, 4);
        }
        if (start == 0) {
            if ((r = free_pointer_block(vol, pb)) < 0)
                return r;
            ino->blocks[p] = 0;
        } else if ((r = bitmap_item_io(vol, &vol->pbc, index, 0, raw, sizeof raw, ITEM_META_WRITE)) < 0) {
            return r;
        }
    }
    return 0;
}

static int write_units(struct vmfs_volume *vol, struct vmfs_inode *ino, const uint8_t *p, size_t len,
                       uint64_t off);

/* Move a sub-block file to file blocks (it outgrew one block, or the
 * sub-blocks ran out). */
static int subblocks_to_blocks(struct vmfs_volume *vol, struct vmfs_inode *ino)
{
    uint64_t size = ino->size;
    uint8_t *copy = size ? malloc(size) : NULL;
    if (size && !copy)
        return vol_fail(vol, ENOMEM, "out of memory");
    int r = size ? file_pread(vol, ino, copy, size, 0) : 0;
    if (r >= 0)
        r = free_from(vol, ino, 0);
    if (r >= 0) {
        ino->zla = VMFS_ZLA_DIRECT;
        ino->blk_size = vol->block_size;
        ino->blk_count = 0;
        r = size ? write_units(vol, ino, copy, size, 0) : 0;
    }
    free(copy);
    return r < 0 ? r : 0;
}

/* Make the block map able to address bytes up to `end`. */
static int make_room(struct vmfs_volume *vol, struct vmfs_inode *ino, uint64_t end)
{
    if (end > file_max_size(vol))
        return vol_fail(vol, EFBIG, "file too large for this block size (at most %llu GiB)",
                        (unsigned long long)(file_max_size(vol) >> 30));
    int r;
    if (ino->zla == VMFS_ZLA_SUBBLOCK && end > subblock_file_max(vol) && (r = subblocks_to_blocks(vol, ino)) < 0)
        return r;
    if (ino->zla == VMFS_ZLA_DIRECT && (end + vol->block_size - 1) / vol->block_size > VMFS_INODE_BLOCKS &&
        (r = inode_to_pointer_mode(vol, ino)) < 0)
        return r;
    return 0;
}

/* Zero the bytes after the end of file in the block that holds it, up to
 * `to` (a file offset), before the file grows over them. */
static int zero_after_eof(struct vmfs_volume *vol, struct vmfs_inode *ino, uint64_t to)
{
    uint64_t unit = inode_unit(vol, ino), size = ino->size;
    if (size % unit == 0 || to <= size)
        return 0;
    uint32_t blk;
    int r = inode_get_block(vol, ino, size, &blk);
    if (r < 0 || blk == 0 || blk_fb_tbz(blk))
        return r;
    uint64_t base = size - size % unit;
    return unit_zero(vol, ino, blk, size - base, min_u64(unit, to - base));
}

static int write_units(struct vmfs_volume *vol, struct vmfs_inode *ino, const uint8_t *p, size_t len,
                       uint64_t off)
{
    uint64_t old_size = ino->size;
    while (len) {
        uint64_t unit = inode_unit(vol, ino), in_off = off % unit, base = off - in_off;
        size_t n = (size_t)min_u64(len, unit - in_off);
        uint32_t blk;
        int r = inode_get_block(vol, ino, off, &blk);
        if (r < 0)
            return r;
        if (blk == 0) {
            r = alloc_unit(vol, ino, &blk);
            if (r == -ENOSPC && ino->zla == VMFS_ZLA_SUBBLOCK) {
                /* Out of sub-blocks: carry on in file blocks. */
                if ((r = subblocks_to_blocks(vol, ino)) < 0)
                    return r;
                continue;
            }
            if (r < 0 || (r = inode_set_block(vol, ino, off, blk)) < 0)
                return r;
            /* A new block holds old data: zero what this write leaves and
             * the file can read. */
            if (in_off && (r = unit_zero(vol, ino, blk, 0, in_off)) < 0)
                return r;
            if (old_size > base + in_off + n &&
                (r = unit_zero(vol, ino, blk, in_off + n, min_u64(unit, old_size - base))) < 0)
                return r;
        } else if (blk_fb_tbz(blk)) {
            if ((r = unit_zero(vol, ino, blk, 0, in_off)) < 0 || (r = unit_zero(vol, ino, blk, in_off + n, unit)) < 0)
                return r;
            blk &= ~VMFS_FB_TBZ;
            if ((r = inode_set_block(vol, ino, off, blk)) < 0)
                return r;
            if (ino->tbz)
                ino->tbz--;
        }
        if ((r = unit_io(vol, ino, blk, in_off, (void *)p, n, true)) < 0)
            return r;
        p += n, off += n, len -= n;
        if (off > ino->size)
            ino->size = off;
    }
    return 0;
}

/*
 * Operations on huge files (freeing or allocating millions of blocks)
 * commit in steps, each leaving a consistent file (shorter, or with fewer
 * blocks allocated), so that no transaction outgrows the journal.
 */
#define STEP_UNITS 16384u

static int checkpoint(struct vmfs_volume *vol, struct vmfs_inode *ino)
{
    int r = inode_write(vol, ino);
    if (r < 0)
        return r;
    meta_release_savepoint(vol);
    r = meta_commit(vol);
    meta_savepoint(vol);
    return r;
}

static void touch(struct vmfs_inode *ino)
{
    ino->mtime = ino->ctime = (uint32_t)(vmfs_now_us() / 1000000u);
}

/* Grow a sub-block file to `size` with zeroed sub-blocks (no holes). */
static int grow_subblocks(struct vmfs_volume *vol, struct vmfs_inode *ino, uint64_t size)
{
    uint64_t unit = VMFS_SUBBLOCK_SIZE;
    int r = zero_after_eof(vol, ino, size);
    if (r < 0)
        return r;
    for (uint64_t i = (ino->size + unit - 1) / unit; i * unit < size; i++) {
        uint32_t blk;
        if ((r = alloc_unit(vol, ino, &blk)) < 0 || (r = inode_set_block(vol, ino, i * unit, blk)) < 0 ||
            (r = unit_zero(vol, ino, blk, 0, unit)) < 0)
            return r;
    }
    ino->size = size;
    return 0;
}

static int grow(struct vmfs_volume *vol, struct vmfs_inode *ino, uint64_t size)
{
    int r = make_room(vol, ino, size);
    if (r < 0)
        return r;
    if (ino->zla == VMFS_ZLA_SUBBLOCK) {
        r = grow_subblocks(vol, ino, size);
        if (r != -ENOSPC)
            return r;
        if ((r = subblocks_to_blocks(vol, ino)) < 0)
            return r;
    }
    if ((r = zero_after_eof(vol, ino, size)) < 0)
        return r;
    ino->size = size;
    return 0;
}

int file_pwrite(struct vmfs_volume *vol, struct vmfs_inode *ino, const void *buf, size_t len, uint64_t off)
{
    if (len == 0)
        return 0;
    if (off + len < off)
        return vol_fail(vol, EFBIG, "write past the largest file offset");
    int r = make_room(vol, ino, off + len);
    if (r < 0)
        return r;
    if (off > ino->size && (r = grow(vol, ino, off)) < 0)
        return r;
    if ((r = write_units(vol, ino, buf, len, off)) < 0)
        return r;
    touch(ino);
    if ((r = inode_write(vol, ino)) < 0)
        return r;
    return (int)len;
}

int file_truncate(struct vmfs_volume *vol, struct vmfs_inode *ino, uint64_t size)
{
    int r = 0;
    if (size > ino->size) {
        r = grow(vol, ino, size);
    } else if (size < ino->size) {
        uint64_t unit = inode_unit(vol, ino), target = (size + unit - 1) / unit;
        for (uint64_t end = (ino->size + unit - 1) / unit; r == 0 && end > target;) {
            uint64_t first = end - target > STEP_UNITS ? end - STEP_UNITS : target;
            r = free_from(vol, ino, first);
            ino->size = first > target ? first * unit : size;
            end = first;
            if (r == 0 && end > target)
                r = checkpoint(vol, ino);
        }
        ino->size = size;
    }
    if (r < 0)
        return r;
    touch(ino);
    return inode_write(vol, ino);
}

int file_free_all(struct vmfs_volume *vol, struct vmfs_inode *ino)
{
    int r = free_from(vol, ino, 0);
    ino->size = 0;
    return r;
}

int file_allocate(struct vmfs_volume *vol, struct vmfs_inode *ino, uint64_t size, enum vmfs_alloc how,
                  bool rezero)
{
    int r;
    if (ino->zla == VMFS_ZLA_SUBBLOCK && (r = subblocks_to_blocks(vol, ino)) < 0)
        return r;
    if (size > ino->size && (r = grow(vol, ino, size)) < 0)
        return r;
    uint8_t *zero_block = NULL;
    uint64_t nblocks = (ino->size + vol->block_size - 1) / vol->block_size;
    for (uint64_t i = 0; i < nblocks && how != VMFS_ALLOC_THIN; i++) {
        uint64_t off = i * vol->block_size;
        uint32_t blk;
        if ((r = inode_get_block(vol, ino, off, &blk)) < 0)
            break;
        bool fresh = blk == 0;
        if (fresh) {
            if ((r = alloc_unit(vol, ino, &blk)) < 0)
                break;
            if (how == VMFS_ALLOC_ZEROEDTHICK) {
                blk |= VMFS_FB_TBZ;
                ino->tbz++;
            }
        }
        if (how == VMFS_ALLOC_EAGERZEROED && (fresh || rezero || blk_fb_tbz(blk))) {
            if (!zero_block && !(zero_block = calloc(1, vol->block_size))) {
                r = vol_fail(vol, ENOMEM, "out of memory");
                break;
            }
            uint64_t laddr = 0;
            if ((r = fb_laddr(vol, blk, &laddr)) < 0 || (r = data_write(vol, laddr, zero_block, vol->block_size)) < 0)
                break;
            if (blk_fb_tbz(blk)) {
                blk &= ~VMFS_FB_TBZ;
                if (ino->tbz)
                    ino->tbz--;
                fresh = true;   /* the map changes */
            }
            if (i % 64 == 63)
                vmfs_tick(vol);
        }
        if (fresh && (r = inode_set_block(vol, ino, off, blk)) < 0)
            break;
        if (i % STEP_UNITS == STEP_UNITS - 1 && (r = checkpoint(vol, ino)) < 0)
            break;
    }
    free(zero_block);
    if (r < 0)
        return r;
    touch(ino);
    return inode_write(vol, ino);
}
