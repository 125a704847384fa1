// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmkfuzz: random invocations from the console's kernel (the vmnix
 * module's VMNIX_IOC_FUZZ), then proof that the vmkernel lost nothing: it
 * still answers, every reply was well-formed, its free memory is what it
 * was before, and the console's own capabilities are as they were.  The
 * fuzzing happens in a sandbox of cspace slots holding a 1 MiB untyped
 * carved from the console's last boot untyped, which is revoked at the
 * end.  One "PASS <what>" or "FAIL <what>: <why>" line a check.
 *
 *   vmkfuzz [-n CALLS] [-s SEED]       (root; default 1000000 calls, seed 1)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "check_lines.h"
#include "vmk.h"
#include "vmnix_ioctl.h"

#define SANDBOX_FIRST 3000u
#define SANDBOX_SLOTS 64u


static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
    unsigned long long calls = 1000000, seed = 1;
    for (int opt; (opt = getopt(argc, argv, "n:s:")) != -1;) {
        if (opt == 'n')
            calls = strtoull(optarg, NULL, 0);
        else if (opt == 's')
            seed = strtoull(optarg, NULL, 0);
        else {
            fprintf(stderr, "usage: vmkfuzz [-n CALLS] [-s SEED]\n");
            return 2;
        }
    }
    long e = vmk_open();
    if (e < 0) {
        fprintf(stderr, "vmkfuzz: %s: %s\n", VMNIX_DEVICE, vmk_strerror(e));
        return 1;
    }
    struct sk_system_bootinfo_result bi = { 0 };
    if ((e = sk_system_bootinfo(SK_CAP_SYSTEM, &bi)) != SK_OK || bi.untyped_count == 0 ||
        bi.first_free > SANDBOX_FIRST) {
        fprintf(stderr, "vmkfuzz: no boot untyped to fuzz with (%s)\n", vmk_strerror(e));
        return 1;
    }
    /* What the console holds now, to compare after. */
    static struct sk_any_identify_result before_caps[SANDBOX_FIRST];
    for (sk_cptr_t s = 1; s < bi.first_free; s++)
        sk_any_identify(s, &before_caps[s]);
    sk_cptr_t ut = bi.untyped_first + bi.untyped_count - 1;
    struct sk_system_info_result before = { 0 }, after = { 0 };
    sk_system_info(SK_CAP_SYSTEM, &before);
    e = sk_untyped_retype(ut, SK_OBJ_UNTYPED, 20, SANDBOX_FIRST, 1);
    check(e == SK_OK, "a 1 MiB untyped in sandbox slot %u (%s)", SANDBOX_FIRST, vmk_strerror(e));
    if (e != SK_OK)
        return 1;

    struct vmnix_fuzz req = { .seed = seed, .count = calls, .first = SANDBOX_FIRST, .slots = SANDBOX_SLOTS };
    e = vmk_fuzz(&req);
    check(e == 0 && req.count == calls, "%llu random invocations made with VMMCALL from the module (%s)",
          (unsigned long long)req.count, e ? vmk_strerror(e) : "done");
    printf("vmkfuzz: %llu calls in %llu ms; by error code 0-14:", (unsigned long long)req.count,
           (unsigned long long)(req.ns / 1000000));
    for (unsigned i = 0; i < SK_E_NR_ERRORS; i++)
        printf(" %llu", (unsigned long long)req.by_error[i]);
    printf("\n");
    check(req.strange == 0, "every call returned one of the ABI's error codes (%llu did not)",
          (unsigned long long)req.strange);
    check(req.bad_length == 0, "every reply had the length its label and error call for (%llu did not)",
          (unsigned long long)req.bad_length);
    check(req.by_error[SK_OK] > req.count / 1000, "some calls succeeded, so it reached past the decoder (%llu)",
          (unsigned long long)req.by_error[SK_OK]);
    check(req.by_error[SK_E_NO_SYSCALL] > 0, "calls naming no system call got SK_E_NO_SYSCALL (%llu)",
          (unsigned long long)req.by_error[SK_E_NO_SYSCALL]);

    e = sk_cnode_revoke(SK_CAP_SELF_CNODE, ut);
    check(e == SK_OK, "revoke the boot untyped the sandbox came from (%s)", vmk_strerror(e));
    bool empty = true;
    for (sk_cptr_t s = SANDBOX_FIRST; s < SANDBOX_FIRST + SANDBOX_SLOTS; s++)
        empty &= sk_any_identify(s, NULL) == SK_E_INVALID_CAPABILITY;
    check(empty, "the sandbox is empty");
    /* Domains the fuzzing started end at their vCPUs' next exit. */
    for (int i = 0; i < 100; i++) {
        sk_system_info(SK_CAP_SYSTEM, &after);
        if (after.mem_free == before.mem_free && after.nr_domains == before.nr_domains)
            break;
        sleep_ms(100);
    }
    check(after.mem_free == before.mem_free && after.nr_domains == before.nr_domains,
          "the vmkernel's free memory is back to %llu KiB (%llu) with %llu domains (%llu)",
          (unsigned long long)(before.mem_free >> 10), (unsigned long long)(after.mem_free >> 10),
          (unsigned long long)before.nr_domains, (unsigned long long)after.nr_domains);
    struct sk_untyped_info_result ui = { 0 };
    e = sk_untyped_info(ut, &ui);
    check(e == SK_OK && ui.free_bytes == 1ull << ui.size_bits, "the boot untyped is all free again");
    bool same = true;
    for (sk_cptr_t s = 1; s < bi.first_free; s++) {
        struct sk_any_identify_result now = { 0 };
        sk_any_identify(s, &now);
        same &= memcmp(&now, &before_caps[s], sizeof now) == 0;
    }
    check(same, "the console's %llu boot capabilities are as they were", (unsigned long long)bi.first_free - 1);
    printf("vmkfuzz: %s\n", failed ? "FAILED" : "ok");
    vmk_close();
    return failed ? 1 : 0;
}
