/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * I/O-request channels (core/ioreq.c): a domain's port and MMIO accesses
 * served by a device model in another domain.  The protocol is in
 * public/skerry/abi.h.
 */
#ifndef SKERRY_IOREQ_H
#define SKERRY_IOREQ_H

#include <stdint.h>
#include <skerry/cap.h>
#include <skerry/domain.h>

enum ioreq_outcome {
    IOREQ_UNCLAIMED,   /* no channel serves it: the vmkernel's own devices, or unassigned */
    IOREQ_WAIT,        /* posted to the model: block the vCPU, run the instruction again */
    IOREQ_DONE,        /* completed (a read's result in *data): finish the instruction */
};

/* The access of an exit, from the arch's exit handlers (takes the
 * capability lock; cheap for a domain no channel serves). */
enum ioreq_outcome hypercall_ioreq_access(struct vcpu *v, unsigned space, unsigned dir, uint64_t addr,
                                          unsigned size, uint64_t *data);

/* A VMware backdoor call (regs: EAX, EBX, ECX, EDX, ESI, EDI) that a
 * model may claim; IOREQ_DONE leaves the model's results in regs. */
enum ioreq_outcome hypercall_backdoor_access(struct vcpu *v, uint32_t regs[6]);

/* An exit that may replay completed accesses starts; its instruction completed. */
static inline void ioreq_instruction_start(struct vcpu *v) { v->ioreq.next = 0; }
static inline void ioreq_instruction_done(struct vcpu *v)  { v->ioreq.nr_done = 0; }

/* Under the capability lock. */
enum ioreq_outcome ioreq_access(struct vcpu *v, unsigned space, unsigned dir, uint64_t addr, unsigned size,
                                uint64_t *data);
enum ioreq_outcome ioreq_backdoor(struct vcpu *v, uint32_t regs[6]);
struct kobject *ioreq_create(uint64_t phys);
void ioreq_destroy(struct kobject *obj);
void ioreq_notification_gone(const struct notification *n);
uint64_t ioreq_page_phys(const struct cap *c);
long ioreq_invoke(struct cap *c, uint64_t label, struct cte *const *caps, const sk_word_t *a,
                  struct cap_reply *r);
/* Signal a notification's waiter or bound vector (hypercall.c). */
void hypercall_notify(struct notification *n);

#endif
