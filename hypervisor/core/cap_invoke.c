/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Decoding an invocation (seL4's decode/invoke split): the capability, the
 * label, the rights, the message length and every capability argument are
 * checked against the generated table (public/skerry/invocations.h) and
 * then each type's own arguments, all before anything changes.  The core
 * types (cnode, untyped, notification, I/O ports, frame info) are handled
 * here; the rest go to the environment's invoke().
 */
#include <string.h>
#include <public/skerry/invocations.h>
#include "cap_internal.h"

struct invocation {
    uint64_t label;
    unsigned type, rights, caps, args, results;
    const char *name;
};

static const struct invocation table[] = {
#define X(label, type, rights, caps, args, results, name) { label, type, rights, caps, args, results, name },
    SK_INVOCATION_TABLE(X)
#undef X
};

static const struct invocation *lookup(uint64_t label)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].label == label)
            return &table[i];
    return NULL;
}

/* ---- CNode: dest (and slot) in the invoked cnode, src in the caller's cspace ---- */

static long cnode_invoke(struct cnode *cspace, struct cnode *cn, uint64_t label, const sk_word_t *a,
                         struct cap_reply *r)
{
    if (label == SK_INV_CNODE_FIND_FREE) {
        for (uint64_t i = a[0] ? a[0] : 1; i < (1ull << cn->radix); i++)
            if (cn->slots[i].cap.type == SK_OBJ_NULL) {
                r->mr[0] = i;
                return SK_OK;
            }
        return cap_fail(r, SK_E_RANGE, 0);
    }
    struct cte *dest = cnode_slot(cn, a[0]);
    if (!dest)
        return cap_fail(r, SK_E_FAILED_LOOKUP, 0);
    switch (label) {
    case SK_INV_CNODE_DELETE: {
        long e = cap_delete(dest);
        return e ? cap_fail(r, e, 0) : SK_OK;
    }
    case SK_INV_CNODE_REVOKE: {
        long e = cap_revoke(dest);
        return e ? cap_fail(r, e, 0) : SK_OK;
    }
    default:
        break;
    }
    struct cte *src = cnode_slot(cspace, a[1]);
    if (!src)
        return cap_fail(r, SK_E_FAILED_LOOKUP, 1);
    if (label == SK_INV_CNODE_MOVE) {
        /* Into another cnode is handing the capability on: that needs grant. */
        if (cn != cspace && src->cap.type != SK_OBJ_NULL && !(src->cap.rights & SK_RIGHT_GRANT))
            return cap_fail(r, SK_E_INSUFFICIENT_RIGHTS, 1);
        long e = cap_move(dest, src);
        return e ? cap_fail(r, e, e == SK_E_DELETE_FIRST ? 0 : 1) : SK_OK;
    }
    bool mint = label == SK_INV_CNODE_MINT;
    if (mint && a[2] > SK_RIGHTS_ALL)
        return cap_fail(r, SK_E_INVALID_ARGUMENT, 2);
    if (mint && a[3] && src->cap.type != SK_OBJ_NULL && src->cap.type != SK_OBJ_NOTIFICATION)
        return cap_fail(r, SK_E_INVALID_ARGUMENT, 3);     /* only notifications carry badges */
    long e = cap_copy(dest, src, mint ? (uint8_t)a[2] : SK_RIGHTS_ALL, mint ? a[3] : 0, mint);
    return e ? cap_fail(r, e, e == SK_E_DELETE_FIRST ? 0 : e == SK_E_INVALID_ARGUMENT ? 3 : 1) : SK_OK;
}

/* ---- Untyped ---- */

