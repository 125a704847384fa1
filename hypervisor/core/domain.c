/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domain life cycle.  RAM comes from the frame allocator in 2 MiB chunks
 * (mapped with large nested pages); everything outside RAM is left
 * unmapped in the nested page tables, so any access to it exits and is
 * emulated (device pages) or treated as unassigned -- never another
 * domain's or the vmkernel's memory.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arch/cpu.h>
#include <arch/npt.h>
#include <arch/svm.h>
#include <arch/svm_exit.h>
#include <skerry/domain.h>
#include <skerry/irq_passthrough.h>
#include <skerry/hypercall.h>
#include <skerry/log.h>
#include <skerry/memory.h>
#include <skerry/sched.h>
#include <skerry/vcpu.h>
#include <skerry/vdev_platform.h>

#define RAM_CHUNK (2ull << 20)

static struct domain *domains[MAX_DOMAINS];
static spinlock_t domains_lock = SPINLOCK_INIT;
static unsigned next_domain_id;
/* Starts at 1: boot holds a reference until every module is loaded. */
static unsigned nr_alive = 1;

static uint64_t *npt_alloc_table(void *ctx, uint64_t *pa)
{
    (void)ctx;
    uint64_t *t = frames_alloc(1);
    if (t)
        *pa = virt_to_phys(t);
    return t;
}

static uint64_t *npt_table_at(void *ctx, uint64_t pa)
{
    (void)ctx;
    return phys_to_virt(pa);
}

static void npt_free_table(void *ctx, uint64_t *table)
{
    (void)ctx;
    frames_free(table, 1);
}

static const struct npt_ops host_npt_ops = {
    .alloc_table = npt_alloc_table, .table_at = npt_table_at, .free_table = npt_free_table,
};

static void log_all_ended(void);

static void free_domain(struct domain *d)
{
    irq_passthrough_domain_ended(d);        /* one that never ran ends here */
    hypercall_domain_ended(d);
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        if (d->vcpus[i])
            vcpu_destroy(d->vcpus[i]);
    uint64_t chunks = d->identity_mapped ? 0 : d->mem_size / RAM_CHUNK;
    for (uint64_t i = 0; d->ram_frames && i < chunks; i++)
        if (d->ram_frames[i])
            frames_free(phys_to_virt(d->ram_frames[i]), RAM_CHUNK / FRAME_SIZE);
    free(d->ram_frames);
    if (d->arch.npt.root)
        npt_destroy(&d->arch.npt);
    svm_domain_destroy(d);
    free(d);
}

static const char *alloc_ram(struct domain *d)
{
    uint64_t chunks = d->mem_size / RAM_CHUNK;
    d->ram_frames = calloc(chunks, sizeof *d->ram_frames);
    if (!d->ram_frames)
        return "out of vmkernel heap";
    for (uint64_t i = 0; i < chunks; i++) {
        void *chunk = frames_alloc_aligned(RAM_CHUNK / FRAME_SIZE, RAM_CHUNK);
        if (!chunk)
            return "not enough free machine memory";
        d->ram_frames[i] = virt_to_phys(chunk);
        if (npt_map(&d->arch.npt, i * RAM_CHUNK, d->ram_frames[i], RAM_CHUNK, NPT_RWX) < 0)
            return "out of memory for nested page tables";
    }
    return NULL;
}

/* Map [lo, hi) 1:1 except where a hole lies; holes are sorted by base. */
static const char *map_identity(struct domain *d, const struct domain_config *cfg)
{
    uint64_t at = 0;
    for (unsigned i = 0; i <= cfg->nr_identity_holes; i++) {
        uint64_t stop = i < cfg->nr_identity_holes ? cfg->identity_holes[i].base
                                                   : cfg->identity_map_end;
        if (stop > cfg->identity_map_end)
            stop = cfg->identity_map_end;
        if (stop > at && npt_map(&d->arch.npt, at, at, stop - at, NPT_RWX) < 0)
            return "out of memory for nested page tables";
        if (i < cfg->nr_identity_holes && cfg->identity_holes[i].end > at)
            at = cfg->identity_holes[i].end;
    }
    if (cfg->nr_identity_ram > MAX_RAM_RANGES)
        return "too many RAM ranges";
    memcpy(d->ram, cfg->identity_ram, cfg->nr_identity_ram * sizeof d->ram[0]);
    d->nr_ram = cfg->nr_identity_ram;
    return NULL;
}

