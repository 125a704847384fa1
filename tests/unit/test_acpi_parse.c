/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host unit tests for the ACPI table reader (arch/x86_64/acpi_parse.c).
 * Real RSDP/RSDT/XSDT/MADT images with correct checksums are built in a
 * fake physical memory: 2 MiB of "low" memory at 0 and a 64 KiB window
 * at 4 GiB, so that 64-bit XSDT entries can be told apart from 32-bit
 * ones.  Layouts follow the ACPI specification 6.5, sections 5.2.5
 * (RSDP), 5.2.6 (header), 5.2.7 (RSDT), 5.2.8 (XSDT) and 5.2.12 (MADT).
 */
#include <stdint.h>
#include <string.h>
#include <arch/acpi_parse.h>
#include "check.h"

#define LOW_SIZE  0x200000u
#define HIGH_BASE 0x100000000ull
#define HIGH_SIZE 0x10000u

static uint8_t low[LOW_SIZE];
static uint8_t high[HIGH_SIZE];

static const void *read_phys(uint64_t pa, size_t len)
{
    if (pa < LOW_SIZE && len <= LOW_SIZE - pa)
        return low + pa;
    if (pa >= HIGH_BASE && pa - HIGH_BASE < HIGH_SIZE && len <= HIGH_SIZE - (pa - HIGH_BASE))
        return high + (pa - HIGH_BASE);
    return NULL;
}

static uint8_t *at(uint64_t pa)
{
    return pa >= HIGH_BASE ? high + (pa - HIGH_BASE) : low + pa;
}

static void reset(void)
{
    memset(low, 0, sizeof low);
    memset(high, 0, sizeof high);
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }

/* Set p[sum_at] so that the len bytes at p add up to 0 mod 256. */
static void fix_checksum(uint8_t *p, size_t len, size_t sum_at)
{
    uint8_t sum = 0;
    p[sum_at] = 0;
    for (size_t i = 0; i < len; i++)
        sum += p[i];
    p[sum_at] = (uint8_t)-sum;
}

/* ---- RSDP (5.2.5.3) ---- */

static void put_rsdp(uint64_t pa, uint8_t revision, uint32_t rsdt, uint64_t xsdt)
{
    uint8_t *p = at(pa);
    memcpy(p, "RSD PTR ", 8);
    memcpy(p + 9, "SKERRY", 6);
    p[15] = revision;
    put32(p + 16, rsdt);
    if (revision >= 2) {
        put32(p + 20, 36);
        put64(p + 24, xsdt);
        fix_checksum(p, 36, 32);          /* extended checksum: whole structure */
    }
    fix_checksum(p, 20, 8);               /* ACPI 1.0 checksum: first 20 bytes */
    if (revision >= 2)
        fix_checksum(p, 36, 32);          /* byte 8 changed: redo the extended one */
}

/* ---- System description tables (5.2.6) ---- */

static void put_header(uint64_t pa, const char sig[4], uint32_t len)
{
    uint8_t *p = at(pa);
    memcpy(p, sig, 4);
    put32(p + 4, len);
    p[8] = 1;                             /* revision */
    memcpy(p + 10, "SKERRY", 6);
    memcpy(p + 16, "TESTTABL", 8);
    put32(p + 24, 1);
    memcpy(p + 28, "SKRY", 4);
    put32(p + 32, 1);
}

/* Fix the checksum of the table at pa, if its length fits in memory. */
static void seal(uint64_t pa)
{
    uint8_t *p = at(pa);
    uint32_t len = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
                   (uint32_t)p[7] << 24;
    if (len >= 10 && read_phys(pa, len))
        fix_checksum(p, len, 9);
}

/* Any table: header plus `extra` bytes of filler. */
static void put_table(uint64_t pa, const char sig[4], uint32_t extra)
{
    put_header(pa, sig, 36 + extra);
    for (uint32_t i = 0; i < extra; i++)
        at(pa)[36 + i] = (uint8_t)(i * 37 + 11);
    seal(pa);
}

static void put_rsdt(uint64_t pa, const uint32_t *entries, unsigned n)
{
    put_header(pa, "RSDT", 36 + 4 * n);
    for (unsigned i = 0; i < n; i++)
        put32(at(pa) + 36 + 4 * i, entries[i]);
    seal(pa);
}

