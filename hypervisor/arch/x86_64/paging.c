/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vmkernel's own page tables: an identity map of physical memory
 * with 2 MiB pages.  The boot code mapped the first 4 GiB (which also
 * covers the local APIC and IOAPIC); RAM above that is added here.
 */
#include <arch/cpu.h>
#include <arch/paging.h>
#include <arch/pt_entry.h>
#include <skerry/memory.h>
#include <skerry/panic.h>

#define BOOT_MAPPED_LIMIT (4ull << 30)

extern uint64_t boot_pml4[512];

static uint64_t *next_table(uint64_t *table, unsigned index)
{
    if (!(table[index] & PTE_PRESENT)) {
        uint64_t *t = frames_alloc(1);
        if (!t)
            panic("out of memory for page tables");
        table[index] = virt_to_phys(t) | PTE_PRESENT | PTE_WRITE;
    }
    return phys_to_virt(table[index] & PTE_ADDR_MASK);
}

void paging_map_physical(uint64_t max_pa)
{
    for (uint64_t pa = BOOT_MAPPED_LIMIT; pa < max_pa; pa += PAGE_SIZE_2M) {
        uint64_t *pdpt = next_table(boot_pml4, pml4_index(pa));
        uint64_t *pd = next_table(pdpt, pdpt_index(pa));
        pd[pd_index(pa)] = pa | PTE_PRESENT | PTE_WRITE | PTE_LARGE;
    }
    write_cr3(read_cr3());
}
