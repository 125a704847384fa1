/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host unit tests for the nested page table builder (arch/x86_64/npt.c).
 * Tables come from a pool of 4 KiB-aligned host pages; each has a fake
 * "physical address" so that entries can be checked bit by bit against
 * the AMD64 long-mode format (APM vol. 2, 5.3 and 15.25).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arch/npt.h>
#include <arch/pt_entry.h>
#include "check.h"

#define POOL      64
#define POOL_PA   0x7650000000ull            /* fake physical base of the pool */

struct pool {
    uint64_t *pages;                          /* POOL * 512 entries, 4 KiB aligned */
    bool in_use[POOL];
    unsigned allocs, frees, bad_frees, bad_lookups;
    unsigned budget;                          /* allocations still allowed */
};

static uint64_t *pool_alloc(void *ctx, uint64_t *pa)
{
    struct pool *p = ctx;
    if (p->budget == 0)
        return NULL;
    for (unsigned i = 0; i < POOL; i++) {
        if (!p->in_use[i]) {
            p->in_use[i] = true;
            p->budget--;
            p->allocs++;
            memset(p->pages + 512 * i, 0, 4096);
            *pa = POOL_PA + 4096ull * i;
            return p->pages + 512 * i;
        }
    }
    return NULL;
}

static uint64_t *pool_table_at(void *ctx, uint64_t pa)
{
    struct pool *p = ctx;
    uint64_t i = (pa - POOL_PA) / 4096;
    if (pa < POOL_PA || (pa & 0xFFF) || i >= POOL || !p->in_use[i]) {
        p->bad_lookups++;
        return NULL;
    }
    return p->pages + 512 * i;
}

static void pool_free(void *ctx, uint64_t *table)
{
    struct pool *p = ctx;
    uintptr_t t = (uintptr_t)table, base = (uintptr_t)p->pages;
    uintptr_t i = (t - base) / 4096;
    if (t < base || (t - base) % 4096 || i >= POOL || !p->in_use[i]) {
        p->bad_frees++;
        return;
    }
    p->in_use[i] = false;
    p->frees++;
}

static const struct npt_ops ops = { pool_alloc, pool_table_at, pool_free };

static struct pool pool;
static struct npt npt;

static void fresh(unsigned budget)
{
    uint64_t *pages = pool.pages;
    memset(&pool, 0, sizeof pool);
    pool.pages = pages;
    pool.budget = budget;
    memset(&npt, 0, sizeof npt);
}

static unsigned tables_in_use(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < POOL; i++)
        n += pool.in_use[i];
    return n;
}

/* The entry for gpa at a given level (4 = PML4 ... 1 = PT), or 0 if not reached. */
static uint64_t entry(uint64_t gpa, int level)
{
    const uint64_t *t = npt.root;
    for (int l = 4; l >= 1; l--) {
        unsigned idx = (unsigned)(gpa >> (12 + 9 * (l - 1))) & 511;
        uint64_t e = t[idx];
        if (l == level)
            return e;
        if (!(e & PTE_PRESENT) || (e & PTE_LARGE))
            return 0;
        t = pool_table_at(&pool, e & PTE_ADDR_MASK);
        if (!t)
            return 0;
    }
    return 0;
}

#define MIB (1ull << 20)
#define GIB (1ull << 30)
#define NONLEAF (PTE_PRESENT | PTE_WRITE | PTE_USER)

static bool lookup(uint64_t gpa, uint64_t *hpa, unsigned *perms)
{
    *hpa = 0xBADBADBAD;
    return npt_lookup(&npt, gpa, hpa, perms);
}

static void test_init(void)
{
    fresh(100);
    CHECK_EQ(npt_init(&npt, &ops, &pool), 0, "init succeeds");
    CHECK_EQ(pool.allocs, 1, "init allocates just the PML4");
    CHECK(npt.root == pool.pages && npt.root_pa == POOL_PA, "root pointer and address recorded");
    uint64_t hpa;
    CHECK(!lookup(0, &hpa, NULL) && !lookup(0x7FFFFFFFF000ull, &hpa, NULL),
          "empty table: nothing mapped");
    npt_destroy(&npt);
    CHECK(pool.frees == 1 && npt.root == NULL, "destroy of an empty NPT frees the root");

    fresh(0);
    CHECK_EQ(npt_init(&npt, &ops, &pool), -1, "init fails when no table can be allocated");
}