static void put_xsdt(uint64_t pa, const uint64_t *entries, unsigned n)
{
    put_header(pa, "XSDT", 36 + 8 * n);
    for (unsigned i = 0; i < n; i++)
        put64(at(pa) + 36 + 8 * i, entries[i]);
    seal(pa);
}

/* ---- MADT (5.2.12) ---- */

static uint64_t madt_pa;
static uint32_t madt_len;

static void madt_begin(uint64_t pa, uint32_t lapic_address)
{
    madt_pa = pa;
    madt_len = 44;
    put_header(pa, "APIC", 44);
    put32(at(pa) + 36, lapic_address);
    put32(at(pa) + 40, 1);                /* PCAT_COMPAT */
}

static uint8_t *madt_entry(uint8_t type, uint8_t len)
{
    uint8_t *e = at(madt_pa) + madt_len;
    memset(e, 0, len < 2 ? 2 : len);
    e[0] = type;
    e[1] = len;
    madt_len += len < 2 ? 2 : len;
    return e;
}

/* Processor Local APIC, type 0, 8 bytes. */
static void madt_lapic(uint8_t uid, uint8_t apic_id, uint32_t flags)
{
    uint8_t *e = madt_entry(0, 8);
    e[2] = uid;
    e[3] = apic_id;
    put32(e + 4, flags);
}

/* I/O APIC, type 1, 12 bytes. */
static void madt_ioapic(uint8_t id, uint32_t address, uint32_t gsi_base)
{
    uint8_t *e = madt_entry(1, 12);
    e[2] = id;
    put32(e + 4, address);
    put32(e + 8, gsi_base);
}

/* Interrupt Source Override, type 2, 10 bytes. */
static void madt_override(uint8_t source, uint32_t gsi, uint16_t flags)
{
    uint8_t *e = madt_entry(2, 10);
    e[2] = 0;                             /* bus: ISA */
    e[3] = source;
    put32(e + 4, gsi);
    put16(e + 8, flags);
}

/* Processor Local x2APIC, type 9, 16 bytes. */
static void madt_x2apic(uint32_t x2apic_id, uint32_t flags, uint32_t uid)
{
    uint8_t *e = madt_entry(9, 16);
    put32(e + 4, x2apic_id);
    put32(e + 8, flags);
    put32(e + 12, uid);
}

/* Seal the MADT with its length set to the entries written (or `len`). */
static void madt_end_len(uint32_t len)
{
    put32(at(madt_pa) + 4, len);
    seal(madt_pa);
}

static void madt_end(void) { madt_end_len(madt_len); }

#define LAPIC_ENABLED        1u
#define LAPIC_ONLINE_CAPABLE 2u

/* ------------------------------------------------------------------ */

#define EBDA 0x9FC00u

static void test_find_rsdp(void)
{
    reset();
    CHECK_EQ(acpi_find_rsdp(read_phys, EBDA), 0, "no RSDP anywhere");

    put_rsdp(EBDA + 0x40, 0, 0x100000, 0);
    CHECK_EQ(acpi_find_rsdp(read_phys, EBDA), EBDA + 0x40, "RSDP in the EBDA");
    put_rsdp(0xF0000, 2, 0x100000, 0x110000);
    CHECK_EQ(acpi_find_rsdp(read_phys, EBDA), EBDA + 0x40, "EBDA is searched first");
    CHECK_EQ(acpi_find_rsdp(read_phys, 0), 0xF0000, "no EBDA: BIOS area searched");

    reset();
    put_rsdp(EBDA + 1024 - 16, 0, 0x100000, 0);
    CHECK_EQ(acpi_find_rsdp(read_phys, EBDA), EBDA + 1024 - 16, "last slot of the EBDA KiB");
    reset();
    put_rsdp(EBDA + 1024, 0, 0x100000, 0);
    CHECK_EQ(acpi_find_rsdp(read_phys, EBDA), 0, "beyond the first EBDA KiB not searched");

    static const uint32_t bios_slots[] = { 0xE0000, 0xE0010, 0xF5A30, 0xFFFE0 };
    for (size_t i = 0; i < sizeof bios_slots / sizeof bios_slots[0]; i++) {
        reset();
        put_rsdp(bios_slots[i], 2, 0x100000, 0x110000);
        CHECK_EQ(acpi_find_rsdp(read_phys, EBDA), bios_slots[i], "RSDP at %#x",
                 bios_slots[i]);
    }

    reset();
    put_rsdp(0xDFFF0, 0, 0x100000, 0);
    CHECK_EQ(acpi_find_rsdp(read_phys, 0), 0, "just below 0xE0000 not searched");
    reset();
    put_rsdp(0xF0008, 0, 0x100000, 0);
    CHECK_EQ(acpi_find_rsdp(read_phys, 0), 0, "RSDP not on a 16-byte boundary not found");
    reset();
    put_rsdp(0xF0000, 0, 0x100000, 0);
    low[0xF0000 + 8] ^= 0x01;
    CHECK_EQ(acpi_find_rsdp(read_phys, 0), 0, "RSDP with a bad checksum rejected");
    put_rsdp(0xF1000, 0, 0x100000, 0);
    CHECK_EQ(acpi_find_rsdp(read_phys, 0), 0xF1000, "bad candidate skipped, good one found");
    reset();
    put_rsdp(0xF0000, 0, 0x100000, 0);
    low[0xF0000 + 7] = '_';                          /* "RSD PTR_" */
    fix_checksum(low + 0xF0000, 20, 8);
    CHECK_EQ(acpi_find_rsdp(read_phys, 0), 0, "wrong signature rejected");
    reset();
    put_rsdp(0xF0000, 0, 0x100000, 0);
    low[0xF0000 + 16] ^= 0x10;                       /* RSDT address corrupted */
    CHECK_EQ(acpi_find_rsdp(read_phys, 0), 0, "checksum covers the RSDT address");
}

