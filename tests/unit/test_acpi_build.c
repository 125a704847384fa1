/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host unit tests for the ACPI table builder (lib/boot/acpi_build.c).  Tables
 * are built into a fake physical memory and read back the way an OS does:
 * RSDP -> XSDT -> tables, with a small MADT walker written here from the
 * ACPI 6.5 specification (5.2.5.3 RSDP, 5.2.6 header, 5.2.8 XSDT, 5.2.9
 * FADT table 5.9, 5.2.12 MADT, 20.2 AML) rather than from the builder.
 * The vmkernel's own parser (arch/x86_64/acpi_parse.c) must also accept
 * the result.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arch/acpi_parse.h>
#include <boot/acpi_build.h>
#include "check.h"
#include <boot/le_bytes.h>

#define MEM_SIZE  0x200000u
#define TABLES_AT 0xE0000u          /* in the BIOS area, where Linux also searches */
#define TABLES_CAP 0x10000u

static uint8_t mem[MEM_SIZE];

static const void *read_phys(uint64_t pa, size_t len)
{
    return pa < MEM_SIZE && len <= MEM_SIZE - pa ? mem + pa : NULL;
}

static const uint8_t *at(uint64_t gpa) { return read_phys(gpa, 1); }


static uint8_t sum(const uint8_t *p, size_t len)
{
    uint8_t s = 0;
    for (size_t i = 0; i < len; i++)
        s += p[i];
    return s;
}

/* ---- a platform like QEMU q35's, as the console would see it ---- */

static const uint32_t two_cpus[] = { 0, 1 };
static const struct acpi_build_ioapic one_ioapic[] = { { 0, 0xFEC00000u, 0 } };
/* SCI: ISA IRQ 9, level-triggered, active-high (MPS INTI flags 0x000D). */
static const struct acpi_build_override sci_override[] = { { 9, 9, 0x000D } };

static void q35_fadt(struct acpi_fadt_fields *f)
{
    memset(f, 0, sizeof *f);
    f->sci_int = 9;
    f->smi_cmd = 0xB2;
    f->acpi_enable = 0x02;
    f->acpi_disable = 0x03;
    f->pm1a_evt_blk = 0x600;
    f->pm1_evt_len = 4;
    f->pm1a_cnt_blk = 0x604;
    f->pm1_cnt_len = 2;
    f->pm_tmr_blk = 0x608;
    f->pm_tmr_len = 4;
    f->gpe0_blk = 0x620;
    f->gpe0_blk_len = 16;
    f->century = 0x32;
    f->iapc_boot_arch = 0x0003;          /* legacy devices, 8042 */
    f->flags = (1u << 0) | (1u << 4) | (1u << 5) | (1u << 8) | (1u << 10);
    f->reset_reg = (struct acpi_gas){ 1, 8, 0, 0, 0xCF9 };
    f->reset_value = 0x06;
}

static void q35_platform(struct acpi_platform *p, struct acpi_fadt_fields *f)
{
    memset(p, 0, sizeof *p);
    p->vcpu_apic_ids = two_cpus;
    p->nr_vcpus = 2;
    p->lapic_address = 0xFEE00000u;
    p->pcat_compat = true;
    p->ioapics = one_ioapic;
    p->nr_ioapics = 1;
    p->overrides = sci_override;
    p->nr_overrides = 1;
    q35_fadt(f);
    p->fadt = *f;
    p->s5_slp_typ_a = 5;
    p->s5_slp_typ_b = 5;
    p->mcfg = (struct acpi_build_mcfg){ true, 0xB0000000u, 0, 255 };
}

static int build_at(const struct acpi_platform *p, uint64_t gpa, struct acpi_layout *l,
                    const char **why)
{
    memset(mem, 0, sizeof mem);
    return acpi_build(p, mem + gpa, TABLES_CAP, gpa, l, why);
}

/* ---- an OS-style walk: RSDP, XSDT, tables ---- */

static bool header_ok(const uint8_t *t, const char sig[4])
{
    return t && memcmp(t, sig, 4) == 0 && get32(t + 4) >= 36 && sum(t, get32(t + 4)) == 0 &&
           memcmp(t + 10, "SKERRY", 6) == 0 && memcmp(t + 16, "SKERRYVM", 8) == 0 &&
           memcmp(t + 28, "SKRY", 4) == 0;
}

/* The guest-physical address of the XSDT entry with this signature, or 0. */
static uint64_t xsdt_lookup(const uint8_t *xsdt, const char sig[4])
{
    uint32_t n = (get32(xsdt + 4) - 36) / 8;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t gpa = get64(xsdt + 36 + 8 * i);
        const uint8_t *t = read_phys(gpa, 36);
        if (t && memcmp(t, sig, 4) == 0)
            return gpa;
    }
    return 0;
}

static const uint8_t *check_rsdp_and_xsdt(const struct acpi_layout *l)
{
    const uint8_t *r = at(l->rsdp_gpa);
    CHECK(memcmp(r, "RSD PTR ", 8) == 0, "rsdp: signature");
    CHECK_EQ(sum(r, 20), 0, "rsdp: ACPI 1.0 checksum over 20 bytes");
    CHECK_EQ(r[15], 2, "rsdp: revision 2");
    CHECK_EQ(get32(r + 20), 36, "rsdp: length 36");
    CHECK_EQ(sum(r, 36), 0, "rsdp: extended checksum over 36 bytes");
    CHECK(memcmp(r + 9, "SKERRY", 6) == 0, "rsdp: OEM ID");
    CHECK_EQ(get64(r + 24), l->xsdt_gpa, "rsdp: XSDT address");
    CHECK_EQ(l->rsdp_gpa % 16, 0, "rsdp: 16-byte aligned");
    const uint8_t *x = at(get64(r + 24));
    CHECK(header_ok(x, "XSDT"), "xsdt: signature, checksum, OEM and creator IDs");
    CHECK_EQ(x[8], 1, "xsdt: revision 1");
    return x;
}