struct domain *domain_create(const struct domain_config *cfg, const char **why)
{
    if (cfg->nr_vcpus == 0 || cfg->nr_vcpus > MAX_VCPUS_PER_DOM) {
        *why = "vCPU count must be between 1 and 8";
        return NULL;
    }
    bool identity = cfg->nr_identity_ram != 0;
    if (!identity && (cfg->mem_size == 0 || cfg->mem_size > VDEV_IOAPIC_BASE)) {
        *why = "memory size must be between 2 MiB and 4076 MiB";
        return NULL;
    }
    struct domain *d = calloc(1, sizeof *d);
    if (!d) {
        *why = "out of vmkernel heap";
        return NULL;
    }
    d->id = __atomic_fetch_add(&next_domain_id, 1, __ATOMIC_RELAXED);
    snprintf(d->name, sizeof d->name, "%s", cfg->name);
    d->identity_mapped = identity;
    d->mem_size = identity ? 0 : (cfg->mem_size + RAM_CHUNK - 1) & ~(RAM_CHUNK - 1);
    d->nr_vcpus = cfg->nr_vcpus;
    *why = NULL;
    if (svm_domain_init(d) < 0 || npt_init(&d->arch.npt, &host_npt_ops, NULL) < 0)
        *why = "out of memory for control structures";
    if (!*why)
        *why = identity ? map_identity(d, cfg) : alloc_ram(d);
    vdev_platform_init(d);
    for (unsigned i = 0; !*why && i < d->nr_vcpus; i++)
        if (!(d->vcpus[i] = vcpu_create(d, i)))
            *why = "cannot create a vCPU (out of memory, or a TSC rate the vLAPIC cannot model)";
    if (*why) {
        free_domain(d);
        return NULL;
    }
    d->nr_vcpus_alive = d->nr_vcpus;
    uint64_t flags = spin_lock_irqsave(&domains_lock);
    domains[d->id % MAX_DOMAINS] = d;
    nr_alive++;
    spin_unlock_irqrestore(&domains_lock, flags);
    return d;
}

/* Out of the table, then freed (after which no lookup finds it). */
static void remove_and_free(struct domain *d)
{
    uint64_t flags = spin_lock_irqsave(&domains_lock);
    domains[d->id % MAX_DOMAINS] = NULL;
    unsigned left = --nr_alive;
    spin_unlock_irqrestore(&domains_lock, flags);
    free_domain(d);
    if (left == 0)
        log_all_ended();
}

struct domain *domain_create_empty(const char *name, const char **why)
{
    struct domain *d = calloc(1, sizeof *d);
    if (!d) {
        *why = "out of vmkernel heap";
        return NULL;
    }
    d->id = __atomic_fetch_add(&next_domain_id, 1, __ATOMIC_RELAXED);
    snprintf(d->name, sizeof d->name, "%s%u", name, d->id);
    d->cap_built = true;
    if (svm_domain_init(d) < 0 || npt_init(&d->arch.npt, &host_npt_ops, NULL) < 0) {
        *why = "out of memory for control structures";
        free_domain(d);
        return NULL;
    }
    vdev_platform_init(d);
    domain_add_port_handler(d, &vdev_debug_port);
    uint64_t flags = spin_lock_irqsave(&domains_lock);
    bool room = domains[d->id % MAX_DOMAINS] == NULL;
    if (room) {
        domains[d->id % MAX_DOMAINS] = d;
        nr_alive++;
    }
    spin_unlock_irqrestore(&domains_lock, flags);
    if (!room) {
        *why = "too many domains";
        free_domain(d);
        return NULL;
    }
    log_info("dom%u %s: created through a capability", d->id, d->name);
    return d;
}

