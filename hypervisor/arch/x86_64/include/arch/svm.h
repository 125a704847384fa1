/* SPDX-License-Identifier: GPL-2.0-only */
/* AMD SVM: enabling it on each CPU and running vCPUs. */
#ifndef ARCH_SVM_H
#define ARCH_SVM_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;
struct domain;

/* How a stretch of guest execution ended, for the scheduler. */
enum vcpu_run_result {
    RUN_PREEMPTED,    /* time slice over or another vCPU needs this CPU */
    RUN_BLOCKED,      /* HLT with interrupts enabled: waits for an interrupt */
    RUN_HALTED,       /* HLT with interrupts disabled: only an NMI wakes it */
    RUN_STOPPED,      /* the domain is ending */
    RUN_PAUSED,       /* VCPU stop asked for it */
};

/* Panics with a clear message if the CPU lacks SVM or nested paging. */
void svm_check_support(void);
void svm_cpu_init(void);
int svm_domain_init(struct domain *d);
void svm_domain_destroy(struct domain *d);
/* The I/O port ranges d reaches directly (not intercepted), in order. */
struct port_range {
    uint16_t first;
    uint32_t count;
};
unsigned svm_domain_port_ranges(const struct domain *d, struct port_range *out, unsigned max);
/* Let d reach ports [first, first+count) directly (pass) or trap them again. */
void svm_domain_pass_ports(struct domain *d, uint16_t first, uint32_t count, bool pass);
/* Pass an MSR's reads (and writes) through to d, or trap them again;
 * -1 if this MSR may not be passed (svm.c lists which may). */
int svm_domain_pass_msr(struct domain *d, uint32_t msr, bool read, bool write);
int svm_vcpu_init(struct vcpu *v);
void svm_vcpu_destroy(struct vcpu *v);
/* Start state: 64-bit mode with paging at cr3, flat CS 0x10 / DS 0x18 from gdt. */
void svm_vcpu_set_long_mode(struct vcpu *v, uint64_t rip, uint64_t cr3, uint64_t gdt_base,
                            uint16_t gdt_limit);
/* Start state after INIT-SIPI: real mode at CS:IP = (vector << 8):0. */
void svm_vcpu_set_real_mode(struct vcpu *v, uint8_t vector);
enum vcpu_run_result svm_vcpu_run(struct vcpu *v);
/* After its nested page tables changed: no stale translation once this returns. */
void svm_vcpu_flush_tlb(struct vcpu *v);
uint32_t svm_nr_asids(void);

#endif