/* ---- an independent MADT walker (5.2.12) ---- */

struct madt_cpu { uint8_t type; uint32_t uid, apic_id, flags; };
struct madt_view {
    uint32_t lapic_address, flags;
    struct madt_cpu cpus[16];
    unsigned nr_cpus;
    struct { uint8_t id; uint32_t address, gsi_base; } ioapics[4];
    unsigned nr_ioapics;
    struct { uint8_t bus, source; uint32_t gsi; uint16_t flags; } isos[8];
    unsigned nr_isos;
    struct { uint8_t type; uint32_t uid; uint16_t flags; uint8_t lint; } nmis[4];
    unsigned nr_nmis;
    unsigned unknown;
    bool well_formed;
};

static void view_entry(struct madt_view *v, const uint8_t *e)
{
    switch (e[0]) {
    case 0:     /* Processor Local APIC: UID, APIC ID, flags */
        if (v->nr_cpus < 16)
            v->cpus[v->nr_cpus++] = (struct madt_cpu){ 0, e[2], e[3], get32(e + 4) };
        break;
    case 9:     /* Processor Local x2APIC: reserved(2), x2APIC ID, flags, UID */
        if (v->nr_cpus < 16)
            v->cpus[v->nr_cpus++] = (struct madt_cpu){ 9, get32(e + 12), get32(e + 4), get32(e + 8) };
        break;
    case 1:     /* I/O APIC: ID, reserved, address, GSI base */
        if (v->nr_ioapics < 4) {
            v->ioapics[v->nr_ioapics].id = e[2];
            v->ioapics[v->nr_ioapics].address = get32(e + 4);
            v->ioapics[v->nr_ioapics++].gsi_base = get32(e + 8);
        }
        break;
    case 2:     /* Interrupt Source Override: bus, source, GSI, flags */
        if (v->nr_isos < 8) {
            v->isos[v->nr_isos].bus = e[2];
            v->isos[v->nr_isos].source = e[3];
            v->isos[v->nr_isos].gsi = get32(e + 4);
            v->isos[v->nr_isos++].flags = get16(e + 8);
        }
        break;
    case 4:     /* Local APIC NMI: UID(1), flags(2), LINT#(1) */
        if (v->nr_nmis < 4) {
            v->nmis[v->nr_nmis].type = 4;
            v->nmis[v->nr_nmis].uid = e[2];
            v->nmis[v->nr_nmis].flags = get16(e + 3);
            v->nmis[v->nr_nmis++].lint = e[5];
        }
        break;
    case 10:    /* Local x2APIC NMI: flags(2), UID(4), LINT#(1), reserved(3) */
        if (v->nr_nmis < 4) {
            v->nmis[v->nr_nmis].type = 10;
            v->nmis[v->nr_nmis].flags = get16(e + 2);
            v->nmis[v->nr_nmis].uid = get32(e + 4);
            v->nmis[v->nr_nmis++].lint = e[8];
        }
        break;
    default:
        v->unknown++;
    }
}

/* Expected entry lengths per type (table 5.20 and the structures' tables). */
static unsigned expected_len(uint8_t type)
{
    switch (type) {
    case 0: return 8;
    case 1: return 12;
    case 2: return 10;
    case 4: return 6;
    case 9: return 16;
    case 10: return 12;
    default: return 0;
    }
}

static void view_madt(const uint8_t *t, struct madt_view *v)
{
    memset(v, 0, sizeof *v);
    uint32_t len = get32(t + 4);
    v->lapic_address = get32(t + 36);
    v->flags = get32(t + 40);
    v->well_formed = true;
    uint32_t off = 44;
    while (off < len) {
        const uint8_t *e = t + off;
        if (off + 2 > len || e[1] < 2 || off + e[1] > len || e[1] != expected_len(e[0])) {
            v->well_formed = false;
            return;
        }
        view_entry(v, e);
        off += e[1];
    }
}

/* ---- tests ---- */

static void test_q35_tables(void)
{
    struct acpi_platform p;
    struct acpi_fadt_fields f;
    struct acpi_layout l;
    const char *why = NULL;
    q35_platform(&p, &f);
    int rc = build_at(&p, TABLES_AT, &l, &why);
    CHECK(rc == 0, "q35: builds (%s)", rc ? why : "ok");
    CHECK_EQ(l.rsdp_gpa, TABLES_AT, "q35: RSDP at the buffer's start");
    CHECK(l.size > 0 && l.size <= TABLES_CAP, "q35: size %zu within the buffer", l.size);
    const uint8_t *x = check_rsdp_and_xsdt(&l);
    CHECK_EQ(get32(x + 4), 36 + 3 * 8, "xsdt: three entries (FADT, MADT, MCFG)");
    uint64_t fadt = xsdt_lookup(x, "FACP"), madt = xsdt_lookup(x, "APIC");
    uint64_t mcfg = xsdt_lookup(x, "MCFG");
    CHECK(fadt && fadt == l.fadt_gpa, "xsdt: FADT entry points at the FADT");
    CHECK(madt && madt == l.madt_gpa, "xsdt: MADT entry points at the MADT");
    CHECK(mcfg && mcfg == l.mcfg_gpa, "xsdt: MCFG entry points at the MCFG");
    CHECK_EQ(xsdt_lookup(x, "DSDT"), 0, "xsdt: the DSDT is reached through the FADT only");
    CHECK(header_ok(at(fadt), "FACP"), "fadt: header and checksum");
    CHECK(header_ok(at(madt), "APIC"), "madt: header and checksum");
    CHECK(header_ok(at(mcfg), "MCFG"), "mcfg: header and checksum");
    CHECK(l.rsdp_gpa + l.size <= TABLES_AT + TABLES_CAP, "q35: all tables inside the buffer");
}

