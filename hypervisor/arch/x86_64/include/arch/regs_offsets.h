/* SPDX-License-Identifier: GPL-2.0-only */
/* Byte offsets into struct x86_gprs, for assembly (checked in svm.c). */
#ifndef ARCH_REGS_OFFSETS_H
#define ARCH_REGS_OFFSETS_H

#define GPR_RAX 0x00
#define GPR_RCX 0x08
#define GPR_RDX 0x10
#define GPR_RBX 0x18
#define GPR_RSP 0x20
#define GPR_RBP 0x28
#define GPR_RSI 0x30
#define GPR_RDI 0x38
#define GPR_R8  0x40
#define GPR_R9  0x48
#define GPR_R10 0x50
#define GPR_R11 0x58
#define GPR_R12 0x60
#define GPR_R13 0x68
#define GPR_R14 0x70
#define GPR_R15 0x78

#endif