/* Tables used by the lookup tests. */
#define RSDP_PA  0xF0000u
#define RSDT_PA  0x100000u
#define XSDT_PA  0x110000u
#define FACP_PA  0x101000u
#define MADT_LOW 0x102000u
#define HPET_PA  0x103000u
#define MADT_HI  (HIGH_BASE + 0x100)

static void build_tables(void)
{
    reset();
    put_table(FACP_PA, "FACP", 80);
    put_table(MADT_LOW, "APIC", 20);
    put_table(HPET_PA, "HPET", 20);
    put_table(MADT_HI, "APIC", 24);
    const uint32_t rsdt[] = { FACP_PA, MADT_LOW };
    put_rsdt(RSDT_PA, rsdt, 2);
    const uint64_t xsdt[] = { FACP_PA, HPET_PA, MADT_HI };
    put_xsdt(XSDT_PA, xsdt, 3);
}

static void test_find_table_xsdt(void)
{
    build_tables();
    put_rsdp(RSDP_PA, 2, RSDT_PA, XSDT_PA);
    CHECK_EQ(acpi_find_table(read_phys, RSDP_PA, "APIC"), MADT_HI,
             "XSDT preferred over RSDT; 64-bit entry above 4 GiB");
    CHECK_EQ(acpi_find_table(read_phys, RSDP_PA, "HPET"), HPET_PA, "XSDT: HPET");
    CHECK_EQ(acpi_find_table(read_phys, RSDP_PA, "FACP"), FACP_PA, "XSDT: FACP");
    CHECK_EQ(acpi_find_table(read_phys, RSDP_PA, "SSDT"), 0, "XSDT: missing table");

    /* Revision 2 without an XSDT: the RSDT is used. */
    put_rsdp(RSDP_PA, 2, RSDT_PA, 0);
    CHECK_EQ(acpi_find_table(read_phys, RSDP_PA, "APIC"), MADT_LOW, "rev 2, XSDT 0: RSDT");

    /* An XSDT address not covered by a valid extended checksum is not trusted. */
    put_rsdp(RSDP_PA, 2, RSDT_PA, XSDT_PA);
    low[RSDP_PA + 32] ^= 0x55;
    uint64_t pa = acpi_find_table(read_phys, RSDP_PA, "APIC");
    CHECK(pa != MADT_HI, "bad extended checksum: XSDT not used (got %#llx)",
          (unsigned long long)pa);

    /* XSDT corrupted: nothing can be found through it. */
    put_rsdp(RSDP_PA, 2, RSDT_PA, XSDT_PA);
    low[XSDT_PA + 40] ^= 1;
    CHECK_EQ(acpi_find_table(read_phys, RSDP_PA, "HPET"), 0, "XSDT with a bad checksum");
}

