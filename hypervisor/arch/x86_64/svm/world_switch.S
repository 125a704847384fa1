/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * void svm_world_switch(struct x86_gprs *gprs, uint64_t vmcb_pa, uint64_t host_area_pa)
 *
 * Called with GIF clear.  Loads the guest's GPRs (RAX and RSP come from
 * the VMCB), VMLOADs the guest's hidden state, VMRUNs, and after the
 * #VMEXIT saves it all back and VMLOADs the host's FS/GS/TR/syscall MSRs.
 * The caller sets GIF again with STGI.
 */
#include <arch/regs_offsets.h>

    .text
    .code64
    .globl svm_world_switch
svm_world_switch:
    pushq %rbp
    movq  %rsp, %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    pushq %rdi                      /* gprs */
    pushq %rdx                      /* host VMSAVE area */
    movq  %rsi, %rax                /* VMCB physical address */

    movq GPR_RBX(%rdi), %rbx
    movq GPR_RCX(%rdi), %rcx
    movq GPR_RDX(%rdi), %rdx
    movq GPR_RSI(%rdi), %rsi
    movq GPR_RBP(%rdi), %rbp
    movq GPR_R8(%rdi),  %r8
    movq GPR_R9(%rdi),  %r9
    movq GPR_R10(%rdi), %r10
    movq GPR_R11(%rdi), %r11
    movq GPR_R12(%rdi), %r12
    movq GPR_R13(%rdi), %r13
    movq GPR_R14(%rdi), %r14
    movq GPR_R15(%rdi), %r15
    movq GPR_RDI(%rdi), %rdi

    vmload %rax
    vmrun  %rax
    vmsave %rax                     /* RAX holds the VMCB address again */

    pushq %rdi                      /* guest RDI */
    movq  16(%rsp), %rdi            /* gprs */
    movq %rbx, GPR_RBX(%rdi)
    movq %rcx, GPR_RCX(%rdi)
    movq %rdx, GPR_RDX(%rdi)
    movq %rsi, GPR_RSI(%rdi)
    movq %rbp, GPR_RBP(%rdi)
    movq %r8,  GPR_R8(%rdi)
    movq %r9,  GPR_R9(%rdi)
    movq %r10, GPR_R10(%rdi)
    movq %r11, GPR_R11(%rdi)
    movq %r12, GPR_R12(%rdi)
    movq %r13, GPR_R13(%rdi)
    movq %r14, GPR_R14(%rdi)
    movq %r15, GPR_R15(%rdi)
    popq %rax
    movq %rax, GPR_RDI(%rdi)

    popq %rax                       /* host VMSAVE area */
    vmload %rax
    addq $8, %rsp                   /* gprs */
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
