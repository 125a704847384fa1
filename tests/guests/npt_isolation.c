/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Nested-paging isolation.  Run two or more instances at once: each fills
 * its RAM with a marker naming itself, then reads guest-physical space
 * outside its RAM.  Every such read must return all ones (unassigned):
 * never another domain's marker, never vmkernel bytes.
 */
#include "guest.h"

const char test_name[] = "npt_isolation";

#define RAM_SIZE      (16ull << 20)          /* the domain is started with mem=16M */
#define SCAN_STRIDE   (1ull << 20)
#define SCAN_END      0xFEC00000ull          /* below the IOAPIC/LAPIC pages */
#define MARKER        0x4E4F49544C4F5349ull  /* "ISOLTION" */

extern char _end[];                           /* end of this image (linker) */

static uint64_t my_marker(void)
{
    /* Distinct per instance: the TSC differs between two domains started together. */
    return MARKER ^ (rdtsc() << 20);
}

void test_main(void)
{
    uint64_t start = ((uint64_t)_end + 0xFFFF) & ~0xFFFFull;
    volatile uint64_t *ram = (volatile uint64_t *)start;
    uint64_t words = (RAM_SIZE - start) / 8;

    uint64_t nonzero = 0;
    for (uint64_t i = 0; i < words; i += 512)
        nonzero += ram[i] != 0;
    check(nonzero == 0, "fresh RAM above the image is zeroed by the vmkernel (%lu dirty pages)",
          nonzero);

    uint64_t marker = my_marker();
    for (uint64_t i = 0; i < words; i++)
        ram[i] = marker;
    uint64_t bad = 0;
    for (uint64_t i = 0; i < words; i += 4096)
        bad += ram[i] != marker;
    check(bad == 0, "own RAM keeps what was written");

    uint64_t reads = 0, not_ones = 0;
    for (uint64_t gpa = RAM_SIZE; gpa < SCAN_END; gpa += SCAN_STRIDE) {
        uint64_t v = *(volatile uint64_t *)gpa;
        reads++;
        if (v != UINT64_MAX) {
            if (not_ones++ < 4)
                guest_printf("read %lx at guest-physical %lx\n", v, gpa);
        }
    }
    check(not_ones == 0, "%lu reads outside RAM all return all ones (%lu did not)", reads, not_ones);

    *(volatile uint64_t *)(RAM_SIZE + 0x1000) = marker;
    check(*(volatile uint64_t *)(RAM_SIZE + 0x1000) == UINT64_MAX,
          "a write just past the end of RAM goes nowhere");
    check(*(volatile uint64_t *)(RAM_SIZE - 8) == marker, "the last word of RAM is still ours");
}
