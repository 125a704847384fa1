/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Time slicing: several of these CPU-bound domains on fewer CPUs.  Each
 * spins for a fixed wall time and watches the TSC for gaps, i.e. times it
 * was descheduled.  With a preemptive scheduler every instance sees gaps
 * and still finishes; without preemption some would never be interrupted.
 * Meanwhile it keeps its own values in XMM8-XMM15 and checks them all the
 * time: preempted on one CPU and resumed on another, a vCPU must find its
 * SSE state as it left it.
 */
#include "guest.h"

const char test_name[] = "spinner";

#define SPIN_US 400000
#define GAP_US  2000

void test_main(void)
{
    guest_sse_enable();
    uint64_t seed = rdtsc() << 8, xmm_errors = 0;
    guest_xmm_load(seed);
    uint64_t start = now_us(), last = start, gaps = 0, longest = 0;
    while (now_us() - start < SPIN_US) {
        xmm_errors += guest_xmm_recheck(seed);
        uint64_t now = now_us();
        if (now - last > GAP_US) {
            gaps++;
            if (now - last > longest)
                longest = now - last;
        }
        last = now;
    }
    check(gaps > 0, "descheduled %lu times while spinning (longest %lu us)", gaps, longest);
    check(longest < SPIN_US / 2, "never kept off the CPU for long (%lu us)", longest);
    check(xmm_errors == 0, "XMM8-XMM15 kept across %lu deschedulings (%lu times found changed)",
          gaps, xmm_errors);
}
