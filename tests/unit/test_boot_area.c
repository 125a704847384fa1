/* SPDX-License-Identifier: GPL-2.0-only */
/* Host unit test for the boot area's page tables and GDT (lib/boot/boot_area.c):
 * walk them as the CPU would for a few addresses. */
#include "check.h"

#include <stdlib.h>
#include <string.h>

#include <boot/boot_area.h>

static uint8_t area[BOOT_AREA_SIZE];
static const uint64_t gpa = 0x7FF00000;     /* where the domain sees it */

static uint64_t entry(uint64_t table_gpa, unsigned index)
{
    uint64_t e;
    memcpy(&e, area + (table_gpa - gpa) + 8 * index, 8);
    return e;
}

/* The physical address va maps to through the area's tables, or ~0. */
static uint64_t walk(uint64_t va)
{
    uint64_t pml4e = entry(gpa + BA_PML4, va >> 39 & 511);
    if (!(pml4e & 1))
        return ~0ull;
    uint64_t pdpte = entry(pml4e & ~0xFFFull, va >> 30 & 511);
    if (!(pdpte & 1) || (pdpte & 0x80))
        return ~0ull;
    uint64_t pde = entry(pdpte & ~0xFFFull, va >> 21 & 511);
    if ((pde & 0x83) != 0x83)
        return ~0ull;
    return (pde & ~0x1FFFFFull) | (va & 0x1FFFFF);
}

int main(void)
{
    memset(area, 0xEE, sizeof area);
    boot_area_init(area, gpa);
    CHECK_EQ(walk(0), 0, "0 maps to 0");
    CHECK_EQ(walk(0x1000200), 0x1000200, "the kernel's 16 MiB load address maps 1:1");
    CHECK_EQ(walk(gpa + BA_ZERO_PAGE), gpa + BA_ZERO_PAGE, "the zero page maps 1:1");
    CHECK_EQ(walk(0xFEE00000), 0xFEE00000, "the local APIC (just below 4 GiB) maps 1:1");
    CHECK_EQ(walk(0x100000000ull), ~0ull, "nothing from 4 GiB");
    CHECK_EQ(walk(0x8000000000ull), ~0ull, "nothing past the first PML4 entry");
    uint64_t gdt[4];
    memcpy(gdt, area + BA_GDT, sizeof gdt);
    CHECK_EQ(gdt[0], 0, "GDT: null descriptor");
    CHECK_EQ(gdt[2] >> 40 & 0xFF, 0x9A, "GDT 0x10: present, ring 0, code, readable");
    CHECK_EQ(gdt[2] >> 53 & 3, 1, "GDT 0x10: long mode (L=1, D=0)");
    CHECK_EQ(gdt[3] >> 40 & 0xFF, 0x92, "GDT 0x18: present, ring 0, data, writable");
    CHECK_EQ(BOOT_GDT_LIMIT, 31, "the GDT limit covers 0x18's descriptor");
    uint8_t rest = 0xEE;
    for (size_t i = BA_ZERO_PAGE; i < BOOT_AREA_SIZE; i++)
        rest &= area[i];
    CHECK_EQ(rest, 0xEE, "nothing from the zero page on is touched");
    CHECK_DONE();
}
