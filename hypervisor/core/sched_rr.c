/* SPDX-License-Identifier: GPL-2.0-only */
/* Round-robin policy: one FIFO of runnable vCPUs, a fixed time slice;
 * a vCPU woken from a wait goes to the front. */
#include <stddef.h>
#include <skerry/domain.h>
#include <skerry/sched.h>

#define RR_TIMESLICE_NS (10 * 1000 * 1000)

static struct vcpu *queue_head, *queue_tail;

static void rr_enqueue(struct vcpu *v)
{
    v->run_next = NULL;
    if (queue_tail)
        queue_tail->run_next = v;
    else
        queue_head = v;
    queue_tail = v;
}

static void rr_enqueue_woken(struct vcpu *v)
{
    v->run_next = queue_head;
    queue_head = v;
    if (!queue_tail)
        queue_tail = v;
}

static struct vcpu *rr_pick_next(unsigned cpu)
{
    (void)cpu;
    struct vcpu *v = queue_head;
    if (v) {
        queue_head = v->run_next;
        if (!queue_head)
            queue_tail = NULL;
        v->run_next = NULL;
    }
    return v;
}

static void rr_remove(struct vcpu *v)
{
    struct vcpu **link = &queue_head, *prev = NULL;
    while (*link && *link != v) {
        prev = *link;
        link = &(*link)->run_next;
    }
    if (!*link)
        return;
    *link = v->run_next;
    if (queue_tail == v)
        queue_tail = prev;
    v->run_next = NULL;
}

static uint64_t rr_timeslice_ns(const struct vcpu *v)
{
    (void)v;
    return RR_TIMESLICE_NS;
}

const struct sched_policy sched_round_robin = {
    .name = "round-robin",
    .enqueue = rr_enqueue,
    .enqueue_woken = rr_enqueue_woken,
    .pick_next = rr_pick_next,
    .remove = rr_remove,
    .timeslice_ns = rr_timeslice_ns,
};