struct domain *domain_lookup(unsigned id)
{
    uint64_t flags = spin_lock_irqsave(&domains_lock);
    struct domain *d = domains[id % MAX_DOMAINS];
    if (d && d->id != id)
        d = NULL;
    spin_unlock_irqrestore(&domains_lock, flags);
    return d;
}

void domain_vcpu_started(struct domain *d)
{
    __atomic_add_fetch(&d->nr_vcpus_alive, 1, __ATOMIC_ACQ_REL);
}

void domain_release(struct domain *d)
{
    if (__atomic_load_n(&d->nr_vcpus_alive, __ATOMIC_ACQUIRE) != 0) {
        domain_kill(d, "its last capability was deleted");
        return;
    }
    /* No vCPU ever ran: nothing will call domain_vcpu_stopped. */
    d->dying = true;
    log_info("dom%u %s: ended (its last capability was deleted before it ran)", d->id, d->name);
    remove_and_free(d);
}

/* A capability-built domain's RAM: whatever its nested page tables map,
 * within one page (frames are not contiguous in host memory). */
static void *mapped_gpa_to_host(struct domain *d, uint64_t gpa, uint64_t len)
{
    uint64_t hpa, last;
    unsigned perms;
    if (len == 0 || gpa + len < gpa || (gpa & ~0xFFFull) != ((gpa + len - 1) & ~0xFFFull))
        return NULL;
    if (!npt_lookup(&d->arch.npt, gpa, &hpa, &perms) || !npt_lookup(&d->arch.npt, gpa + len - 1, &last, NULL))
        return NULL;
    return phys_to_virt(hpa);
}

void *domain_gpa_to_host(struct domain *d, uint64_t gpa, uint64_t len)
{
    if (d->cap_built)
        return mapped_gpa_to_host(d, gpa, len);
    if (d->identity_mapped) {
        for (unsigned i = 0; i < d->nr_ram; i++)
            if (gpa >= d->ram[i].base && len <= d->ram[i].end - gpa && gpa < d->ram[i].end)
                return phys_to_virt(gpa);
        return NULL;
    }
    if (len == 0 || gpa >= d->mem_size || len > d->mem_size - gpa)
        return NULL;
    if ((gpa & (RAM_CHUNK - 1)) + len > RAM_CHUNK)
        return NULL;                  /* chunks are not contiguous in host memory */
    return phys_to_virt(d->ram_frames[gpa / RAM_CHUNK] + (gpa & (RAM_CHUNK - 1)));
}

int domain_add_port_handler(struct domain *d, const struct port_handler *h)
{
    if (d->nr_ports == MAX_PORT_HANDLERS)
        return -1;
    d->ports[d->nr_ports++] = *h;
    return 0;
}

uint64_t guest_tsc_now(const struct vcpu *v)
{
    return rdtsc() + v->arch.vmcb->control.tsc_offset;
}

void domain_kill(struct domain *d, const char *fmt, ...)
{
    if (__atomic_exchange_n(&d->dying, true, __ATOMIC_ACQ_REL))
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->end_reason, sizeof d->end_reason, fmt, ap);
    va_end(ap);
    log_warn("dom%u %s: ending: %s", d->id, d->name, d->end_reason);
    irq_passthrough_domain_ended(d);        /* its assigned lines go back to the console */
    sched_stop_domain(d);
}

