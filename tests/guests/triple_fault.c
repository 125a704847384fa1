/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A triple fault ends only this domain: the vmkernel logs a diagnostic
 * and the other domains go on (checked by tests/system/fault-domains.sh).
 */
#include "guest.h"

const char test_name[] = "triple_fault";

void test_main(void)
{
    guest_printf("loading an empty IDT and faulting\n");
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) empty = { 0, 0 };
    __asm__ volatile("lidt %0\n\tud2" ::"m"(empty));
    check(false, "still running after a triple fault");
}
