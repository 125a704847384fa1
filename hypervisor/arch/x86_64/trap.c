/* SPDX-License-Identifier: GPL-2.0-only */
/* Routing of the vmkernel's own interrupts and exceptions. */
#include <arch/fpu.h>
#include <arch/lapic.h>
#include <arch/purple_screen.h>
#include <arch/trap.h>
#include <skerry/log.h>

#define VECTOR_NM  7
#define VECTOR_NMI 2

static irq_handler_fn irq_handlers[256];

void irq_register(uint8_t vector, irq_handler_fn handler)
{
    irq_handlers[vector] = handler;
}

void trap_dispatch(struct trap_frame *f)
{
    if (f->vector == VECTOR_NM && fpu_claim_for_host())
        return;
    if (f->vector == VECTOR_NMI && panic_in_progress())
        purple_screen_follower();
    if (f->vector < 32)
        purple_screen_trap(f);
    if (f->vector == VECTOR_SPURIOUS)
        return;
    irq_handler_fn h = irq_handlers[f->vector];
    if (h)
        h(f);
    else
        log_warn("unexpected interrupt vector %#llx", (unsigned long long)f->vector);
    lapic_eoi();
}
