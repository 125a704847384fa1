/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Benchmark domain: the cost of operations that exit to the vmkernel
 * (CPUID, an I/O port read, an MMIO read of unassigned space), in TSC
 * ticks per operation.  tests/bench/run-bench.sh runs the same image
 * under the vmkernel and on bare QEMU and prints the ratios.
 */
#include "guest.h"

const char test_name[] = "bench_exits";

#define ITERATIONS 20000

static uint64_t per_op(void (*op)(void))
{
    for (int i = 0; i < 100; i++)
        op();
    uint64_t t0 = rdtsc();
    for (int i = 0; i < ITERATIONS; i++)
        op();
    return (rdtsc() - t0) / ITERATIONS;
}

static void op_cpuid(void) { (void)cpuid2(0, 0); }
static void op_pio(void) { (void)inb(0x80); }
static void op_mmio(void) { (void)*(volatile uint32_t *)0xD0000000ull; }

void test_main(void)
{
    uint64_t cpuid_ticks = per_op(op_cpuid);
    uint64_t pio_ticks = per_op(op_pio);
    uint64_t mmio_ticks = per_op(op_mmio);
    guest_printf("BENCH cpuid=%lu pio=%lu mmio=%lu ticks/op, %u iterations\n", cpuid_ticks,
                 pio_ticks, mmio_ticks, ITERATIONS);
    check(cpuid_ticks > 0, "the CPUID loop was measured");
}