static void test_find_table_rsdt(void)
{
    build_tables();
    /* ACPI 1.0 RSDP is 20 bytes; whatever follows it is not an XSDT address. */
    put_rsdp(RSDP_PA, 0, RSDT_PA, 0);
    put64(low + RSDP_PA + 24, XSDT_PA);
    put32(low + RSDP_PA + 20, 36);
    fix_checksum(low + RSDP_PA, 36, 32);
    CHECK_EQ(acpi_find_table(read_phys, RSDP_PA, "APIC"), MADT_LOW, "rev 0: RSDT used");
    CHECK_EQ(acpi_find_table(read_phys, RSDP_PA, "FACP"), FACP_PA, "RSDT: FACP");
    CHECK_EQ(acpi_find_table(read_phys, RSDP_PA, "HPET"), 0, "RSDT: HPET only in XSDT");

    /* Bad checksum in a listed table: skipped, a later valid copy is found. */
    const uint32_t dup[] = { FACP_PA, MADT_LOW, 0x104000 };
    put_table(0x104000, "APIC", 8);
    put_rsdt(RSDT_PA, dup, 3);
    low[MADT_LOW + 40] ^= 0xFF;
    CHECK_EQ(acpi_find_table(read_phys, RSDP_PA, "APIC"), 0x104000,
             "table with a bad checksum skipped");
    low[0x104000 + 37] ^= 0xFF;
    CHECK_EQ(acpi_find_table(read_phys, RSDP_PA, "APIC"), 0, "no valid APIC table left");

    /* Entries pointing outside memory are skipped. */
    build_tables();
    put_rsdp(RSDP_PA, 0, RSDT_PA, 0);
    const uint32_t wild[] = { 0xFFFFF000u, 0, LOW_SIZE - 8, MADT_LOW };
    put_rsdt(RSDT_PA, wild, 4);
    CHECK_EQ(acpi_find_table(read_phys, RSDP_PA, "APIC"), MADT_LOW, "unreadable entries skipped");

    /* A table whose header is readable but whose length runs past memory. */
    build_tables();
    put_rsdp(RSDP_PA, 0, RSDT_PA, 0);
    put_header(LOW_SIZE - 64, "APIC", 128);
    const uint32_t edge[] = { LOW_SIZE - 64 };
    put_rsdt(RSDT_PA, edge, 1);
    CHECK_EQ(acpi_find_table(read_phys, RSDP_PA, "APIC"), 0, "table running off memory");
    put_rsdp(RSDP_PA, 0, LOW_SIZE - 40, 0);
    put_header(LOW_SIZE - 40, "RSDT", 44);
    put32(low + LOW_SIZE - 4, MADT_LOW);
    CHECK_EQ(acpi_find_table(read_phys, RSDP_PA, "APIC"), 0, "RSDT running off memory");
    put_rsdp(RSDP_PA, 0, RSDT_PA, 0);
    put32(low + MADT_LOW + 4, 2u << 20);             /* absurd length */
    CHECK_EQ(acpi_find_table(read_phys, RSDP_PA, "APIC"), 0, "table with an absurd length");

    /* Root table problems. */
    static const struct { const char *what; uint32_t len; bool corrupt; } roots[] = {
        { "RSDT with a bad checksum", 44, true },
        { "RSDT shorter than a header", 30, false },
        { "RSDT with an absurd length", 0xFFFFFFF0u, false },
        { "empty RSDT", 36, false },
    };
    for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) {
        build_tables();
        put_rsdp(RSDP_PA, 0, RSDT_PA, 0);
        put32(low + RSDT_PA + 4, roots[i].len);
        seal(RSDT_PA);
        if (roots[i].corrupt)
            low[RSDT_PA + 36] ^= 0x40;
        CHECK_EQ(acpi_find_table(read_phys, RSDP_PA, "FACP"), 0, "%s", roots[i].what);
    }

    /* RSDT length not a multiple of 4: the partial entry is ignored. */
    build_tables();
    put_rsdp(RSDP_PA, 0, RSDT_PA, 0);
    const uint32_t one[] = { MADT_LOW, 0x12345678 };
    put_rsdt(RSDT_PA, one, 2);
    put32(low + RSDT_PA + 4, 36 + 4 + 2);
    seal(RSDT_PA);
    CHECK_EQ(acpi_find_table(read_phys, RSDP_PA, "APIC"), MADT_LOW, "RSDT with a partial entry");

    CHECK_EQ(acpi_find_table(read_phys, 0xFFFFFFF0u, "APIC"), 0, "RSDP unreadable");
}

static struct machine_topology topo;
static const char *why;

static int parse(uint64_t pa)
{
    memset(&topo, 0xAA, sizeof topo);
    why = NULL;
    return acpi_parse_madt(read_phys, pa, &topo, &why);
}

