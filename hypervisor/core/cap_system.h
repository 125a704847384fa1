/* SPDX-License-Identifier: GPL-2.0-only */
/* Between hypercall.c and cap_system.c (the SYSTEM and DOMAIN objects). */
#ifndef SKERRY_CAP_SYSTEM_H
#define SKERRY_CAP_SYSTEM_H

#include <stdbool.h>
#include <stdint.h>
#include <skerry/cap.h>

struct vcpu;
struct domain;

/* The caller of an invocation. */
struct hypercall_ctx {
    struct vcpu *vcpu;
    bool block;                   /* a notification wait: block, run the call again */
};

/* Where a domain's boot capabilities are (SYSTEM bootinfo). */
struct boot_layout {
    uint64_t first_free, untyped_first, untyped_count, untyped_bytes, ioports_first, ioports_count;
    uint64_t irq_first, irq_count;
};
const struct boot_layout *hypercall_boot_layout(const struct domain *d);

/* What a domain capability names (in untyped memory, or the vmkernel's
 * own for a domain's capability to itself). */
struct domain_object {
    struct kobject obj;
    unsigned domain_id;
};

long cap_system_invoke(struct hypercall_ctx *ctx, uint64_t label, const sk_word_t *a, struct cap_reply *r);

/* cap_domain.c: domain and vCPU objects. */
long cap_domain_invoke(struct hypercall_ctx *ctx, struct cap *c, uint64_t label, struct cte *const *caps,
                       const sk_word_t *a, struct cap_reply *r);
long cap_vcpu_invoke(struct hypercall_ctx *ctx, struct cap *c, uint64_t label, struct cte *const *caps,
                     const sk_word_t *a, struct cap_reply *r);
struct kobject *cap_domain_create(unsigned type, uint64_t phys, unsigned bits);
void cap_domain_destroy(struct kobject *obj);
void cap_domain_finalize(struct cap *cap);
void cap_domain_unmap(struct cap *cap);
/* cap_irq.c: IRQ handler objects (pinned, one per GSI). */
struct kobject *cap_irq_object(unsigned gsi);
long cap_irq_invoke(struct cap *c, uint64_t label, struct cte *const *caps, struct cap_reply *r);
void cap_irq_notification_gone(const struct notification *n);
long cap_irq_assign(struct domain *d, const struct cap *irq, struct cap_reply *r);
long cap_irq_set_line(struct domain *d, const sk_word_t *a, struct cap_reply *r);
long cap_irq_send_msi(struct domain *d, const sk_word_t *a, struct cap_reply *r);

/* The capability lock, for what the vmkernel does outside a hypercall
 * (an interrupt signalling a notification). */
uint64_t hypercall_lock(void);
void hypercall_unlock(uint64_t flags);

/* Domains whose end was asked for under the lock (at most max ids). */
unsigned cap_domain_take_pending(unsigned *ids, unsigned max);

#endif
