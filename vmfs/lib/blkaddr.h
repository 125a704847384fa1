/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VMFS3 block addresses: a 32-bit word whose low 3 bits give the type and
 * whose other bits locate a file block, sub-block, pointer block or file
 * descriptor (inode) in its bitmap file.  Address 0 is a hole.
 */
#ifndef VMFS_BLKADDR_H
#define VMFS_BLKADDR_H

#include <stdbool.h>
#include <stdint.h>

enum vmfs_blk_type {
    VMFS_BLK_NONE = 0,
    VMFS_BLK_FB = 1,        /* file block: number bits 6-31 */
    VMFS_BLK_SB = 2,        /* sub-block */
    VMFS_BLK_PB = 3,        /* pointer block */
    VMFS_BLK_FD = 4,        /* file descriptor (inode) */
};

#define VMFS_FB_COW 0x10u   /* copy-on-write (snapshots; never set by us) */
#define VMFS_FB_TBZ 0x20u   /* to be zeroed: allocated, reads as zeros */

#define VMFS_FB_MAX     (1u << 26)
#define VMFS_SB_MAX_ITEM 64u
#define VMFS_SB_MAX_ENTRY (1u << 22)
#define VMFS_PB_MAX_ITEM 16u
#define VMFS_PB_MAX_ENTRY (1u << 22)
#define VMFS_FD_MAX_ITEM 1024u
#define VMFS_FD_MAX_ENTRY (1u << 16)

static inline unsigned blk_type(uint32_t a) { return a & 7u; }

static inline uint32_t blk_fb(uint32_t number) { return number << 6 | VMFS_BLK_FB; }
static inline uint32_t blk_fb_number(uint32_t a) { return a >> 6; }
static inline bool blk_fb_tbz(uint32_t a) { return blk_type(a) == VMFS_BLK_FB && (a & VMFS_FB_TBZ); }

static inline uint32_t blk_sb(uint32_t entry, uint32_t item)
{
    return (item & 0xfu) << 28 | (entry & 0x3fffffu) << 6 | ((item >> 4) & 3u) << 3 | VMFS_BLK_SB;
}
static inline uint32_t blk_sb_entry(uint32_t a) { return (a >> 6) & 0x3fffffu; }
static inline uint32_t blk_sb_item(uint32_t a) { return (a >> 28) | ((a >> 3) & 3u) << 4; }

static inline uint32_t blk_pb(uint32_t entry, uint32_t item)
{
    return (item & 0xfu) << 28 | (entry & 0x3fffffu) << 6 | VMFS_BLK_PB;
}
static inline uint32_t blk_pb_entry(uint32_t a) { return (a >> 6) & 0x3fffffu; }
static inline uint32_t blk_pb_item(uint32_t a) { return a >> 28; }

static inline uint32_t blk_fd(uint32_t entry, uint32_t item)
{
    return (item & 0x3ffu) << 22 | (entry & 0xffffu) << 6 | VMFS_BLK_FD;
}
static inline uint32_t blk_fd_entry(uint32_t a) { return (a >> 6) & 0xffffu; }
static inline uint32_t blk_fd_item(uint32_t a) { return a >> 22; }

#endif
