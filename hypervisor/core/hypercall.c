/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The capability core as the vmkernel runs it: one lock around every
 * invocation, the environment the core calls back (memory, notification
 * delivery and waits, freeing), and the capabilities a domain is born
 * with.  The SYSTEM and DOMAIN invocations are in cap_system.c.
 */
#include <stdlib.h>
#include <string.h>
#include <arch/svm.h>
#include <skerry/domain.h>
#include <skerry/hypercall.h>
#include <skerry/ioreq.h>
#include <skerry/irq_passthrough.h>
#include <skerry/log.h>
#include <skerry/memory.h>
#include <skerry/percpu.h>
#include <skerry/spinlock.h>
#include <skerry/vdev_platform.h>
#include <skerry/vcpu.h>
#include <public/skerry/invocations.h>
#include "cap_system.h"

static spinlock_t cap_lock = SPINLOCK_INIT;
static int cap_lock_cpu = -1;    /* the CPU holding it: ending a domain under it re-enters */

static uint64_t cap_lock_take(void)
{
    uint64_t flags = spin_lock_irqsave(&cap_lock);
    cap_lock_cpu = (int)this_cpu_id();
    return flags;
}

static void cap_lock_drop(uint64_t flags)
{
    cap_lock_cpu = -1;
    spin_unlock_irqrestore(&cap_lock, flags);
}

uint64_t hypercall_lock(void)
{
    return cap_lock_take();
}

void hypercall_unlock(uint64_t flags)
{
    cap_lock_drop(flags);
}

/* Domains' own capabilities to themselves (not in any untyped memory). */
static struct domain_object self_objects[MAX_DOMAINS];

/* The vmkernel itself, as SK_CAP_SYSTEM names it. */
static struct kobject system_object = { .type = SK_OBJ_SYSTEM, .pinned = true };

/* Untyped memory handed out at boot, so that it can come back. */
#define MAX_BOOT_UNTYPED 128
static struct boot_untyped {
    uint64_t base;
    unsigned bits;
    const struct domain *owner;   /* NULL: free record */
} boot_untyped[MAX_BOOT_UNTYPED];
/* The owner of boot untyped whose domain ended while another held it. */
static const struct domain handed_on;

/* Notifications bound to a vCPU's vector, so that a vCPU's end unbinds them. */
#define MAX_BINDINGS 64
static struct notification *bindings[MAX_BINDINGS];

/* Boot facts per domain (SYSTEM bootinfo). */
static struct boot_layout layouts[MAX_DOMAINS];

const struct boot_layout *hypercall_boot_layout(const struct domain *d)
{
    return &layouts[d->id % MAX_DOMAINS];
}

/* ---- the environment ---- */

static void *phys_to_ptr(uint64_t phys, uint64_t len)
{
    (void)len;
    return phys_to_virt(phys);
}

void hypercall_notify(struct notification *n)
{
    if (n->vector >= 0 && n->bound_to)
        vcpu_raise_interrupt(n->bound_to, (uint8_t)n->vector, false);
    if (n->line && n->bound_to) {
        struct domain *d = ((struct vcpu *)n->bound_to)->dom;
        vdev_ioapic_set_irq(d, (unsigned)n->line, true);      /* an edge */
        vdev_ioapic_set_irq(d, (unsigned)n->line, false);
    }
    if (n->waiter)
        vcpu_kick(n->waiter);
}

static void unbind(struct notification *n)
{
    for (unsigned i = 0; i < MAX_BINDINGS; i++)
        if (bindings[i] == n)
            bindings[i] = NULL;
    n->bound_to = NULL;
    n->vector = -1;
    n->line = 0;
}

static void finalize(struct cap *cap)
{
    if (cap->type != SK_OBJ_NOTIFICATION) {
        cap_domain_finalize(cap);
        return;
    }
    struct notification *n = (struct notification *)cap->obj;
    ioreq_notification_gone(n);
    cap_irq_notification_gone(n);
    unbind(n);
    if (n->waiter) {
        struct vcpu *w = n->waiter;
        w->waiting_on = NULL;
        n->waiter = NULL;
        vcpu_kick(w);
    }
}

