/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Multiboot (v1) entry: QEMU's -kernel and GRUB enter here in 32-bit
 * protected mode with paging off.  We identity-map the first 4 GiB with
 * 2 MiB pages, switch to long mode and call boot_main() in C.
 */
#include <arch/boot_layout.h>

#define MB_HEADER_MAGIC   0x1BADB002
#define MB_FLAGS          0x00000003  /* page-aligned modules, memory map */
#define MB_LOADER_MAGIC   0x2BADB002

    .section .multiboot, "a"
    .balign 4
    .long MB_HEADER_MAGIC
    .long MB_FLAGS
    .long -(MB_HEADER_MAGIC + MB_FLAGS)

    .section .boot.text, "ax"
    .code32
    .globl _start
_start:
    cli
    cld
    movl $boot_stack_top, %esp
    movl %eax, boot_loader_magic
    movl %ebx, boot_info_addr

    cmpl $MB_LOADER_MAGIC, %eax
    jne  .Lno_multiboot

    /* Long mode available? */
    movl $0x80000000, %eax
    cpuid
    cmpl $0x80000001, %eax
    jb   .Lno_long_mode
    movl $0x80000001, %eax
    cpuid
    btl  $29, %edx
    jnc  .Lno_long_mode

    /* PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 2 MiB pages. */
    movl $boot_pdpt, %eax
    orl  $3, %eax
    movl %eax, boot_pml4
    xorl %ecx, %ecx
1:  movl %ecx, %eax
    shll $12, %eax
    addl $boot_pd, %eax
    orl  $3, %eax
    movl %eax, boot_pdpt(,%ecx,8)
    incl %ecx
    cmpl $4, %ecx
    jne  1b

    xorl %ecx, %ecx                 /* 2048 entries, 2 MiB each */
2:  movl %ecx, %eax
    shll $21, %eax
    orl  $0x83, %eax                /* present, writable, 2 MiB page */
    movl %eax, boot_pd(,%ecx,8)
    movl %ecx, %eax
    shrl $11, %eax                  /* high half of the physical address */
    movl %eax, boot_pd+4(,%ecx,8)
    incl %ecx
    cmpl $2048, %ecx
    jne  2b

    movl %cr4, %eax
    orl  $(1 << 5), %eax            /* PAE */
    movl %eax, %cr4
    movl $boot_pml4, %eax
    movl %eax, %cr3
    movl $0xC0000080, %ecx          /* EFER: long mode enable, NX enable */
    rdmsr
    orl  $((1 << 8) | (1 << 11)), %eax
    wrmsr
    movl %cr0, %eax
    orl  $0x80010001, %eax          /* PG, WP, PE */
    movl %eax, %cr0

    lgdt boot_gdt_ptr
    ljmp $BOOT_CS64, $.Llong_mode

.Lno_multiboot:
    movl $.Lmsg_multiboot, %esi
    jmp  .Lfail32
.Lno_long_mode:
    movl $.Lmsg_long_mode, %esi
.Lfail32:
    /* Print on COM1 without initialising it: QEMU accepts bytes at once. */
    movw $0x3F8, %dx
3:  lodsb
    testb %al, %al
    jz   4f
    outb %al, %dx
    jmp  3b
4:  hlt
    jmp  4b

    .code64
.Llong_mode:
    movl $BOOT_DS, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    xorl %eax, %eax
    movl %eax, %fs
    movl %eax, %gs
    movq $boot_stack_top, %rsp
    xorl %ebp, %ebp
    movl boot_loader_magic, %edi
    movl boot_info_addr, %esi
    call boot_main
5:  cli
    hlt
    jmp 5b

    .section .boot.rodata, "a"
.Lmsg_multiboot:
    .asciz "skerry: not loaded by a Multiboot loader\r\n"
.Lmsg_long_mode:
    .asciz "skerry: this CPU has no x86-64 long mode\r\n"

    .balign 16
    .globl boot_gdt
boot_gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF        /* 0x08: 64-bit code */
    .quad 0x00CF92000000FFFF        /* 0x10: data */
boot_gdt_end:
    .globl boot_gdt_ptr
boot_gdt_ptr:
    .word boot_gdt_end - boot_gdt - 1
    .quad boot_gdt

    .section .boot.data, "aw"
    .balign 4
    .globl boot_loader_magic, boot_info_addr
boot_loader_magic: .long 0
boot_info_addr:    .long 0

    .section .bss.boot, "aw", @nobits
    .balign 4096
    .globl boot_pml4
boot_pml4:  .skip 4096
boot_pdpt:  .skip 4096
boot_pd:    .skip 4 * 4096
    .globl boot_stack_top
    .skip BOOT_STACK_SIZE
boot_stack_top:
