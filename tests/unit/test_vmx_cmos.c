/* SPDX-License-Identifier: GPL-2.0-only */
/* Host unit tests for the CMOS/RTC model (vmx/devices/cmos_rtc.c), read
 * the way Linux's mc146818 code and firmware read it. */
#include "check.h"

#include "../../vmx/devices/cmos_rtc.h"

#define T0 1796246535ll     /* 2026-12-02 21:22:15 UTC, a Wednesday */
#define MS 1000000ull
#define SEC 1000000000ull

struct rig {
    struct vmx_platform plat;
    struct cmos_rtc rtc;
    uint64_t now;
    bool line;
    int rises;
};

static uint64_t rig_now(void *ctx)
{
    return ((struct rig *)ctx)->now;
}

static void rig_irq(void *ctx, unsigned line, bool level)
{
    struct rig *r = ctx;

    if (line == 8 && level && !r->line)
        r->rises++;
    r->line = level;
}

static void setup(struct rig *r)
{
    *r = (struct rig){ .now = 5 * SEC };
    r->plat = (struct vmx_platform){ .irq_set = rig_irq, .now_ns = rig_now, .ctx = r };
    cmos_rtc_init(&r->rtc, 8, &r->plat, T0);
}

static uint8_t rd(struct rig *r, uint8_t index)
{
    vmx_device_pio_write(&r->rtc.device, CMOS_INDEX_PORT, 1, index);
    return (uint8_t)vmx_device_pio_read(&r->rtc.device, CMOS_DATA_PORT, 1);
}

static void wr(struct rig *r, uint8_t index, uint8_t v)
{
    vmx_device_pio_write(&r->rtc.device, CMOS_INDEX_PORT, 1, index);
    vmx_device_pio_write(&r->rtc.device, CMOS_DATA_PORT, 1, v);
}

static void test_time(void)
{
    struct rig r;

    setup(&r);
    CHECK(vmx_device_claims_port(&r.rtc.device, 0x70) && vmx_device_claims_port(&r.rtc.device, 0x71) &&
              !vmx_device_claims_port(&r.rtc.device, 0x72),
          "ports: 0x70-0x71");
    CHECK_EQ(rd(&r, RTC_REG_A), 0x26, "reg A: 32.768 kHz divider, 1024 Hz rate");
    CHECK_EQ(rd(&r, RTC_REG_B), 0x02, "reg B: BCD, 24-hour");
    CHECK_EQ(rd(&r, RTC_REG_D), 0x80, "reg D: VRT");
    CHECK_EQ(rd(&r, RTC_SECONDS), 0x15, "BCD: seconds 15");
    CHECK_EQ(rd(&r, RTC_MINUTES), 0x22, "BCD: minutes 22");
    CHECK_EQ(rd(&r, RTC_HOURS), 0x21, "BCD: hours 21");
    CHECK_EQ(rd(&r, RTC_DAY_OF_WEEK), 4, "BCD: Wednesday is day 4");
    CHECK_EQ(rd(&r, RTC_DAY_OF_MONTH), 0x02, "BCD: day 2");
    CHECK_EQ(rd(&r, RTC_MONTH), 0x12, "BCD: month 12");
    CHECK_EQ(rd(&r, RTC_YEAR), 0x26, "BCD: year 26");
    CHECK_EQ(rd(&r, RTC_CENTURY), 0x20, "BCD: century 20");

    r.now += 61 * SEC + 500 * MS;
    CHECK(rd(&r, RTC_SECONDS) == 0x16 && rd(&r, RTC_MINUTES) == 0x23, "clock: 61.5 s later reads 21:23:16");
    CHECK_EQ(cmos_rtc_time(&r.rtc), T0 + 61, "clock: cmos_rtc_time follows");

    wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_DM);
    CHECK(rd(&r, RTC_HOURS) == 21 && rd(&r, RTC_MINUTES) == 23 && rd(&r, RTC_YEAR) == 26 &&
              rd(&r, RTC_CENTURY) == 20 && rd(&r, RTC_MONTH) == 12,
          "binary: DM gives plain numbers");
    wr(&r, RTC_REG_B, 0);
    CHECK_EQ(rd(&r, RTC_HOURS), 0x89, "12-hour BCD: 21h is 9 PM (0x89)");
    wr(&r, RTC_REG_B, RTC_B_DM);
    CHECK_EQ(rd(&r, RTC_HOURS), 0x89, "12-hour binary: 9 | PM");
    cmos_rtc_set_time(&r.rtc, T0 - 21 * 3600 - 22 * 60);    /* 00:00:15 */
    wr(&r, RTC_REG_B, 0);
    CHECK_EQ(rd(&r, RTC_HOURS), 0x12, "12-hour: midnight is 12 AM");
    cmos_rtc_set_time(&r.rtc, T0 - 9 * 3600 - 22 * 60);     /* 12:00:15 */
    CHECK_EQ(rd(&r, RTC_HOURS), 0x92, "12-hour: noon is 12 PM");
}

