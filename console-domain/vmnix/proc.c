// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/vmware, as on ESX: every read asks the vmkernel afresh through the
 * SYSTEM capability (slot SK_CAP_SYSTEM).  When it cannot answer, each file
 * says why instead of its contents.
 *
 *   version           the vmkernel's ABI (system_info and CPUID), CPUs, memory
 *   sched/ncpus       "N logical", "N cores", "N packages" (VMware Tools' host info)
 *   sched/cpu         one line per world: run and ready time
 *   mem               machine memory and each domain's
 *   interrupts        interrupt lines and their counts
 *   log               the vmkernel log ring (proc_log.c)
 *   vm/<id>/names     each domain's id and name (proc_vm.c)
 */
#include <linux/kernel.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include "vmnix.h"

/* Bounds on the index walks, should a vmkernel never say "no more". */
#define VMNIX_MAX_WORLDS    4096
#define VMNIX_MAX_IRQS      1024

static struct proc_dir_entry *vmware_dir;

void vmnix_failed(struct seq_file *m, const char *what, long err)
{
    if (err < 0)
        seq_printf(m, "vmnix: %s\n", vmnix_error_text(err));
    else
        seq_printf(m, "vmnix: %s failed: %s (%ld)\n", what, vmnix_error_text(err), err);
}

/* The name in n0..n3: 32 bytes, little-endian, NUL-padded. */
static void vmnix_decode_name(const struct sk_system_domain_info_result *r, char *out)
{
    const u64 w[4] = { r->n0, r->n1, r->n2, r->n3 };
    int i;

    for (i = 0; i < VMNIX_NAME_LEN; i++) {
        char c = (char)(w[i / 8] >> (8 * (i % 8)));

        if (!c)
            break;
        out[i] = (c >= 0x21 && c < 0x7f) ? c : '?';
    }
    out[i] = '\0';
}

/*
 * Every domain, from index 0 until the vmkernel says there are no more.
 * Returns how many, or the error of the first call (a negative count is
 * never returned: *err holds it, and 0 domains).
 */
static int vmnix_domains(struct vmnix_domain *d, int max, long *err)
{
    struct sk_system_domain_info_result r;
    int n;

    *err = SK_OK;
    for (n = 0; n < max; n++) {
        long e = sk_system_domain_info(SK_CAP_SYSTEM, n, &r);

        if (e != SK_OK) {
            if (n == 0)
                *err = e;
            break;
        }
        d[n].id = r.id;
        d[n].nr_vcpus = r.nr_vcpus;
        d[n].mem_bytes = r.mem_bytes;
        vmnix_decode_name(&r, d[n].name);
        cond_resched();
    }
    return n;
}

struct vmnix_domain *vmnix_domain_table(int *n, long *err)
{
    struct vmnix_domain *d = kcalloc(VMNIX_MAX_DOMAINS, sizeof(*d), GFP_KERNEL);

    *n = 0;
    if (!d) {
        *err = -ENOMEM;
        return NULL;
    }
    *n = vmnix_domains(d, VMNIX_MAX_DOMAINS, err);
    return d;
}

struct vmnix_domain *vmnix_domain_table_for(struct seq_file *m, int *n)
{
    long err;
    struct vmnix_domain *d = vmnix_domain_table(n, &err);

    if (!d || err != SK_OK) {
        vmnix_failed(m, "domain_info", err);
        kfree(d);
        return NULL;
    }
    return d;
}

static int version_show(struct seq_file *m, void *v)
{
    struct sk_system_info_result si;
    long err = sk_system_info(SK_CAP_SYSTEM, &si);

    if (err != SK_OK) {
        if (vmnix_cpuid_abi)
            seq_printf(m, "Skerry vmkernel (CPUID: ABI %u.%u)\n",
                       vmnix_cpuid_abi >> 16, vmnix_cpuid_abi & 0xffff);
        vmnix_failed(m, "system_info", err);
        return 0;
    }
    seq_printf(m, "Skerry vmkernel, ABI %llu.%llu\n", si.abi >> 16, si.abi & 0xffff);
    seq_printf(m, "CPUID 0x40000001: ABI %u.%u\n", vmnix_cpuid_abi >> 16, vmnix_cpuid_abi & 0xffff);
    seq_printf(m, "%llu CPUs, TSC %llu kHz\n", si.nr_cpus, si.tsc_khz);
    seq_printf(m, "memory %llu MB, %llu MB free\n", si.mem_total >> 20, si.mem_free >> 20);
    seq_printf(m, "%llu domains\n", si.nr_domains);
    return 0;
}

static int ncpus_show(struct seq_file *m, void *v)
{
    struct sk_system_info_result si;
    long err = sk_system_info(SK_CAP_SYSTEM, &si);

    if (err != SK_OK) {
        vmnix_failed(m, "system_info", err);
        return 0;
    }
    /* The vmkernel reports no topology: one core per package. */
    seq_printf(m, "%llu logical\n%llu cores\n%llu packages\n", si.nr_cpus, si.nr_cpus, si.nr_cpus);
    return 0;
}

/* world_info's state, abi.h's SK_WORLD_*. */
static const char *vmnix_world_state(u64 state)
{
    static const char *const names[] = {
        [SK_WORLD_READY] = "ready",     [SK_WORLD_RUNNING] = "running",
        [SK_WORLD_WAITING] = "waiting", [SK_WORLD_HALTED] = "halted",
        [SK_WORLD_DEAD] = "dead",
    };

    return state < ARRAY_SIZE(names) && names[state] ? names[state] : "?";
}

static const char *vmnix_domain_name(const struct vmnix_domain *d, int n, u64 id)
{
    int i;

    for (i = 0; i < n; i++)
        if (d[i].id == id)
            return d[i].name[0] ? d[i].name : "-";
    return "?";
}

/* Nanoseconds as seconds with three decimals. */
#define NS_SEC(ns)  (ns) / 1000000000ull, (ns) / 1000000ull % 1000

static int cpu_show(struct seq_file *m, void *v)
{
    struct sk_system_world_info_result w;
    struct vmnix_domain *d;
    char name[VMNIX_NAME_LEN + 24];
    int nd, i;
    long err;

    d = vmnix_domain_table_for(m, &nd);
    if (!d)
        return 0;
    err = sk_system_world_info(SK_CAP_SYSTEM, 0, &w);
    if (err != SK_OK) {
        vmnix_failed(m, "world_info", err);
        kfree(d);
        return 0;
    }
    seq_printf(m, "%6s %6s %4s %-24s %4s %-8s %12s %12s\n",
               "world", "domain", "vcpu", "name", "pcpu", "state", "usedsec", "readysec");
    for (i = 1; err == SK_OK && i <= VMNIX_MAX_WORLDS; i++) {
        snprintf(name, sizeof(name), "%s.vcpu%llu", vmnix_domain_name(d, nd, w.domain), w.vcpu);
        seq_printf(m, "%6llu %6llu %4llu %-24s ", w.world, w.domain, w.vcpu, name);
        if (w.pcpu != SK_NO_CPU)
            seq_printf(m, "%4llu ", w.pcpu);
        else
            seq_printf(m, "%4s ", "-");
        seq_printf(m, "%-8s %8llu.%03llu %8llu.%03llu\n", vmnix_world_state(w.state),
                   NS_SEC(w.run_ns), NS_SEC(w.ready_ns));
        cond_resched();
        err = sk_system_world_info(SK_CAP_SYSTEM, i, &w);
    }
    kfree(d);
    return 0;
}

static int mem_show(struct seq_file *m, void *v)
{
    struct sk_system_info_result si;
    struct vmnix_domain *d;
    int nd, i;
    long err = sk_system_info(SK_CAP_SYSTEM, &si);

    if (err != SK_OK) {
        vmnix_failed(m, "system_info", err);
        return 0;
    }
    seq_printf(m, "Machine memory: %llu MB total, %llu MB free in the vmkernel\n",
               si.mem_total >> 20, si.mem_free >> 20);
    d = vmnix_domain_table_for(m, &nd);
    if (!d)
        return 0;
    seq_printf(m, "%6s %-32s %5s %12s\n", "domain", "name", "vcpus", "memory");
    for (i = 0; i < nd; i++)
        seq_printf(m, "%6llu %-32s %5llu %9llu MB\n", d[i].id, d[i].name, d[i].nr_vcpus,
                   d[i].mem_bytes >> 20);
    kfree(d);
    return 0;
}

/* The index walks end with the error the vmkernel gives past the last entry. */
static bool vmnix_end_of_list(long err)
{
    return err == SK_E_RANGE || err == SK_E_INVALID_ARGUMENT;
}

static int interrupts_show(struct seq_file *m, void *v)
{
    struct sk_system_irq_info_result r;
    long err = sk_system_irq_info(SK_CAP_SYSTEM, 0, &r);
    int i;

    /* No line at all is an answer too (no interrupt routed yet). */
    if (err != SK_OK && !vmnix_end_of_list(err)) {
        vmnix_failed(m, "irq_info", err);
        return 0;
    }
    seq_printf(m, "%5s %6s %12s\n", "GSI", "vector", "count");
    for (i = 1; err == SK_OK && i <= VMNIX_MAX_IRQS; i++) {
        seq_printf(m, "%5llu %#6llx %12llu\n", r.gsi, r.vector, r.count);
        cond_resched();
        err = sk_system_irq_info(SK_CAP_SYSTEM, i, &r);
    }
    return 0;
}

int vmnix_proc_init(void)
{
    struct proc_dir_entry *sched, *vm;

    vmware_dir = proc_mkdir("vmware", NULL);
    if (!vmware_dir)
        return -ENOMEM;
    sched = proc_mkdir("sched", vmware_dir);
    vm = proc_mkdir("vm", vmware_dir);
    if (!sched || !vm ||
        !proc_create_single("version", 0444, vmware_dir, version_show) ||
        !proc_create_single("ncpus", 0444, sched, ncpus_show) ||
        !proc_create_single("cpu", 0444, sched, cpu_show) ||
        !proc_create_single("mem", 0444, vmware_dir, mem_show) ||
        !proc_create_single("interrupts", 0444, vmware_dir, interrupts_show) ||
        vmnix_proc_log_init(vmware_dir)) {
        proc_remove(vmware_dir);
        return -ENOMEM;
    }
    vmnix_proc_vm_init(vm);
    return 0;
}

void vmnix_proc_exit(void)
{
    vmnix_proc_vm_exit();
    proc_remove(vmware_dir);
}
