/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * #DB reaches the guest through the vmkernel's intercept (single step, a
 * hardware data breakpoint) and DR0-DR3 are the domain's own.  (ICEBP is
 * not tested: QEMU's TCG raises #UD for it without consulting the intercept.)
 */
#include "guest.h"

const char test_name[] = "debug_exceptions";

#define DB 1

static volatile uint32_t steps;
static volatile uint64_t dr6_seen;
static volatile uint64_t watched;

static uint64_t read_dr6(void)
{
    uint64_t v;
    __asm__ volatile("mov %%db6, %0" : "=r"(v));
    return v;
}

static void db_handler(struct guest_frame *f)
{
    dr6_seen = read_dr6();
    __asm__ volatile("mov %0, %%db6" ::"r"(0xFFFF0FF0ull));
    if (++steps >= 3)
        f->rflags &= ~(1ull << 8);        /* stop single-stepping */
}

static void single_step(void)
{
    steps = 0;
    __asm__ volatile("pushfq\n\torq $0x100, (%%rsp)\n\tpopfq\n\t"
                     "nop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop" ::: "memory", "cc");
    check(steps == 3, "single-step #DB delivered 3 times, then TF cleared (%u)", steps);
    check(dr6_seen & (1u << 14), "DR6.BS reports the single step (%lx)", dr6_seen);
}

static void data_breakpoint(void)
{
    uint32_t before = guest_vector_count[DB];
    __asm__ volatile("mov %0, %%db0" ::"r"((uint64_t)&watched));
    /* DR7: L0, R/W0 = 01 (write), LEN0 = 11 (8 bytes). */
    __asm__ volatile("mov %0, %%db7" ::"r"(0x1ull | (1ull << 16) | (3ull << 18)));
    watched = 42;
    __asm__ volatile("mov %0, %%db7" ::"r"(0x400ull));
    check(guest_vector_count[DB] == before + 1, "a write to a watched address raises #DB");
    check(dr6_seen & 1, "DR6.B0 names breakpoint 0 (%lx)", dr6_seen);
    uint64_t dr0;
    __asm__ volatile("mov %%db0, %0" : "=r"(dr0));
    check(dr0 == (uint64_t)&watched, "DR0 keeps the domain's value across exits and other worlds");
}

void test_main(void)
{
    guest_set_handler(DB, db_handler);
    single_step();
    data_breakpoint();
    /* Let other domains run on this CPU, then check DR0 is still ours. */
    for (int i = 0; i < 50; i++)
        (void)inb(0x80);
    uint64_t dr0;
    __asm__ volatile("mov %%db0, %0" : "=r"(dr0));
    check(dr0 == (uint64_t)&watched, "DR0 survives being scheduled out");
}