static void test_set(void)
{
    struct rig r;

    setup(&r);
    wr(&r, RTC_REG_B, RTC_B_SET | RTC_B_24H | RTC_B_UIE);
    CHECK_EQ(rd(&r, RTC_REG_B), RTC_B_SET | RTC_B_24H, "SET: UIE cleared by SET");
    wr(&r, RTC_SECONDS, 0x58);
    wr(&r, RTC_MINUTES, 0x59);
    wr(&r, RTC_HOURS, 0x23);
    wr(&r, RTC_DAY_OF_MONTH, 0x31);
    wr(&r, RTC_MONTH, 0x12);
    wr(&r, RTC_YEAR, 0x99);
    wr(&r, RTC_CENTURY, 0x19);
    r.now += 10 * SEC;
    CHECK(rd(&r, RTC_SECONDS) == 0x58 && rd(&r, RTC_MINUTES) == 0x59, "SET: the clock is stopped");
    CHECK_EQ(rd(&r, RTC_REG_A) & RTC_A_UIP, 0, "SET: no update in progress");
    wr(&r, RTC_REG_B, RTC_B_24H);
    r.now += 3 * SEC;
    CHECK(rd(&r, RTC_SECONDS) == 0x01 && rd(&r, RTC_MINUTES) == 0x00 && rd(&r, RTC_HOURS) == 0x00 &&
              rd(&r, RTC_DAY_OF_MONTH) == 0x01 && rd(&r, RTC_MONTH) == 0x01 && rd(&r, RTC_YEAR) == 0x00 &&
              rd(&r, RTC_CENTURY) == 0x20,
          "SET: runs from 1999-12-31 23:59:58 into 2000-01-01 00:00:01");
    CHECK_EQ(rd(&r, RTC_DAY_OF_WEEK), 7, "SET: 2000-01-01 is a Saturday (7)");
    CHECK_EQ(cmos_rtc_time(&r.rtc), 946684801, "SET: cmos_rtc_time is the guest's time");

    /* A time byte written without SET takes effect at once. */
    wr(&r, RTC_MINUTES, 0x05);
    r.now += 2 * SEC;
    CHECK(rd(&r, RTC_MINUTES) == 0x05 && rd(&r, RTC_SECONDS) == 0x03, "write without SET: minutes 05, clock runs");

    wr(&r, RTC_REG_C, 0xFF);
    wr(&r, RTC_REG_D, 0x00);
    CHECK(rd(&r, RTC_REG_D) == 0x80, "reg D: read-only");
}

static void test_uip(void)
{
    struct rig r;
    uint64_t base;

    setup(&r);
    base = r.now;
    r.now = base + 500 * MS;
    CHECK_EQ(rd(&r, RTC_REG_A), 0x26, "UIP: clear mid-second");
    r.now = base + SEC - 100000;
    CHECK_EQ(rd(&r, RTC_REG_A), 0xA6, "UIP: set 100 us before the update");
    r.now = base + SEC + 1000;
    CHECK_EQ(rd(&r, RTC_REG_A), 0x26, "UIP: clear after the update");
    CHECK_EQ(rd(&r, RTC_SECONDS), 0x16, "UIP: the update happened");
    wr(&r, RTC_REG_A, 0xA0 | 0x03);
    CHECK_EQ(rd(&r, RTC_REG_A) & 0x7F, 0x23, "reg A: rate writable, UIP not");
}

static void test_interrupts(void)
{
    struct rig r;

    setup(&r);
    rd(&r, RTC_REG_C);
    r.now += 10 * MS;
    CHECK_EQ(rd(&r, RTC_REG_C), RTC_C_PF, "periodic: PF without PIE, no IRQF");
    CHECK(!r.line, "periodic: no interrupt without PIE");
    CHECK_EQ(rd(&r, RTC_REG_C), 0, "reg C: cleared by reading");

    wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_PIE);
    CHECK(!r.line, "periodic: nothing due yet");
    CHECK_EQ(cmos_rtc_next_event_ns(&r.rtc) - r.now <= 976563, 1, "periodic: next event within 1/1024 s");
    r.now += MS;
    cmos_rtc_poll(&r.rtc);
    CHECK(r.line && r.rises == 1, "periodic: IRQ8 raised at 1024 Hz after 1 ms");
    CHECK_EQ(rd(&r, RTC_REG_C), RTC_C_IRQF | RTC_C_PF, "periodic: reg C IRQF|PF");
    CHECK(!r.line, "periodic: reading C lowers IRQ8");
    r.now += 100000;
    cmos_rtc_poll(&r.rtc);
    CHECK(!r.line, "periodic: not again within the period");
    r.now += MS;
    cmos_rtc_poll(&r.rtc);
    CHECK(r.line && r.rises == 2, "periodic: again a period later");
    wr(&r, RTC_REG_A, 0x20);
    rd(&r, RTC_REG_C);
    r.now += 10 * MS;
    CHECK_EQ(rd(&r, RTC_REG_C), 0, "periodic: rate 0 stops it");
    CHECK_EQ(cmos_rtc_next_event_ns(&r.rtc), UINT64_MAX, "periodic: no next event when off");

    wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_UIE);
    {
        uint64_t next = cmos_rtc_next_event_ns(&r.rtc);

        CHECK(next > r.now && next - r.now <= SEC && (next - 5 * SEC) % SEC == 0,
              "update: next event at the next second boundary");
        r.now = next;
    }
    cmos_rtc_poll(&r.rtc);
    CHECK(r.line, "update: UIE raises IRQ8 once a second");
    CHECK_EQ(rd(&r, RTC_REG_C), RTC_C_IRQF | RTC_C_UF, "update: reg C IRQF|UF");

    /* Alarm two seconds ahead: hh:mm:ss in BCD. */
    {
        uint8_t s = rd(&r, RTC_SECONDS), m = rd(&r, RTC_MINUTES), h = rd(&r, RTC_HOURS);
        unsigned sec = (s >> 4) * 10u + (s & 15) + 2;

        CHECK(sec < 60, "alarm: no minute carry in the test");
        wr(&r, RTC_SECONDS_ALARM, (uint8_t)((sec / 10) << 4 | sec % 10));
        wr(&r, RTC_MINUTES_ALARM, m);
        wr(&r, RTC_HOURS_ALARM, h);
    }
    wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_AIE);
    rd(&r, RTC_REG_C);
    r.now += SEC;
    CHECK_EQ(rd(&r, RTC_REG_C), RTC_C_UF, "alarm: one second on, UF but no AF");
    r.now += SEC;
    cmos_rtc_poll(&r.rtc);
    CHECK(r.line, "alarm: IRQ8 at the alarm time");
    CHECK_EQ(rd(&r, RTC_REG_C), RTC_C_IRQF | RTC_C_AF | RTC_C_UF, "alarm: reg C IRQF|AF|UF");
    wr(&r, RTC_SECONDS_ALARM, 0xFF);
    wr(&r, RTC_MINUTES_ALARM, 0xC0);
    wr(&r, RTC_HOURS_ALARM, 0xC5);
    r.now += SEC;
    CHECK_EQ(rd(&r, RTC_REG_C) & RTC_C_AF, RTC_C_AF, "alarm: don't-care bytes match every second");

    wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_PIE | RTC_B_UIE);
    wr(&r, RTC_REG_A, 0x26);
    r.now += 2 * SEC;
    cmos_rtc_poll(&r.rtc);
    CHECK(r.line, "reset: line high before");
    vmx_device_reset(&r.rtc.device);
    CHECK(!r.line && rd(&r, RTC_REG_B) == RTC_B_24H && rd(&r, RTC_REG_C) == 0,
          "reset: enables and flags cleared, line low");
}

