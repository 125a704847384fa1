// SPDX-License-Identifier: GPL-2.0-only
/*
 * VMNIX_IOC_FUZZ: random invocations made with VMMCALL from the module,
 * as a hostile or broken console kernel could make them: random labels,
 * capability and word counts, register values and capability pointers.
 * The console's own capabilities must survive it, so every pointer or
 * word that would name one of its slots (below 4096, outside the sandbox
 * the caller gave) is folded into the sandbox: slots first..first+slots-1,
 * the first of which holds an untyped the objects are carved from.  About
 * one call in 128 names no system call at all (it must get
 * SK_E_NO_SYSCALL; the backdoor's magic excepted).  Two invocations are
 * never made: a notification wait (it would hold this
 * vCPU until a signal nobody sends) and binding a vector to the console's
 * vCPU (an interrupt its kernel never asked for).
 */
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include "vmnix.h"
#include "skerry/platform.h"
#include "vmnix_ioctl.h"

static const struct { u64 label; unsigned int results; } invocations[] = {
#define X(label, type, rights, caps, args, results, name) { label, results },
    SK_INVOCATION_TABLE(X)
#undef X
};
#define NR_INVOCATIONS ARRAY_SIZE(invocations)

struct fuzz_state {
    u64 rng;
    u64 first, slots;
};

static u64 rnd(struct fuzz_state *s)
{
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 7;
    s->rng ^= s->rng << 17;
    return s->rng;
}

/* A word that would name a console slot outside the sandbox names a sandbox slot. */
static u64 fold(const struct fuzz_state *s, u64 w)
{
    if (w == 0 || w >= (1u << SK_DOM0_CSPACE_BITS) || (w >= s->first && w < s->first + s->slots))
        return w;
    return s->first + w % s->slots;
}

static u64 value(struct fuzz_state *s)
{
    switch (rnd(s) % 8) {
    case 0: return rnd(s);
    case 1: return rnd(s) % 64;                    /* sizes, vectors, types */
    case 2: return 12 + rnd(s) % 10;               /* size_bits near a frame's */
    case 3: return 1ull << (rnd(s) % 64);
    case 4: return rnd(s) % 0x100000000ull;        /* addresses */
    default: return s->first + rnd(s) % s->slots;  /* the sandbox's slots */
    }
}

static int results_of(u64 label)
{
    unsigned int k;

    for (k = 0; k < NR_INVOCATIONS; k++)
        if (invocations[k].label == label)
            return invocations[k].results;
    return -1;
}

/* Objects to aim at, made again now and then in whatever sandbox slots are free. */
static void populate(const struct fuzz_state *s)
{
    sk_cptr_t ut = s->first;
    u64 slot = s->first + 1;

    sk_untyped_retype(ut, SK_OBJ_NOTIFICATION, 0, slot, 8);
    sk_untyped_retype(ut, SK_OBJ_CNODE, 3, slot + 8, 2);
    sk_untyped_retype(ut, SK_OBJ_FRAME, 12, slot + 10, 4);
    sk_untyped_retype(ut, SK_OBJ_UNTYPED, 16, slot + 14, 1);
    sk_untyped_retype(ut, SK_OBJ_DOMAIN, 0, slot + 15, 1);
    sk_untyped_retype(ut, SK_OBJ_VCPU, 0, slot + 16, 2);
    sk_untyped_retype(ut, SK_OBJ_IOREQ, 0, slot + 18, 1);
}

long vmnix_do_fuzz(struct vmnix_fuzz __user *uarg)
{
    struct vmnix_fuzz req;
    struct fuzz_state s;
    u64 i, start;
    long err = 0;

    if (copy_from_user(&req, uarg, sizeof(req)))
        return -EFAULT;
    if (req.count == 0 || req.count > VMNIX_FUZZ_MAX || req.slots < 24 || req.first == 0 ||
        req.first + req.slots > (1u << SK_DOM0_CSPACE_BITS))
        return -EINVAL;
    if (vmnix_state != VMNIX_READY)
        return vmnix_state == VMNIX_NOT_SKERRY ? -ENODEV : -ENOSYS;
    s = (struct fuzz_state){ .rng = req.seed | 1, .first = req.first, .slots = req.slots };
    memset(req.by_error, 0, sizeof(req.by_error));
    req.strange = req.bad_length = 0;
    start = ktime_get_ns();
    for (i = 0; i < req.count; i++) {
        sk_word_t mr[SK_MSG_MAX_REGS];
        sk_msginfo_t info;
        unsigned int r, k = rnd(&s) % NR_INVOCATIONS;
        u64 label = rnd(&s) % 16 ? invocations[k].label : rnd(&s) % 256;
        sk_cptr_t cptr;
        int results;
        long e;

        if ((i % 20000) == 0)
            populate(&s);
        for (r = 0; r < SK_MSG_MAX_REGS; r++)
            mr[r] = fold(&s, value(&s));
        if (label == SK_INV_NOTIFICATION_WAIT || (label == SK_INV_NOTIFICATION_BIND_VECTOR && mr[0]))
            continue;
        cptr = fold(&s, rnd(&s) % 8 ? s.first + rnd(&s) % s.slots : value(&s));
        info = sk_msginfo_new(label, rnd(&s) % 4, rnd(&s) % 10);
        if (rnd(&s) % 128 == 0) {
            /* Now and then a system call number that is none. */
            u64 call = (u32)rnd(&s);

            if (call == SK_SYS_INVOKE || call == SKERRY_BACKDOOR_MAGIC)
                continue;
            e = vmnix_syscall(call, cptr, &info, mr);
            if (e == SK_E_NO_SYSCALL)
                req.by_error[e]++;
            else
                req.strange++;
            continue;
        }
        e = vmnix_hypercall(cptr, &info, mr);
        if (e < 0) {
            err = e;
            break;
        }
        if (e >= SK_E_NR_ERRORS || e >= (long)ARRAY_SIZE(req.by_error)) {
            req.strange++;
            continue;
        }
        req.by_error[e]++;
        results = results_of(label);
        if (sk_msginfo_length(info) != (e == SK_OK ? (unsigned int)results : 1u) || (e == SK_OK && results < 0))
            req.bad_length++;
        if ((i & 1023) == 1023) {
            if (signal_pending(current)) {
                err = -EINTR;
                break;
            }
            cond_resched();
        }
    }
    req.ns = ktime_get_ns() - start;
    req.count = i;
    if (err)
        return err;
    if (copy_to_user(uarg, &req, sizeof(req)))
        return -EFAULT;
    return 0;
}
