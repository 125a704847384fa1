/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The world scheduler.  Mechanism (run queue locking, idling, timers,
 * wake-ups, kicks) lives in core/sched.c; the choice of which runnable
 * vCPU runs next and for how long is a policy behind struct sched_policy
 * (core/sched_rr.c: round robin with a fixed time slice).
 */
#ifndef SKERRY_SCHED_H
#define SKERRY_SCHED_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;
struct domain;

struct sched_policy {
    const char *name;
    void (*enqueue)(struct vcpu *v);          /* v became runnable */
    void (*enqueue_woken)(struct vcpu *v);    /* v was woken from a wait: it goes first */
    struct vcpu *(*pick_next)(unsigned cpu);   /* remove and return, or NULL */
    void (*remove)(struct vcpu *v);           /* v leaves the queue (dying domain) */
    uint64_t (*timeslice_ns)(const struct vcpu *v);
};

extern const struct sched_policy sched_round_robin;

void sched_add_vcpu(struct vcpu *v);
/* The CPU's main loop; never returns. */
_Noreturn void sched_run_cpu(void);
/* Interrupt context: the host one-shot timer fired. */
void sched_timer_tick(void);
/* v has an event: wake it if it waits, or nudge the CPU running it. */
void sched_kick(struct vcpu *v);
/* Earliest vLAPIC timer of a waiting vCPU (ns since boot), or UINT64_MAX. */
uint64_t sched_next_wakeup_ns(void);
/* Log every domain's exit counts this often (0: never). */
void sched_set_stats_interval(uint64_t ns);
/* Stop every vCPU of a dying domain (from any CPU). */
void sched_stop_domain(struct domain *d);
/* Take v off the CPUs until sched_resume (VCPU stop): true if it is off
 * already, false if it is running and leaves at its next exit. */
bool sched_pause(struct vcpu *v);
void sched_resume(struct vcpu *v);

#endif
