/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PCI host bridge model (pci_host.h).  A config access to an absent
 * device, another bus or with the enable bit clear reads all ones and
 * writes nothing, as a master abort does.  A guest reset does not clear
 * the functions' config spaces; each device model's reset does that.
 */
#include "pci_host.h"

#include <string.h>

#define RCR_SYS_RST 0x02
#define RCR_RST_CPU 0x04    /* 0 -> 1 resets, then reads as 0 */
#define RCR_FULL    0x08

static struct pci_function *target(const struct pci_host *h)
{
    if (!(h->address & PCI_CONFIG_ENABLE) || (h->address >> 16 & 0xFF) != 0)
        return NULL;
    return h->fn[h->address >> 8 & 0xFF];
}

/* The part of an access at 0xCFC + off of size bytes inside 0xCFC-0xCFF. */
static unsigned data_bytes(unsigned off, unsigned size)
{
    return off + size > 4 ? 4 - off : size;
}

static uint32_t pio_read(void *dev, uint16_t port, unsigned size)
{
    struct pci_host *h = dev;
    uint32_t ones = vmx_pio_unassigned(size);

    if (port == PCI_CONFIG_ADDRESS && size == 4)
        return h->address;
    if (port == PCI_RESET_CONTROL && size == 1)
        return h->reset_control;
    if (port >= PCI_CONFIG_DATA && port <= PCI_CONFIG_DATA + 3) {
        struct pci_function *f = target(h);
        unsigned off = port - PCI_CONFIG_DATA, n = data_bytes(off, size);

        if (!f)
            return ones;
        return (pci_config_read(f, (h->address & 0xFC) + off, n) & vmx_pio_unassigned(n)) |
               (ones & ~vmx_pio_unassigned(n));
    }
    return ones;
}

static void pio_write(void *dev, uint16_t port, unsigned size, uint32_t value)
{
    struct pci_host *h = dev;

    if (port == PCI_CONFIG_ADDRESS && size == 4) {
        h->address = value & 0x80FFFFFCu;
    } else if (port == PCI_RESET_CONTROL && size == 1) {
        bool pulse = (value & RCR_RST_CPU) && !(h->reset_control & RCR_RST_CPU);

        h->reset_control = (uint8_t)(value & (RCR_SYS_RST | RCR_FULL));
        if (pulse)
            vmx_reset_request(h->plat);
    } else if (port >= PCI_CONFIG_DATA && port <= PCI_CONFIG_DATA + 3) {
        struct pci_function *f = target(h);
        unsigned off = port - PCI_CONFIG_DATA;

        if (f)
            pci_config_write(f, (h->address & 0xFC) + off, data_bytes(off, size), value);
    }
}

/* 00:00.0, an 82443BX host bridge with VMware's subsystem ids. */
static void init_bridge(struct pci_function *b)
{
    pci_function_init(b, PCI_440BX_VENDOR, PCI_440BX_DEVICE, 0x01, 0x060000, PCI_VMWARE_VENDOR, 0x1976);
    b->cfg[PCI_COMMAND] = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
    b->cfg[PCI_STATUS + 1] = 0x02;     /* medium DEVSEL timing */
    b->cfg[PCI_LATENCY] = 0x40;
    /* The chipset registers (NBXCFG, DRAM control, PAM, DRB, SMRAM) take
     * writes so firmware can program them; they change nothing here. */
    memset(b->wmask + 0x50, 0xFF, 0x30);
}

void pci_host_reset(struct pci_host *h)
{
    h->address = 0;
    h->reset_control = 0;
    init_bridge(&h->bridge);
}

int pci_host_add(struct pci_host *h, unsigned dev, unsigned fn, struct pci_function *f)
{
    if (dev >= 32 || fn >= 8 || h->fn[PCI_DEVFN(dev, fn)])
        return -1;
    h->fn[PCI_DEVFN(dev, fn)] = f;
    return 0;
}

/* The function and BAR that decode [addr, addr + size), if any. */
static struct pci_function *bar_at(const struct pci_host *h, bool io, uint64_t addr, unsigned size, unsigned *bar,
                                   uint64_t *offset)
{
    for (unsigned devfn = 0; devfn < 256; devfn++) {
        struct pci_function *f = h->fn[devfn];
        if (!f || !f->bar_ops)
            continue;
        for (unsigned n = 0; n < PCI_NUM_BARS; n++) {
            uint64_t base = pci_bar_address(f, n), len = f->bar_size[n];
            bool is_io = f->cfg[PCI_BAR0 + 4 * n] & PCI_BAR_IO;
            if (base == PCI_BAR_UNMAPPED || len == 0 || is_io != io)
                continue;
            if (addr >= base && addr - base < len && size <= len - (addr - base)) {
                *bar = n;
                *offset = addr - base;
                return f;
            }
        }
    }
    return NULL;
}

bool pci_host_bar_access(struct pci_host *h, bool io, uint64_t addr, unsigned size, bool write, uint64_t *value)
{
    unsigned bar;
    uint64_t offset;
    struct pci_function *f = bar_at(h, io, addr, size, &bar, &offset);
    if (!f)
        return false;
    if (write) {
        if (f->bar_ops->write)
            f->bar_ops->write(f->bar_dev, bar, offset, size, *value);
    } else {
        *value = f->bar_ops->read ? f->bar_ops->read(f->bar_dev, bar, offset, size) : ~0ull;
    }
    return true;
}

static void reset_op(void *dev)
{
    pci_host_reset(dev);
}

static const struct vmx_device_ops pci_host_ops = {
    .pio_read = pio_read,
    .pio_write = pio_write,
    .reset = reset_op,
};

void pci_host_init(struct pci_host *h, const struct vmx_platform *plat)
{
    memset(h, 0, sizeof *h);
    h->plat = plat;
    h->device = (struct vmx_device){
        .name = "pci_host", .ops = &pci_host_ops, .dev = h,
        .pio = { { PCI_CONFIG_ADDRESS, 8 } }, .n_pio = 1,
    };
    pci_host_reset(h);
    h->fn[PCI_DEVFN(0, 0)] = &h->bridge;
}
