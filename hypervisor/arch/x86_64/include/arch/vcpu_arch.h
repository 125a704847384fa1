/* SPDX-License-Identifier: GPL-2.0-only */
/* The x86/SVM part of a vCPU and of a domain. */
#ifndef ARCH_VCPU_ARCH_H
#define ARCH_VCPU_ARCH_H

#include <stdbool.h>
#include <stdint.h>
#include <arch/fpu.h>
#include <arch/npt.h>
#include <arch/regs.h>
#include <arch/vmcb.h>

struct arch_vcpu {
    struct vmcb *vmcb;            /* one page, identity-mapped */
    struct x86_gprs gprs;
    struct fpu_state fpu;
    uint64_t pending_exception;   /* EVENTINJ value to deliver next entry, 0 = none */
    uint8_t posted_vector;        /* interrupt offered through V_IRQ, 0 = none */
    bool nmi_pending;
    uint64_t dr[4];               /* guest DR0-DR3 while the vCPU is off the CPU */
    unsigned last_cpu;            /* id + 1 of the CPU it last entered on, 0 = none */
    bool in_guest;                /* from its TLB decision to the end of VMRUN */
    uint64_t exit_count;          /* VMRUNs that returned */
    unsigned exception_storm;     /* consecutive #DB/#AC raised during their own delivery */
};

struct arch_domain {
    struct npt npt;               /* nested page tables */
    uint8_t *iopm;                /* 12 KiB I/O permission map */
    uint8_t *msrpm;               /* 8 KiB MSR permission map */
    uint32_t asid;
};

#endif
