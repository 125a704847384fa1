/* SPDX-License-Identifier: GPL-2.0-only */
/* #VMEXIT codes (AMD APM vol. 2, appendix C), and their names for the log. */
#ifndef ARCH_SVM_EXIT_CODES_H
#define ARCH_SVM_EXIT_CODES_H

#define SVM_EXIT_CR0_READ     0x000
#define SVM_EXIT_CR0_WRITE    0x010
#define SVM_EXIT_EXCP_BASE    0x040
#define SVM_EXIT_INTR         0x060
#define SVM_EXIT_NMI          0x061
#define SVM_EXIT_SMI          0x062
#define SVM_EXIT_INIT         0x063
#define SVM_EXIT_VINTR        0x064
#define SVM_EXIT_RDPMC        0x06F
#define SVM_EXIT_CPUID        0x072
#define SVM_EXIT_RSM          0x073
#define SVM_EXIT_INVD         0x076
#define SVM_EXIT_PAUSE        0x077
#define SVM_EXIT_HLT          0x078
#define SVM_EXIT_INVLPGA      0x07A
#define SVM_EXIT_IOIO         0x07B
#define SVM_EXIT_MSR          0x07C
#define SVM_EXIT_SHUTDOWN     0x07F
#define SVM_EXIT_VMRUN        0x080
#define SVM_EXIT_VMMCALL      0x081
#define SVM_EXIT_VMLOAD       0x082
#define SVM_EXIT_VMSAVE       0x083
#define SVM_EXIT_STGI         0x084
#define SVM_EXIT_CLGI         0x085
#define SVM_EXIT_SKINIT       0x086
#define SVM_EXIT_RDTSCP       0x087
#define SVM_EXIT_ICEBP        0x088
#define SVM_EXIT_MONITOR      0x08A
#define SVM_EXIT_MWAIT        0x08B
#define SVM_EXIT_XSETBV       0x08D
#define SVM_EXIT_NPF          0x400
#define SVM_EXIT_INVALID      (-1ll)

/* Exit reasons we count, densely numbered for the per-reason counters. */
enum exit_reason {
    EXIT_REASON_EXCEPTION, EXIT_REASON_INTR, EXIT_REASON_NMI, EXIT_REASON_VINTR,
    EXIT_REASON_CPUID, EXIT_REASON_HLT, EXIT_REASON_IOIO, EXIT_REASON_MSR,
    EXIT_REASON_NPF, EXIT_REASON_VMMCALL, EXIT_REASON_SHUTDOWN, EXIT_REASON_SVM_INSN,
    EXIT_REASON_OTHER,
    NR_EXIT_REASONS
};

#endif
