// SPDX-License-Identifier: GPL-2.0-only
/*
 * CRC-32, eight bytes a step ("slicing by 8"): a journal commit
 * checksums every sector it logs, megabytes at a time, and a byte at a
 * time cost more than writing them.
 */
#include "crc32.h"
#include "endian.h"

static uint32_t table[8][256];

static void make_tables(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xff];
}

uint32_t vmfs_crc32(uint32_t crc, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    if (!table[0][1])
        make_tables();
    crc = ~crc;
    for (; n >= 8; p += 8, n -= 8) {
        uint32_t lo = get_le32(p, 0) ^ crc, hi = get_le32(p, 4);
        crc = table[7][lo & 0xff] ^ table[6][(lo >> 8) & 0xff] ^ table[5][(lo >> 16) & 0xff] ^
              table[4][lo >> 24] ^ table[3][hi & 0xff] ^ table[2][(hi >> 8) & 0xff] ^
              table[1][(hi >> 16) & 0xff] ^ table[0][hi >> 24];
    }
    while (n--)
        crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}
