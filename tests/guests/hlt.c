/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * HLT from inside a domain (run with vcpus=2).  A HLT with interrupts
 * enabled must block until an interrupt is delivered -- a LAPIC timer, an
 * IPI from the other vCPU -- and not return early or without one; an
 * interrupt already pending must not let it block; an interrupt the TPR
 * holds back must not end it, nor may exits between STI and HLT let the
 * pending interrupt in before the HLT (a lost wake-up); a HLT with
 * interrupts disabled must ignore a pending interrupt.  Each HLT below is
 * a single STI;HLT, so that "HLT returned" means the vmkernel resumed the
 * vCPU.  vCPU 1 serves as the remote IPI source: vCPU 0 posts "send
 * vector V at TSC T" in a mailbox.
 */
#include "guest.h"

const char test_name[] = "hlt";

#define REG_TPR            0x080u
#define REG_IRR0           0x200u
#define REG_LVT_TIMER      0x320u
#define REG_TIMER_INITIAL  0x380u
#define REG_TIMER_DIVIDE   0x3E0u
#define MSR_ICR            X2APIC_MSR(0x300)
#define MSR_SELF_IPI       X2APIC_MSR(0x3F0)
#define LVT_MASKED         (1u << 16)
#define LVT_PERIODIC       (1u << 17)
#define DIVIDE_BY_1        0xBu

#define VEC_LOW            0x50    /* class 5: held back by TPR 0x50 */
#define VEC_WAKE           0x60    /* vCPU 1 -> 0 */
#define VEC_SELF           0x61
#define VEC_TIMER          0x62
#define VEC_CMD            0x63    /* vCPU 0 -> 1: look at the mailbox */
#define VEC_AP_SELF        0x64    /* vCPU 1's own, for the IF=0 HLT */
#define VEC_WATCHDOG       0xE0    /* ends a HLT that would otherwise hang */

#define WAIT_US            3000000ull

static volatile uint32_t got[2][256];
static volatile uint64_t last_tsc[256];
static volatile uint32_t ap_ready, ap_stop, ap_storm, ap_at_hlt, ap_passed_hlt;
static volatile uint32_t self_at_hlt;     /* VEC_SELF taken with RIP at a HLT */
/* Mailbox: vCPU 1 sends mbox_vector to vCPU 0 once the TSC reaches mbox_at. */
static volatile uint64_t mbox_at;
static volatile uint32_t mbox_vector;

static uint64_t us_to_ticks(uint64_t us)
{
    return us * tsc_khz() / 1000;
}

static uint64_t ticks_to_us(uint64_t ticks)
{
    return ticks * 1000 / tsc_khz();
}

static void x2_write(uint32_t reg, uint64_t value)
{
    wrmsr(X2APIC_MSR(reg), value);
}

static bool irr_has(unsigned vector)
{
    return (rdmsr(X2APIC_MSR(REG_IRR0 + (vector / 32) * 0x10)) >> (vector % 32)) & 1;
}

static void send_ipi(uint32_t dest, uint8_t vector)
{
    wrmsr(MSR_ICR, (uint64_t)dest << 32 | vector);
}

static void handler(struct guest_frame *f)
{
    uint32_t id = (uint32_t)rdmsr(X2APIC_MSR(0x020));
    last_tsc[f->vector & 0xFF] = rdtsc();
    /* In STI;HLT the STI shadow keeps interrupts out until HLT has begun. */
    if (f->vector == VEC_SELF && *(volatile uint8_t *)f->rip == 0xF4)
        atomic_inc(&self_at_hlt);
    if (id < 2)
        atomic_inc(&got[id][f->vector & 0xFF]);
    x2apic_eoi();
}

/* One-shot LAPIC timer of vCPU 0 (bus 1 GHz, divide 1: one count per ns). */
static void timer_oneshot(uint8_t vector, uint64_t us)
{
    x2_write(REG_LVT_TIMER, vector);
    x2_write(REG_TIMER_DIVIDE, DIVIDE_BY_1);
    x2_write(REG_TIMER_INITIAL, us * cpuid2(0x40000010, 0).ebx / 1000);
}

static void timer_stop(void)
{
    x2_write(REG_TIMER_INITIAL, 0);
    x2_write(REG_LVT_TIMER, LVT_MASKED);
}

