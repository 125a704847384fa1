/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Building the service console (domain 0).  Its guest-physical space is
 * the machine's, 1:1, so that the devices it drives can DMA into its
 * memory; the vmkernel's image and pool, the MMCONFIG window and the
 * interrupt controllers are holes.  Boot follows Linux's 64-bit protocol
 * (Documentation/arch/x86/boot.rst): the protected-mode part copied to its
 * load address, a zero page with the e820 map, our ACPI tables, and entry
 * in long mode with RSI pointing at the zero page.
 */
#include <stdio.h>
#include <string.h>
#include <arch/acpi_parse.h>
#include <arch/permission_maps.h>
#include <arch/platform.h>
#include <arch/svm.h>
#include <boot/acpi_build.h>
#include <boot/boot_area.h>
#include <boot/bzimage.h>
#include <skerry/cmdline.h>
#include <skerry/console.h>
#include <skerry/domain.h>
#include <skerry/hypercall.h>
#include <skerry/elf64.h>
#include <skerry/irq_passthrough.h>
#include <skerry/log.h>
#include <skerry/memory.h>
#include <skerry/percpu.h>
#include <skerry/pvpanic.h>
#include <skerry/sched.h>
#include <skerry/vdev_platform.h>
#include <boot/zeropage.h>

#define MAX_HOLES        16
#define MMIO_PAGE        0x1000ull
#define FOUR_GB          (4ull << 30)
#define MIN_CONSOLE_MEM  (128ull << 20)

extern struct machine_topology machine;

/* Everything console_create() works out before it builds the domain. */
struct console_plan {
    const struct boot_module *kernel;
    const struct boot_module *initrd;
    const char *cmdline;             /* the kernel module's words after its path */
    struct bzimage_info bz;
    struct ram_range ram[MAX_RAM_RANGES];
    unsigned nr_ram;
    struct ram_range holes[MAX_HOLES];
    unsigned nr_holes;
    uint64_t boot_area;
    uint64_t initrd_gpa;
    uint64_t map_end;
    uint16_t pm1a_cnt;
};

static bool is_bzimage(const struct boot_module *m)
{
    return m->end - m->start > 0x206 &&
           memcmp((const uint8_t *)phys_to_virt(m->start) + 0x202, "HdrS", 4) == 0;
}

static bool find_modules(const struct boot_info *bi, struct console_plan *p)
{
    for (unsigned i = 0; i < bi->nr_modules && !p->kernel; i++) {
        if (!is_bzimage(&bi->modules[i]))
            continue;
        p->kernel = &bi->modules[i];
        const char *args = p->kernel->cmdline;
        while (*args && *args != ' ')
            args++;
        while (*args == ' ')
            args++;
        p->cmdline = args;
        for (unsigned j = i + 1; j < bi->nr_modules; j++) {
            const struct boot_module *m = &bi->modules[j];
            if (!is_bzimage(m) && !elf64_is_elf64(phys_to_virt(m->start), m->end - m->start)) {
                p->initrd = m;
                break;
            }
        }
    }
    return p->kernel != NULL;
}

static void add_hole(struct console_plan *p, uint64_t base, uint64_t end)
{
    base &= ~(MMIO_PAGE - 1);
    end = (end + MMIO_PAGE - 1) & ~(MMIO_PAGE - 1);
    if (p->nr_holes == MAX_HOLES || base >= end)
        return;
    unsigned i = p->nr_holes++;
    while (i > 0 && p->holes[i - 1].base > base) {     /* keep them sorted */
        p->holes[i] = p->holes[i - 1];
        i--;
    }
    p->holes[i] = (struct ram_range){ base, end };
}

/* What the console may not reach: the vmkernel's memory and emulated pages. */
static void plan_holes(struct console_plan *p)
{
    uint64_t pool_base, pool_end;
    add_hole(p, virt_to_phys(__image_start), virt_to_phys(__image_end));
    if (memory_pool(&pool_base, &pool_end))
        add_hole(p, pool_base, pool_end);
    add_hole(p, VDEV_LAPIC_BASE, VDEV_LAPIC_BASE + MMIO_PAGE);
    for (unsigned i = 0; i < machine.nr_ioapics; i++)
        add_hole(p, machine.ioapics[i].address, machine.ioapics[i].address + MMIO_PAGE);
    /* PCI config space only through the filtered ports, never MMCONFIG. */
    uint64_t mcfg = acpi_find_table(phys_read_identity, machine_rsdp, "MCFG");
    const uint8_t *t = mcfg ? phys_read_identity(mcfg, 60) : NULL;
    if (t) {
        uint64_t base;
        memcpy(&base, t + 44, 8);
        uint8_t start_bus = t[54], end_bus = t[55];
        add_hole(p, base + ((uint64_t)start_bus << 20), base + (((uint64_t)end_bus + 1) << 20));
    }
}

