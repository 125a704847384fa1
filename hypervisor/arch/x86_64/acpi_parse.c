/* SPDX-License-Identifier: GPL-2.0-only */
#include <string.h>
#include <arch/acpi_parse.h>

#define ACPI_HEADER_LEN 36
#define RSDP_V1_LEN     20
#define RSDP_V2_LEN     36
#define MADT_ENTRIES    44

enum madt_type { MADT_LAPIC = 0, MADT_IOAPIC = 1, MADT_OVERRIDE = 2, MADT_X2APIC = 9 };

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static uint8_t checksum(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += p[i];
    return sum;
}

static bool valid_rsdp(phys_reader_fn read_phys, uint64_t pa)
{
    const uint8_t *p = read_phys(pa, RSDP_V1_LEN);
    return p && memcmp(p, "RSD PTR ", 8) == 0 && checksum(p, RSDP_V1_LEN) == 0;
}

uint64_t acpi_find_rsdp(phys_reader_fn read_phys, uint64_t ebda_pa)
{
    if (ebda_pa)
        for (uint64_t pa = ebda_pa; pa < ebda_pa + 1024; pa += 16)
            if (valid_rsdp(read_phys, pa))
                return pa;
    for (uint64_t pa = 0xE0000; pa < 0x100000; pa += 16)
        if (valid_rsdp(read_phys, pa))
            return pa;
    return 0;
}

/* A table header we can read in full, with a correct checksum. */
static const uint8_t *read_table(phys_reader_fn read_phys, uint64_t pa)
{
    const uint8_t *h = read_phys(pa, ACPI_HEADER_LEN);
    if (!h)
        return NULL;
    uint32_t len = get32(h + 4);
    if (len < ACPI_HEADER_LEN || len > (1u << 20))
        return NULL;
    const uint8_t *t = read_phys(pa, len);
    return t && checksum(t, len) == 0 ? t : NULL;
}

uint64_t acpi_find_table(phys_reader_fn read_phys, uint64_t rsdp_pa, const char sig[4])
{
    const uint8_t *rsdp = read_phys(rsdp_pa, RSDP_V2_LEN);
    if (!rsdp)
        return 0;
    bool use_xsdt = rsdp[15] >= 2 && get64(rsdp + 24) != 0 &&
                    checksum(rsdp, RSDP_V2_LEN) == 0;
    uint64_t root_pa = use_xsdt ? get64(rsdp + 24) : get32(rsdp + 16);
    unsigned entry_size = use_xsdt ? 8 : 4;
    const uint8_t *root = read_table(read_phys, root_pa);
    if (!root)
        return 0;
    uint32_t n = (get32(root + 4) - ACPI_HEADER_LEN) / entry_size;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = root + ACPI_HEADER_LEN + i * entry_size;
        uint64_t pa = use_xsdt ? get64(e) : get32(e);
        const uint8_t *t = read_table(read_phys, pa);
        if (t && memcmp(t, sig, 4) == 0)
            return pa;
    }
    return 0;
}

static void add_cpu(struct machine_topology *out, uint32_t apic_id)
{
    if (out->nr_cpus < ACPI_MAX_CPUS)
        out->cpu_apic_ids[out->nr_cpus++] = apic_id;
}

int acpi_parse_madt(phys_reader_fn read_phys, uint64_t madt_pa, struct machine_topology *out,
                    const char **why)
{
    memset(out, 0, sizeof *out);
    const uint8_t *t = read_table(read_phys, madt_pa);
    if (!t || memcmp(t, "APIC", 4) != 0) {
        *why = "MADT missing or corrupt";
        return -1;
    }
    uint32_t len = get32(t + 4);
    if (len < MADT_ENTRIES) {
        *why = "MADT too short";
        return -1;
    }
    out->lapic_address = get32(t + 36);
    for (uint32_t off = MADT_ENTRIES; off + 2 <= len;) {
        const uint8_t *e = t + off;
        uint8_t type = e[0], elen = e[1];
        if (elen < 2 || off + elen > len) {
            *why = "MADT entry runs past the table";
            return -1;
        }
        if (type == MADT_LAPIC && elen >= 8 && (get32(e + 4) & 1))
            add_cpu(out, e[3]);
        else if (type == MADT_X2APIC && elen >= 16 && (get32(e + 8) & 1))
            add_cpu(out, get32(e + 4));
        else if (type == MADT_IOAPIC && elen >= 12 && out->nr_ioapics < ACPI_MAX_IOAPICS)
            out->ioapics[out->nr_ioapics++] =
                (struct acpi_ioapic){ e[2], get32(e + 4), get32(e + 8) };
        else if (type == MADT_OVERRIDE && elen >= 10 && out->nr_overrides < 16)
            out->overrides[out->nr_overrides++] =
                (struct acpi_irq_override){ e[3], get32(e + 4), (uint16_t)(e[8] | e[9] << 8) };
        off += elen;
    }
    if (out->nr_cpus == 0) {
        *why = "MADT lists no enabled CPU";
        return -1;
    }
    return 0;
}