static long untyped_invoke(struct cnode *cspace, struct cte *ut, uint64_t label, const sk_word_t *a,
                           struct cap_reply *r)
{
    if (label == SK_INV_UNTYPED_INFO) {
        r->mr[0] = ut->cap.base;
        r->mr[1] = ut->cap.size;
        r->mr[2] = cap_untyped_free_bytes(ut);
        return SK_OK;
    }
    if (a[0] >= SK_OBJ_NR_TYPES)
        return cap_fail(r, SK_E_INVALID_ARGUMENT, 0);
    if (a[1] > 64 || !cap_object_bits((unsigned)a[0], (unsigned)a[1]))
        return cap_fail(r, SK_E_INVALID_ARGUMENT, a[1] > 64 ? 1 : 0);
    long e = cap_retype(ut, (unsigned)a[0], (unsigned)a[1], cspace, a[2], a[3]);
    switch (e) {
    case SK_OK: return SK_OK;
    case SK_E_FAILED_LOOKUP: case SK_E_DELETE_FIRST: return cap_fail(r, e, 2);
    case SK_E_RANGE: return cap_fail(r, e, a[3] == 0 || a[3] > CAP_MAX_RETYPE ? 3 : 1);
    default: return cap_fail(r, e, SK_NO_DETAIL);
    }
}

/* ---- Notification ---- */

static long notification_invoke(void *ctx, struct cap *c, uint64_t label, const sk_word_t *a,
                                struct cap_reply *r)
{
    struct notification *n = (struct notification *)c->obj;
    switch (label) {
    case SK_INV_NOTIFICATION_SIGNAL:
        if ((a[0] | c->badge) == 0)
            return cap_fail(r, SK_E_INVALID_ARGUMENT, 0);    /* nothing to signal */
        n->bits |= a[0] | c->badge;
        if (cap_hooks.notify)
            cap_hooks.notify(n);
        return SK_OK;
    case SK_INV_NOTIFICATION_POLL:
        r->mr[0] = n->bits;
        n->bits = 0;
        return SK_OK;
    case SK_INV_NOTIFICATION_WAIT:
        if (n->bits) {
            r->mr[0] = n->bits;
            n->bits = 0;
            return SK_OK;
        }
        break;                        /* blocking is the environment's */
    case SK_INV_NOTIFICATION_BIND_VECTOR:
        if (a[0] != 0 && (a[0] < 32 || a[0] > 255))
            return cap_fail(r, SK_E_RANGE, 0);
        break;                        /* the environment knows the caller */
    case SK_INV_NOTIFICATION_BIND_LINE:
        if (a[0] != 0 && (a[0] < SK_EVENT_GSI_FIRST || a[0] >= SK_EVENT_GSI_FIRST + SK_EVENT_GSI_COUNT))
            return cap_fail(r, SK_E_RANGE, 0);
        break;
    default:
        break;
    }
    (void)ctx;
    return CAP_DEFER;
}

/* ---- I/O ports ---- */

static long ioports_split(struct cte *io, struct cte *cn_cte, const sk_word_t *a, struct cap_reply *r)
{
    if (cn_cte->cap.type != SK_OBJ_CNODE)
        return cap_fail(r, SK_E_INVALID_CAPABILITY, 0);
    if (!(cn_cte->cap.rights & SK_RIGHT_WRITE))
        return cap_fail(r, SK_E_INSUFFICIENT_RIGHTS, 0);
    struct cte *dest = cnode_slot((struct cnode *)cn_cte->cap.obj, a[0]);
    if (!dest)
        return cap_fail(r, SK_E_FAILED_LOOKUP, 1);
    if (dest->cap.type != SK_OBJ_NULL)
        return cap_fail(r, SK_E_DELETE_FIRST, 1);
    uint64_t first = io->cap.base, end = io->cap.base + io->cap.size;
    if (a[1] < first || a[1] >= end)
        return cap_fail(r, SK_E_RANGE, 2);
    if (a[2] == 0 || a[2] > end - a[1])
        return cap_fail(r, SK_E_RANGE, 3);
    struct cap c = io->cap;
    c.base = a[1];
    c.size = a[2];
    c.map_domain = 0;                 /* not granted to anyone yet */
    dest->cap = c;
    cap_link_child(io, dest);
    return SK_OK;
}

