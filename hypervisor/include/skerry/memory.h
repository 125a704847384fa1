/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Physical memory of the machine as the vmkernel manages it.  All RAM is
 * identity-mapped in the vmkernel's page tables, so a frame's physical
 * address is also its pointer.
 */
#ifndef SKERRY_MEMORY_H
#define SKERRY_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <skerry/frame_alloc.h>
#include <skerry/multiboot.h>

/*
 * pool_bytes = 0: the vmkernel allocates from all of RAM.  Otherwise it
 * keeps only a pool of that size (the console domain owns the rest 1:1).
 */
void memory_init(const struct boot_info *bi, uint64_t pool_bytes);
/* The pool's range, if the vmkernel is confined to one. */
bool memory_pool(uint64_t *base, uint64_t *end);
/* Zeroed, identity-mapped frames; NULL when memory is exhausted. */
void *frames_alloc(uint64_t count);
void *frames_alloc_aligned(uint64_t count, uint64_t align);
void frames_free(void *p, uint64_t count);
uint64_t memory_free_bytes(void);
uint64_t memory_total_bytes(void);
uint64_t memory_max_pa(void);
/* Where the crash dump lives (reserved), or 0 if nowhere fits. */
uint64_t memory_crash_area(void);

/*
 * A phys_reader_fn for the parsers: len bytes at pa, if they lie in the
 * identity map (the first 4 GiB, and all RAM once memory_init has run).
 */
const void *phys_read_identity(uint64_t pa, size_t len);

static inline uint64_t virt_to_phys(const void *p) { return (uint64_t)(uintptr_t)p; }
static inline void *phys_to_virt(uint64_t pa)      { return (void *)(uintptr_t)pa; }

extern char __image_start[], __image_end[];

#endif
