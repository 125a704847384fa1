/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Capability slots and the derivation tree: install, copy and mint, move,
 * delete, revoke, and freeing objects when their last capability goes.
 * See skerry/cap.h for the rules.
 */
#include <string.h>
#include "cap_internal.h"

struct cap_env cap_hooks;

void cap_set_env(const struct cap_env *e) { cap_hooks = *e; }

void cnode_init(struct cnode *cn, unsigned radix, struct cte *slots, bool pinned)
{
    memset(cn, 0, sizeof *cn);
    cn->obj.type = SK_OBJ_CNODE;
    cn->obj.pinned = pinned;
    cn->radix = radix;
    cn->slots = slots;
    memset(slots, 0, sizeof *slots << radix);
}

struct cte *cnode_slot(struct cnode *cn, uint64_t index)
{
    if (!cn || index == 0 || index >= (1ull << cn->radix))
        return NULL;
    return &cn->slots[index];
}

/* ---- the tree ---- */

void cap_link_child(struct cte *parent, struct cte *child)
{
    child->parent = parent;
    child->prev_sibling = NULL;
    child->next_sibling = parent ? parent->first_child : NULL;
    if (child->next_sibling)
        child->next_sibling->prev_sibling = child;
    if (parent)
        parent->first_child = child;
}

static void unlink_from_parent(struct cte *c)
{
    if (c->prev_sibling)
        c->prev_sibling->next_sibling = c->next_sibling;
    else if (c->parent)
        c->parent->first_child = c->next_sibling;
    if (c->next_sibling)
        c->next_sibling->prev_sibling = c->prev_sibling;
    c->parent = c->next_sibling = c->prev_sibling = NULL;
}

void cap_install(struct cte *slot, const struct cap *cap)
{
    slot->cap = *cap;
    slot->parent = slot->first_child = slot->next_sibling = slot->prev_sibling = NULL;
    if (cap->obj)
        cap->obj->refs++;
}

/* ---- freeing objects ---- */

/*
 * CNodes whose last capability went wait on this list to be emptied,
 * rather than by recursion: a cnode may hold the last capability to
 * another cnode, and so on.
 */
static struct cnode *zombies;

static void remove_cap(struct cte *slot);

static void free_object(struct cap *cap)
{
    if (cap_hooks.finalize)
        cap_hooks.finalize(cap);
    if (cap->type == SK_OBJ_CNODE) {
        struct cnode *cn = (struct cnode *)cap->obj;
        cn->zombie_next = zombies;
        zombies = cn;
    }
}

static void drain_zombies(void)
{
    while (zombies) {
        struct cnode *cn = zombies;
        zombies = cn->zombie_next;
        for (uint64_t i = 1; i < (1ull << cn->radix); i++)
            if (cn->slots[i].cap.type != SK_OBJ_NULL)
                remove_cap(&cn->slots[i]);
    }
}

/* Empty a slot: its children go to its parent; its object may go. */
static void remove_cap(struct cte *slot)
{
    struct cte *parent = slot->parent;
    unlink_from_parent(slot);
    while (slot->first_child) {
        struct cte *c = slot->first_child;
        unlink_from_parent(c);
        cap_link_child(parent, c);
    }
    struct cap cap = slot->cap;
    memset(&slot->cap, 0, sizeof slot->cap);
    if (cap.map_domain && cap_hooks.unmap)
        cap_hooks.unmap(&cap);              /* each capability has its own mapping or grant */
    if (cap.obj && --cap.obj->refs == 0 && !cap.obj->pinned)
        free_object(&cap);
}

/* ---- operations ---- */

long cap_copy(struct cte *dest, struct cte *src, uint8_t rights, uint64_t badge, bool mint)
{
    if (src->cap.type == SK_OBJ_NULL)
        return SK_E_INVALID_CAPABILITY;
    if (dest->cap.type != SK_OBJ_NULL)
        return SK_E_DELETE_FIRST;
    if (src->cap.type == SK_OBJ_UNTYPED)
        return SK_E_ILLEGAL_OPERATION;
    if (!(src->cap.rights & SK_RIGHT_GRANT))
        return SK_E_INSUFFICIENT_RIGHTS;
    if (rights & ~SK_RIGHTS_ALL)
        return SK_E_INVALID_ARGUMENT;
    struct cap c = src->cap;
    c.map_domain = c.map_gpa = 0;     /* a frame's copy is not mapped */
    if (mint) {
        if (badge && c.type != SK_OBJ_NOTIFICATION)
            return SK_E_INVALID_ARGUMENT;
        if (badge && c.badge)               /* a badge, once set, stays */
            return SK_E_ILLEGAL_OPERATION;
        c.rights &= rights;
        if (badge)
            c.badge = badge;
    }
    dest->cap = c;
    if (c.obj)
        c.obj->refs++;
    cap_link_child(src, dest);
    return SK_OK;
}

long cap_move(struct cte *dest, struct cte *src)
{
    if (src->cap.type == SK_OBJ_NULL)
        return SK_E_INVALID_CAPABILITY;
    if (dest == src || dest->cap.type != SK_OBJ_NULL)
        return SK_E_DELETE_FIRST;
    *dest = *src;
    if (dest->prev_sibling)
        dest->prev_sibling->next_sibling = dest;
    else if (dest->parent)
        dest->parent->first_child = dest;
    if (dest->next_sibling)
        dest->next_sibling->prev_sibling = dest;
    for (struct cte *c = dest->first_child; c; c = c->next_sibling)
        c->parent = dest;
    memset(src, 0, sizeof *src);
    return SK_OK;
}

long cap_delete(struct cte *slot)
{
    if (slot->cap.type == SK_OBJ_NULL)
        return SK_E_INVALID_CAPABILITY;
    if (slot->cap.type == SK_OBJ_UNTYPED) {
        if (slot->first_child)
            return SK_E_REVOKE_FIRST;
        if (!slot->parent)                  /* the last word on this memory */
            return SK_E_ILLEGAL_OPERATION;
    }
    remove_cap(slot);
    drain_zombies();
    return SK_OK;
}

long cap_revoke(struct cte *slot)
{
    if (slot->cap.type == SK_OBJ_NULL)
        return SK_E_INVALID_CAPABILITY;
    /*
     * The descendants are first hung below an anchor that no cptr names:
     * freeing one object may empty slots anywhere, this one included (a
     * cnode carved below it may hold it), and all of them must still go.
     * Then leaves first, found afresh each time.
     */
    struct cte anchor = { 0 };
    while (slot->first_child) {
        struct cte *c = slot->first_child;
        unlink_from_parent(c);
        cap_link_child(&anchor, c);
    }
    while (anchor.first_child) {
        struct cte *c = anchor.first_child;
        while (c->first_child)
            c = c->first_child;
        remove_cap(c);
        drain_zombies();
    }
    return SK_OK;
}