/* ---- the decoder ---- */

long cap_invoke(void *ctx, struct cnode *cspace, const struct cap_call *call, struct cap_reply *r)
{
    memset(r, 0, sizeof *r);
    unsigned ncaps = sk_msginfo_caps(call->info), len = sk_msginfo_length(call->info);
    if (ncaps + len > SK_MSG_MAX_REGS)
        return cap_fail(r, SK_E_INVALID_ARGUMENT, SK_NO_DETAIL);
    struct cte *target = cnode_slot(cspace, call->cptr);
    if (!target)
        return cap_fail(r, SK_E_FAILED_LOOKUP, SK_NO_DETAIL);
    struct cap *c = &target->cap;
    if (c->type == SK_OBJ_NULL)
        return cap_fail(r, SK_E_INVALID_CAPABILITY, SK_NO_DETAIL);
    uint64_t label = sk_msginfo_label(call->info);
    const struct invocation *inv = lookup(label);
    if (!inv || (inv->type != SK_OBJ_ANY && inv->type != c->type))
        return cap_fail(r, SK_E_ILLEGAL_OPERATION, SK_NO_DETAIL);
    if ((c->rights & inv->rights) != inv->rights)
        return cap_fail(r, SK_E_INSUFFICIENT_RIGHTS, SK_NO_DETAIL);
    if (ncaps < inv->caps || len < inv->args)
        return cap_fail(r, SK_E_TRUNCATED_MESSAGE, SK_NO_DETAIL);

    struct cte *caps[SK_MSG_MAX_REGS] = { 0 };
    for (unsigned i = 0; i < inv->caps; i++) {
        caps[i] = cnode_slot(cspace, call->mr[i]);
        if (!caps[i])
            return cap_fail(r, SK_E_FAILED_LOOKUP, i);
        if (caps[i]->cap.type == SK_OBJ_NULL)
            return cap_fail(r, SK_E_INVALID_CAPABILITY, i);
    }
    /* Data words start after the capability arguments the caller sent. */
    sk_word_t args[SK_MSG_MAX_REGS] = { 0 };
    memcpy(args, call->mr + ncaps, len * sizeof args[0]);

    long e = CAP_DEFER;
    switch (label) {
    case SK_INV_ANY_IDENTIFY:
        r->mr[0] = c->type;
        r->mr[1] = c->rights;
        r->mr[2] = c->badge;
        r->mr[3] = c->base;
        r->mr[4] = c->size;
        e = SK_OK;
        break;
    case SK_INV_FRAME_INFO:
        r->mr[0] = c->base;
        r->mr[1] = 1ull << c->size;
        e = SK_OK;
        break;
    case SK_INV_IOPORTS_INFO:
        r->mr[0] = c->base;
        r->mr[1] = c->size;
        e = SK_OK;
        break;
    case SK_INV_IOPORTS_SPLIT:
        e = ioports_split(target, caps[0], args, r);
        break;
    default:
        if (c->type == SK_OBJ_CNODE)
            e = cnode_invoke(cspace, (struct cnode *)c->obj, label, args, r);
        else if (c->type == SK_OBJ_UNTYPED)
            e = untyped_invoke(cspace, target, label, args, r);
        else if (c->type == SK_OBJ_NOTIFICATION)
            e = notification_invoke(ctx, c, label, args, r);
        break;
    }
    if (e == CAP_DEFER) {             /* a type the environment implements */
        if (!cap_hooks.invoke)
            return cap_fail(r, SK_E_ILLEGAL_OPERATION, SK_NO_DETAIL);
        e = cap_hooks.invoke(ctx, c, label, caps, args, r);
        if (e != SK_OK)
            return r->length ? (r->error = e) : cap_fail(r, e, SK_NO_DETAIL);
    }
    if (e != SK_OK)
        return e;
    r->error = SK_OK;
    r->length = inv->results;
    return SK_OK;
}
