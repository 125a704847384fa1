/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inter-processor interrupts between the two vCPUs of a domain (run with
 * vcpus=2): an xAPIC ICR write through MMIO, then in x2APIC mode fixed
 * IPIs by physical destination (ping-pong round trips), the self-IPI MSR
 * and the destination shorthands.  Every handler notes which vCPU took
 * which vector, so that a misrouted IPI shows up as well as a lost one.
 */
#include "guest.h"

const char test_name[] = "ipi";

#define XAPIC_BASE       0xFEE00000ul
#define REG_ID           0x020u
#define REG_EOI          0x0B0u
#define REG_SVR          0x0F0u
#define REG_IRR0         0x200u
#define REG_ICR_LOW      0x300u
#define REG_ICR_HIGH     0x310u
#define MSR_APIC_BASE    0x1Bu
#define MSR_ICR          X2APIC_MSR(0x300)
#define MSR_SELF_IPI     X2APIC_MSR(0x3F0)
#define APIC_BASE_EXTD   (1u << 10)

#define ICR_DELIVERY_STATUS (1u << 12)
#define ICR_SELF            (1u << 18)
#define ICR_ALL_INCL_SELF   (2u << 18)
#define ICR_ALL_EXCL_SELF   (3u << 18)

#define VEC_PING         0x50    /* vCPU 0 -> 1 */
#define VEC_PONG         0x51    /* vCPU 1 -> 0, the answer to each ping */
#define VEC_SELF         0x52
#define VEC_ALL_EXCL     0x53
#define VEC_XAPIC        0x54
#define VEC_ALL_INCL     0x55
#define VEC_STOP         0x56
#define VEC_NOBODY       0x57
#define VEC_SHORT_SELF   0x58

#define ROUND_TRIPS      100
#define WAIT_US          3000000ull

/* got[v][vector]: interrupts of `vector` vCPU v took. */
static volatile uint32_t got[2][256];
static volatile uint32_t stray;          /* taken by an unknown APIC id */
static volatile uint32_t ap_ready, ap_stop, ap_stopped;

static uint32_t mmio_read(uint32_t reg)
{
    return *(volatile uint32_t *)(XAPIC_BASE + reg);
}

static void mmio_write(uint32_t reg, uint32_t value)
{
    *(volatile uint32_t *)(XAPIC_BASE + reg) = value;
}

static bool in_x2apic_mode(void)
{
    return rdmsr(MSR_APIC_BASE) & APIC_BASE_EXTD;
}

static uint32_t my_apic_id(void)
{
    return in_x2apic_mode() ? (uint32_t)rdmsr(X2APIC_MSR(REG_ID)) : mmio_read(REG_ID) >> 24;
}

static void send_x2(uint32_t dest, uint32_t low)
{
    wrmsr(MSR_ICR, (uint64_t)dest << 32 | low);
}

/* Shared by both vCPUs (the IDT is shared): count, answer pings, EOI. */
static void ipi_handler(struct guest_frame *f)
{
    uint32_t id = my_apic_id();
    uint8_t vector = (uint8_t)f->vector;
    bool x2 = in_x2apic_mode();

    if (id < 2)
        atomic_inc(&got[id][vector]);
    else
        atomic_inc(&stray);
    if (vector == VEC_PING && id == 1)
        send_x2(0, VEC_PONG);
    if (x2)
        x2apic_eoi();
    else
        mmio_write(REG_EOI, 0);
}

static bool wait_count(volatile uint32_t *counter, uint32_t target, uint64_t timeout_us)
{
    uint64_t end = now_us() + timeout_us;
    while (*counter < target && now_us() < end)
        pause();
    return *counter >= target;
}

static uint32_t total_got(unsigned vector)
{
    return got[0][vector] + got[1][vector];
}

void test_ap_main(unsigned vcpu)
{
    if (vcpu != 1)
        return;
    x2apic_enable();
    __atomic_store_n(&ap_ready, 1, __ATOMIC_RELEASE);
    /* Interrupts off between the check and HLT: STI's shadow covers HLT. */
    cli();
    while (!__atomic_load_n(&ap_stop, __ATOMIC_ACQUIRE)) {
        sti_hlt();
        cli();
    }
    __atomic_store_n(&ap_stopped, 1, __ATOMIC_RELEASE);
}

static void test_xapic_icr(void)
{
    mmio_write(REG_SVR, 0x1FF);
    check(my_apic_id() == 0, "xAPIC: vCPU 0 reads APIC ID 0 through MMIO");
    mmio_write(REG_ICR_HIGH, 1u << 24);
    check(mmio_read(REG_ICR_HIGH) == 1u << 24, "xAPIC: ICR high reads back destination 1 (%x)",
          mmio_read(REG_ICR_HIGH));
    mmio_write(REG_ICR_LOW, VEC_XAPIC);   /* fixed, physical, edge */
    uint32_t low = mmio_read(REG_ICR_LOW);
    check((low & 0xFF) == VEC_XAPIC && !(low & ICR_DELIVERY_STATUS),
          "xAPIC: ICR low reads back the vector, delivery status idle (%x)", low);
    check(wait_count(&got[1][VEC_XAPIC], 1, WAIT_US),
          "xAPIC: an ICR write through MMIO reaches vCPU 1 (in x2APIC mode)");
    delay_us(20000);
    check(got[1][VEC_XAPIC] == 1 && got[0][VEC_XAPIC] == 0,
          "xAPIC: exactly once, and not to the sender (%u, %u)", got[1][VEC_XAPIC],
          got[0][VEC_XAPIC]);
}

