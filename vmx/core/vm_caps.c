/* SPDX-License-Identifier: GPL-2.0-only */
/* A VM's capabilities and memory in the console's cspace (vm_caps.h). */
#include "vm_caps.h"

#include <string.h>

#include "vmk.h"

#define RETRIES 8

long vm_caps_init(struct vm_caps *c)
{
    memset(c, 0, sizeof *c);
    struct sk_system_bootinfo_result bi;
    long e = sk_system_bootinfo(SK_CAP_SYSTEM, &bi);
    if (e == SK_OK)
        c->search_from = (sk_cptr_t)bi.first_free;
    return e;
}

sk_cptr_t vm_caps_free_slots(struct vm_caps *c, unsigned n)
{
    sk_cptr_t from = c->search_from;
    for (;;) {
        struct sk_cnode_find_free_result ff;
        if (sk_cnode_find_free(SK_CAP_SELF_CNODE, from, &ff) != SK_OK)
            return 0;
        sk_cptr_t first = (sk_cptr_t)ff.slot;
        unsigned run = 1;
        while (run < n && sk_cnode_find_free(SK_CAP_SELF_CNODE, first + run, &ff) == SK_OK && ff.slot == first + run)
            run++;
        if (run == n)
            return first;
        from = first + run;             /* past the slot that broke the run */
    }
}

/* The boot untyped capabilities SYSTEM bootinfo lists. */
static long boot_untyped(sk_cptr_t *first, unsigned *count)
{
    struct sk_system_bootinfo_result bi;
    long e = sk_system_bootinfo(SK_CAP_SYSTEM, &bi);
    *first = (sk_cptr_t)bi.untyped_first;
    *count = e == SK_OK ? (unsigned)bi.untyped_count : 0;
    return e;
}

uint64_t vm_caps_free_bytes(void)
{
    sk_cptr_t first;
    unsigned count;
    uint64_t sum = 0;
    if (boot_untyped(&first, &count) != SK_OK)
        return 0;
    for (unsigned i = 0; i < count; i++) {
        struct sk_untyped_info_result ui;
        if (sk_untyped_info(first + i, &ui) == SK_OK)
            sum += ui.free_bytes;
    }
    return sum;
}

long vm_caps_add_untyped(struct vm_caps *c, unsigned size_bits)
{
    if (c->nr_untyped == VM_CAPS_MAX_UNTYPED)
        return SK_E_NOT_ENOUGH_MEMORY;
    sk_cptr_t first;
    unsigned count;
    long e = boot_untyped(&first, &count);
    if (e != SK_OK)
        return e;
    for (int attempt = 0; attempt < RETRIES; attempt++) {
        sk_cptr_t slot = vm_caps_free_slots(c, 1);
        if (!slot)
            return SK_E_NOT_ENOUGH_MEMORY;
        e = SK_E_NOT_ENOUGH_MEMORY;
        for (unsigned i = 0; i < count && e != SK_OK && e != SK_E_DELETE_FIRST; i++) {
            e = sk_untyped_retype(first + i, SK_OBJ_UNTYPED, size_bits, slot, 1);
            if (e == SK_E_RANGE)
                e = SK_E_NOT_ENOUGH_MEMORY;     /* larger than that whole untyped */
        }
        if (e == SK_OK) {
            c->untyped[c->nr_untyped].cap = slot;
            c->untyped[c->nr_untyped].size_bits = size_bits;
            c->untyped[c->nr_untyped].used = 0;
            c->nr_untyped++;
            return SK_OK;
        }
        if (e != SK_E_DELETE_FIRST)     /* not a slot another process just took */
            return e;
    }
    return e;
}

static uint64_t object_bytes(unsigned type, unsigned size_bits)
{
    if (size_bits)
        return 1ull << size_bits;
    return type == SK_OBJ_IOREQ ? 8192 : 4096;
}

long vm_caps_retype(struct vm_caps *c, unsigned type, unsigned size_bits, unsigned count, sk_cptr_t *slot)
{
    uint64_t bytes = object_bytes(type, size_bits) * count;
    long e = SK_E_NOT_ENOUGH_MEMORY;
    for (unsigned i = 0; i < c->nr_untyped; i++) {
        uint64_t size = 1ull << c->untyped[i].size_bits;
        if (c->untyped[i].used + bytes > size)
            continue;
        for (int attempt = 0; attempt < RETRIES; attempt++) {
            sk_cptr_t dest = vm_caps_free_slots(c, count);
            if (!dest)
                return SK_E_NOT_ENOUGH_MEMORY;
            e = sk_untyped_retype(c->untyped[i].cap, type, size_bits, dest, count);
            if (e == SK_OK) {
                /* Objects are aligned to their size: count what alignment skipped. */
                struct sk_untyped_info_result ui;
                if (sk_untyped_info(c->untyped[i].cap, &ui) == SK_OK)
                    c->untyped[i].used = size - ui.free_bytes;
                *slot = dest;
                return SK_OK;
            }
            if (e != SK_E_DELETE_FIRST)
                break;
        }
        if (e != SK_E_NOT_ENOUGH_MEMORY && e != SK_E_DELETE_FIRST)
            return e;
    }
    return e;
}

void vm_caps_release(struct vm_caps *c)
{
    for (unsigned i = c->nr_untyped; i-- > 0;) {
        sk_cnode_revoke(SK_CAP_SELF_CNODE, c->untyped[i].cap);
        sk_cnode_delete(SK_CAP_SELF_CNODE, c->untyped[i].cap);
    }
    c->nr_untyped = 0;
}
