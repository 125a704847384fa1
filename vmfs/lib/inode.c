// SPDX-License-Identifier: GPL-2.0-only
/*
 * Inodes (file descriptors) in .fdc.sf and their block maps in the three
 * VMFS3 addressing modes: up to 256 direct file blocks, up to 256
 * sub-blocks, or up to 256 pointer blocks of 1024 file block addresses.
 */
#include <errno.h>
#include <string.h>

#include "blkaddr.h"
#include "volume.h"

#define PB_ENTRIES (VMFS_PTRBLOCK_SIZE / 4u)

static int fd_index(struct vmfs_volume *vol, uint32_t addr, uint32_t *index)
{
    if (blk_type(addr) != VMFS_BLK_FD || blk_fd_item(addr) >= vol->fdc.hdr.items_per_entry)
        return vol_fail(vol, EIO, "%#010x is not a file descriptor address", addr);
    uint64_t i = (uint64_t)blk_fd_entry(addr) * vol->fdc.hdr.items_per_entry + blk_fd_item(addr);
    if (i >= vol->fdc.hdr.total_items)
        return vol_fail(vol, EIO, "file descriptor %#010x lies past the end of .fdc.sf", addr);
    *index = (uint32_t)i;
    return 0;
}

static uint32_t fd_addr(const struct vmfs_volume *vol, uint32_t index)
{
    return blk_fd(index / vol->fdc.hdr.items_per_entry, index % vol->fdc.hdr.items_per_entry);
}

int inode_laddr(struct vmfs_volume *vol, uint32_t addr, uint64_t *laddr)
{
    uint32_t index = 0;
    int r = fd_index(vol, addr, &index);
    if (r < 0)
        return r;
    if (bitmap_item_laddr(vol, &vol->fdc, index, laddr) < 0)
        return vol_fail(vol, EIO, "file descriptor %#010x lies outside .fdc.sf", addr);
    return 0;
}

static const char *inode_problem(const struct vmfs_volume *vol, const struct vmfs_inode *ino, uint32_t addr)
{
    if (ino->lock.magic != VMFS_INODE_MAGIC)
        return "bad magic";
    if (ino->addr != addr)
        return "its address field disagrees with its place";
    if (ino->type < VMFS_TYPE_DIR || ino->type > VMFS_TYPE_RDM)
        return "unknown file type";
    if (ino->type == VMFS_TYPE_RDM)
        return NULL;
    if (ino->zla != VMFS_ZLA_DIRECT && ino->zla != VMFS_ZLA_SUBBLOCK && ino->zla != VMFS_ZLA_POINTER)
        return "unknown addressing mode";
    if (ino->blk_size != (ino->zla == VMFS_ZLA_SUBBLOCK ? VMFS_SUBBLOCK_SIZE : vol->block_size))
        return "block size does not fit its addressing mode";
    return NULL;
}

int inode_read(struct vmfs_volume *vol, uint32_t addr, struct vmfs_inode *ino)
{
    uint64_t laddr = 0;
    uint8_t raw[VMFS_INODE_SIZE];
    int r = inode_laddr(vol, addr, &laddr);
    if (r < 0 || (r = meta_read(vol, laddr, raw, sizeof raw)) < 0)
        return r;
    vmfs_inode_decode(ino, raw);
    if (ino->lock.magic == VMFS_INODE_MAGIC && ino->nlink == 0 && ino->addr == addr)
        return vol_fail(vol, ENOENT, "file descriptor %#010x is not in use", addr);
    const char *why = inode_problem(vol, ino, addr);
    if (why)
        return vol_fail(vol, EIO, "file descriptor %#010x is corrupt: %s", addr, why);
    return 0;
}

/* Put `ino` into the transaction at `laddr` under the lock header `lock`
 * (the lock code's, but for the magic and position that make a
 * never-used slot an inode). */
static int inode_put(struct vmfs_volume *vol, const struct vmfs_inode *ino, uint64_t laddr,
                     const uint8_t lock[VMFS_LOCK_SIZE])
{
    uint8_t raw[VMFS_INODE_SIZE];
    vmfs_inode_encode(ino, raw);
    struct vmfs_lock l;
    vmfs_lock_decode(&l, lock);
    l.magic = VMFS_INODE_MAGIC;
    l.pos = laddr;
    vmfs_lock_encode(&l, raw);
    memcpy(raw + 0x44, lock + 0x44, VMFS_LOCK_SIZE - 0x44);
    return meta_write(vol, laddr, raw, sizeof raw);
}

