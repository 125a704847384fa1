/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Per-CPU data.  Each CPU's GS base points at its struct pcpu, whose first
 * field points at itself, so this_cpu() is one load.
 */
#ifndef SKERRY_PERCPU_H
#define SKERRY_PERCPU_H

#include <stdbool.h>
#include <stdint.h>
#include <arch/percpu_arch.h>

#define MAX_CPUS 64

struct vcpu;

struct pcpu {
    struct pcpu *self;
    unsigned id;              /* dense index, 0 = bootstrap CPU */
    uint32_t apic_id;
    bool online;
    struct vcpu *current;     /* vCPU this CPU is running, or NULL when idle */
    uint64_t idle_ns;
    bool need_resched;        /* set from interrupt context: leave the guest */
    uint64_t slice_end_ns;    /* when the running vCPU's time slice ends */
    uint64_t timer_armed_ns;  /* absolute time the LAPIC one-shot is set for */
    struct arch_pcpu arch;
};

extern struct pcpu pcpus[MAX_CPUS];
extern unsigned nr_cpus;      /* CPUs found in the firmware tables */
extern unsigned nr_cpus_online;

static inline struct pcpu *this_cpu(void)
{
    struct pcpu *p;
    __asm__ volatile("movq %%gs:0, %0" : "=r"(p));
    return p;
}

static inline unsigned this_cpu_id(void)
{
    return this_cpu()->id;
}

#endif
