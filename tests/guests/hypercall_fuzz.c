/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hypercall fuzzing from inside a domain with a cspace and untyped memory
 * ("cspace untyped=16"): a million invocations with random capability
 * pointers, labels (mostly real ones), message lengths and register
 * values biased towards the small numbers that name slots, types and
 * sizes.  Every call must come back with an error code the ABI defines
 * and a reply length the label allows; the vmkernel must neither crash
 * nor leak (the system test compares its free memory at the end with the
 * start, after this domain's end revoked everything it made).  NOTIFICATION
 * wait is left out: with nothing to signal it, it would block for ever.
 */
#include "guest.h"
#include "hypercall.h"
#include <public/skerry/invocations.h>

const char test_name[] = "hypercall_fuzz";

#define CALLS 1000000u

static const struct { uint64_t label; unsigned results; } table[] = {
#define X(label, type, rights, caps, args, results, name) { label, results },
    SK_INVOCATION_TABLE(X)
#undef X
};
#define NLABELS (sizeof table / sizeof table[0])

static uint64_t state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

/* A register value: mostly small (slots, types, sizes, rights), sometimes anything. */
static uint64_t value(void)
{
    switch (rnd() % 8) {
    case 0: return rnd();
    case 1: return rnd() % 64;                  /* object sizes, vectors */
    case 2: return 12 + rnd() % 10;             /* size_bits near a frame's */
    case 3: return 1ull << (rnd() % 64);
    case 4: return rnd() % 0x100000000ull;      /* guest-physical addresses */
    default: return rnd() % 32;                 /* slots in use, object types */
    }
}

/* Result words of a label, or -1 for no invocation. */
static int results_of(uint64_t label)
{
    for (unsigned k = 0; k < NLABELS; k++)
        if (table[k].label == label)
            return (int)table[k].results;
    return -1;
}

/* Objects to aim at: made again every so often into whatever slots are free. */
static void populate(void)
{
    const sk_cptr_t ut = SK_CAP_FIRST_BOOT;
    sk_untyped_retype(ut, SK_OBJ_NOTIFICATION, 0, 10, 8);
    sk_untyped_retype(ut, SK_OBJ_CNODE, 3, 18, 2);
    sk_untyped_retype(ut, SK_OBJ_FRAME, 12, 20, 4);
    sk_untyped_retype(ut, SK_OBJ_UNTYPED, 20, 24, 1);
    sk_untyped_retype(ut, SK_OBJ_DOMAIN, 0, 25, 1);
    sk_untyped_retype(ut, SK_OBJ_VCPU, 0, 26, 2);
}

void test_main(void)
{
    unsigned by_error[SK_E_NR_ERRORS] = { 0 }, strange = 0, bad_length = 0;
    uint64_t t0 = now_us();
    for (unsigned i = 0; i < CALLS; i++) {
        if (i % 20000 == 0)
            populate();
        unsigned k = (unsigned)(rnd() % NLABELS);
        uint64_t label = rnd() % 16 ? table[k].label : rnd() % 256;
        if (label == SK_INV_NOTIFICATION_WAIT)
            continue;
        sk_word_t mr[SK_MSG_MAX_REGS];
        for (unsigned r = 0; r < SK_MSG_MAX_REGS; r++)
            mr[r] = value();
        unsigned caps = (unsigned)(rnd() % 4), len = (unsigned)(rnd() % 10);
        sk_cptr_t cptr = rnd() % 8 ? 1 + rnd() % 31 : value();
        sk_msginfo_t out = 0;
        long e = sk_vmmcall(SK_SYS_INVOKE, cptr, sk_msginfo_new(label, caps, len), mr, &out);
        if (e < 0 || e >= SK_E_NR_ERRORS) {
            if (strange++ < 5)
                guest_printf("call %u: label %lu cptr %lu: error %ld is not the ABI's\n", i, label, cptr, e);
            continue;
        }
        by_error[e]++;
        int results = results_of(label);
        unsigned want = e == SK_OK ? (unsigned)results : 1;
        if (sk_msginfo_length(out) != want || (e == SK_OK && results < 0)) {
            if (bad_length++ < 5)
                guest_printf("call %u: label %lu error %ld: reply length %u, want %u\n", i, label, e,
                             sk_msginfo_length(out), want);
        }
    }
    uint64_t us = now_us() - t0;
    guest_printf("%u calls in %lu ms; by error code 0-12: %u %u %u %u %u %u %u %u %u %u %u %u %u\n", CALLS,
                 us / 1000, by_error[0], by_error[1], by_error[2], by_error[3], by_error[4], by_error[5],
                 by_error[6], by_error[7], by_error[8], by_error[9], by_error[10], by_error[11], by_error[12]);
    check(strange == 0, "every call returned one of the ABI's error codes (%u did not)", strange);
    check(bad_length == 0, "every reply had the length its label and error call for (%u did not)", bad_length);
    check(by_error[SK_OK] > CALLS / 1000, "some calls succeeded, so the fuzzing reached past the decoder (%u)",
          by_error[SK_OK]);
    sk_word_t mr[SK_MSG_MAX_REGS] = { 0 };
    check(sk_vmmcall(0x99, 0, 0, mr, 0) == SK_E_NO_SYSCALL, "the vmkernel still answers");
}
