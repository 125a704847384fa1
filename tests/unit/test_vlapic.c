/* SPDX-License-Identifier: GPL-2.0-only */
/* Host unit tests for the virtual local APIC model (hypervisor/vdev/vlapic.c). */
#include "check.h"

#include <skerry/vlapic.h>

#define TSC_KHZ 2893000u    /* 2.893 GHz: a non-round TSC/bus ratio */
#define BUS_KHZ 1000000u    /* 1 GHz APIC bus */
#define START   1000000u    /* an arbitrary TSC value to start from */

/* Guest TSC of the latest access, so helpers never go back in time. */
static uint64_t test_clock = START;

/* What the callbacks saw. */
struct recorder {
    int ipis;
    struct vlapic_ipi last_ipi;
    int eois;
    uint8_t last_eoi_vector;
    int kicks;
    int local_events;
    enum vlapic_delivery_mode last_local_mode;
    uint8_t last_local_vector;
};

static void rec_send_ipi(void *ctx, const struct vlapic_ipi *ipi)
{
    struct recorder *rec = ctx;
    rec->ipis++;
    rec->last_ipi = *ipi;
}

static void rec_eoi_level(void *ctx, uint8_t vector)
{
    struct recorder *rec = ctx;
    rec->eois++;
    rec->last_eoi_vector = vector;
}

static void rec_kick(void *ctx)
{
    struct recorder *rec = ctx;
    rec->kicks++;
}

static void rec_local_event(void *ctx, enum vlapic_delivery_mode mode, uint8_t vector)
{
    struct recorder *rec = ctx;
    rec->local_events++;
    rec->last_local_mode = mode;
    rec->last_local_vector = vector;
}

static const struct vlapic_ops rec_ops = {
    .send_ipi = rec_send_ipi,
    .eoi_level = rec_eoi_level,
    .kick = rec_kick,
    .local_event = rec_local_event,
};

static void setup(struct vlapic *vl, struct recorder *rec, uint32_t id, bool bsp)
{
    struct vlapic_config cfg = {
        .apic_id = id, .tsc_khz = TSC_KHZ, .bus_khz = BUS_KHZ, .bsp = bsp,
    };
    *rec = (struct recorder){0};
    test_clock = START;
    if (!vlapic_init(vl, &cfg, &rec_ops, rec))
        abort();
}

static uint32_t rd_at(struct vlapic *vl, uint32_t reg, uint64_t now)
{
    test_clock = now;
    return (uint32_t)vlapic_mmio_read(vl, reg, 4, now);
}

static void wr_at(struct vlapic *vl, uint32_t reg, uint32_t value, uint64_t now)
{
    test_clock = now;
    vlapic_mmio_write(vl, reg, 4, value, now);
}

static uint32_t rd(struct vlapic *vl, uint32_t reg)
{
    return rd_at(vl, reg, test_clock);
}

static void wr(struct vlapic *vl, uint32_t reg, uint32_t value)
{
    wr_at(vl, reg, value, test_clock);
}

static void update(struct vlapic *vl, uint64_t now)
{
    test_clock = now;
    vlapic_update(vl, now);
}

static bool irr_has(struct vlapic *vl, uint8_t vector)
{
    return (rd(vl, VLAPIC_REG_IRR0 + 16u * (vector / 32)) >> (vector % 32)) & 1u;
}

static uint32_t read_esr(struct vlapic *vl)
{
    wr(vl, VLAPIC_REG_ESR, 0);
    return rd(vl, VLAPIC_REG_ESR);
}

/* A software-enabled vLAPIC in xAPIC mode. */
static void setup_enabled(struct vlapic *vl, struct recorder *rec, uint32_t id)
{
    setup(vl, rec, id, true);
    wr(vl, VLAPIC_REG_SVR, 0x1FF);
}

static void to_x2apic(struct vlapic *vl)
{
    uint64_t base;
    vlapic_msr_read(vl, VLAPIC_MSR_APIC_BASE, &base, START);
    if (vlapic_msr_write(vl, VLAPIC_MSR_APIC_BASE, base | VLAPIC_BASE_EXTD, START))
        abort();
}

/* ---- tests --------------------------------------------------------------- */

