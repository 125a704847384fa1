/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Physical device interrupts (IOAPIC lines) routed to the console's
 * virtual IOAPIC, pin for pin.  The vmkernel owns the physical IOAPIC: it
 * programs a line when the console unmasks the matching virtual pin, with
 * the console's trigger mode and polarity and a vector of its own.  A
 * level-triggered line stays masked from its interrupt until the console
 * EOIs the vector, so a device that keeps asserting cannot storm the CPU.
 */
#ifndef SKERRY_IRQ_PASSTHROUGH_H
#define SKERRY_IRQ_PASSTHROUGH_H

#include <stdbool.h>
#include <stdint.h>

struct domain;

/* GSIs the vmkernel keeps (bit n = GSI n), e.g. the PIT and its log UART. */
void irq_passthrough_init(struct domain *owner, uint64_t kept_gsis);
/* The owner rewrote its vIOAPIC: reprogram the physical lines to match. */
void irq_passthrough_sync(struct domain *d);
/* The owner EOIed vector: release level lines delivered with it.  Called
 * with d's ioapic_lock held, before the vIOAPIC's own EOI processing. */
void irq_passthrough_eoi(struct domain *d, uint8_t vector);
void irq_passthrough_after_eoi(struct domain *d, uint8_t vector);

/* One line's state, for the statistics hypercall. */
struct irq_line_info {
    uint64_t count;           /* interrupts taken */
    uint8_t vector;           /* the vmkernel's vector for it */
    bool routed;              /* unmasked by the owner */
    bool kept;                /* the vmkernel's own */
};
bool irq_passthrough_line(unsigned gsi, struct irq_line_info *out);

#endif
