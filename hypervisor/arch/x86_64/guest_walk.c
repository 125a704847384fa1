/* SPDX-License-Identifier: GPL-2.0-only */
#include <arch/cpu.h>
#include <arch/guest_walk.h>
#include <arch/pt_entry.h>

#define CR4_PSE_BIT (1ull << 4)
#define CR4_PAE_BIT (1ull << 5)
#define CR4_LA57    (1ull << 12)

static enum walk_result walk_long(const struct guest_paging *pg, uint64_t la, int levels,
                                  guest_read64_fn read, void *ctx, uint64_t *gpa)
{
    uint64_t table = pg->cr3 & PTE_ADDR_MASK;
    for (int level = levels; level >= 1; level--) {
        unsigned shift = 12 + 9 * (unsigned)(level - 1);
        uint64_t e;
        if (!read(ctx, table + ((la >> shift) & 511) * 8, &e))
            return WALK_BAD_TABLE;
        if (!(e & PTE_PRESENT))
            return WALK_NOT_PRESENT;
        if (level > 1 && level <= 3 && (e & PTE_LARGE)) {
            uint64_t mask = (1ull << shift) - 1;
            *gpa = (e & PTE_ADDR_MASK & ~mask) | (la & mask);
            return WALK_OK;
        }
        table = e & PTE_ADDR_MASK;
    }
    *gpa = table | (la & 0xFFF);
    return WALK_OK;
}

static enum walk_result walk_pae(const struct guest_paging *pg, uint64_t la,
                                 guest_read64_fn read, void *ctx, uint64_t *gpa)
{
    uint64_t pdpte;
    if (!read(ctx, (pg->cr3 & 0xFFFFFFE0) + ((la >> 30) & 3) * 8, &pdpte))
        return WALK_BAD_TABLE;
    if (!(pdpte & PTE_PRESENT))
        return WALK_NOT_PRESENT;
    uint64_t pde;
    if (!read(ctx, (pdpte & PTE_ADDR_MASK) + ((la >> 21) & 511) * 8, &pde))
        return WALK_BAD_TABLE;
    if (!(pde & PTE_PRESENT))
        return WALK_NOT_PRESENT;
    if (pde & PTE_LARGE) {
        *gpa = (pde & PTE_ADDR_MASK & ~(PAGE_SIZE_2M - 1)) | (la & (PAGE_SIZE_2M - 1));
        return WALK_OK;
    }
    uint64_t pte;
    if (!read(ctx, (pde & PTE_ADDR_MASK) + ((la >> 12) & 511) * 8, &pte))
        return WALK_BAD_TABLE;
    if (!(pte & PTE_PRESENT))
        return WALK_NOT_PRESENT;
    *gpa = (pte & PTE_ADDR_MASK) | (la & 0xFFF);
    return WALK_OK;
}

/* A 4-byte table entry, read through the 8-byte reader at an aligned address
 * so that an entry in the last 4 bytes of RAM is still readable. */
static bool read32(guest_read64_fn read, void *ctx, uint64_t gpa, uint64_t *value)
{
    uint64_t q;
    if (!read(ctx, gpa & ~7ull, &q))
        return false;
    *value = gpa & 4 ? q >> 32 : (uint32_t)q;
    return true;
}

static enum walk_result walk_legacy(const struct guest_paging *pg, uint64_t la,
                                    guest_read64_fn read, void *ctx, uint64_t *gpa)
{
    uint64_t pde, pte;
    la &= 0xFFFFFFFF;
    if (!read32(read, ctx, (pg->cr3 & 0xFFFFF000) + (la >> 22) * 4, &pde))
        return WALK_BAD_TABLE;
    if (!(pde & PTE_PRESENT))
        return WALK_NOT_PRESENT;
    if ((pde & PTE_LARGE) && (pg->cr4 & CR4_PSE_BIT)) {
        /* PSE-36: bits 20:13 of the entry are physical address bits 39:32. */
        *gpa = (pde & 0xFFC00000) | ((pde >> 13) & 0xFF) << 32 | (la & 0x3FFFFF);
        return WALK_OK;
    }
    if (!read32(read, ctx, (pde & 0xFFFFF000) + ((la >> 12) & 1023) * 4, &pte))
        return WALK_BAD_TABLE;
    if (!(pte & PTE_PRESENT))
        return WALK_NOT_PRESENT;
    *gpa = (pte & 0xFFFFF000) | (la & 0xFFF);
    return WALK_OK;
}

enum walk_result guest_linear_to_phys(const struct guest_paging *pg, uint64_t linear,
                                      guest_read64_fn read, void *ctx, uint64_t *gpa)
{
    if (!(pg->cr0 & CR0_PG)) {
        *gpa = linear;
        return WALK_OK;
    }
    if (pg->efer & EFER_LMA)
        return walk_long(pg, linear, pg->cr4 & CR4_LA57 ? 5 : 4, read, ctx, gpa);
    if (pg->cr4 & CR4_PAE_BIT)
        return walk_pae(pg, linear, read, ctx, gpa);
    return walk_legacy(pg, linear, read, ctx, gpa);
}
