/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Test-domain entry.  The vmkernel starts every vCPU here in 64-bit mode
 * with RDI = vCPU index and RSI = vCPU count (see domain_builder.h).
 * Each vCPU gets its own stack, then the C runtime takes over.
 */
#define STACK_SIZE 16384
#define MAX_VCPUS  8

    .section .text.start, "ax"
    .code64
    .globl _start
_start:
    cli
    cmpq $MAX_VCPUS, %rdi
    jae  2f
    movq %rdi, %rax
    incq %rax
    shlq $14, %rax                  /* (index + 1) * STACK_SIZE */
    leaq guest_stacks(%rip), %rsp
    addq %rax, %rsp
    xorl %ebp, %ebp
    call guest_runtime_start
2:  cli
    hlt
    jmp 2b

    .bss
    .balign 4096
guest_stacks:
    .skip STACK_SIZE * MAX_VCPUS
