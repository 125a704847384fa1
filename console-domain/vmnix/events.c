// SPDX-License-Identifier: GPL-2.0-only
/*
 * Notifications as file events: a process names a notification it holds
 * (VMNIX_IOC_WATCH), and read() and poll() on its /dev/vmkernel file
 * report the bits signalled on it.  The vmkernel pulses an event line
 * (an I/O APIC line no device has, SK_EVENT_GSI_FIRST) when a bound
 * notification is signalled; the interrupt queues work that polls each
 * watched notification (SK_INV_NOTIFICATION_POLL takes its bits) and
 * wakes the readers.  This is how vmware-vmx waits for its VM's I/O
 * requests without holding a console vCPU in the vmkernel.
 */
#include <linux/acpi.h>
#include <linux/interrupt.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include "vmnix.h"
#include "vmnix_ioctl.h"

#define EVENT_GSI SK_EVENT_GSI_FIRST

static int event_irq = -1;
static DECLARE_WAIT_QUEUE_HEAD(event_wait);
static LIST_HEAD(watchers);              /* every open file's watch list */
static DEFINE_MUTEX(watch_lock);         /* guards watchers and every entry's bits */
static atomic_t event_generation = ATOMIC_INIT(0);

/* Take the bits of every watched notification; under watch_lock. */
static void collect_bits(void)
{
    struct vmnix_watch_list *w;
    unsigned int i;

    list_for_each_entry(w, &watchers, node) {
        for (i = 0; i < w->count; i++) {
            struct sk_notification_poll_result p = { 0 };

            if (sk_notification_poll(w->cptr[i], &p) == SK_OK)
                w->bits[i] |= p.bits;
        }
    }
}

static void event_work_fn(struct work_struct *work)
{
    mutex_lock(&watch_lock);
    collect_bits();
    mutex_unlock(&watch_lock);
    atomic_inc(&event_generation);
    wake_up_interruptible_all(&event_wait);
}
static DECLARE_WORK(event_work, event_work_fn);

static irqreturn_t event_interrupt(int irq, void *dev)
{
    schedule_work(&event_work);
    return IRQ_HANDLED;
}

int vmnix_events_init(void)
{
    int irq, err;

    if (vmnix_state != VMNIX_READY)
        return 0;                        /* nothing to watch */
    irq = acpi_register_gsi(NULL, EVENT_GSI, ACPI_EDGE_SENSITIVE, ACPI_ACTIVE_HIGH);
    if (irq < 0) {
        pr_warn("vmnix: no IRQ for event line GSI %u (%d): notifications are not readable\n",
                EVENT_GSI, irq);
        return 0;
    }
    err = request_irq(irq, event_interrupt, 0, "vmkernel-events", &event_wait);
    if (err) {
        acpi_unregister_gsi(EVENT_GSI);
        pr_warn("vmnix: cannot take IRQ %d (%d): notifications are not readable\n", irq, err);
        return 0;
    }
    event_irq = irq;
    pr_info("vmnix: notification events on GSI %u (IRQ %d)\n", EVENT_GSI, irq);
    return 0;
}

void vmnix_events_exit(void)
{
    if (event_irq < 0)
        return;
    free_irq(event_irq, &event_wait);
    acpi_unregister_gsi(EVENT_GSI);
    cancel_work_sync(&event_work);
    event_irq = -1;
}

void vmnix_watch_init(struct vmnix_watch_list *w)
{
    INIT_LIST_HEAD(&w->node);
    w->count = 0;
    mutex_lock(&watch_lock);
    list_add(&w->node, &watchers);
    mutex_unlock(&watch_lock);
}

void vmnix_watch_release(struct vmnix_watch_list *w)
{
    unsigned int i;

    mutex_lock(&watch_lock);
    list_del(&w->node);
    for (i = 0; i < w->count; i++)
        sk_notification_bind_line(w->cptr[i], 0);
    mutex_unlock(&watch_lock);
}

long vmnix_watch(struct vmnix_watch_list *w, struct vmnix_watch __user *uarg)
{
    struct vmnix_watch req;
    unsigned int i;

    if (copy_from_user(&req, uarg, sizeof(req)))
        return -EFAULT;
    if (event_irq < 0)
        return -ENODEV;
    mutex_lock(&watch_lock);
    for (i = 0; i < w->count; i++)
        if (w->cptr[i] == req.cptr) {
            mutex_unlock(&watch_lock);
            return -EEXIST;
        }
    if (w->count == VMNIX_WATCH_MAX) {
        mutex_unlock(&watch_lock);
        return -ENOSPC;
    }
    req.error = sk_notification_bind_line(req.cptr, EVENT_GSI);
    if (req.error == SK_OK) {
        w->cptr[w->count] = req.cptr;
        w->bits[w->count] = 0;
        w->count++;
    }
    mutex_unlock(&watch_lock);
    if (req.error < 0)
        return req.error;              /* -ENOSYS, -ENODEV: no invocation was made */
    if (copy_to_user(uarg, &req, sizeof(req)))
        return -EFAULT;
    return 0;
}

/* Move this file's pending events to buf; under watch_lock. */
static size_t take_events(struct vmnix_watch_list *w, struct vmnix_event *buf, size_t max)
{
    size_t n = 0;
    unsigned int i;

    for (i = 0; i < w->count && n < max; i++)
        if (w->bits[i]) {
            buf[n].cptr = w->cptr[i];
            buf[n].bits = w->bits[i];
            w->bits[i] = 0;
            n++;
        }
    return n;
}

ssize_t vmnix_events_read(struct vmnix_watch_list *w, char __user *ubuf, size_t len, bool nonblock)
{
    struct vmnix_event buf[VMNIX_WATCH_MAX];
    size_t max = len / sizeof(buf[0]), n;
    int seen, err;

    if (max == 0)
        return -EINVAL;
    if (max > VMNIX_WATCH_MAX)
        max = VMNIX_WATCH_MAX;
    for (;;) {
        seen = atomic_read(&event_generation);
        mutex_lock(&watch_lock);
        if (w->count == 0) {
            mutex_unlock(&watch_lock);
            return -ENOENT;              /* nothing watched: it would wait forever */
        }
        collect_bits();                  /* what came before the line was bound, too */
        n = take_events(w, buf, max);
        mutex_unlock(&watch_lock);
        if (n)
            break;
        if (nonblock)
            return -EAGAIN;
        err = wait_event_interruptible(event_wait, atomic_read(&event_generation) != seen);
        if (err)
            return err;
    }
    if (copy_to_user(ubuf, buf, n * sizeof(buf[0])))
        return -EFAULT;
    return n * sizeof(buf[0]);
}

__poll_t vmnix_events_poll(struct vmnix_watch_list *w, struct file *file, poll_table *pt)
{
    __poll_t mask = 0;
    unsigned int i;

    poll_wait(file, &event_wait, pt);
    mutex_lock(&watch_lock);
    collect_bits();
    for (i = 0; i < w->count; i++)
        if (w->bits[i])
            mask |= EPOLLIN | EPOLLRDNORM;
    mutex_unlock(&watch_lock);
    return mask;
}