static void test_reset_values(void)
{
    struct vlapic vl;
    struct recorder rec;
    uint64_t base;
    bool all_lvts_masked = true;

    setup(&vl, &rec, 3, true);
    CHECK_EQ(rd(&vl, VLAPIC_REG_ID), 3u << 24, "reset: ID holds the xAPIC id");
    CHECK_EQ(rd(&vl, VLAPIC_REG_VERSION), 0x50014, "reset: version 0x50014");
    CHECK_EQ(rd(&vl, VLAPIC_REG_TPR), 0, "reset: TPR 0");
    CHECK_EQ(rd(&vl, VLAPIC_REG_PPR), 0, "reset: PPR 0");
    CHECK_EQ(rd(&vl, VLAPIC_REG_LDR), 0, "reset: LDR 0");
    CHECK_EQ(rd(&vl, VLAPIC_REG_DFR), 0xFFFFFFFFu, "reset: DFR all ones");
    CHECK_EQ(rd(&vl, VLAPIC_REG_SVR), 0xFF, "reset: SVR 0xFF (software disabled)");
    for (uint32_t reg = VLAPIC_REG_LVT_TIMER; reg <= VLAPIC_REG_LVT_ERROR; reg += 16)
        all_lvts_masked &= rd(&vl, reg) == VLAPIC_LVT_MASKED;
    all_lvts_masked &= rd(&vl, VLAPIC_REG_LVT_CMCI) == VLAPIC_LVT_MASKED;
    CHECK(all_lvts_masked, "reset: every LVT reads 0x10000");
    CHECK_EQ(rd(&vl, VLAPIC_REG_TIMER_INITIAL) | rd(&vl, VLAPIC_REG_TIMER_CURRENT) |
             rd(&vl, VLAPIC_REG_TIMER_DIVIDE) | rd(&vl, VLAPIC_REG_ICR_LOW) |
             rd(&vl, VLAPIC_REG_ISR0) | rd(&vl, VLAPIC_REG_IRR0), 0,
             "reset: timer, ICR, ISR, IRR zero");
    vlapic_msr_read(&vl, VLAPIC_MSR_APIC_BASE, &base, START);
    CHECK_EQ(base, 0xFEE00900u, "reset: BSP APIC_BASE = 0xFEE00900");
    CHECK_EQ(vlapic_timer_next_event(&vl), UINT64_MAX, "reset: no timer event");

    setup(&vl, &rec, 4, false);
    vlapic_msr_read(&vl, VLAPIC_MSR_APIC_BASE, &base, START);
    CHECK_EQ(base, 0xFEE00800u, "reset: AP APIC_BASE = 0xFEE00800");

    struct vlapic_config bad = { .apic_id = 0, .tsc_khz = 0, .bus_khz = BUS_KHZ };
    CHECK(!vlapic_init(&vl, &bad, NULL, NULL), "init: tsc_khz 0 rejected");
}

static void test_mmio_access_rules(void)
{
    struct vlapic vl;
    struct recorder rec;

    setup_enabled(&vl, &rec, 1);
    wr(&vl, VLAPIC_REG_TPR, 0x1234);
    CHECK_EQ(rd(&vl, VLAPIC_REG_TPR), 0x34, "mmio: TPR keeps bits 7:0");
    CHECK_EQ(vlapic_mmio_read(&vl, VLAPIC_REG_VERSION + 2, 1, START), 0x05,
             "mmio: byte read of version byte 2");
    CHECK_EQ(vlapic_mmio_read(&vl, VLAPIC_REG_VERSION + 4, 4, START), 0,
             "mmio: bytes 4-15 of a slot read 0");
    vlapic_mmio_write(&vl, VLAPIC_REG_TPR, 2, 0x77, START);
    vlapic_mmio_write(&vl, VLAPIC_REG_TPR + 4, 4, 0x77, START);
    CHECK_EQ(rd(&vl, VLAPIC_REG_TPR), 0x34, "mmio: narrow/unaligned writes ignored");
    wr(&vl, VLAPIC_REG_VERSION, 0);
    CHECK_EQ(rd(&vl, VLAPIC_REG_VERSION), 0x50014, "mmio: version is read-only");
    wr(&vl, VLAPIC_REG_ID, 0x07000000);
    CHECK_EQ(rd(&vl, VLAPIC_REG_ID), 0x07000000, "mmio: xAPIC ID is writable");
    CHECK_EQ(vlapic_id(&vl), 7, "mmio: routing follows the written ID");
    wr(&vl, VLAPIC_REG_LDR, 0x12345678);
    CHECK_EQ(rd(&vl, VLAPIC_REG_LDR), 0x12000000, "mmio: LDR keeps bits 31:24");
    wr(&vl, VLAPIC_REG_DFR, 0);
    CHECK_EQ(rd(&vl, VLAPIC_REG_DFR), 0x0FFFFFFF, "mmio: DFR model bits only");
    CHECK_EQ(read_esr(&vl), 0, "mmio: ESR clean so far");
    rd(&vl, 0x040);
    CHECK_EQ(read_esr(&vl), VLAPIC_ESR_ILLEGAL_REGISTER,
             "mmio: reserved slot sets ESR illegal register");
    CHECK_EQ(read_esr(&vl), 0, "mmio: back-to-back ESR writes clear it");
    CHECK_EQ(rd(&vl, VLAPIC_REG_SELF_IPI), 0, "mmio: SELF_IPI absent in xAPIC");
}

