/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ACPI fixed-hardware registers a guest powers off through: the PM1a
 * event block (PM1_STS, PM1_EN: 2 bytes each) and the PM1a control block
 * (PM1_CNT, 2 bytes), at the ports the guest's FADT names, always in ACPI
 * mode (no SMI command port, SCI_EN set).  Writing SLP_EN with the S5
 * sleep type the DSDT's \_S5 gives turns the VM off; other sleep states
 * are not offered and such a write is ignored.  ACPI 6.5, 4.8.3.
 */
#ifndef SKERRY_VMX_ACPI_PM_H
#define SKERRY_VMX_ACPI_PM_H

#include <stdbool.h>
#include <stdint.h>

#include "device.h"

#define ACPI_PM_EVT_BASE   0x4000u      /* PM1a_EVT_BLK: 4 bytes */
#define ACPI_PM_CNT_BASE   0x4004u      /* PM1a_CNT_BLK: 2 bytes */
#define ACPI_PM_S5_TYPE    5u           /* SLP_TYP of \_S5 */

#define PM1_STS_PWRBTN     0x0100u
#define PM1_STS_WAK        0x8000u
#define PM1_EN_PWRBTN      0x0100u
#define PM1_CNT_SCI_EN     0x0001u
#define PM1_CNT_SLP_TYP(t) ((uint16_t)((t) << 10))
#define PM1_CNT_SLP_EN     0x2000u

struct acpi_pm {
    struct vmx_device device;
    const struct vmx_platform *plat;
    unsigned sci_irq;
    uint16_t status, enable, control;
    unsigned poweroffs;         /* S5 entries seen (for the log and tests) */
};

/* The blocks at ACPI_PM_EVT_BASE and ACPI_PM_CNT_BASE; SCI on sci_irq. */
void acpi_pm_init(struct acpi_pm *pm, unsigned sci_irq, const struct vmx_platform *plat);
void acpi_pm_reset(struct acpi_pm *pm);

/* The power button (vmware-cmd stop soft): PWRBTN_STS, and an SCI when
 * the guest enabled it.  false when the guest cannot see it (not enabled). */
bool acpi_pm_power_button(struct acpi_pm *pm);

#endif