static void post_ipi(uint8_t vector, uint64_t at_tsc)
{
    mbox_vector = vector;
    __atomic_store_n(&mbox_at, at_tsc, __ATOMIC_RELEASE);
    send_ipi(1, VEC_CMD);
}

/* Withdraw a posted IPI; false if vCPU 1 already took it to send. */
static bool cancel_ipi(uint64_t at_tsc)
{
    return __atomic_compare_exchange_n(&mbox_at, &at_tsc, 0, false, __ATOMIC_ACQ_REL,
                                       __ATOMIC_ACQUIRE);
}

static bool wait_count(volatile uint32_t *counter, uint32_t target, uint64_t timeout_us)
{
    uint64_t end = now_us() + timeout_us;
    while (*counter < target && now_us() < end)
        pause();
    return *counter >= target;
}

void test_ap_main(unsigned vcpu)
{
    if (vcpu != 1)
        return;
    x2apic_enable();
    __atomic_store_n(&ap_ready, 1, __ATOMIC_RELEASE);
    cli();
    for (;;) {
        while (!mbox_at && !ap_stop && !ap_storm) {
            sti_hlt();
            cli();
        }
        if (ap_stop)
            break;
        if (ap_storm) {
            while (ap_storm) {             /* keep vCPU 0's CPU exiting */
                send_ipi(0, VEC_LOW);
                for (int i = 0; i < 20; i++)
                    pause();
            }
            continue;
        }
        uint64_t at = __atomic_load_n(&mbox_at, __ATOMIC_ACQUIRE);
        while (rdtsc() < at && mbox_at == at)
            pause();
        if (at && __atomic_compare_exchange_n(&mbox_at, &at, 0, false, __ATOMIC_ACQ_REL,
                                              __ATOMIC_ACQUIRE))
            send_ipi(0, (uint8_t)mbox_vector);
    }
    /* Interrupts are off: a pending interrupt must not end this HLT. */
    wrmsr(MSR_SELF_IPI, VEC_AP_SELF);
    __atomic_store_n(&ap_at_hlt, 1, __ATOMIC_RELEASE);
    __asm__ volatile("hlt" ::: "memory");
    __atomic_store_n(&ap_passed_hlt, 1, __ATOMIC_RELEASE);
}

static void test_timer_wakes_hlt(void)
{
    static const uint64_t periods_us[] = { 5000, 20000, 50000 };
    for (unsigned i = 0; i < 3; i++) {
        uint64_t period = us_to_ticks(periods_us[i]);
        uint32_t before = got[0][VEC_TIMER];
        cli();
        uint64_t t0 = rdtsc();
        timer_oneshot(VEC_TIMER, periods_us[i]);
        sti_hlt();
        uint64_t t1 = rdtsc();
        uint32_t taken = got[0][VEC_TIMER] - before;
        cli();
        check(taken == 1, "timer %lu us: HLT returned only once the timer interrupt was taken (%u)",
              periods_us[i], taken);
        check(t1 - t0 >= period, "timer %lu us: HLT blocked for %lu us, at least the period",
              periods_us[i], ticks_to_us(t1 - t0));
        check(taken == 1 && last_tsc[VEC_TIMER] - t0 >= period,
              "timer %lu us: the interrupt came after %lu us, not early", periods_us[i],
              ticks_to_us(last_tsc[VEC_TIMER] - t0));
        if (taken == 0) {
            sti();
            wait_count(&got[0][VEC_TIMER], before + 1, WAIT_US);   /* resync */
            cli();
        }
    }
    timer_stop();
}

static void test_ipi_wakes_hlt(void)
{
    const uint64_t delay = us_to_ticks(20000);
    for (unsigned i = 0; i < 3; i++) {
        uint32_t before = got[0][VEC_WAKE], dog = got[0][VEC_WATCHDOG];
        cli();
        timer_oneshot(VEC_WATCHDOG, 2000000);
        uint64_t t0 = rdtsc();
        post_ipi(VEC_WAKE, t0 + delay);
        sti_hlt();
        uint64_t t1 = rdtsc();
        uint32_t taken = got[0][VEC_WAKE] - before;
        bool by_dog = got[0][VEC_WATCHDOG] != dog;
        cli();
        timer_stop();
        check(taken == 1 && !by_dog,
              "IPI %u: HLT ended by the IPI from vCPU 1 (ipi %u, watchdog %d)", i, taken, by_dog);
        check(t1 - t0 >= delay, "IPI %u: HLT blocked %lu us until vCPU 1 sent it (>= 20000)", i,
              ticks_to_us(t1 - t0));
        if (taken != 1) {
            cancel_ipi(t0 + delay);
            sti();
            wait_count(&got[0][VEC_WAKE], before + 1, WAIT_US);
            cli();
        }
    }
}