int inode_write(struct vmfs_volume *vol, struct vmfs_inode *ino)
{
    uint64_t laddr = 0;
    uint8_t lock[VMFS_LOCK_SIZE];
    int r = inode_laddr(vol, ino->addr, &laddr);
    if (r < 0 || (r = lock_object(vol, laddr)) < 0 || (r = meta_read(vol, laddr, lock, sizeof lock)) < 0)
        return r;
    return inode_put(vol, ino, laddr, lock);
}

int inode_alloc(struct vmfs_volume *vol, uint32_t type, uint32_t mode, struct vmfs_inode *ino)
{
    uint32_t index = 0;
    uint64_t laddr = 0;
    uint8_t raw[VMFS_INODE_SIZE];
    int r = bitmap_alloc(vol, &vol->fdc, &index);
    if (r < 0)
        return r == -ENOSPC ? vol_fail(vol, ENOSPC, "no free file descriptor (.fdc.sf is full)") : r;
    uint32_t addr = fd_addr(vol, index);
    /* Locked first, the slot is read once: its old generation and the
     * lock header just written. */
    if ((r = inode_laddr(vol, addr, &laddr)) < 0 || (r = lock_object(vol, laddr)) < 0 ||
        (r = meta_read(vol, laddr, raw, sizeof raw)) < 0)
        return r;
    struct vmfs_inode old;
    vmfs_inode_decode(&old, raw);
    uint32_t now = (uint32_t)(vmfs_now_us() / 1000000u);
    memset(ino, 0, sizeof *ino);
    ino->addr = addr;
    /* A re-used slot gets a new generation, so that stale directory
     * entries naming the old file are told apart. */
    ino->gen = old.lock.magic == VMFS_INODE_MAGIC ? old.gen + 1 : 1;
    if (ino->gen == 0)
        ino->gen = 1;
    ino->nlink = 1;
    ino->type = type;
    ino->mode = mode & 07777;
    ino->zla = VMFS_ZLA_SUBBLOCK;
    ino->blk_size = VMFS_SUBBLOCK_SIZE;
    ino->mtime = ino->ctime = ino->atime = now;
    return inode_put(vol, ino, laddr, raw);
}

int inode_free(struct vmfs_volume *vol, struct vmfs_inode *ino)
{
    uint32_t index = 0;
    int r = fd_index(vol, ino->addr, &index);
    if (r < 0 || (r = bitmap_free(vol, &vol->fdc, index)) < 0)
        return r;
    struct vmfs_inode dead = { .addr = ino->addr, .gen = ino->gen, .type = ino->type,
                               .zla = VMFS_ZLA_DIRECT, .blk_size = vol->block_size };
    return inode_write(vol, &dead);
}

bool inode_is_metadata(const struct vmfs_inode *ino) { return ino->type != VMFS_TYPE_FILE; }

uint64_t inode_unit(const struct vmfs_volume *vol, const struct vmfs_inode *ino)
{
    return ino->zla == VMFS_ZLA_SUBBLOCK ? VMFS_SUBBLOCK_SIZE : vol->block_size;
}

int pb_index(struct vmfs_volume *vol, uint32_t pb, uint32_t *index)
{
    if (blk_type(pb) != VMFS_BLK_PB || blk_pb_item(pb) >= vol->pbc.hdr.items_per_entry)
        return vol_fail(vol, EIO, "%#010x is not a pointer block address", pb);
    uint64_t i = (uint64_t)blk_pb_entry(pb) * vol->pbc.hdr.items_per_entry + blk_pb_item(pb);
    if (i >= vol->pbc.hdr.total_items)
        return vol_fail(vol, EIO, "pointer block %#010x lies past the end of .pbc.sf", pb);
    *index = (uint32_t)i;
    return 0;
}

int sb_index(struct vmfs_volume *vol, uint32_t sb, uint32_t *index)
{
    if (blk_type(sb) != VMFS_BLK_SB || blk_sb_item(sb) >= vol->sbc.hdr.items_per_entry)
        return vol_fail(vol, EIO, "%#010x is not a sub-block address", sb);
    uint64_t i = (uint64_t)blk_sb_entry(sb) * vol->sbc.hdr.items_per_entry + blk_sb_item(sb);
    if (i >= vol->sbc.hdr.total_items)
        return vol_fail(vol, EIO, "sub-block %#010x lies past the end of .sbc.sf", sb);
    *index = (uint32_t)i;
    return 0;
}

int fb_laddr(struct vmfs_volume *vol, uint32_t fb, uint64_t *laddr)
{
    if (blk_type(fb) != VMFS_BLK_FB || blk_fb_number(fb) >= vol->fbb.hdr.total_items)
        return vol_fail(vol, EIO, "%#010x is not a file block of this volume", fb);
    *laddr = (uint64_t)blk_fb_number(fb) * vol->block_size;
    return 0;
}

