/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host unit tests for the guest page-table walker
 * (arch/x86_64/guest_walk.c).  Guest page tables are written into a fake
 * 4 MiB guest RAM; the read callback behaves like the hypervisor's (it
 * reads 8 bytes and fails if any of them is outside RAM).  Expected
 * translations follow the AMD64 APM vol. 2, 5.2-5.4 (legacy, PAE and
 * long-mode paging).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <arch/guest_walk.h>
#include "check.h"

#define RAM_SIZE 0x400000u
static uint8_t ram[RAM_SIZE];
static unsigned reads;

static bool read64(void *ctx, uint64_t gpa, uint64_t *value)
{
    reads++;
    if (ctx != ram || gpa >= RAM_SIZE || RAM_SIZE - gpa < 8)
        return false;
    memcpy(value, ram + gpa, 8);          /* x86 is little-endian, so is the host */
    return true;
}

static void set64(uint64_t gpa, uint64_t v) { memcpy(ram + gpa, &v, 8); }
static void set32(uint64_t gpa, uint32_t v) { memcpy(ram + gpa, &v, 4); }

/* Control register bits (APM vol. 2, 3.1). */
#define CR0_PE    (1ull << 0)
#define CR0_PG    (1ull << 31)
#define CR4_PSE   (1ull << 4)
#define CR4_PAE   (1ull << 5)
#define CR4_LA57  (1ull << 12)
#define EFER_LME  (1ull << 8)
#define EFER_LMA  (1ull << 10)

/* Page-table entry bits. */
#define P    (1ull << 0)
#define W    (1ull << 1)
#define U    (1ull << 2)
#define PWT  (1ull << 3)
#define PCD  (1ull << 4)
#define A    (1ull << 5)
#define D    (1ull << 6)
#define PS   (1ull << 7)                  /* PAT in a 4K PTE */
#define G    (1ull << 8)
#define PAT_LARGE (1ull << 12)            /* PAT in a 2M/4M/1G leaf */
#define AVL_HIGH  (0x7Full << 52)         /* software-available bits 58:52 */
#define NX   (1ull << 63)

static const struct guest_paging LONG4 = { CR0_PE | CR0_PG, 0x1000 | PWT | PCD, CR4_PAE,
                                           EFER_LME | EFER_LMA };

static uint64_t la4(unsigned pml4, unsigned pdpt, unsigned pd, unsigned pt, uint64_t off)
{
    uint64_t la = (uint64_t)pml4 << 39 | (uint64_t)pdpt << 30 | (uint64_t)pd << 21 |
                  (uint64_t)pt << 12 | off;
    if (la & (1ull << 47))
        la |= 0xFFFF000000000000ull;      /* canonical sign extension */
    return la;
}

struct walk_case {
    const char *what;
    uint64_t la;
    enum walk_result want;
    uint64_t want_gpa;
};

static void run_cases(const struct guest_paging *pg, const struct walk_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t gpa = 0xDEAD;
        enum walk_result r = guest_linear_to_phys(pg, c[i].la, read64, ram, &gpa);
        if (c[i].want == WALK_OK)
            CHECK(r == WALK_OK && gpa == c[i].want_gpa, "%s: %#llx -> %#llx (got %d, %#llx)",
                  c[i].what, (unsigned long long)c[i].la, (unsigned long long)c[i].want_gpa,
                  (int)r, (unsigned long long)gpa);
        else
            CHECK_EQ(r, c[i].want, "%s: %#llx", c[i].what, (unsigned long long)c[i].la);
    }
}

/*
 * Long mode, 4 levels.  PML4 0x1000; PDPT 0x2000; PD 0x3000; PT 0x4000;
 * a second chain for the upper half at 0x5000/0x6000.
 */
