/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MMIO emulation: unassigned guest-physical space and the vIOAPIC/vLAPIC
 * pages, reached with the MOV forms Linux uses (each access is a nested
 * page fault the vmkernel decodes without decode assists).
 */
#include "guest.h"

const char test_name[] = "mmio";

#define UNASSIGNED 0xD0000000ull
#define IOAPIC     0xFEC00000ull
#define LAPIC      0xFEE00000ull

static void unassigned_reads(void)
{
    volatile uint8_t *b = (volatile uint8_t *)UNASSIGNED;
    volatile uint16_t *w = (volatile uint16_t *)(UNASSIGNED + 0x10);
    volatile uint32_t *l = (volatile uint32_t *)(UNASSIGNED + 0x20);
    volatile uint64_t *q = (volatile uint64_t *)(UNASSIGNED + 0x40);
    check(*b == 0xFF, "unassigned byte read is 0xff");
    check(*w == 0xFFFF, "unassigned word read is 0xffff");
    check(*l == 0xFFFFFFFFu, "unassigned dword read is all ones");
    check(*q == UINT64_MAX, "unassigned qword read is all ones");
    *l = 0x12345678;
    check(*l == 0xFFFFFFFFu, "a write to unassigned space is dropped");

    uint64_t r;
    __asm__ volatile("movq $-1, %0\n\tmovzbl (%1), %k0" : "=&r"(r) : "r"(UNASSIGNED));
    check(r == 0xFF, "movzx byte from unassigned zero-extends to 0xff (%lx)", r);
    __asm__ volatile("movsbq (%1), %0" : "=r"(r) : "r"(UNASSIGNED));
    check(r == UINT64_MAX, "movsx byte from unassigned sign-extends to all ones (%lx)", r);
    __asm__ volatile("movq $0, %0\n\tmovb (%1), %h0" : "=&Q"(r) : "r"(UNASSIGNED));
    check(r == 0xFF00, "a load into AH/BH/CH/DH sets bits 15:8 only (%lx)", r);
    __asm__ volatile("movq $0x1111111111111111, %%r9\n\tmovw (%1), %%r9w\n\tmovq %%r9, %0"
                     : "=r"(r) : "r"(UNASSIGNED) : "r9");
    check(r == 0x111111111111FFFFull, "a 16-bit load into r9w keeps the upper bits (%lx)", r);
    __asm__ volatile("movq $0x1111111111111111, %%r10\n\tmovl 0x20(%1), %%r10d\n\tmovq %%r10, %0"
                     : "=r"(r) : "r"(UNASSIGNED) : "r10");
    check(r == 0xFFFFFFFFull, "a 32-bit load zero-extends (%lx)", r);
    uint32_t flags;
    __asm__ volatile("cmpl $-1, (%1)\n\tpushfq\n\tpopq %q0" : "=r"(flags) : "r"(UNASSIGNED) : "cc");
    check(flags & (1u << 6), "cmp against unassigned memory sets ZF for all ones");
}

static uint32_t ioapic_read(uint32_t reg)
{
    *(volatile uint32_t *)IOAPIC = reg;
    return *(volatile uint32_t *)(IOAPIC + 0x10);
}

static void ioapic(void)
{
    check(ioapic_read(1) == 0x001F0020u, "vIOAPIC version register reads 0x001F0020: 32 pins (%x)",
          ioapic_read(1));
    *(volatile uint32_t *)IOAPIC = 0x10;                      /* pin 0, low half */
    *(volatile uint32_t *)(IOAPIC + 0x10) = 0x00010031;       /* masked, vector 0x31 */
    check(ioapic_read(0x10) == 0x00010031u, "a redirection entry reads back (%x)",
          ioapic_read(0x10));
    uint32_t sel = 0x11;
    __asm__ volatile("xchgl %0, (%1)" : "+r"(sel) : "r"(IOAPIC) : "memory");
    check(ioapic_read(0x11) == 0, "xchg writes IOREGSEL (high half of pin 0 reads 0)");
    __asm__ volatile("movl $0x12, (%0)" ::"r"(IOAPIC) : "memory");     /* C7 /0 imm32 */
    *(volatile uint32_t *)(IOAPIC + 0x10) = 0x00010042;
    check(ioapic_read(0x12) == 0x00010042u, "mov imm32 to IOREGSEL works (%x)", ioapic_read(0x12));
}

static void lapic(void)
{
    volatile uint32_t *ver = (volatile uint32_t *)(LAPIC + 0x30);
    check((*ver & 0xFF) == 0x14 && ((*ver >> 16) & 0xFF) == 5,
          "vLAPIC version register (xAPIC MMIO) reads 0x50014 (%x)", *ver);
    check(*(volatile uint32_t *)(LAPIC + 0x20) >> 24 == 0, "vLAPIC ID of vCPU 0 is 0");
    *(volatile uint32_t *)(LAPIC + 0x80) = 0x20;
    check(*(volatile uint32_t *)(LAPIC + 0x80) == 0x20, "TPR written through MMIO reads back");
    uint64_t cr8;
    __asm__ volatile("movq %%cr8, %0" : "=r"(cr8));
    check(cr8 == 2, "CR8 mirrors the TPR written through MMIO (%lx)", cr8);
    __asm__ volatile("movq %0, %%cr8" ::"r"(0ull));
    check(*(volatile uint32_t *)(LAPIC + 0x80) == 0, "TPR follows a CR8 write");
}

void test_main(void)
{
    unassigned_reads();
    ioapic();
    lapic();
}
