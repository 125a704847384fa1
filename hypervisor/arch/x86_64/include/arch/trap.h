/* SPDX-License-Identifier: GPL-2.0-only */
/* Interrupt and exception entry for the vmkernel's own CPUs. */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#include <stdint.h>

/* Layout pushed by exception_entry.S, lowest address first. */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rdi, rsi, rbp, rbx, rdx, rcx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;
};

typedef void (*irq_handler_fn)(struct trap_frame *frame);

void idt_init(void);          /* build the shared IDT (BSP, once) */
void idt_load(void);          /* load it on this CPU */
void gdt_tss_init(void);      /* per CPU: GDT with this CPU's TSS and IST stacks */
void irq_register(uint8_t vector, irq_handler_fn handler);
void trap_dispatch(struct trap_frame *frame);

#endif
