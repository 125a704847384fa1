/* SPDX-License-Identifier: GPL-2.0-only */
/* Little-endian loads and stores at byte offsets: VMFS is little-endian on
 * disk.  Each is one unaligned access (memcpy), swapped on a big-endian
 * host: inodes are encoded and decoded field by field on every change. */
#ifndef VMFS_ENDIAN_H
#define VMFS_ENDIAN_H

#include <stdint.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define VMFS_LE16(v) __builtin_bswap16(v)
#define VMFS_LE32(v) __builtin_bswap32(v)
#define VMFS_LE64(v) __builtin_bswap64(v)
#else
#define VMFS_LE16(v) (v)
#define VMFS_LE32(v) (v)
#define VMFS_LE64(v) (v)
#endif

static inline uint16_t get_le16(const uint8_t *p, unsigned off)
{
    uint16_t v;
    memcpy(&v, p + off, sizeof v);
    return VMFS_LE16(v);
}

static inline uint32_t get_le32(const uint8_t *p, unsigned off)
{
    uint32_t v;
    memcpy(&v, p + off, sizeof v);
    return VMFS_LE32(v);
}

static inline uint64_t get_le64(const uint8_t *p, unsigned off)
{
    uint64_t v;
    memcpy(&v, p + off, sizeof v);
    return VMFS_LE64(v);
}

static inline void put_le16(uint8_t *p, unsigned off, uint16_t v)
{
    v = VMFS_LE16(v);
    memcpy(p + off, &v, sizeof v);
}

static inline void put_le32(uint8_t *p, unsigned off, uint32_t v)
{
    v = VMFS_LE32(v);
    memcpy(p + off, &v, sizeof v);
}

static inline void put_le64(uint8_t *p, unsigned off, uint64_t v)
{
    v = VMFS_LE64(v);
    memcpy(p + off, &v, sizeof v);
}

#endif