/* Console RAM: the machine's usable RAM minus the holes. */
static void plan_ram(const struct boot_info *bi, struct console_plan *p)
{
    for (unsigned i = 0; i < bi->nr_mem; i++) {
        const struct mem_region *r = &bi->mem[i];
        if (r->type != MEM_USABLE)
            continue;
        uint64_t at = r->base, end = r->base + r->length;
        if (end > p->map_end)
            p->map_end = end;
        for (unsigned h = 0; h <= p->nr_holes && at < end; h++) {
            uint64_t stop = h < p->nr_holes ? p->holes[h].base : end;
            if (stop > end)
                stop = end;
            if (stop > at && p->nr_ram < MAX_RAM_RANGES)
                p->ram[p->nr_ram++] = (struct ram_range){ at, stop };
            if (h < p->nr_holes && p->holes[h].end > at)
                at = p->holes[h].end;
        }
    }
    if (p->map_end < FOUR_GB)
        p->map_end = FOUR_GB;
}

/*
 * console_mem=SIZE: the console keeps its lowest SIZE of RAM; the rest
 * becomes holes (left for the vmkernel to give to other domains later).
 */
static void apply_memory_limit(struct console_plan *p, uint64_t limit)
{
    uint64_t kept = 0;
    unsigned n = 0;
    struct ram_range cut[MAX_RAM_RANGES];
    unsigned nr_cut = 0;
    for (unsigned i = 0; i < p->nr_ram; i++) {
        struct ram_range r = p->ram[i];
        uint64_t len = r.end - r.base;
        if (kept >= limit) {
            cut[nr_cut++] = r;
            continue;
        }
        if (len > limit - kept) {
            uint64_t split = (r.base + (limit - kept)) & ~(MMIO_PAGE - 1);
            cut[nr_cut++] = (struct ram_range){ split, r.end };
            r.end = split;
        }
        kept += r.end - r.base;
        if (r.end > r.base)
            p->ram[n++] = r;
    }
    p->nr_ram = n;
    for (unsigned i = 0; i < nr_cut; i++)
        add_hole(p, cut[i].base, cut[i].end);
}

static bool in_ram(const struct console_plan *p, uint64_t base, uint64_t len)
{
    for (unsigned i = 0; i < p->nr_ram; i++)
        if (base >= p->ram[i].base && len <= p->ram[i].end - base && base < p->ram[i].end)
            return true;
    return false;
}

/*
 * The boot area (page tables, GDT, zero page, command line, ACPI tables)
 * goes at the top of the highest console RAM below 4 GiB, and the initrd
 * just under it, so that neither collides with the kernel at 16 MiB.
 */
static const char *place_boot_data(struct console_plan *p)
{
    uint64_t initrd_size = p->initrd ? p->initrd->end - p->initrd->start : 0;
    for (unsigned i = p->nr_ram; i-- > 0;) {
        uint64_t end = p->ram[i].end < FOUR_GB ? p->ram[i].end : FOUR_GB;
        if (end <= p->ram[i].base)
            continue;
        end &= ~(MMIO_PAGE - 1);
        uint64_t need = BOOT_AREA_SIZE + ((initrd_size + MMIO_PAGE - 1) & ~(MMIO_PAGE - 1));
        if (end - p->ram[i].base < need)
            continue;
        p->boot_area = end - BOOT_AREA_SIZE;
        p->initrd_gpa = p->boot_area - ((initrd_size + MMIO_PAGE - 1) & ~(MMIO_PAGE - 1));
        if (p->initrd_gpa + initrd_size > (uint64_t)p->bz.initrd_addr_max + 1)
            return "the initramfs does not fit below the kernel's initrd_addr_max";
        return NULL;
    }
    return "no room below 4 GiB for the boot data and the initramfs";
}

