/* SPDX-License-Identifier: GPL-2.0-only */
/* The vmkernel heap behind newlib's malloc: one contiguous region. */
#ifndef SKERRY_HEAP_H
#define SKERRY_HEAP_H

#include <stddef.h>

void heap_init(void *base, size_t size);
size_t heap_used_bytes(void);

#endif