static void test_map_4k_entries(void)
{
    fresh(100);
    npt_init(&npt, &ops, &pool);
    CHECK_EQ(npt_map(&npt, 0x1000, 0x5000, 0x1000, NPT_READ | NPT_WRITE), 0, "map one 4K page");
    CHECK_EQ(pool.allocs, 4, "4K page: PML4 + PDPT + PD + PT");

    uint64_t pml4e = entry(0x1000, 4), pdpte = entry(0x1000, 3), pde = entry(0x1000, 2);
    CHECK_EQ(pml4e & ~PTE_ADDR_MASK, NONLEAF, "PML4E: present, write, user, nothing else");
    CHECK_EQ(pdpte & ~PTE_ADDR_MASK, NONLEAF, "PDPTE: present, write, user, not large");
    CHECK_EQ(pde & ~PTE_ADDR_MASK, NONLEAF, "PDE: present, write, user, not large");
    CHECK(pool_table_at(&pool, pml4e & PTE_ADDR_MASK) && pool_table_at(&pool, pde & PTE_ADDR_MASK),
          "non-leaf entries hold table addresses from the pool");
    CHECK_EQ(entry(0x1000, 1), 0x5000 | PTE_PRESENT | PTE_WRITE | PTE_USER | PTE_NX,
             "PTE: address, P, W, U, NX (not executable)");
    CHECK_EQ(entry(0x0000, 1), 0, "neighbouring PTE below untouched");
    CHECK_EQ(entry(0x2000, 1), 0, "neighbouring PTE above untouched");

    static const struct { unsigned perms; uint64_t bits; } perm_cases[] = {
        { NPT_READ, PTE_PRESENT | PTE_USER | PTE_NX },
        { NPT_READ | NPT_WRITE, PTE_PRESENT | PTE_USER | PTE_WRITE | PTE_NX },
        { NPT_READ | NPT_EXEC, PTE_PRESENT | PTE_USER },
        { NPT_RWX, PTE_PRESENT | PTE_USER | PTE_WRITE },
    };
    for (unsigned i = 0; i < 4; i++) {
        uint64_t gpa = 0x10000 + 0x1000ull * i, hpa = 0x123456000ull + 0x1000ull * i;
        unsigned got_perms = 0;
        uint64_t got;
        npt_map(&npt, gpa, hpa, 0x1000, perm_cases[i].perms);
        CHECK_EQ(entry(gpa, 1), hpa | perm_cases[i].bits, "4K leaf bits for perms %#x",
                 perm_cases[i].perms);
        CHECK(lookup(gpa + 0x7FF, &got, &got_perms) && got == hpa + 0x7FF &&
                  got_perms == perm_cases[i].perms,
              "lookup reports perms %#x", perm_cases[i].perms);
    }
    CHECK_EQ(pool.allocs, 4, "more pages in the same 2M need no new tables");
    CHECK_EQ(pool.bad_lookups, 0, "every table address handed to table_at was valid");
}

static void test_map_2m_entries(void)
{
    fresh(100);
    npt_init(&npt, &ops, &pool);
    CHECK_EQ(npt_map(&npt, 2 * MIB, 6 * MIB, 2 * MIB, NPT_READ | NPT_EXEC), 0, "map one 2M page");
    CHECK_EQ(pool.allocs, 3, "2M page: PML4 + PDPT + PD, no PT");
    CHECK_EQ(entry(2 * MIB, 2), 6 * MIB | PTE_PRESENT | PTE_USER | PTE_LARGE,
             "PDE leaf: address, P, U, PS; read-only and executable");
    uint64_t hpa;
    unsigned perms;
    CHECK(lookup(2 * MIB + 0x12345, &hpa, &perms) && hpa == 6 * MIB + 0x12345 &&
              perms == (NPT_READ | NPT_EXEC),
          "2M lookup at an offset");
    CHECK(lookup(4 * MIB - 1, &hpa, NULL) && hpa == 8 * MIB - 1, "2M lookup at the last byte");
    CHECK(!lookup(4 * MIB, &hpa, NULL), "byte after the 2M page unmapped");
    CHECK(!lookup(2 * MIB - 1, &hpa, NULL), "byte before the 2M page unmapped");

    fresh(100);
    npt_init(&npt, &ops, &pool);
    CHECK_EQ(npt_map(&npt, 0, 0, 1 * GIB, NPT_RWX), 0, "map 1 GiB identity");
    CHECK_EQ(pool.allocs, 3, "1 GiB with 2M pages: one PD");
    unsigned large = 0;
    for (uint64_t a = 0; a < GIB; a += 2 * MIB)
        large += entry(a, 2) == (a | PTE_PRESENT | PTE_WRITE | PTE_USER | PTE_LARGE);
    CHECK_EQ(large, 512, "all 512 PDEs are RWX 2M leaves");
}