/*
 * The SSE state across blocking HLTs woken from the other CPU: the vCPU
 * may resume on another physical CPU than the one it blocked on, and must
 * find its registers as it left them.
 */
static void test_sse_survives_hlt(void)
{
    const uint64_t delay = us_to_ticks(2000);
    const unsigned rounds = 40;
    guest_sse_enable();
    uint64_t seed = rdtsc() << 8;
    unsigned changed = 0, woken = 0;
    guest_xmm_load(seed);
    for (unsigned i = 0; i < rounds; i++) {
        uint32_t before = got[0][VEC_WAKE];
        cli();
        timer_oneshot(VEC_WATCHDOG, 2000000);
        post_ipi(VEC_WAKE, rdtsc() + delay);
        sti_hlt();
        cli();
        timer_stop();
        if (got[0][VEC_WAKE] == before) {
            sti();
            wait_count(&got[0][VEC_WAKE], before + 1, WAIT_US);
            cli();
        } else {
            woken++;
        }
        changed += guest_xmm_recheck(seed);
    }
    check(changed == 0, "SSE: XMM8-XMM15 kept across %u HLTs woken by vCPU 1 (%u woken, %u changed)",
          rounds, woken, changed);
}

static void test_pending_before_hlt(void)
{
    /* A self-IPI left pending while IF=0; the LAPIC timer is the watchdog. */
    uint32_t dog = got[0][VEC_WATCHDOG];
    cli();
    timer_oneshot(VEC_WATCHDOG, 1000000);
    wrmsr(MSR_SELF_IPI, VEC_SELF);
    check(irr_has(VEC_SELF) && got[0][VEC_SELF] == 0, "pending self-IPI waits in IRR while IF=0");
    uint64_t t0 = rdtsc();
    sti_hlt();
    uint64_t t1 = rdtsc();
    bool by_dog = got[0][VEC_WATCHDOG] != dog;
    cli();
    timer_stop();
    check(got[0][VEC_SELF] == 1 && !by_dog,
          "STI;HLT with a pending self-IPI takes it and does not block (%lu us, watchdog %d)",
          ticks_to_us(t1 - t0), by_dog);

    /* A timer interrupt that became pending while IF=0; vCPU 1 is the watchdog. */
    uint32_t before = got[0][VEC_TIMER];
    dog = got[0][VEC_WATCHDOG];
    timer_oneshot(VEC_TIMER, 1000);
    delay_us(5000);
    check(irr_has(VEC_TIMER) && got[0][VEC_TIMER] == before,
          "expired timer interrupt waits in IRR while IF=0");
    uint64_t at = rdtsc() + us_to_ticks(1000000);
    post_ipi(VEC_WATCHDOG, at);
    t0 = rdtsc();
    sti_hlt();
    t1 = rdtsc();
    by_dog = got[0][VEC_WATCHDOG] != dog;
    cli();
    if (!cancel_ipi(at)) {
        sti();
        wait_count(&got[0][VEC_WATCHDOG], dog + 1, WAIT_US);
        cli();
    }
    timer_stop();
    check(got[0][VEC_TIMER] == before + 1 && !by_dog,
          "STI;HLT with a pending timer interrupt takes it and does not block (%lu us, "
          "watchdog %d)", ticks_to_us(t1 - t0), by_dog);
}

