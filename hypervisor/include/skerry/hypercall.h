/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hypercalls: the capability core (skerry/cap.h) as the vmkernel runs it.
 * One lock serialises every capability operation; the environment gives
 * the core physical memory, the SYSTEM and DOMAIN objects, notification
 * waits and interrupts.  The register convention is in public/skerry/abi.h.
 */
#ifndef SKERRY_HYPERCALL_H
#define SKERRY_HYPERCALL_H

#include <stdbool.h>
#include <stdint.h>
#include <skerry/cap.h>

struct vcpu;
struct domain;

/* What the arch layer does after the call. */
enum hypercall_outcome {
    HYPERCALL_DONE,               /* the reply is in *reply: advance RIP */
    HYPERCALL_BLOCK,              /* wait (notification): leave RIP, block the vCPU */
};

enum hypercall_outcome hypercall_invoke(struct vcpu *v, const struct cap_call *call, struct cap_reply *reply);

/*
 * Give d a cspace of 2^radix slots with its boot capabilities (abi.h's
 * SK_CAP_*): itself, the system, and untyped memory of untyped_bytes taken
 * from the vmkernel's frames (rounded down to 2 MiB, in power-of-two
 * blocks).  0 on success, -1 if memory ran out (d then holds what it got).
 */
int hypercall_grant_boot_caps(struct domain *d, unsigned radix, uint64_t untyped_bytes);
/* d has ended: its capabilities go and the untyped memory it was given at
 * boot returns to the frame allocator. */
void hypercall_domain_ended(struct domain *d);

#endif