static void test_msr_access_rules(void)
{
    struct vlapic vl;
    struct recorder rec;
    uint64_t value;

    setup_enabled(&vl, &rec, 0x23);
    CHECK_EQ(vlapic_msr_read(&vl, 0x808, &value, START), VLAPIC_GP,
             "msr: x2APIC MSR in xAPIC mode -> #GP");
    wr(&vl, VLAPIC_REG_TPR, 0x20);
    to_x2apic(&vl);
    CHECK(vlapic_x2apic_mode(&vl), "msr: x2APIC mode entered");
    CHECK_EQ(vlapic_msr_read(&vl, 0x808, &value, START), VLAPIC_OK, "msr: TPR readable");
    CHECK_EQ(value, 0x20, "msr: TPR kept across xAPIC -> x2APIC");
    vlapic_msr_read(&vl, 0x802, &value, START);
    CHECK_EQ(value, 0x23, "msr: x2APIC ID is the 32-bit id");
    vlapic_msr_read(&vl, 0x80D, &value, START);
    CHECK_EQ(value, 0x00020008, "msr: x2APIC LDR derived from the id");
    CHECK_EQ(vlapic_msr_write(&vl, 0x80D, 0, START), VLAPIC_GP, "msr: LDR read-only");
    CHECK_EQ(vlapic_msr_write(&vl, 0x802, 0, START), VLAPIC_GP, "msr: ID read-only");
    CHECK_EQ(vlapic_msr_read(&vl, 0x80E, &value, START), VLAPIC_GP, "msr: no DFR");
    CHECK_EQ(vlapic_msr_read(&vl, 0x831, &value, START), VLAPIC_GP, "msr: no ICR2");
    CHECK_EQ(vlapic_msr_read(&vl, 0x80B, &value, START), VLAPIC_GP, "msr: EOI write-only");
    CHECK_EQ(vlapic_msr_write(&vl, 0x80B, 1, START), VLAPIC_GP, "msr: non-zero EOI");
    CHECK_EQ(vlapic_msr_write(&vl, 0x828, 1, START), VLAPIC_GP, "msr: non-zero ESR");
    CHECK_EQ(vlapic_msr_write(&vl, 0x808, 1ull << 32, START), VLAPIC_GP,
             "msr: bits 63:32 reserved");
    CHECK_EQ(vlapic_msr_write(&vl, 0x803, 0, START), VLAPIC_GP, "msr: version read-only");
    CHECK_EQ(vlapic_msr_read(&vl, 0x83F, &value, START), VLAPIC_GP, "msr: SELF_IPI write-only");
    CHECK_EQ(vlapic_msr_read(&vl, 0x8FF, &value, START), VLAPIC_GP, "msr: reserved MSR");
    CHECK_EQ(vlapic_mmio_read(&vl, VLAPIC_REG_TPR, 4, START), 0, "msr: MMIO off in x2APIC");
    CHECK(vlapic_handles_msr(0x6E0) && vlapic_handles_msr(0x1B) &&
          vlapic_handles_msr(0x8FF) && !vlapic_handles_msr(0x900),
          "msr: handles_msr covers 0x1B, 0x6E0, 0x800-0x8FF");
}

static void test_apic_base_transitions(void)
{
    struct vlapic vl;
    struct recorder rec;
    uint64_t xapic = 0xFEE00000u | VLAPIC_BASE_EN | VLAPIC_BASE_BSP;
    uint64_t x2apic = xapic | VLAPIC_BASE_EXTD;
    uint64_t disabled = 0xFEE00000u | VLAPIC_BASE_BSP;
    uint64_t value;

    setup_enabled(&vl, &rec, 5);
    CHECK_EQ(vlapic_msr_write(&vl, 0x1B, xapic | (1u << 9), START), VLAPIC_GP,
             "apic_base: reserved bit 9 -> #GP");
    CHECK_EQ(vlapic_msr_write(&vl, 0x1B, xapic | (1ull << 63), START), VLAPIC_GP,
             "apic_base: bit 63 -> #GP");
    CHECK_EQ(vlapic_msr_write(&vl, 0x1B, 0xFEE00000u | VLAPIC_BASE_EXTD, START),
             VLAPIC_GP, "apic_base: EN=0 EXTD=1 invalid -> #GP");
    CHECK_EQ(vlapic_msr_write(&vl, 0x1B, x2apic, START), VLAPIC_OK,
             "apic_base: xAPIC -> x2APIC ok");
    CHECK_EQ(vlapic_msr_write(&vl, 0x1B, xapic, START), VLAPIC_GP,
             "apic_base: x2APIC -> xAPIC without disable -> #GP");
    CHECK(vlapic_x2apic_mode(&vl), "apic_base: still x2APIC after rejected write");
    CHECK_EQ(vlapic_msr_write(&vl, 0x1B, disabled, START), VLAPIC_OK,
             "apic_base: x2APIC -> disabled ok");
    CHECK(!vlapic_enabled(&vl) && !vlapic_set_irq(&vl, 0x40, false),
          "apic_base: disabled APIC accepts nothing");
    CHECK_EQ(vlapic_msr_write(&vl, 0x1B, x2apic, START), VLAPIC_GP,
             "apic_base: disabled -> x2APIC -> #GP");
    CHECK_EQ(vlapic_msr_write(&vl, 0x1B, xapic & ~VLAPIC_BASE_BSP, START), VLAPIC_OK,
             "apic_base: disabled -> xAPIC ok");
    vlapic_msr_read(&vl, 0x1B, &value, START);
    CHECK_EQ(value, xapic, "apic_base: BSP bit is read-only");
    CHECK_EQ(rd(&vl, VLAPIC_REG_SVR), 0xFF, "apic_base: re-enabled APIC is in reset state");
    CHECK_EQ(vlapic_msr_write(&vl, 0x1B, 0xFED00000u | VLAPIC_BASE_EN, START), VLAPIC_OK,
             "apic_base: relocation accepted");
    CHECK_EQ(vlapic_mmio_base(&vl), 0xFED00000u, "apic_base: new MMIO base reported");
}

