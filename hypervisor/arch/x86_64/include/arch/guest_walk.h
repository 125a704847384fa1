/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Walking a guest's own page tables (linear -> guest-physical), needed to
 * fetch the instruction behind an MMIO exit: TCG's SVM offers no decode
 * assists.  Guest memory is read through a callback.
 */
#ifndef ARCH_GUEST_WALK_H
#define ARCH_GUEST_WALK_H

#include <stdbool.h>
#include <stdint.h>

struct guest_paging {
    uint64_t cr0, cr3, cr4, efer;
};

/* Read 8 bytes (4 for 32-bit tables) at gpa; false if not RAM. */
typedef bool (*guest_read64_fn)(void *ctx, uint64_t gpa, uint64_t *value);

enum walk_result { WALK_OK, WALK_NOT_PRESENT, WALK_BAD_TABLE };

enum walk_result guest_linear_to_phys(const struct guest_paging *pg, uint64_t linear,
                                      guest_read64_fn read, void *ctx, uint64_t *gpa);

#endif
