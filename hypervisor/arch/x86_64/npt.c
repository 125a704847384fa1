/* SPDX-License-Identifier: GPL-2.0-only */
#include <stddef.h>
#include <arch/npt.h>
#include <arch/pt_entry.h>

#define NPT_TABLE_FLAGS (PTE_PRESENT | PTE_WRITE | PTE_USER)

int npt_init(struct npt *npt, const struct npt_ops *ops, void *ctx)
{
    npt->ops = ops;
    npt->ctx = ctx;
    npt->root = ops->alloc_table(ctx, &npt->root_pa);
    return npt->root ? 0 : -1;
}

static uint64_t leaf_flags(unsigned perms)
{
    uint64_t f = PTE_PRESENT | PTE_USER;
    if (perms & NPT_WRITE)
        f |= PTE_WRITE;
    if (!(perms & NPT_EXEC))
        f |= PTE_NX;
    return f;
}

static uint64_t *child(struct npt *npt, uint64_t *table, unsigned index)
{
    if (!(table[index] & PTE_PRESENT)) {
        uint64_t pa;
        uint64_t *t = npt->ops->alloc_table(npt->ctx, &pa);
        if (!t)
            return NULL;
        table[index] = pa | NPT_TABLE_FLAGS;
    }
    if (table[index] & PTE_LARGE)
        return NULL;                  /* already covered by a large page */
    return npt->ops->table_at(npt->ctx, table[index] & PTE_ADDR_MASK);
}

/*
 * The page directory (large) or page table (small) that will hold the leaf
 * for gpa, creating intermediate tables as needed; NULL if out of memory
 * or if a mapping of the other size is in the way.
 */
static uint64_t *leaf_table(struct npt *npt, uint64_t gpa, bool large)
{
    uint64_t *pdpt = child(npt, npt->root, pml4_index(gpa));
    uint64_t *pd = pdpt ? child(npt, pdpt, pdpt_index(gpa)) : NULL;
    if (!pd)
        return NULL;
    uint64_t pde = pd[pd_index(gpa)];
    if (large)
        return (pde & PTE_PRESENT) && !(pde & PTE_LARGE) ? NULL : pd;
    return child(npt, pd, pd_index(gpa));
}

/* The page directory covering gpa, without making one: NULL if absent. */
static uint64_t *pd_of(const struct npt *npt, uint64_t gpa)
{
    uint64_t e = npt->root[pml4_index(gpa)];
    if (!(e & PTE_PRESENT))
        return NULL;
    const uint64_t *pdpt = npt->ops->table_at(npt->ctx, e & PTE_ADDR_MASK);
    e = pdpt[pdpt_index(gpa)];
    return e & PTE_PRESENT ? npt->ops->table_at(npt->ctx, e & PTE_ADDR_MASK) : NULL;
}

/* Does a page table (4 KiB leaves) already cover gpa's 2 MiB? */
static bool small_pages_at(const struct npt *npt, uint64_t gpa)
{
    const uint64_t *pd = pd_of(npt, gpa);
    return pd && (pd[pd_index(gpa)] & PTE_PRESENT) && !(pd[pd_index(gpa)] & PTE_LARGE);
}

/*
 * A 2 MiB leaf where both addresses allow it, unless a page table is
 * there already (left by 4 KiB mappings, even ones since removed): then
 * the range goes into it as 4 KiB leaves instead.
 */
static bool use_large(const struct npt *npt, uint64_t gpa, uint64_t hpa, uint64_t left)
{
    return !((gpa | hpa) & (PAGE_SIZE_2M - 1)) && left >= PAGE_SIZE_2M && !small_pages_at(npt, gpa);
}