static long notification_env(struct hypercall_ctx *ctx, struct cap *c, uint64_t label, const sk_word_t *a,
                             struct cap_reply *r)
{
    struct notification *n = (struct notification *)c->obj;
    struct vcpu *v = ctx->vcpu;
    if (label == SK_INV_NOTIFICATION_WAIT) {
        if (n->waiter && n->waiter != v)
            return SK_E_BUSY;             /* one waiter at a time */
        n->waiter = v;
        v->waiting_on = n;
        ctx->block = true;
        return SK_OK;
    }
    if (label == SK_INV_NOTIFICATION_BIND_VECTOR || label == SK_INV_NOTIFICATION_BIND_LINE) {
        if (a[0] == 0) {
            unbind(n);
            return SK_OK;
        }
        if (n->bound_to && n->bound_to != v)
            return SK_E_BUSY;
        unsigned free_slot = MAX_BINDINGS;
        for (unsigned i = 0; i < MAX_BINDINGS; i++) {
            if (bindings[i] == n)
                free_slot = i;
            else if (!bindings[i] && free_slot == MAX_BINDINGS)
                free_slot = i;
        }
        if (free_slot == MAX_BINDINGS)
            return SK_E_NOT_ENOUGH_MEMORY;
        bindings[free_slot] = n;
        n->bound_to = v;
        bool line = label == SK_INV_NOTIFICATION_BIND_LINE;
        n->vector = line ? -1 : (int)a[0];
        n->line = line ? (int)a[0] : 0;
        return SK_OK;
    }
    (void)r;
    return SK_E_ILLEGAL_OPERATION;
}

static long env_invoke(void *ctx, struct cap *target, uint64_t label, struct cte *const *caps,
                       const sk_word_t *args, struct cap_reply *reply)
{
    switch (target->type) {
    case SK_OBJ_SYSTEM:
        return cap_system_invoke(ctx, label, args, reply);
    case SK_OBJ_DOMAIN:
        return cap_domain_invoke(ctx, target, label, caps, args, reply);
    case SK_OBJ_VCPU:
        return cap_vcpu_invoke(ctx, target, label, caps, args, reply);
    case SK_OBJ_NOTIFICATION:
        return notification_env(ctx, target, label, args, reply);
    case SK_OBJ_IOREQ:
        return ioreq_invoke(target, label, caps, args, reply);
    case SK_OBJ_IRQ_HANDLER:
        return cap_irq_invoke(target, label, caps, reply);
    default:
        return SK_E_ILLEGAL_OPERATION;
    }
}

static const struct cap_env vmkernel_env = {
    .phys_to_ptr = phys_to_ptr, .invoke = env_invoke, .notify = hypercall_notify, .finalize = finalize,
    .create = cap_domain_create, .destroy = cap_domain_destroy, .unmap = cap_domain_unmap,
};

/* Domains whose end was asked for: ended with the lock still held (the
 * core is done, so freeing one may re-enter hypercall_domain_ended). */
static void end_pending_domains(void)
{
    unsigned ids[MAX_DOMAINS];
    unsigned n = cap_domain_take_pending(ids, MAX_DOMAINS);
    for (unsigned i = 0; i < n; i++) {
        struct domain *d = domain_lookup(ids[i]);
        if (d)
            domain_release(d);
    }
}

/* ---- the hypercall ---- */

/* A wait ends when the vCPU runs its call again: forget it first. */
static void end_wait(struct vcpu *v)
{
    struct notification *n = v->waiting_on;
    if (!n)
        return;
    if (n->waiter == v)
        n->waiter = NULL;
    v->waiting_on = NULL;
}

enum hypercall_outcome hypercall_invoke(struct vcpu *v, const struct cap_call *call, struct cap_reply *reply)
{
    /* The core's environment is set when the first cspace is made; a call
     * from a domain without one fails at the lookup, before any hook. */
    struct hypercall_ctx ctx = { .vcpu = v };
    uint64_t flags = cap_lock_take();
    end_wait(v);
    cap_invoke(&ctx, v->dom->cspace, call, reply);
    end_pending_domains();
    cap_lock_drop(flags);
    return ctx.block ? HYPERCALL_BLOCK : HYPERCALL_DONE;
}

static bool served_by_a_model(const struct vcpu *v)
{
    for (unsigned i = 0; i < MAX_IOREQ_PER_DOMAIN; i++)
        if (__atomic_load_n(&v->dom->ioreq[i], __ATOMIC_RELAXED))
            return true;
    return false;
}

enum ioreq_outcome hypercall_ioreq_access(struct vcpu *v, unsigned space, unsigned dir, uint64_t addr,
                                          unsigned size, uint64_t *data)
{
    if (!v->dom->cap_built || !served_by_a_model(v))
        return IOREQ_UNCLAIMED;
    uint64_t flags = cap_lock_take();
    enum ioreq_outcome o = ioreq_access(v, space, dir, addr, size, data);
    cap_lock_drop(flags);
    return o;
}