static void build_long(void)
{
    memset(ram, 0, sizeof ram);
    set64(0x1000 + 0x0FE * 8, 0x2000 | P | W | U | A);
    set64(0x2000 + 0x048 * 8, 0x3000 | P | W | A);
    set64(0x3000 + 0x1A2 * 8, 0x4000 | P | W | U);
    /* 4K leaf with PAT (bit 7), G, D, NX and software bits set. */
    set64(0x4000 + 0x167 * 8, 0xF12345000ull | P | W | PS | G | D | NX | AVL_HIGH);
    set64(0x4000 + 0x168 * 8, 0x3FF000 | P);
    set64(0x4000 + 0x169 * 8, 0x7000 | W | U);                   /* not present */
    set64(0x4000 + 0x16A * 8, 0xFEE00000ull | P | PCD);          /* outside RAM: fine */
    /* 2M leaf with its PAT bit (12) set. */
    set64(0x3000 + 0x1A3 * 8, 0x840200000ull | P | PS | PAT_LARGE | NX);
    set64(0x3000 + 0x1A4 * 8, 0x4000 | W);                       /* not present */
    set64(0x3000 + 0x1A5 * 8, 0x80000000ull | P);                /* PT outside RAM */
    /* 1G leaf in the PDPT. */
    set64(0x2000 + 0x049 * 8, 0x3C0000000ull | P | W | PS | PAT_LARGE);
    set64(0x2000 + 0x04A * 8, 0x40000000ull | P);                /* PD outside RAM */
    set64(0x1000 + 0x0FD * 8, 0x2000 | W);                       /* not present */
    /* Upper half: PML4 index 256. */
    set64(0x1000 + 256 * 8, 0x5000 | P);
    set64(0x5000 + 0 * 8, 0x6000 | P);
    set64(0x6000 + 0 * 8, 0x200000 | P | PS);
}

static void test_long_mode(void)
{
    build_long();
    static const struct walk_case cases[] = {
        { "4K page", 0, WALK_OK, 0xF12345ABCull },
        { "4K page, offset 0", 0, WALK_OK, 0x3FF000 },
        { "2M page", 0, WALK_OK, 0x840200000ull + 0x1ABCDE },
        { "1G page", 0, WALK_OK, 0x3C0000000ull + 0x23456789 },
        { "upper half, 2M page", 0, WALK_OK, 0x201234 },
        { "leaf outside RAM", 0, WALK_OK, 0xFEE000F0ull },
        { "PTE not present", 0, WALK_NOT_PRESENT, 0 },
        { "PDE not present", 0, WALK_NOT_PRESENT, 0 },
        { "PDPTE not present", 0, WALK_NOT_PRESENT, 0 },
        { "PML4E not present", 0, WALK_NOT_PRESENT, 0 },
        { "PML4E (flags but no P)", 0, WALK_NOT_PRESENT, 0 },
        { "PT outside RAM", 0, WALK_BAD_TABLE, 0 },
        { "PD outside RAM", 0, WALK_BAD_TABLE, 0 },
    };
    struct walk_case c[sizeof cases / sizeof cases[0]];
    memcpy(c, cases, sizeof c);
    c[0].la = la4(0x0FE, 0x048, 0x1A2, 0x167, 0xABC);
    c[1].la = la4(0x0FE, 0x048, 0x1A2, 0x168, 0);
    c[2].la = la4(0x0FE, 0x048, 0x1A3, 0, 0) | 0x1ABCDE;
    c[3].la = la4(0x0FE, 0x049, 0, 0, 0) | 0x23456789;
    c[4].la = la4(256, 0, 0, 0, 0x1234);
    c[5].la = la4(0x0FE, 0x048, 0x1A2, 0x16A, 0xF0);
    c[6].la = la4(0x0FE, 0x048, 0x1A2, 0x169, 0);
    c[7].la = la4(0x0FE, 0x048, 0x1A4, 0, 0);
    c[8].la = la4(0x0FE, 0x04B, 0, 0, 0);
    c[9].la = la4(0x010, 0, 0, 0, 0);
    c[10].la = la4(0x0FD, 0, 0, 0, 0);
    c[11].la = la4(0x0FE, 0x048, 0x1A5, 0, 0);
    c[12].la = la4(0x0FE, 0x04A, 0, 0, 0);
    run_cases(&LONG4, c, sizeof c / sizeof c[0]);
    CHECK(c[4].la == 0xFFFF800000001234ull, "upper-half address is sign-extended");

    struct guest_paging bad_cr3 = LONG4;
    bad_cr3.cr3 = 0x80000000;
    uint64_t gpa;
    CHECK_EQ(guest_linear_to_phys(&bad_cr3, c[0].la, read64, ram, &gpa), WALK_BAD_TABLE,
             "CR3 outside RAM");
    bad_cr3.cr3 = RAM_SIZE - 0x1000;                             /* zeroed page */
    CHECK_EQ(guest_linear_to_phys(&bad_cr3, c[0].la, read64, ram, &gpa), WALK_NOT_PRESENT,
             "empty PML4");
}

