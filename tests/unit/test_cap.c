/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host unit tests of the capability core (core/cap_space.c, cap_untyped.c,
 * cap_invoke.c), the same files the vmkernel runs, driven through
 * cap_invoke() with the message layout of the ABI.
 *
 * Directed tests: the derivation tree, revoke, rights that only shrink,
 * badges, retype alignment and exhaustion, memory coming back after a
 * revoke, no capability surviving its object, every error code.  Then a
 * model-based random test: a reference model written separately (sets of
 * capabilities with parent links; removal then "nearest surviving
 * ancestor") against the implementation, 100,000 random invocations per
 * seed, the whole state compared after each.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <skerry/cap.h>
#include <public/skerry/invocations.h>
#include "check.h"

/* ---- the environment: "physical" memory is one host buffer ---- */

#define MEM_BASE 0x1000000ull            /* 16 MiB */
#define MEM_SIZE (32ull << 20)
static uint8_t *mem;

static void *phys_to_ptr(uint64_t phys, uint64_t len)
{
    if (phys < MEM_BASE || phys + len > MEM_BASE + MEM_SIZE || phys + len < phys) {
        printf("FAIL cap core touched memory outside its untyped: %#llx+%#llx\n", (unsigned long long)phys,
               (unsigned long long)len);
        exit(1);
    }
    return mem + (phys - MEM_BASE);
}

static unsigned notifies;
static void notify(struct notification *n) { (void)n; notifies++; }

static const struct cap_env env = { .phys_to_ptr = phys_to_ptr, .notify = notify };

/* The caller's cspace: 64 slots; 1 = itself, 2 and 3 = untyped of 16 and 1 MiB. */
#define ROOT_RADIX 6
#define NSLOTS (1u << ROOT_RADIX)
#define S_ROOT 1
#define S_UT16 2
#define S_UT1  3
static struct cte root_slots[NSLOTS];
static struct cnode root;

static void fresh(void)
{
    memset(mem, 0xA5, MEM_SIZE);          /* retyped objects must not rely on zeroed memory */
    cnode_init(&root, ROOT_RADIX, root_slots, true);
    cap_install(&root_slots[S_ROOT], &(struct cap){ .type = SK_OBJ_CNODE, .rights = SK_RIGHTS_ALL,
                                                     .obj = &root.obj, .size = ROOT_RADIX });
    cap_install(&root_slots[S_UT16], &(struct cap){ .type = SK_OBJ_UNTYPED, .rights = SK_RIGHTS_ALL,
                                                     .base = MEM_BASE, .size = 24 });
    cap_install(&root_slots[S_UT1], &(struct cap){ .type = SK_OBJ_UNTYPED, .rights = SK_RIGHTS_ALL,
                                                    .base = MEM_BASE + (16ull << 20), .size = 20 });
}

static struct cap_reply reply;

static long call(sk_cptr_t cptr, uint64_t label, unsigned ncaps, unsigned len, const sk_word_t *mr)
{
    struct cap_call c = { .cptr = cptr, .info = sk_msginfo_new(label, ncaps, len) };
    unsigned n = ncaps + len < SK_MSG_MAX_REGS ? ncaps + len : SK_MSG_MAX_REGS;
    memcpy(c.mr, mr, n * sizeof mr[0]);
    return cap_invoke(NULL, &root, &c, &reply);
}
#define W(...) ((const sk_word_t[]){ __VA_ARGS__ })

static long retype(sk_cptr_t ut, unsigned type, unsigned bits, uint64_t dest, uint64_t count)
{
    return call(ut, SK_INV_UNTYPED_RETYPE, 0, 4, W(type, bits, dest, count));
}
static long copy(sk_cptr_t cn, uint64_t dest, uint64_t src) { return call(cn, SK_INV_CNODE_COPY, 0, 2, W(dest, src)); }
static long mint(sk_cptr_t cn, uint64_t dest, uint64_t src, uint64_t rights, uint64_t badge)
{
    return call(cn, SK_INV_CNODE_MINT, 0, 4, W(dest, src, rights, badge));
}
static long move(sk_cptr_t cn, uint64_t dest, uint64_t src) { return call(cn, SK_INV_CNODE_MOVE, 0, 2, W(dest, src)); }
static long del(sk_cptr_t cn, uint64_t slot) { return call(cn, SK_INV_CNODE_DELETE, 0, 1, W(slot)); }
static long revoke(sk_cptr_t cn, uint64_t slot) { return call(cn, SK_INV_CNODE_REVOKE, 0, 1, W(slot)); }
static long identify(sk_cptr_t c) { return call(c, SK_INV_ANY_IDENTIFY, 0, 0, W(0)); }
static uint64_t ut_free(sk_cptr_t ut)
{
    return call(ut, SK_INV_UNTYPED_INFO, 0, 0, W(0)) == SK_OK ? reply.mr[2] : ~0ull;
}

/* ---- directed tests ---- */

static void test_derivation_and_revoke(void)
{
    fresh();
    CHECK_EQ(retype(S_UT16, SK_OBJ_NOTIFICATION, 0, 10, 1), SK_OK, "retype a notification");
    CHECK_EQ(copy(S_ROOT, 11, 10), SK_OK, "copy it");
    CHECK_EQ(copy(S_ROOT, 12, 11), SK_OK, "copy the copy");
    CHECK_EQ(mint(S_ROOT, 13, 10, SK_RIGHT_WRITE | SK_RIGHT_GRANT, 0x4), SK_OK, "mint a badged write-only one");
    CHECK(root_slots[12].parent == &root_slots[11] && root_slots[11].parent == &root_slots[10] &&
          root_slots[10].parent == &root_slots[S_UT16], "each copy is a child of its source, objects of their untyped");
    CHECK_EQ(revoke(S_ROOT, 11), SK_OK, "revoke the first copy");
    CHECK(root_slots[12].cap.type == SK_OBJ_NULL && root_slots[11].cap.type == SK_OBJ_NOTIFICATION,
          "revoke deletes the descendants and keeps the capability itself");
    CHECK_EQ(copy(S_ROOT, 12, 11), SK_OK, "copy again");
    CHECK_EQ(del(S_ROOT, 11), SK_OK, "delete the middle one");
    CHECK(root_slots[12].parent == &root_slots[10], "its child goes to its parent");
    CHECK_EQ(move(S_ROOT, 20, 10), SK_OK, "move the original");
    CHECK(root_slots[12].parent == &root_slots[20] && root_slots[20].parent == &root_slots[S_UT16] &&
          root_slots[10].cap.type == SK_OBJ_NULL, "a move keeps the place in the tree");
    CHECK_EQ(revoke(S_ROOT, S_UT16), SK_OK, "revoke the untyped");
    CHECK(root_slots[12].cap.type == SK_OBJ_NULL && root_slots[13].cap.type == SK_OBJ_NULL &&
          root_slots[20].cap.type == SK_OBJ_NULL, "every capability carved from it is gone");
    CHECK_EQ(ut_free(S_UT16), 16ull << 20, "and all of its memory is free again");
}

static void test_rights_and_badges(void)
{
    fresh();
    retype(S_UT16, SK_OBJ_NOTIFICATION, 0, 10, 1);
    CHECK_EQ(mint(S_ROOT, 11, 10, SK_RIGHT_READ | SK_RIGHT_GRANT, 0), SK_OK, "mint read+grant");
    CHECK_EQ(mint(S_ROOT, 12, 11, SK_RIGHTS_ALL, 0), SK_OK, "mint asking for every right");
    identify(12);
    CHECK_EQ(reply.mr[1], SK_RIGHT_READ | SK_RIGHT_GRANT, "rights only shrink: the mint got read+grant");
    CHECK_EQ(call(12, SK_INV_NOTIFICATION_SIGNAL, 0, 1, W(1)), SK_E_INSUFFICIENT_RIGHTS,
             "a read-only notification cannot be signalled");
    CHECK_EQ(mint(S_ROOT, 13, 10, SK_RIGHT_READ, 0), SK_OK, "mint read only (no grant)");
    CHECK_EQ(copy(S_ROOT, 14, 13), SK_E_INSUFFICIENT_RIGHTS, "without grant it cannot be copied");
    CHECK_EQ(mint(S_ROOT, 15, 10, SK_RIGHTS_ALL, 0x10), SK_OK, "mint a badge");
    CHECK_EQ(mint(S_ROOT, 16, 15, SK_RIGHTS_ALL, 0x20), SK_E_ILLEGAL_OPERATION, "a badge cannot be changed");
    CHECK_EQ(mint(S_ROOT, 16, S_ROOT, SK_RIGHTS_ALL, 0x20), SK_E_INVALID_ARGUMENT, "only notifications take badges");
    CHECK_EQ(mint(S_ROOT, 16, 10, 0x10, 0), SK_E_INVALID_ARGUMENT, "unknown rights are refused");
    notifies = 0;
    CHECK_EQ(call(15, SK_INV_NOTIFICATION_SIGNAL, 0, 1, W(0x1)), SK_OK, "signal through the badged capability");
    CHECK_EQ(call(10, SK_INV_NOTIFICATION_POLL, 0, 0, W(0)), SK_OK, "poll");
    CHECK_EQ(reply.mr[0], 0x11, "poll returns the badge OR the bits signalled");
    CHECK_EQ(call(10, SK_INV_NOTIFICATION_POLL, 0, 0, W(0)), SK_OK, "poll again");
    CHECK_EQ(reply.mr[0], 0, "polling clears the bits");
    CHECK_EQ(call(10, SK_INV_NOTIFICATION_SIGNAL, 0, 1, W(0)), SK_E_INVALID_ARGUMENT, "signalling nothing is refused");
    CHECK_EQ(notifies, 1, "the environment heard of the one signal");
    CHECK_EQ(copy(S_ROOT, 20, S_UT1), SK_E_ILLEGAL_OPERATION, "untyped memory cannot be copied");
}

static void test_retype(void)
{
    fresh();
    CHECK_EQ(retype(S_UT1, SK_OBJ_FRAME, 12, 10, 1), SK_OK, "a 4 KiB frame");
    CHECK_EQ(retype(S_UT1, SK_OBJ_CNODE, 4, 11, 1), SK_OK, "a 16-slot cnode (2 KiB)");
    identify(11);
    CHECK_EQ(reply.mr[3] & 0x7FF, 0, "the cnode is aligned to its size");
    CHECK_EQ(reply.mr[3], MEM_BASE + (16ull << 20) + 0x800 * 2, "and placed after the frame, aligned up");
    CHECK_EQ(ut_free(S_UT1), (1ull << 20) - 0x1800, "the untyped counts what was carved");
    CHECK_EQ(retype(S_UT1, SK_OBJ_FRAME, 21, 12, 1), SK_E_RANGE, "a 2 MiB frame does not fit a 1 MiB untyped");
    CHECK_EQ(retype(S_UT1, SK_OBJ_UNTYPED, 19, 12, 2), SK_E_NOT_ENOUGH_MEMORY,
             "two 512 KiB untypeds do not fit after the first 6 KiB");
    CHECK_EQ(retype(S_UT1, SK_OBJ_UNTYPED, 19, 12, 1), SK_OK, "one does (aligned to 512 KiB)");
    CHECK_EQ(ut_free(S_UT1), (512u << 10) - 0x1800, "what alignment skipped below it is free");
    CHECK_EQ(retype(S_UT1, SK_OBJ_FRAME, 12, 13, 1), SK_OK, "the untyped is full above its mark: a frame takes the hole");
    identify(13);
    CHECK_EQ(reply.mr[3], MEM_BASE + (16ull << 20) + 0x2000, "the lowest free 4 KiB, after the cnode");
    CHECK_EQ(retype(S_UT1, SK_OBJ_UNTYPED, 19, 15, 1), SK_E_NOT_ENOUGH_MEMORY, "no hole holds 512 KiB");
    CHECK_EQ(retype(12, SK_OBJ_FRAME, 12, 14, 40), SK_OK, "the child untyped makes 40 frames");
    identify(14 + 30);
    CHECK_EQ(reply.mr[3], MEM_BASE + (16ull << 20) + (512u << 10) + 30 * 4096, "each at its own place");
    CHECK_EQ(retype(S_UT16, SK_OBJ_FRAME, 13, 20, 1), SK_E_INVALID_ARGUMENT, "frames are 4 KiB or 2 MiB only");
    CHECK_EQ(retype(S_UT16, SK_OBJ_CNODE, 17, 20, 1), SK_E_INVALID_ARGUMENT, "cnodes of more than 2^16 slots");
    CHECK_EQ(retype(S_UT16, SK_OBJ_SYSTEM, 0, 20, 1), SK_E_INVALID_ARGUMENT, "no system objects from untyped");
    CHECK_EQ(retype(S_UT16, 99, 0, 20, 1), SK_E_INVALID_ARGUMENT, "an unknown type");
    CHECK_EQ(retype(S_UT16, SK_OBJ_FRAME, 12, 20, 0), SK_E_RANGE, "zero objects");
    CHECK_EQ(retype(S_UT16, SK_OBJ_FRAME, 12, 60, 5), SK_E_FAILED_LOOKUP, "destination slots past the cspace");
    CHECK_EQ(retype(S_UT16, SK_OBJ_FRAME, 12, 9, 2), SK_E_DELETE_FIRST, "an occupied destination slot");
    CHECK(root_slots[9].cap.type == SK_OBJ_NULL, "and a refused retype leaves nothing behind");
    CHECK_EQ(del(S_ROOT, S_UT1), SK_E_REVOKE_FIRST, "an untyped with objects cannot be deleted");
    CHECK_EQ(del(S_ROOT, 12), SK_E_REVOKE_FIRST, "nor can the child untyped");
    CHECK_EQ(revoke(S_ROOT, S_UT1), SK_OK, "revoke it");
    CHECK_EQ(del(S_ROOT, S_UT1), SK_E_ILLEGAL_OPERATION, "a root untyped cannot be deleted (its memory would be lost)");
    CHECK_EQ(retype(S_UT1, SK_OBJ_FRAME, 12, 10, 1), SK_OK, "retype after the revoke");
    identify(10);
    CHECK_EQ(reply.mr[3], MEM_BASE + (16ull << 20), "starts again from the base");
    uint8_t *p = phys_to_ptr(reply.mr[3], 4096);
    bool zero = true;
    for (int i = 0; i < 4096; i++)
        zero &= p[i] == 0;
    CHECK(zero, "a new frame is zeroed");
}

static void test_cnodes_and_freeing(void)
{
    fresh();
    retype(S_UT16, SK_OBJ_CNODE, 3, 10, 1);   /* C: 8 slots */
    retype(S_UT16, SK_OBJ_NOTIFICATION, 0, 11, 1);
    CHECK_EQ(copy(10, 1, 11), SK_OK, "copy a capability into another cnode (src in the caller's cspace)");
    CHECK_EQ(copy(10, 0, 11), SK_E_FAILED_LOOKUP, "slot 0 of a cnode is never used");
    CHECK_EQ(copy(10, 8, 11), SK_E_FAILED_LOOKUP, "a slot past the cnode");
    struct cnode *c = (struct cnode *)root_slots[10].cap.obj;
    CHECK(c->slots[1].cap.type == SK_OBJ_NOTIFICATION && c->slots[1].parent == &root_slots[11],
          "the copy lives in the other cnode, a child of its source");
    CHECK_EQ(mint(S_ROOT, 12, 11, SK_RIGHT_READ, 0), SK_OK, "mint one without grant");
    CHECK_EQ(move(10, 3, 12), SK_E_INSUFFICIENT_RIGHTS, "without grant it cannot be moved into another cnode");
    CHECK_EQ(move(S_ROOT, 13, 12), SK_OK, "but it moves within its own cspace");
    del(S_ROOT, 13);
    CHECK_EQ(move(10, 2, S_UT1), SK_OK, "move an untyped into it");
    CHECK_EQ(del(S_ROOT, 10), SK_OK, "delete the last capability to the cnode");
    CHECK(root_slots[11].first_child == NULL, "its contents are deleted with it");
    CHECK_EQ(ut_free(S_UT16), (16ull << 20) - 0x80, "the cnode's memory is free again (a hole below the mark)");
    CHECK_EQ(retype(S_UT16, SK_OBJ_CNODE, 3, 10, 1), SK_OK, "a cnode of the same size");
    identify(10);
    CHECK_EQ(reply.mr[3], MEM_BASE + 0x800, "goes above the mark while there is room there");
    del(S_ROOT, 10);
    CHECK_EQ(revoke(S_ROOT, S_UT16), SK_OK, "revoke");
    CHECK_EQ(ut_free(S_UT16), 16ull << 20, "everything is back");

    /* A cnode that holds the untyped it was carved from, and a capability to itself. */
    fresh();
    retype(S_UT1, SK_OBJ_CNODE, 2, 10, 1);
    retype(S_UT1, SK_OBJ_FRAME, 12, 11, 1);
    copy(10, 1, 10);
    CHECK_EQ(move(10, 2, S_UT1), SK_OK, "an untyped moved into a cnode carved from it");
    CHECK_EQ(revoke(10, 2), SK_OK, "revoke that untyped through the cnode");
    CHECK(root_slots[10].cap.type == SK_OBJ_NULL && root_slots[11].cap.type == SK_OBJ_NULL,
          "all it carved is gone, the cnode included (and the untyped in it with it)");

    fresh();
    CHECK_EQ(identify(0), SK_E_FAILED_LOOKUP, "cptr 0 names nothing");
    CHECK_EQ(identify(NSLOTS), SK_E_FAILED_LOOKUP, "a cptr past the cspace");
    CHECK_EQ(identify(30), SK_E_INVALID_CAPABILITY, "an empty slot");
    CHECK_EQ(call(S_ROOT, SK_INV_UNTYPED_RETYPE, 0, 4, W(0, 0, 0, 0)), SK_E_ILLEGAL_OPERATION,
             "an untyped invocation on a cnode");
    CHECK_EQ(call(S_ROOT, 0xFFFFF, 0, 0, W(0)), SK_E_ILLEGAL_OPERATION, "an unknown label");
    CHECK_EQ(call(S_ROOT, SK_INV_CNODE_COPY, 0, 1, W(5)), SK_E_TRUNCATED_MESSAGE, "too few words");
    CHECK_EQ(call(S_ROOT, SK_INV_CNODE_COPY, 5, 4, W(0, 0, 0, 0, 0, 0, 0, 0)), SK_E_INVALID_ARGUMENT, "more than 8 registers");
    CHECK_EQ(reply.mr[0], SK_NO_DETAIL, "with no register to blame");
    CHECK_EQ(copy(S_ROOT, 10, 99), SK_E_FAILED_LOOKUP, "a source past the cspace");
    CHECK_EQ(reply.mr[0], 1, "the error names the register");
    CHECK_EQ(move(S_ROOT, 10, 10), SK_E_INVALID_CAPABILITY, "moving nothing");
    CHECK_EQ(move(S_ROOT, S_UT1, S_UT1), SK_E_DELETE_FIRST, "moving onto itself");
    CHECK_EQ(call(S_ROOT, SK_INV_CNODE_FIND_FREE, 0, 1, W(0)), SK_OK, "find a free slot");
    CHECK_EQ(reply.mr[0], 4, "the first free slot is 4");
    CHECK_EQ(call(S_UT1, SK_INV_NOTIFICATION_POLL, 0, 0, W(0)), SK_E_ILLEGAL_OPERATION,
             "a notification invocation on an untyped");
    CHECK_EQ(call(S_ROOT, SK_INV_SYSTEM_INFO, 0, 0, W(0)), SK_E_ILLEGAL_OPERATION,
             "a type the environment handles, on the wrong type");
}

/* ---- the reference model ---- */

#define MAXC 8192
struct mcap {
    bool live;
    int type, rights;
    uint64_t badge, base, size, free;   /* free: untyped's carved bytes */
    int obj;                            /* model object, or -1 */
    int parent;                         /* model cap, or -1 */
    int cn, slot;                       /* where it is */
};
struct mobj {
    int type, refs;
    bool pinned;
    unsigned radix;
    int slot[NSLOTS];                   /* cnode: the cap in each slot, or -1 */
    uint64_t bits;                      /* notification */
    struct cnode *impl;                 /* the implementation's cnode */
};
static struct mcap mc[MAXC];
static struct mobj mo[MAXC];
static int nmc, nmo;

static int mobj_new(int type)
{
    mo[nmo] = (struct mobj){ .type = type };
    for (unsigned i = 0; i < NSLOTS; i++)
        mo[nmo].slot[i] = -1;
    return nmo++;
}

static int mcap_put(int cn, int slot, struct mcap c)
{
    c.live = true;
    c.cn = cn;
    c.slot = slot;
    mc[nmc] = c;
    mo[cn].slot[slot] = nmc;
    if (c.obj >= 0)
        mo[c.obj].refs++;
    return nmc++;
}

static void model_fresh(void)
{
    nmc = nmo = 0;
    int r = mobj_new(SK_OBJ_CNODE);
    mo[r].pinned = true;
    mo[r].radix = ROOT_RADIX;
    mo[r].impl = &root;
    mcap_put(r, S_ROOT, (struct mcap){ .type = SK_OBJ_CNODE, .rights = SK_RIGHTS_ALL, .obj = r, .parent = -1,
                                        .size = ROOT_RADIX });
    mcap_put(r, S_UT16, (struct mcap){ .type = SK_OBJ_UNTYPED, .rights = SK_RIGHTS_ALL, .obj = -1, .parent = -1,
                                        .base = MEM_BASE, .size = 24 });
    mcap_put(r, S_UT1, (struct mcap){ .type = SK_OBJ_UNTYPED, .rights = SK_RIGHTS_ALL, .obj = -1, .parent = -1,
                                       .base = MEM_BASE + (16ull << 20), .size = 20 });
}

/* The model keeps NSLOTS slots a cnode: operations on a retyped cnode
 * use its slots 1-8 only, so a larger one never has more. */
static unsigned m_nslots(int o)
{
    return mo[o].radix < ROOT_RADIX ? 1u << mo[o].radix : NSLOTS;
}

/* The model removes; parents are mended afterwards (nearest live ancestor). */
static void m_remove(int c)
{
    if (!mc[c].live)
        return;
    mc[c].live = false;
    mo[mc[c].cn].slot[mc[c].slot] = -1;
    int o = mc[c].obj;
    if (o >= 0 && --mo[o].refs == 0 && !mo[o].pinned && mo[o].type == SK_OBJ_CNODE)
        for (unsigned i = 1; i < m_nslots(o); i++)
            if (mo[o].slot[i] >= 0)
                m_remove(mo[o].slot[i]);
}

static void m_mend(void)
{
    for (int c = 0; c < nmc; c++) {
        if (!mc[c].live)
            continue;
        int p = mc[c].parent;
        while (p >= 0 && !mc[p].live)
            p = mc[p].parent;
        mc[c].parent = p;
    }
}

static bool m_descends(int c, int anc)
{
    for (int p = mc[c].parent; p >= 0; p = mc[p].parent)
        if (p == anc)
            return true;
    return false;
}

static bool m_has_children(int c)
{
    for (int i = 0; i < nmc; i++)
        if (mc[i].live && mc[i].parent == c)
            return true;
    return false;
}

/* The cap a cptr/slot names in model cnode cn, or -2 when outside. */
static int m_slot(int cn, uint64_t idx)
{
    if (idx == 0 || idx >= (1ull << mo[cn].radix))
        return -2;
    return mo[cn].slot[idx];
}

static unsigned m_obj_bits(uint64_t type, uint64_t sb)
{
    if (type == SK_OBJ_UNTYPED && sb >= 12 && sb <= 40) return (unsigned)sb;
    if (type == SK_OBJ_CNODE && sb >= 1 && sb <= 16) return (unsigned)sb + 7;
    if (type == SK_OBJ_FRAME && (sb == 12 || sb == 21)) return (unsigned)sb;
    if (type == SK_OBJ_NOTIFICATION && sb == 0) return 7;
    return 0;
}

/* Which 128-byte units of untyped t its live children's objects cover,
 * as counts up to each unit (m_prefix[u]: covered units below u). */
#define M_UNIT 128u
static uint8_t m_cover[(1u << 24) / M_UNIT];
static uint32_t m_prefix[(1u << 24) / M_UNIT + 1];

static uint64_t m_fill_cover(int t)
{
    uint64_t units = (1ull << mc[t].size) / M_UNIT;
    memset(m_cover, 0, units);
    for (int i = 0; i < nmc; i++)
        if (mc[i].live && mc[i].parent == t) {
            unsigned b = mc[i].type == SK_OBJ_CNODE ? (unsigned)mc[i].size + 7 : (unsigned)mc[i].size;
            memset(m_cover + (mc[i].base - mc[t].base) / M_UNIT, 1, (1ull << b) / M_UNIT);
        }
    m_prefix[0] = 0;
    for (uint64_t u = 0; u < units; u++)
        m_prefix[u + 1] = m_prefix[u] + m_cover[u];
    return units;
}

struct m_result { long e; uint64_t out[2]; };

/* Model of one invocation from the root cspace (object 0). */
static struct m_result model(int op, uint64_t target, const uint64_t *a)
{
    struct m_result r = { 0, { 0, 0 } };
    int t = m_slot(0, target);
    if (t == -2) { r.e = SK_E_FAILED_LOOKUP; return r; }
    if (t < 0) { r.e = SK_E_INVALID_CAPABILITY; return r; }
    struct mcap *T = &mc[t];
    static const struct { int type, rights; } need[] = {
        /* 0 copy 1 mint 2 move 3 delete 4 revoke 5 retype 6 ut info 7 signal 8 poll */
        { SK_OBJ_CNODE, SK_RIGHT_WRITE }, { SK_OBJ_CNODE, SK_RIGHT_WRITE }, { SK_OBJ_CNODE, SK_RIGHT_WRITE },
        { SK_OBJ_CNODE, SK_RIGHT_WRITE }, { SK_OBJ_CNODE, SK_RIGHT_WRITE }, { SK_OBJ_UNTYPED, SK_RIGHT_WRITE },
        { SK_OBJ_UNTYPED, SK_RIGHT_READ }, { SK_OBJ_NOTIFICATION, SK_RIGHT_WRITE },
        { SK_OBJ_NOTIFICATION, SK_RIGHT_READ },
    };
    if (op == 9) {                      /* identify */
        r.out[0] = (uint64_t)T->type;
        r.out[1] = T->base;
        return r;
    }
    if (need[op].type != T->type) { r.e = SK_E_ILLEGAL_OPERATION; return r; }
    if ((T->rights & need[op].rights) != need[op].rights) { r.e = SK_E_INSUFFICIENT_RIGHTS; return r; }
    int cn = T->obj;
    switch (op) {
    case 0: case 1: case 2: {
        int d = m_slot(cn, a[0]), s = m_slot(0, a[1]);
        if (d == -2 || s == -2) { r.e = SK_E_FAILED_LOOKUP; return r; }
        if (op == 2) {
            if (cn != 0 && s >= 0 && !(mc[s].rights & SK_RIGHT_GRANT)) { r.e = SK_E_INSUFFICIENT_RIGHTS; return r; }
            if (s < 0) { r.e = SK_E_INVALID_CAPABILITY; return r; }
            if (d >= 0) { r.e = SK_E_DELETE_FIRST; return r; }
            mo[mc[s].cn].slot[mc[s].slot] = -1;
            mc[s].cn = cn;
            mc[s].slot = (int)a[0];
            mo[cn].slot[a[0]] = s;
            return r;
        }
        if (op == 1 && a[2] > SK_RIGHTS_ALL) { r.e = SK_E_INVALID_ARGUMENT; return r; }
        if (op == 1 && a[3] && s >= 0 && mc[s].type != SK_OBJ_NOTIFICATION) { r.e = SK_E_INVALID_ARGUMENT; return r; }
        if (s < 0) { r.e = SK_E_INVALID_CAPABILITY; return r; }
        if (d >= 0) { r.e = SK_E_DELETE_FIRST; return r; }
        if (mc[s].type == SK_OBJ_UNTYPED) { r.e = SK_E_ILLEGAL_OPERATION; return r; }
        if (!(mc[s].rights & SK_RIGHT_GRANT)) { r.e = SK_E_INSUFFICIENT_RIGHTS; return r; }
        if (op == 1 && a[3] && mc[s].badge) { r.e = SK_E_ILLEGAL_OPERATION; return r; }
        struct mcap c = mc[s];
        c.parent = s;
        if (op == 1) {
            c.rights &= (int)a[2];
            if (a[3])
                c.badge = a[3];
        }
        mcap_put(cn, (int)a[0], c);
        return r;
    }
    case 3: case 4: {
        int x = m_slot(cn, a[0]);
        if (x == -2) { r.e = SK_E_FAILED_LOOKUP; return r; }
        if (x < 0) { r.e = SK_E_INVALID_CAPABILITY; return r; }
        if (op == 3) {
            if (mc[x].type == SK_OBJ_UNTYPED && m_has_children(x)) { r.e = SK_E_REVOKE_FIRST; return r; }
            if (mc[x].type == SK_OBJ_UNTYPED && mc[x].parent < 0) { r.e = SK_E_ILLEGAL_OPERATION; return r; }
            m_remove(x);
        } else {
            int n = nmc;
            for (int i = 0; i < n; i++)
                if (mc[i].live && m_descends(i, x))
                    m_remove(i);
        }
        m_mend();
        return r;
    }
    case 5: {
        uint64_t type = a[0], sb = a[1], dest = a[2], count = a[3];
        unsigned bits = type < SK_OBJ_NR_TYPES && sb <= 64 ? m_obj_bits(type, sb) : 0;
        if (!bits) { r.e = SK_E_INVALID_ARGUMENT; return r; }
        if (count == 0 || count > 256 || bits > T->size) { r.e = SK_E_RANGE; return r; }
        for (uint64_t i = 0; i < count; i++) {
            int d = m_slot(0, dest + i);
            if (d == -2) { r.e = SK_E_FAILED_LOOKUP; return r; }
            if (d >= 0) { r.e = SK_E_DELETE_FIRST; return r; }
        }
        uint64_t mark = m_has_children(t) ? T->free : 0, al = 1ull << bits, len = count << bits;
        uint64_t start = (mark + al - 1) / al * al;
        if (start + len > (1ull << T->size)) {
            /* Above the mark it does not fit: the first aligned run no child covers. */
            m_fill_cover(t);
            for (start = 0; start + len <= (1ull << T->size); start += al)
                if (m_prefix[(start + len) / M_UNIT] == m_prefix[start / M_UNIT])
                    break;
            if (start + len > (1ull << T->size)) { r.e = SK_E_NOT_ENOUGH_MEMORY; return r; }
        }
        for (uint64_t i = 0; i < count; i++) {
            struct mcap c = { .type = (int)type, .rights = SK_RIGHTS_ALL, .base = T->base + start + (i << bits),
                              .size = type == SK_OBJ_CNODE ? sb : bits, .parent = t, .obj = -1 };
            if (type == SK_OBJ_CNODE || type == SK_OBJ_NOTIFICATION) {
                c.obj = mobj_new((int)type);
                mo[c.obj].radix = (unsigned)sb;
            }
            mcap_put(0, (int)(dest + i), c);
        }
        mc[t].free = start + len > mark ? start + len : mark;
        return r;
    }
    case 6: {
        uint64_t units = m_fill_cover(t);
        r.out[0] = (1ull << T->size) - (uint64_t)m_prefix[units] * M_UNIT;
        return r;
    }
    case 7:
        if ((a[0] | T->badge) == 0) { r.e = SK_E_INVALID_ARGUMENT; return r; }
        mo[T->obj].bits |= a[0] | T->badge;
        return r;
    case 8:
        r.out[0] = mo[T->obj].bits;
        mo[T->obj].bits = 0;
        return r;
    }
    return r;
}

/* The implementation's cnode for a model cnode object: found by address. */
static struct cnode *impl_cnode(int o)
{
    if (mo[o].impl)
        return mo[o].impl;
    for (int c = 0; c < nmc; c++)
        if (mc[c].live && mc[c].obj == o)
            return mo[o].impl = phys_to_ptr(mc[c].base, 1);
    return NULL;
}

static bool locate(const struct cte *p, int *cn, int *slot)
{
    for (int o = 0; o < nmo; o++) {
        if (mo[o].type != SK_OBJ_CNODE || (o && mo[o].refs == 0))
            continue;
        struct cnode *c = impl_cnode(o);
        if (c && p >= c->slots && p < c->slots + (1u << mo[o].radix)) {
            *cn = o;
            *slot = (int)(p - c->slots);
            return true;
        }
    }
    return false;
}

/* Compare every slot of every live cnode; a message on the first difference. */
static bool same_state(char *why, size_t n)
{
    for (int o = 0; o < nmo; o++) {
        if (mo[o].type != SK_OBJ_CNODE || (o && mo[o].refs == 0))
            continue;
        struct cnode *c = impl_cnode(o);
        for (unsigned i = 1; i < m_nslots(o); i++) {
            const struct cte *s = &c->slots[i];
            int m = mo[o].slot[i];
            if (m < 0) {
                if (s->cap.type != SK_OBJ_NULL) {
                    snprintf(why, n, "cnode %d slot %u: implementation has type %u, model none", o, i, s->cap.type);
                    return false;
                }
                continue;
            }
            const struct mcap *x = &mc[m];
            if (s->cap.type != x->type || s->cap.rights != x->rights || s->cap.badge != x->badge ||
                s->cap.base != x->base || s->cap.size != x->size) {
                snprintf(why, n, "cnode %d slot %u: type %u/%d rights %u/%d badge %llx/%llx base %llx/%llx", o, i,
                         s->cap.type, x->type, s->cap.rights, x->rights, (unsigned long long)s->cap.badge,
                         (unsigned long long)x->badge, (unsigned long long)s->cap.base,
                         (unsigned long long)x->base);
                return false;
            }
            int pcn = -1, pslot = -1;
            if (s->parent && !locate(s->parent, &pcn, &pslot)) {
                snprintf(why, n, "cnode %d slot %u: its parent is in no live cnode", o, i);
                return false;
            }
            int want_cn = x->parent >= 0 ? mc[x->parent].cn : -1, want_slot = x->parent >= 0 ? mc[x->parent].slot : -1;
            if (pcn != want_cn || pslot != want_slot) {
                snprintf(why, n, "cnode %d slot %u: parent at %d:%d, model %d:%d", o, i, pcn, pslot, want_cn,
                         want_slot);
                return false;
            }
        }
    }
    return true;
}

static uint64_t rnd_state;
static uint64_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state;
}