enum ioreq_outcome hypercall_backdoor_access(struct vcpu *v, uint32_t regs[6])
{
    if (!v->dom->cap_built || !served_by_a_model(v))
        return IOREQ_UNCLAIMED;
    uint64_t flags = cap_lock_take();
    enum ioreq_outcome o = ioreq_backdoor(v, regs);
    cap_lock_drop(flags);
    return o;
}

/* ---- boot capabilities ---- */

static bool record_untyped(const struct domain *d, uint64_t base, unsigned bits)
{
    for (unsigned i = 0; i < MAX_BOOT_UNTYPED; i++)
        if (!boot_untyped[i].owner) {
            boot_untyped[i] = (struct boot_untyped){ base, bits, d };
            return true;
        }
    return false;
}

int hypercall_grant_boot_caps(struct domain *d, unsigned radix, uint64_t untyped_bytes)
{
    uint64_t nslots = 1ull << radix;
    uint64_t slot_frames = (nslots * sizeof(struct cte) + FRAME_SIZE - 1) / FRAME_SIZE;
    struct cte *slots = frames_alloc(slot_frames);
    struct cnode *cn = calloc(1, sizeof *cn);
    if (!slots || !cn) {
        if (slots)
            frames_free(slots, slot_frames);
        free(cn);
        return -1;
    }
    uint64_t flags = cap_lock_take();
    cap_set_env(&vmkernel_env);
    cnode_init(cn, radix, slots, true);
    struct domain_object *self = &self_objects[d->id % MAX_DOMAINS];
    *self = (struct domain_object){ .obj = { .type = SK_OBJ_DOMAIN, .pinned = true }, .domain_id = d->id };
    /* No grant on its own cspace and domain: those cannot leave it, so
     * nothing outlives the domain that names them.  Control of itself maps
     * frames into its own address space (how vmx reaches a VM's memory). */
    cap_install(&slots[SK_CAP_SELF_CNODE], &(struct cap){ .type = SK_OBJ_CNODE,
                .rights = SK_RIGHT_READ | SK_RIGHT_WRITE, .obj = &cn->obj, .size = radix });
    cap_install(&slots[SK_CAP_SELF_DOMAIN], &(struct cap){ .type = SK_OBJ_DOMAIN,
                .rights = SK_RIGHT_READ | SK_RIGHT_CONTROL,
                                                           .obj = &self->obj, .base = d->id });
    cap_install(&slots[SK_CAP_SYSTEM], &(struct cap){ .type = SK_OBJ_SYSTEM,
                .rights = SK_RIGHT_READ | SK_RIGHT_GRANT | SK_RIGHT_CONTROL, .obj = &system_object });
    d->cspace = cn;
    cap_lock_drop(flags);

    /* Untyped memory in the largest aligned blocks the allocator has. */
    uint64_t slot = SK_CAP_FIRST_BOOT, given = 0;
    int result = 0;
    untyped_bytes &= ~((1ull << 21) - 1);
    for (unsigned bits = 30; bits >= 21 && given < untyped_bytes; ) {
        uint64_t size = 1ull << bits;
        void *p = size <= untyped_bytes - given && slot < nslots ? frames_alloc_aligned(size / FRAME_SIZE, size)
                                                                 : NULL;
        if (!p) {
            bits--;
            continue;
        }
        flags = cap_lock_take();
        bool kept = record_untyped(d, virt_to_phys(p), bits);
        if (kept)
            cap_install(&slots[slot++], &(struct cap){ .type = SK_OBJ_UNTYPED, .rights = SK_RIGHTS_ALL,
                                                       .base = virt_to_phys(p), .size = bits });
        cap_lock_drop(flags);
        if (!kept) {
            frames_free(p, size / FRAME_SIZE);
            result = -1;
            break;
        }
        given += size;
    }
    if (given < untyped_bytes)
        result = -1;
    uint64_t untyped_end = slot;

    /* The I/O ports it reaches directly, a capability per range. */
    struct port_range ranges[64];
    unsigned nranges = svm_domain_port_ranges(d, ranges, 64);
    flags = cap_lock_take();
    for (unsigned i = 0; i < nranges && slot < nslots; i++)
        cap_install(&slots[slot++], &(struct cap){ .type = SK_OBJ_IOPORTS, .rights = SK_RIGHTS_ALL,
                                                   .base = ranges[i].first, .size = ranges[i].count });
    uint64_t ioports_end = slot;
    /* The interrupt lines it owns, a handler capability per line. */
    struct irq_line_info line;
    for (unsigned gsi = 0; irq_passthrough_owner() == d && irq_passthrough_line(gsi, &line) && slot < nslots;
         gsi++)
        if (!line.kept)
            cap_install(&slots[slot++], &(struct cap){ .type = SK_OBJ_IRQ_HANDLER, .rights = SK_RIGHTS_ALL,
                                                       .obj = cap_irq_object(gsi), .base = gsi });
    cap_lock_drop(flags);
    layouts[d->id % MAX_DOMAINS] = (struct boot_layout){
        .untyped_first = SK_CAP_FIRST_BOOT, .untyped_count = untyped_end - SK_CAP_FIRST_BOOT,
        .untyped_bytes = given, .ioports_first = untyped_end, .ioports_count = ioports_end - untyped_end,
        .irq_first = ioports_end, .irq_count = slot - ioports_end, .first_free = slot,
    };
    log_info("dom%u %s: %llu capability slots, %llu untyped capabilities (%llu MiB) from slot %u, "
             "%u I/O port ranges, %llu interrupt lines", d->id, d->name, (unsigned long long)nslots,
             (unsigned long long)(untyped_end - SK_CAP_FIRST_BOOT), (unsigned long long)(given >> 20),
             SK_CAP_FIRST_BOOT, nranges, (unsigned long long)(slot - ioports_end));
    return result;
}

