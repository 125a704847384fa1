/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The console's PCI configuration space (mechanism #1, ports 0xCF8/0xCFC).
 * The console owns the machine's PCI devices, so accesses go to the
 * hardware, with one exception: the MSI and MSI-X capabilities are taken
 * out of every capability list and writes into them are dropped.  A
 * device's MSI would be a write to the physical local APIC with a vector
 * the console chose, which the vmkernel owns; with the capability hidden
 * the console's drivers use INTx, which the vmkernel routes through the
 * console's virtual IOAPIC.
 */
#include <arch/io.h>
#include <skerry/domain.h>
#include <skerry/spinlock.h>
#include <skerry/vdev_platform.h>

#define PCI_ADDRESS_PORT 0xCF8
#define PCI_DATA_PORT    0xCFC
#define PCI_ENABLE       0x80000000u
#define PCI_STATUS       0x06
#define PCI_STATUS_CAPS  0x10
#define PCI_CAP_POINTER  0x34
#define PCI_CAP_MSI      0x05
#define PCI_CAP_MSIX     0x11
#define MSI_CAP_MAX_LEN  24
#define MSIX_CAP_LEN     12
#define MAX_CAPS         48

/* CF8 is one latch shared by every CPU: the address and data accesses of
 * one config cycle must not interleave with another CPU's. */
static spinlock_t pci_lock = SPINLOCK_INIT;
static uint32_t console_address;     /* the console's CF8 value */

static uint32_t hw_read32(uint32_t address)
{
    outl(PCI_ADDRESS_PORT, address & ~3u);
    return inl(PCI_DATA_PORT);
}

static uint8_t hw_read8(uint32_t dev, uint8_t offset)
{
    return (uint8_t)(hw_read32(dev | offset) >> ((offset & 3) * 8));
}

static bool hidden_cap(uint32_t dev, uint8_t pos)
{
    uint8_t id = hw_read8(dev, pos);
    return id == PCI_CAP_MSI || id == PCI_CAP_MSIX;
}

/* The first capability at or after pos (following the raw chain) not hidden. */
static uint8_t first_visible(uint32_t dev, uint8_t pos)
{
    for (int n = 0; pos >= 0x40 && n < MAX_CAPS; n++) {
        pos &= 0xFC;
        if (!hidden_cap(dev, pos))
            return pos;
        pos = hw_read8(dev, pos + 1);
    }
    return 0;
}

static bool has_caps(uint32_t dev)
{
    return (hw_read32(dev | PCI_STATUS) >> 16) & PCI_STATUS_CAPS;
}

/* What the console reads for the config byte at offset (caps filtered). */
static uint8_t filtered_byte(uint32_t dev, uint8_t offset, uint8_t raw)
{
    if (!has_caps(dev))
        return raw;
    if (offset == PCI_CAP_POINTER)
        return first_visible(dev, raw);
    uint8_t pos = first_visible(dev, hw_read8(dev, PCI_CAP_POINTER));
    for (int n = 0; pos && n < MAX_CAPS; n++) {
        uint8_t next = hw_read8(dev, pos + 1);
        if (offset == pos + 1)
            return first_visible(dev, next);
        pos = first_visible(dev, next);
    }
    return raw;
}

/* Is offset inside a hidden capability's registers? */
static bool in_hidden_cap(uint32_t dev, uint8_t offset)
{
    if (!has_caps(dev))
        return false;
    uint8_t pos = hw_read8(dev, PCI_CAP_POINTER);
    for (int n = 0; pos >= 0x40 && n < MAX_CAPS; n++) {
        pos &= 0xFC;
        uint8_t id = hw_read8(dev, pos);
        unsigned len = id == PCI_CAP_MSI ? MSI_CAP_MAX_LEN : MSIX_CAP_LEN;
        if ((id == PCI_CAP_MSI || id == PCI_CAP_MSIX) && offset >= pos && offset < pos + len)
            return true;
        pos = hw_read8(dev, pos + 1);
    }
    return false;
}

static uint32_t data_read(uint16_t port, unsigned size)
{
    if (!(console_address & PCI_ENABLE))
        return size == 4 ? 0xFFFFFFFFu : (1u << (size * 8)) - 1;
    uint32_t dev = console_address & 0xFFFFFF00u;
    uint8_t offset = (uint8_t)((console_address & 0xFC) + (port - PCI_DATA_PORT));
    uint32_t value = 0;
    for (unsigned i = 0; i < size; i++) {
        uint8_t o = (uint8_t)(offset + i);
        uint8_t raw = hw_read8(dev, o);
        value |= (uint32_t)filtered_byte(dev, o, raw) << (i * 8);
    }
    return value;
}

static void data_write(uint16_t port, unsigned size, uint32_t value)
{
    if (!(console_address & PCI_ENABLE))
        return;
    uint32_t dev = console_address & 0xFFFFFF00u;
    uint8_t offset = (uint8_t)((console_address & 0xFC) + (port - PCI_DATA_PORT));
    if (in_hidden_cap(dev, offset))
        return;
    outl(PCI_ADDRESS_PORT, console_address);
    switch (size) {
    case 1: outb(port, (uint8_t)value); break;
    case 2: outw(port, (uint16_t)value); break;
    default: outl(port, value); break;
    }
}

static uint32_t pci_read(struct vcpu *v, uint16_t port, unsigned size)
{
    (void)v;
    if (port == PCI_ADDRESS_PORT && size == 4)
        return console_address;
    if (port < PCI_DATA_PORT)
        return inb(port);              /* 0xCF9 etc. handled elsewhere; bytes of CF8 */
    uint64_t flags = spin_lock_irqsave(&pci_lock);
    uint32_t value = data_read(port, size);
    spin_unlock_irqrestore(&pci_lock, flags);
    return value;
}

static void pci_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t value)
{
    (void)v;
    if (port == PCI_ADDRESS_PORT && size == 4) {
        console_address = value;
        return;
    }
    if (port < PCI_DATA_PORT)
        return;
    uint64_t flags = spin_lock_irqsave(&pci_lock);
    data_write(port, size, value);
    spin_unlock_irqrestore(&pci_lock, flags);
}

const struct port_handler vdev_pci_config_ports[2] = {
    { .first = PCI_ADDRESS_PORT, .count = 4, .read = pci_read, .write = pci_write },
    { .first = PCI_DATA_PORT, .count = 4, .read = pci_read, .write = pci_write },
};
