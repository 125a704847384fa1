/* SPDX-License-Identifier: GPL-2.0-only */
/* Helpers shared by the device models (device.h). */
#include "device.h"

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

uint32_t vmx_pio_read_bytes(uint8_t (*read8)(void *dev, uint16_t port), void *dev, uint16_t port,
                            unsigned size)
{
    uint32_t v = 0;

    for (unsigned i = 0; i < size && i < 4; i++)
        v |= (uint32_t)read8(dev, (uint16_t)(port + i)) << (8 * i);
    return v;
}

void vmx_pio_write_bytes(void (*write8)(void *dev, uint16_t port, uint8_t v), void *dev,
                         uint16_t port, unsigned size, uint32_t value)
{
    for (unsigned i = 0; i < size && i < 4; i++)
        write8(dev, (uint16_t)(port + i), (uint8_t)(value >> (8 * i)));
}
