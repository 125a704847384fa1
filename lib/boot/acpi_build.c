/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ACPI tables a domain sees (see boot/acpi_build.h).  The layout is
 * planned first, so bad input or a buffer that is too small is refused
 * before a byte is written.  Offsets and encodings follow ACPI 6.5
 * chapter 5 and, for the DSDT's AML, chapter 20.
 */
#include <string.h>
#include <boot/acpi_build.h>
#include <boot/le_bytes.h>

#define HEADER_LEN   36
#define RSDP_V1_LEN  20          /* the part the ACPI 1.0 checksum covers */
#define RSDP_LEN     36
#define FADT_LEN     276         /* revision 6 */
#define FADT_V1_LEN  116         /* ACPI 1.0 */
#define FADT_V2_LEN  132         /* up to MINOR_VERSION: ACPICA's "V2 size" */
#define MCFG_LEN     60
#define MADT_FIXED   44          /* header + local APIC address + flags */
#define TABLE_ALIGN  16
#define GAS_LEN      12

#define RSDP_REVISION 2
#define XSDT_REVISION 1
#define MADT_REVISION 5          /* ACPI 6.3/6.4 */
#define FADT_REVISION 6
#define FADT_MINOR    4          /* ACPI 6.4 */
#define MCFG_REVISION 1
#define DSDT_REVISION 2          /* 2 and up: AML integers are 64-bit */
#define OEM_REVISION     1
#define CREATOR_REVISION 1

/* MADT interrupt controller structures (5.2.12): type and length. */
enum madt_type {
    MADT_LAPIC = 0, MADT_IOAPIC = 1, MADT_OVERRIDE = 2, MADT_LAPIC_NMI = 4,
    MADT_X2APIC = 9, MADT_X2APIC_NMI = 10,
};
#define LAPIC_LEN      8
#define IOAPIC_LEN     12
#define OVERRIDE_LEN   10
#define LAPIC_NMI_LEN  6
#define X2APIC_LEN     16
#define X2APIC_NMI_LEN 12

#define MADT_CPU_ENABLED  1u
#define MADT_PCAT_COMPAT  1u
#define FIRST_X2APIC_ID   255u        /* 255 and up need x2APIC entries */
#define MAX_LAPIC_UID     254u        /* 0xFF in an NMI entry means "all" */
#define ALL_CPUS_UID8     0xFFu
#define ALL_CPUS_UID32    0xFFFFFFFFu
#define NMI_LINT          1
#define NMI_FLAGS         (ACPI_INTI_ACTIVE_HIGH | ACPI_INTI_EDGE)
#define ISA_IRQS          16
#define TIMER_IRQ         0
#define TIMER_GSI         2

/* FADT offsets (table 5.9). */
enum fadt_offset {
    FADT_FIRMWARE_CTRL = 36, FADT_DSDT = 40, FADT_PM_PROFILE = 45, FADT_SCI_INT = 46,
    FADT_SMI_CMD = 48, FADT_ACPI_ENABLE = 52, FADT_ACPI_DISABLE = 53,
    FADT_GPE1_BASE = 94, FADT_P_LVL2_LAT = 96, FADT_P_LVL3_LAT = 98,
    FADT_DAY_ALRM = 106, FADT_MON_ALRM = 107, FADT_CENTURY = 108,
    FADT_IAPC_BOOT_ARCH = 109, FADT_FLAGS = 112, FADT_RESET_REG = 116,
    FADT_RESET_VALUE = 128, FADT_MINOR_VERSION = 131, FADT_X_FIRMWARE_CTRL = 132,
    FADT_X_DSDT = 140, FADT_HYPERVISOR_ID = 268,
};
/* P_LVLx_LAT above these say "C2/C3 not supported": vCPUs only HLT. */
#define NO_C2_LATENCY 101
#define NO_C3_LATENCY 1001

/*
 * The eight power-management blocks: where their 32-bit address, length
 * and X_ generic address live in the FADT and in struct acpi_fadt_fields.
 */
