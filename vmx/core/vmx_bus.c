/* SPDX-License-Identifier: GPL-2.0-only */
/* The VM's I/O bus (vmx_bus.h). */
#include "vmx_bus.h"

#include <string.h>

void vmx_bus_init(struct vmx_bus *b, struct pci_host *pci)
{
    memset(b, 0, sizeof *b);
    b->pci = pci;
    if (pci)
        b->devices[b->nr_devices++] = &pci->device;
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return alen && blen && a < b + blen && b < a + alen;
}

static bool overlaps(const struct vmx_device *x, const struct vmx_device *y)
{
    for (unsigned i = 0; i < x->n_pio; i++)
        for (unsigned j = 0; j < y->n_pio; j++)
            if (ranges_overlap(x->pio[i].base, x->pio[i].count, y->pio[j].base, y->pio[j].count))
                return true;
    return ranges_overlap(x->mmio_base, x->mmio_size, y->mmio_base, y->mmio_size);
}

int vmx_bus_add(struct vmx_bus *b, const struct vmx_device *d)
{
    if (b->nr_devices == VMX_BUS_MAX_DEVICES || d->n_pio > VMX_DEVICE_MAX_PIO)
        return -1;
    for (unsigned i = 0; i < b->nr_devices; i++)
        if (overlaps(b->devices[i], d))
            return -1;
    b->devices[b->nr_devices++] = d;
    return 0;
}

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static const struct vmx_device *claimant(const struct vmx_bus *b, bool io, uint64_t addr, unsigned size)
{
    for (unsigned i = 0; i < b->nr_devices; i++) {
        const struct vmx_device *d = b->devices[i];
        if (io ? addr <= 0xFFFF && vmx_device_claims_port(d, (uint16_t)addr) : vmx_device_claims_mmio(d, addr, size))
            return d;
    }
    return NULL;
}

bool vmx_bus_access(struct vmx_bus *b, bool io, bool write, uint64_t addr, unsigned size, uint64_t *value)
{
    bool valid = io ? (size == 1 || size == 2 || size == 4) && addr + size <= 0x10000
                    : size == 1 || size == 2 || size == 4 || size == 8;
    const struct vmx_device *d = valid ? claimant(b, io, addr, size) : NULL;
    if (d) {
        if (io && write)
            vmx_device_pio_write(d, (uint16_t)addr, size, (uint32_t)*value);
        else if (io)
            *value = vmx_device_pio_read(d, (uint16_t)addr, size);
        else if (write)
            vmx_device_mmio_write(d, addr, size, *value & size_mask(size));
        else
            *value = vmx_device_mmio_read(d, addr, size) & size_mask(size);
        return true;
    }
    if (valid && b->pci) {
        uint64_t v = write ? *value & size_mask(size) : 0;
        if (pci_host_bar_access(b->pci, io, addr, size, write, &v)) {
            if (!write)
                *value = v & size_mask(size);
            return true;
        }
    }
    b->unassigned++;
    if (!write)
        *value = size_mask(size);
    return false;
}

void vmx_bus_reset(struct vmx_bus *b)
{
    for (unsigned i = 0; i < b->nr_devices; i++)
        vmx_device_reset(b->devices[i]);
}