#define CHECK_REJECTS(rc, what) \
    CHECK((rc) < 0 && why != NULL && why[0] != '\0', "%s: rejected with a reason", what)

static void test_madt_full(void)
{
    reset();
    madt_begin(0x120000, 0xFEE00000);
    madt_lapic(0, 0, LAPIC_ENABLED);
    madt_lapic(1, 2, LAPIC_ENABLED);
    madt_lapic(2, 4, 0);                             /* disabled */
    madt_lapic(3, 6, LAPIC_ONLINE_CAPABLE);          /* hot-pluggable, not enabled */
    madt_ioapic(8, 0xFEC00000, 0);
    madt_override(0, 2, 0);                          /* PIT on GSI 2 */
    madt_override(9, 9, 0x000D);                     /* SCI: active low, level */
    uint8_t *nmi = madt_entry(4, 6);                 /* Local APIC NMI: ignored */
    nmi[2] = 0xFF;
    put16(nmi + 3, 5);
    nmi[5] = 1;
    madt_x2apic(0x100, LAPIC_ENABLED, 10);
    madt_x2apic(0x101, 0, 11);                       /* disabled */
    madt_ioapic(9, 0xFEC10000, 24);
    uint8_t *ovr = madt_entry(5, 12);                /* LAPIC address override: ignored */
    put64(ovr + 4, 0xFEE00000);
    madt_entry(0x7F, 3);                             /* reserved type: ignored */
    madt_lapic(7, 9, LAPIC_ENABLED | LAPIC_ONLINE_CAPABLE);
    madt_end();

    CHECK_EQ(parse(0x120000), 0, "full MADT parses");
    CHECK_EQ(topo.lapic_address, 0xFEE00000, "local APIC address");
    CHECK_EQ(topo.nr_cpus, 4, "enabled CPUs: 3 LAPIC + 1 x2APIC");
    static const uint32_t ids[] = { 0, 2, 0x100, 9 };
    for (unsigned i = 0; i < 4 && i < topo.nr_cpus; i++)
        CHECK_EQ(topo.cpu_apic_ids[i], ids[i], "CPU %u APIC ID (not the processor UID)", i);
    CHECK_EQ(topo.nr_ioapics, 2, "two IOAPICs");
    CHECK(topo.ioapics[0].id == 8 && topo.ioapics[0].address == 0xFEC00000 &&
              topo.ioapics[0].gsi_base == 0,
          "IOAPIC 0: id, address, GSI base");
    CHECK(topo.ioapics[1].id == 9 && topo.ioapics[1].address == 0xFEC10000 &&
              topo.ioapics[1].gsi_base == 24,
          "IOAPIC 1: id, address, GSI base");
    CHECK_EQ(topo.nr_overrides, 2, "two interrupt source overrides");
    CHECK(topo.overrides[0].source == 0 && topo.overrides[0].gsi == 2 &&
              topo.overrides[0].flags == 0,
          "override IRQ0 -> GSI 2");
    CHECK(topo.overrides[1].source == 9 && topo.overrides[1].gsi == 9 &&
              topo.overrides[1].flags == 0x000D,
          "override IRQ9 -> GSI 9, active low, level");

    CHECK_EQ(acpi_parse_madt(read_phys, 0x120000, &topo, &why), 0, "reparse into used output");
    CHECK_EQ(topo.nr_cpus, 4, "reparse: counters start from zero");
}

static void test_madt_rejects(void)
{
    reset();
    madt_begin(0x120000, 0xFEE00000);
    madt_lapic(0, 0, LAPIC_ENABLED);
    madt_end();
    CHECK_EQ(parse(0x120000), 0, "minimal MADT parses");
    low[0x120000 + 36] ^= 1;
    CHECK_REJECTS(parse(0x120000), "MADT with a bad checksum");

    reset();
    madt_begin(0x120000, 0xFEE00000);
    madt_lapic(0, 0, LAPIC_ENABLED);
    memcpy(at(0x120000), "FACP", 4);
    madt_end();
    CHECK_REJECTS(parse(0x120000), "table with another signature");

    CHECK_REJECTS(parse(LOW_SIZE - 10), "MADT unreadable");

    reset();
    madt_begin(0x120000, 0xFEE00000);
    madt_end_len(40);
    CHECK_REJECTS(parse(0x120000), "MADT shorter than its fixed fields");

    reset();
    madt_begin(0x120000, 0xFEE00000);
    madt_end();
    CHECK_REJECTS(parse(0x120000), "MADT with no entries (no CPU)");

    reset();
    madt_begin(0x120000, 0xFEE00000);
    madt_lapic(0, 0, 0);
    madt_lapic(1, 1, LAPIC_ONLINE_CAPABLE);
    madt_x2apic(0x200, 0, 0);
    madt_ioapic(1, 0xFEC00000, 0);
    madt_end();
    CHECK_REJECTS(parse(0x120000), "MADT with no enabled CPU");

    reset();
    madt_begin(0x120000, 0xFEE00000);
    madt_x2apic(0x200, LAPIC_ENABLED, 0);
    madt_end();
    CHECK(parse(0x120000) == 0 && topo.nr_cpus == 1 && topo.cpu_apic_ids[0] == 0x200,
          "x2APIC-only MADT");
}