static void test_fadt_offsets(void)
{
    struct acpi_platform p;
    struct acpi_fadt_fields f;
    struct acpi_layout l;
    const char *why = NULL;
    q35_platform(&p, &f);
    build_at(&p, TABLES_AT, &l, &why);
    const uint8_t *t = at(l.fadt_gpa);
    CHECK_EQ(get32(t + 4), 276, "fadt: length 276 (revision 6 layout)");
    CHECK_EQ(t[8], 6, "fadt: revision 6");
    CHECK_EQ(get32(t + 40), l.dsdt_gpa, "fadt: DSDT at 40");
    CHECK_EQ(get64(t + 140), l.dsdt_gpa, "fadt: X_DSDT at 140");
    CHECK_EQ(get32(t + 36), 0, "fadt: FIRMWARE_CTRL 0 (no FACS given)");
    CHECK_EQ(get64(t + 132), 0, "fadt: X_FIRMWARE_CTRL 0");
    CHECK_EQ(get16(t + 46), 9, "fadt: SCI_INT at 46");
    CHECK_EQ(get32(t + 48), 0xB2, "fadt: SMI_CMD at 48");
    CHECK_EQ(t[52], 0x02, "fadt: ACPI_ENABLE at 52");
    CHECK_EQ(t[53], 0x03, "fadt: ACPI_DISABLE at 53");
    CHECK_EQ(get32(t + 56), 0x600, "fadt: PM1a_EVT_BLK at 56");
    CHECK_EQ(get32(t + 60), 0, "fadt: PM1b_EVT_BLK at 60 absent");
    CHECK_EQ(get32(t + 64), 0x604, "fadt: PM1a_CNT_BLK at 64");
    CHECK_EQ(get32(t + 76), 0x608, "fadt: PM_TMR_BLK at 76");
    CHECK_EQ(get32(t + 80), 0x620, "fadt: GPE0_BLK at 80");
    CHECK_EQ(t[88], 4, "fadt: PM1_EVT_LEN at 88");
    CHECK_EQ(t[89], 2, "fadt: PM1_CNT_LEN at 89");
    CHECK_EQ(t[91], 4, "fadt: PM_TMR_LEN at 91");
    CHECK_EQ(t[92], 16, "fadt: GPE0_BLK_LEN at 92");
    CHECK(get16(t + 96) > 100, "fadt: P_LVL2_LAT > 100 (no C2)");
    CHECK(get16(t + 98) > 1000, "fadt: P_LVL3_LAT > 1000 (no C3)");
    CHECK_EQ(t[108], 0x32, "fadt: CENTURY at 108");
    CHECK_EQ(get16(t + 109), 0x0003, "fadt: IAPC_BOOT_ARCH at 109");
    CHECK_EQ(get32(t + 112), f.flags, "fadt: flags at 112");
    CHECK(t[116] == 1 && t[117] == 8 && t[118] == 0 && get64(t + 120) == 0xCF9,
          "fadt: RESET_REG at 116 is 8-bit I/O port 0xCF9");
    CHECK_EQ(t[128], 0x06, "fadt: RESET_VALUE at 128");
    /* X_ blocks: GAS = space, bit width, bit offset, access size, address. */
    CHECK(t[148] == 1 && t[149] == 32 && t[150] == 0 && get64(t + 152) == 0x600,
          "fadt: X_PM1a_EVT_BLK at 148 = I/O, 32 bits, 0x600");
    CHECK(t[172] == 1 && t[173] == 16 && t[174] == 0 && get64(t + 176) == 0x604,
          "fadt: X_PM1a_CNT_BLK at 172 = I/O, 16 bits, 0x604");
    CHECK(t[208] == 1 && t[209] == 32 && get64(t + 212) == 0x608,
          "fadt: X_PM_TMR_BLK at 208 = I/O, 32 bits, 0x608");
    CHECK(t[220] == 1 && t[221] == 128 && get64(t + 224) == 0x620,
          "fadt: X_GPE0_BLK at 220 = I/O, 128 bits, 0x620");
    static const uint8_t zero_gas[12];
    CHECK(memcmp(t + 160, zero_gas, 12) == 0 && memcmp(t + 184, zero_gas, 12) == 0 &&
          memcmp(t + 232, zero_gas, 12) == 0, "fadt: absent X_ blocks are all zero");
    CHECK(memcmp(t + 268, "SKERRYVM", 8) == 0, "fadt: hypervisor vendor identity at 268");
}

static void test_minimal_dsdt(void)
{
    struct acpi_platform p;
    struct acpi_fadt_fields f;
    struct acpi_layout l;
    const char *why = NULL;
    /* Name (\_S5, Package () { 5, 5, 0, 0 }): NameOp 08, RootChar 5C, NameSeg
     * "_S5_", PackageOp 12, PkgLength 08 (itself + 7 bytes), NumElements 04,
     * BytePrefix 0A 05 twice, ZeroOp 00 twice (ACPI 6.5, 20.2). */
    static const uint8_t s5_55[] = { 0x08, 0x5C, 0x5F, 0x53, 0x35, 0x5F, 0x12, 0x08,
                                     0x04, 0x0A, 0x05, 0x0A, 0x05, 0x00, 0x00 };
    /* Package () { 0, 0, 0, 0 } as QEMU's PM wants it: ZeroOp only, PkgLength 6. */
    static const uint8_t s5_00[] = { 0x08, 0x5C, 0x5F, 0x53, 0x35, 0x5F, 0x12, 0x06,
                                     0x04, 0x00, 0x00, 0x00, 0x00 };
    q35_platform(&p, &f);
    build_at(&p, TABLES_AT, &l, &why);
    const uint8_t *d = at(l.dsdt_gpa);
    CHECK(header_ok(d, "DSDT"), "dsdt: header and checksum");
    CHECK_EQ(d[8], 2, "dsdt: revision 2 (64-bit AML integers)");
    CHECK_EQ(get32(d + 4), 36 + sizeof s5_55, "dsdt: header + 15 AML bytes");
    CHECK(memcmp(d + 36, s5_55, sizeof s5_55) == 0, "dsdt: Name(\\_S5, Package(){5,5,0,0}) bytes");
    CHECK_EQ(l.dsdt_gpa % 16, 0, "dsdt: aligned");

    p.s5_slp_typ_a = p.s5_slp_typ_b = 0;
    build_at(&p, TABLES_AT, &l, &why);
    d = at(l.dsdt_gpa);
    CHECK(header_ok(d, "DSDT"), "dsdt {0,0}: header and checksum");
    CHECK_EQ(get32(d + 4), 36 + sizeof s5_00, "dsdt {0,0}: header + 13 AML bytes");
    CHECK(memcmp(d + 36, s5_00, sizeof s5_00) == 0, "dsdt: Name(\\_S5, Package(){0,0,0,0}) bytes");
}

