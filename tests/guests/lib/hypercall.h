/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hypercalls from a test domain: the generated invocation stubs
 * (public/skerry/invocations.h) over a plain VMMCALL with the ABI's
 * register convention, and a raw form for malformed calls.
 */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <stdint.h>
#include <public/skerry/abi.h>

/* Raw: rax in, error out; mr[] in and out; *info_out the reply's msginfo. */
static inline long sk_vmmcall(uint64_t rax, sk_cptr_t cap, sk_msginfo_t info, sk_word_t mr[SK_MSG_MAX_REGS],
                              sk_msginfo_t *info_out)
{
    register uint64_t r8 __asm__("r8") = mr[1], r9 __asm__("r9") = mr[2], r10 __asm__("r10") = mr[3];
    register uint64_t r11 __asm__("r11") = mr[4], r12 __asm__("r12") = mr[5], r13 __asm__("r13") = mr[6];
    register uint64_t r14 __asm__("r14") = mr[7];
    uint64_t rdx = mr[0], rsi = info;
    __asm__ volatile("vmmcall"
                     : "+a"(rax), "+d"(rdx), "+S"(rsi), "+r"(r8), "+r"(r9), "+r"(r10), "+r"(r11), "+r"(r12),
                       "+r"(r13), "+r"(r14)
                     : "D"(cap)
                     : "memory");
    mr[0] = rdx, mr[1] = r8, mr[2] = r9, mr[3] = r10, mr[4] = r11, mr[5] = r12, mr[6] = r13, mr[7] = r14;
    if (info_out)
        *info_out = rsi;
    return (long)rax;
}

static inline long sk_guest_invoke(sk_cptr_t cap, sk_msginfo_t info, sk_word_t mr[SK_MSG_MAX_REGS])
{
    return sk_vmmcall(SK_SYS_INVOKE, cap, info, mr, 0);
}
#define SK_INVOKE(cap, info, mr) sk_guest_invoke(cap, info, mr)
#include <public/skerry/invocations.h>

/* Whether SYSTEM domain_info (through the cspace's SYSTEM capability in
 * slot `system`) still lists domain id. */
static inline int sk_domain_listed(sk_cptr_t system, uint64_t id)
{
    struct sk_system_domain_info_result d = { 0 };
    for (uint64_t i = 0; sk_system_domain_info(system, i, &d) == SK_OK; i++)
        if (d.id == id)
            return 1;
    return 0;
}

#endif
