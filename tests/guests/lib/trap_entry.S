/* SPDX-License-Identifier: GPL-2.0-only */
/* Test-domain IDT stubs (same frame layout as struct guest_frame). */
    .text
    .code64
    .balign 16
guest_trap_stubs:
    .set v, 0
    .rept 256
    .balign 16
    .if (v == 8) || ((v >= 10) && (v <= 14)) || (v == 17) || (v == 21) || (v == 29) || (v == 30)
    .else
    pushq $0
    .endif
    pushq $v
    jmp guest_trap_common
    .set v, v + 1
    .endr

guest_trap_common:
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
    movq %rsp, %rbx
    andq $-16, %rsp
    call guest_trap
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
    addq $16, %rsp
    iretq

    .globl guest_trap_stub_base
    .set guest_trap_stub_base, guest_trap_stubs

/* int safe_rdmsr(uint32_t msr, uint64_t *value): vector on fault, else -1. */
    .globl safe_rdmsr
safe_rdmsr:
    movl %edi, %ecx
1:  rdmsr
    shlq $32, %rdx
    movl %eax, %eax
    orq  %rdx, %rax
    movq %rax, (%rsi)
    movl $-1, %eax
2:  ret
    .pushsection .fixup_table, "a"
    .quad 1b, 2b
    .popsection

/* int safe_wrmsr(uint32_t msr, uint64_t value) */
    .globl safe_wrmsr
safe_wrmsr:
    movl %edi, %ecx
    movl %esi, %eax
    movq %rsi, %rdx
    shrq $32, %rdx
3:  wrmsr
    movl $-1, %eax
4:  ret
    .pushsection .fixup_table, "a"
    .quad 3b, 4b
    .popsection
