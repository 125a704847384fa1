/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A domain given no capabilities (no "cspace" argument): every invocation
 * of every label, on every cptr it might guess, fails with an error code
 * and hands back no data; being a domain of the vmkernel gives no
 * privilege by itself.
 */
#include "guest.h"
#include "hypercall.h"
#include <public/skerry/invocations.h>

const char test_name[] = "hypercall_nocaps";

static const uint64_t labels[] = {
#define X(label, type, rights, caps, args, results, name) label,
    SK_INVOCATION_TABLE(X)
#undef X
};

void test_main(void)
{
    unsigned calls = 0, refused = 0, leaked = 0;
    for (sk_cptr_t cptr = 0; cptr < 64; cptr++)
        for (unsigned l = 0; l < sizeof labels / sizeof labels[0]; l++) {
            sk_word_t mr[SK_MSG_MAX_REGS] = { 1, 2, 3, 4, 5, 6, 7, 8 };
            sk_msginfo_t out;
            long e = sk_vmmcall(SK_SYS_INVOKE, cptr, sk_msginfo_new(labels[l], 0, 8), mr, &out);
            calls++;
            refused += e == SK_E_FAILED_LOOKUP;
            leaked += sk_msginfo_length(out) > 1 || (mr[0] != SK_NO_DETAIL);
        }
    check(refused == calls, "%u invocations (every label, cptrs 0-63) all failed: no cspace (%u refused)", calls,
          refused);
    check(leaked == 0, "no reply carried data (%u did)", leaked);
    struct sk_system_info_result si;
    check(sk_system_info(SK_CAP_SYSTEM, &si) == SK_E_FAILED_LOOKUP, "the system's well-known slot names nothing");
    sk_word_t mr[SK_MSG_MAX_REGS] = { 0 };
    check(sk_vmmcall(0x99, 0, 0, mr, 0) == SK_E_NO_SYSCALL, "an unknown system call");
}
