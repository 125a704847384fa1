/* SPDX-License-Identifier: GPL-2.0-only */
/* Dispatch to a device model (device.h). */
#include "device.h"

#include <string.h>

bool vmx_device_claims_port(const struct vmx_device *d, uint16_t port)
{
    for (unsigned i = 0; i < d->n_pio; i++)
        if (port >= d->pio[i].base && port - d->pio[i].base < d->pio[i].count)
            return true;
    return false;
}

bool vmx_device_claims_mmio(const struct vmx_device *d, uint64_t addr, unsigned size)
{
    return d->mmio_size && addr >= d->mmio_base && addr - d->mmio_base < d->mmio_size &&
           size <= d->mmio_size - (addr - d->mmio_base);
}

uint32_t vmx_device_pio_read(const struct vmx_device *d, uint16_t port, unsigned size)
{
    uint32_t v = 0;

    if (size > 4)
        size = 4;
    if (d->ops->pio_read)
        return d->ops->pio_read(d->dev, port, size);
    for (unsigned i = 0; i < size; i++) {
        uint16_t p = (uint16_t)(port + i);
        uint8_t b = 0xFF;

        if (d->ops->pio_read8 && vmx_device_claims_port(d, p))
            b = d->ops->pio_read8(d->dev, p);
        v |= (uint32_t)b << (8 * i);
    }
    return v;
}

void vmx_device_pio_write(const struct vmx_device *d, uint16_t port, unsigned size, uint32_t value)
{
    if (size > 4)
        size = 4;
    if (d->ops->pio_write) {
        d->ops->pio_write(d->dev, port, size, value);
        return;
    }
    for (unsigned i = 0; i < size; i++) {
        uint16_t p = (uint16_t)(port + i);

        if (d->ops->pio_write8 && vmx_device_claims_port(d, p))
            d->ops->pio_write8(d->dev, p, (uint8_t)(value >> (8 * i)));
    }
}

uint64_t vmx_device_mmio_read(const struct vmx_device *d, uint64_t addr, unsigned size)
{
    if (!d->ops->mmio_read)
        return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
    return d->ops->mmio_read(d->dev, addr, size);
}

void vmx_device_mmio_write(const struct vmx_device *d, uint64_t addr, unsigned size, uint64_t value)
{
    if (d->ops->mmio_write)
        d->ops->mmio_write(d->dev, addr, size, value);
}

void vmx_device_reset(const struct vmx_device *d)
{
    if (d->ops->reset)
        d->ops->reset(d->dev);
}

bool vmx_dma_read(const struct vmx_platform *p, uint64_t gpa, void *buf, uint64_t len)
{
    const void *ram = vmx_guest_ram(p, gpa, len);
    if (!ram)
        return false;
    memcpy(buf, ram, len);
    return true;
}

bool vmx_dma_write(const struct vmx_platform *p, uint64_t gpa, const void *buf, uint64_t len)
{
    void *ram = vmx_guest_ram(p, gpa, len);
    if (!ram)
        return false;
    memcpy(ram, buf, len);
    return true;
}
