/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Physical frame allocator: one bit per 4 KiB frame, set = in use.
 * Pure logic with no locking; core/memory.c wraps it for the vmkernel.
 */
#ifndef SKERRY_FRAME_ALLOC_H
#define SKERRY_FRAME_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FRAME_SIZE  4096ull
#define FRAME_SHIFT 12
#define FRAME_NONE  UINT64_MAX

struct frame_allocator {
    uint64_t *bitmap;
    uint64_t nr_frames;
    uint64_t nr_free;
    uint64_t next_hint;         /* where the next search starts */
};

/* Bytes of bitmap needed to cover physical addresses below max_pa. */
size_t frame_bitmap_bytes(uint64_t max_pa);
/* Starts with every frame in use; then free the usable regions. */
void frame_allocator_init(struct frame_allocator *fa, uint64_t *bitmap, uint64_t max_pa);
/* Mark [base, base+len) free or used; partial frames at the edges stay used. */
void frame_range_free(struct frame_allocator *fa, uint64_t base, uint64_t len);
void frame_range_reserve(struct frame_allocator *fa, uint64_t base, uint64_t len);
/*
 * Allocate count contiguous frames whose first frame is aligned to
 * align bytes (a power of two, at least FRAME_SIZE) and lies at or above
 * min_pa and ends at or below max_pa.  Returns FRAME_NONE if impossible.
 */
uint64_t frame_alloc_range(struct frame_allocator *fa, uint64_t count, uint64_t align,
                           uint64_t min_pa, uint64_t max_pa);
uint64_t frame_alloc(struct frame_allocator *fa, uint64_t count);
/* Free frames; returns -1 (and frees nothing) if any of them was already free. */
int frame_free(struct frame_allocator *fa, uint64_t pa, uint64_t count);
bool frame_is_used(const struct frame_allocator *fa, uint64_t pa);

#endif
