/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading the machine's ACPI tables (firmware-provided) to find the CPUs
 * and the IOAPIC.  Physical memory is read through an accessor so the
 * parser can be unit-tested; every length and checksum is verified.
 */
#ifndef ARCH_ACPI_PARSE_H
#define ARCH_ACPI_PARSE_H

#include <stdint.h>
#include <skerry/multiboot.h>

#define ACPI_MAX_CPUS    64
#define ACPI_MAX_IOAPICS 8

struct acpi_ioapic {
    uint8_t id;
    uint32_t address;
    uint32_t gsi_base;
};

struct acpi_irq_override {
    uint8_t source;           /* ISA IRQ */
    uint32_t gsi;
    uint16_t flags;           /* MPS INTI flags: polarity, trigger */
};

struct machine_topology {
    uint32_t lapic_address;
    uint32_t cpu_apic_ids[ACPI_MAX_CPUS];
    unsigned nr_cpus;
    struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
    unsigned nr_ioapics;
    struct acpi_irq_override overrides[16];
    unsigned nr_overrides;
};

/* Search the BIOS areas for the RSDP; returns its address or 0. */
uint64_t acpi_find_rsdp(phys_reader_fn read_phys, uint64_t ebda_pa);
/* Physical address of the table with this signature, or 0. */
uint64_t acpi_find_table(phys_reader_fn read_phys, uint64_t rsdp_pa, const char sig[4]);
/* Parse the MADT at madt_pa; returns 0 or -1 with *why set. */
int acpi_parse_madt(phys_reader_fn read_phys, uint64_t madt_pa, struct machine_topology *out,
                    const char **why);

#endif
