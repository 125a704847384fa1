/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IRQ handler objects: one per interrupt line (GSI) the console was
 * given, made by the vmkernel at boot and never freed (seL4's IRQHandler).
 * IRQ_HANDLER bind(notification) sends the line's interrupts to the
 * notification instead of the console's I/O APIC: each one signals the
 * capability's badge, or bit (1 << gsi % 64) without one.  A
 * level-triggered line stays masked after each until IRQ_HANDLER ack.
 * When the notification goes, the line goes back to the console.
 */
#include <skerry/domain.h>
#include <skerry/ioreq.h>
#include <skerry/irq_passthrough.h>
#include <skerry/log.h>
#include <skerry/vdev_platform.h>
#include <skerry/vioapic.h>
#include <public/skerry/invocations.h>
#include "cap_system.h"

struct irq_object {
    struct kobject obj;
    unsigned gsi;
    struct notification *ntfn;    /* bound to, or NULL */
    uint64_t bits;                /* what each interrupt signals */
};
static struct irq_object irq_objects[VIOAPIC_NUM_PINS];

struct kobject *cap_irq_object(unsigned gsi)
{
    if (gsi >= VIOAPIC_NUM_PINS)
        return NULL;
    struct irq_object *o = &irq_objects[gsi];
    o->obj = (struct kobject){ .type = SK_OBJ_IRQ_HANDLER, .pinned = true, .refs = o->obj.refs };
    o->gsi = gsi;
    return &o->obj;
}

/* Interrupt context, the line's vector: signal under the capability lock. */
static void line_fired(unsigned gsi)
{
    uint64_t flags = hypercall_lock();
    struct irq_object *o = &irq_objects[gsi];
    if (o->ntfn) {
        o->ntfn->bits |= o->bits;
        hypercall_notify(o->ntfn);
    }
    hypercall_unlock(flags);
}

void cap_irq_notification_gone(const struct notification *n)
{
    for (unsigned i = 0; i < VIOAPIC_NUM_PINS; i++)
        if (irq_objects[i].ntfn == n) {
            irq_objects[i].ntfn = NULL;
            irq_passthrough_undivert(i);
            log_info("GSI %u: back to the console (its notification went)", i);
        }
}

/* DOMAIN assign_irq: the line to d's I/O APIC (to the console's own
 * domain: back to the console). */
long cap_irq_assign(struct domain *d, const struct cap *irq, struct cap_reply *r)
{
    if (irq->type != SK_OBJ_IRQ_HANDLER)
        return cap_fail(r, SK_E_INVALID_CAPABILITY, 0);
    if (!(irq->rights & SK_RIGHT_GRANT))
        return cap_fail(r, SK_E_INSUFFICIENT_RIGHTS, 0);
    struct irq_object *o = (struct irq_object *)irq->obj;
    bool to_console = d == irq_passthrough_owner();
    if ((!d->cap_built && !to_console) || d->dying)
        return cap_fail(r, SK_E_ILLEGAL_OPERATION, SK_NO_DETAIL);
    struct domain *now = irq_passthrough_line_owner(o->gsi);
    if (o->ntfn || (!to_console && now != d && now != irq_passthrough_owner()))
        return cap_fail(r, SK_E_BUSY, 0);          /* bound to a notification, or another domain's */
    if (!irq_passthrough_assign(o->gsi, d))
        return cap_fail(r, SK_E_ILLEGAL_OPERATION, 0);
    log_info("GSI %u: assigned to dom%u %s", o->gsi, d->id, d->name);
    return SK_OK;
}

/* DOMAIN set_irq_line: a device model's wire into d's I/O APIC.  The
 * event lines (SK_EVENT_GSI_FIRST..) are notifications', not devices'. */
long cap_irq_set_line(struct domain *d, const sk_word_t *a, struct cap_reply *r)
{
    if (!d->cap_built || d->dying)
        return cap_fail(r, SK_E_ILLEGAL_OPERATION, SK_NO_DETAIL);
    if (a[0] >= SK_EVENT_GSI_FIRST)
        return cap_fail(r, SK_E_RANGE, 0);
    if (a[1] > 1)
        return cap_fail(r, SK_E_INVALID_ARGUMENT, 1);
    if (irq_passthrough_line_owner((unsigned)a[0]) == d)
        return cap_fail(r, SK_E_BUSY, 0);          /* a machine line drives that pin */
    vdev_ioapic_set_irq(d, (unsigned)a[0], a[1] != 0);
    return SK_OK;
}

/* DOMAIN send_msi: a device model's message-signalled interrupt, decoded
 * as the local APICs' window on the bus decodes the write. */
#define MSI_ADDRESS_MASK    0xFFF00000ull
#define MSI_ADDRESS_BASE    0xFEE00000ull
#define MSI_ADDRESS_LOGICAL (1u << 2)
#define MSI_DATA_LEVEL      (1u << 15)

long cap_irq_send_msi(struct domain *d, const sk_word_t *a, struct cap_reply *r)
{
    if (!d->cap_built || d->dying)
        return cap_fail(r, SK_E_ILLEGAL_OPERATION, SK_NO_DETAIL);
    uint64_t address = a[0], data = a[1];
    if ((address & MSI_ADDRESS_MASK) != MSI_ADDRESS_BASE)
        return cap_fail(r, SK_E_INVALID_ARGUMENT, 0);
    uint8_t vector = (uint8_t)data, mode = (uint8_t)(data >> 8 & 7);
    if (data >> 16 || (data & MSI_DATA_LEVEL) ||
        (mode != VLAPIC_DM_FIXED && mode != VLAPIC_DM_LOWEST && mode != VLAPIC_DM_NMI) ||
        (mode != VLAPIC_DM_NMI && vector < 16))
        return cap_fail(r, SK_E_INVALID_ARGUMENT, 1);
    vdev_deliver_interrupt(d, (uint8_t)(address >> 12), (address & MSI_ADDRESS_LOGICAL) != 0, vector, mode, false);
    return SK_OK;
}

long cap_irq_invoke(struct cap *c, uint64_t label, struct cte *const *caps, struct cap_reply *r)
{
    struct irq_object *o = (struct irq_object *)c->obj;
    struct irq_line_info info;
    switch (label) {
    case SK_INV_IRQ_HANDLER_INFO:
        if (!irq_passthrough_line(o->gsi, &info))
            info.count = 0;
        r->mr[0] = o->gsi;
        r->mr[1] = info.count;
        return SK_OK;
    case SK_INV_IRQ_HANDLER_BIND: {
        const struct cap *nc = &caps[0]->cap;
        if (nc->type != SK_OBJ_NOTIFICATION)
            return cap_fail(r, SK_E_INVALID_CAPABILITY, 0);
        if (!(nc->rights & SK_RIGHT_WRITE))
            return cap_fail(r, SK_E_INSUFFICIENT_RIGHTS, 0);
        struct notification *n = (struct notification *)nc->obj;
        o->bits = nc->badge ? nc->badge : 1ull << (o->gsi % 64);
        if (o->ntfn) {
            o->ntfn = n;                  /* to another notification: the line stays diverted */
            return SK_OK;
        }
        if (irq_passthrough_line_owner(o->gsi) != irq_passthrough_owner())
            return cap_fail(r, SK_E_BUSY, SK_NO_DETAIL);         /* assigned to a domain */
        o->ntfn = n;
        if (!irq_passthrough_divert(o->gsi, line_fired)) {
            o->ntfn = NULL;
            return cap_fail(r, SK_E_ILLEGAL_OPERATION, SK_NO_DETAIL);   /* the vmkernel keeps it */
        }
        log_info("GSI %u: to a notification instead of the console", o->gsi);
        return SK_OK;
    }
    case SK_INV_IRQ_HANDLER_ACK:
        if (!o->ntfn || !irq_passthrough_ack(o->gsi))
            return cap_fail(r, SK_E_ILLEGAL_OPERATION, SK_NO_DETAIL);   /* not bound */
        return SK_OK;
    default:
        return cap_fail(r, SK_E_ILLEGAL_OPERATION, SK_NO_DETAIL);
    }
}
