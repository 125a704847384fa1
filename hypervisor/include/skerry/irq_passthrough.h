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

/* Send line gsi's interrupts to handler (in interrupt context) instead of
 * the owner: false if the vmkernel keeps it or there is no such line.  A
 * level-triggered line stays masked after each until irq_passthrough_ack. */
bool irq_passthrough_divert(unsigned gsi, void (*handler)(unsigned gsi));
void irq_passthrough_undivert(unsigned gsi);
bool irq_passthrough_ack(unsigned gsi);
/* The domain that owns the lines (the console), or NULL. */
struct domain *irq_passthrough_owner(void);
/* Give line gsi to d's I/O APIC (the console's again when d is the
 * console): false if the vmkernel keeps it or it is diverted. */
bool irq_passthrough_assign(unsigned gsi, struct domain *d);
struct domain *irq_passthrough_line_owner(unsigned gsi);
/* d ends: the lines assigned to it go back to the console. */
void irq_passthrough_domain_ended(struct domain *d);

#endif