/* The machine's FADT and MADT overrides, carried into the console's tables. */
static const char *build_acpi(struct console_plan *p, unsigned nr_vcpus, uint8_t *area,
                              uint64_t *rsdp_gpa)
{
    uint64_t fadt_pa = acpi_find_table(phys_read_identity, machine_rsdp, "FACP");
    const uint8_t *fadt = fadt_pa ? phys_read_identity(fadt_pa, 36) : NULL;
    if (!fadt)
        return "the machine has no ACPI FADT to describe its power management";
    uint32_t fadt_len;
    memcpy(&fadt_len, fadt + 4, 4);
    struct acpi_platform plat = { 0 };
    const char *why = NULL;
    if (acpi_read_fadt(phys_read_identity(fadt_pa, fadt_len), fadt_len, &plat.fadt, &why) < 0)
        return why;
    p->pm1a_cnt = (uint16_t)plat.fadt.pm1a_cnt_blk;

    uint32_t apic_ids[MAX_VCPUS_PER_DOM];
    for (unsigned i = 0; i < nr_vcpus; i++)
        apic_ids[i] = i;
    struct acpi_build_ioapic ioapic = { 0, (uint32_t)VDEV_IOAPIC_BASE, 0 };
    struct acpi_build_override overrides[16];
    unsigned n = 0;
    for (unsigned i = 0; i < machine.nr_overrides && n < 16; i++)
        overrides[n++] = (struct acpi_build_override){ machine.overrides[i].source,
                                                       machine.overrides[i].gsi,
                                                       machine.overrides[i].flags };
    plat.vcpu_apic_ids = apic_ids;
    plat.nr_vcpus = nr_vcpus;
    plat.lapic_address = (uint32_t)VDEV_LAPIC_BASE;
    plat.pcat_compat = false;
    plat.ioapics = &ioapic;
    plat.nr_ioapics = 1;
    plat.overrides = overrides;
    plat.nr_overrides = n;
    uint64_t ssdt_gpa = p->boot_area + BA_SSDT;
    if (pvpanic_ssdt(area + BA_SSDT, BA_SSDT_MAX, PVPANIC_DEFAULT_PORT)) {
        plat.extra_tables = &ssdt_gpa;
        plat.nr_extra_tables = 1;
    }
    struct acpi_layout layout;
    if (acpi_build(&plat, area + BA_ACPI, BA_ACPI_MAX, p->boot_area + BA_ACPI, &layout, &why) < 0)
        return why;
    *rsdp_gpa = layout.rsdp_gpa;
    return NULL;
}

static const char *build_zero_page(const struct boot_info *bi, struct console_plan *p,
                                   uint8_t *area, uint64_t rsdp_gpa)
{
    size_t len = strlen(p->cmdline);
    if (len >= BA_CMDLINE_MAX || (p->bz.cmdline_size && len > p->bz.cmdline_size))
        return "the console's kernel command line is too long";
    memcpy(area + BA_CMDLINE, p->cmdline, len + 1);

    struct e820_entry ram[MAX_RAM_RANGES], overlays[MB_MAX_MEM_REGIONS + MAX_HOLES + 1];
    unsigned nr_overlays = 0;
    for (unsigned i = 0; i < p->nr_ram; i++)
        ram[i] = (struct e820_entry){ p->ram[i].base, p->ram[i].end - p->ram[i].base, E820_RAM };
    for (unsigned i = 0; i < bi->nr_mem; i++)
        if (bi->mem[i].type != MEM_USABLE)
            overlays[nr_overlays++] = (struct e820_entry){ bi->mem[i].base, bi->mem[i].length,
                                                           bi->mem[i].type };
    /* The vmkernel's memory is reserved, not absent: the console must not
     * put a PCI BAR there or treat it as free address space. */
    for (unsigned i = 0; i < p->nr_holes; i++)
        overlays[nr_overlays++] = (struct e820_entry){
            p->holes[i].base, p->holes[i].end - p->holes[i].base, E820_RESERVED };
    overlays[nr_overlays++] = (struct e820_entry){ p->boot_area, BOOT_AREA_SIZE, E820_RESERVED };
    static struct e820_map map;
    const char *why = NULL;
    if (e820_build(ram, p->nr_ram, overlays, nr_overlays, &map, &why) < 0)
        return why;
    struct zeropage_config zc = {
        .kernel_load_gpa = p->bz.load_address,
        .cmdline_gpa = p->boot_area + BA_CMDLINE,
        .cmdline_len = len,
        .ramdisk_gpa = p->initrd ? p->initrd_gpa : 0,
        .ramdisk_size = p->initrd ? p->initrd->end - p->initrd->start : 0,
        .acpi_rsdp_gpa = rsdp_gpa,
        .e820 = &map,
        .vga_text_console = true,
    };
    const uint8_t *image = phys_to_virt(p->kernel->start);
    if (zeropage_build(area + BA_ZERO_PAGE, image, p->kernel->end - p->kernel->start, &zc, &why) < 0)
        return why;
    return NULL;
}

