/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The SVM virtual machine control block (AMD APM vol. 2, appendix B).
 * Offsets are checked by _Static_assert against the manual's tables.
 */
#ifndef ARCH_VMCB_H
#define ARCH_VMCB_H

#include <stddef.h>
#include <stdint.h>

struct vmcb_segment {
    uint16_t selector;
    uint16_t attrib;          /* compressed: type,S,DPL,P in 7:0; AVL,L,DB,G in 11:8 */
    uint32_t limit;
    uint64_t base;
};

struct vmcb_control {
    uint32_t intercept_cr;            /* 0x000: reads 15:0, writes 31:16 */
    uint32_t intercept_dr;            /* 0x004 */
    uint32_t intercept_exceptions;    /* 0x008 */
    uint32_t intercept_misc1;         /* 0x00C */
    uint32_t intercept_misc2;         /* 0x010 */
    uint32_t intercept_misc3;         /* 0x014 */
    uint8_t reserved_018[0x03C - 0x018];
    uint16_t pause_filter_threshold;  /* 0x03C */
    uint16_t pause_filter_count;      /* 0x03E */
    uint64_t iopm_base_pa;            /* 0x040 */
    uint64_t msrpm_base_pa;           /* 0x048 */
    uint64_t tsc_offset;              /* 0x050 */
    uint32_t asid;                    /* 0x058 */
    uint8_t tlb_control;              /* 0x05C */
    uint8_t reserved_05d[3];
    uint64_t vintr;                   /* 0x060: V_TPR, V_IRQ, V_INTR_MASKING, vector */
    uint64_t interrupt_shadow;        /* 0x068 */
    uint64_t exit_code;               /* 0x070 */
    uint64_t exit_info1;              /* 0x078 */
    uint64_t exit_info2;              /* 0x080 */
    uint64_t exit_int_info;           /* 0x088 */
    uint64_t np_control;              /* 0x090: bit 0 NP_ENABLE */
    uint64_t avic_apic_bar;           /* 0x098 */
    uint64_t ghcb_pa;                 /* 0x0A0 */
    uint64_t event_inject;            /* 0x0A8 */
    uint64_t n_cr3;                   /* 0x0B0 */
    uint64_t virt_ext;                /* 0x0B8 */
    uint32_t clean_bits;              /* 0x0C0 */
    uint32_t reserved_0c4;
    uint64_t next_rip;                /* 0x0C8 */
    uint8_t insn_bytes_fetched;       /* 0x0D0 */
    uint8_t insn_bytes[15];           /* 0x0D1 */
    uint8_t reserved_0e0[0x400 - 0x0E0];
};

struct vmcb_save {
    struct vmcb_segment es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr; /* 0x400 */
    uint8_t reserved_4a0[0x4CB - 0x4A0];
    uint8_t cpl;                      /* 0x4CB */
    uint32_t reserved_4cc;
    uint64_t efer;                    /* 0x4D0 */
    uint8_t reserved_4d8[0x548 - 0x4D8];
    uint64_t cr4;                     /* 0x548 */
    uint64_t cr3;
    uint64_t cr0;
    uint64_t dr7;
    uint64_t dr6;
    uint64_t rflags;
    uint64_t rip;                     /* 0x578 */
    uint8_t reserved_580[0x5D8 - 0x580];
    uint64_t rsp;                     /* 0x5D8 */
    uint8_t reserved_5e0[0x5F8 - 0x5E0];
    uint64_t rax;                     /* 0x5F8 */
    uint64_t star, lstar, cstar, sfmask, kernel_gs_base;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t cr2;                     /* 0x640 */
    uint8_t reserved_648[0x668 - 0x648];
    uint64_t g_pat;                   /* 0x668 */
    uint64_t dbgctl;
    uint64_t br_from, br_to, last_excp_from, last_excp_to;
    uint8_t reserved_698[0x1000 - 0x698];
};

struct vmcb {
    struct vmcb_control control;
    struct vmcb_save save;
};