static void log_exit_counts(const struct domain *d)
{
    if (!d)
        return;
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        const struct vcpu *v = d->vcpus[i];
        char line[256];
        int n = snprintf(line, sizeof line, "dom%u %s vcpu%u (world %u): run %llu us, ready %llu us, exits",
                         d->id, d->name, i, v->world_id, (unsigned long long)(v->run_ns / 1000),
                         (unsigned long long)(v->ready_ns / 1000));
        for (unsigned r = 0; r < NR_EXIT_REASONS && n < (int)sizeof line; r++)
            if (v->exits[r])
                n += snprintf(line + n, sizeof line - (size_t)n, " %s=%llu", svm_exit_reason_name(r),
                              (unsigned long long)v->exits[r]);
        log_info("%s", line);
    }
}

void domain_vcpu_stopped(struct vcpu *v)
{
    struct domain *d = v->dom;
    if (__atomic_sub_fetch(&d->nr_vcpus_alive, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    log_exit_counts(d);
    log_info("dom%u %s: ended (%s)", d->id, d->name, d->end_reason);
    remove_and_free(d);
}

static void log_all_ended(void)
{
    log_info("all domains have ended; %llu MiB free", (unsigned long long)(memory_free_bytes() >> 20));
}

void domains_boot_done(void)
{
    uint64_t flags = spin_lock_irqsave(&domains_lock);
    unsigned left = --nr_alive;
    spin_unlock_irqrestore(&domains_lock, flags);
    if (left == 0)
        log_all_ended();
}

void domains_log_stats(void)
{
    /* Under the lock: a domain is removed from the table before it is freed. */
    uint64_t flags = spin_lock_irqsave(&domains_lock);
    for (unsigned i = 0; i < MAX_DOMAINS; i++)
        if (domains[i] && !domains[i]->dying)
            log_exit_counts(domains[i]);
    spin_unlock_irqrestore(&domains_lock, flags);
}

unsigned domains_alive(void)
{
    return nr_alive;
}

struct domain *domain_by_index(unsigned i)
{
    return i < MAX_DOMAINS ? domains[i] : NULL;
}

uint64_t domain_ram_bytes(const struct domain *d)
{
    if (d->cap_built)
        return d->mapped_bytes;
    if (!d->identity_mapped)
        return d->mem_size;
    uint64_t n = 0;
    for (unsigned i = 0; i < d->nr_ram; i++)
        n += d->ram[i].end - d->ram[i].base;
    return n;
}

bool domain_summary_at(unsigned i, struct domain_summary *out)
{
    bool found = false;
    uint64_t flags = spin_lock_irqsave(&domains_lock);
    for (unsigned k = 0; k < MAX_DOMAINS && !found; k++) {
        const struct domain *d = domains[k];
        if (!d || i--)
            continue;
        *out = (struct domain_summary){ .id = d->id, .nr_vcpus = d->nr_vcpus,
                                        .mem_bytes = domain_ram_bytes(d),
                                        .dying = d->dying };
        memcpy(out->name, d->name, sizeof out->name);
        found = true;
    }
    spin_unlock_irqrestore(&domains_lock, flags);
    return found;
}

bool world_summary_at(unsigned i, struct world_summary *out)
{
    bool found = false;
    uint64_t flags = spin_lock_irqsave(&domains_lock);
    for (unsigned k = 0; k < MAX_DOMAINS && !found; k++) {
        const struct domain *d = domains[k];
        if (!d)
            continue;
        if (i >= d->nr_vcpus) {
            i -= d->nr_vcpus;
            continue;
        }
        const struct vcpu *v = d->vcpus[i];
        *out = (struct world_summary){ .world_id = v->world_id, .domain_id = d->id, .vcpu_index = v->index,
                                       .state = v->state, .pcpu = v->running_on, .run_ns = v->run_ns,
                                       .ready_ns = v->ready_ns };
        found = true;
    }
    spin_unlock_irqrestore(&domains_lock, flags);
    return found;
}

unsigned domains_count(void)
{
    unsigned n = 0;
    uint64_t flags = spin_lock_irqsave(&domains_lock);
    for (unsigned k = 0; k < MAX_DOMAINS; k++)
        n += domains[k] != NULL;
    spin_unlock_irqrestore(&domains_lock, flags);
    return n;
}