/* Copy the initramfs first: the kernel's destination may overlap its module. */
static const char *load_images(struct console_plan *p)
{
    if (p->initrd)
        memmove(phys_to_virt(p->initrd_gpa), phys_to_virt(p->initrd->start),
                p->initrd->end - p->initrd->start);
    const uint8_t *image = phys_to_virt(p->kernel->start);
    if (!in_ram(p, p->bz.runtime_start, p->bz.init_size) ||
        !in_ram(p, p->bz.load_address, p->bz.pm_size))
        return "the kernel's load address is not in the console's RAM";
    memmove(phys_to_virt(p->bz.load_address), image + p->bz.pm_offset, p->bz.pm_size);
    return NULL;
}

/* Ports the vmkernel keeps or emulates; every other port is the console's. */
static void set_port_intercepts(struct domain *d, const struct console_plan *p)
{
    static const struct { uint16_t first, count; } kept[] = {
        { 0x20, 2 }, { 0xA0, 2 }, { 0x4D0, 2 },          /* 8259 PICs and ELCR */
        { 0x40, 4 },                                       /* PIT */
        { 0x64, 1 }, { 0x92, 1 }, { 0xCF9, 1 },            /* reset paths */
        { 0xCF8, 8 },                                      /* PCI configuration */
        { VMWARE_BACKDOOR_PORT, 2 },                       /* backdoor (and its HB port) */
        { PVPANIC_DEFAULT_PORT, 1 },                       /* panic reports */
    };
    iopm_set(d->arch.iopm, 0, 0x10000, false);
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        iopm_set(d->arch.iopm, kept[i].first, kept[i].count, true);
    iopm_set(d->arch.iopm, log_port_base(), 8, true);
    if (p->pm1a_cnt)
        iopm_set(d->arch.iopm, p->pm1a_cnt, 2, true);
}

static uint64_t kept_gsis(void)
{
    uint64_t kept = 1ull << 0 | 1ull << 2;           /* the PIT, directly and via override */
    uint16_t port = log_port_base();
    kept |= 1ull << ((port == 0x3F8 || port == 0x3E8) ? 4 : 3);
    return kept;
}

static const char *plan(const struct boot_info *bi, struct console_plan *p)
{
    const char *why = NULL;
    const uint8_t *image = phys_to_virt(p->kernel->start);
    if (bzimage_parse(image, p->kernel->end - p->kernel->start, &p->bz, &why) < 0)
        return why;
    plan_holes(p);
    plan_ram(bi, p);
    uint64_t limit = cmdline_get_u64(bi->cmdline, "console_mem", 0);
    if (limit) {
        if (limit < MIN_CONSOLE_MEM)
            return "console_mem is too small (the console needs at least 128 MiB)";
        apply_memory_limit(p, limit);
    }
    return place_boot_data(p);
}