/* 2M pages only where both addresses are 2M aligned and 2M remain. */
static void test_map_mixed(void)
{
    fresh(100);
    npt_init(&npt, &ops, &pool);
    /* gpa and hpa are both 1M past a 2M boundary: 1M of 4K, one 2M, 1M of 4K. */
    const uint64_t gpa = GIB + 1 * MIB, hpa = 2 * GIB + 1 * MIB, size = 4 * MIB;
    CHECK_EQ(npt_map(&npt, gpa, hpa, size, NPT_READ | NPT_WRITE), 0, "map mixed range");
    CHECK_EQ(entry(GIB, 2) & PTE_LARGE, 0, "first 2M region uses a PT");
    CHECK_EQ(entry(GIB + 2 * MIB, 2),
             (2 * GIB + 2 * MIB) | PTE_PRESENT | PTE_WRITE | PTE_USER | PTE_NX | PTE_LARGE,
             "aligned middle uses a 2M page");
    CHECK_EQ(entry(GIB + 4 * MIB, 2) & PTE_LARGE, 0, "last 2M region uses a PT");
    unsigned ptes = 0;
    for (uint64_t a = GIB; a < GIB + 2 * MIB; a += 0x1000)
        ptes += (entry(a, 1) & PTE_PRESENT) != 0;
    for (uint64_t a = GIB + 4 * MIB; a < GIB + 6 * MIB; a += 0x1000)
        ptes += (entry(a, 1) & PTE_PRESENT) != 0;
    CHECK_EQ(ptes, 512, "exactly 2 x 256 4K pages");
    CHECK_EQ(pool.allocs, 1 + 1 + 1 + 2, "PML4, PDPT, PD and two PTs");

    static const uint64_t offsets[] = { 0, 0xFFF, 0x1000, 1 * MIB - 1, 1 * MIB,
                                        2 * MIB + 0x345, 3 * MIB - 1, 3 * MIB, 4 * MIB - 1 };
    for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
        uint64_t got;
        CHECK(lookup(gpa + offsets[i], &got, NULL) && got == hpa + offsets[i],
              "mixed: lookup at +%#llx", (unsigned long long)offsets[i]);
    }
    uint64_t got;
    CHECK(!lookup(gpa - 1, &got, NULL) && !lookup(gpa + size, &got, NULL),
          "mixed: bytes just outside the range unmapped");

    /* Both 2M aligned but different 2M phase: no large pages possible. */
    fresh(100);
    npt_init(&npt, &ops, &pool);
    CHECK_EQ(npt_map(&npt, 4 * MIB, 8 * MIB + 0x1000, 4 * MIB, NPT_READ), 0,
             "map with hpa not 2M aligned");
    CHECK(!(entry(4 * MIB, 2) & PTE_LARGE) && !(entry(6 * MIB, 2) & PTE_LARGE),
          "hpa misaligned: 4K pages only");
    CHECK(lookup(6 * MIB + 0x10, &got, NULL) && got == 10 * MIB + 0x1010,
          "hpa misaligned: translation");

    /* Aligned but smaller than 2M. */
    fresh(100);
    npt_init(&npt, &ops, &pool);
    CHECK_EQ(npt_map(&npt, 2 * MIB, 4 * MIB, 2 * MIB - 0x1000, NPT_READ), 0, "map 2M - 4K");
    CHECK(!(entry(2 * MIB, 2) & PTE_LARGE), "less than 2M left: 4K pages");
    CHECK(!lookup(4 * MIB - 0x1000, &got, NULL), "last 4K of the 2M block unmapped");
}