/* The boot untyped record a root untyped capability in d's cspace came from. */
static struct boot_untyped *boot_record(const struct domain *d, const struct cte *s)
{
    if (s->cap.type != SK_OBJ_UNTYPED || s->parent)
        return NULL;
    for (unsigned i = 0; i < MAX_BOOT_UNTYPED; i++)
        if ((boot_untyped[i].owner == d || boot_untyped[i].owner == &handed_on) &&
            boot_untyped[i].base == s->cap.base &&
            boot_untyped[i].bits == s->cap.size)
            return &boot_untyped[i];
    return NULL;
}

void hypercall_domain_ended(struct domain *d)
{
    struct cnode *cn = d->cspace;
    /* Under the lock already when a hypercall ends a domain (end_pending_domains). */
    bool nested = cap_lock_cpu == (int)this_cpu_id();
    uint64_t flags = nested ? 0 : cap_lock_take();
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        if (!v)
            continue;
        end_wait(v);
        for (unsigned k = 0; k < MAX_BINDINGS; k++)
            if (bindings[k] && bindings[k]->bound_to == v)
                unbind(bindings[k]);
    }
    if (!cn) {
        if (!nested)
            cap_lock_drop(flags);
        return;
    }
    uint64_t nslots = 1ull << cn->radix, returned = 0;
    /* First everything carved from its memory, wherever it went. */
    for (uint64_t i = 1; i < nslots; i++)
        if (cn->slots[i].cap.type == SK_OBJ_UNTYPED)
            cap_revoke(&cn->slots[i]);
    for (uint64_t i = 1; i < nslots; i++) {
        struct cte *s = &cn->slots[i];
        struct boot_untyped *b = boot_record(d, s);
        if (b) {
            frames_free(phys_to_virt(b->base), (1ull << b->bits) / FRAME_SIZE);
            returned += 1ull << b->bits;
            b->owner = NULL;
            memset(s, 0, sizeof *s);
        } else if (s->cap.type != SK_OBJ_NULL) {
            /* Untyped given to it by another domain (revoked above) goes
             * back up its tree. */
            if (cap_delete(s) != SK_OK)
                memset(s, 0, sizeof *s);
        }
    }
    /* Boot untyped it handed to another domain is theirs now. */
    for (unsigned i = 0; i < MAX_BOOT_UNTYPED; i++)
        if (boot_untyped[i].owner == d)
            boot_untyped[i].owner = &handed_on;
    d->cspace = NULL;
    if (!nested)
        cap_lock_drop(flags);
    frames_free(cn->slots, (nslots * sizeof(struct cte) + FRAME_SIZE - 1) / FRAME_SIZE);
    free(cn);
    if (returned)
        log_info("dom%u %s: %llu MiB of untyped memory returned", d->id, d->name,
                 (unsigned long long)(returned >> 20));
}