/* 5-level paging (CR4.LA57): PML5 index is bits 56:48. */
static void test_long_mode_la57(void)
{
    build_long();
    set64(0x9000 + 0x1F * 8, 0x1000 | P | W);                   /* PML5[0x1F] -> PML4 */
    struct guest_paging pg = LONG4;
    pg.cr3 = 0x9000;
    pg.cr4 |= CR4_LA57;
    uint64_t la = 0x1Full << 48 | la4(0x0FE, 0x048, 0x1A2, 0x167, 0x123);
    uint64_t gpa = 0;
    CHECK(guest_linear_to_phys(&pg, la, read64, ram, &gpa) == WALK_OK && gpa == 0xF12345123ull,
          "LA57: 4K page through PML5");
    CHECK_EQ(guest_linear_to_phys(&pg, (0x1Eull << 48) | 0x1000, read64, ram, &gpa),
             WALK_NOT_PRESENT, "LA57: PML5E not present");
}

/*
 * PAE (CR4.PAE, no LMA): four 8-byte PDPTEs at CR3 (32-byte aligned),
 * 512-entry PD and PT, 2M large pages, physical addresses above 4 GiB.
 */
static void test_pae(void)
{
    memset(ram, 0, sizeof ram);
    const uint64_t pdpt = 0xA020;
    set64(pdpt + 2 * 8, 0xB000 | P);
    set64(pdpt + 3 * 8, 0x80000000ull | P);                      /* PD outside RAM */
    set64(pdpt + 1 * 8, 0xB000);                                 /* not present */
    set64(0xB000 + 5 * 8, 0xC000 | P | W | U | NX);
    set64(0xB000 + 6 * 8, 0x140600000ull | P | PS | PAT_LARGE | NX);
    set64(0xB000 + 7 * 8, 0xC000 | W);                           /* not present */
    set64(0xB000 + 8 * 8, 0x90000000ull | P);                    /* PT outside RAM */
    set64(0xC000 + 0x17 * 8, 0x234567000ull | P | NX | PS);      /* PS = PAT in a PTE */
    set64(0xC000 + 0x18 * 8, 0x1000 | D);                        /* not present */

    struct guest_paging pg = { CR0_PE | CR0_PG, pdpt | PWT | PCD, CR4_PAE, 0 };
#define PAE_LA(i, d, t, o) ((uint64_t)(i) << 30 | (uint64_t)(d) << 21 | (uint64_t)(t) << 12 | (o))
    const struct walk_case cases[] = {
        { "PAE 4K page above 4 GiB", PAE_LA(2, 5, 0x17, 0x345), WALK_OK, 0x234567345ull },
        { "PAE 2M page", PAE_LA(2, 6, 0, 0x1FFFFF), WALK_OK, 0x1407FFFFFull },
        { "PAE PTE not present", PAE_LA(2, 5, 0x18, 0), WALK_NOT_PRESENT, 0 },
        { "PAE PDE not present", PAE_LA(2, 7, 0, 0), WALK_NOT_PRESENT, 0 },
        { "PAE PDPTE not present", PAE_LA(1, 0, 0, 0), WALK_NOT_PRESENT, 0 },
        { "PAE PDPTE 0 empty", PAE_LA(0, 0, 0, 0), WALK_NOT_PRESENT, 0 },
        { "PAE PD outside RAM", PAE_LA(3, 0, 0, 0), WALK_BAD_TABLE, 0 },
        { "PAE PT outside RAM", PAE_LA(2, 8, 0, 0), WALK_BAD_TABLE, 0 },
    };
    run_cases(&pg, cases, sizeof cases / sizeof cases[0]);

    pg.cr3 = 0xFFFFFFE0;
    uint64_t gpa;
    CHECK_EQ(guest_linear_to_phys(&pg, 0, read64, ram, &gpa), WALK_BAD_TABLE,
             "PAE: PDPT outside RAM");
}