static void test_priorities(void)
{
    struct vlapic vl;
    struct recorder rec;

    setup_enabled(&vl, &rec, 0);
    CHECK(vlapic_set_irq(&vl, 0x45, false), "prio: 0x45 accepted");
    CHECK(rec.kicks == 1, "prio: accepting a deliverable vector kicks");
    wr(&vl, VLAPIC_REG_TPR, 0x50);
    CHECK_EQ(vlapic_highest_deliverable(&vl), (uint64_t)-1, "prio: TPR 0x50 masks 0x45");
    wr(&vl, VLAPIC_REG_TPR, 0x40);
    CHECK_EQ(vlapic_highest_deliverable(&vl), (uint64_t)-1,
             "prio: same priority class as TPR is masked");
    CHECK(vlapic_set_cr8(&vl, 3), "prio: CR8 write");
    CHECK_EQ(rd(&vl, VLAPIC_REG_TPR), 0x30, "prio: CR8 3 -> TPR 0x30");
    CHECK_EQ(vlapic_get_cr8(&vl), 3, "prio: TPR -> CR8");
    CHECK(!vlapic_set_cr8(&vl, 16), "prio: CR8 > 15 rejected");
    CHECK_EQ(vlapic_highest_deliverable(&vl), 0x45, "prio: 0x45 deliverable at TPR 0x30");

    vlapic_set_cr8(&vl, 0);
    vlapic_ack(&vl, 0x45);
    CHECK_EQ(rd(&vl, VLAPIC_REG_PPR), 0x40, "prio: PPR = ISR class while in service");
    vlapic_set_irq(&vl, 0x41, false);
    vlapic_set_irq(&vl, 0x62, false);
    CHECK_EQ(vlapic_highest_deliverable(&vl), 0x62, "prio: higher class nests");
    vlapic_ack(&vl, 0x62);
    CHECK_EQ(vlapic_highest_deliverable(&vl), (uint64_t)-1, "prio: 0x41 waits below 0x62");
    wr(&vl, VLAPIC_REG_EOI, 0);
    CHECK(!(rd(&vl, VLAPIC_REG_ISR0 + 0x30) & (1u << 2)) &&
          (rd(&vl, VLAPIC_REG_ISR0 + 0x20) & (1u << 5)),
          "prio: EOI retires the highest ISR (0x62), 0x45 stays");
    CHECK_EQ(vlapic_highest_deliverable(&vl), (uint64_t)-1, "prio: 0x41 same class as 0x45");
    wr(&vl, VLAPIC_REG_EOI, 0);
    CHECK_EQ(vlapic_highest_deliverable(&vl), 0x41, "prio: 0x41 after both EOIs");
    CHECK(!vlapic_ack(&vl, 0x99), "prio: ack of a non-pending vector refused");
    CHECK_EQ(rec.eois, 0, "prio: edge EOIs do not call eoi_level");
}

static void test_level_eoi_and_errors(void)
{
    struct vlapic vl;
    struct recorder rec;

    setup_enabled(&vl, &rec, 0);
    vlapic_set_irq(&vl, 0x71, true);
    CHECK(rd(&vl, VLAPIC_REG_TMR0 + 0x30) & (1u << 17), "level: TMR set for level vector");
    vlapic_ack(&vl, 0x71);
    wr(&vl, VLAPIC_REG_EOI, 0);
    CHECK(rec.eois == 1 && rec.last_eoi_vector == 0x71, "level: EOI calls eoi_level(0x71)");
    vlapic_set_irq(&vl, 0x71, false);
    CHECK(!(rd(&vl, VLAPIC_REG_TMR0 + 0x30) & (1u << 17)), "level: edge clears TMR");

    CHECK(!vlapic_set_irq(&vl, 5, false), "error: vector 5 refused");
    CHECK_EQ(read_esr(&vl), VLAPIC_ESR_RECV_ILLEGAL_VECTOR, "error: ESR receive illegal vector");
    wr(&vl, VLAPIC_REG_LVT_ERROR, 0xEE);
    vlapic_set_irq(&vl, 3, false);
    CHECK(irr_has(&vl, 0xEE), "error: LVT error interrupt raised");

    wr(&vl, VLAPIC_REG_SVR, 0xFF);
    CHECK(!vlapic_set_irq(&vl, 0x50, false), "disabled: software-disabled refuses fixed");
    CHECK(rd(&vl, VLAPIC_REG_LVT_ERROR) & VLAPIC_LVT_MASKED, "disabled: LVTs get masked");
    wr(&vl, VLAPIC_REG_LVT_LINT0, 0x700);
    CHECK(rd(&vl, VLAPIC_REG_LVT_LINT0) & VLAPIC_LVT_MASKED, "disabled: mask cannot be cleared");
}

static void test_lvt_delivery(void)
{
    struct vlapic vl;
    struct recorder rec;

    setup_enabled(&vl, &rec, 0);
    wr(&vl, VLAPIC_REG_LVT_LINT1, 0x400);    /* NMI */
    CHECK(vlapic_deliver_lvt(&vl, VLAPIC_LVT_LINT1) && rec.local_events == 1 &&
          rec.last_local_mode == VLAPIC_DM_NMI, "lvt: LINT1 NMI reported as local event");
    wr(&vl, VLAPIC_REG_LVT_LINT0, 0x700 | VLAPIC_LVT_MASKED);
    CHECK(!vlapic_deliver_lvt(&vl, VLAPIC_LVT_LINT0), "lvt: masked LINT0 does nothing");
    wr(&vl, VLAPIC_REG_LVT_PERF, 0x93);
    CHECK(vlapic_deliver_lvt(&vl, VLAPIC_LVT_PERF) && irr_has(&vl, 0x93),
          "lvt: fixed perf LVT sets IRR");
}