static void test_mcfg(void)
{
    struct acpi_platform p;
    struct acpi_fadt_fields f;
    struct acpi_layout l;
    const char *why = NULL;
    q35_platform(&p, &f);
    p.mcfg = (struct acpi_build_mcfg){ true, 0xB0000000u, 0, 63 };
    build_at(&p, TABLES_AT, &l, &why);
    const uint8_t *m = at(l.mcfg_gpa);
    CHECK_EQ(get32(m + 4), 60, "mcfg: 44-byte head + one 16-byte allocation");
    CHECK_EQ(m[8], 1, "mcfg: revision 1");
    CHECK_EQ(get64(m + 44), 0xB0000000u, "mcfg: base address at 44");
    CHECK_EQ(get16(m + 52), 0, "mcfg: segment 0 at 52");
    CHECK(m[54] == 0 && m[55] == 63, "mcfg: bus range 0-63 at 54/55");

    p.mcfg.present = false;
    build_at(&p, TABLES_AT, &l, &why);
    const uint8_t *x = at(l.xsdt_gpa);
    CHECK(l.mcfg_gpa == 0 && xsdt_lookup(x, "MCFG") == 0, "mcfg: absent when not asked for");
    CHECK_EQ(get32(x + 4), 36 + 2 * 8, "xsdt: two entries without MCFG");
}

static void test_madt_q35(void)
{
    struct acpi_platform p;
    struct acpi_fadt_fields f;
    struct acpi_layout l;
    struct madt_view v;
    const char *why = NULL;
    q35_platform(&p, &f);
    build_at(&p, TABLES_AT, &l, &why);
    const uint8_t *t = at(l.madt_gpa);
    view_madt(t, &v);
    CHECK(v.well_formed, "madt: entries tile the table exactly");
    CHECK(t[8] >= 1, "madt: revision");
    CHECK_EQ(v.lapic_address, 0xFEE00000u, "madt: local APIC address");
    CHECK_EQ(v.flags, 1, "madt: PCAT_COMPAT");
    CHECK_EQ(v.nr_cpus, 2, "madt: one processor per vCPU");
    for (unsigned i = 0; i < v.nr_cpus; i++)
        CHECK(v.cpus[i].type == 0 && v.cpus[i].uid == i && v.cpus[i].apic_id == two_cpus[i] &&
              v.cpus[i].flags == 1, "madt: cpu %u is a local APIC entry, UID %u, enabled", i, i);
    CHECK(v.nr_ioapics == 1 && v.ioapics[0].id == 0 && v.ioapics[0].address == 0xFEC00000u &&
          v.ioapics[0].gsi_base == 0, "madt: IOAPIC entry");
    CHECK_EQ(v.nr_isos, 2, "madt: IRQ0 and SCI overrides");
    CHECK(v.isos[0].bus == 0 && v.isos[0].source == 0 && v.isos[0].gsi == 2 && v.isos[0].flags == 0,
          "madt: ISA IRQ0 -> GSI2");
    CHECK(v.isos[1].bus == 0 && v.isos[1].source == 9 && v.isos[1].gsi == 9 &&
          v.isos[1].flags == 0x000D, "madt: ISA IRQ9 -> GSI9 level, active-high");
    CHECK(v.nr_nmis == 1 && v.nmis[0].type == 4 && v.nmis[0].uid == 0xFF && v.nmis[0].lint == 1,
          "madt: one local APIC NMI on LINT1 for all processors");
    CHECK_EQ(v.unknown, 0, "madt: no unexpected entry types");
}

