/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Dispatch of a domain's emulated port and MMIO accesses: vLAPIC and
 * vIOAPIC pages, the debug console port, the VMware backdoor.  Anything
 * else behaves as unassigned on a PC: reads return all ones, writes are
 * dropped, and nothing of another domain or the vmkernel is ever visible.
 */
#include <skerry/domain.h>
#include <skerry/irq_passthrough.h>
#include <skerry/log.h>
#include <skerry/vcpu.h>
#include <skerry/vdev_platform.h>

#define LAPIC_PAGE_SIZE 0x1000

static uint64_t all_ones(unsigned size)
{
    return size >= 8 ? UINT64_MAX : (1ull << (size * 8)) - 1;
}

bool vdev_deliver_interrupt(struct domain *d, uint8_t dest, bool logical, uint8_t vector, uint8_t delivery_mode,
                            bool level)
{
    bool accepted = false;
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        if (!v || !vlapic_match_destination(&v->vlapic, dest, logical, false))
            continue;
        if (delivery_mode == VLAPIC_DM_NMI)
            vcpu_raise_nmi(v);
        else
            vcpu_raise_interrupt(v, vector, level);
        accepted = true;
        if (delivery_mode == VLAPIC_DM_LOWEST)
            break;                     /* one recipient is enough */
    }
    return accepted;
}

static bool ioapic_deliver(void *ctx, uint8_t dest, bool logical, uint8_t vector, uint8_t delivery_mode, bool level)
{
    return vdev_deliver_interrupt(ctx, dest, logical, vector, delivery_mode, level);
}

static const struct vioapic_ops ioapic_ops = { .deliver = ioapic_deliver };

void vdev_platform_init(struct domain *d)
{
    spinlock_t unlocked = SPINLOCK_INIT;
    d->ioapic_lock = unlocked;
    vioapic_init(&d->vioapic, VDEV_IOAPIC_BASE, 0, &ioapic_ops, d);
}

void vdev_ioapic_eoi(struct domain *d, uint8_t vector)
{
    uint64_t flags = spin_lock_irqsave(&d->ioapic_lock);
    irq_passthrough_eoi(d, vector);
    vioapic_eoi(&d->vioapic, vector);
    spin_unlock_irqrestore(&d->ioapic_lock, flags);
    irq_passthrough_after_eoi(d, vector);
}

void vdev_ioapic_set_irq(struct domain *d, unsigned pin, bool asserted)
{
    uint64_t flags = spin_lock_irqsave(&d->ioapic_lock);
    vioapic_set_irq(&d->vioapic, pin, asserted);
    spin_unlock_irqrestore(&d->ioapic_lock, flags);
}

/* Port 0xE9: bytes are collected into lines and logged under the domain's name. */
static void debug_console_putc(struct domain *d, char c)
{
    if (d->debug_len >= DEBUG_LINE_MAX)
        d->debug_len = 0;
    if (c == '\n' || d->debug_len == DEBUG_LINE_MAX - 1) {
        d->debug_line[d->debug_len] = '\0';
        log_info("dom%u %s: %s", d->id, d->name, d->debug_line);
        d->debug_len = 0;
        if (c == '\n')
            return;
    }
    if (c != '\r')
        d->debug_line[d->debug_len++] = c;
}

static uint32_t debug_port_read(struct vcpu *v, uint16_t port, unsigned size)
{
    (void)v, (void)port, (void)size;
    return VDEV_DEBUG_PORT;            /* Bochs convention: presence check reads 0xE9 */
}

static void debug_port_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t value)
{
    (void)port;
    if (size == 1)
        debug_console_putc(v->dom, (char)value);
}

const struct port_handler vdev_debug_port = {
    .first = VDEV_DEBUG_PORT, .count = 1, .read = debug_port_read, .write = debug_port_write,
};

static const struct port_handler *find_port(struct domain *d, uint16_t port)
{
    for (unsigned i = 0; i < d->nr_ports; i++)
        if ((uint16_t)(port - d->ports[i].first) < d->ports[i].count)
            return &d->ports[i];
    return NULL;
}

uint32_t vdev_port_read(struct vcpu *v, uint16_t port, unsigned size)
{
    const struct port_handler *h = find_port(v->dom, port);
    return h && h->read ? h->read(v, port, size) : (uint32_t)all_ones(size);
}

void vdev_port_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t value)
{
    const struct port_handler *h = find_port(v->dom, port);
    if (h && h->write)
        h->write(v, port, size, value);
}

static bool in_lapic_page(struct vcpu *v, uint64_t gpa)
{
    return vlapic_enabled(&v->vlapic) && !vlapic_x2apic_mode(&v->vlapic) &&
           gpa >= vlapic_mmio_base(&v->vlapic) && gpa < vlapic_mmio_base(&v->vlapic) + LAPIC_PAGE_SIZE;
}

uint64_t vdev_mmio_read(struct vcpu *v, uint64_t gpa, unsigned size)
{
    if (in_lapic_page(v, gpa))
        return vcpu_lapic_mmio_read(v, (uint32_t)(gpa - vlapic_mmio_base(&v->vlapic)), size);
    if (vioapic_mmio_contains(&v->dom->vioapic, gpa, size)) {
        uint64_t flags = spin_lock_irqsave(&v->dom->ioapic_lock);
        uint64_t val = vioapic_mmio_read(&v->dom->vioapic, gpa, size);
        spin_unlock_irqrestore(&v->dom->ioapic_lock, flags);
        return val;
    }
    return all_ones(size);
}

void vdev_mmio_write(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t value)
{
    if (in_lapic_page(v, gpa)) {
        vcpu_lapic_mmio_write(v, (uint32_t)(gpa - vlapic_mmio_base(&v->vlapic)), size,
                              (uint32_t)value);
        return;
    }
    if (vioapic_mmio_contains(&v->dom->vioapic, gpa, size)) {
        if (gpa - VDEV_IOAPIC_BASE == VIOAPIC_EOI && size == 4) {
            vdev_ioapic_eoi(v->dom, (uint8_t)value);   /* passed-through lines too */
            return;
        }
        uint64_t flags = spin_lock_irqsave(&v->dom->ioapic_lock);
        vioapic_mmio_write(&v->dom->vioapic, gpa, size, (uint32_t)value);
        spin_unlock_irqrestore(&v->dom->ioapic_lock, flags);
        irq_passthrough_sync(v->dom);
    }
}