/* A slot index of the root cspace: mostly an occupied one (want_full) or
 * an empty one, sometimes any, sometimes one outside the cspace. */
static uint64_t rslot_of(bool want_full)
{
    unsigned k = rnd() % 100;
    if (k < 3) return 0;
    if (k < 6) return NSLOTS + rnd() % 4;
    if (k < 15) return 1 + rnd() % 32;
    for (int tries = 0; tries < 16; tries++) {
        uint64_t i = 1 + rnd() % 32;
        if ((root_slots[i].cap.type != SK_OBJ_NULL) == want_full)
            return i;
    }
    return 1 + rnd() % 32;
}
static uint64_t rslot(void) { return rslot_of(rnd() % 2); }

static void model_random(uint64_t seed, unsigned nops)
{
    fresh();
    model_fresh();
    rnd_state = seed * 0x9E3779B97F4A7C15ull | 1;
    char why[256] = "";
    unsigned i, ok = 0;
    for (i = 0; i < nops; i++) {
        if (nmc > MAXC - 300 || nmo > MAXC - 300) {   /* start afresh before the model's tables fill */
            fresh();
            model_fresh();
        }
        int op = (int)(rnd() % 10);
        /* The target: a cnode for cnode operations (the root, or one
         * retyped), an occupied slot otherwise. */
        uint64_t target = op <= 4 && rnd() % 3 ? S_ROOT : rslot_of(true), a[4];
        bool into_root = target == S_ROOT;
        a[0] = op == 3 || op == 4 ? (into_root ? rslot_of(true) : 1 + rnd() % 8)
                                  : (into_root ? rslot_of(false) : 1 + rnd() % 8);
        a[1] = rslot_of(true);
        a[2] = rslot();
        a[3] = rslot();
        /* The root untypeds stay where they are, so that the leak check
         * at the end can find them. */
        if (op == 2 && (a[1] == S_UT16 || a[1] == S_UT1))
            a[1] = S_ROOT;
        static const uint64_t labels[] = { SK_INV_CNODE_COPY, SK_INV_CNODE_MINT, SK_INV_CNODE_MOVE,
                                           SK_INV_CNODE_DELETE, SK_INV_CNODE_REVOKE, SK_INV_UNTYPED_RETYPE,
                                           SK_INV_UNTYPED_INFO, SK_INV_NOTIFICATION_SIGNAL,
                                           SK_INV_NOTIFICATION_POLL, SK_INV_ANY_IDENTIFY };
        static const unsigned nargs[] = { 2, 4, 2, 1, 1, 4, 0, 1, 0, 0 };
        if (op == 1) {
            a[2] = rnd() % 20;                          /* rights, some invalid */
            a[3] = rnd() % 3 ? 0 : 1u << (rnd() % 4);   /* badge */
        } else if (op == 5) {
            static const uint64_t types[] = { SK_OBJ_FRAME, SK_OBJ_NOTIFICATION, SK_OBJ_CNODE, SK_OBJ_UNTYPED, 77 };
            a[0] = types[rnd() % 5];
            a[1] = a[0] == SK_OBJ_FRAME ? (rnd() % 8 ? 12 : 21) : a[0] == SK_OBJ_NOTIFICATION ? 0 :
                   a[0] == SK_OBJ_CNODE ? 1 + rnd() % 6 : 12 + rnd() % 12;
            if (rnd() % 16 == 0)
                a[1] = rnd() % 70;
            a[2] = rslot();
            a[3] = rnd() % 10 ? 1 + rnd() % 3 : rnd() % 300;
        } else if (op == 7) {
            a[0] = rnd() % 4 ? 1u << (rnd() % 8) : 0;
        }
        long got = call(target, labels[op], 0, nargs[op], a);
        struct m_result want = model(op, target, a);
        if (got != want.e) {
            snprintf(why, sizeof why, "op %u (label %llu on slot %llu, args %llu %llu %llu %llu): error %ld, model %ld", i,
                     (unsigned long long)labels[op], (unsigned long long)target, (unsigned long long)a[0],
                     (unsigned long long)a[1], (unsigned long long)a[2], (unsigned long long)a[3], got, want.e);
            break;
        }
        if (got == SK_OK) {
            ok++;
            if ((op == 6 || op == 8) && reply.mr[op == 6 ? 2 : 0] != want.out[0]) {
                snprintf(why, sizeof why, "op %u (label %llu on slot %llu): result %llu, model %llu", i,
                         (unsigned long long)labels[op], (unsigned long long)target, (unsigned long long)reply.mr[op == 6 ? 2 : 0],
                         (unsigned long long)want.out[0]);
                break;
            }
            if (op == 9 && (reply.mr[0] != want.out[0] || reply.mr[3] != want.out[1])) {
                snprintf(why, sizeof why, "op %u: identify differs", i);
                break;
            }
        }
        if (!same_state(why, sizeof why)) {
            printf("  after op %u (label %llu):\n", i, (unsigned long long)labels[op]);
            break;
        }
    }
    if (i != nops)
        printf("  seed %llu differs from the model: %s\n", (unsigned long long)seed, why);
    CHECK(i == nops, "model-based random test, seed %llu: %u invocations (%u succeeded) agree with the model",
          (unsigned long long)seed, i, ok);
    /* Nothing leaks: revoking both untypeds (directly: the root cnode's
     * own capability may be gone by now) gives all their memory back. */
    CHECK(cap_revoke(&root_slots[S_UT16]) == SK_OK && cap_revoke(&root_slots[S_UT1]) == SK_OK,
          "seed %llu: the untypeds are still where they were and can be revoked", (unsigned long long)seed);
    uint64_t free16 = ut_free(S_UT16), free1 = ut_free(S_UT1);
    CHECK(free16 == 16ull << 20 && free1 == 1ull << 20,
          "seed %llu: after revoking the untypeds all their memory is free (%llu, %llu bytes)",
          (unsigned long long)seed, (unsigned long long)free16, (unsigned long long)free1);
    unsigned left = 0;
    for (unsigned k = 1; k < NSLOTS; k++) {
        const struct cte *a = &root_slots[k];
        while (a->parent)
            a = a->parent;
        left += root_slots[k].cap.type != SK_OBJ_NULL && a != &root_slots[k] &&
                (a == &root_slots[S_UT16] || a == &root_slots[S_UT1]);
    }
    CHECK_EQ(left, 0, "seed %llu: no capability carved from the untypeds survives in the cspace",
             (unsigned long long)seed);
}

int main(int argc, char **argv)
{
    mem = aligned_alloc(1 << 24, MEM_SIZE);
    if (!mem)
        return 1;
    cap_set_env(&env);
    test_derivation_and_revoke();
    test_rights_and_badges();
    test_retype();
    test_cnodes_and_freeing();
    unsigned nops = argc > 1 ? (unsigned)atoi(argv[1]) : 100000;
    for (uint64_t seed = 1; seed <= 3; seed++)
        model_random(seed, nops);
    free(mem);
    CHECK_DONE();
}
