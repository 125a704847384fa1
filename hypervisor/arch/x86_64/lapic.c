/* SPDX-License-Identifier: GPL-2.0-only */
/* The physical local APIC in xAPIC mode. */
#include <arch/cpu.h>
#include <arch/io.h>
#include <arch/lapic.h>
#include <arch/pit.h>
#include <skerry/time.h>

enum {
    LAPIC_ID = 0x20, LAPIC_TPR = 0x80, LAPIC_EOI = 0xB0, LAPIC_SVR = 0xF0,
    LAPIC_ESR = 0x280, LAPIC_ICR_LO = 0x300, LAPIC_ICR_HI = 0x310,
    LAPIC_LVT_TIMER = 0x320, LAPIC_LVT_LINT0 = 0x350, LAPIC_LVT_LINT1 = 0x360,
    LAPIC_LVT_ERROR = 0x370, LAPIC_TIMER_INIT = 0x380, LAPIC_TIMER_CUR = 0x390,
    LAPIC_TIMER_DIV = 0x3E0,
};
#define APIC_BASE_ENABLE   (1ull << 11)
#define SVR_ENABLE         (1u << 8)
#define LVT_MASKED         (1u << 16)
#define ICR_DELIVERY_NMI   (4u << 8)
#define ICR_DELIVERY_INIT  (5u << 8)
#define ICR_DELIVERY_SIPI  (6u << 8)
#define ICR_LEVEL_ASSERT   (1u << 14)
#define ICR_PENDING        (1u << 12)
#define ICR_ALL_BUT_SELF   (3u << 18)
#define TIMER_DIV_1        0x0B

static uint64_t lapic_base = 0xFEE00000;
static uint64_t timer_khz;

static uint32_t lapic_read(uint32_t reg)          { return mmio_read32(lapic_base + reg); }
static void lapic_write(uint32_t reg, uint32_t v) { mmio_write32(lapic_base + reg, v); }

void lapic_init(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);
    lapic_base = base & ~0xFFFull & ((1ull << 52) - 1);
    wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
    lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
    lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VECTOR_TIMER);
    lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_1);
    lapic_write(LAPIC_SVR, SVR_ENABLE | VECTOR_SPURIOUS);
    lapic_write(LAPIC_ESR, 0);
    lapic_eoi();
}

uint32_t lapic_id(void)
{
    return lapic_read(LAPIC_ID) >> 24;
}

void lapic_eoi(void)
{
    lapic_write(LAPIC_EOI, 0);
}

void lapic_calibrate(void)
{
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VECTOR_TIMER);
    lapic_write(LAPIC_TIMER_INIT, 0xFFFFFFFF);
    pit_wait_us(10000);
    uint32_t elapsed = 0xFFFFFFFF - lapic_read(LAPIC_TIMER_CUR);
    lapic_write(LAPIC_TIMER_INIT, 0);
    timer_khz = elapsed / 10;
}

uint64_t lapic_timer_khz(void)
{
    return timer_khz;
}

void lapic_timer_oneshot_ns(uint64_t ns)
{
    if (ns == 0) {
        lapic_write(LAPIC_TIMER_INIT, 0);
        return;
    }
    uint64_t ticks = ns * timer_khz / 1000000;
    if (ticks == 0)
        ticks = 1;
    if (ticks > 0xFFFFFFFF)
        ticks = 0xFFFFFFFF;
    lapic_write(LAPIC_LVT_TIMER, VECTOR_TIMER);      /* one-shot, unmasked */
    lapic_write(LAPIC_TIMER_INIT, (uint32_t)ticks);
}

static void send_icr(uint32_t apic_id, uint32_t low)
{
    uint64_t flags = irq_save();
    lapic_write(LAPIC_ICR_HI, apic_id << 24);
    lapic_write(LAPIC_ICR_LO, low);
    while (lapic_read(LAPIC_ICR_LO) & ICR_PENDING)
        cpu_relax();
    irq_restore(flags);
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
    send_icr(apic_id, vector);
}

void lapic_send_ipi_all_others(uint8_t vector)
{
    send_icr(0, ICR_ALL_BUT_SELF | vector);
}

void lapic_send_nmi_all_others(void)
{
    send_icr(0, ICR_ALL_BUT_SELF | ICR_DELIVERY_NMI);
}

void lapic_send_init(uint32_t apic_id)
{
    send_icr(apic_id, ICR_DELIVERY_INIT | ICR_LEVEL_ASSERT);
}

void lapic_send_startup(uint32_t apic_id, uint8_t page)
{
    send_icr(apic_id, ICR_DELIVERY_SIPI | page);
}
