/* SPDX-License-Identifier: GPL-2.0-only */
/* Little-endian loads and stores at byte offsets: VMFS is little-endian on disk. */
#ifndef VMFS_ENDIAN_H
#define VMFS_ENDIAN_H

#include <stdint.h>

static inline uint16_t get_le16(const uint8_t *p, unsigned off)
{
    return (uint16_t)(p[off] | p[off + 1] << 8);
}

static inline uint32_t get_le32(const uint8_t *p, unsigned off)
{
    return (uint32_t)p[off] | (uint32_t)p[off + 1] << 8 |
           (uint32_t)p[off + 2] << 16 | (uint32_t)p[off + 3] << 24;
}

static inline uint64_t get_le64(const uint8_t *p, unsigned off)
{
    return (uint64_t)get_le32(p, off) | (uint64_t)get_le32(p, off + 4) << 32;
}

static inline void put_le16(uint8_t *p, unsigned off, uint16_t v)
{
    p[off] = (uint8_t)v;
    p[off + 1] = (uint8_t)(v >> 8);
}

static inline void put_le32(uint8_t *p, unsigned off, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        p[off + i] = (uint8_t)(v >> (8 * i));
}

static inline void put_le64(uint8_t *p, unsigned off, uint64_t v)
{
    put_le32(p, off, (uint32_t)v);
    put_le32(p, off + 4, (uint32_t)(v >> 32));
}

#endif