static void test_madt_x2apic(void)
{
    static const uint32_t ids[] = { 0, 254, 255, 0x1000 };
    /* The caller routes IRQ0 itself: no automatic IRQ0 -> GSI2. */
    static const struct acpi_build_override irq0[] = { { 0, 0, 0x0005 } };
    struct acpi_platform p;
    struct acpi_fadt_fields f;
    struct acpi_layout l;
    struct madt_view v;
    const char *why = NULL;
    q35_platform(&p, &f);
    p.vcpu_apic_ids = ids;
    p.nr_vcpus = 4;
    p.overrides = irq0;
    p.nr_overrides = 1;
    p.pcat_compat = false;
    CHECK(build_at(&p, TABLES_AT, &l, &why) == 0, "x2apic: builds");
    const uint8_t *t = at(l.madt_gpa);
    CHECK(header_ok(t, "APIC"), "x2apic: MADT checksum");
    view_madt(t, &v);
    CHECK(v.well_formed && v.nr_cpus == 4, "x2apic: four processors");
    CHECK(v.cpus[0].type == 0 && v.cpus[1].type == 0, "x2apic: ids 0 and 254 are local APIC entries");
    CHECK(v.cpus[2].type == 9 && v.cpus[3].type == 9, "x2apic: ids 255 and 0x1000 are x2APIC entries");
    for (unsigned i = 0; i < 4; i++)
        CHECK(v.cpus[i].uid == i && v.cpus[i].apic_id == ids[i] && v.cpus[i].flags == 1,
              "x2apic: cpu %u UID, ID and enabled flag", i);
    CHECK(v.nr_isos == 1 && v.isos[0].source == 0 && v.isos[0].gsi == 0 && v.isos[0].flags == 5,
          "x2apic: the caller's IRQ0 override replaces IRQ0 -> GSI2");
    CHECK_EQ(v.flags, 0, "x2apic: no PCAT_COMPAT");
    bool lapic_nmi = false, x2apic_nmi = false;
    for (unsigned i = 0; i < v.nr_nmis; i++) {
        lapic_nmi |= v.nmis[i].type == 4 && v.nmis[i].uid == 0xFF && v.nmis[i].lint == 1;
        x2apic_nmi |= v.nmis[i].type == 10 && v.nmis[i].uid == 0xFFFFFFFFu && v.nmis[i].lint == 1;
    }
    CHECK(lapic_nmi && x2apic_nmi, "x2apic: LINT1 NMI entries for both kinds of processor");
}

/* The vmkernel's own reader (arch/x86_64/acpi_parse.c) over the same memory. */
static void test_parser_round_trip(void)
{
    static const uint32_t ids[] = { 0, 1, 2, 300 };
    struct acpi_platform p;
    struct acpi_fadt_fields f;
    struct acpi_layout l;
    struct machine_topology topo;
    const char *why = NULL;
    q35_platform(&p, &f);
    p.vcpu_apic_ids = ids;
    p.nr_vcpus = 4;
    build_at(&p, TABLES_AT, &l, &why);
    uint64_t rsdp = acpi_find_rsdp(read_phys, 0);
    CHECK_EQ(rsdp, TABLES_AT, "round trip: acpi_find_rsdp finds our RSDP");
    CHECK_EQ(acpi_find_table(read_phys, rsdp, "APIC"), l.madt_gpa, "round trip: finds the MADT");
    CHECK_EQ(acpi_find_table(read_phys, rsdp, "FACP"), l.fadt_gpa, "round trip: finds the FADT");
    CHECK_EQ(acpi_find_table(read_phys, rsdp, "MCFG"), l.mcfg_gpa, "round trip: finds the MCFG");
    why = NULL;
    int rc = acpi_parse_madt(read_phys, l.madt_gpa, &topo, &why);
    CHECK(rc == 0, "round trip: acpi_parse_madt accepts the MADT (%s)", why ? why : "ok");
    CHECK_EQ(topo.nr_cpus, 4, "round trip: four CPUs");
    for (unsigned i = 0; i < 4 && i < topo.nr_cpus; i++)
        CHECK_EQ(topo.cpu_apic_ids[i], ids[i], "round trip: cpu %u APIC ID", i);
    CHECK_EQ(topo.lapic_address, 0xFEE00000u, "round trip: local APIC address");
    CHECK(topo.nr_ioapics == 1 && topo.ioapics[0].address == 0xFEC00000u,
          "round trip: the IOAPIC");
    CHECK(topo.nr_overrides == 2 && topo.overrides[0].source == 0 && topo.overrides[0].gsi == 2 &&
          topo.overrides[1].source == 9 && topo.overrides[1].flags == 0x000D,
          "round trip: the overrides");
}

static void test_referenced_tables(void)
{
    static const uint64_t extra[] = { 0x7FFE1000u, 0x123456000ull };
    struct acpi_platform p;
    struct acpi_fadt_fields f;
    struct acpi_layout l, l_min;
    const char *why = NULL;
    q35_platform(&p, &f);
    build_at(&p, TABLES_AT, &l_min, &why);
    p.fadt.dsdt = 0x7FFE0040u;
    p.fadt.facs = 0x7FFE0000u;
    p.extra_tables = extra;
    p.nr_extra_tables = 2;
    CHECK(build_at(&p, TABLES_AT, &l, &why) == 0, "firmware DSDT: builds");
    const uint8_t *t = at(l.fadt_gpa);
    CHECK(get32(t + 40) == 0x7FFE0040u && get64(t + 140) == 0x7FFE0040u,
          "firmware DSDT: DSDT and X_DSDT reference it");
    CHECK(get32(t + 36) == 0x7FFE0000u && get64(t + 132) == 0x7FFE0000u,
          "firmware FACS: FIRMWARE_CTRL and X_FIRMWARE_CTRL reference it");
    CHECK_EQ(l.dsdt_gpa, 0x7FFE0040u, "firmware DSDT: layout reports it");
    bool dsdt_built = false;
    for (size_t off = 0; off + 4 <= l.size; off += 16)
        dsdt_built |= memcmp(at(TABLES_AT + off), "DSDT", 4) == 0;
    CHECK(!dsdt_built && l.size < l_min.size + 2 * 8, "firmware DSDT: no DSDT built");
    const uint8_t *x = at(l.xsdt_gpa);
    uint32_t n = (get32(x + 4) - 36) / 8;
    CHECK_EQ(n, 5, "extra tables: XSDT has FADT, MADT, MCFG and two more");
    CHECK(n == 5 && get64(x + 36 + 3 * 8) == extra[0] && get64(x + 36 + 4 * 8) == extra[1],
          "extra tables: passed through by address, in order");
    CHECK(header_ok(x, "XSDT"), "extra tables: XSDT checksum");

    p.fadt.dsdt = 0x100000000ull + 0x40;
    p.fadt.facs = 0x100000000ull;
    build_at(&p, TABLES_AT, &l, &why);
    t = at(l.fadt_gpa);
    CHECK(get32(t + 40) == 0 && get64(t + 140) == 0x100000040ull,
          "DSDT above 4 GiB: only X_DSDT");
    CHECK(get32(t + 36) == 0 && get64(t + 132) == 0x100000000ull,
          "FACS above 4 GiB: only X_FIRMWARE_CTRL");
    CHECK(header_ok(t, "FACP"), "DSDT above 4 GiB: FADT checksum");
}

