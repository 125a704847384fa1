/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ACPI tables a domain sees (RSDP, XSDT, MADT, FADT, optional MCFG and
 * a minimal DSDT), built into one caller-provided buffer that the domain
 * will find at guest-physical address buf_gpa: every pointer inside the
 * tables is guest-physical.  Tables the firmware already has (its DSDT,
 * FACS, SSDTs, HPET...) are referenced by address, never copied.
 *
 * Layouts follow the ACPI specification 6.5, section 5.2: RSDP 5.2.5.3,
 * header 5.2.6, XSDT 5.2.8, FADT 5.2.9 (revision 6, 276 bytes), MADT
 * 5.2.12, generic address structure 5.2.3.2; MCFG is the PCI Firmware
 * specification 3.2, 4.1.2.
 */
#ifndef SKERRY_ACPI_BUILD_H
#define SKERRY_ACPI_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_BUILD_OEM_ID       "SKERRY"       /* 6 bytes */
#define ACPI_BUILD_OEM_TABLE_ID "SKERRYVM"     /* 8 bytes */
#define ACPI_BUILD_CREATOR_ID   "SKRY"         /* 4 bytes */
/* FADT "Hypervisor Vendor Identity" (offset 268). */
#define ACPI_BUILD_HYPERVISOR_ID "SKERRYVM"

/* Sanity limits on the inputs (the tables themselves could hold more). */
#define ACPI_BUILD_MAX_VCPUS        1024
#define ACPI_BUILD_MAX_IOAPICS      32
#define ACPI_BUILD_MAX_OVERRIDES    16       /* one per ISA IRQ */
#define ACPI_BUILD_MAX_EXTRA_TABLES 32

/* Generic Address Structure address spaces. */
enum acpi_address_space {
    ACPI_SPACE_MEMORY = 0,
    ACPI_SPACE_IO = 1,
    ACPI_SPACE_PCI_CONFIG = 2,
};

/* A Generic Address Structure (12 bytes in a table). */
struct acpi_gas {
    uint8_t space_id;          /* enum acpi_address_space */
    uint8_t bit_width;
    uint8_t bit_offset;
    uint8_t access_size;       /* 0 undefined, 1 byte, 2 word, 3 dword, 4 qword */
    uint64_t address;
};

/* FADT flags (table 5.10) the vmkernel checks. */
#define ACPI_FADT_WBINVD          (1u << 0)
#define ACPI_FADT_RESET_REG_SUP   (1u << 10)
#define ACPI_FADT_HW_REDUCED_ACPI (1u << 20)

/* FADT IA-PC boot architecture flags (table 5.11). */
#define ACPI_IAPC_LEGACY_DEVICES (1u << 0)
#define ACPI_IAPC_8042           (1u << 1)
#define ACPI_IAPC_NO_VGA         (1u << 2)
#define ACPI_IAPC_NO_MSI         (1u << 3)
#define ACPI_IAPC_NO_ASPM        (1u << 4)
#define ACPI_IAPC_NO_CMOS_RTC    (1u << 5)

/*
 * What the domain's FADT carries over from the machine's (acpi_read_fadt
 * fills it).  The PM blocks are I/O port numbers with their lengths in
 * bytes, as in the 32-bit FADT fields; the builder derives the X_ generic
 * address structures from them.  A zero address means "not present".
 */
struct acpi_fadt_fields {
    uint64_t facs;             /* FIRMWARE_CTRL / X_FIRMWARE_CTRL, 0 = none */
    uint64_t dsdt;             /* DSDT / X_DSDT, 0 = build a minimal DSDT */
    uint8_t preferred_pm_profile;
    uint16_t sci_int;
    uint32_t smi_cmd;
    uint8_t acpi_enable;
    uint8_t acpi_disable;
    uint32_t pm1a_evt_blk, pm1b_evt_blk;
    uint32_t pm1a_cnt_blk, pm1b_cnt_blk;
    uint32_t pm2_cnt_blk;
    uint32_t pm_tmr_blk;
    uint32_t gpe0_blk, gpe1_blk;
    uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
    uint8_t gpe0_blk_len, gpe1_blk_len, gpe1_base;
    uint8_t day_alrm, mon_alrm, century;   /* RTC CMOS indexes, 0 = none */
    uint16_t iapc_boot_arch;
    uint32_t flags;
    struct acpi_gas reset_reg; /* used when flags has ACPI_FADT_RESET_REG_SUP */
    uint8_t reset_value;
};

