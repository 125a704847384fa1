/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Capabilities: slots, the derivation tree, objects carved from untyped
 * memory, and the decoding of invocations (seL4's model; the ABI is
 * public/skerry/abi.h).  Pure logic: the vmkernel and the host unit tests
 * compile the same files (core/cap_*.c).  Callers serialise every call
 * with one lock (cap_lock in core/hypercall.c).
 *
 * The derivation tree: a capability made from another (a copy, a mint,
 * an object retyped from untyped memory, a split I/O port range) is its
 * child.  Revoking a capability deletes all its descendants; deleting one
 * hands its children to its parent, so everything carved from an untyped
 * stays below it.  Untyped capabilities are never copied (two copies would
 * carve the same memory twice); one with objects below it cannot be
 * deleted (revoke it first), nor can one that is the root of its memory.
 * An untyped whose descendants are all gone starts again from its base.
 */
#ifndef SKERRY_CAP_H
#define SKERRY_CAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <public/skerry/abi.h>

struct cte;
struct cnode;

/* What every object named by capabilities starts with. */
struct kobject {
    uint8_t type;                 /* enum sk_object_type */
    bool pinned;                  /* made by the vmkernel at boot: never freed */
    uint32_t refs;                /* capabilities that name it */
};

struct cap {
    uint8_t type;                 /* enum sk_object_type; SK_OBJ_NULL: empty */
    uint8_t rights;               /* SK_RIGHT_* */
    uint64_t badge;               /* notifications: OR-ed in by signal */
    struct kobject *obj;          /* cnode, notification, system, irq handler; else NULL */
    /* untyped, frame, cnode, notification: physical base and size_bits;
     * ioports: first port and count; irq handler: the GSI. */
    uint64_t base;
    uint64_t size;
    uint64_t free_offset;         /* untyped: bytes carved so far */
    /* frame: where this capability maps it (each copy maps once, as in
     * seL4): the domain's id + 1 (0: not mapped) and the address; an
     * I/O-request channel's shared page the same way; ioports: the domain
     * it is granted to. */
    uint64_t map_domain, map_gpa;
};

/* A capability slot.  Tree links point at slots; moves relink them. */
struct cte {
    struct cap cap;
    struct cte *parent, *first_child, *next_sibling, *prev_sibling;
};

/* A CNode: 2^radix slots.  Slot 0 of a cnode is never used (a null cptr). */
struct cnode {
    struct kobject obj;
    unsigned radix;
    struct cte *slots;
    struct cnode *zombie_next;    /* being emptied (cap_space.c) */
};

struct notification {
    struct kobject obj;
    uint64_t bits;
    int vector;                   /* raised on bound_to when signalled, or -1 */
    int line;                     /* or this event line (GSI) of bound_to's domain pulsed, or 0 */
    void *bound_to;               /* the environment's target (a vCPU) */
    void *waiter;                 /* the environment's waiter (a vCPU), or NULL */
    void *irq;                    /* an IRQ handler bound to it, or NULL */
};

#define CAP_CTE_BITS       7u     /* a slot takes at most 128 bytes */
#define CAP_NTFN_BITS      7u
#define CAP_DOMAIN_BITS    12u    /* a domain or vCPU object: 4 KiB of untyped */
#define CAP_IOREQ_BITS     13u    /* an I/O-request channel and its shared page */
#define CAP_MIN_RADIX      1u
#define CAP_MAX_RADIX      16u
#define CAP_MIN_UNTYPED    12u
#define CAP_MAX_UNTYPED    40u
#define CAP_MAX_RETYPE     256u   /* objects per retype call */

/* An invocation as the hypercall delivered it. */
struct cap_call {
    sk_cptr_t cptr;
    sk_msginfo_t info;
    sk_word_t mr[SK_MSG_MAX_REGS];
};
/* Its reply: the error, the result words (or the failing register's index). */
struct cap_reply {
    long error;
    unsigned length;
    sk_word_t mr[SK_MSG_MAX_REGS];
};

/* Fail an invocation: the error, and the offending message register's
 * index (or SK_NO_DETAIL) as the reply's one word. */
static inline long cap_fail(struct cap_reply *r, long error, uint64_t reg)
{
    r->error = error;
    r->length = 1;
    r->mr[0] = reg;
    return error;
}

/*
 * What the environment (the vmkernel, or a unit test) provides:
 * memory of untyped objects by physical address, and the invocations of
 * the types the core does not implement itself (system, domain, vCPU,
 * IRQ handler, frame mappings).  `ctx` is the caller (a vCPU).
 */
struct cap_env {
    void *(*phys_to_ptr)(uint64_t phys, uint64_t len);
    /* Decode and invoke one invocation on a capability of another type;
     * args[] are the data words, caps[] the resolved capability args. */
    long (*invoke)(void *ctx, struct cap *target, uint64_t label, struct cte *const *caps,
                   const sk_word_t *args, struct cap_reply *reply);
    /* Signal delivery: a notification with a vector was signalled. */
    void (*notify)(struct notification *n);
    /* An object is being freed with its last capability (unbind it). */
    void (*finalize)(struct cap *cap);
    /* A capability that maps or grants something (map_domain set) is
     * going: undo its mapping or grant. */
    void (*unmap)(struct cap *cap);
    /* Make a domain or vCPU object in untyped memory at phys (2^bits
     * bytes, zeroed); NULL if it cannot be made.  destroy() undoes one
     * that was never named by a capability. */
    struct kobject *(*create)(unsigned type, uint64_t phys, unsigned bits);
    void (*destroy)(struct kobject *obj);
};
void cap_set_env(const struct cap_env *env);

/* Set up a cnode over `slots` (2^radix of them), all empty. */
void cnode_init(struct cnode *cn, unsigned radix, struct cte *slots, bool pinned);
/* The slot a cptr names in a cspace, or NULL if outside it. */
struct cte *cnode_slot(struct cnode *cn, uint64_t index);

/* Put a boot capability (no parent) into an empty slot. */
void cap_install(struct cte *slot, const struct cap *cap);

/* Invoke: decode, check everything, then act.  Returns reply->error. */
long cap_invoke(void *ctx, struct cnode *cspace, const struct cap_call *call, struct cap_reply *reply);

/* Operations, also used by the decoder (arguments already checked where noted). */
long cap_copy(struct cte *dest, struct cte *src, uint8_t rights, uint64_t badge, bool mint);
long cap_move(struct cte *dest, struct cte *src);
long cap_delete(struct cte *slot);
long cap_revoke(struct cte *slot);
long cap_retype(struct cte *untyped, unsigned type, unsigned size_bits, struct cnode *dest_cn,
                uint64_t dest, uint64_t count);
/* Bytes of an untyped that no object carved from it takes (UNTYPED info). */
uint64_t cap_untyped_free_bytes(const struct cte *untyped);

/* Object size in bits for a retype, or 0 if the type/size cannot be made. */
unsigned cap_object_bits(unsigned type, unsigned size_bits);

#endif
