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
    uint64_t first_free, untyped_first, untyped_count, untyped_bytes;
};
const struct boot_layout *hypercall_boot_layout(const struct domain *d);

long cap_system_invoke(struct hypercall_ctx *ctx, uint64_t label, const sk_word_t *a, struct cap_reply *r);
long cap_domain_invoke(struct hypercall_ctx *ctx, struct cap *c, uint64_t label, const sk_word_t *a,
                       struct cap_reply *r);

#endif