/* ---- timer --------------------------------------------------------------- */

static uint32_t divide_config_for(uint32_t divisor)
{
    switch (divisor) {
    case 1:   return 0xB;
    case 2:   return 0x0;
    case 16:  return 0x3;
    case 128: return 0xA;
    default:  abort();
    }
}

/* Start a one-shot countdown at START; return the first TSC where it fired. */
static void check_oneshot(uint32_t count, uint32_t divisor, uint64_t expected_ticks)
{
    struct vlapic vl;
    struct recorder rec;

    setup_enabled(&vl, &rec, 0);
    wr(&vl, VLAPIC_REG_LVT_TIMER, 0xEC);
    wr(&vl, VLAPIC_REG_TIMER_DIVIDE, divide_config_for(divisor));
    wr(&vl, VLAPIC_REG_TIMER_INITIAL, count);
    CHECK_EQ(vlapic_timer_next_event(&vl), START + expected_ticks,
             "timer: count %#x / %u fires after %llu ticks", count, divisor,
             (unsigned long long)expected_ticks);
    update(&vl, START + expected_ticks - 1);
    CHECK(!irr_has(&vl, 0xEC) && rd_at(&vl, VLAPIC_REG_TIMER_CURRENT,
                                       START + expected_ticks - 1) == 1,
          "timer: count %#x / %u: one count left a tick early", count, divisor);
    update(&vl, START + expected_ticks);
    CHECK(irr_has(&vl, 0xEC) && rd_at(&vl, VLAPIC_REG_TIMER_CURRENT,
                                      START + expected_ticks) == 0,
          "timer: count %#x / %u: fired, current count 0", count, divisor);
}

static void test_timer_oneshot(void)
{
    struct vlapic vl;
    struct recorder rec;

    /* Expected values: ceil(count * divisor * 2893000 / 1000000). */
    check_oneshot(1000, 1, 2893);
    check_oneshot(7, 2, 41);
    check_oneshot(12345, 16, 571426);
    check_oneshot(0xFFFFFFFFu, 128, 1590443569208ull);

    setup_enabled(&vl, &rec, 0);
    wr(&vl, VLAPIC_REG_LVT_TIMER, 0xEC);
    wr(&vl, VLAPIC_REG_TIMER_DIVIDE, divide_config_for(16));
    wr(&vl, VLAPIC_REG_TIMER_INITIAL, 12345);
    CHECK_EQ(rd(&vl, VLAPIC_REG_TIMER_CURRENT), 12345, "timer: current = initial at start");
    CHECK_EQ(rd_at(&vl, VLAPIC_REG_TIMER_CURRENT, START + 123456), 9678,
             "timer: current count decreases with time (exact)");

    setup_enabled(&vl, &rec, 0);
    wr(&vl, VLAPIC_REG_LVT_TIMER, 0xEC);
    wr(&vl, VLAPIC_REG_TIMER_DIVIDE, divide_config_for(128));
    wr(&vl, VLAPIC_REG_TIMER_INITIAL, 0xFFFFFFFFu);
    CHECK_EQ(rd_at(&vl, VLAPIC_REG_TIMER_CURRENT, START + 1000000000000ull), 1594483369,
             "timer: 0xFFFFFFFF / 128 current count after 10^12 ticks");
    wr_at(&vl, VLAPIC_REG_TIMER_INITIAL, 0, START + 1000000000000ull);
    CHECK_EQ(vlapic_timer_next_event(&vl), UINT64_MAX, "timer: initial count 0 stops it");
    CHECK_EQ(rd_at(&vl, VLAPIC_REG_TIMER_CURRENT, START + 1000000000000ull), 0,
             "timer: stopped timer reads 0");

    /* A new divisor applies to the counts left: 655 counts at /2 from 1000. */
    setup_enabled(&vl, &rec, 0);
    wr(&vl, VLAPIC_REG_LVT_TIMER, 0xEC);
    wr(&vl, VLAPIC_REG_TIMER_DIVIDE, divide_config_for(1));
    wr(&vl, VLAPIC_REG_TIMER_INITIAL, 1000);
    wr_at(&vl, VLAPIC_REG_TIMER_DIVIDE, divide_config_for(2), START + 1000);
    CHECK_EQ(rd_at(&vl, VLAPIC_REG_TIMER_CURRENT, START + 1000), 655,
             "timer: divide change keeps the current count");
    CHECK_EQ(vlapic_timer_next_event(&vl), START + 1000 + 3790,
             "timer: divide change rescales the rest");

    setup_enabled(&vl, &rec, 0);
    wr(&vl, VLAPIC_REG_LVT_TIMER, 0xEC | VLAPIC_LVT_MASKED);
    wr(&vl, VLAPIC_REG_TIMER_INITIAL, 10);
    CHECK_EQ(vlapic_timer_next_event(&vl), UINT64_MAX, "timer: masked timer needs no event");
    update(&vl, START + 1000000);
    CHECK(!irr_has(&vl, 0xEC), "timer: masked timer does not set IRR");
    CHECK_EQ(rd_at(&vl, VLAPIC_REG_TIMER_CURRENT, START + 1000000), 0,
             "timer: masked one-shot still ran out");
}

