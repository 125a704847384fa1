/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The device-model interface of vmware-vmx.  A model is a plain C object
 * driven by the ioreq loop: it claims port ranges and at most one MMIO
 * range, answers 1-, 2- and 4-byte port accesses (MMIO up to 8 bytes),
 * and reaches the rest of the VM only through a struct vmx_platform: an
 * interrupt line to raise or lower, a monotonic clock, a reset request.
 * Models know nothing of the vmkernel, so they run in host unit tests.
 */
#ifndef SKERRY_VMX_DEVICE_H
#define SKERRY_VMX_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

/* What the VM offers a device model; any callback may be NULL. */
struct vmx_platform {
    /* Drive ISA/PCI interrupt line `line` to `level`; the interrupt
     * controller turns a rising edge into an edge-triggered interrupt. */
    void (*irq_set)(void *ctx, unsigned line, bool level);
    /* Monotonic nanoseconds (CLOCK_MONOTONIC in vmx, a fake in tests). */
    uint64_t (*now_ns)(void *ctx);
    /* The guest asked for a system reset (keyboard controller, 0xCF9). */
    void (*reset_request)(void *ctx);
    /* The guest turned the machine off (ACPI S5). */
    void (*poweroff_request)(void *ctx);
    /* The guest's RAM, for a device's DMA: a host pointer to the len
     * bytes at guest-physical gpa, or NULL unless every one is RAM. */
    void *(*guest_ram)(void *ctx, uint64_t gpa, uint64_t len);
    /* A message-signalled interrupt: the address and data a PCI
     * function's MSI capability holds. */
    void (*msi_send)(void *ctx, uint64_t address, uint32_t data);
    void *ctx;
};

static inline void vmx_irq_set(const struct vmx_platform *p, unsigned line, bool level)
{
    if (p && p->irq_set)
        p->irq_set(p->ctx, line, level);
}

static inline void vmx_msi_send(const struct vmx_platform *p, uint64_t address, uint32_t data)
{
    if (p && p->msi_send)
        p->msi_send(p->ctx, address, data);
}

static inline uint64_t vmx_now_ns(const struct vmx_platform *p)
{
    return p && p->now_ns ? p->now_ns(p->ctx) : 0;
}

static inline void vmx_reset_request(const struct vmx_platform *p)
{
    if (p && p->reset_request)
        p->reset_request(p->ctx);
}

static inline void vmx_poweroff_request(const struct vmx_platform *p)
{
    if (p && p->poweroff_request)
        p->poweroff_request(p->ctx);
}

static inline void *vmx_guest_ram(const struct vmx_platform *p, uint64_t gpa, uint64_t len)
{
    return p && p->guest_ram && gpa + len >= gpa ? p->guest_ram(p->ctx, gpa, len) : 0;
}

/* DMA between a device and guest RAM: false (and nothing copied) when
 * the range is not all RAM, which a device reports as a bus error. */
bool vmx_dma_read(const struct vmx_platform *p, uint64_t gpa, void *buf, uint64_t len);
bool vmx_dma_write(const struct vmx_platform *p, uint64_t gpa, const void *buf, uint64_t len);

struct vmx_device_ops {
    /* size is 1, 2 or 4; the result has only size*8 bits set. */
    uint32_t (*pio_read)(void *dev, uint16_t port, unsigned size);
    void (*pio_write)(void *dev, uint16_t port, unsigned size, uint32_t value);
    /* Or, for a model of byte-wide registers, these: a wider access is the
     * bytes of consecutive ports, low byte first, as an ISA bus splits it. */
    uint8_t (*pio_read8)(void *dev, uint16_t port);
    void (*pio_write8)(void *dev, uint16_t port, uint8_t value);
    /* Optional; size 1, 2, 4 or 8, addr inside the device's MMIO range. */
    uint64_t (*mmio_read)(void *dev, uint64_t addr, unsigned size);
    void (*mmio_write)(void *dev, uint64_t addr, unsigned size, uint64_t value);
    /* Back to the power-on state (a VM reset). */
    void (*reset)(void *dev);
};

#define VMX_DEVICE_MAX_PIO 4

struct vmx_io_range {
    uint16_t base;
    uint16_t count;
};

/* One model as the ioreq loop sees it; each model's init fills one in. */
struct vmx_device {
    const char *name;
    const struct vmx_device_ops *ops;
    void *dev;
    struct vmx_io_range pio[VMX_DEVICE_MAX_PIO];
    unsigned n_pio;
    uint64_t mmio_base, mmio_size;      /* size 0: no MMIO */
};

bool vmx_device_claims_port(const struct vmx_device *d, uint16_t port);
bool vmx_device_claims_mmio(const struct vmx_device *d, uint64_t addr, unsigned size);

/* The value of `size` bytes read from an unclaimed port or address. */
static inline uint32_t vmx_pio_unassigned(unsigned size)
{
    return size >= 4 ? 0xFFFFFFFFu : (1u << (size * 8)) - 1;
}

/*
 * How the ioreq loop (and the tests) drive a model.  Port accesses go to
 * pio_read/pio_write or byte by byte to pio_read8/pio_write8; a byte of a
 * split access on a port the model does not claim reads 0xFF and is not
 * written.  MMIO without mmio_read reads as unassigned (all ones).
 */
uint32_t vmx_device_pio_read(const struct vmx_device *d, uint16_t port, unsigned size);
void vmx_device_pio_write(const struct vmx_device *d, uint16_t port, unsigned size, uint32_t value);
uint64_t vmx_device_mmio_read(const struct vmx_device *d, uint64_t addr, unsigned size);
void vmx_device_mmio_write(const struct vmx_device *d, uint64_t addr, unsigned size, uint64_t value);
void vmx_device_reset(const struct vmx_device *d);

#endif