int npt_map(struct npt *npt, uint64_t gpa, uint64_t hpa, uint64_t size, unsigned perms)
{
    if ((gpa | hpa | size) & (PAGE_SIZE_4K - 1))
        return -1;
    /* Two passes: create every table first, so a failure leaves no new leaf. */
    for (int pass = 0; pass < 2; pass++) {
        for (uint64_t off = 0; off < size;) {
            bool large = use_large(npt, gpa + off, hpa + off, size - off);
            uint64_t *table = leaf_table(npt, gpa + off, large);
            if (!table)
                return -1;
            if (pass == 1) {
                unsigned index = large ? pd_index(gpa + off) : pt_index(gpa + off);
                table[index] = (hpa + off) | leaf_flags(perms) | (large ? PTE_LARGE : 0);
            }
            off += large ? PAGE_SIZE_2M : PAGE_SIZE_4K;
        }
    }
    return 0;
}

static unsigned perms_of(uint64_t e)
{
    return NPT_READ | (e & PTE_WRITE ? NPT_WRITE : 0) | (e & PTE_NX ? 0 : NPT_EXEC);
}

bool npt_lookup(const struct npt *npt, uint64_t gpa, uint64_t *hpa, unsigned *perms)
{
    const uint64_t *pd = pd_of(npt, gpa);
    if (!pd)
        return false;
    uint64_t e = pd[pd_index(gpa)];
    if (!(e & PTE_PRESENT))
        return false;
    if (e & PTE_LARGE) {
        *hpa = (e & PTE_ADDR_MASK & ~(PAGE_SIZE_2M - 1)) | (gpa & (PAGE_SIZE_2M - 1));
    } else {
        const uint64_t *pt = npt->ops->table_at(npt->ctx, e & PTE_ADDR_MASK);
        e = pt[pt_index(gpa)];
        if (!(e & PTE_PRESENT))
            return false;
        *hpa = (e & PTE_ADDR_MASK) | (gpa & (PAGE_SIZE_4K - 1));
    }
    if (perms)
        *perms = perms_of(e);
    return true;
}

static void free_level(struct npt *npt, uint64_t *table, int level)
{
    for (unsigned i = 0; level > 1 && i < 512; i++)
        if ((table[i] & PTE_PRESENT) && !(table[i] & PTE_LARGE))
            free_level(npt, npt->ops->table_at(npt->ctx, table[i] & PTE_ADDR_MASK), level - 1);
    npt->ops->free_table(npt->ctx, table);
}

void npt_destroy(struct npt *npt)
{
    if (npt->root)
        free_level(npt, npt->root, 4);
    npt->root = NULL;
}

/* The entry that maps gpa (a PDE for a large page, else a PTE), or NULL. */
static uint64_t *leaf_entry(const struct npt *npt, uint64_t gpa)
{
    uint64_t *pd = pd_of(npt, gpa);
    if (!pd)
        return NULL;
    if (!(pd[pd_index(gpa)] & PTE_PRESENT) || (pd[pd_index(gpa)] & PTE_LARGE))
        return &pd[pd_index(gpa)];
    uint64_t *pt = npt->ops->table_at(npt->ctx, pd[pd_index(gpa)] & PTE_ADDR_MASK);
    return &pt[pt_index(gpa)];
}

int npt_unmap(struct npt *npt, uint64_t gpa, uint64_t size)
{
    if ((gpa | size) & (PAGE_SIZE_4K - 1))
        return -1;
    /* Check first: every page mapped, no large page only partly covered. */
    for (int pass = 0; pass < 2; pass++) {
        for (uint64_t off = 0; off < size;) {
            uint64_t *e = leaf_entry(npt, gpa + off);
            if (!e || !(*e & PTE_PRESENT))
                return -1;
            bool large = (*e & PTE_LARGE) != 0;
            uint64_t step = large ? PAGE_SIZE_2M : PAGE_SIZE_4K;
            if (large && (((gpa + off) & (PAGE_SIZE_2M - 1)) || size - off < PAGE_SIZE_2M))
                return -1;
            if (pass == 1)
                *e = 0;
            off += step;
        }
    }
    return 0;
}