static void test_timer_periodic(void)
{
    struct vlapic vl;
    struct recorder rec;
    int bad_deadlines = 0, missing_irqs = 0;

    setup_enabled(&vl, &rec, 0);
    wr(&vl, VLAPIC_REG_LVT_TIMER, 0xD0 | VLAPIC_LVT_TIMER_PERIODIC);
    wr(&vl, VLAPIC_REG_TIMER_DIVIDE, divide_config_for(1));
    wr(&vl, VLAPIC_REG_TIMER_INITIAL, 100);    /* 289.3 ticks per period */
    for (uint64_t k = 1; k <= 1000; k++) {
        uint64_t expected = START + (k * 2893 + 9) / 10;    /* ceil(k * 289.3) */
        uint64_t deadline = vlapic_timer_next_event(&vl);

        bad_deadlines += deadline != expected;
        update(&vl, deadline);
        missing_irqs += vlapic_highest_deliverable(&vl) != 0xD0;
        vlapic_ack(&vl, 0xD0);
        wr(&vl, VLAPIC_REG_EOI, 0);
    }
    CHECK_EQ(bad_deadlines, 0, "periodic: 1000 periods on the exact grid (no drift)");
    CHECK_EQ(missing_irqs, 0, "periodic: every period raised the vector");
    CHECK_EQ(vlapic_timer_next_event(&vl), START + 289300 + 290,
             "periodic: period 1001 starts from the exact previous expiry");
    CHECK_EQ(rd_at(&vl, VLAPIC_REG_TIMER_CURRENT, START + 289300), 100,
             "periodic: reloaded to the initial count");

    /* Late by 3.5 periods: one interrupt, next expiry back on the grid. */
    update(&vl, START + 289300 + 1013);
    CHECK(irr_has(&vl, 0xD0), "periodic: late update raises the vector once");
    CHECK_EQ(vlapic_timer_next_event(&vl), START + 289300 + 1158,
             "periodic: missed periods skipped, grid kept");

    /* Changing the timer mode disarms (SDM 10.5.4.1). */
    wr_at(&vl, VLAPIC_REG_LVT_TIMER, 0xD0, START + 290400);
    CHECK_EQ(vlapic_timer_next_event(&vl), UINT64_MAX, "periodic: mode change disarms");
    CHECK_EQ(rd(&vl, VLAPIC_REG_TIMER_INITIAL), 0, "periodic: mode change clears initial count");
}

static void test_timer_tsc_deadline(void)
{
    struct vlapic vl;
    struct recorder rec;
    uint64_t value;

    setup_enabled(&vl, &rec, 0);
    vlapic_msr_write(&vl, 0x6E0, START + 5000, START);
    vlapic_msr_read(&vl, 0x6E0, &value, START);
    CHECK(value == 0 && vlapic_timer_next_event(&vl) == UINT64_MAX,
          "deadline: MSR ignored outside TSC-deadline mode");

    wr(&vl, VLAPIC_REG_LVT_TIMER, 0xE1 | VLAPIC_LVT_TIMER_TSC_DEADLINE);
    wr(&vl, VLAPIC_REG_TIMER_INITIAL, 1000);
    CHECK(rd(&vl, VLAPIC_REG_TIMER_INITIAL) == 0 && vlapic_timer_next_event(&vl) == UINT64_MAX,
          "deadline: initial count writes ignored");
    vlapic_msr_write(&vl, 0x6E0, START + 5000, START);
    CHECK_EQ(vlapic_timer_next_event(&vl), START + 5000, "deadline: armed at the MSR value");
    update(&vl, START + 4999);
    CHECK(!irr_has(&vl, 0xE1), "deadline: not before the deadline");
    update(&vl, START + 5000);
    CHECK(irr_has(&vl, 0xE1), "deadline: fires at the deadline");
    vlapic_msr_read(&vl, 0x6E0, &value, START + 5000);
    CHECK_EQ(value, 0, "deadline: firing clears the MSR");
    CHECK_EQ(vlapic_timer_next_event(&vl), UINT64_MAX, "deadline: disarmed after firing");

    vlapic_msr_write(&vl, 0x6E0, START + 9000, START + 5000);
    vlapic_msr_write(&vl, 0x6E0, 0, START + 5000);
    CHECK_EQ(vlapic_timer_next_event(&vl), UINT64_MAX, "deadline: writing 0 disarms");

    vlapic_ack(&vl, 0xE1);
    wr_at(&vl, VLAPIC_REG_EOI, 0, START + 6000);
    vlapic_msr_write(&vl, 0x6E0, START + 100, START + 6000);
    CHECK(irr_has(&vl, 0xE1), "deadline: a deadline in the past fires at once");
}

/* ---- IPIs and destinations ----------------------------------------------- */

