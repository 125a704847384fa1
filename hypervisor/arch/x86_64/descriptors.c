/* SPDX-License-Identifier: GPL-2.0-only */
/* GDT with a per-CPU TSS (for the IST stacks) and the shared IDT. */
#include <stdint.h>
#include <arch/boot_layout.h>
#include <arch/trap.h>
#include <skerry/memory.h>
#include <skerry/percpu.h>
#include <skerry/panic.h>

#define GDT_TSS_SEL 0x20
#define IST_NMI     1
#define IST_DF      2
#define IST_MC      3
#define IST_STACK_FRAMES 2

struct idt_entry {
    uint16_t offset_lo;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_hi;
    uint32_t reserved;
} __attribute__((packed));

struct descriptor_ptr {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

static struct idt_entry idt[256] __attribute__((aligned(16)));
extern const uint64_t trap_stub_table[256];

static void idt_set(unsigned vec, uint64_t handler, uint8_t ist)
{
    idt[vec] = (struct idt_entry){
        .offset_lo = handler & 0xFFFF,
        .selector = BOOT_CS64,
        .ist = ist,
        .type_attr = 0x8E,              /* present, DPL 0, interrupt gate */
        .offset_mid = (handler >> 16) & 0xFFFF,
        .offset_hi = (uint32_t)(handler >> 32),
    };
}

void idt_init(void)
{
    for (unsigned v = 0; v < 256; v++)
        idt_set(v, trap_stub_table[v], 0);
    idt[2].ist = IST_NMI;
    idt[8].ist = IST_DF;
    idt[18].ist = IST_MC;
}

void idt_load(void)
{
    struct descriptor_ptr p = { sizeof idt - 1, (uint64_t)(uintptr_t)idt };
    __asm__ volatile("lidt %0" ::"m"(p));
}

static uint64_t ist_stack(void)
{
    void *stack = frames_alloc(IST_STACK_FRAMES);
    if (!stack)
        panic("no memory for exception stacks");
    return virt_to_phys(stack) + IST_STACK_FRAMES * FRAME_SIZE;
}

void gdt_tss_init(void)
{
    struct arch_pcpu *a = &this_cpu()->arch;
    a->tss.ist[IST_NMI - 1] = ist_stack();
    a->tss.ist[IST_DF - 1] = ist_stack();
    a->tss.ist[IST_MC - 1] = ist_stack();
    a->tss.iopb_offset = sizeof a->tss;   /* no I/O bitmap */

    uint64_t base = (uint64_t)(uintptr_t)&a->tss;
    uint64_t limit = sizeof a->tss - 1;
    a->gdt[0] = 0;
    a->gdt[1] = 0x00AF9A000000FFFFull;    /* BOOT_CS64 */
    a->gdt[2] = 0x00CF92000000FFFFull;    /* BOOT_DS */
    a->gdt[3] = 0;
    a->gdt[4] = (limit & 0xFFFF) | (base & 0xFFFFFF) << 16 | 0x89ull << 40 |
                ((limit >> 16) & 0xF) << 48 | ((base >> 24) & 0xFF) << 56;
    a->gdt[5] = base >> 32;

    struct descriptor_ptr p = { sizeof a->gdt - 1, (uint64_t)(uintptr_t)a->gdt };
    __asm__ volatile("lgdt %0\n\t"
                     "pushq %1\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "movl %2, %%eax\n\t"
                     "movl %%eax, %%ds\n\t"
                     "movl %%eax, %%es\n\t"
                     "movl %%eax, %%ss\n\t"
                     "ltr %w3"
                     :: "m"(p), "i"(BOOT_CS64), "i"(BOOT_DS), "r"(GDT_TSS_SEL)
                     : "rax", "memory");
}
