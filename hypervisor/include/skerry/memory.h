/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Physical memory of the machine as the vmkernel manages it.  All RAM is
 * identity-mapped in the vmkernel's page tables, so a frame's physical
 * address is also its pointer.
 */
#ifndef SKERRY_MEMORY_H
#define SKERRY_MEMORY_H

#include <stddef.h>
#include <stdint.h>
#include <skerry/frame_alloc.h>
#include <skerry/multiboot.h>

void memory_init(const struct boot_info *bi);
/* Zeroed, identity-mapped frames; NULL when memory is exhausted. */
void *frames_alloc(uint64_t count);
void *frames_alloc_aligned(uint64_t count, uint64_t align);
void frames_free(void *p, uint64_t count);
uint64_t memory_free_bytes(void);
uint64_t memory_total_bytes(void);
uint64_t memory_max_pa(void);

static inline uint64_t virt_to_phys(const void *p) { return (uint64_t)(uintptr_t)p; }
static inline void *phys_to_virt(uint64_t pa)      { return (void *)(uintptr_t)pa; }

extern char __image_start[], __image_end[];

#endif
