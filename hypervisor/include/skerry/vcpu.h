/* SPDX-License-Identifier: GPL-2.0-only */
/* vCPU services shared by the exit handlers and the scheduler. */
#ifndef SKERRY_VCPU_H
#define SKERRY_VCPU_H

#include <stdbool.h>
#include <stdint.h>
#include <skerry/domain.h>

struct vcpu *vcpu_create(struct domain *d, unsigned index);
void vcpu_destroy(struct vcpu *v);
/* Fire expired vLAPIC timers of v. */
void vcpu_update_timers(struct vcpu *v);
/* Absolute time (ns since boot) of v's next vLAPIC timer event, or UINT64_MAX. */
uint64_t vcpu_timer_deadline_ns(struct vcpu *v);
/* Raise a fixed interrupt in v's vLAPIC and make sure v notices. */
void vcpu_raise_interrupt(struct vcpu *v, uint8_t vector, bool level);
void vcpu_raise_nmi(struct vcpu *v);
/* Highest vector v could take now, or -1. */
int vcpu_pending_interrupt(struct vcpu *v);
/* The injection of vector succeeded: move it from IRR to ISR. */
void vcpu_ack_interrupt(struct vcpu *v, uint8_t vector);
/* Wake v if it waits, or make the CPU running it re-check its events. */
void vcpu_kick(struct vcpu *v);
/* Does v have an event that ends a HLT? */
bool vcpu_has_wake_event(struct vcpu *v);

/* vLAPIC accesses from the exit handlers (lock, access, then deliver IPIs). */
uint64_t vcpu_lapic_mmio_read(struct vcpu *v, uint32_t offset, unsigned size);
void vcpu_lapic_mmio_write(struct vcpu *v, uint32_t offset, unsigned size, uint32_t value);
/* 0 on success, -1 when the guest must get #GP. */
int vcpu_lapic_msr_read(struct vcpu *v, uint32_t msr, uint64_t *value);
int vcpu_lapic_msr_write(struct vcpu *v, uint32_t msr, uint64_t value);
void vcpu_lapic_sync_cr8(struct vcpu *v, uint8_t tpr);
uint8_t vcpu_lapic_cr8(struct vcpu *v);

#endif