static void test_icr_xapic(void)
{
    struct vlapic vl;
    struct recorder rec;

    setup_enabled(&vl, &rec, 2);
    wr(&vl, VLAPIC_REG_ICR_HIGH, 0x03000000);
    wr(&vl, VLAPIC_REG_ICR_LOW, 0x000040F1);
    CHECK(rec.ipis == 1 && rec.last_ipi.dest == 3 && rec.last_ipi.vector == 0xF1 &&
          rec.last_ipi.delivery_mode == VLAPIC_DM_FIXED && !rec.last_ipi.dest_logical &&
          rec.last_ipi.shorthand == VLAPIC_SH_NONE && !rec.last_ipi.x2apic_format &&
          rec.last_ipi.source_id == 2, "icr: xAPIC fixed physical IPI decoded");
    CHECK_EQ(rd(&vl, VLAPIC_REG_ICR_LOW) & (1u << 12), 0, "icr: delivery status idle");
    CHECK_EQ(rd(&vl, VLAPIC_REG_ICR_HIGH), 0x03000000, "icr: ICR_HI readback");

    wr(&vl, VLAPIC_REG_ICR_LOW, 0x000C4800 | 0x33);
    CHECK(rec.last_ipi.shorthand == VLAPIC_SH_ALL_EXCL_SELF && rec.last_ipi.dest_logical,
          "icr: all-excluding-self shorthand, logical");
    wr(&vl, VLAPIC_REG_ICR_LOW, 0x0000C500);
    CHECK(rec.last_ipi.delivery_mode == VLAPIC_DM_INIT && rec.last_ipi.level_triggered,
          "icr: INIT assert");
    int before = rec.ipis;
    wr(&vl, VLAPIC_REG_ICR_LOW, 0x00008500);
    CHECK_EQ(rec.ipis, before, "icr: INIT level de-assert dropped");
    wr(&vl, VLAPIC_REG_ICR_LOW, 0x00004608);
    CHECK(rec.last_ipi.delivery_mode == VLAPIC_DM_SIPI && rec.last_ipi.vector == 8,
          "icr: SIPI with start page 8");
    wr(&vl, VLAPIC_REG_ICR_LOW, 0x00044400);
    CHECK(rec.last_ipi.delivery_mode == VLAPIC_DM_NMI &&
          rec.last_ipi.shorthand == VLAPIC_SH_SELF, "icr: NMI to self");
    before = rec.ipis;
    wr(&vl, VLAPIC_REG_ICR_LOW, 0x00004003);
    CHECK(rec.ipis == before && read_esr(&vl) == VLAPIC_ESR_SEND_ILLEGAL_VECTOR,
          "icr: fixed vector 3 not sent, ESR send illegal vector");
}

static void test_icr_x2apic(void)
{
    struct vlapic vl;
    struct recorder rec;
    uint64_t value;

    setup_enabled(&vl, &rec, 0x40);
    to_x2apic(&vl);
    CHECK_EQ(vlapic_msr_write(&vl, 0x830, 0x1234567800004842ull, START), VLAPIC_OK,
             "x2icr: 64-bit write accepted");
    CHECK(rec.ipis == 1 && rec.last_ipi.dest == 0x12345678 && rec.last_ipi.dest_logical &&
          rec.last_ipi.vector == 0x42 && rec.last_ipi.x2apic_format &&
          rec.last_ipi.source_id == 0x40, "x2icr: 32-bit destination decoded");
    vlapic_msr_read(&vl, 0x830, &value, START);
    CHECK_EQ(value, 0x1234567800004842ull, "x2icr: 64-bit readback");
    CHECK_EQ(vlapic_msr_write(&vl, 0x83F, 0x55, START), VLAPIC_OK, "x2icr: SELF_IPI write");
    vlapic_msr_read(&vl, 0x820 + 0x55 / 32, &value, START);
    CHECK(rec.ipis == 1 && value == 1u << (0x55 % 32),
          "x2icr: SELF_IPI sets IRR locally without send_ipi");
}

static void test_destinations(void)
{
    struct vlapic a, b;
    struct recorder rec_a, rec_b;

    setup_enabled(&a, &rec_a, 2);
    CHECK(vlapic_match_destination(&a, 2, false, false), "dest: physical id match");
    CHECK(!vlapic_match_destination(&a, 3, false, false), "dest: physical id mismatch");
    CHECK(vlapic_match_destination(&a, 0xFF, false, false), "dest: xAPIC broadcast");

    wr(&a, VLAPIC_REG_LDR, 0x04000000);
    CHECK(vlapic_match_destination(&a, 0x06, true, false) &&
          !vlapic_match_destination(&a, 0x0B, true, false), "dest: logical flat bitmap");
    wr(&a, VLAPIC_REG_DFR, 0x0FFFFFFF);
    wr(&a, VLAPIC_REG_LDR, 0x21000000);
    CHECK(vlapic_match_destination(&a, 0x23, true, false) &&
          !vlapic_match_destination(&a, 0x12, true, false) &&
          !vlapic_match_destination(&a, 0x31, true, false), "dest: logical cluster");

    setup_enabled(&b, &rec_b, 0x23);
    to_x2apic(&b);
    CHECK(vlapic_match_destination(&b, 0x0002000C, true, true) &&
          !vlapic_match_destination(&b, 0x00010008, true, true) &&
          !vlapic_match_destination(&b, 0x00020001, true, true), "dest: x2APIC cluster");
    CHECK(vlapic_match_destination(&b, 0xFFFFFFFFu, false, true) &&
          vlapic_match_destination(&b, 0x23, false, true) &&
          vlapic_match_destination(&b, 0xFF, false, false), "dest: x2APIC physical + broadcasts");

    struct vlapic_ipi ipi = { .shorthand = VLAPIC_SH_ALL_EXCL_SELF };
    CHECK(vlapic_ipi_targets(&a, &ipi, false) && !vlapic_ipi_targets(&a, &ipi, true),
          "dest: all-excluding-self shorthand");
    ipi.shorthand = VLAPIC_SH_SELF;
    CHECK(vlapic_ipi_targets(&a, &ipi, true) && !vlapic_ipi_targets(&b, &ipi, false),
          "dest: self shorthand");
}

