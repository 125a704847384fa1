/* SPDX-License-Identifier: GPL-2.0-only */
#include <stdio.h>
#include <string.h>
#include <arch/pt_entry.h>
#include <arch/svm.h>
#include <skerry/cmdline.h>
#include <skerry/console.h>
#include <skerry/domain.h>
#include <skerry/domain_builder.h>
#include <skerry/elf64.h>
#include <skerry/hypercall.h>
#include <skerry/log.h>
#include <skerry/memory.h>
#include <skerry/sched.h>
#include <skerry/vdev_platform.h>

/* Guest-physical layout of the start-up structures of a test domain. */
#define GUEST_PML4     0x1000ull
#define GUEST_PDPT     0x2000ull
#define GUEST_PD       0x3000ull     /* four page directories: 0-4 GiB */
#define GUEST_GDT      0x7000ull
#define GUEST_LOW_END  0x8000ull     /* images must load above this */
#define DEFAULT_TEST_MEM   (16ull << 20)
#define TEST_CSPACE_BITS   8             /* 256 slots */

static const uint64_t guest_gdt[4] = {
    0, 0,
    0x00AF9A000000FFFFull,           /* 0x10: 64-bit code */
    0x00CF92000000FFFFull,           /* 0x18: data */
};

static void *gpa(struct domain *d, uint64_t addr, uint64_t len)
{
    return domain_gpa_to_host(d, addr, len);
}

static void build_identity_map(struct domain *d)
{
    uint64_t *pml4 = gpa(d, GUEST_PML4, FRAME_SIZE);
    uint64_t *pdpt = gpa(d, GUEST_PDPT, FRAME_SIZE);
    pml4[0] = GUEST_PDPT | PTE_PRESENT | PTE_WRITE;
    for (uint64_t i = 0; i < 4; i++) {
        uint64_t *pd = gpa(d, GUEST_PD + i * FRAME_SIZE, FRAME_SIZE);
        pdpt[i] = (GUEST_PD + i * FRAME_SIZE) | PTE_PRESENT | PTE_WRITE;
        for (uint64_t j = 0; j < 512; j++)
            pd[j] = ((i << 30) + (j << 21)) | PTE_PRESENT | PTE_WRITE | PTE_LARGE;
    }
    memcpy(gpa(d, GUEST_GDT, sizeof guest_gdt), guest_gdt, sizeof guest_gdt);
}

static int load_segments(struct domain *d, const uint8_t *image, const struct elf64_image *elf,
                         const char **why)
{
    for (unsigned i = 0; i < elf->nr_segments; i++) {
        const struct elf64_segment *s = &elf->segments[i];
        if (s->paddr < GUEST_LOW_END || s->paddr + s->mem_size > d->mem_size) {
            *why = "a segment does not fit in the domain's memory above 32 KiB";
            return -1;
        }
        /* Copy in 4 KiB steps: RAM is only contiguous within 2 MiB chunks. */
        for (uint64_t off = 0; off < s->mem_size;) {
            uint64_t addr = s->paddr + off;
            uint64_t n = FRAME_SIZE - (addr & (FRAME_SIZE - 1));
            if (n > s->mem_size - off)
                n = s->mem_size - off;
            uint8_t *dst = gpa(d, addr, n);
            uint64_t from_file = off < s->file_size ? s->file_size - off : 0;
            if (from_file > n)
                from_file = n;
            memcpy(dst, image + s->file_offset + off, from_file);
            memset(dst + from_file, 0, n - from_file);
            off += n;
        }
    }
    return 0;
}

static void module_name(const char *cmdline, char *out, size_t cap)
{
    if (cmdline_get(cmdline, "name", out, cap))
        return;
    const char *base = cmdline;               /* the path's last component */
    for (const char *p = cmdline; *p && *p != ' '; p++)
        if (*p == '/')
            base = p + 1;
    size_t n = 0;
    while (base[n] && base[n] != ' ' && base[n] != '.' && n + 1 < cap) {
        out[n] = base[n];
        n++;
    }
    out[n] = '\0';
}