struct pm_block {
    uint16_t addr_at, len_at, gas_at;
    size_t addr_field, len_field;
    uint8_t min_len, max_len;
    bool even;
    const char *bad_len;
};
#define FIELD(name) offsetof(struct acpi_fadt_fields, name)
static const struct pm_block pm_blocks[] = {
    { 56, 88, 148, FIELD(pm1a_evt_blk), FIELD(pm1_evt_len), 4, 31, true,
      "FADT PM1 event block length must be an even number >= 4" },
    { 60, 88, 160, FIELD(pm1b_evt_blk), FIELD(pm1_evt_len), 4, 31, true,
      "FADT PM1 event block length must be an even number >= 4" },
    { 64, 89, 172, FIELD(pm1a_cnt_blk), FIELD(pm1_cnt_len), 2, 31, false,
      "FADT PM1 control block length must be >= 2" },
    { 68, 89, 184, FIELD(pm1b_cnt_blk), FIELD(pm1_cnt_len), 2, 31, false,
      "FADT PM1 control block length must be >= 2" },
    { 72, 90, 196, FIELD(pm2_cnt_blk), FIELD(pm2_cnt_len), 1, 31, false,
      "FADT PM2 control block length must be >= 1" },
    { 76, 91, 208, FIELD(pm_tmr_blk), FIELD(pm_tmr_len), 4, 4, false,
      "FADT PM timer block length must be 4" },
    /* GPE blocks may exceed 31 bytes: ACPICA then uses bit width 255. */
    { 80, 92, 220, FIELD(gpe0_blk), FIELD(gpe0_blk_len), 2, 255, true,
      "FADT GPE0 block length must be even and non-zero" },
    { 84, 93, 232, FIELD(gpe1_blk), FIELD(gpe1_blk_len), 2, 255, true,
      "FADT GPE1 block length must be even and non-zero" },
};
#define NR_PM_BLOCKS (sizeof pm_blocks / sizeof pm_blocks[0])

/* ---- little-endian access and checksums ---- */


static uint8_t sum_bytes(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += p[i];
    return sum;
}

/* Make the len bytes at p add up to 0 by setting p[at] (which is in range). */
static void seal(uint8_t *p, size_t len, size_t at)
{
    p[at] = 0;
    p[at] = (uint8_t)-sum_bytes(p, len);
}

static size_t align_up(size_t v, size_t a) { return (v + a - 1) & ~(a - 1); }

static uint32_t low32_or_zero(uint64_t addr) { return addr >> 32 ? 0 : (uint32_t)addr; }

/* ---- input checks ---- */

static bool needs_x2apic(uint32_t apic_id) { return apic_id >= FIRST_X2APIC_ID; }

static bool check_vcpus(const struct acpi_platform *p, const char **why)
{
    if (p->nr_vcpus == 0 || !p->vcpu_apic_ids) {
        *why = "no vCPUs";
        return false;
    }
    if (p->nr_vcpus > ACPI_BUILD_MAX_VCPUS) {
        *why = "too many vCPUs";
        return false;
    }
    for (unsigned i = 0; i < p->nr_vcpus; i++) {
        uint32_t id = p->vcpu_apic_ids[i];
        if (id == ALL_CPUS_UID32) {
            *why = "APIC ID 0xFFFFFFFF is the x2APIC broadcast ID";
            return false;
        }
        if (!needs_x2apic(id) && i > MAX_LAPIC_UID) {
            *why = "a vCPU index above 254 cannot be a local APIC entry's UID";
            return false;
        }
        for (unsigned j = 0; j < i; j++)
            if (p->vcpu_apic_ids[j] == id) {
                *why = "two vCPUs have the same APIC ID";
                return false;
            }
    }
    return true;
}

static bool check_ioapics(const struct acpi_platform *p, const char **why)
{
    if (p->nr_ioapics > ACPI_BUILD_MAX_IOAPICS || (p->nr_ioapics && !p->ioapics)) {
        *why = "bad IOAPIC list";
        return false;
    }
    for (unsigned i = 0; i < p->nr_ioapics; i++) {
        if (p->ioapics[i].address == 0) {
            *why = "IOAPIC address is 0";
            return false;
        }
        for (unsigned j = 0; j < i; j++)
            if (p->ioapics[j].id == p->ioapics[i].id) {
                *why = "two IOAPICs have the same ID";
                return false;
            }
    }
    return true;
}

/* Polarity and trigger mode 2 are reserved; bits 4-15 must be 0. */
static bool valid_inti_flags(uint16_t flags)
{
    return (flags & 0x3) != 2 && ((flags >> 2) & 0x3) != 2 && (flags >> 4) == 0;
}