static void test_map_crossing_tables(void)
{
    fresh(100);
    npt_init(&npt, &ops, &pool);
    const uint64_t top = 512 * GIB;                 /* PML4 index 0 -> 1 */
    CHECK_EQ(npt_map(&npt, top - 0x1000, 0x40000000, 0x2000, NPT_RWX), 0,
             "map across a 512 GiB boundary");
    CHECK_EQ(pool.allocs, 1 + 2 * 3, "two PDPT/PD/PT chains");
    uint64_t got;
    CHECK(lookup(top - 1, &got, NULL) && got == 0x40000FFF, "below the 512 GiB boundary");
    CHECK(lookup(top, &got, NULL) && got == 0x40001000, "above the 512 GiB boundary");
    CHECK(npt_map(&npt, 0x7FFFFFE00000ull, 0x200000, 0x200000, NPT_READ) == 0 &&
              lookup(0x7FFFFFFFFFFFull, &got, NULL) && got == 0x3FFFFF,
          "top of the 48-bit space");
    CHECK(npt_map(&npt, 0, 0xFFFFFFFFF000ull, 0x1000, NPT_READ) == 0 &&
              lookup(0xABC, &got, NULL) && got == 0xFFFFFFFFFABCull,
          "host address with all 48 address bits");
    CHECK(npt_map(&npt, 0x3000, 0xFFFFFFFFFF000ull, 0x1000, NPT_READ) == 0 &&
              lookup(0x3001, &got, NULL) && got == 0xFFFFFFFFFF001ull,
          "host address with all 52 address bits");
}