/* MPS INTI flags of interrupt source overrides and NMI entries. */
#define ACPI_INTI_CONFORMS    0x0
#define ACPI_INTI_ACTIVE_HIGH 0x1
#define ACPI_INTI_ACTIVE_LOW  0x3
#define ACPI_INTI_EDGE        (0x1 << 2)
#define ACPI_INTI_LEVEL       (0x3 << 2)

struct acpi_build_ioapic {
    uint8_t id;
    uint32_t address;
    uint32_t gsi_base;
};

/* ISA IRQ isa_irq is wired to global system interrupt gsi. */
struct acpi_build_override {
    uint8_t isa_irq;
    uint32_t gsi;
    uint16_t flags;            /* ACPI_INTI_* */
};

struct acpi_build_mcfg {
    bool present;
    uint64_t base;             /* ECAM base of segment 0, bus 0 */
    uint8_t start_bus, end_bus;
};

struct acpi_platform {
    /* One processor per vCPU; its ACPI processor UID is its index. */
    const uint32_t *vcpu_apic_ids;
    unsigned nr_vcpus;
    uint32_t lapic_address;    /* MADT local interrupt controller address */
    bool pcat_compat;          /* MADT flag: dual 8259s are present */
    const struct acpi_build_ioapic *ioapics;
    unsigned nr_ioapics;
    /* ISA IRQ0 -> GSI2 is always added unless an entry here covers IRQ0. */
    const struct acpi_build_override *overrides;
    unsigned nr_overrides;
    struct acpi_fadt_fields fadt;
    /*
     * SLP_TYPa/SLP_TYPb of \_S5 in the minimal DSDT (fadt.dsdt == 0), the
     * values the chipset's PM1 control register wants for soft-off: 0 for
     * QEMU's PIIX4 and ICH9, 7 for Intel ICH, 5 on many AMD boards.
     */
    uint8_t s5_slp_typ_a, s5_slp_typ_b;
    struct acpi_build_mcfg mcfg;
    /* More tables for the XSDT, by guest-physical address (SSDT, HPET...). */
    const uint64_t *extra_tables;
    unsigned nr_extra_tables;
};

/* Where things ended up.  gpa fields are 0 for tables not built. */
struct acpi_layout {
    size_t size;               /* bytes used; on "too small", bytes needed */
    size_t rsdp_offset;
    uint64_t rsdp_gpa;
    uint64_t xsdt_gpa;
    uint64_t madt_gpa;
    uint64_t fadt_gpa;
    uint64_t mcfg_gpa;
    uint64_t dsdt_gpa;         /* the DSDT the FADT names (ours or the caller's) */
};

/*
 * Build the tables into buf[0..cap), which the domain sees at buf_gpa
 * (16-byte aligned).  Returns 0, or -1 with *why set and nothing written
 * (out->size then says how much room valid input needs, or 0).
 */
int acpi_build(const struct acpi_platform *p, uint8_t *buf, size_t cap, uint64_t buf_gpa,
               struct acpi_layout *out, const char **why);

/*
 * Read the machine's FADT (len bytes available at table) into *out.  Any
 * revision from ACPI 1.0 (116 bytes) up: a field is used only when the
 * table's length covers it (the revision byte is unreliable, as ACPICA
 * notes).  64-bit X_ blocks win over 32-bit ones when both are set and
 * must be in I/O space.  Returns 0, or -1 with *why set.
 */
int acpi_read_fadt(const uint8_t *table, size_t len, struct acpi_fadt_fields *out,
                   const char **why);

#endif