static bool check_overrides(const struct acpi_platform *p, const char **why)
{
    if (p->nr_overrides > ACPI_BUILD_MAX_OVERRIDES || (p->nr_overrides && !p->overrides)) {
        *why = "bad interrupt source override list";
        return false;
    }
    for (unsigned i = 0; i < p->nr_overrides; i++) {
        const struct acpi_build_override *o = &p->overrides[i];
        if (o->isa_irq >= ISA_IRQS) {
            *why = "interrupt source override of a non-ISA IRQ";
            return false;
        }
        if (!valid_inti_flags(o->flags)) {
            *why = "interrupt source override has reserved polarity/trigger flags";
            return false;
        }
        for (unsigned j = 0; j < i; j++)
            if (p->overrides[j].isa_irq == o->isa_irq) {
                *why = "two interrupt source overrides for the same ISA IRQ";
                return false;
            }
    }
    return true;
}

static uint32_t block_addr(const struct acpi_fadt_fields *f, const struct pm_block *b)
{
    uint32_t v;
    memcpy(&v, (const char *)f + b->addr_field, sizeof v);
    return v;
}

static uint8_t block_len(const struct acpi_fadt_fields *f, const struct pm_block *b)
{
    return *((const uint8_t *)f + b->len_field);
}

static bool check_pm_blocks(const struct acpi_fadt_fields *f, const char **why)
{
    bool any = false;
    for (size_t i = 0; i < NR_PM_BLOCKS; i++) {
        const struct pm_block *b = &pm_blocks[i];
        if (block_addr(f, b) == 0)
            continue;
        any = true;
        uint8_t len = block_len(f, b);
        if (len < b->min_len || len > b->max_len || (b->even && len % 2)) {
            *why = b->bad_len;
            return false;
        }
    }
    if (any && (f->flags & ACPI_FADT_HW_REDUCED_ACPI)) {
        *why = "FADT says hardware-reduced ACPI but has PM blocks";
        return false;
    }
    return true;
}

static bool check_fadt(const struct acpi_fadt_fields *f, const char **why)
{
    if (!check_pm_blocks(f, why))
        return false;
    if (f->flags & ACPI_FADT_RESET_REG_SUP) {
        const struct acpi_gas *r = &f->reset_reg;
        /* 5.2.9: the reset register is 8 bits wide at bit offset 0. */
        if (r->address == 0 || r->bit_width != 8 || r->bit_offset != 0 ||
            r->space_id > ACPI_SPACE_PCI_CONFIG) {
            *why = "FADT reset register must be an 8-bit register at offset 0";
            return false;
        }
    }
    return true;
}

static bool check_mcfg(const struct acpi_build_mcfg *m, const char **why)
{
    if (!m->present)
        return true;
    /* Each bus decodes 1 MiB of ECAM space: 32 devices x 8 functions x 4 KiB. */
    uint64_t span = ((uint64_t)m->end_bus + 1) << 20;
    if (m->end_bus < m->start_bus || m->base % (1u << 20) || m->base > UINT64_MAX - span) {
        *why = "bad MCFG base or bus range";
        return false;
    }
    return true;
}

static bool check_extra_tables(const struct acpi_platform *p, const char **why)
{
    if (p->nr_extra_tables > ACPI_BUILD_MAX_EXTRA_TABLES ||
        (p->nr_extra_tables && !p->extra_tables)) {
        *why = "bad extra table list";
        return false;
    }
    for (unsigned i = 0; i < p->nr_extra_tables; i++)
        if (p->extra_tables[i] == 0) {
            *why = "extra table address is 0";
            return false;
        }
    return true;
}

static bool check_platform(const struct acpi_platform *p, const char **why)
{
    if (!check_vcpus(p, why) || !check_ioapics(p, why) || !check_overrides(p, why) ||
        !check_fadt(&p->fadt, why) || !check_mcfg(&p->mcfg, why) ||
        !check_extra_tables(p, why))
        return false;
    if (p->lapic_address == 0) {
        *why = "local APIC address is 0";
        return false;
    }
    if (p->fadt.dsdt == 0 && (p->s5_slp_typ_a > 7 || p->s5_slp_typ_b > 7)) {
        *why = "SLP_TYP values are 3 bits";
        return false;
    }
    return true;
}

