/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A vCPU's SSE state across blocking HLTs.  Run alone on a vmkernel with
 * two CPUs: the vCPU blocks on one CPU, which then idles, and may be woken
 * and resumed on the other; its XMM registers must be what it left there
 * (the state must not stay behind in the first CPU's registers).
 */
#include "guest.h"

const char test_name[] = "sse_migrate";

#define REG_LVT_TIMER      0x320u
#define REG_TIMER_INITIAL  0x380u
#define REG_TIMER_DIVIDE   0x3E0u
#define DIVIDE_BY_1        0xBu
#define VEC_TIMER          0x40
#define ROUNDS             1000

static volatile uint32_t ticks;

static void on_timer(struct guest_frame *f)
{
    (void)f;
    ticks++;
    wrmsr(X2APIC_MSR(0x0B0), 0);                       /* EOI */
}

void test_main(void)
{
    guest_set_handler(VEC_TIMER, on_timer);
    x2apic_enable();
    guest_sse_enable();
    uint64_t bus_khz = cpuid2(0x40000010, 0).ebx;
    uint64_t seed = rdtsc() << 8;
    unsigned changed = 0;
    guest_xmm_load(seed);
    wrmsr(X2APIC_MSR(REG_TIMER_DIVIDE), DIVIDE_BY_1);
    for (unsigned i = 0; i < ROUNDS; i++) {
        uint32_t before = ticks;
        cli();
        wrmsr(X2APIC_MSR(REG_LVT_TIMER), VEC_TIMER);
        wrmsr(X2APIC_MSR(REG_TIMER_INITIAL), 500 * bus_khz / 1000);      /* 500 us */
        while (ticks == before)
            sti_hlt();
        cli();
        changed += guest_xmm_recheck(seed);
    }
    check(changed == 0, "XMM8-XMM15 kept across %u blocking HLTs (%u times found changed)",
          ROUNDS, changed);
}
