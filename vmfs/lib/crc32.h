/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMFS_CRC32_H
#define VMFS_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32 as zlib's crc32() (IEEE 802.3, reflected): continues `crc`
 * (0 to start) over n bytes. */
uint32_t vmfs_crc32(uint32_t crc, const void *buf, size_t n);

#endif
