/* SPDX-License-Identifier: GPL-2.0-only */
/* x86-64 4-level page-table entry format (also used by SVM nested paging). */
#ifndef ARCH_PT_ENTRY_H
#define ARCH_PT_ENTRY_H

#include <stdint.h>

#define PTE_PRESENT   (1ull << 0)
#define PTE_WRITE     (1ull << 1)
#define PTE_USER      (1ull << 2)
#define PTE_PWT       (1ull << 3)
#define PTE_PCD       (1ull << 4)
#define PTE_ACCESSED  (1ull << 5)
#define PTE_DIRTY     (1ull << 6)
#define PTE_LARGE     (1ull << 7)
#define PTE_NX        (1ull << 63)
#define PTE_ADDR_MASK 0x000FFFFFFFFFF000ull

#define PAGE_SIZE_4K  0x1000ull
#define PAGE_SIZE_2M  0x200000ull
#define PAGE_SIZE_1G  0x40000000ull

static inline unsigned pml4_index(uint64_t a) { return (a >> 39) & 511; }
static inline unsigned pdpt_index(uint64_t a) { return (a >> 30) & 511; }
static inline unsigned pd_index(uint64_t a)   { return (a >> 21) & 511; }
static inline unsigned pt_index(uint64_t a)   { return (a >> 12) & 511; }

#endif