static void test_map_rejects(void)
{
    fresh(100);
    npt_init(&npt, &ops, &pool);
    static const struct { uint64_t gpa, hpa, size; } bad[] = {
        { 0x1001, 0x2000, 0x1000 },
        { 0x1000, 0x2800, 0x1000 },
        { 0x1000, 0x2000, 0x1001 },
        { 0x1000, 0x2000, 0x800 },
        { 0x200000 + 8, 0x200000, 0x200000 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ(npt_map(&npt, bad[i].gpa, bad[i].hpa, bad[i].size, NPT_RWX), -1,
                 "unaligned map %zu rejected", i);
    CHECK_EQ(pool.allocs, 1, "rejected maps allocate nothing");
    bool any = false;
    for (unsigned i = 0; i < 512; i++)
        any |= npt.root[i] != 0;
    CHECK(!any, "rejected maps leave the PML4 empty");
    CHECK_EQ(npt_map(&npt, 0x1000, 0x2000, 0, NPT_RWX), 0, "size 0 is a no-op");
    CHECK_EQ(pool.allocs, 1, "size 0 allocates nothing");

    /* A 4K mapping inside an existing 2M page cannot be made, and must not break it. */
    npt_map(&npt, 2 * MIB, 8 * MIB, 2 * MIB, NPT_RWX);
    CHECK_EQ(npt_map(&npt, 2 * MIB + 0x1000, 0x1000, 0x1000, NPT_READ), -1,
             "4K map inside a 2M page fails");
    uint64_t got;
    unsigned perms;
    CHECK(lookup(2 * MIB + 0x1000, &got, &perms) && got == 8 * MIB + 0x1000 && perms == NPT_RWX,
          "2M page unchanged after the failed map");
}

/*
 * npt.h: a map that cannot allocate a table fails "without changing
 * anything visible" (empty tables may stay).  Here the second 4K page
 * needs a new PT that cannot be allocated: after the failure the first
 * page must not be mapped either.
 */
static void test_map_alloc_failure(void)
{
    fresh(4);                                        /* PML4, PDPT, PD, one PT */
    npt_init(&npt, &ops, &pool);
    int rc = npt_map(&npt, 2 * MIB - 0x1000, 0x100000, 0x2000, NPT_RWX);
    CHECK_EQ(rc, -1, "map needing a 5th table fails");
    uint64_t got;
    CHECK(!lookup(2 * MIB - 0x1000, &got, NULL), "failed map leaves no visible mapping");
    CHECK(!lookup(2 * MIB, &got, NULL), "failed map: second page unmapped");

    fresh(2);                                        /* PML4 and PDPT only */
    npt_init(&npt, &ops, &pool);
    CHECK_EQ(npt_map(&npt, 0, 0, 0x1000, NPT_RWX), -1, "map fails when the PD cannot be had");
    CHECK(!lookup(0, &got, NULL), "nothing mapped after the failure");
    pool.budget = 100;
    CHECK(npt_map(&npt, 0, 0x9000, 0x1000, NPT_READ) == 0 && lookup(0x10, &got, NULL) &&
              got == 0x9010,
          "map succeeds once tables are available again");
    npt_destroy(&npt);
    CHECK(pool.allocs == pool.frees && tables_in_use() == 0 && pool.bad_frees == 0,
          "tables left by the failed map are freed by destroy");
}

static void test_destroy(void)
{
    fresh(POOL);
    npt_init(&npt, &ops, &pool);
    npt_map(&npt, 0, 0, 4 * MIB + 0x3000, NPT_RWX);             /* 2M, 2M, 3 x 4K */
    npt_map(&npt, 5 * GIB + 0x1000, 0x1000, 0x1000, NPT_READ);  /* another PDPT slot */
    npt_map(&npt, 700 * GIB, 0, 6 * MIB, NPT_READ);             /* another PML4 slot */
    npt_map(&npt, 0x7FFFFFFFF000ull, 0, 0x1000, NPT_READ);      /* last PML4 slot */
    unsigned allocated = pool.allocs;
    CHECK(allocated > 8, "destroy setup built %u tables", allocated);
    npt_destroy(&npt);
    CHECK_EQ(pool.frees, allocated, "destroy frees as many tables as were allocated");
    CHECK_EQ(tables_in_use(), 0, "destroy frees every table");
    CHECK_EQ(pool.bad_frees, 0, "no table freed twice or foreign pointer freed");
    CHECK(npt.root == NULL, "root cleared");
    npt_destroy(&npt);
    CHECK_EQ(pool.frees, allocated, "second destroy is harmless");
    CHECK_EQ(pool.bad_lookups, 0, "no bad table address handed to table_at");
}

static void test_unmap(void)
{
    fresh(100);
    npt_init(&npt, &ops, &pool);
    uint64_t hpa;
    CHECK_EQ(npt_map(&npt, 0x200000, 0x40000000, 0x200000, NPT_RWX), 0, "map a 2 MiB page");
    CHECK_EQ(npt_map(&npt, 0x1000, 0x5000, 0x2000, NPT_RWX), 0, "and two 4 KiB pages");
    CHECK_EQ(npt_unmap(&npt, 0x200000, 0x1000), -1, "part of a large page cannot be unmapped");
    CHECK_EQ(npt_unmap(&npt, 0x1000, 0x3000), -1, "nor a range with an unmapped page");
    CHECK(npt_lookup(&npt, 0x1000, &hpa, NULL) && npt_lookup(&npt, 0x200000, &hpa, NULL),
          "a refused unmap removes nothing");
    CHECK_EQ(npt_unmap(&npt, 0x2000, 0x1000), 0, "unmap one 4 KiB page");
    CHECK(!npt_lookup(&npt, 0x2000, &hpa, NULL) && npt_lookup(&npt, 0x1000, &hpa, NULL) && hpa == 0x5000,
          "only that page is gone");
    CHECK_EQ(npt_unmap(&npt, 0x200000, 0x200000), 0, "unmap the large page");
    CHECK(!npt_lookup(&npt, 0x3FFFFF, &hpa, NULL), "it is gone");
    CHECK_EQ(npt_unmap(&npt, 0x200000, 0x200000), -1, "unmapping it again fails");
    CHECK_EQ(npt_unmap(&npt, 0x1001, 0x1000), -1, "an unaligned address fails");

    /* A page table left by 4 KiB mappings since removed: a 2 MiB frame
     * mapped there later goes in as 4 KiB leaves (a vmware-vmx reusing
     * memory where an I/O-request page was). */
    CHECK_EQ(npt_unmap(&npt, 0x1000, 0x1000), 0, "unmap the last 4 KiB page of the first 2 MiB");
    CHECK_EQ(npt_map(&npt, 0, 0x40200000, 0x200000, NPT_RWX), 0,
             "a 2 MiB frame maps over the emptied page table");
    CHECK(npt_lookup(&npt, 0x1234, &hpa, NULL) && hpa == 0x40201234 && npt_lookup(&npt, 0x1FF000, &hpa, NULL) &&
              hpa == 0x403FF000,
          "every page of it translates");
    CHECK_EQ(npt_unmap(&npt, 0, 0x200000), 0, "and it unmaps whole");
    CHECK(!npt_lookup(&npt, 0x1234, &hpa, NULL), "then nothing is left there");
    npt_destroy(&npt);
}

int main(void)
{
    pool.pages = aligned_alloc(4096, POOL * 4096);
    if (!pool.pages)
        return 2;
    test_init();
    test_map_4k_entries();
    test_map_2m_entries();
    test_map_mixed();
    test_map_crossing_tables();
    test_map_rejects();
    test_map_alloc_failure();
    test_destroy();
    test_unmap();
    free(pool.pages);
    CHECK_DONE();
}
