/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The physical IOAPICs, owned by the vmkernel: every pin masked until the
 * vmkernel routes it, by global system interrupt (GSI) number.
 */
#include <stddef.h>
#include <arch/io.h>
#include <arch/ioapic.h>
#include <skerry/spinlock.h>

#define IOREGSEL 0x00
#define IOWIN    0x10
#define IOAPIC_VER 0x01
#define REDIR_LO(pin) (0x10 + 2 * (pin))
#define REDIR_HI(pin) (0x11 + 2 * (pin))
#define REDIR_MASKED     (1u << 16)
#define REDIR_LEVEL      (1u << 15)
#define REDIR_ACTIVE_LOW (1u << 13)
#define MAX_IOAPICS 8

struct ioapic {
    uint64_t base;
    unsigned gsi_base;
    unsigned pins;
};

static struct ioapic ioapics[MAX_IOAPICS];
static unsigned nr_ioapics;
static spinlock_t ioapic_lock = SPINLOCK_INIT;

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

unsigned ioapic_init(uint64_t base, unsigned gsi_base)
{
    unsigned pins = ((ioapic_read(base, IOAPIC_VER) >> 16) & 0xFF) + 1;
    for (unsigned pin = 0; pin < pins; pin++)
        ioapic_write(base, REDIR_LO(pin), REDIR_MASKED);
    if (nr_ioapics < MAX_IOAPICS)
        ioapics[nr_ioapics++] = (struct ioapic){ base, gsi_base, pins };
    return pins;
}

static const struct ioapic *ioapic_for(unsigned gsi)
{
    for (unsigned i = 0; i < nr_ioapics; i++)
        if (gsi >= ioapics[i].gsi_base && gsi < ioapics[i].gsi_base + ioapics[i].pins)
            return &ioapics[i];
    return NULL;
}

unsigned ioapic_nr_gsis(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < nr_ioapics; i++)
        if (ioapics[i].gsi_base + ioapics[i].pins > n)
            n = ioapics[i].gsi_base + ioapics[i].pins;
    return n;
}

int ioapic_route_gsi(unsigned gsi, uint8_t vector, uint32_t dest_apic_id, bool level,
                     bool active_low, bool masked)
{
    const struct ioapic *io = ioapic_for(gsi);
    if (!io)
        return -1;
    unsigned pin = gsi - io->gsi_base;
    uint32_t lo = vector | (level ? REDIR_LEVEL : 0) | (active_low ? REDIR_ACTIVE_LOW : 0) |
                  (masked ? REDIR_MASKED : 0);
    uint64_t flags = spin_lock_irqsave(&ioapic_lock);
    ioapic_write(io->base, REDIR_LO(pin), REDIR_MASKED);
    ioapic_write(io->base, REDIR_HI(pin), dest_apic_id << 24);
    ioapic_write(io->base, REDIR_LO(pin), lo);
    spin_unlock_irqrestore(&ioapic_lock, flags);
    return 0;
}

void ioapic_mask_gsi(unsigned gsi, bool masked)
{
    const struct ioapic *io = ioapic_for(gsi);
    if (!io)
        return;
    unsigned pin = gsi - io->gsi_base;
    uint64_t flags = spin_lock_irqsave(&ioapic_lock);
    uint32_t lo = ioapic_read(io->base, REDIR_LO(pin));
    ioapic_write(io->base, REDIR_LO(pin), masked ? lo | REDIR_MASKED : lo & ~REDIR_MASKED);
    spin_unlock_irqrestore(&ioapic_lock, flags);
}
