/* SPDX-License-Identifier: GPL-2.0-only */
/* Port I/O intercepts: unassigned ports float high, nothing leaks. */
#include "guest.h"

const char test_name[] = "ioport";

void test_main(void)
{
    check(inb(0x80) == 0xFF, "unassigned port 0x80 reads 0xff as a byte");
    check(inw(0x3F8) == 0xFFFF, "COM1 is not given to a test domain: 0xffff as a word");
    check(inl(0xCF8) == 0xFFFFFFFFu, "PCI config address port reads all ones as a dword");
    check(inb(0x2F8 + 5) == 0xFF, "the vmkernel's log UART is invisible (LSR reads 0xff)");
    check(inb(0xE9) == 0xE9, "the debug console port answers 0xe9");
    outl(0xCF8, 0x80000000u);
    check(inl(0xCFC) == 0xFFFFFFFFu, "PCI config data stays all ones after a write");
    outb(0x70, 0x0A);
    check(inb(0x71) == 0xFF, "CMOS is not passed through");
    uint64_t rax;
    __asm__ volatile("movq $0x1122334455667788, %%rax\n\tinb $0x80, %%al" : "=a"(rax));
    check(rax == 0x11223344556677FFull, "IN AL keeps RAX[63:8] (%lx)", rax);
    __asm__ volatile("movq $0x1122334455667788, %%rax\n\tinw $0x80, %%ax" : "=a"(rax));
    check(rax == 0x112233445566FFFFull, "IN AX keeps RAX[63:16] (%lx)", rax);
    __asm__ volatile("movq $0x1122334455667788, %%rax\n\tinl $0x80, %%eax" : "=a"(rax));
    check(rax == 0xFFFFFFFFull, "IN EAX zero-extends into RAX (%lx)", rax);
    uint32_t loops = 0;
    for (int i = 0; i < 1000; i++)
        loops += inb(0x80) == 0xFF;
    check(loops == 1000, "1000 intercepted reads in a row are all handled");
}