/*
 * Legacy 32-bit paging: 1024 4-byte entries per table.  Entries next to
 * the ones used hold all-ones so that reading past a 4-byte entry shows.
 */
static void test_legacy(void)
{
    memset(ram, 0, sizeof ram);
    const uint64_t pd = 0xD000;
    set32(pd + 0x48 * 4, 0xE000 | P | W | U);
    set32(pd + 0x49 * 4, 0xFFFFFFFF);
    set32(0xE000 + 0x345 * 4, 0xABCDE000 | P | PS);              /* PS = PAT in a PTE */
    set32(0xE000 + 0x346 * 4, 0xFFFFFFFE);                       /* not present */
    set32(0xE000 + 0x347 * 4, 0xFFFFFFFF);
    /* 4M page with PAT (bit 12) and PSE-36 high bits 39:32 = 0x05 (entry bits 20:13). */
    set32(pd + 0x50 * 4, 0x12C00000 | 0x05u << 13 | PAT_LARGE | P | PS);
    set32(pd + 0x51 * 4, 0xF000 | P | PS);
    set32(0xF000 + 0x2A * 4, 0x7000 | P);
    set32(pd + 0x52 * 4, 0x00400000 | PS | W);                   /* not present */
    set32(pd + 0x53 * 4, 0x90000000 | P);                        /* PT outside RAM */

    struct guest_paging pse = { CR0_PE | CR0_PG, pd | PWT | PCD, CR4_PSE, 0 };
    struct guest_paging nopse = pse;
    nopse.cr4 = 0;
#define LEG_LA(d, t, o) ((uint64_t)(d) << 22 | (uint64_t)(t) << 12 | (o))
    const struct walk_case common[] = {
        { "legacy 4K page", LEG_LA(0x48, 0x345, 0x678), WALK_OK, 0xABCDE678ull },
        { "legacy PTE not present", LEG_LA(0x48, 0x346, 0), WALK_NOT_PRESENT, 0 },
        { "legacy PDE not present", LEG_LA(0x52, 0, 0), WALK_NOT_PRESENT, 0 },
        { "legacy PDE 0 empty", LEG_LA(0, 0, 0), WALK_NOT_PRESENT, 0 },
        { "legacy PT outside RAM", LEG_LA(0x53, 0, 0), WALK_BAD_TABLE, 0 },
        { "legacy: linear bits above 31 ignored", (1ull << 32) | LEG_LA(0x48, 0x345, 1),
          WALK_OK, 0xABCDE001ull },
    };
    run_cases(&pse, common, sizeof common / sizeof common[0]);
    run_cases(&nopse, common, sizeof common / sizeof common[0]);

    const struct walk_case with_pse[] = {
        { "PSE 4M page (PSE-36 high bits)", LEG_LA(0x50, 0, 0) | 0x3ABCDE, WALK_OK,
          0x512C00000ull | 0x3ABCDE },
        { "PSE 4M page, last byte", LEG_LA(0x50, 0, 0) | 0x3FFFFF, WALK_OK, 0x512FFFFFFull },
        /*
         * With CR4.PSE set, a PDE with PS maps 4M even if it looks like a
         * PT pointer: 0xF000 has PAT (bit 12) and bits 15:13 set, which
         * are physical address bits 34:32.
         */
        { "PSE: PS in PDE is a 4M page", LEG_LA(0x51, 0x2A, 0x10), WALK_OK, 0x70002A010ull },
    };
    run_cases(&pse, with_pse, sizeof with_pse / sizeof with_pse[0]);

    const struct walk_case without_pse[] = {
        /* CR4.PSE clear: the PS bit is ignored and the PDE points to a PT. */
        { "no PSE: PS ignored, PT walked", LEG_LA(0x51, 0x2A, 0x10), WALK_OK, 0x7010 },
    };
    run_cases(&nopse, without_pse, 1);

    struct guest_paging bad = nopse;
    bad.cr3 = 0x80000000;
    uint64_t gpa;
    CHECK_EQ(guest_linear_to_phys(&bad, 0, read64, ram, &gpa), WALK_BAD_TABLE,
             "legacy: page directory outside RAM");
}

/*
 * Legacy entries are 4 bytes: the last entry of a page directory placed
 * in the last page of RAM is readable RAM, and the walk must succeed even
 * though 8 bytes starting there are not.
 */
static void test_legacy_table_at_top_of_ram(void)
{
    memset(ram, 0, sizeof ram);
    const uint64_t pd = RAM_SIZE - 0x1000, pt = RAM_SIZE - 0x2000;
    set32(pd + 1023 * 4, (uint32_t)pt | P);
    set32(pt + 1023 * 4, 0x55555000 | P);
    set32(pd + 1022 * 4, 0x00800000 | P | PS);
    struct guest_paging pg = { CR0_PE | CR0_PG, pd, CR4_PSE, 0 };
    uint64_t gpa = 0;
    CHECK(guest_linear_to_phys(&pg, 0xFF800000, read64, ram, &gpa) == WALK_OK &&
              gpa == 0x00800000,
          "PDE 1022 near the top of RAM");
    gpa = 0;
    enum walk_result r = guest_linear_to_phys(&pg, 0xFFFFF123, read64, ram, &gpa);
    CHECK(r == WALK_OK && gpa == 0x55555123,
          "last PDE and PTE in the last 4 bytes of RAM (got %d, %#llx)", (int)r,
          (unsigned long long)gpa);
}

static void test_paging_off(void)
{
    static const struct { const char *what; struct guest_paging pg; } modes[] = {
        { "real mode", { 0, 0x1000, 0, 0 } },
        { "protected, no paging", { CR0_PE, 0x1000, 0, 0 } },
        { "PAE set but PG clear", { CR0_PE, 0x1000, CR4_PAE | CR4_PSE, 0 } },
        { "LME set but PG clear", { CR0_PE, 0x1000, CR4_PAE, EFER_LME } },
    };
    static const uint64_t las[] = { 0, 0xB8000, 0xFEE00300, 0xFFFFFFFF };
    memset(ram, 0xFF, sizeof ram);          /* any table walk would find garbage */
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        unsigned ok = 0;
        reads = 0;
        for (size_t i = 0; i < sizeof las / sizeof las[0]; i++) {
            uint64_t gpa = 0xDEAD;
            ok += guest_linear_to_phys(&modes[m].pg, las[i], read64, ram, &gpa) == WALK_OK &&
                  gpa == las[i];
        }
        CHECK(ok == sizeof las / sizeof las[0] && reads == 0,
              "%s: identity, no memory read", modes[m].what);
    }
}

int main(void)
{
    test_long_mode();
    test_long_mode_la57();
    test_pae();
    test_legacy();
    test_legacy_table_at_top_of_ram();
    test_paging_off();
    CHECK_DONE();
}