int inode_get_block(struct vmfs_volume *vol, const struct vmfs_inode *ino, uint64_t off, uint32_t *blk)
{
    *blk = 0;
    if (ino->zla != VMFS_ZLA_POINTER) {
        uint64_t idx = off / inode_unit(vol, ino);
        if (idx < VMFS_INODE_BLOCKS)
            *blk = ino->blocks[idx];
        return 0;
    }
    uint64_t idx = off / vol->block_size;
    if (idx / PB_ENTRIES >= VMFS_INODE_BLOCKS || !ino->blocks[idx / PB_ENTRIES])
        return 0;
    uint32_t index = 0;
    uint8_t raw[4];
    int r = pb_index(vol, ino->blocks[idx / PB_ENTRIES], &index);
    if (r < 0 || (r = bitmap_item_io(vol, &vol->pbc, index, (uint32_t)(idx % PB_ENTRIES) * 4, raw, 4,
                                     ITEM_META_READ)) < 0)
        return r;
    *blk = (uint32_t)raw[0] | (uint32_t)raw[1] << 8 | (uint32_t)raw[2] << 16 | (uint32_t)raw[3] << 24;
    return 0;
}

static int pb_alloc(struct vmfs_volume *vol, uint32_t *pb)
{
    uint32_t index = 0;
    int r = bitmap_alloc(vol, &vol->pbc, &index);
    if (r < 0)
        return r == -ENOSPC ? vol_fail(vol, ENOSPC, "no free pointer block (.pbc.sf is full)") : r;
    static const uint8_t zero[VMFS_PTRBLOCK_SIZE];
    if ((r = bitmap_item_io(vol, &vol->pbc, index, 0, (void *)zero, sizeof zero, ITEM_META_WRITE)) < 0)
        return r;
    *pb = blk_pb(index / vol->pbc.hdr.items_per_entry, index % vol->pbc.hdr.items_per_entry);
    return 0;
}

int inode_set_block(struct vmfs_volume *vol, struct vmfs_inode *ino, uint64_t off, uint32_t blk)
{
    if (ino->zla != VMFS_ZLA_POINTER) {
        uint64_t idx = off / inode_unit(vol, ino);
        if (idx >= VMFS_INODE_BLOCKS)
            return vol_fail(vol, EFBIG, "block index %llu beyond the inode's map", (unsigned long long)idx);
        ino->blocks[idx] = blk;
        return 0;
    }
    uint64_t idx = off / vol->block_size;
    if (idx / PB_ENTRIES >= VMFS_INODE_BLOCKS)
        return vol_fail(vol, EFBIG, "file too large for 256 pointer blocks");
    uint32_t *pb = &ino->blocks[idx / PB_ENTRIES];
    int r;
    if (!*pb) {
        if (!blk)
            return 0;
        if ((r = pb_alloc(vol, pb)) < 0)
            return r;
    }
    uint32_t index = 0;
    uint8_t raw[4] = { (uint8_t)blk, (uint8_t)(blk >> 8), (uint8_t)(blk >> 16), (uint8_t)(blk >> 24) };
    if ((r = pb_index(vol, *pb, &index)) < 0)
        return r;
    return bitmap_item_io(vol, &vol->pbc, index, (uint32_t)(idx % PB_ENTRIES) * 4, raw, 4, ITEM_META_WRITE);
}

/* Switch a file of direct blocks to pointer blocks: its 256 addresses
 * become the first 256 entries of a new pointer block. */
int inode_to_pointer_mode(struct vmfs_volume *vol, struct vmfs_inode *ino)
{
    uint32_t pb, index;
    int r = pb_alloc(vol, &pb);
    if (r < 0 || (r = pb_index(vol, pb, &index)) < 0)
        return r;
    uint8_t raw[VMFS_INODE_BLOCKS * 4];
    for (unsigned i = 0; i < VMFS_INODE_BLOCKS; i++) {
        uint32_t b = ino->blocks[i];
        raw[4 * i] = (uint8_t)b, raw[4 * i + 1] = (uint8_t)(b >> 8);
        raw[4 * i + 2] = (uint8_t)(b >> 16), raw[4 * i + 3] = (uint8_t)(b >> 24);
    }
    if ((r = bitmap_item_io(vol, &vol->pbc, index, 0, raw, sizeof raw, ITEM_META_WRITE)) < 0)
        return r;
    memset(ino->blocks, 0, sizeof ino->blocks);
    ino->blocks[0] = pb;
    ino->zla = VMFS_ZLA_POINTER;
    return 0;
}