/* ---- the minimal DSDT ---- */

#define AML_S5_MAX 16

/* An AML integer that fits a byte: ZeroOp, OneOp or BytePrefix + byte. */
static size_t aml_byte_integer(uint8_t *out, uint8_t v)
{
    if (v <= 1) {
        out[0] = v;                 /* 0x00 ZeroOp, 0x01 OneOp */
        return 1;
    }
    out[0] = 0x0A;                  /* BytePrefix */
    out[1] = v;
    return 2;
}

/*
 * Name (\_S5, Package () { a, b, 0, 0 }), ACPI 6.5 section 20.2:
 *   08           NameOp
 *   5C           RootChar '\'
 *   5F 53 35 5F  NameSeg "_S5_" (4 characters, padded with '_')
 *   12           PackageOp
 *   nn           PkgLength, one byte (values < 64): counts itself and
 *                everything after it up to the end of the package
 *   04           NumElements
 *   a b 00 00    the elements: SLP_TYPa, SLP_TYPb and two reserved zeros,
 *                e.g. 0A 05 0A 05 00 00 for Package () { 5, 5, 0, 0 }
 */
static size_t encode_s5(uint8_t out[AML_S5_MAX], uint8_t slp_typ_a, uint8_t slp_typ_b)
{
    static const uint8_t name[] = { 0x08, 0x5C, '_', 'S', '5', '_', 0x12 };
    size_t n = sizeof name;
    memcpy(out, name, n);
    size_t pkg_length_at = n++;
    out[n++] = 4;
    n += aml_byte_integer(out + n, slp_typ_a);
    n += aml_byte_integer(out + n, slp_typ_b);
    n += aml_byte_integer(out + n, 0);
    n += aml_byte_integer(out + n, 0);
    out[pkg_length_at] = (uint8_t)(n - pkg_length_at);
    return n;
}

/* ---- layout ---- */

struct plan {
    size_t xsdt, madt, fadt, mcfg, dsdt;    /* offsets; 0 = not built */
    size_t xsdt_len, madt_len, dsdt_len;
    size_t end;
};

static bool overrides_irq(const struct acpi_platform *p, uint8_t irq)
{
    for (unsigned i = 0; i < p->nr_overrides; i++)
        if (p->overrides[i].isa_irq == irq)
            return true;
    return false;
}

static bool any_x2apic(const struct acpi_platform *p)
{
    for (unsigned i = 0; i < p->nr_vcpus; i++)
        if (needs_x2apic(p->vcpu_apic_ids[i]))
            return true;
    return false;
}

static size_t madt_length(const struct acpi_platform *p)
{
    size_t len = MADT_FIXED;
    for (unsigned i = 0; i < p->nr_vcpus; i++)
        len += needs_x2apic(p->vcpu_apic_ids[i]) ? X2APIC_LEN : LAPIC_LEN;
    len += (size_t)p->nr_ioapics * IOAPIC_LEN;
    len += (size_t)(p->nr_overrides + !overrides_irq(p, TIMER_IRQ)) * OVERRIDE_LEN;
    len += LAPIC_NMI_LEN;
    if (any_x2apic(p))
        len += X2APIC_NMI_LEN;
    return len;
}

static unsigned xsdt_entry_count(const struct acpi_platform *p)
{
    return 2 + (p->mcfg.present ? 1 : 0) + p->nr_extra_tables;   /* FADT, MADT */
}

/* Tables go one after another, each 16-byte aligned; RSDP first. */
static void plan_layout(const struct acpi_platform *p, struct plan *pl)
{
    uint8_t s5[AML_S5_MAX];
    memset(pl, 0, sizeof *pl);
    pl->xsdt_len = HEADER_LEN + 8 * (size_t)xsdt_entry_count(p);
    pl->madt_len = madt_length(p);
    pl->xsdt = align_up(RSDP_LEN, TABLE_ALIGN);
    pl->madt = align_up(pl->xsdt + pl->xsdt_len, TABLE_ALIGN);
    pl->fadt = align_up(pl->madt + pl->madt_len, TABLE_ALIGN);
    size_t next = pl->fadt + FADT_LEN;
    if (p->mcfg.present) {
        pl->mcfg = align_up(next, TABLE_ALIGN);
        next = pl->mcfg + MCFG_LEN;
    }
    if (p->fadt.dsdt == 0) {
        pl->dsdt_len = HEADER_LEN + encode_s5(s5, p->s5_slp_typ_a, p->s5_slp_typ_b);
        pl->dsdt = align_up(next, TABLE_ALIGN);
        next = pl->dsdt + pl->dsdt_len;
    }
    pl->end = next;
}

