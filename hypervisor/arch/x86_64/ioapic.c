/* SPDX-License-Identifier: GPL-2.0-only */
/* The physical IOAPIC: owned by the vmkernel, all pins masked until routed. */
#include <arch/io.h>
#include <arch/ioapic.h>

#define IOREGSEL 0x00
#define IOWIN    0x10
#define IOAPIC_VER 0x01
#define REDIR_LO(pin) (0x10 + 2 * (pin))
#define REDIR_MASKED (1u << 16)

static uint32_t ioapic_read(uint64_t base, uint32_t reg)
{
    mmio_write32(base + IOREGSEL, reg);
    return mmio_read32(base + IOWIN);
}

static void ioapic_write(uint64_t base, uint32_t reg, uint32_t v)
{
    mmio_write32(base + IOREGSEL, reg);
    mmio_write32(base + IOWIN, v);
}

unsigned ioapic_init(uint64_t base)
{
    unsigned pins = ((ioapic_read(base, IOAPIC_VER) >> 16) & 0xFF) + 1;
    for (unsigned pin = 0; pin < pins; pin++)
        ioapic_write(base, REDIR_LO(pin), REDIR_MASKED);
    return pins;
}
