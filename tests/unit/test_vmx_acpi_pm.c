/* SPDX-License-Identifier: GPL-2.0-only */
/* Host unit tests for the ACPI PM1a registers (vmx/devices/acpi_pm.c), as
 * Linux's ACPICA reads and writes them on power-off and the power button. */
#include "check.h"

#include "../../vmx/devices/acpi_pm.h"

static struct acpi_pm pm;
static int poweroffs, sci_level = -1;

static void poweroff(void *ctx)
{
    (void)ctx;
    poweroffs++;
}

static void irq(void *ctx, unsigned line, bool level)
{
    (void)ctx;
    if (line == 9)
        sci_level = level;
}

static const struct vmx_platform plat = { .poweroff_request = poweroff, .irq_set = irq };

int main(void)
{
    acpi_pm_init(&pm, 9, &plat);
    CHECK_EQ(vmx_device_pio_read(&pm.device, ACPI_PM_CNT_BASE, 2), PM1_CNT_SCI_EN,
             "PM1_CNT: SCI_EN set, the machine is in ACPI mode");
    CHECK_EQ(vmx_device_pio_read(&pm.device, ACPI_PM_EVT_BASE, 2), 0, "PM1_STS: nothing pending");
    CHECK_EQ(sci_level, 0, "SCI low");
    CHECK(!vmx_device_claims_port(&pm.device, ACPI_PM_CNT_BASE + 2), "nothing claimed past PM1_CNT");

    /* Sleep states other than S5 are not offered: ignored. */
    vmx_device_pio_write(&pm.device, ACPI_PM_CNT_BASE, 2, PM1_CNT_SLP_TYP(1) | PM1_CNT_SLP_EN | PM1_CNT_SCI_EN);
    CHECK_EQ(poweroffs, 0, "SLP_EN with S1's type: no power-off");
    /* ACPICA writes SLP_TYP first, then SLP_TYP | SLP_EN. */
    vmx_device_pio_write(&pm.device, ACPI_PM_CNT_BASE, 2, PM1_CNT_SLP_TYP(ACPI_PM_S5_TYPE) | PM1_CNT_SCI_EN);
    CHECK_EQ(poweroffs, 0, "SLP_TYP alone: nothing yet");
    CHECK_EQ(vmx_device_pio_read(&pm.device, ACPI_PM_CNT_BASE, 2), PM1_CNT_SLP_TYP(5) | PM1_CNT_SCI_EN,
             "SLP_TYP reads back, SLP_EN is write-only");
    vmx_device_pio_write(&pm.device, ACPI_PM_CNT_BASE, 2,
                         PM1_CNT_SLP_TYP(ACPI_PM_S5_TYPE) | PM1_CNT_SLP_EN | PM1_CNT_SCI_EN);
    CHECK_EQ(poweroffs, 1, "SLP_TYP 5 with SLP_EN: the VM powers off");
    CHECK_EQ(pm.poweroffs, 1, "and it is counted");
    vmx_device_pio_write(&pm.device, ACPI_PM_CNT_BASE + 1, 1,
                         (PM1_CNT_SLP_TYP(ACPI_PM_S5_TYPE) | PM1_CNT_SLP_EN) >> 8);
    CHECK_EQ(poweroffs, 2, "a byte write of the high half does it too");

    CHECK(!acpi_pm_power_button(&pm), "power button before the guest enabled it: not seen");
    CHECK_EQ(sci_level, 0, "no SCI for a disabled event");
    CHECK_EQ(vmx_device_pio_read(&pm.device, ACPI_PM_EVT_BASE, 2), PM1_STS_PWRBTN, "but PWRBTN_STS is set");
    vmx_device_pio_write(&pm.device, ACPI_PM_EVT_BASE + 2, 2, 0xFFFF);
    CHECK_EQ(vmx_device_pio_read(&pm.device, ACPI_PM_EVT_BASE + 2, 2), 0x0721,
             "PM1_EN: the fixed events' enable bits stick (timer, global lock, buttons, RTC), reserved ones do not");
    CHECK_EQ(sci_level, 1, "enabled with its status set: SCI raised");
    vmx_device_pio_write(&pm.device, ACPI_PM_EVT_BASE, 2, PM1_STS_PWRBTN);
    CHECK_EQ(vmx_device_pio_read(&pm.device, ACPI_PM_EVT_BASE, 2), 0, "PM1_STS: write 1 clears");
    CHECK_EQ(sci_level, 0, "and the SCI drops");
    CHECK(acpi_pm_power_button(&pm), "power button when enabled: seen");
    CHECK_EQ(sci_level, 1, "SCI raised");
    CHECK_EQ(vmx_device_pio_read(&pm.device, ACPI_PM_EVT_BASE, 4), PM1_STS_PWRBTN | 0x0721u << 16,
             "a dword read gives PM1_STS and PM1_EN");
    vmx_device_reset(&pm.device);
    CHECK(pm.status == 0 && pm.enable == 0 && sci_level == 0, "reset: nothing pending or enabled, SCI low");
    CHECK_DONE();
}
