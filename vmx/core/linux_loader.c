/* SPDX-License-Identifier: GPL-2.0-only */
/* Loading a guest's Linux kernel, initrd and boot area (linux_loader.h). */
#include "linux_loader.h"
#include "errmsg.h"

#include <stdio.h>
#include <string.h>

#include <boot/acpi_build.h>
#include <boot/boot_area.h>
#include <boot/bzimage.h>
#include <boot/zeropage.h>

#define PAGE 4096ull
#define TWO_MB (2ull << 20)
#define MIN_RAM (16ull << 20)

static uint64_t page_up(uint64_t v) { return (v + PAGE - 1) & ~(PAGE - 1); }

/* Is [gpa, gpa + len) RAM the e820 map offers (high memory, below limit)? */
static int in_high_ram(uint64_t gpa, uint64_t len, uint64_t limit)
{
    return gpa >= GUEST_HIGH_RAM && gpa <= limit && len <= limit - gpa;
}

static int build_acpi(const struct linux_guest *g, uint8_t *area, uint64_t area_gpa, uint64_t *rsdp,
                      char *err, size_t errlen)
{
    uint32_t apic_ids[GUEST_MAX_VCPUS];
    for (unsigned i = 0; i < g->nr_vcpus; i++)
        apic_ids[i] = i;
    struct acpi_build_ioapic ioapic = { 0, GUEST_IOAPIC_BASE, 0 };
    struct acpi_platform p = {
        .vcpu_apic_ids = apic_ids,
        .nr_vcpus = g->nr_vcpus,
        .lapic_address = GUEST_LAPIC_BASE,
        .pcat_compat = false,               /* no 8259s: Linux goes straight to the I/O APIC */
        .ioapics = &ioapic,
        .nr_ioapics = 1,
        .s5_slp_typ_a = g->s5_type,
        .s5_slp_typ_b = g->s5_type,
    };
    p.fadt.sci_int = g->sci_irq;
    p.fadt.pm1a_evt_blk = g->pm1a_evt;
    p.fadt.pm1_evt_len = g->pm1a_evt ? 4 : 0;
    p.fadt.pm1a_cnt_blk = g->pm1a_cnt;
    p.fadt.pm1_cnt_len = g->pm1a_cnt ? 2 : 0;
    p.fadt.century = 0x32;
    p.fadt.iapc_boot_arch = ACPI_IAPC_8042 | ACPI_IAPC_NO_ASPM;   /* MSI: DOMAIN send_msi delivers it */
    p.fadt.flags = ACPI_FADT_WBINVD;
    if (g->reset_port) {
        p.fadt.flags |= ACPI_FADT_RESET_REG_SUP;
        p.fadt.reset_reg = (struct acpi_gas){ ACPI_SPACE_IO, 8, 0, 1, g->reset_port };
        p.fadt.reset_value = g->reset_value;
    }
    uint64_t ssdt_gpa = area_gpa + BA_SSDT;
    if (g->ssdt_len) {
        if (g->ssdt_len > BA_SSDT_MAX)
            return errmsg(err, errlen, "the VM's PCI SSDT is %zu bytes, more than the boot area's %u", g->ssdt_len,
                          (unsigned)BA_SSDT_MAX);
        memcpy(area + BA_SSDT, g->ssdt, g->ssdt_len);
        p.extra_tables = &ssdt_gpa;
        p.nr_extra_tables = 1;
    }
    struct acpi_layout layout;
    const char *why = NULL;
    if (acpi_build(&p, area + BA_ACPI, BA_ACPI_MAX, area_gpa + BA_ACPI, &layout, &why) < 0)
        return errmsg(err, errlen, "the VM's ACPI tables: %s", why);
    *rsdp = layout.rsdp_gpa;
    return 0;
}

