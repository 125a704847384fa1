/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The CMOS RAM and real-time clock of a PC (an MC146818 at ports 0x70
 * index / 0x71 data, IRQ8).  The clock runs from the platform's monotonic
 * clock after the builder sets it; the interrupt flags (periodic, alarm,
 * update-ended) are brought up to date whenever the guest looks and when
 * the VM calls cmos_rtc_poll() at cmos_rtc_next_event_ns().
 */
#ifndef SKERRY_VMX_CMOS_RTC_H
#define SKERRY_VMX_CMOS_RTC_H

#include "device.h"

#define CMOS_INDEX_PORT 0x70
#define CMOS_DATA_PORT  0x71
#define CMOS_NMI_DISABLE 0x80   /* bit 7 of an index write */

#define RTC_SECONDS       0x00
#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES       0x02
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS         0x04
#define RTC_HOURS_ALARM   0x05
#define RTC_DAY_OF_WEEK   0x06  /* 1 = Sunday */
#define RTC_DAY_OF_MONTH  0x07
#define RTC_MONTH         0x08
#define RTC_YEAR          0x09
#define RTC_REG_A         0x0A
#define RTC_REG_B         0x0B
#define RTC_REG_C         0x0C
#define RTC_REG_D         0x0D
#define RTC_CENTURY       0x32  /* the IBM PC location, named in ACPI's FADT */

#define RTC_A_UIP   0x80        /* update in progress */
#define RTC_A_DV    0x70        /* divider: 010 = 32.768 kHz, running */
#define RTC_A_RS    0x0F        /* periodic rate select */
#define RTC_B_SET   0x80        /* updates stopped, time writable */
#define RTC_B_PIE   0x40
#define RTC_B_AIE   0x20
#define RTC_B_UIE   0x10
#define RTC_B_SQWE  0x08
#define RTC_B_DM    0x04        /* binary, not BCD */
#define RTC_B_24H   0x02
#define RTC_B_DSE   0x01
#define RTC_C_IRQF  0x80
#define RTC_C_PF    0x40
#define RTC_C_AF    0x20
#define RTC_C_UF    0x10
#define RTC_D_VRT   0x80        /* RAM and time valid */

#define RTC_ALARM_ANY 0xC0      /* alarm byte 0xC0-0xFF matches every value */

struct cmos_rtc {
    struct vmx_device device;
    const struct vmx_platform *plat;
    unsigned irq;
    uint8_t index;
    bool nmi_masked;
    bool irq_level;
    uint8_t ram[128];       /* time bytes here only while frozen or in use */
    int64_t base_sec;       /* the time of day (Unix seconds) at base_ns */
    uint64_t base_ns;
    int64_t seen_sec;       /* last second whose update flags were raised */
    uint64_t pf_base_ns;    /* periodic interrupt phase and periods counted */
    uint64_t pf_seen;
};

/* CMOS at 0x70-0x71 on line irq, its clock set to epoch_sec (UTC). */
void cmos_rtc_init(struct cmos_rtc *rtc, unsigned irq, const struct vmx_platform *plat,
                   int64_t epoch_sec);
void cmos_rtc_reset(struct cmos_rtc *rtc);

void cmos_rtc_set_time(struct cmos_rtc *rtc, int64_t epoch_sec);
int64_t cmos_rtc_time(struct cmos_rtc *rtc);    /* as the guest has set it */
bool cmos_rtc_nmi_masked(const struct cmos_rtc *rtc);

/*
 * Builder: the memory size bytes the firmware and loaders read: 0x15/0x16
 * base KB (640), 0x17/0x18 and 0x30/0x31 KB above 1 MB (up to 65535),
 * 0x34/0x35 64 KB blocks above 16 MB below 4 GB, 0x5B-0x5D 64 KB blocks
 * above 4 GB; the checksum at 0x2E/0x2F follows.
 */
void cmos_rtc_set_memory(struct cmos_rtc *rtc, uint64_t below_4g, uint64_t above_4g);
/* Builder: any RAM byte from 0x0E up (the checksum kept for 0x10-0x2D). */
void cmos_rtc_set_byte(struct cmos_rtc *rtc, uint8_t index, uint8_t value);
uint8_t cmos_rtc_get_byte(const struct cmos_rtc *rtc, uint8_t index);

/* Raise the flags due by now; the monotonic time the next enabled one is
 * due (UINT64_MAX: none). */
void cmos_rtc_poll(struct cmos_rtc *rtc);
uint64_t cmos_rtc_next_event_ns(struct cmos_rtc *rtc);

#endif
