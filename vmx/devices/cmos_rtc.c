/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MC146818 RTC and CMOS RAM model (cmos_rtc.h).  Not modelled: the
 * divider-chain reset (DV is kept but the clock always runs), daylight
 * saving (DSE), the square-wave output, and the day of week as written
 * (it always follows the date).
 */
#include "cmos_rtc.h"

#include <string.h>

#define NS_PER_SEC 1000000000ull
#define UIP_NS     244000ull        /* UIP rises 244 us before each update */

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era;
    unsigned doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static bool binary(const struct cmos_rtc *rtc)
{
    return rtc->ram[RTC_REG_B] & RTC_B_DM;
}

static uint8_t to_reg(const struct cmos_rtc *rtc, unsigned v)
{
    return binary(rtc) ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

static unsigned from_reg(const struct cmos_rtc *rtc, uint8_t v)
{
    return binary(rtc) ? v : (v >> 4) * 10u + (v & 15);
}

static uint8_t hour_to_reg(const struct cmos_rtc *rtc, unsigned h)
{
    if (rtc->ram[RTC_REG_B] & RTC_B_24H)
        return to_reg(rtc, h);
    return (uint8_t)(to_reg(rtc, h % 12 ? h % 12 : 12) | (h >= 12 ? 0x80 : 0));
}

static unsigned hour_from_reg(const struct cmos_rtc *rtc, uint8_t v)
{
    if (rtc->ram[RTC_REG_B] & RTC_B_24H)
        return from_reg(rtc, v);
    return from_reg(rtc, v & 0x7F) % 12 + ((v & 0x80) ? 12 : 0);
}

/* Write the time of day sec into the time bytes, in the current format. */
static void fill_time(struct cmos_rtc *rtc, int64_t sec)
{
    int64_t days = floor_div(sec, 86400), y;
    unsigned tod = (unsigned)(sec - days * 86400), m, d;

    civil_from_days(days, &y, &m, &d);
    rtc->ram[RTC_SECONDS] = to_reg(rtc, tod % 60);
    rtc->ram[RTC_MINUTES] = to_reg(rtc, tod / 60 % 60);
    rtc->ram[RTC_HOURS] = hour_to_reg(rtc, tod / 3600);
    rtc->ram[RTC_DAY_OF_WEEK] = to_reg(rtc, (unsigned)((days % 7 + 11) % 7) + 1);
    rtc->ram[RTC_DAY_OF_MONTH] = to_reg(rtc, d);
    rtc->ram[RTC_MONTH] = to_reg(rtc, m);
    rtc->ram[RTC_YEAR] = to_reg(rtc, (unsigned)(y % 100));
    rtc->ram[RTC_CENTURY] = to_reg(rtc, (unsigned)(y / 100));
}

/* The time the time bytes say. */
static int64_t regs_time(const struct cmos_rtc *rtc)
{
    int64_t y = from_reg(rtc, rtc->ram[RTC_CENTURY]) * 100 + from_reg(rtc, rtc->ram[RTC_YEAR]);
    unsigned m = from_reg(rtc, rtc->ram[RTC_MONTH]), d = from_reg(rtc, rtc->ram[RTC_DAY_OF_MONTH]);

    if (m < 1 || m > 12)
        m = 1;
    if (d < 1 || d > 31)
        d = 1;
    return days_from_civil(y, m, d) * 86400 + hour_from_reg(rtc, rtc->ram[RTC_HOURS]) * 3600 +
           from_reg(rtc, rtc->ram[RTC_MINUTES]) * 60 + from_reg(rtc, rtc->ram[RTC_SECONDS]);
}

static bool frozen(const struct cmos_rtc *rtc)
{
    return rtc->ram[RTC_REG_B] & RTC_B_SET;
}

static uint64_t since_base(const struct cmos_rtc *rtc, uint64_t now)
{
    return now > rtc->base_ns ? now - rtc->base_ns : 0;
}

static int64_t clock_now(const struct cmos_rtc *rtc, uint64_t now)
{
    return rtc->base_sec + (int64_t)(since_base(rtc, now) / NS_PER_SEC);
}

/* The periodic interval in 1/32768 s units; 0 when off. */
static uint64_t period_ticks(const struct cmos_rtc *rtc)
{
    unsigned rs = rtc->ram[RTC_REG_A] & RTC_A_RS;

    if (!rs)
        return 0;
    return rs <= 2 ? 64u << rs : 1u << (rs - 1);   /* RS 1, 2: 256 and 128 Hz */
}

static uint64_t ticks_since(uint64_t from_ns, uint64_t now)
{
    uint64_t ns = now > from_ns ? now - from_ns : 0;

    return ns / NS_PER_SEC * 32768 + ns % NS_PER_SEC * 32768 / NS_PER_SEC;
}

/* Whether the alarm bytes match time of day sec (0xC0-0xFF: any). */
static bool alarm_matches(struct cmos_rtc *rtc, int64_t sec)
{
    static const uint8_t alarm[3] = { RTC_SECONDS_ALARM, RTC_MINUTES_ALARM, RTC_HOURS_ALARM };
    static const uint8_t now[3] = { RTC_SECONDS, RTC_MINUTES, RTC_HOURS };

    fill_time(rtc, sec);
    for (int i = 0; i < 3; i++)
        if ((rtc->ram[alarm[i]] & RTC_ALARM_ANY) != RTC_ALARM_ANY &&
            rtc->ram[alarm[i]] != rtc->ram[now[i]])
            return false;
    return true;
}

static void update_irq(struct cmos_rtc *rtc)
{
    uint8_t b = rtc->ram[RTC_REG_B], c = rtc->ram[RTC_REG_C] & 0x70;
    bool irqf = ((c & RTC_C_PF) && (b & RTC_B_PIE)) || ((c & RTC_C_AF) && (b & RTC_B_AIE)) ||
                ((c & RTC_C_UF) && (b & RTC_B_UIE));

    rtc->ram[RTC_REG_C] = (uint8_t)(c | (irqf ? RTC_C_IRQF : 0));
    if (irqf != rtc->irq_level) {
        rtc->irq_level = irqf;
        vmx_irq_set(rtc->plat, rtc->irq, irqf);
    }
}

static void update_flags(struct cmos_rtc *rtc, uint64_t now)
{
    uint64_t ticks = period_ticks(rtc);

    if (ticks) {
        uint64_t n = ticks_since(rtc->pf_base_ns, now) / ticks;

        if (n != rtc->pf_seen) {
            rtc->ram[RTC_REG_C] |= RTC_C_PF;
            rtc->pf_seen = n;
        }
    }
    if (!frozen(rtc)) {
        int64_t cur = clock_now(rtc, now);

        if (cur > rtc->seen_sec) {
            int64_t from = cur - rtc->seen_sec > 86400 ? cur - 86400 : rtc->seen_sec;

            rtc->ram[RTC_REG_C] |= RTC_C_UF;
            for (int64_t s = from + 1; s <= cur; s++) {
                if (alarm_matches(rtc, s)) {
                    rtc->ram[RTC_REG_C] |= RTC_C_AF;
                    break;
                }
            }
            rtc->seen_sec = cur;
        }
    }
    update_irq(rtc);
}

/* Start the clock at sec now (time written or set by the builder). */
static void rebase(struct cmos_rtc *rtc, int64_t sec, uint64_t now)
{
    rtc->base_sec = sec;
    rtc->base_ns = now;
    rtc->seen_sec = sec;
}

void cmos_rtc_set_time(struct cmos_rtc *rtc, int64_t epoch_sec)
{
    uint64_t now = vmx_now_ns(rtc->plat);

    rebase(rtc, epoch_sec, now);
    if (frozen(rtc))
        fill_time(rtc, epoch_sec);
}

int64_t cmos_rtc_time(struct cmos_rtc *rtc)
{
    return frozen(rtc) ? regs_time(rtc) : clock_now(rtc, vmx_now_ns(rtc->plat));
}

bool cmos_rtc_nmi_masked(const struct cmos_rtc *rtc)
{
    return rtc->nmi_masked;
}

void cmos_rtc_reset(struct cmos_rtc *rtc)
{
    uint64_t now = vmx_now_ns(rtc->plat);

    /* A reset leaves the clock and RAM alone; it clears the enables and flags. */
    update_flags(rtc, now);
    rtc->ram[RTC_REG_B] &= (uint8_t)~(RTC_B_PIE | RTC_B_AIE | RTC_B_UIE | RTC_B_SQWE);
    rtc->ram[RTC_REG_C] = 0;
    update_irq(rtc);
}

static uint8_t read_data(struct cmos_rtc *rtc)
{
    uint8_t i = rtc->index;
    uint64_t now = vmx_now_ns(rtc->plat);
    uint8_t v;

    switch (i) {
    case RTC_SECONDS: case RTC_MINUTES: case RTC_HOURS: case RTC_DAY_OF_WEEK:
    case RTC_DAY_OF_MONTH: case RTC_MONTH: case RTC_YEAR: case RTC_CENTURY:
        if (!frozen(rtc))
            fill_time(rtc, clock_now(rtc, now));
        return rtc->ram[i];
    case RTC_REG_A:
        v = rtc->ram[RTC_REG_A] & 0x7F;
        if (!frozen(rtc) && since_base(rtc, now) % NS_PER_SEC >= NS_PER_SEC - UIP_NS)
            v |= RTC_A_UIP;
        return v;
    case RTC_REG_C:
        update_flags(rtc, now);
        v = rtc->ram[RTC_REG_C];
        rtc->ram[RTC_REG_C] = 0;    /* reading C acknowledges */
        update_irq(rtc);
        return v;
    case RTC_REG_D:
        return RTC_D_VRT;
    default:
        return rtc->ram[i];
    }
}

static void write_reg_b(struct cmos_rtc *rtc, uint8_t v, uint64_t now)
{
    bool was = frozen(rtc);

    update_flags(rtc, now);
    if ((v & RTC_B_SET) && !was) {
        fill_time(rtc, clock_now(rtc, now));
        v &= (uint8_t)~RTC_B_UIE;   /* SET clears UIE */
    }
    rtc->ram[RTC_REG_B] = v;
    if (!(v & RTC_B_SET) && was)
        rebase(rtc, regs_time(rtc), now);
    update_irq(rtc);
}

static void write_data(struct cmos_rtc *rtc, uint8_t v)
{
    uint8_t i = rtc->index;
    uint64_t now = vmx_now_ns(rtc->plat);

    switch (i) {
    case RTC_SECONDS: case RTC_MINUTES: case RTC_HOURS: case RTC_DAY_OF_WEEK:
    case RTC_DAY_OF_MONTH: case RTC_MONTH: case RTC_YEAR: case RTC_CENTURY:
        if (frozen(rtc)) {
            rtc->ram[i] = v;
        } else {
            fill_time(rtc, clock_now(rtc, now));
            rtc->ram[i] = v;
            rebase(rtc, regs_time(rtc), now);
        }
        return;
    case RTC_REG_A:
        update_flags(rtc, now);
        if ((v ^ rtc->ram[RTC_REG_A]) & RTC_A_RS) {
            rtc->pf_base_ns = now;      /* a new rate starts a new phase */
            rtc->pf_seen = 0;
        }
        rtc->ram[RTC_REG_A] = v & 0x7F;
        return;
    case RTC_REG_B:
        write_reg_b(rtc, v, now);
        return;
    case RTC_REG_C:
    case RTC_REG_D:
        return;     /* read-only */
    default:
        rtc->ram[i] = v;
    }
}

static uint8_t read8(void *dev, uint16_t port)
{
    struct cmos_rtc *rtc = dev;

    return port == CMOS_DATA_PORT ? read_data(rtc) : 0xFF;   /* the index is write-only */
}

static void write8(void *dev, uint16_t port, uint8_t v)
{
    struct cmos_rtc *rtc = dev;

    if (port == CMOS_INDEX_PORT) {
        rtc->index = v & 0x7F;
        rtc->nmi_masked = v & CMOS_NMI_DISABLE;
    } else if (port == CMOS_DATA_PORT) {
        write_data(rtc, v);
    }
}

static void update_checksum(struct cmos_rtc *rtc)
{
    unsigned sum = 0;

    for (unsigned i = 0x10; i <= 0x2D; i++)
        sum += rtc->ram[i];
    rtc->ram[0x2E] = (uint8_t)(sum >> 8);
    rtc->ram[0x2F] = (uint8_t)sum;
}

void cmos_rtc_set_byte(struct cmos_rtc *rtc, uint8_t index, uint8_t value)
{
    if (index < 0x0E || index >= sizeof rtc->ram)
        return;
    rtc->ram[index] = value;
    if (index >= 0x10 && index <= 0x2D)
        update_checksum(rtc);
}

uint8_t cmos_rtc_get_byte(const struct cmos_rtc *rtc, uint8_t index)
{
    return index < sizeof rtc->ram ? rtc->ram[index] : 0xFF;
}

static void set_le(struct cmos_rtc *rtc, uint8_t at, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        rtc->ram[at + i] = (uint8_t)(v >> (8 * i));
}

static uint64_t cap(uint64_t v, uint64_t max)
{
    return v > max ? max : v;
}

void cmos_rtc_set_memory(struct cmos_rtc *rtc, uint64_t below_4g, uint64_t above_4g)
{
    uint64_t ext_kb = below_4g > (1u << 20) ? cap((below_4g - (1u << 20)) >> 10, 0xFFFF) : 0;
    uint64_t high_64k = below_4g > (16u << 20) ? cap((below_4g - (16u << 20)) >> 16, 0xFFFF) : 0;

    set_le(rtc, 0x15, 640, 2);
    set_le(rtc, 0x17, ext_kb, 2);
    set_le(rtc, 0x30, ext_kb, 2);
    set_le(rtc, 0x34, high_64k, 2);
    set_le(rtc, 0x5B, cap(above_4g >> 16, 0xFFFFFF), 3);
    update_checksum(rtc);
}

void cmos_rtc_poll(struct cmos_rtc *rtc)
{
    update_flags(rtc, vmx_now_ns(rtc->plat));
}

uint64_t cmos_rtc_next_event_ns(struct cmos_rtc *rtc)
{
    uint8_t b = rtc->ram[RTC_REG_B];
    uint64_t now = vmx_now_ns(rtc->plat), next = UINT64_MAX;
    uint64_t ticks = period_ticks(rtc);

    if ((b & RTC_B_PIE) && ticks) {
        uint64_t n = ticks_since(rtc->pf_base_ns, now) / ticks + 1;
        uint64_t t = n * ticks;     /* in 1/32768 s from pf_base_ns, rounded up to a ns */

        next = rtc->pf_base_ns + t / 32768 * NS_PER_SEC + (t % 32768 * NS_PER_SEC + 32767) / 32768;
    }
    if ((b & (RTC_B_UIE | RTC_B_AIE)) && !frozen(rtc)) {
        uint64_t sec = since_base(rtc, now) / NS_PER_SEC + 1;
        uint64_t t = rtc->base_ns + sec * NS_PER_SEC;

        if (t < next)
            next = t;
    }
    return next;
}

static void reset_op(void *dev)
{
    cmos_rtc_reset(dev);
}

static const struct vmx_device_ops rtc_ops = {
    .pio_read8 = read8,
    .pio_write8 = write8,
    .reset = reset_op,
};

void cmos_rtc_init(struct cmos_rtc *rtc, unsigned irq, const struct vmx_platform *plat,
                   int64_t epoch_sec)
{
    uint64_t now;

    memset(rtc, 0, sizeof *rtc);
    rtc->plat = plat;
    rtc->irq = irq;
    rtc->device = (struct vmx_device){
        .name = "cmos_rtc", .ops = &rtc_ops, .dev = rtc,
        .pio = { { CMOS_INDEX_PORT, 2 } }, .n_pio = 1,
    };
    rtc->ram[RTC_REG_A] = 0x26;             /* 32.768 kHz, 1024 Hz periodic rate */
    rtc->ram[RTC_REG_B] = RTC_B_24H;        /* BCD, 24-hour, as PC firmware leaves it */
    rtc->ram[RTC_REG_D] = RTC_D_VRT;
    now = vmx_now_ns(plat);
    rebase(rtc, epoch_sec, now);
    rtc->pf_base_ns = now;
}
