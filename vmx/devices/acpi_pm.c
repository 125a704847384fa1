/* SPDX-License-Identifier: GPL-2.0-only */
/* ACPI PM1a event and control registers (acpi_pm.h). */
#include "acpi_pm.h"

#include <string.h>

/* Bits a guest may set in PM1_EN: the fixed events' enables (timer,
 * global lock, power and sleep buttons, RTC), which ACPICA checks read
 * back; only the power button ever raises its status here. */
#define PM1_EN_WRITABLE  (0x0001u | 0x0020u | PM1_EN_PWRBTN | 0x0200u | 0x0400u)
/* PM1_CNT bits kept: SCI_EN reads 1, SLP_TYP is kept; SLP_EN is write-only. */
#define PM1_CNT_SLP_MASK (7u << 10)

static void update_sci(struct acpi_pm *pm)
{
    vmx_irq_set(pm->plat, pm->sci_irq, (pm->status & pm->enable) != 0);
}

static void write_control(struct acpi_pm *pm, uint16_t v)
{
    pm->control = (uint16_t)(PM1_CNT_SCI_EN | (v & PM1_CNT_SLP_MASK));
    if ((v & PM1_CNT_SLP_EN) && (v & PM1_CNT_SLP_MASK) == PM1_CNT_SLP_TYP(ACPI_PM_S5_TYPE)) {
        pm->poweroffs++;
        vmx_poweroff_request(pm->plat);
    }
}

static uint8_t read8(void *dev, uint16_t port)
{
    struct acpi_pm *pm = dev;
    unsigned off = port - ACPI_PM_EVT_BASE;
    uint16_t reg = off < 2 ? pm->status : off < 4 ? pm->enable : pm->control;
    return (uint8_t)(reg >> (off % 2 * 8));
}

static void write8(void *dev, uint16_t port, uint8_t value)
{
    struct acpi_pm *pm = dev;
    unsigned off = port - ACPI_PM_EVT_BASE, shift = off % 2 * 8;
    if (off < 2) {
        pm->status &= (uint16_t)~((unsigned)value << shift);     /* write 1 to clear */
    } else if (off < 4) {
        pm->enable = (uint16_t)((pm->enable & ~(0xFFu << shift)) | ((unsigned)value << shift));
        pm->enable &= PM1_EN_WRITABLE;
    } else {
        /* A control write is taken when its high byte (SLP_EN, SLP_TYP) comes. */
        uint16_t v = (uint16_t)((pm->control & ~(0xFFu << shift)) | ((unsigned)value << shift));
        if (off == 5)
            write_control(pm, v);
        else
            pm->control = (uint16_t)(PM1_CNT_SCI_EN | (v & PM1_CNT_SLP_MASK));
    }
    update_sci(pm);
}

void acpi_pm_reset(struct acpi_pm *pm)
{
    pm->status = 0;
    pm->enable = 0;
    pm->control = PM1_CNT_SCI_EN;
    update_sci(pm);
}

static void reset_op(void *dev)
{
    acpi_pm_reset(dev);
}

static const struct vmx_device_ops acpi_pm_ops = {
    .pio_read8 = read8,
    .pio_write8 = write8,
    .reset = reset_op,
};

void acpi_pm_init(struct acpi_pm *pm, unsigned sci_irq, const struct vmx_platform *plat)
{
    memset(pm, 0, sizeof *pm);
    pm->plat = plat;
    pm->sci_irq = sci_irq;
    pm->device = (struct vmx_device){
        .name = "acpi_pm", .ops = &acpi_pm_ops, .dev = pm,
        .pio = { { ACPI_PM_EVT_BASE, 6 } }, .n_pio = 1,
    };
    acpi_pm_reset(pm);
}

bool acpi_pm_power_button(struct acpi_pm *pm)
{
    pm->status |= PM1_STS_PWRBTN;
    update_sci(pm);
    return pm->enable & PM1_EN_PWRBTN;
}
