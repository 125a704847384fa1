/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Time slicing: several of these CPU-bound domains on fewer CPUs.  Each
 * spins for a fixed wall time and watches the TSC for gaps, i.e. times it
 * was descheduled.  With a preemptive scheduler every instance sees gaps
 * and still finishes; without preemption some would never be interrupted.
 */
#include "guest.h"

const char test_name[] = "spinner";

#define SPIN_US 400000
#define GAP_US  2000

void test_main(void)
{
    uint64_t start = now_us(), last = start, gaps = 0, longest = 0;
    while (now_us() - start < SPIN_US) {
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
}
