/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Lets a test domain also boot on bare QEMU (no hypervisor), for the
 * benchmarks' baseline: a Multiboot header and a 32-bit entry that builds
 * the same start state the vmkernel gives a domain (identity map of 4 GiB,
 * CS 0x10 / DS 0x18, RDI = 0, RSI = 1) and jumps to _start.  The vmkernel
 * ignores all of this and enters _start directly.
 */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003

    .section .text.start, "ax"
    .balign 4
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)

    .code32
    .globl _bare_start
_bare_start:
    cli
    movl $bare_pdpt, %eax
    orl  $3, %eax
    movl %eax, bare_pml4
    xorl %ecx, %ecx
1:  movl %ecx, %eax
    shll $12, %eax
    addl $bare_pd, %eax
    orl  $3, %eax
    movl %eax, bare_pdpt(,%ecx,8)
    incl %ecx
    cmpl $4, %ecx
    jne  1b
    xorl %ecx, %ecx
2:  movl %ecx, %eax
    shll $21, %eax
    orl  $0x83, %eax
    movl %eax, bare_pd(,%ecx,8)
    movl %ecx, %eax
    shrl $11, %eax
    movl %eax, bare_pd+4(,%ecx,8)
    incl %ecx
    cmpl $2048, %ecx
    jne  2b
    movl %cr4, %eax
    orl  $(1 << 5), %eax
    movl %eax, %cr4
    movl $bare_pml4, %eax
    movl %eax, %cr3
    movl $0xC0000080, %ecx
    rdmsr
    orl  $(1 << 8), %eax
    wrmsr
    movl %cr0, %eax
    orl  $0x80000001, %eax
    movl %eax, %cr0
    lgdt bare_gdt_ptr
    ljmp $0x10, $3f
    .code64
3:  movl $0x18, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    xorl %edi, %edi
    movl $1, %esi
    jmp  _start

    .section .rodata
    .balign 8
bare_gdt:
    .quad 0, 0
    .quad 0x00AF9A000000FFFF
    .quad 0x00CF92000000FFFF
bare_gdt_ptr:
    .word 4 * 8 - 1
    .quad bare_gdt

    .bss
    .balign 4096
bare_pml4: .skip 4096
bare_pdpt: .skip 4096
bare_pd:   .skip 4 * 4096
