/* SPDX-License-Identifier: GPL-2.0-only */
/* PCI configuration space of one function (pci_config.h). */
#include "pci_config.h"

#include <string.h>

static void put16(uint8_t *p, unsigned off, uint16_t v)
{
    p[off] = (uint8_t)v;
    p[off + 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, unsigned off, uint32_t v)
{
    put16(p, off, (uint16_t)v);
    put16(p, off + 2, (uint16_t)(v >> 16));
}

static uint32_t get32(const uint8_t *p, unsigned off)
{
    return (uint32_t)p[off] | (uint32_t)p[off + 1] << 8 | (uint32_t)p[off + 2] << 16 |
           (uint32_t)p[off + 3] << 24;
}

void pci_function_init(struct pci_function *f, uint16_t vendor, uint16_t device, uint8_t revision,
                       uint32_t class_code, uint16_t subsys_vendor, uint16_t subsys_id)
{
    memset(f, 0, sizeof *f);
    put16(f->cfg, PCI_VENDOR_ID, vendor);
    put16(f->cfg, PCI_DEVICE_ID, device);
    put32(f->cfg, PCI_REVISION_ID, class_code << 8 | revision);
    put16(f->cfg, PCI_SUBSYS_VENDOR, subsys_vendor);
    put16(f->cfg, PCI_SUBSYS_ID, subsys_id);
    put16(f->wmask, PCI_COMMAND, PCI_COMMAND_WMASK);
    put16(f->w1c, PCI_STATUS, PCI_STATUS_W1C);
    f->wmask[PCI_CACHE_LINE] = 0xFF;
    f->wmask[PCI_LATENCY] = 0xFF;
}

int pci_function_set_bar(struct pci_function *f, unsigned n, uint64_t size, uint8_t flags)
{
    bool io = flags & PCI_BAR_IO, wide = !io && (flags & PCI_BAR_MEM64);
    unsigned off = PCI_BAR0 + 4 * n;
    uint64_t mask = ~(size - 1);

    if (n >= PCI_NUM_BARS || (wide && n + 1 >= PCI_NUM_BARS) || !size || (size & (size - 1)) ||
        size < (io ? 4u : 16u) || (io && size > 0x10000) || (!wide && !io && size > (1ull << 31)))
        return -1;
    flags = io ? PCI_BAR_IO : (uint8_t)(flags & (PCI_BAR_MEM64 | PCI_BAR_PREFETCH));
    f->bar_size[n] = size;
    put32(f->cfg, off, flags);
    /* I/O BARs decode 16 bits; the upper half is hardwired to zero. */
    put32(f->wmask, off, io ? (uint32_t)(mask & 0xFFFC) : (uint32_t)mask & ~0xFu);
    if (wide) {
        put32(f->cfg, off + 4, 0);
        put32(f->wmask, off + 4, (uint32_t)(mask >> 32));
        f->bar_size[n + 1] = 0;
    }
    return 0;
}

void pci_function_set_irq_pin(struct pci_function *f, uint8_t pin)
{
    f->cfg[PCI_INTERRUPT_PIN] = pin;
    f->wmask[PCI_INTERRUPT_LINE] = 0xFF;
}

int pci_function_add_msi(struct pci_function *f, uint8_t off)
{
    if (f->msi_cap || off < 0x40 || off % 4 || off > PCI_CFG_SIZE - PCI_MSI_CAP_SIZE)
        return -1;
    f->msi_cap = off;
    f->cfg[off] = PCI_CAP_ID_MSI;
    f->cfg[off + 1] = f->cfg[PCI_CAPABILITY_LIST];     /* whatever the list held comes next */
    f->cfg[PCI_CAPABILITY_LIST] = off;
    put16(f->cfg, PCI_STATUS, (uint16_t)(pci_config_read(f, PCI_STATUS, 2) | PCI_STATUS_CAP_LIST));
    put16(f->cfg, off + PCI_MSI_FLAGS, PCI_MSI_FLAGS_64BIT);
    put16(f->wmask, off + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE);
    put32(f->wmask, off + PCI_MSI_ADDRESS_LO, 0xFFFFFFFCu);
    put32(f->wmask, off + PCI_MSI_ADDRESS_HI, 0xFFFFFFFFu);
    put16(f->wmask, off + PCI_MSI_DATA, 0xFFFF);
    return 0;
}

bool pci_msi_enabled(const struct pci_function *f)
{
    return f->msi_cap && (pci_config_read(f, f->msi_cap + PCI_MSI_FLAGS, 2) & PCI_MSI_FLAGS_ENABLE);
}

bool pci_msi_message(const struct pci_function *f, uint64_t *address, uint32_t *data)
{
    unsigned c = f->msi_cap;
    if (!pci_msi_enabled(f))
        return false;
    *address = get32(f->cfg, c + PCI_MSI_ADDRESS_LO) | (uint64_t)get32(f->cfg, c + PCI_MSI_ADDRESS_HI) << 32;
    *data = pci_config_read(f, c + PCI_MSI_DATA, 2);
    return true;
}

uint32_t pci_config_read(const struct pci_function *f, unsigned offset, unsigned size)
{
    uint32_t v = 0;

    for (unsigned i = 0; i < size && i < 4; i++)
        v |= (uint32_t)(offset + i < PCI_CFG_SIZE ? f->cfg[offset + i] : 0xFF) << (8 * i);
    return v;
}

void pci_config_write(struct pci_function *f, unsigned offset, unsigned size, uint32_t value)
{
    bool changed = false;

    for (unsigned i = 0; i < size && i < 4 && offset + i < PCI_CFG_SIZE; i++) {
        unsigned o = offset + i;
        uint8_t b = (uint8_t)(value >> (8 * i));
        uint8_t now = (uint8_t)((f->cfg[o] & ~f->wmask[o]) | (b & f->wmask[o]));

        now &= (uint8_t)~(b & f->w1c[o]);
        changed |= now != f->cfg[o];
        f->cfg[o] = now;
    }
    if (changed && f->written)
        f->written(f->ctx, f, offset, size);
}

uint64_t pci_bar_address(const struct pci_function *f, unsigned n)
{
    uint16_t cmd = (uint16_t)pci_config_read(f, PCI_COMMAND, 2);
    uint32_t lo;
    uint64_t addr;

    if (n >= PCI_NUM_BARS || !f->bar_size[n])
        return PCI_BAR_UNMAPPED;
    lo = get32(f->cfg, PCI_BAR0 + 4 * n);
    if (lo & PCI_BAR_IO) {
        addr = lo & ~3u;
        if (!(cmd & PCI_COMMAND_IO))
            return PCI_BAR_UNMAPPED;
    } else {
        addr = lo & ~0xFu;
        if (lo & PCI_BAR_MEM64)
            addr |= (uint64_t)get32(f->cfg, PCI_BAR0 + 4 * n + 4) << 32;
        if (!(cmd & PCI_COMMAND_MEMORY))
            return PCI_BAR_UNMAPPED;
    }
    return addr ? addr : PCI_BAR_UNMAPPED;
}