static void test_tpr_blocked_ipi(void)
{
    /* TPR class 5 holds VEC_LOW back; the watchdog's class 0xE gets through. */
    const uint64_t ipi_delay = us_to_ticks(10000), dog_us = 300000;
    uint32_t low = got[0][VEC_LOW], dog = got[0][VEC_WATCHDOG];
    cli();
    x2_write(REG_TPR, 0x50);
    timer_oneshot(VEC_WATCHDOG, dog_us);
    uint64_t t0 = rdtsc();
    post_ipi(VEC_LOW, t0 + ipi_delay);
    sti_hlt();
    uint64_t t1 = rdtsc();
    bool by_dog = got[0][VEC_WATCHDOG] != dog;
    cli();
    check(by_dog && got[0][VEC_LOW] == low,
          "TPR: HLT is not ended by an IPI the TPR holds back (after %lu us; watchdog %d)",
          ticks_to_us(t1 - t0), by_dog);
    if (!by_dog) {
        sti();
        wait_count(&got[0][VEC_WATCHDOG], dog + 1, WAIT_US);
        cli();
    }
    uint64_t end = now_us() + WAIT_US;      /* vCPU 1 may not have sent it yet */
    while (!irr_has(VEC_LOW) && now_us() < end)
        pause();
    check(irr_has(VEC_LOW) && got[0][VEC_LOW] == low, "TPR: the held-back IPI waits in IRR");
    sti();
    x2_write(REG_TPR, 0);
    pause();
    pause();
    cli();
    check(got[0][VEC_LOW] == low + 1, "TPR: lowering the TPR delivers it");
    timer_stop();
}

/*
 * STI;HLT with a pending interrupt, many times, while vCPU 1 keeps sending
 * IPIs that the TPR holds back: each one makes vCPU 0's CPU exit, some of
 * them between STI and HLT.  The pending interrupt must still be taken
 * after HLT began, never before it (then the HLT would sleep: lost wake-up).
 */
static void test_hlt_under_exit_storm(void)
{
    const unsigned rounds = 2000;
    unsigned missing = 0;
    uint32_t low = got[0][VEC_LOW];
    cli();
    x2_write(REG_TPR, 0x50);
    self_at_hlt = 0;
    ap_storm = 1;
    send_ipi(1, VEC_CMD);
    /* A periodic watchdog only bounds the sleep of a lost wake-up. */
    x2_write(REG_LVT_TIMER, VEC_WATCHDOG | LVT_PERIODIC);
    x2_write(REG_TIMER_DIVIDE, DIVIDE_BY_1);
    x2_write(REG_TIMER_INITIAL, 50000000);
    for (unsigned i = 0; i < rounds; i++) {
        uint32_t before = got[0][VEC_SELF];
        wrmsr(MSR_SELF_IPI, VEC_SELF);
        sti_hlt();
        cli();
        if (got[0][VEC_SELF] == before)
            missing++;
    }
    timer_stop();
    ap_storm = 0;
    delay_us(10000);
    check(self_at_hlt == 0 && missing == 0,
          "exit storm: STI;HLT took its pending interrupt after HLT began, %u times "
          "(before HLT: %u, missing: %u)", rounds, self_at_hlt, missing);
    check(got[0][VEC_LOW] == low && irr_has(VEC_LOW),
          "exit storm: the TPR held every storm IPI back (%u taken)", got[0][VEC_LOW] - low);
    sti();
    x2_write(REG_TPR, 0);
    pause();
    pause();
    cli();
    check(got[0][VEC_LOW] > low, "exit storm: lowering the TPR delivers the held-back IPI");
}

static void test_hlt_with_if_clear(void)
{
    __atomic_store_n(&ap_stop, 1, __ATOMIC_RELEASE);
    send_ipi(1, VEC_CMD);
    check(wait_count(&ap_at_hlt, 1, WAIT_US), "vCPU 1 reached its HLT with IF=0");
    delay_us(100000);
    check(!ap_passed_hlt && got[1][VEC_AP_SELF] == 0,
          "HLT with IF=0 is not ended by a pending interrupt (passed %u)", ap_passed_hlt);
}

void test_main(void)
{
    if (guest_nr_vcpus < 2) {
        check(false, "this test needs vcpus=2 (has %u)", guest_nr_vcpus);
        return;
    }
    static const uint8_t vectors[] = { VEC_LOW, VEC_WAKE, VEC_SELF, VEC_TIMER, VEC_CMD,
                                       VEC_AP_SELF, VEC_WATCHDOG };
    for (unsigned i = 0; i < sizeof vectors; i++)
        guest_set_handler(vectors[i], handler);
    x2apic_enable();
    check(wait_count(&ap_ready, 1, WAIT_US), "vCPU 1 came up and enabled its x2APIC");
    test_timer_wakes_hlt();
    test_ipi_wakes_hlt();
    test_sse_survives_hlt();
    test_pending_before_hlt();
    test_tpr_blocked_ipi();
    test_hlt_under_exit_storm();
    test_hlt_with_if_clear();
}
