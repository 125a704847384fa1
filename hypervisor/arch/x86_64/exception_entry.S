/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One stub per vector: push a dummy error code where the CPU pushes none,
 * push the vector, save the GPRs into a struct trap_frame and call
 * trap_dispatch().
 */
    .text
    .code64

    .balign 16
trap_stubs_start:
    .set v, 0
    .rept 256
    .balign 16
    /* Exceptions 8, 10-14, 17, 21, 29, 30 push an error code themselves. */
    .if (v == 8) || ((v >= 10) && (v <= 14)) || (v == 17) || (v == 21) || (v == 29) || (v == 30)
    .else
    pushq $0
    .endif
    pushq $v
    jmp trap_common
    .set v, v + 1
    .endr

trap_common:
    pushq %rax
    pushq %rcx
    pushq %rdx
    pushq %rbx
    pushq %rbp
    pushq %rsi
    pushq %rdi
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    cld
    movq %rsp, %rdi
    /* Align the stack for the C ABI; keep the frame pointer in rbx. */
    movq %rsp, %rbx
    andq $-16, %rsp
    call trap_dispatch
    movq %rbx, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rdi
    popq %rsi
    popq %rbp
    popq %rbx
    popq %rdx
    popq %rcx
    popq %rax
    addq $16, %rsp          /* vector and error code */
    iretq

    .section .rodata
    .balign 8
    .globl trap_stub_table
trap_stub_table:
    .set v, 0
    .rept 256
    .quad trap_stubs_start + v * 16
    .set v, v + 1
    .endr