static void test_buffer_too_small(void)
{
    struct acpi_platform p;
    struct acpi_fadt_fields f;
    struct acpi_layout l;
    const char *why = NULL;
    q35_platform(&p, &f);
    int rc = acpi_build(&p, NULL, 0, TABLES_AT, &l, &why);
    CHECK(rc == -1 && why, "too small: no buffer fails (%s)", why ? why : "");
    size_t need = l.size;
    CHECK(need > 36, "too small: reports the size needed (%zu)", need);
    /* Exactly-sized heap blocks: AddressSanitizer catches any write past cap. */
    uint8_t *small = malloc(need - 1);
    memset(small, 0xA5, need - 1);
    why = NULL;
    CHECK(acpi_build(&p, small, need - 1, TABLES_AT, &l, &why) == -1 && why,
          "too small: one byte short fails");
    bool untouched = true;
    for (size_t i = 0; i < need - 1; i++)
        untouched &= small[i] == 0xA5;
    CHECK(untouched, "too small: nothing written");
    free(small);
    uint8_t *exact = malloc(need);
    CHECK(acpi_build(&p, exact, need, TABLES_AT, &l, &why) == 0 && l.size == need,
          "too small: exactly the size needed works");
    free(exact);
}

static void expect_reject(const struct acpi_platform *p, uint64_t gpa, const char *what)
{
    struct acpi_layout l;
    const char *why = NULL;
    memset(mem, 0x5A, 64);
    int rc = acpi_build(p, mem, TABLES_CAP, gpa, &l, &why);
    CHECK(rc == -1 && why && mem[0] == 0x5A, "rejects %s (%s)", what, why ? why : "no reason");
}

static void test_bad_input(void)
{
    static const uint32_t dup_ids[] = { 3, 3 };
    static const uint32_t broadcast[] = { 0xFFFFFFFFu };
    static const struct acpi_build_override bad_flags[] = { { 9, 9, 0x0002 } };
    static const struct acpi_build_override dup_irq[] = { { 9, 9, 0xD }, { 9, 10, 0xD } };
    static const struct acpi_build_override not_isa[] = { { 16, 16, 0 } };
    static const struct acpi_build_ioapic zero_ioapic[] = { { 0, 0, 0 } };
    static const uint64_t zero_table[] = { 0 };
    struct acpi_platform good, p;
    struct acpi_fadt_fields f;
    q35_platform(&good, &f);

    p = good; p.nr_vcpus = 0;                          expect_reject(&p, TABLES_AT, "no vCPUs");
    p = good; p.vcpu_apic_ids = dup_ids;               expect_reject(&p, TABLES_AT, "duplicate APIC IDs");
    p = good; p.vcpu_apic_ids = broadcast; p.nr_vcpus = 1;
    expect_reject(&p, TABLES_AT, "APIC ID 0xFFFFFFFF");
    p = good; p.overrides = bad_flags;                 expect_reject(&p, TABLES_AT, "reserved INTI flags");
    p = good; p.overrides = dup_irq; p.nr_overrides = 2;
    expect_reject(&p, TABLES_AT, "two overrides of one IRQ");
    p = good; p.overrides = not_isa;                   expect_reject(&p, TABLES_AT, "override of IRQ 16");
    p = good; p.ioapics = zero_ioapic;                 expect_reject(&p, TABLES_AT, "IOAPIC at 0");
    p = good; p.lapic_address = 0;                     expect_reject(&p, TABLES_AT, "LAPIC at 0");
    p = good; p.fadt.pm1_evt_len = 3;                  expect_reject(&p, TABLES_AT, "PM1 event length 3");
    p = good; p.fadt.pm_tmr_len = 3;                   expect_reject(&p, TABLES_AT, "PM timer length 3");
    p = good; p.fadt.gpe0_blk_len = 7;                 expect_reject(&p, TABLES_AT, "odd GPE0 length");
    p = good; p.fadt.flags |= 1u << 20;                expect_reject(&p, TABLES_AT, "HW-reduced with PM blocks");
    p = good; p.fadt.reset_reg.bit_width = 16;         expect_reject(&p, TABLES_AT, "16-bit reset register");
    p = good; p.fadt.reset_reg.address = 0;            expect_reject(&p, TABLES_AT, "reset flag without register");
    p = good; p.s5_slp_typ_a = 8;                      expect_reject(&p, TABLES_AT, "SLP_TYP 8");
    p = good; p.mcfg.start_bus = 10; p.mcfg.end_bus = 9;
    expect_reject(&p, TABLES_AT, "MCFG end bus below start bus");
    p = good; p.mcfg.base = 0xB0080000u;               expect_reject(&p, TABLES_AT, "MCFG base not 1 MiB aligned");
    p = good; p.extra_tables = zero_table; p.nr_extra_tables = 1;
    expect_reject(&p, TABLES_AT, "extra table at 0");
    p = good;                                          expect_reject(&p, TABLES_AT + 8, "unaligned buffer");

    /* An SLP_TYP of 8 does not matter when the firmware's DSDT is used. */
    struct acpi_layout l;
    const char *why = NULL;
    p = good; p.s5_slp_typ_a = 8; p.fadt.dsdt = 0x7FFE0000u;
    CHECK(build_at(&p, TABLES_AT, &l, &why) == 0, "firmware DSDT: _S5 values unused");
    /* Hardware-reduced without PM blocks is fine. */
    p = good;
    memset(&p.fadt, 0, sizeof p.fadt);
    p.fadt.flags = 1u << 20;
    CHECK(build_at(&p, TABLES_AT, &l, &why) == 0, "hardware-reduced FADT without PM blocks");
}