static void test_ram(void)
{
    struct rig r;

    setup(&r);
    wr(&r, 0x40, 0x5A);
    CHECK_EQ(rd(&r, 0x40), 0x5A, "RAM: byte 0x40 holds a value");
    CHECK_EQ(vmx_device_pio_read(&r.rtc.device, CMOS_INDEX_PORT, 1), 0xFF, "index port: reads 0xFF");
    wr(&r, CMOS_NMI_DISABLE | 0x40, 0x33);
    CHECK(cmos_rtc_nmi_masked(&r.rtc), "NMI: bit 7 of the index masks NMI");
    CHECK_EQ(rd(&r, 0x40), 0x33, "NMI: the index is the low 7 bits");
    CHECK(!cmos_rtc_nmi_masked(&r.rtc), "NMI: an index write without bit 7 unmasks");
    vmx_device_pio_write(&r.rtc.device, CMOS_INDEX_PORT, 2, 0x7741);
    CHECK_EQ(rd(&r, 0x41), 0x77, "outw 0x70: index then data");

    cmos_rtc_set_memory(&r.rtc, 512ull << 20, 0);
    CHECK(rd(&r, 0x15) == 0x80 && rd(&r, 0x16) == 0x02, "memory: base 640 KB");
    CHECK(rd(&r, 0x17) == 0xFF && rd(&r, 0x18) == 0xFF, "memory: extended KB capped at 0xFFFF");
    CHECK(rd(&r, 0x30) == 0xFF && rd(&r, 0x31) == 0xFF, "memory: 0x30/0x31 the same");
    CHECK(rd(&r, 0x34) == 0x00 && rd(&r, 0x35) == 0x1F, "memory: 512 MB is 0x1F00 64K blocks above 16 MB");
    CHECK(rd(&r, 0x5B) == 0 && rd(&r, 0x5C) == 0 && rd(&r, 0x5D) == 0, "memory: nothing above 4 GB");

    cmos_rtc_set_memory(&r.rtc, 32ull << 20, 0);
    CHECK(rd(&r, 0x17) == 0x00 && rd(&r, 0x18) == 0x7C, "memory: 32 MB is 31744 KB extended");
    CHECK(rd(&r, 0x34) == 0x00 && rd(&r, 0x35) == 0x01, "memory: 32 MB is 256 blocks above 16 MB");

    cmos_rtc_set_memory(&r.rtc, 3584ull << 20, 4608ull << 20);
    CHECK(rd(&r, 0x34) == 0x00 && rd(&r, 0x35) == 0xDF, "memory: 3.5 GB below 4 GB");
    CHECK(rd(&r, 0x5B) == 0x00 && rd(&r, 0x5C) == 0x20 && rd(&r, 0x5D) == 0x01, "memory: 4.5 GB above is 0x012000");
    {
        unsigned sum = 0;

        cmos_rtc_set_byte(&r.rtc, 0x14, 0x06);   /* equipment: FPU, VGA */
        for (uint8_t i = 0x10; i <= 0x2D; i++)
            sum += rd(&r, i);
        CHECK(rd(&r, 0x2E) == (uint8_t)(sum >> 8) && rd(&r, 0x2F) == (uint8_t)sum,
              "checksum: 0x2E/0x2F sum 0x10-0x2D");
        CHECK_EQ(cmos_rtc_get_byte(&r.rtc, 0x14), 0x06, "builder: byte 0x14 set");
    }
    cmos_rtc_set_byte(&r.rtc, RTC_REG_B, 0xFF);
    CHECK_EQ(rd(&r, RTC_REG_B), 0x02, "builder: clock registers not settable as RAM");
}

int main(void)
{
    test_time();
    test_set();
    test_uip();
    test_interrupts();
    test_ram();
    CHECK_DONE();
}
