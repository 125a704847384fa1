/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtual LAPIC timer seen from inside a domain: one-shot through the
 * xAPIC MMIO page (which goes through the vmkernel's instruction decoder),
 * then, in x2APIC mode, one-shot, periodic, TSC-deadline, masking and EOI.
 * Times are TSC ticks at the rates of CPUID 0x40000010; lower bounds are
 * exact, upper bounds generous (QEMU TCG and other domains share the CPUs).
 */
#include "guest.h"

const char test_name[] = "lapic_timer";

#define XAPIC_BASE          0xFEE00000ul
#define REG_ID              0x020u
#define REG_VERSION         0x030u
#define REG_EOI             0x0B0u
#define REG_SVR             0x0F0u
#define REG_ISR0            0x100u
#define REG_IRR0            0x200u
#define REG_LVT_TIMER       0x320u
#define REG_TIMER_INITIAL   0x380u
#define REG_TIMER_CURRENT   0x390u
#define REG_TIMER_DIVIDE    0x3E0u
#define MSR_TSC_DEADLINE    0x6E0u

#define LVT_MASKED          (1u << 16)
#define LVT_PERIODIC        (1u << 17)
#define LVT_TSC_DEADLINE    (2u << 17)
#define LVT_MODE_MASK       (3u << 17)

#define VEC_XAPIC           0x40    /* handler EOIs through MMIO */
#define VEC_TIMER           0x41    /* handler EOIs through the x2APIC MSR */
#define VEC_NO_EOI          0x42    /* handler leaves the ISR bit set */

#define MAX_HITS 16
#define WAIT_US  3000000ull         /* how long an expected interrupt may take */

static volatile uint32_t hits;
static volatile uint64_t hit_tsc[MAX_HITS];
static volatile uint32_t isr_set_in_handler;
static uint64_t bus_khz;

/* ---- helpers ------------------------------------------------------------ */

static uint32_t mmio_read(uint32_t reg)
{
    return *(volatile uint32_t *)(XAPIC_BASE + reg);
}

static void mmio_write(uint32_t reg, uint32_t value)
{
    *(volatile uint32_t *)(XAPIC_BASE + reg) = value;
}

static uint64_t x2_read(uint32_t reg)
{
    return rdmsr(X2APIC_MSR(reg));
}

static void x2_write(uint32_t reg, uint64_t value)
{
    wrmsr(X2APIC_MSR(reg), value);
}

/* Divide configuration register encoding (SDM: bits 3 and 1:0). */
static uint32_t divide_config(unsigned divide)
{
    switch (divide) {
    case 1:   return 0xB;
    case 2:   return 0x0;
    case 4:   return 0x1;
    case 8:   return 0x2;
    case 16:  return 0x3;
    case 32:  return 0x8;
    case 64:  return 0x9;
    default:  return 0xA;   /* 128 */
    }
}

/* TSC ticks of `counts` timer counts at `divide` (rounded down: a lower bound). */
static uint64_t counts_to_ticks(uint64_t counts, unsigned divide)
{
    return counts * divide * tsc_khz() / bus_khz;
}

static uint64_t ticks_to_us(uint64_t ticks)
{
    return ticks * 1000 / tsc_khz();
}

static uint64_t us_to_ticks(uint64_t us)
{
    return us * tsc_khz() / 1000;
}

/*
 * Is a current-count read consistent with the TSC?  The timer was armed
 * with `count` between TSC arm0 and arm1 and read between read0 and read1;
 * the counts elapsed lie between the shortest and the longest of those
 * spans (+-1 for rounding).  Holds however long the vCPU was preempted.
 */
static bool count_tracks_time(uint32_t c, uint32_t count, unsigned divide, uint64_t arm0,
                              uint64_t arm1, uint64_t read0, uint64_t read1)
{
    uint64_t per = (uint64_t)divide * tsc_khz();          /* ticks per count * bus_khz */
    uint64_t most = (read1 - arm0) * bus_khz / per + 1;
    uint64_t least = read0 > arm1 ? (read0 - arm1) * bus_khz / per : 0;
    uint64_t lo = most >= count ? 0 : count - most;
    uint64_t hi = least + 1 >= count ? 1 : count - least + 1;
    bool ok = c >= lo && c <= hi;
    if (!ok)
        guest_printf("count %u outside [%lu, %lu]\n", c, lo, hi);
    return ok;
}

/*
 * The same in periodic mode, across reloads: the count is `count` minus
 * the counts elapsed modulo `count` (+-1).  A read whose time window spans
 * nearly a whole period cannot tell anything, and passes.
 */
static bool periodic_count_tracks_time(uint32_t c, uint32_t count, unsigned divide,
                                       uint64_t arm0, uint64_t arm1, uint64_t read0,
                                       uint64_t read1)
{
    uint64_t per = (uint64_t)divide * tsc_khz();
    uint64_t least = read0 > arm1 ? (read0 - arm1) * bus_khz / per : 0;
    uint64_t most = (read1 - arm0) * bus_khz / per + 1;
    uint64_t span = most - least;
    if (span + 3 >= count)
        return true;
    if (c < 1 || c > count)
        return false;
    /* elapsed mod count runs from least % count up over span, maybe wrapping */
    uint64_t offset = ((uint64_t)(count - c) + count - least % count + 1) % count;
    bool ok = offset <= span + 2;
    if (!ok)
        guest_printf("periodic count %u: %lu counts past the window\n", c, offset);
    return ok;
}

static bool vector_bit(uint64_t (*read)(uint32_t), uint32_t map, unsigned vector)
{
    return (read(map + (vector / 32) * 0x10) >> (vector % 32)) & 1;
}

static uint64_t mmio_read64(uint32_t reg)
{
    return mmio_read(reg);
}

/* Wait with interrupts enabled until `hits` reaches target or timeout. */
static bool wait_hits(uint32_t target, uint64_t timeout_us)
{
    uint64_t end = now_us() + timeout_us;
    sti();
    while (hits < target && now_us() < end)
        pause();
    cli();
    return hits >= target;
}

/*
 * Like wait_hits, and add to *stolen the time this vCPU did not run for
 * longer than `gap` ticks at a stretch (seen as a TSC jump between two
 * looks): preempted by the vmkernel or the host.  Timer periods merge into
 * one interrupt only across such a stretch of at least a period.
 */
static bool wait_hits_running(uint32_t target, uint64_t timeout_us, uint64_t gap,
                              uint64_t *stolen)
{
    uint64_t last = rdtsc(), end = last + us_to_ticks(timeout_us);
    *stolen = 0;
    sti();
    while (hits < target && last < end) {
        pause();
        uint64_t now = rdtsc();
        if (now - last > gap)
            *stolen += now - last;
        last = now;
    }
    cli();
    return hits >= target;
}

/* Spin with interrupts enabled; returns how many interrupts came. */
static uint32_t hits_during(uint64_t us)
{
    uint32_t before = hits;
    sti();
    delay_us(us);
    cli();
    return hits - before;
}

static void record_hit(void)
{
    uint32_t n = hits;
    if (n < MAX_HITS)
        hit_tsc[n] = rdtsc();
    hits = n + 1;
}

static void xapic_timer_handler(struct guest_frame *f)
{
    (void)f;
    record_hit();
    if (vector_bit(mmio_read64, REG_ISR0, VEC_XAPIC))
        isr_set_in_handler++;
    mmio_write(REG_EOI, 0);
}

static void x2_timer_handler(struct guest_frame *f)
{
    (void)f;
    record_hit();
    if (vector_bit(x2_read, REG_ISR0, VEC_TIMER))
        isr_set_in_handler++;
    x2apic_eoi();
}

static void no_eoi_handler(struct guest_frame *f)
{
    (void)f;
    record_hit();
}

static void reset_hits(void)
{
    hits = 0;
    isr_set_in_handler = 0;
}

/* ---- xAPIC through MMIO --------------------------------------------------- */

static void test_xapic_oneshot(void)
{
    const unsigned divide = 32;
    const uint32_t count = 1500000;        /* 48 ms at 1 GHz / 32 */
    uint64_t ticks = counts_to_ticks(count, divide);

    check((mmio_read(REG_ID) >> 24) == 0, "xAPIC: ID register of vCPU 0 reads 0 (%x)",
          mmio_read(REG_ID));
    check((mmio_read(REG_VERSION) & 0xFF00FF) == 0x050014,
          "xAPIC: version register reads 0x00050014 (%x)", mmio_read(REG_VERSION));
    mmio_write(REG_SVR, 0x1FF);
    check(mmio_read(REG_SVR) == 0x1FF, "xAPIC: SVR reads back the enable bit (%x)",
          mmio_read(REG_SVR));
    mmio_write(REG_LVT_TIMER, VEC_XAPIC);
    check(mmio_read(REG_LVT_TIMER) == VEC_XAPIC, "xAPIC: LVT timer reads back (%x)",
          mmio_read(REG_LVT_TIMER));
    mmio_write(REG_TIMER_DIVIDE, divide_config(divide));
    check(mmio_read(REG_TIMER_DIVIDE) == divide_config(divide),
          "xAPIC: divide configuration reads back (%x)", mmio_read(REG_TIMER_DIVIDE));

    reset_hits();
    uint64_t start = rdtsc();
    mmio_write(REG_TIMER_INITIAL, count);
    uint64_t armed = rdtsc();
    uint32_t c1 = mmio_read(REG_TIMER_CURRENT);
    uint64_t r1 = rdtsc();
    delay_us(2000);
    uint64_t r2 = rdtsc();
    uint32_t c2 = mmio_read(REG_TIMER_CURRENT);
    uint64_t r3 = rdtsc();
    check(mmio_read(REG_TIMER_INITIAL) == count, "xAPIC: initial count reads back (%u)",
          mmio_read(REG_TIMER_INITIAL));
    check(c2 < c1 || c1 == 0, "xAPIC: current count decreases (%u -> %u of %u)", c1, c2, count);
    check(count_tracks_time(c1, count, divide, start, armed, armed, r1) &&
          count_tracks_time(c2, count, divide, start, armed, r2, r3),
          "xAPIC: current count follows the elapsed time (%u, %u)", c1, c2);
    check(hits == 0, "xAPIC: no interrupt while interrupts are disabled (%u)", hits);
    bool came = wait_hits(1, WAIT_US);
    check(came, "xAPIC: one-shot timer interrupt arrives");
    if (came)
        check(hit_tsc[0] - start >= ticks,
              "xAPIC: one-shot fired after %lu us, not before the programmed %lu us",
              ticks_to_us(hit_tsc[0] - start), ticks_to_us(ticks));
    check(isr_set_in_handler == 1, "xAPIC: ISR bit of the vector is set in the handler");
    check(!vector_bit(mmio_read64, REG_ISR0, VEC_XAPIC),
          "xAPIC: ISR bit is clear after the MMIO EOI");
    check(mmio_read(REG_TIMER_CURRENT) == 0, "xAPIC: current count reads 0 after expiry (%u)",
          mmio_read(REG_TIMER_CURRENT));
    check(hits_during(30000) == 0, "xAPIC: a one-shot timer fires only once");
    mmio_write(REG_LVT_TIMER, VEC_XAPIC | LVT_MASKED);
}

/* ---- x2APIC ---------------------------------------------------------------- */

static void test_x2apic_mode(void)
{
    x2apic_enable();
    check((rdmsr(0x1B) & 0xC00) == 0xC00, "IA32_APIC_BASE shows x2APIC mode (%lx)",
          rdmsr(0x1B));
    check(x2_read(0x020) == 0, "x2APIC: ID of vCPU 0 reads 0 (%lx)", x2_read(0x020));
    check(x2_read(REG_SVR) == 0x1FF, "x2APIC: SVR reads 0x1FF (%lx)", x2_read(REG_SVR));
}

static void test_x2apic_oneshot(void)
{
    const unsigned divide = 64;
    const uint32_t count = 781250;         /* 50 ms */
    uint64_t ticks = counts_to_ticks(count, divide);

    x2_write(REG_LVT_TIMER, VEC_TIMER);
    x2_write(REG_TIMER_DIVIDE, divide_config(divide));
    reset_hits();
    uint64_t start = rdtsc();
    x2_write(REG_TIMER_INITIAL, count);
    uint64_t armed = rdtsc();
    uint32_t c1 = (uint32_t)x2_read(REG_TIMER_CURRENT);
    uint64_t r1 = rdtsc();
    delay_us(2000);
    uint64_t r2 = rdtsc();
    uint32_t c2 = (uint32_t)x2_read(REG_TIMER_CURRENT);
    uint64_t r3 = rdtsc();
    check(c2 < c1 || c1 == 0, "one-shot: current count decreases (%u -> %u of %u)", c1, c2,
          count);
    check(count_tracks_time(c1, count, divide, start, armed, armed, r1) &&
          count_tracks_time(c2, count, divide, start, armed, r2, r3),
          "one-shot: current count follows the elapsed time (%u, %u)", c1, c2);
    bool came = wait_hits(1, WAIT_US);
    check(came, "one-shot: the timer interrupt arrives (divide %u)", divide);
    if (came)
        check(hit_tsc[0] - start >= ticks,
              "one-shot: fired after %lu us, not before the programmed %lu us",
              ticks_to_us(hit_tsc[0] - start), ticks_to_us(ticks));
    check(x2_read(REG_TIMER_CURRENT) == 0, "one-shot: current count reads 0 after expiry");
    check(hits_during(30000) == 0, "one-shot: fires only once");
}

static void test_eoi(void)
{
    /* With EOI in the handler, a second interrupt of the same vector is taken. */
    x2_write(REG_LVT_TIMER, VEC_TIMER);
    x2_write(REG_TIMER_DIVIDE, divide_config(1));
    reset_hits();
    x2_write(REG_TIMER_INITIAL, 1000000);  /* 1 ms */
    bool first = wait_hits(1, WAIT_US);
    x2_write(REG_TIMER_INITIAL, 1000000);
    bool second = first && wait_hits(2, WAIT_US);
    check(first && second, "EOI: a second interrupt of the same vector is accepted (%u)", hits);
    check(isr_set_in_handler == hits, "EOI: ISR bit was set in the handler each time (%u of %u)",
          isr_set_in_handler, hits);
    check(!vector_bit(x2_read, REG_ISR0, VEC_TIMER), "EOI: ISR is clear after the handlers");

    /* Without EOI the vector stays in service: the next one waits in IRR. */
    guest_set_handler(VEC_NO_EOI, no_eoi_handler);
    x2_write(REG_LVT_TIMER, VEC_NO_EOI);
    reset_hits();
    x2_write(REG_TIMER_INITIAL, 1000000);
    first = wait_hits(1, WAIT_US);
    check(first && vector_bit(x2_read, REG_ISR0, VEC_NO_EOI),
          "no EOI: the interrupt came and its ISR bit stays set");
    check(x2_read(0x0A0) == (VEC_NO_EOI & 0xF0), "no EOI: PPR is the in-service class (%lx)",
          x2_read(0x0A0));
    x2_write(REG_TIMER_INITIAL, 1000000);
    uint32_t during = hits_during(20000);
    check(during == 0 && vector_bit(x2_read, REG_IRR0, VEC_NO_EOI),
          "no EOI: a second timer interrupt stays pending in IRR (%u delivered)", during);
    sti();
    x2apic_eoi();                          /* ends the first; the second is delivered */
    pause();
    pause();
    cli();
    check(hits == 2, "no EOI: the pending interrupt is delivered right after the EOI (%u)", hits);
    x2apic_eoi();
    check(!vector_bit(x2_read, REG_ISR0, VEC_NO_EOI) && !vector_bit(x2_read, REG_IRR0, VEC_NO_EOI),
          "no EOI: ISR and IRR are clear after the second EOI");
    check(x2_read(0x0A0) == 0, "PPR is 0 with nothing in service (%lx)", x2_read(0x0A0));
}

static void test_periodic(void)
{
    const unsigned divide = 2;
    const uint32_t count = 20000000;       /* 40 ms */
    const unsigned want = 6;
    uint64_t period = counts_to_ticks(count, divide);

    x2_write(REG_LVT_TIMER, VEC_TIMER | LVT_PERIODIC);
    check((x2_read(REG_LVT_TIMER) & LVT_MODE_MASK) == LVT_PERIODIC,
          "periodic: LVT timer reads back periodic mode");
    x2_write(REG_TIMER_DIVIDE, divide_config(divide));
    reset_hits();
    uint64_t stolen = 0;
    uint64_t start = rdtsc();
    x2_write(REG_TIMER_INITIAL, count);
    uint64_t armed = rdtsc();
    bool came = wait_hits_running(want, 10 * WAIT_US, period, &stolen);
    uint64_t r0 = rdtsc();
    uint32_t current = (uint32_t)x2_read(REG_TIMER_CURRENT);
    uint64_t r1 = rdtsc();
    uint32_t got = hits;
    check(came, "periodic: %u interrupts arrived (%u)", want, got);
    check(current > 0 && current <= count,
          "periodic: current count reloads and stays armed (%u)", current);
    check(periodic_count_tracks_time(current, count, divide, start, armed, r0, r1),
          "periodic: after %lu us the current count %u matches the time since arming",
          ticks_to_us(r0 - start), current);
    x2_write(REG_TIMER_INITIAL, 0);        /* stops the timer */
    if (!came)
        return;
    /* Periods can merge when the vCPU waits for a CPU, but never come early. */
    unsigned early = 0;
    for (unsigned i = 0; i < want; i++)
        if (hit_tsc[i] - start < (i + 1) * period)
            early++;
    check(early == 0, "periodic: interrupt i came no earlier than i periods (%u early)", early);
    uint64_t span = hit_tsc[want - 1] - start;
    uint64_t average = (span > stolen ? span - stolen : 0) / want;
    check(average < 5 * period,
          "periodic: average period %lu us (not counting preemptions over a period) is below "
          "5 x %lu us (%lu us overall)",
          ticks_to_us(average), ticks_to_us(period), ticks_to_us(span / want));
    uint32_t after = hits_during(40000);
    check(after <= 1, "periodic: a zero initial count stops the timer (%u more)", after);
    check(hits_during(40000) == 0, "periodic: and no interrupt follows");
    check(x2_read(REG_TIMER_CURRENT) == 0, "periodic: current count reads 0 when stopped");
}

static void test_tsc_deadline(void)
{
    x2_write(REG_LVT_TIMER, VEC_TIMER | LVT_TSC_DEADLINE);
    check((x2_read(REG_LVT_TIMER) & LVT_MODE_MASK) == LVT_TSC_DEADLINE,
          "TSC deadline: LVT timer reads back TSC-deadline mode");
    x2_write(REG_TIMER_INITIAL, 1000);
    check(x2_read(REG_TIMER_INITIAL) == 0 && hits_during(10000) == 0,
          "TSC deadline: initial-count writes are ignored in this mode");

    reset_hits();
    uint64_t deadline = rdtsc() + us_to_ticks(50000);
    wrmsr(MSR_TSC_DEADLINE, deadline);
    uint64_t r0 = rdtsc();
    uint64_t value = rdmsr(MSR_TSC_DEADLINE);
    uint64_t r1 = rdtsc();
    /* Exact unless the vCPU was preempted until the deadline. */
    check(r1 < deadline ? value == deadline : r0 >= deadline ? value == 0
                                                              : value == deadline || value == 0,
          "TSC deadline: the MSR reads back while armed (%lx)", value);
    bool came = wait_hits(1, WAIT_US);
    check(came, "TSC deadline: the interrupt arrives");
    if (came)
        check(hit_tsc[0] >= deadline, "TSC deadline: fired %ld us after the deadline, not before",
              hit_tsc[0] >= deadline ? (int64_t)ticks_to_us(hit_tsc[0] - deadline)
                                     : -(int64_t)ticks_to_us(deadline - hit_tsc[0]));
    check(rdmsr(MSR_TSC_DEADLINE) == 0, "TSC deadline: the MSR reads 0 after firing");
    check(hits_during(20000) == 0, "TSC deadline: fires only once");

    /* Only meaningful if 0 was written before the deadline: retry if preempted. */
    unsigned tries = 0, late = 0;
    for (; tries < 5; tries++) {
        reset_hits();
        deadline = rdtsc() + us_to_ticks(10000);
        wrmsr(MSR_TSC_DEADLINE, deadline);
        wrmsr(MSR_TSC_DEADLINE, 0);
        if (rdtsc() < deadline) {
            late = hits_during(40000);
            break;
        }
        hits_during(20000);
    }
    check(tries < 5 && late == 0, "TSC deadline: writing 0 disarms (no interrupt: %u, tries %u)",
          late, tries + 1);

    reset_hits();
    wrmsr(MSR_TSC_DEADLINE, 1);            /* long past */
    check(wait_hits(1, 100000), "TSC deadline: a deadline in the past fires at once");
    x2_write(REG_LVT_TIMER, VEC_TIMER | LVT_MASKED);
}

static void test_masked(void)
{
    x2_write(REG_LVT_TIMER, VEC_TIMER | LVT_MASKED);
    check(x2_read(REG_LVT_TIMER) == (VEC_TIMER | LVT_MASKED), "masked: LVT timer reads back");
    x2_write(REG_TIMER_DIVIDE, divide_config(1));
    reset_hits();
    uint64_t start = rdtsc();
    x2_write(REG_TIMER_INITIAL, 50000000); /* 50 ms */
    uint64_t armed = rdtsc();
    uint32_t c = (uint32_t)x2_read(REG_TIMER_CURRENT);
    check(count_tracks_time(c, 50000000, 1, start, armed, armed, rdtsc()),
          "masked: the timer still counts (%u)", c);
    check(hits_during(100000) == 0, "masked: no interrupt from a masked LVT timer");
    check(x2_read(REG_TIMER_CURRENT) == 0, "masked: current count reaches 0 all the same");
    check(!vector_bit(x2_read, REG_IRR0, VEC_TIMER), "masked: nothing was left in IRR");
    x2_write(REG_LVT_TIMER, VEC_TIMER);
    check(hits_during(20000) == 0, "masked: unmasking after the expiry delivers nothing");
}

void test_main(void)
{
    struct cpuid_result t = cpuid2(0x40000010, 0);
    bus_khz = t.ebx;
    check(t.eax != 0 && t.ebx != 0, "CPUID 0x40000010 gives TSC %u kHz, bus %u kHz", t.eax,
          t.ebx);
    if (!t.eax || !t.ebx)
        return;
    guest_set_handler(VEC_XAPIC, xapic_timer_handler);
    guest_set_handler(VEC_TIMER, x2_timer_handler);
    test_xapic_oneshot();
    test_x2apic_mode();
    test_x2apic_oneshot();
    test_eoi();
    test_periodic();
    test_tsc_deadline();
    test_masked();
    x2_write(REG_LVT_TIMER, VEC_TIMER | LVT_MASKED);
}