static struct domain *build(const struct boot_info *bi, struct console_plan *p, unsigned vcpus,
                            const char **why)
{
    uint8_t *area = phys_to_virt(p->boot_area);
    uint64_t rsdp_gpa = 0;
    if ((*why = load_images(p)) || (*why = build_acpi(p, vcpus, area, &rsdp_gpa)))
        return NULL;
    boot_area_init(area, p->boot_area);
    if ((*why = build_zero_page(bi, p, area, rsdp_gpa)))
        return NULL;
    struct domain_config cfg = {
        .name = "console",
        .nr_vcpus = vcpus,
        .identity_ram = p->ram,
        .nr_identity_ram = p->nr_ram,
        .identity_holes = p->holes,
        .nr_identity_holes = p->nr_holes,
        .identity_map_end = p->map_end,
    };
    struct domain *d = domain_create(&cfg, why);
    if (!d)
        return NULL;
    set_port_intercepts(d, p);
    if (console_legacy_init(d, p->pm1a_cnt) < 0 || pvpanic_attach(d, PVPANIC_DEFAULT_PORT) < 0 ||
        domain_add_port_handler(d, &vdev_pci_config_ports[0]) < 0 ||
        domain_add_port_handler(d, &vdev_pci_config_ports[1]) < 0) {
        *why = "too many emulated port ranges";
        domain_kill(d, "could not be set up");
        return NULL;
    }
    irq_passthrough_init(d, kept_gsis());
    struct vcpu *v = d->vcpus[0];
    svm_vcpu_set_long_mode(v, p->bz.entry64, p->boot_area + BA_PML4, p->boot_area + BA_GDT,
                           BOOT_GDT_LIMIT);
    v->arch.gprs.r[X86_RSI] = p->boot_area + BA_ZERO_PAGE;
    /* The others wait for Linux to start them with INIT-SIPI-SIPI. */
    for (unsigned i = 1; i < d->nr_vcpus; i++) {
        d->vcpus[i]->awaiting_sipi = true;
        d->vcpus[i]->state = VCPU_HALTED;
    }
    return d;
}

/*
 * Domain 0's capabilities: untyped memory for all of the vmkernel's pool
 * but a reserve for its own needs (console_untyped=<MiB> sets the amount).
 */
#define VMKERNEL_RESERVE (64ull << 20)

static void grant_capabilities(const struct boot_info *bi, struct domain *d)
{
    uint64_t free = memory_free_bytes();
    uint64_t dflt = free > VMKERNEL_RESERVE ? (free - VMKERNEL_RESERVE) >> 20 : 0;
    uint64_t bytes = cmdline_get_u64(bi->cmdline, "console_untyped", dflt) << 20;
    if (hypercall_grant_boot_caps(d, SK_DOM0_CSPACE_BITS, bytes) < 0)
        log_warn("dom%u console: got less untyped memory than the %llu MiB asked for", d->id,
                 (unsigned long long)(bytes >> 20));
}

struct domain *console_create(const struct boot_info *bi)
{
    static struct console_plan p;
    memset(&p, 0, sizeof p);
    if (!find_modules(bi, &p))
        return NULL;
    unsigned vcpus = (unsigned)cmdline_get_u64(bi->cmdline, "console_vcpus", 1);
    if (vcpus == 0 || vcpus > MAX_VCPUS_PER_DOM) {
        log_warn("console_vcpus=%u is out of range 1-%u; using 1", vcpus, MAX_VCPUS_PER_DOM);
        vcpus = 1;
    }
    const char *why = plan(bi, &p);
    struct domain *d = why ? NULL : build(bi, &p, vcpus, &why);
    if (!d) {
        log_err("console: cannot boot %s: %s", p.kernel->cmdline, why);
        return NULL;
    }
    grant_capabilities(bi, d);
    const char *version = bzimage_version_string(phys_to_virt(p.kernel->start),
                                                 p.kernel->end - p.kernel->start, &p.bz);
    log_info("dom%u console: Linux %s, boot protocol %u.%02u, entry %#llx, %u vCPU(s)", d->id,
             version ? version : "(unknown version)", p.bz.protocol >> 8, p.bz.protocol & 0xFF,
             (unsigned long long)p.bz.entry64, d->nr_vcpus);
    for (unsigned i = 0; i < p.nr_ram; i++)
        log_info("dom%u console: RAM %#llx-%#llx", d->id, (unsigned long long)p.ram[i].base,
                 (unsigned long long)p.ram[i].end - 1);
    log_info("dom%u console: initramfs %llu KiB at %#llx, command line \"%s\"", d->id,
             (unsigned long long)(p.initrd ? (p.initrd->end - p.initrd->start) >> 10 : 0),
             (unsigned long long)p.initrd_gpa, p.cmdline);
    return d;
}
