/* SPDX-License-Identifier: GPL-2.0-only */
/* The x86-specific part of struct pcpu. */
#ifndef ARCH_PERCPU_ARCH_H
#define ARCH_PERCPU_ARCH_H

#include <stdbool.h>
#include <stdint.h>

struct fpu_state;

#define GDT_ENTRIES 8   /* null, code, data, (unused), TSS (two slots) ... */

struct tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iopb_offset;
} __attribute__((packed));

struct arch_pcpu {
    uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
    struct tss64 tss __attribute__((aligned(16)));
    uint64_t stack_top;           /* this CPU's main vmkernel stack */
    uint64_t hsave_pa;            /* SVM host save area */
    uint64_t host_vmcb_pa;        /* VMSAVE/VMLOAD area for host FS/GS/TR... */
    struct fpu_state *fpu_owner;  /* guest FPU state live in the registers, or NULL */
    bool host_fpu_in_use;         /* CR0.TS cleared for the vmkernel itself */
    unsigned last_world_id;       /* the vCPU whose ASID entries and DR0-3 are live here */
};

#endif
