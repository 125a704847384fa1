/* SPDX-License-Identifier: GPL-2.0-only */
/* The smallest test domain: it runs, prints, and ends.  `make run` boots it. */
#include "guest.h"

const char test_name[] = "hello";

void test_main(void)
{
    guest_printf("Hello from a Skerry test domain on %u vCPU(s)\n", guest_nr_vcpus);
    check(true, "hello: the domain runs and reaches its console");
}