_Static_assert(offsetof(struct vmcb, control.iopm_base_pa) == 0x040, "VMCB layout");
_Static_assert(offsetof(struct vmcb, control.vintr) == 0x060, "VMCB layout");
_Static_assert(offsetof(struct vmcb, control.event_inject) == 0x0A8, "VMCB layout");
_Static_assert(offsetof(struct vmcb, control.insn_bytes) == 0x0D1, "VMCB layout");
_Static_assert(offsetof(struct vmcb, save.cs) == 0x410, "VMCB layout");
_Static_assert(offsetof(struct vmcb, save.tr) == 0x490, "VMCB layout");
_Static_assert(offsetof(struct vmcb, save.efer) == 0x4D0, "VMCB layout");
_Static_assert(offsetof(struct vmcb, save.cr4) == 0x548, "VMCB layout");
_Static_assert(offsetof(struct vmcb, save.rip) == 0x578, "VMCB layout");
_Static_assert(offsetof(struct vmcb, save.rsp) == 0x5D8, "VMCB layout");
_Static_assert(offsetof(struct vmcb, save.rax) == 0x5F8, "VMCB layout");
_Static_assert(offsetof(struct vmcb, save.kernel_gs_base) == 0x620, "VMCB layout");
_Static_assert(offsetof(struct vmcb, save.cr2) == 0x640, "VMCB layout");
_Static_assert(offsetof(struct vmcb, save.g_pat) == 0x668, "VMCB layout");
_Static_assert(sizeof(struct vmcb) == 0x1000, "VMCB is one page");

/* intercept_misc1 */
#define INTERCEPT_INTR      (1u << 0)
#define INTERCEPT_NMI       (1u << 1)
#define INTERCEPT_SMI       (1u << 2)
#define INTERCEPT_INIT      (1u << 3)
#define INTERCEPT_VINTR     (1u << 4)
#define INTERCEPT_RDPMC     (1u << 15)
#define INTERCEPT_CPUID     (1u << 18)
#define INTERCEPT_RSM       (1u << 19)
#define INTERCEPT_INVD      (1u << 22)
#define INTERCEPT_HLT       (1u << 24)
#define INTERCEPT_INVLPGA   (1u << 26)
#define INTERCEPT_IOIO_PROT (1u << 27)
#define INTERCEPT_MSR_PROT  (1u << 28)
#define INTERCEPT_SHUTDOWN  (1u << 31)
/* intercept_misc2 */
#define INTERCEPT_VMRUN     (1u << 0)
#define INTERCEPT_VMMCALL   (1u << 1)
#define INTERCEPT_VMLOAD    (1u << 2)
#define INTERCEPT_VMSAVE    (1u << 3)
#define INTERCEPT_STGI      (1u << 4)
#define INTERCEPT_CLGI      (1u << 5)
#define INTERCEPT_SKINIT    (1u << 6)
#define INTERCEPT_RDTSCP    (1u << 7)
#define INTERCEPT_ICEBP     (1u << 8)
#define INTERCEPT_MONITOR   (1u << 10)
#define INTERCEPT_MWAIT     (1u << 11)
#define INTERCEPT_XSETBV    (1u << 13)

#define VINTR_TPR_MASK      0xFFull
#define VINTR_IRQ           (1ull << 8)
#define VINTR_PRIO_SHIFT    16
#define VINTR_IGN_TPR       (1ull << 20)
#define VINTR_MASKING       (1ull << 24)
#define VINTR_VECTOR_SHIFT  32

#define TLB_CONTROL_FLUSH_ASID 3   /* flush this guest's non-global entries */
#define TLB_CONTROL_FLUSH_ALL  1

#define EVENT_VALID         (1ull << 31)
#define EVENT_ERROR_VALID   (1ull << 11)
#define EVENT_TYPE_MASK     (7ull << 8)
#define EVENT_TYPE_INTR     (0ull << 8)
#define EVENT_TYPE_NMI      (2ull << 8)
#define EVENT_TYPE_EXCEPTION (3ull << 8)
#define EVENT_TYPE_SOFT_INT (4ull << 8)

/* Segment attributes in VMCB form. */
#define SEG_ATTR_L          (1u << 9)    /* 64-bit code segment */
#define SEG_ATTR_DB         (1u << 10)   /* 32-bit default operand size */
#define SEG_ATTR_CODE64     0x0A9B
#define SEG_ATTR_DATA       0x0C93
#define SEG_ATTR_TSS64_BUSY 0x008B
#define SEG_ATTR_LDT        0x0082

#endif
