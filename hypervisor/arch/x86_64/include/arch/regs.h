/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A guest's general-purpose registers, indexed by their x86 encoding
 * (the 4-bit register number used by ModRM/SIB/REX), so that decoders
 * can index them directly.  RAX and RSP also live in the VMCB; the
 * world switch keeps this array and the VMCB in sync.
 */
#ifndef ARCH_REGS_H
#define ARCH_REGS_H

#include <stdint.h>

enum x86_gpr {
    X86_RAX, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI,
    X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
    X86_NR_GPRS
};

struct x86_gprs {
    uint64_t r[X86_NR_GPRS];
};

#endif