/* ---- writers ---- */

static void put_header(uint8_t *t, const char sig[4], size_t len, uint8_t revision)
{
    memcpy(t, sig, 4);
    put32(t + 4, (uint32_t)len);
    t[8] = revision;
    memcpy(t + 10, ACPI_BUILD_OEM_ID, 6);
    memcpy(t + 16, ACPI_BUILD_OEM_TABLE_ID, 8);
    put32(t + 24, OEM_REVISION);
    memcpy(t + 28, ACPI_BUILD_CREATOR_ID, 4);
    put32(t + 32, CREATOR_REVISION);
}

static void seal_table(uint8_t *t, size_t len) { seal(t, len, 9); }

static void write_rsdp(uint8_t *r, uint64_t xsdt_gpa)
{
    memcpy(r, "RSD PTR ", 8);
    memcpy(r + 9, ACPI_BUILD_OEM_ID, 6);
    r[15] = RSDP_REVISION;
    put32(r + 16, 0);                       /* no RSDT: every pointer is in the XSDT */
    put32(r + 20, RSDP_LEN);
    put64(r + 24, xsdt_gpa);
    seal(r, RSDP_V1_LEN, 8);                /* ACPI 1.0 checksum: first 20 bytes */
    seal(r, RSDP_LEN, 32);                  /* extended checksum: all 36 */
}

static void write_xsdt(const struct acpi_platform *p, const struct plan *pl, uint8_t *buf,
                       uint64_t buf_gpa)
{
    uint8_t *t = buf + pl->xsdt;
    put_header(t, "XSDT", pl->xsdt_len, XSDT_REVISION);
    uint8_t *e = t + HEADER_LEN;
    put64(e, buf_gpa + pl->fadt);
    put64(e + 8, buf_gpa + pl->madt);
    e += 16;
    if (p->mcfg.present) {
        put64(e, buf_gpa + pl->mcfg);
        e += 8;
    }
    for (unsigned i = 0; i < p->nr_extra_tables; i++, e += 8)
        put64(e, p->extra_tables[i]);
    seal_table(t, pl->xsdt_len);
}

static uint8_t *put_lapic(uint8_t *e, uint8_t uid, uint8_t apic_id)
{
    e[0] = MADT_LAPIC;
    e[1] = LAPIC_LEN;
    e[2] = uid;
    e[3] = apic_id;
    put32(e + 4, MADT_CPU_ENABLED);
    return e + LAPIC_LEN;
}

static uint8_t *put_x2apic(uint8_t *e, uint32_t uid, uint32_t apic_id)
{
    e[0] = MADT_X2APIC;
    e[1] = X2APIC_LEN;
    put32(e + 4, apic_id);
    put32(e + 8, MADT_CPU_ENABLED);
    put32(e + 12, uid);
    return e + X2APIC_LEN;
}

static uint8_t *put_ioapic(uint8_t *e, const struct acpi_build_ioapic *io)
{
    e[0] = MADT_IOAPIC;
    e[1] = IOAPIC_LEN;
    e[2] = io->id;
    put32(e + 4, io->address);
    put32(e + 8, io->gsi_base);
    return e + IOAPIC_LEN;
}

static uint8_t *put_override(uint8_t *e, uint8_t irq, uint32_t gsi, uint16_t flags)
{
    e[0] = MADT_OVERRIDE;
    e[1] = OVERRIDE_LEN;
    e[2] = 0;                               /* bus: ISA */
    e[3] = irq;
    put32(e + 4, gsi);
    put16(e + 8, flags);
    return e + OVERRIDE_LEN;
}

