/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TSC-based time.  The TSC rate is measured once against PIT channel 2
 * (the only timer every PC has with a known frequency); the vmkernel then
 * tells domains the rate through CPUID 0x40000010 so that they never
 * calibrate themselves.
 */
#include <arch/cpu.h>
#include <arch/io.h>
#include <arch/pit.h>
#include <skerry/time.h>

static uint64_t tsc_khz;
static uint64_t tsc_at_boot;

uint64_t time_tsc_khz(void)
{
    return tsc_khz;
}

/* a * b / c without 128-bit division (which would need libgcc); b, c < 2^32. */
static uint64_t mul_div(uint64_t a, uint64_t b, uint64_t c)
{
    return a / c * b + a % c * b / c;
}

uint64_t time_now_ns(void)
{
    if (!tsc_khz)
        return 0;
    return mul_div(rdtsc() - tsc_at_boot, 1000000, tsc_khz);
}

uint64_t time_ns_to_tsc(uint64_t ns)
{
    return mul_div(ns, tsc_khz, 1000000);
}

uint64_t time_tsc_to_ns(uint64_t tsc)
{
    if (!tsc_khz || tsc <= tsc_at_boot)
        return 0;
    return mul_div(tsc - tsc_at_boot, 1000000, tsc_khz);
}

void time_init(void)
{
    uint64_t best = UINT64_MAX;
    /* Take the shortest of five runs: a longer one was disturbed (under
     * emulation, the emulator's thread can be descheduled mid-measurement). */
    for (int i = 0; i < 5; i++) {
        uint64_t start = rdtsc();
        pit_wait_us(10000);
        uint64_t delta = rdtsc() - start;
        if (delta < best)
            best = delta;
    }
    tsc_khz = best / 10;
    tsc_at_boot = rdtsc();
}