static int build_zero_page(const struct linux_guest *g, uint8_t *area, uint64_t area_gpa, uint64_t initrd_gpa,
                           uint64_t rsdp, const struct bzimage_info *bz, char *err, size_t errlen)
{
    const char *cmdline = g->cmdline ? g->cmdline : "";
    size_t len = strlen(cmdline);
    if (len >= BA_CMDLINE_MAX || (bz->cmdline_size && len > bz->cmdline_size))
        return errmsg(err, errlen, "the kernel command line is %zu bytes; this kernel takes at most %u", len,
                    bz->cmdline_size ? bz->cmdline_size : (unsigned)BA_CMDLINE_MAX - 1);
    memcpy(area + BA_CMDLINE, cmdline, len + 1);

    const struct e820_entry ram[] = {
        { 0, GUEST_LOW_RAM_END, E820_RAM },
        { GUEST_HIGH_RAM, g->ram_size - GUEST_HIGH_RAM, E820_RAM },
    };
    const struct e820_entry reserved[] = {
        { GUEST_LOW_RAM_END, GUEST_HIGH_RAM - GUEST_LOW_RAM_END, E820_RESERVED },
        { area_gpa, BOOT_AREA_SIZE, E820_RESERVED },
    };
    static struct e820_map map;
    const char *why = NULL;
    if (e820_build(ram, 2, reserved, 2, &map, &why) < 0)
        return errmsg(err, errlen, "the VM's memory map: %s", why);
    struct zeropage_config zc = {
        .kernel_load_gpa = bz->load_address,
        .cmdline_gpa = area_gpa + BA_CMDLINE,
        .cmdline_len = len,
        .ramdisk_gpa = g->initrd_len ? initrd_gpa : 0,
        .ramdisk_size = g->initrd_len,
        .acpi_rsdp_gpa = rsdp,
        .e820 = &map,
        .vga_text_console = g->vga_text,
    };
    if (zeropage_build(area + BA_ZERO_PAGE, g->kernel, g->kernel_len, &zc, &why) < 0)
        return errmsg(err, errlen, "the zero page: %s", why);
    return 0;
}

int linux_load(const struct linux_guest *g, struct linux_entry *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (g->ram_size < MIN_RAM || g->ram_size > GUEST_MAX_RAM || g->ram_size % TWO_MB)
        return errmsg(err, errlen, "%llu MB of RAM: a Linux guest needs 16 MB to 3072 MB in 2 MB steps",
                    (unsigned long long)(g->ram_size >> 20));
    if (g->nr_vcpus < 1 || g->nr_vcpus > GUEST_MAX_VCPUS)
        return errmsg(err, errlen, "%u vCPUs: 1 to %d", g->nr_vcpus, GUEST_MAX_VCPUS);
    struct bzimage_info bz;
    const char *why = NULL;
    if (bzimage_parse(g->kernel, g->kernel_len, &bz, &why) < 0)
        return errmsg(err, errlen, "the kernel: %s", why);

    uint64_t area_gpa = g->ram_size - BOOT_AREA_SIZE;
    uint64_t initrd_gpa = area_gpa - page_up(g->initrd_len);
    if (!in_high_ram(bz.load_address, bz.pm_size, initrd_gpa) ||
        !in_high_ram(bz.runtime_start, bz.init_size, initrd_gpa))
        return errmsg(err, errlen, "the kernel needs %llu MB from %#llx and the initrd %llu MB: more than the "
                    "VM's %llu MB of RAM hold", (unsigned long long)(bz.init_size >> 20),
                    (unsigned long long)bz.runtime_start, (unsigned long long)(g->initrd_len >> 20),
                    (unsigned long long)(g->ram_size >> 20));
    if (g->initrd_len && initrd_gpa + g->initrd_len - 1 > bz.initrd_addr_max)
        return errmsg(err, errlen, "the initrd would end above the kernel's limit %#x", bz.initrd_addr_max);

    memcpy(g->ram + bz.load_address, g->kernel + bz.pm_offset, bz.pm_size);
    if (g->initrd_len)
        memcpy(g->ram + initrd_gpa, g->initrd, g->initrd_len);
    uint8_t *area = g->ram + area_gpa;
    boot_area_init(area, area_gpa);
    uint64_t rsdp = 0;
    if (build_acpi(g, area, area_gpa, &rsdp, err, errlen) < 0 ||
        build_zero_page(g, area, area_gpa, initrd_gpa, rsdp, &bz, err, errlen) < 0)
        return -1;

    *out = (struct linux_entry){
        .rip = bz.entry64, .cr3 = area_gpa + BA_PML4, .gdt = area_gpa + BA_GDT, .gdt_limit = BOOT_GDT_LIMIT,
        .rsi = area_gpa + BA_ZERO_PAGE, .boot_area = area_gpa, .initrd_gpa = g->initrd_len ? initrd_gpa : 0,
    };
    const char *v = bzimage_version_string(g->kernel, g->kernel_len, &bz);
    snprintf(out->version, sizeof out->version, "%s", v ? v : "(no version string)");
    return 0;
}
