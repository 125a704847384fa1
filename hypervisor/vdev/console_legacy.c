/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Legacy devices the vmkernel keeps from the console and what the console
 * sees in their place: the 8259 PICs and their ELCR read as absent-but-
 * harmless (all lines masked), the PIT reads all ones (the console times
 * with its virtual local APIC and the TSC rate from CPUID), and the reset
 * and power-off paths are intercepted so the vmkernel logs them before it
 * lets them happen.
 */
#include <arch/io.h>
#include <skerry/domain.h>
#include <skerry/log.h>
#include <skerry/vdev_platform.h>

#define KBC_COMMAND      0x64
#define KBC_RESET        0xFE
#define RESET_CONTROL    0xCF9
#define RESET_CPU        0x04
#define FAST_A20         0x92
#define FAST_A20_RESET   0x01
#define PM1_SLP_EN       (1u << 13)
#define PM1_SLP_TYP(v)   (((v) >> 10) & 7)

static uint32_t pic_read(struct vcpu *v, uint16_t port, unsigned size)
{
    (void)v, (void)size;
    return (port & 1) ? 0xFF : 0;      /* IMR: all masked; IRR/ISR: nothing */
}

static void ignore_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t value)
{
    (void)v, (void)port, (void)size, (void)value;
}

static uint32_t elcr_read(struct vcpu *v, uint16_t port, unsigned size)
{
    (void)v, (void)port, (void)size;
    return 0;
}

static uint32_t float_high(struct vcpu *v, uint16_t port, unsigned size)
{
    (void)v, (void)port;
    return size == 4 ? 0xFFFFFFFFu : (1u << (size * 8)) - 1;
}

static void log_reset(struct vcpu *v, const char *how)
{
    log_warn("dom%u %s: vcpu%u requested a machine reset (%s): resetting", v->dom->id,
             v->dom->name, v->index, how);
}

static uint32_t kbc_read(struct vcpu *v, uint16_t port, unsigned size)
{
    (void)v, (void)size;
    return inb(port);
}

static void kbc_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t value)
{
    (void)size;
    if ((value & 0xFF) == KBC_RESET)
        log_reset(v, "keyboard controller");
    outb(port, (uint8_t)value);
}

static uint32_t reset_read(struct vcpu *v, uint16_t port, unsigned size)
{
    (void)v, (void)size;
    return inb(port);
}

static void reset_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t value)
{
    (void)size;
    if (port == RESET_CONTROL && (value & RESET_CPU))
        log_reset(v, "reset control register 0xcf9");
    if (port == FAST_A20 && (value & FAST_A20_RESET))
        log_reset(v, "port 0x92");
    outb(port, (uint8_t)value);
}

/* PM1a control: the only register of the console's ACPI block intercepted. */
static uint32_t pm1_read(struct vcpu *v, uint16_t port, unsigned size)
{
    (void)v;
    return size == 1 ? inb(port) : (size == 2 ? inw(port) : inl(port));
}

static void pm1_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t value)
{
    if (value & PM1_SLP_EN)
        log_warn("dom%u %s: vcpu%u entered ACPI sleep type %u: the machine powers off",
                 v->dom->id, v->dom->name, v->index, PM1_SLP_TYP(value));
    if (size == 1)
        outb(port, (uint8_t)value);
    else if (size == 2)
        outw(port, (uint16_t)value);
    else
        outl(port, value);
}

int console_legacy_init(struct domain *d, uint16_t pm1a_cnt)
{
    static const struct port_handler handlers[] = {
        { .first = 0x20, .count = 2, .read = pic_read, .write = ignore_write },
        { .first = 0xA0, .count = 2, .read = pic_read, .write = ignore_write },
        { .first = 0x4D0, .count = 2, .read = elcr_read, .write = ignore_write },
        { .first = 0x40, .count = 4, .read = float_high, .write = ignore_write },
        { .first = KBC_COMMAND, .count = 1, .read = kbc_read, .write = kbc_write },
        { .first = RESET_CONTROL, .count = 1, .read = reset_read, .write = reset_write },
        { .first = FAST_A20, .count = 1, .read = reset_read, .write = reset_write },
    };
    for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++)
        if (domain_add_port_handler(d, &handlers[i]) < 0)
            return -1;
    if (pm1a_cnt) {
        struct port_handler pm = { .first = pm1a_cnt, .count = 2, .read = pm1_read,
                                   .write = pm1_write };
        if (domain_add_port_handler(d, &pm) < 0)
            return -1;
    }
    return 0;
}