/* ---- reading firmware FADTs, written here byte by byte per table 5.9 ---- */

static void seal_table(uint8_t *t)
{
    t[9] = 0;
    t[9] = (uint8_t)-sum(t, get32(t + 4));
}

static void fadt_header(uint8_t *t, uint32_t len, uint8_t revision)
{
    memset(t, 0, len);
    memcpy(t, "FACP", 4);
    put32(t + 4, len);
    t[8] = revision;
    memcpy(t + 10, "BOCHS ", 6);
}

static void gas(uint8_t *g, uint8_t space, uint8_t width, uint64_t addr)
{
    g[0] = space;
    g[1] = width;
    g[2] = 0;
    g[3] = 0;
    put64(g + 4, addr);
}

/* An ACPI 1.0 FADT (revision 1, 116 bytes), PIIX4-style. */
static void make_fadt_v1(uint8_t t[116])
{
    fadt_header(t, 116, 1);
    put32(t + 36, 0x07FE0000u);      /* FIRMWARE_CTRL */
    put32(t + 40, 0x07FE0040u);      /* DSDT */
    t[44] = 1;                       /* INT_MODEL (ACPI 1.0) */
    t[45] = 7;                       /* reserved in 1.0: must be ignored */
    put16(t + 46, 9);                /* SCI_INT */
    put32(t + 48, 0xB2);             /* SMI_CMD */
    t[52] = 0xF1;
    t[53] = 0xF0;
    put32(t + 56, 0xB000);           /* PM1a_EVT_BLK */
    put32(t + 64, 0xB004);           /* PM1a_CNT_BLK */
    put32(t + 76, 0xB008);           /* PM_TMR_BLK */
    put32(t + 80, 0xAFE0);           /* GPE0_BLK */
    t[88] = 4;
    t[89] = 2;
    t[91] = 4;
    t[92] = 4;
    t[108] = 0x32;                   /* CENTURY */
    put16(t + 109, 0xBEEF);          /* reserved in 1.0 */
    put32(t + 112, (1u << 0) | (1u << 10));   /* WBINVD; bit 10 undefined in 1.0 */
    seal_table(t);
}

static void test_read_fadt_v1(void)
{
    uint8_t t[116];
    struct acpi_fadt_fields f;
    const char *why = NULL;
    make_fadt_v1(t);
    int rc = acpi_read_fadt(t, sizeof t, &f, &why);
    CHECK(rc == 0, "fadt 1.0: read (%s)", rc ? why : "ok");
    CHECK(f.facs == 0x07FE0000u && f.dsdt == 0x07FE0040u, "fadt 1.0: FACS and DSDT");
    CHECK(f.sci_int == 9 && f.smi_cmd == 0xB2 && f.acpi_enable == 0xF1 && f.acpi_disable == 0xF0,
          "fadt 1.0: SCI and SMI command");
    CHECK(f.pm1a_evt_blk == 0xB000 && f.pm1_evt_len == 4, "fadt 1.0: PM1a event block");
    CHECK(f.pm1a_cnt_blk == 0xB004 && f.pm1_cnt_len == 2, "fadt 1.0: PM1a control block");
    CHECK(f.pm_tmr_blk == 0xB008 && f.pm_tmr_len == 4, "fadt 1.0: PM timer");
    CHECK(f.gpe0_blk == 0xAFE0 && f.gpe0_blk_len == 4, "fadt 1.0: GPE0");
    CHECK(f.pm1b_evt_blk == 0 && f.gpe1_blk == 0, "fadt 1.0: absent blocks");
    CHECK_EQ(f.century, 0x32, "fadt 1.0: century");
    CHECK(f.iapc_boot_arch == 0 && f.preferred_pm_profile == 0,
          "fadt 1.0: reserved bytes at 45 and 109 ignored");
    CHECK_EQ(f.flags, 1u, "fadt 1.0: no reset register flag without a reset register");
    CHECK_EQ(f.reset_reg.address, 0, "fadt 1.0: no reset register");

    /* Its fields must be usable to build the console's FADT. */
    struct acpi_platform p;
    struct acpi_fadt_fields q;
    struct acpi_layout l;
    q35_platform(&p, &q);
    p.fadt = f;
    CHECK(build_at(&p, TABLES_AT, &l, &why) == 0, "fadt 1.0: fields build a FADT");
    CHECK_EQ(get32(at(l.fadt_gpa) + 64), 0xB004, "fadt 1.0: PM1a_CNT_BLK carried over");
}

/* A revision 6 FADT (276 bytes) with 64-bit fields that win over 32-bit ones. */
static void make_fadt_v6(uint8_t t[276])
{
    fadt_header(t, 276, 6);
    put32(t + 36, 0x7FFD0000u);      /* FIRMWARE_CTRL; X_FIRMWARE_CTRL 0 */
    put32(t + 40, 0x7FFE0000u);      /* DSDT, superseded by X_DSDT */
    t[45] = 4;                       /* enterprise server */
    put16(t + 46, 9);
    put32(t + 48, 0xB2);
    t[52] = 0x02;
    t[53] = 0x03;
    put32(t + 64, 0x604);            /* PM1a_CNT_BLK, also in X_ */
    put32(t + 80, 0x620);
    t[88] = 0;                       /* PM1_EVT_LEN left 0: take X_ bit width */
    t[89] = 2;
    t[92] = 16;
    put16(t + 109, 0x0003);
    put32(t + 112, (1u << 0) | (1u << 10));
    gas(t + 116, 1, 8, 0xCF9);       /* RESET_REG */
    t[128] = 0x06;
    t[131] = 5;                      /* FADT minor version */
    put64(t + 140, 0x123450000ull);  /* X_DSDT above 4 GiB */
    gas(t + 148, 1, 32, 0x600);      /* X_PM1a_EVT_BLK only in 64-bit form */
    gas(t + 172, 1, 16, 0x604);      /* X_PM1a_CNT_BLK */
    gas(t + 208, 1, 32, 0x608);      /* X_PM_TMR_BLK only in 64-bit form */
    gas(t + 220, 1, 128, 0x620);     /* X_GPE0_BLK */
    seal_table(t);
}