/* Entries that do not fit in the table, or whose length is impossible. */
static void test_madt_truncated(void)
{
    static const struct { const char *what; uint8_t type, len; uint32_t cut; } cases[] = {
        { "LAPIC entry cut by table length", 0, 8, 4 },
        { "IOAPIC entry cut by table length", 1, 12, 11 },
        { "x2APIC entry cut by table length", 9, 16, 8 },
        { "override entry cut by table length", 2, 10, 3 },
        { "entry with length 0", 0, 0, 0 },
        { "entry with length 1", 0, 1, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        reset();
        madt_begin(0x120000, 0xFEE00000);
        madt_lapic(0, 0, LAPIC_ENABLED);
        uint8_t *e = madt_entry(cases[i].type, cases[i].len);
        if (cases[i].len >= 8)
            put32(e + 4, LAPIC_ENABLED);
        /* The table ends `cut` bytes into the last entry (or after its header). */
        madt_end_len(madt_len - (cases[i].len >= 2 ? cases[i].len : 2) +
                     (cases[i].cut ? cases[i].cut : 2));
        CHECK_REJECTS(parse(0x120000), cases[i].what);
    }

    /* A LAPIC entry whose length field is too short to hold its flags is no CPU. */
    reset();
    madt_begin(0x120000, 0xFEE00000);
    madt_lapic(0, 0, LAPIC_ENABLED);
    uint8_t *e = madt_entry(0, 4);
    e[3] = 7;
    madt_lapic(1, 3, LAPIC_ENABLED);
    madt_end();
    int rc = parse(0x120000);
    bool seven = false;
    for (unsigned i = 0; rc == 0 && i < topo.nr_cpus; i++)
        seven |= topo.cpu_apic_ids[i] == 7;
    CHECK(rc < 0 || (topo.nr_cpus == 2 && !seven), "short LAPIC entry not taken as a CPU");
}

static void test_madt_capacity(void)
{
    reset();
    madt_begin(0x120000, 0xFEE00000);
    for (unsigned i = 0; i < ACPI_MAX_CPUS + 6; i++)
        madt_x2apic(1000 + i, LAPIC_ENABLED, i);
    for (unsigned i = 0; i < ACPI_MAX_IOAPICS + 2; i++)
        madt_ioapic((uint8_t)i, 0xFEC00000 + 0x1000 * i, 24 * i);
    for (unsigned i = 0; i < 20; i++)
        madt_override((uint8_t)i, i + 100, 0);
    madt_end();
    CHECK_EQ(parse(0x120000), 0, "oversized MADT parses");
    CHECK_EQ(topo.nr_cpus, ACPI_MAX_CPUS, "CPUs capped at ACPI_MAX_CPUS");
    CHECK_EQ(topo.cpu_apic_ids[ACPI_MAX_CPUS - 1], 1000 + ACPI_MAX_CPUS - 1, "first CPUs kept");
    CHECK_EQ(topo.nr_ioapics, ACPI_MAX_IOAPICS, "IOAPICs capped at ACPI_MAX_IOAPICS");
    CHECK_EQ(topo.nr_overrides, 16, "overrides capped at the array size");
    CHECK_EQ(topo.overrides[15].gsi, 115, "first overrides kept");
}

int main(void)
{
    test_find_rsdp();
    test_find_table_xsdt();
    test_find_table_rsdt();
    test_madt_full();
    test_madt_rejects();
    test_madt_truncated();
    test_madt_capacity();
    CHECK_DONE();
}