static struct domain *create_test_domain(const struct boot_module *m)
{
    char name[DOMAIN_NAME_MAX];
    module_name(m->cmdline, name, sizeof name);
    const uint8_t *image = phys_to_virt(m->start);
    size_t size = (size_t)(m->end - m->start);
    struct elf64_image elf;
    const char *why = NULL;
    if (elf64_parse(image, size, &elf, &why) < 0) {
        log_err("module %s: not loaded: %s", m->cmdline, why);
        return NULL;
    }
    struct domain_config cfg = {
        .name = name,
        .mem_size = cmdline_get_u64(m->cmdline, "mem", DEFAULT_TEST_MEM),
        .nr_vcpus = (unsigned)cmdline_get_u64(m->cmdline, "vcpus", 1),
    };
    struct domain *d = domain_create(&cfg, &why);
    if (!d) {
        log_err("module %s: cannot create the domain: %s", m->cmdline, why);
        return NULL;
    }
    if (load_segments(d, image, &elf, &why) < 0) {
        log_err("module %s: cannot load: %s", m->cmdline, why);
        domain_kill(d, "image could not be loaded");
        return NULL;
    }
    build_identity_map(d);
    domain_add_port_handler(d, &vdev_debug_port);
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        svm_vcpu_set_long_mode(v, elf.entry, GUEST_PML4, GUEST_GDT, sizeof guest_gdt - 1);
        v->arch.gprs.r[X86_RDI] = i;
        v->arch.gprs.r[X86_RSI] = d->nr_vcpus;
    }
    /* "cspace" gives it capabilities as the console has them, with
     * untyped=<MiB> of untyped memory: for the hypercall tests. */
    if (cmdline_has_flag(m->cmdline, "cspace") &&
        hypercall_grant_boot_caps(d, TEST_CSPACE_BITS, cmdline_get_u64(m->cmdline, "untyped", 0) << 20) < 0)
        log_warn("dom%u %s: got less untyped memory than asked for", d->id, d->name);
    log_info("dom%u %s: test domain, %u vCPU(s), %llu MiB, entry %#llx", d->id, d->name,
             d->nr_vcpus, (unsigned long long)(d->mem_size >> 20), (unsigned long long)elf.entry);
    return d;
}

static bool module_is_bzimage(const struct boot_module *m)
{
    const uint8_t *p = phys_to_virt(m->start);
    return m->end - m->start > 0x206 && memcmp(p + 0x202, "HdrS", 4) == 0;
}

bool boot_modules_have_console(const struct boot_info *bi)
{
    for (unsigned i = 0; i < bi->nr_modules; i++)
        if (module_is_bzimage(&bi->modules[i]))
            return true;
    return false;
}

void domains_create_from_modules(const struct boot_info *bi)
{
    struct domain *built[MB_MAX_MODULES + 1];
    unsigned n = 0;
    for (unsigned i = 0; i < bi->nr_modules; i++) {
        const struct boot_module *m = &bi->modules[i];
        if (!elf64_is_elf64(phys_to_virt(m->start), (size_t)(m->end - m->start))) {
            if (!boot_modules_have_console(bi))
                log_warn("module %u (%s): unknown format, ignored", i, m->cmdline);
            continue;
        }
        struct domain *d = create_test_domain(m);
        if (d)
            built[n++] = d;
    }
    /* After the test domains: the console's kernel may overwrite module memory. */
    struct domain *console = console_create(bi);
    if (console)
        built[n++] = console;
    /* Start them together, once all are built, so they share the CPUs. */
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = 0; j < built[i]->nr_vcpus; j++)
            if (!built[i]->vcpus[j]->awaiting_sipi)
                sched_add_vcpu(built[i]->vcpus[j]);
    if (domains_alive() == 1)
        log_warn("no domain was started: nothing to run");
    domains_boot_done();
}