/* LINT1 is the NMI pin on every processor, as on PC hardware. */
static uint8_t *put_nmis(uint8_t *e, bool x2apic)
{
    e[0] = MADT_LAPIC_NMI;
    e[1] = LAPIC_NMI_LEN;
    e[2] = ALL_CPUS_UID8;
    put16(e + 3, NMI_FLAGS);
    e[5] = NMI_LINT;
    e += LAPIC_NMI_LEN;
    if (!x2apic)
        return e;
    e[0] = MADT_X2APIC_NMI;
    e[1] = X2APIC_NMI_LEN;
    put16(e + 2, NMI_FLAGS);
    put32(e + 4, ALL_CPUS_UID32);
    e[8] = NMI_LINT;
    return e + X2APIC_NMI_LEN;
}

static void write_madt(const struct acpi_platform *p, const struct plan *pl, uint8_t *buf)
{
    uint8_t *t = buf + pl->madt;
    put_header(t, "APIC", pl->madt_len, MADT_REVISION);
    put32(t + 36, p->lapic_address);
    put32(t + 40, p->pcat_compat ? MADT_PCAT_COMPAT : 0);
    uint8_t *e = t + MADT_FIXED;
    for (unsigned i = 0; i < p->nr_vcpus; i++) {
        uint32_t id = p->vcpu_apic_ids[i];
        e = needs_x2apic(id) ? put_x2apic(e, i, id) : put_lapic(e, (uint8_t)i, (uint8_t)id);
    }
    for (unsigned i = 0; i < p->nr_ioapics; i++)
        e = put_ioapic(e, &p->ioapics[i]);
    if (!overrides_irq(p, TIMER_IRQ))       /* the PIT's IRQ0 is IOAPIC pin 2 */
        e = put_override(e, TIMER_IRQ, TIMER_GSI, ACPI_INTI_CONFORMS);
    for (unsigned i = 0; i < p->nr_overrides; i++)
        e = put_override(e, p->overrides[i].isa_irq, p->overrides[i].gsi, p->overrides[i].flags);
    put_nmis(e, any_x2apic(p));
    seal_table(t, pl->madt_len);
}

static void put_gas(uint8_t *g, const struct acpi_gas *gas)
{
    g[0] = gas->space_id;
    g[1] = gas->bit_width;
    g[2] = gas->bit_offset;
    g[3] = gas->access_size;
    put64(g + 4, gas->address);
}

/*
 * The X_ twin of a 32-bit I/O block, made the way ACPICA makes it when it
 * converts an old FADT: bit width = 8 x length (255 at most), access
 * size "any"; all zero when the block is absent.
 */
static void put_block_gas(uint8_t *g, uint32_t port, uint8_t len)
{
    struct acpi_gas gas = { 0 };
    if (port) {
        gas.space_id = ACPI_SPACE_IO;
        gas.bit_width = len > 31 ? 255 : (uint8_t)(len * 8);
        gas.address = port;
    }
    put_gas(g, &gas);
}

static void write_fadt_blocks(uint8_t *t, const struct acpi_fadt_fields *f)
{
    for (size_t i = 0; i < NR_PM_BLOCKS; i++) {
        const struct pm_block *b = &pm_blocks[i];
        uint32_t addr = block_addr(f, b);
        put32(t + b->addr_at, addr);
        if (addr)                            /* pm1a and pm1b share a length */
            t[b->len_at] = block_len(f, b);
        put_block_gas(t + b->gas_at, addr, block_len(f, b));
    }
}

static void write_fadt(const struct acpi_fadt_fields *f, uint64_t dsdt_gpa, uint8_t *t)
{
    put_header(t, "FACP", FADT_LEN, FADT_REVISION);
    put32(t + FADT_FIRMWARE_CTRL, low32_or_zero(f->facs));
    put32(t + FADT_DSDT, low32_or_zero(dsdt_gpa));
    t[FADT_PM_PROFILE] = f->preferred_pm_profile;
    put16(t + FADT_SCI_INT, f->sci_int);
    put32(t + FADT_SMI_CMD, f->smi_cmd);
    t[FADT_ACPI_ENABLE] = f->acpi_enable;
    t[FADT_ACPI_DISABLE] = f->acpi_disable;
    write_fadt_blocks(t, f);
    t[FADT_GPE1_BASE] = f->gpe1_base;
    put16(t + FADT_P_LVL2_LAT, NO_C2_LATENCY);
    put16(t + FADT_P_LVL3_LAT, NO_C3_LATENCY);
    t[FADT_DAY_ALRM] = f->day_alrm;
    t[FADT_MON_ALRM] = f->mon_alrm;
    t[FADT_CENTURY] = f->century;
    put16(t + FADT_IAPC_BOOT_ARCH, f->iapc_boot_arch);
    put32(t + FADT_FLAGS, f->flags);
    if (f->flags & ACPI_FADT_RESET_REG_SUP) {
        put_gas(t + FADT_RESET_REG, &f->reset_reg);
        t[FADT_RESET_VALUE] = f->reset_value;
    }
    t[FADT_MINOR_VERSION] = FADT_MINOR;
    put64(t + FADT_X_FIRMWARE_CTRL, f->facs);
    put64(t + FADT_X_DSDT, dsdt_gpa);
    memcpy(t + FADT_HYPERVISOR_ID, ACPI_BUILD_HYPERVISOR_ID, 8);
    seal_table(t, FADT_LEN);
}