static void test_init_signal(void)
{
    struct vlapic vl;
    struct recorder rec;
    uint64_t base;

    setup_enabled(&vl, &rec, 9);
    to_x2apic(&vl);
    vlapic_set_irq(&vl, 0x80, false);
    vlapic_init_signal(&vl);
    vlapic_msr_read(&vl, 0x1B, &base, START);
    CHECK(vlapic_x2apic_mode(&vl) && vlapic_id(&vl) == 9 && !vlapic_sw_enabled(&vl) &&
          vlapic_highest_deliverable(&vl) < 0, "INIT: mode and id kept, registers reset");
}

static void test_more_timer_paths(void)
{
    struct vlapic vl;
    struct recorder rec;
    uint64_t value;

    /* x2APIC timer registers through MSRs. */
    setup_enabled(&vl, &rec, 1);
    to_x2apic(&vl);
    vlapic_msr_write(&vl, 0x832, 0xEC, START);
    vlapic_msr_write(&vl, 0x83E, divide_config_for(1), START);
    CHECK_EQ(vlapic_msr_write(&vl, 0x838, 1000, START), VLAPIC_OK, "x2timer: initial count MSR");
    vlapic_msr_read(&vl, 0x839, &value, START + 1000);
    CHECK_EQ(value, 655, "x2timer: current count MSR");
    CHECK_EQ(vlapic_msr_write(&vl, 0x839, 5, START + 1000), VLAPIC_GP,
             "x2timer: current count is read-only");

    /* Far behind a periodic timer: restart one period after now. */
    setup_enabled(&vl, &rec, 0);
    wr(&vl, VLAPIC_REG_LVT_TIMER, 0xD0 | VLAPIC_LVT_TIMER_PERIODIC);
    wr(&vl, VLAPIC_REG_TIMER_DIVIDE, divide_config_for(1));
    wr(&vl, VLAPIC_REG_TIMER_INITIAL, 1000);    /* 2893 ticks */
    update(&vl, START + 1000000);
    CHECK(irr_has(&vl, 0xD0) && vlapic_timer_next_event(&vl) == START + 1000000 + 2893,
          "periodic: after > 64 missed periods the schedule restarts from now");

    /* Reserved timer mode 3 is treated as TSC-deadline. */
    wr(&vl, VLAPIC_REG_LVT_TIMER, 0xD0 | (3u << 17));
    CHECK_EQ(rd(&vl, VLAPIC_REG_LVT_TIMER), 0xD0 | VLAPIC_LVT_TIMER_TSC_DEADLINE,
             "timer: reserved mode 3 stored as TSC-deadline");

    /* The timer keeps counting while software-disabled, but stays silent. */
    setup_enabled(&vl, &rec, 0);
    wr(&vl, VLAPIC_REG_LVT_TIMER, 0xEC);
    wr(&vl, VLAPIC_REG_TIMER_DIVIDE, divide_config_for(1));
    wr(&vl, VLAPIC_REG_TIMER_INITIAL, 1000);
    wr(&vl, VLAPIC_REG_SVR, 0xFF);
    CHECK_EQ(rd_at(&vl, VLAPIC_REG_TIMER_CURRENT, START + 1000), 655,
             "timer: counts while software-disabled");
    update(&vl, START + 3000);
    CHECK(vlapic_highest_deliverable(&vl) < 0, "timer: silent while software-disabled");
}

static void test_more_state_rules(void)
{
    struct vlapic vl;
    struct recorder rec;

    struct vlapic_config bad_id = { .apic_id = 0xFFFFFFFFu, .tsc_khz = TSC_KHZ,
                                    .bus_khz = BUS_KHZ };
    CHECK(!vlapic_init(&vl, &bad_id, NULL, NULL), "init: broadcast id rejected");

    setup_enabled(&vl, &rec, 0);
    vlapic_set_irq(&vl, 0x31, false);
    vlapic_ack(&vl, 0x31);
    vlapic_set_irq(&vl, 0x32, false);
    int kicks = rec.kicks;
    wr(&vl, VLAPIC_REG_EOI, 0);
    CHECK_EQ(rec.kicks, kicks + 1, "kick: EOI that unblocks a vector kicks");
    wr(&vl, VLAPIC_REG_SVR, 0xFF);
    CHECK_EQ(vlapic_highest_deliverable(&vl), 0x32,
             "disabled: IRR held across software disable stays deliverable");

    uint64_t disabled = 0xFEE00000u;
    vlapic_msr_write(&vl, 0x1B, disabled, START);
    CHECK_EQ(vlapic_mmio_read(&vl, VLAPIC_REG_VERSION, 4, START), 0,
             "disabled: MMIO reads 0 when globally disabled");
    CHECK_EQ(vlapic_highest_deliverable(&vl), (uint64_t)-1,
             "disabled: nothing deliverable when globally disabled");
}

int main(void)
{
    test_reset_values();
    test_mmio_access_rules();
    test_msr_access_rules();
    test_apic_base_transitions();
    test_priorities();
    test_level_eoi_and_errors();
    test_lvt_delivery();
    test_timer_oneshot();
    test_timer_periodic();
    test_timer_tsc_deadline();
    test_icr_xapic();
    test_icr_x2apic();
    test_destinations();
    test_init_signal();
    test_more_timer_paths();
    test_more_state_rules();
    CHECK_DONE();
}
