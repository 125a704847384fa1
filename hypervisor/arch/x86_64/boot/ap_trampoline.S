/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Secondary CPUs start here in real mode after INIT-SIPI-SIPI.  The code
 * is copied to AP_TRAMPOLINE_ADDR, so every address inside it is computed
 * relative to that copy.  It reuses the boot page tables, enters long
 * mode and jumps to ap_entry64 in the vmkernel proper.
 */
#include <arch/boot_layout.h>

#define TRAMP(sym) (AP_TRAMPOLINE_ADDR + (sym) - ap_trampoline_start)

    .section .text
    .code16
    .globl ap_trampoline_start, ap_trampoline_end
ap_trampoline_start:
    cli
    cld
    xorw %ax, %ax
    movw %ax, %ds
    lgdtl TRAMP(tramp_gdt_ptr)
    movl %cr0, %eax
    orl  $1, %eax
    movl %eax, %cr0
    ljmpl $0x08, $TRAMP(ap_protected)

    .code32
ap_protected:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movl %cr4, %eax
    orl  $(1 << 5), %eax            /* PAE */
    movl %eax, %cr4
    movl $boot_pml4, %eax
    movl %eax, %cr3
    movl $0xC0000080, %ecx
    rdmsr
    orl  $((1 << 8) | (1 << 11)), %eax   /* LME, NXE */
    wrmsr
    movl %cr0, %eax
    orl  $0x80010001, %eax          /* PG, WP, PE */
    movl %eax, %cr0
    ljmpl $0x18, $TRAMP(ap_long)

    .code64
ap_long:
    movabsq $ap_entry64, %rax
    jmpq *%rax

    .balign 8
tramp_gdt:
    .quad 0
    .quad 0x00CF9A000000FFFF        /* 0x08: 32-bit code */
    .quad 0x00CF92000000FFFF        /* 0x10: data */
    .quad 0x00AF9A000000FFFF        /* 0x18: 64-bit code */
tramp_gdt_ptr:
    .word 4 * 8 - 1
    .long TRAMP(tramp_gdt)
ap_trampoline_end:

ap_entry64:
    lgdt boot_gdt_ptr
    movl $BOOT_DS, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    movq ap_boot_stack(%rip), %rsp
    pushq $BOOT_CS64
    leaq 1f(%rip), %rax
    pushq %rax
    lretq
1:  xorl %ebp, %ebp
    movq ap_boot_pcpu(%rip), %rdi
    call ap_main
2:  cli
    hlt
    jmp 2b

    .section .data
    .balign 8
    .globl ap_boot_stack, ap_boot_pcpu
ap_boot_stack: .quad 0
ap_boot_pcpu:  .quad 0