/* PCI Firmware Specification 3.2, table 4-3: one allocation, segment 0. */
static void write_mcfg(const struct acpi_build_mcfg *m, uint8_t *t)
{
    put_header(t, "MCFG", MCFG_LEN, MCFG_REVISION);
    put64(t + 44, m->base);
    put16(t + 52, 0);
    t[54] = m->start_bus;
    t[55] = m->end_bus;
    seal_table(t, MCFG_LEN);
}

static void write_dsdt(const struct acpi_platform *p, size_t len, uint8_t *t)
{
    uint8_t s5[AML_S5_MAX];
    size_t n = encode_s5(s5, p->s5_slp_typ_a, p->s5_slp_typ_b);
    put_header(t, "DSDT", len, DSDT_REVISION);
    memcpy(t + HEADER_LEN, s5, n);
    seal_table(t, len);
}

static void write_tables(const struct acpi_platform *p, const struct plan *pl, uint8_t *buf,
                         uint64_t buf_gpa, uint64_t dsdt_gpa)
{
    memset(buf, 0, pl->end);
    write_rsdp(buf, buf_gpa + pl->xsdt);
    write_xsdt(p, pl, buf, buf_gpa);
    write_madt(p, pl, buf);
    write_fadt(&p->fadt, dsdt_gpa, buf + pl->fadt);
    if (pl->mcfg)
        write_mcfg(&p->mcfg, buf + pl->mcfg);
    if (pl->dsdt)
        write_dsdt(p, pl->dsdt_len, buf + pl->dsdt);
}

static uint64_t gpa_or_zero(uint64_t buf_gpa, size_t offset)
{
    return offset ? buf_gpa + offset : 0;
}

int acpi_build(const struct acpi_platform *p, uint8_t *buf, size_t cap, uint64_t buf_gpa,
               struct acpi_layout *out, const char **why)
{
    struct plan pl;
    memset(out, 0, sizeof *out);
    if (!check_platform(p, why))
        return -1;
    if (buf_gpa % TABLE_ALIGN) {
        *why = "ACPI table buffer must be 16-byte aligned";
        return -1;
    }
    plan_layout(p, &pl);
    out->size = pl.end;
    if (!buf || cap < pl.end) {
        *why = "ACPI table buffer too small";
        return -1;
    }
    if (buf_gpa > UINT64_MAX - pl.end) {
        *why = "ACPI table buffer wraps around the address space";
        return -1;
    }
    uint64_t dsdt_gpa = pl.dsdt ? buf_gpa + pl.dsdt : p->fadt.dsdt;
    write_tables(p, &pl, buf, buf_gpa, dsdt_gpa);
    out->rsdp_offset = 0;
    out->rsdp_gpa = buf_gpa;
    out->xsdt_gpa = buf_gpa + pl.xsdt;
    out->madt_gpa = buf_gpa + pl.madt;
    out->fadt_gpa = buf_gpa + pl.fadt;
    out->mcfg_gpa = gpa_or_zero(buf_gpa, pl.mcfg);
    out->dsdt_gpa = dsdt_gpa;
    return 0;
}

/* ---- reading the machine's FADT ---- */

static bool covers(uint32_t table_len, size_t offset, size_t n) { return offset + n <= table_len; }

static void get_gas(const uint8_t *g, struct acpi_gas *gas)
{
    gas->space_id = g[0];
    gas->bit_width = g[1];
    gas->bit_offset = g[2];
    gas->access_size = g[3];
    gas->address = get64(g + 4);
}

