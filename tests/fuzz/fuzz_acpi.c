/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target for the firmware ACPI table reader
 * (arch/x86_64/acpi_parse.c).  The input is a fake physical memory image
 * at physical address 0; the reader hands out a pointer only when
 * [pa, pa + len) lies wholly inside it.  The target
 *   - searches for the RSDP with the "EBDA" at EBDA_PA (the BIOS area at
 *     0xE0000 is searched too; it lies inside only very large inputs),
 *   - looks up the MADT ("APIC") and the FADT ("FACP") through the RSDP it
 *     found, and through an RSDP assumed at address 0 (acpi_find_table
 *     trusts its caller to have validated the RSDP, so this reaches the
 *     RSDT/XSDT walk without forging an RSDP checksum first),
 *   - parses the MADT it found, and the input itself as an MADT at 0.
 * Invariants: returned addresses point at what they claim inside the
 * input; a parsed topology respects ACPI_MAX_CPUS, ACPI_MAX_IOAPICS and
 * the override table size, and lists at least one CPU.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arch/acpi_parse.h>
#include "fuzz.h"

#define EBDA_PA 0x10u

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint8_t sum(const uint8_t *p, size_t len)
{
    uint8_t s = 0;
    for (size_t i = 0; i < len; i++)
        s += p[i];
    return s;
}

/* A table acpi_find_table returned: inside the input, signed, checksummed. */
static void check_table(uint64_t pa, const char sig[4])
{
    FUZZ_ASSERT(pa < fuzz_mem_size && fuzz_mem_size - pa >= 36);
    const uint8_t *t = fuzz_mem + pa;
    FUZZ_ASSERT(memcmp(t, sig, 4) == 0);
    uint32_t len = get32(t + 4);
    FUZZ_ASSERT(len >= 36 && len <= fuzz_mem_size - pa);
    FUZZ_ASSERT(sum(t, len) == 0);
}

static void check_madt(uint64_t pa)
{
    static struct machine_topology topo;
    const char *why = NULL;
    int rc = acpi_parse_madt(fuzz_read_phys, pa, &topo, &why);
    if (rc != 0) {
        FUZZ_ASSERT(rc == -1);
        FUZZ_ASSERT(why != NULL && why[0] != '\0');
        return;
    }
    FUZZ_ASSERT(topo.nr_cpus >= 1 && topo.nr_cpus <= ACPI_MAX_CPUS);
    FUZZ_ASSERT(topo.nr_ioapics <= ACPI_MAX_IOAPICS);
    FUZZ_ASSERT(topo.nr_overrides <= sizeof topo.overrides / sizeof topo.overrides[0]);
    FUZZ_ASSERT(pa + 44 <= fuzz_mem_size);
    FUZZ_ASSERT(topo.lapic_address == get32(fuzz_mem + pa + 36));
}

static void walk(uint64_t rsdp_pa)
{
    uint64_t madt = acpi_find_table(fuzz_read_phys, rsdp_pa, "APIC");
    if (madt) {
        check_table(madt, "APIC");
        check_madt(madt);
    }
    uint64_t fadt = acpi_find_table(fuzz_read_phys, rsdp_pa, "FACP");
    if (fadt)
        check_table(fadt, "FACP");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_mem = data;
    fuzz_mem_size = size;

    uint64_t rsdp = acpi_find_rsdp(fuzz_read_phys, EBDA_PA);
    if (rsdp) {
        FUZZ_ASSERT(rsdp % 16 == 0);
        FUZZ_ASSERT((rsdp >= EBDA_PA && rsdp < EBDA_PA + 1024) ||
                    (rsdp >= 0xE0000 && rsdp < 0x100000));
        FUZZ_ASSERT(rsdp < fuzz_mem_size && fuzz_mem_size - rsdp >= 20);
        FUZZ_ASSERT(memcmp(fuzz_mem + rsdp, "RSD PTR ", 8) == 0);
        FUZZ_ASSERT(sum(fuzz_mem + rsdp, 20) == 0);
        walk(rsdp);
    }
    walk(0);
    check_madt(0);
    return 0;
}