static void test_ping_pong(void)
{
    unsigned done = 0;
    sti();
    for (; done < ROUND_TRIPS; done++) {
        send_x2(1, VEC_PING);
        if (!wait_count(&got[0][VEC_PONG], done + 1, WAIT_US))
            break;
    }
    cli();
    check(done == ROUND_TRIPS, "ping-pong: %u of %u round trips completed", done, ROUND_TRIPS);
    delay_us(20000);
    check(got[1][VEC_PING] == ROUND_TRIPS && got[0][VEC_PONG] == ROUND_TRIPS,
          "ping-pong: vCPU 1 took %u pings and vCPU 0 %u pongs, of %u", got[1][VEC_PING],
          got[0][VEC_PONG], ROUND_TRIPS);
    check(got[0][VEC_PING] == 0 && got[1][VEC_PONG] == 0,
          "ping-pong: no IPI went to the wrong vCPU (%u, %u)", got[0][VEC_PING],
          got[1][VEC_PONG]);
}

static void test_self_ipi(void)
{
    cli();
    wrmsr(MSR_SELF_IPI, VEC_SELF);
    bool pending = (rdmsr(X2APIC_MSR(REG_IRR0 + (VEC_SELF / 32) * 0x10)) >> (VEC_SELF % 32)) & 1;
    uint32_t before = got[0][VEC_SELF];
    check(pending && before == 0, "self-IPI MSR: the vector waits in IRR while IF=0");
    sti();
    bool came = wait_count(&got[0][VEC_SELF], 1, 100000);
    cli();
    check(came, "self-IPI MSR: delivered once interrupts are enabled");
    delay_us(20000);
    check(got[0][VEC_SELF] == 1 && got[1][VEC_SELF] == 0,
          "self-IPI MSR: exactly once, to the sender only (%u, %u)", got[0][VEC_SELF],
          got[1][VEC_SELF]);

    sti();
    send_x2(0xFFFFFFFFu /* ignored */, ICR_SELF | VEC_SHORT_SELF);
    wait_count(&got[0][VEC_SHORT_SELF], 1, 100000);
    delay_us(20000);
    cli();
    check(got[0][VEC_SHORT_SELF] == 1 && got[1][VEC_SHORT_SELF] == 0,
          "ICR self shorthand: exactly once, to the sender only (%u, %u)",
          got[0][VEC_SHORT_SELF], got[1][VEC_SHORT_SELF]);
}

static void test_shorthands(void)
{
    sti();
    send_x2(0, ICR_ALL_EXCL_SELF | VEC_ALL_EXCL);   /* destination field ignored */
    check(wait_count(&got[1][VEC_ALL_EXCL], 1, WAIT_US),
          "all-excluding-self: vCPU 1 takes it");
    delay_us(20000);
    check(got[0][VEC_ALL_EXCL] == 0 && got[1][VEC_ALL_EXCL] == 1,
          "all-excluding-self: not the sender, and once (%u, %u)", got[0][VEC_ALL_EXCL],
          got[1][VEC_ALL_EXCL]);

    send_x2(5, ICR_ALL_INCL_SELF | VEC_ALL_INCL);
    bool both = wait_count(&got[0][VEC_ALL_INCL], 1, WAIT_US) &&
                wait_count(&got[1][VEC_ALL_INCL], 1, WAIT_US);
    delay_us(20000);
    check(both && got[0][VEC_ALL_INCL] == 1 && got[1][VEC_ALL_INCL] == 1,
          "all-including-self: each vCPU takes it once (%u, %u)", got[0][VEC_ALL_INCL],
          got[1][VEC_ALL_INCL]);

    send_x2(7, VEC_NOBODY);                /* no vCPU has APIC id 7 */
    delay_us(50000);
    check(total_got(VEC_NOBODY) == 0 && stray == 0,
          "physical destination 7 (absent) reaches nobody (%u)", total_got(VEC_NOBODY));
    cli();
}

void test_main(void)
{
    if (guest_nr_vcpus < 2) {
        check(false, "this test needs vcpus=2 (has %u)", guest_nr_vcpus);
        return;
    }
    static const uint8_t vectors[] = { VEC_PING, VEC_PONG, VEC_SELF, VEC_ALL_EXCL, VEC_XAPIC,
                                       VEC_ALL_INCL, VEC_STOP, VEC_NOBODY, VEC_SHORT_SELF };
    for (unsigned i = 0; i < sizeof vectors; i++)
        guest_set_handler(vectors[i], ipi_handler);
    check(wait_count(&ap_ready, 1, WAIT_US), "vCPU 1 came up and enabled its x2APIC");

    test_xapic_icr();                      /* before vCPU 0 leaves xAPIC mode */
    x2apic_enable();
    check(my_apic_id() == 0, "x2APIC: vCPU 0 has x2APIC id 0");
    test_ping_pong();
    test_self_ipi();
    test_shorthands();

    __atomic_store_n(&ap_stop, 1, __ATOMIC_RELEASE);
    send_x2(1, VEC_STOP);
    check(wait_count(&ap_stopped, 1, WAIT_US) && got[1][VEC_STOP] == 1,
          "vCPU 1 woke from HLT on the stop IPI and left its loop");
    check(stray == 0, "no IPI reached an unknown APIC id (%u)", stray);
}