/* FACS: 32-bit first, as Linux does; DSDT: X_DSDT first, as ACPICA does. */
static void read_fadt_pointers(const uint8_t *t, uint32_t len, struct acpi_fadt_fields *out)
{
    out->facs = get32(t + FADT_FIRMWARE_CTRL);
    if (!out->facs && covers(len, FADT_X_FIRMWARE_CTRL, 8))
        out->facs = get64(t + FADT_X_FIRMWARE_CTRL);
    out->dsdt = get32(t + FADT_DSDT);
    if (covers(len, FADT_X_DSDT, 8) && get64(t + FADT_X_DSDT))
        out->dsdt = get64(t + FADT_X_DSDT);
}

static void read_fadt_scalars(const uint8_t *t, uint32_t len, struct acpi_fadt_fields *out)
{
    out->sci_int = get16(t + FADT_SCI_INT);
    out->smi_cmd = get32(t + FADT_SMI_CMD);
    out->acpi_enable = t[FADT_ACPI_ENABLE];
    out->acpi_disable = t[FADT_ACPI_DISABLE];
    out->gpe1_base = t[FADT_GPE1_BASE];
    out->day_alrm = t[FADT_DAY_ALRM];
    out->mon_alrm = t[FADT_MON_ALRM];
    out->century = t[FADT_CENTURY];
    out->flags = get32(t + FADT_FLAGS);
    /* Reserved in ACPI 1.0 and sometimes garbage there (ACPICA zeroes them). */
    if (len > FADT_V2_LEN) {
        out->preferred_pm_profile = t[FADT_PM_PROFILE];
        out->iapc_boot_arch = get16(t + FADT_IAPC_BOOT_ARCH);
    }
}

static bool read_fadt_block(const uint8_t *t, uint32_t len, const struct pm_block *b,
                            struct acpi_fadt_fields *out, const char **why)
{
    uint32_t addr = get32(t + b->addr_at);
    uint8_t blen = t[b->len_at];
    if (covers(len, b->gas_at, GAS_LEN)) {
        struct acpi_gas x;
        get_gas(t + b->gas_at, &x);
        if (x.address) {
            if (x.space_id != ACPI_SPACE_IO || x.address > UINT32_MAX) {
                *why = "FADT power-management block is not in I/O space (unsupported)";
                return false;
            }
            addr = (uint32_t)x.address;
            if (blen == 0)
                blen = x.bit_width / 8;
        }
    }
    memcpy((char *)out + b->addr_field, &addr, sizeof addr);
    if (addr)
        *((uint8_t *)out + b->len_field) = blen;
    return true;
}

static void read_fadt_reset(const uint8_t *t, uint32_t len, struct acpi_fadt_fields *out)
{
    if (!covers(len, FADT_RESET_VALUE, 1)) {
        out->flags &= ~ACPI_FADT_RESET_REG_SUP;    /* no reset register before ACPI 2.0 */
        return;
    }
    if (out->flags & ACPI_FADT_RESET_REG_SUP) {
        get_gas(t + FADT_RESET_REG, &out->reset_reg);
        out->reset_value = t[FADT_RESET_VALUE];
    }
}

int acpi_read_fadt(const uint8_t *table, size_t len, struct acpi_fadt_fields *out,
                   const char **why)
{
    memset(out, 0, sizeof *out);
    if (!table || len < HEADER_LEN) {
        *why = "FADT shorter than a table header";
        return -1;
    }
    if (memcmp(table, "FACP", 4) != 0) {
        *why = "not a FADT: signature is not FACP";
        return -1;
    }
    uint32_t tlen = get32(table + 4);
    if (tlen > len) {
        *why = "FADT length runs past the bytes given";
        return -1;
    }
    if (tlen < FADT_V1_LEN) {
        *why = "FADT shorter than ACPI 1.0's 116 bytes";
        return -1;
    }
    if (sum_bytes(table, tlen) != 0) {
        *why = "FADT checksum is wrong";
        return -1;
    }
    read_fadt_pointers(table, tlen, out);
    read_fadt_scalars(table, tlen, out);
    for (size_t i = 0; i < NR_PM_BLOCKS; i++)
        if (!read_fadt_block(table, tlen, &pm_blocks[i], out, why))
            return -1;
    read_fadt_reset(table, tlen, out);
    return 0;
}