static void test_read_fadt_v6(void)
{
    uint8_t t[276 + 8];
    struct acpi_fadt_fields f;
    const char *why = NULL;
    make_fadt_v6(t);
    int rc = acpi_read_fadt(t, sizeof t, &f, &why);
    CHECK(rc == 0, "fadt 6: read (%s)", rc ? why : "ok");
    CHECK_EQ(f.dsdt, 0x123450000ull, "fadt 6: X_DSDT wins over DSDT");
    CHECK_EQ(f.facs, 0x7FFD0000u, "fadt 6: FIRMWARE_CTRL when X_FIRMWARE_CTRL is 0");
    CHECK_EQ(f.preferred_pm_profile, 4, "fadt 6: preferred PM profile");
    CHECK(f.pm1a_evt_blk == 0x600 && f.pm1_evt_len == 4, "fadt 6: PM1a event block from X_ only");
    CHECK(f.pm1a_cnt_blk == 0x604 && f.pm1_cnt_len == 2, "fadt 6: PM1a control block");
    CHECK(f.pm_tmr_blk == 0x608 && f.pm_tmr_len == 4, "fadt 6: PM timer from X_ only");
    CHECK(f.gpe0_blk == 0x620 && f.gpe0_blk_len == 16, "fadt 6: GPE0");
    CHECK_EQ(f.iapc_boot_arch, 0x0003, "fadt 6: IAPC_BOOT_ARCH");
    CHECK(f.flags & (1u << 10), "fadt 6: reset register supported");
    CHECK(f.reset_reg.space_id == 1 && f.reset_reg.bit_width == 8 && f.reset_reg.address == 0xCF9 &&
          f.reset_value == 6, "fadt 6: reset register and value");

    /* A memory-mapped PM block cannot be expressed as a port number. */
    gas(t + 208, 0, 32, 0xFED00000u);
    seal_table(t);
    CHECK(acpi_read_fadt(t, sizeof t, &f, &why) == -1, "fadt 6: memory-space PM timer refused");
}

static void test_read_fadt_errors(void)
{
    uint8_t t[276];
    struct acpi_fadt_fields f;
    const char *why = NULL;
    make_fadt_v6(t);
    CHECK(acpi_read_fadt(t, 275, &f, &why) == -1, "fadt: length beyond the bytes given");
    CHECK(acpi_read_fadt(t, 20, &f, &why) == -1, "fadt: shorter than a header");
    t[100] ^= 1;
    CHECK(acpi_read_fadt(t, sizeof t, &f, &why) == -1, "fadt: bad checksum");
    make_fadt_v6(t);
    memcpy(t, "APIC", 4);
    seal_table(t);
    CHECK(acpi_read_fadt(t, sizeof t, &f, &why) == -1, "fadt: wrong signature");
    make_fadt_v6(t);
    put32(t + 4, 100);
    seal_table(t);
    CHECK(acpi_read_fadt(t, sizeof t, &f, &why) == -1, "fadt: 100 bytes is shorter than ACPI 1.0");
}

/* Our own FADT read back gives the fields it was built from. */
static void test_build_read_round_trip(void)
{
    struct acpi_platform p;
    struct acpi_fadt_fields in, out;
    struct acpi_layout l;
    const char *why = NULL;
    q35_platform(&p, &in);
    p.fadt.facs = in.facs = 0x7FFD0000u;
    p.fadt.dsdt = in.dsdt = 0x7FFE0000u;
    build_at(&p, TABLES_AT, &l, &why);
    CHECK(acpi_read_fadt(at(l.fadt_gpa), 276, &out, &why) == 0, "fadt round trip: read");
    CHECK(in.facs == out.facs && in.dsdt == out.dsdt && in.sci_int == out.sci_int &&
          in.smi_cmd == out.smi_cmd && in.acpi_enable == out.acpi_enable &&
          in.acpi_disable == out.acpi_disable && in.pm1a_evt_blk == out.pm1a_evt_blk &&
          in.pm1_evt_len == out.pm1_evt_len && in.pm1a_cnt_blk == out.pm1a_cnt_blk &&
          in.pm1_cnt_len == out.pm1_cnt_len && in.pm_tmr_blk == out.pm_tmr_blk &&
          in.pm_tmr_len == out.pm_tmr_len && in.gpe0_blk == out.gpe0_blk &&
          in.gpe0_blk_len == out.gpe0_blk_len && in.pm1b_evt_blk == out.pm1b_evt_blk &&
          in.gpe1_blk == out.gpe1_blk && in.flags == out.flags &&
          in.reset_reg.space_id == out.reset_reg.space_id &&
          in.reset_reg.bit_width == out.reset_reg.bit_width &&
          in.reset_reg.address == out.reset_reg.address && in.reset_value == out.reset_value &&
          in.century == out.century && in.iapc_boot_arch == out.iapc_boot_arch,
          "fadt round trip: same fields");
}

int main(void)
{
    test_q35_tables();
    test_fadt_offsets();
    test_minimal_dsdt();
    test_mcfg();
    test_madt_q35();
    test_madt_x2apic();
    test_parser_round_trip();
    test_referenced_tables();
    test_buffer_too_small();
    test_bad_input();
    test_read_fadt_v1();
    test_read_fadt_v6();
    test_read_fadt_errors();
    test_build_read_round_trip();
    CHECK_DONE();
}
