/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Untyped memory retyped into objects.  Objects are carved upwards from
 * the untyped's base, each aligned to its own size; an untyped with no
 * descendants left starts again from its base (seL4's rule), which is how
 * memory comes back: revoke the untyped, retype it afresh.  Unlike seL4,
 * a retype that no longer fits above the high-water mark takes the lowest
 * hole that deleted objects left below it: a VM that powers off gives its
 * memory back for the next one while others still run.  An untyped's
 * children are exactly the objects carved from it (untyped capabilities
 * cannot be copied; a deleted object's copies move up to it and cover the
 * same bytes), so the holes are what no child covers.
 */
#include <string.h>
#include "cap_internal.h"

_Static_assert(sizeof(struct cte) <= (1u << CAP_CTE_BITS), "a slot fits its share of a cnode");
_Static_assert(sizeof(struct cnode) <= sizeof(struct cte), "a cnode's header fits its unused slot 0");
_Static_assert(sizeof(struct notification) <= (1u << CAP_NTFN_BITS), "a notification fits its object");

unsigned cap_object_bits(unsigned type, unsigned size_bits)
{
    switch (type) {
    case SK_OBJ_UNTYPED:
        return size_bits >= CAP_MIN_UNTYPED && size_bits <= CAP_MAX_UNTYPED ? size_bits : 0;
    case SK_OBJ_CNODE:
        return size_bits >= CAP_MIN_RADIX && size_bits <= CAP_MAX_RADIX ? size_bits + CAP_CTE_BITS : 0;
    case SK_OBJ_FRAME:
        return size_bits == 12 || size_bits == 21 ? size_bits : 0;
    case SK_OBJ_NOTIFICATION:
        return size_bits == 0 ? CAP_NTFN_BITS : 0;
    case SK_OBJ_DOMAIN:
    case SK_OBJ_VCPU:
        return size_bits == 0 && cap_hooks.create ? CAP_DOMAIN_BITS : 0;
    case SK_OBJ_IOREQ:
        return size_bits == 0 && cap_hooks.create ? CAP_IOREQ_BITS : 0;
    default:
        return 0;                     /* not made from untyped memory (yet) */
    }
}

/* Make one object at phys; returns the object header its caps name, if
 * any, or *failed. */
static struct kobject *make_object(unsigned type, unsigned size_bits, uint64_t phys, unsigned bits, bool *failed)
{
    void *mem = cap_memory(phys, 1ull << bits);
    if (type != SK_OBJ_UNTYPED)       /* an untyped's memory is cleared by what it becomes */
        memset(mem, 0, 1ull << bits);
    if (type == SK_OBJ_CNODE) {
        /* The header lives in slot 0, which no cptr can name. */
        struct cnode *cn = mem;
        cn->obj.type = SK_OBJ_CNODE;
        cn->radix = size_bits;
        cn->slots = mem;
        return &cn->obj;
    }
    if (type == SK_OBJ_NOTIFICATION) {
        struct notification *n = mem;
        n->obj.type = SK_OBJ_NOTIFICATION;
        n->vector = -1;
        return &n->obj;
    }
    if (type == SK_OBJ_DOMAIN || type == SK_OBJ_VCPU || type == SK_OBJ_IOREQ) {
        struct kobject *o = cap_hooks.create(type, phys, bits);
        *failed = o == NULL;
        return o;
    }
    return NULL;
}

/* The bytes [*first, *end) of ut that its child c's object takes. */
static void child_extent(const struct cte *ut, const struct cte *c, uint64_t *first, uint64_t *end)
{
    unsigned bits = c->cap.type == SK_OBJ_CNODE ? (unsigned)c->cap.size + CAP_CTE_BITS : (unsigned)c->cap.size;
    *first = c->cap.base - ut->cap.base;
    *end = *first + (1ull << bits);
}

/* The lowest offset, aligned to align, where len bytes touch no child's object. */
static bool find_hole(const struct cte *ut, uint64_t align, uint64_t len, uint64_t *out)
{
    uint64_t size = 1ull << ut->cap.size, start = 0;
    for (;;) {
        start = (start + align - 1) & ~(align - 1);
        if (start > size || len > size - start)
            return false;
        const struct cte *c = ut->first_child;
        uint64_t first = 0, end = 0;
        for (; c; c = c->next_sibling) {
            child_extent(ut, c, &first, &end);
            if (first < start + len && start < end)
                break;
        }
        if (!c) {
            *out = start;
            return true;
        }
        start = end;                  /* past the object in the way */
    }
}

uint64_t cap_untyped_free_bytes(const struct cte *ut)
{
    uint64_t used = 0;
    for (const struct cte *c = ut->first_child; c; c = c->next_sibling) {
        bool counted = false;         /* copies share their original's bytes: count them once */
        for (const struct cte *d = ut->first_child; d != c && !counted; d = d->next_sibling)
            counted = d->cap.base == c->cap.base;
        uint64_t first, end;
        child_extent(ut, c, &first, &end);
        if (!counted)
            used += end - first;
    }
    return (1ull << ut->cap.size) - used;
}

long cap_retype(struct cte *ut, unsigned type, unsigned size_bits, struct cnode *dest_cn, uint64_t dest,
                uint64_t count)
{
    if (ut->cap.type != SK_OBJ_UNTYPED)
        return SK_E_INVALID_CAPABILITY;
    unsigned bits = cap_object_bits(type, size_bits);
    if (!bits)
        return SK_E_INVALID_ARGUMENT;
    if (count == 0 || count > CAP_MAX_RETYPE)
        return SK_E_RANGE;
    if (bits > ut->cap.size)
        return SK_E_RANGE;
    for (uint64_t i = 0; i < count; i++) {
        struct cte *s = cnode_slot(dest_cn, dest + i);
        if (!s || dest + i < dest)
            return SK_E_FAILED_LOOKUP;
        if (s->cap.type != SK_OBJ_NULL)
            return SK_E_DELETE_FIRST;
    }
    uint64_t size = 1ull << ut->cap.size, align = 1ull << bits;
    uint64_t mark = ut->first_child ? ut->cap.free_offset : 0;
    uint64_t start = (mark + align - 1) & ~(align - 1);
    if ((start > size || count > (size - start) >> bits) && !find_hole(ut, align, count << bits, &start))
        return SK_E_NOT_ENOUGH_MEMORY;

    /* Objects first, so that one that cannot be made undoes the others. */
    static struct kobject *made[CAP_MAX_RETYPE];
    for (uint64_t i = 0; i < count; i++) {
        bool failed = false;
        made[i] = make_object(type, size_bits, ut->cap.base + start + (i << bits), bits, &failed);
        if (failed) {
            while (i--)
                cap_hooks.destroy(made[i]);
            return SK_E_NOT_ENOUGH_MEMORY;
        }
    }
    for (uint64_t i = 0; i < count; i++) {
        uint64_t phys = ut->cap.base + start + (i << bits);
        struct cap c = {
            .type = (uint8_t)type, .rights = SK_RIGHTS_ALL, .base = phys,
            .size = type == SK_OBJ_CNODE ? size_bits : bits, .obj = made[i],
        };
        struct cte *s = cnode_slot(dest_cn, dest + i);
        s->cap = c;
        if (c.obj)
            c.obj->refs = 1;
        cap_link_child(ut, s);
    }
    if (start + (count << bits) > mark)
        ut->cap.free_offset = start + (count << bits);
    else
        ut->cap.free_offset = mark;   /* a hole below the mark was filled */
    return SK_OK;
}
