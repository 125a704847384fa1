/* SPDX-License-Identifier: GPL-2.0-only */
/* The page tables and GDT of a boot area (boot/boot_area.h). */
#include <string.h>
#include <boot/boot_area.h>

#define PT_PRESENT (1ull << 0)
#define PT_WRITE   (1ull << 1)
#define PT_LARGE   (1ull << 7)     /* a 2 MiB page in a page directory */

static const uint64_t boot_gdt[4] = {
    0, 0,
    0x00AF9A000000FFFFull,           /* 0x10: 64-bit code (__BOOT_CS) */
    0x00CF92000000FFFFull,           /* 0x18: data (__BOOT_DS) */
};

_Static_assert(sizeof boot_gdt == BOOT_GDT_LIMIT + 1, "the GDT limit covers the four descriptors");

void boot_area_init(uint8_t *area, uint64_t area_gpa)
{
    uint64_t *pml4 = (uint64_t *)(area + BA_PML4);
    uint64_t *pdpt = (uint64_t *)(area + BA_PDPT);
    memset(area, 0, BA_ZERO_PAGE);
    pml4[0] = (area_gpa + BA_PDPT) | PT_PRESENT | PT_WRITE;
    for (uint64_t i = 0; i < 4; i++) {
        uint64_t *pd = (uint64_t *)(area + BA_PD + i * 0x1000);
        pdpt[i] = (area_gpa + BA_PD + i * 0x1000) | PT_PRESENT | PT_WRITE;
        for (uint64_t j = 0; j < 512; j++)
            pd[j] = ((i << 30) + (j << 21)) | PT_PRESENT | PT_WRITE | PT_LARGE;
    }
    memcpy(area + BA_GDT, boot_gdt, sizeof boot_gdt);
}
