/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Scheduler mechanism: each CPU loops picking a runnable vCPU from the
 * policy, running it until it blocks or is preempted, and idling with HLT
 * when nothing is runnable.  One lock guards vCPU states and the queue.
 * Lock order: sched_lock, then a vCPU's lapic_lock; never the reverse.
 */
#include <arch/cpu.h>
#include <arch/lapic.h>
#include <arch/svm.h>
#include <skerry/domain.h>
#include <skerry/log.h>
#include <skerry/percpu.h>
#include <skerry/sched.h>
#include <skerry/time.h>
#include <skerry/vcpu.h>

#define MAX_WORLDS (MAX_DOMAINS * MAX_VCPUS_PER_DOM)
#define IDLE_MAX_SLEEP_NS (100 * 1000 * 1000)

static spinlock_t sched_lock = SPINLOCK_INIT;
static const struct sched_policy *policy = &sched_round_robin;
static struct vcpu *worlds[MAX_WORLDS];
static unsigned nr_worlds;
static uint64_t next_wakeup_ns = UINT64_MAX;
static uint64_t stats_interval_ns, next_stats_ns;

void sched_set_stats_interval(uint64_t ns)
{
    stats_interval_ns = ns;
    next_stats_ns = time_now_ns() + ns;
}

static void set_state(struct vcpu *v, enum vcpu_state state)
{
    uint64_t now = time_now_ns();
    if (v->state == VCPU_RUNNABLE)
        v->ready_ns += now - v->state_since_ns;
    v->state = state;
    v->state_since_ns = now;
}

/* Under sched_lock: the earliest timer among waiting vCPUs. */
static void recompute_next_wakeup(void)
{
    uint64_t earliest = UINT64_MAX;
    for (unsigned i = 0; i < nr_worlds; i++) {
        struct vcpu *v = worlds[i];
        if (v && v->state == VCPU_BLOCKED) {
            uint64_t t = vcpu_timer_deadline_ns(v);
            if (t < earliest)
                earliest = t;
        }
    }
    next_wakeup_ns = earliest;
}

uint64_t sched_next_wakeup_ns(void)
{
    return __atomic_load_n(&next_wakeup_ns, __ATOMIC_RELAXED);
}

static bool kick_an_idle_cpu(void)
{
    unsigned me = this_cpu_id();
    for (unsigned i = 0; i < nr_cpus_online; i++) {
        if (i != me && pcpus[i].online && !pcpus[i].current) {
            lapic_send_ipi(pcpus[i].apic_id, VECTOR_KICK);
            return true;
        }
    }
    return false;
}

/* Under sched_lock. */
static void make_runnable(struct vcpu *v)
{
    set_state(v, VCPU_RUNNABLE);
    policy->enqueue(v);
    kick_an_idle_cpu();
}

/*
 * A vCPU woken from a wait (its device model answered, an interrupt came
 * for its HLT) goes first, and with no CPU idle it takes the one whose
 * vCPU has run longest in its slice, once that has run WAKE_PREEMPT_NS:
 * an I/O round trip then costs a context switch, not the rest of another
 * vCPU's slice (Xen's credit scheduler boosts woken vCPUs the same way).
 * A vCPU that keeps waking still leaves the CPU to the others whenever it
 * waits again.  Under sched_lock.
 */
#define WAKE_PREEMPT_NS (500 * 1000)

static void preempt_longest_running(void)
{
    uint64_t now = time_now_ns(), longest = WAKE_PREEMPT_NS;
    int victim = -1;
    for (unsigned i = 0; i < nr_cpus_online; i++) {
        const struct vcpu *cur = pcpus[i].current;
        if (!pcpus[i].online || !cur || pcpus[i].need_resched)
            continue;
        uint64_t start = pcpus[i].slice_end_ns - policy->timeslice_ns(cur), ran = now - start;
        if (now > start && ran >= longest) {
            longest = ran;
            victim = (int)i;
        }
    }
    if (victim < 0)
        return;                       /* every CPU's vCPU has only just started: it waits its turn */
    pcpus[victim].need_resched = true;
    if ((unsigned)victim != this_cpu_id())
        lapic_send_ipi(pcpus[victim].apic_id, VECTOR_KICK);
}

static void make_runnable_woken(struct vcpu *v)
{
    if (!policy->enqueue_woken) {
        make_runnable(v);
        return;
    }
    set_state(v, VCPU_RUNNABLE);
    policy->enqueue_woken(v);
    if (!kick_an_idle_cpu())
        preempt_longest_running();
}

void sched_add_vcpu(struct vcpu *v)
{
    uint64_t flags = spin_lock_irqsave(&sched_lock);
    for (unsigned i = 0; i < MAX_WORLDS; i++) {
        if (!worlds[i]) {
            worlds[i] = v;
            if (i >= nr_worlds)
                nr_worlds = i + 1;
            break;
        }
    }
    v->state_since_ns = time_now_ns();
    make_runnable(v);
    spin_unlock_irqrestore(&sched_lock, flags);
}

static void forget_world(struct vcpu *v)
{
    for (unsigned i = 0; i < nr_worlds; i++)
        if (worlds[i] == v)
            worlds[i] = NULL;
}

void sched_kick(struct vcpu *v)
{
    uint64_t flags = spin_lock_irqsave(&sched_lock);
    switch (v->state) {
    case VCPU_BLOCKED:
        /* Only a deliverable event ends HLT: not one the TPR holds back. */
        if (vcpu_has_wake_event(v)) {
            make_runnable_woken(v);
            recompute_next_wakeup();
        }
        break;
    case VCPU_HALTED:
        if (v->nmi_pending)
            make_runnable(v);
        break;
    case VCPU_RUNNING:
        if (v->running_on >= 0 && (unsigned)v->running_on != this_cpu_id())
            lapic_send_ipi(pcpus[v->running_on].apic_id, VECTOR_KICK);
        break;
    default:
        break;
    }
    spin_unlock_irqrestore(&sched_lock, flags);
}

void sched_stop_domain(struct domain *d)
{
    struct vcpu *stopped[MAX_VCPUS_PER_DOM];
    unsigned n = 0;
    uint64_t flags = spin_lock_irqsave(&sched_lock);
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        if (!v || v->state == VCPU_DEAD)
            continue;
        if (v->state == VCPU_RUNNING) {
            if ((unsigned)v->running_on != this_cpu_id())
                lapic_send_ipi(pcpus[v->running_on].apic_id, VECTOR_KICK);
            continue;                 /* it stops itself at its next exit */
        }
        if (v->state == VCPU_RUNNABLE)
            policy->remove(v);
        set_state(v, VCPU_DEAD);
        forget_world(v);
        stopped[n++] = v;
    }
    recompute_next_wakeup();
    spin_unlock_irqrestore(&sched_lock, flags);
    for (unsigned i = 0; i < n; i++)
        domain_vcpu_stopped(stopped[i]);
}

bool sched_pause(struct vcpu *v)
{
    uint64_t flags = spin_lock_irqsave(&sched_lock);
    __atomic_store_n(&v->pause_requested, true, __ATOMIC_RELEASE);
    switch (v->state) {
    case VCPU_RUNNABLE:
        policy->remove(v);
        set_state(v, VCPU_PAUSED);
        break;
    case VCPU_BLOCKED:
    case VCPU_HALTED:
        /* Started again, it resumes after its HLT: a spurious wake-up,
         * which an OS's idle loop takes in its stride. */
        set_state(v, VCPU_PAUSED);
        recompute_next_wakeup();
        break;
    case VCPU_RUNNING:
        if ((unsigned)v->running_on != this_cpu_id())
            lapic_send_ipi(pcpus[v->running_on].apic_id, VECTOR_KICK);
        break;                        /* it leaves at its next exit */
    default:
        break;
    }
    bool off_cpu = v->state == VCPU_PAUSED;
    spin_unlock_irqrestore(&sched_lock, flags);
    return off_cpu;
}

void sched_resume(struct vcpu *v)
{
    uint64_t flags = spin_lock_irqsave(&sched_lock);
    __atomic_store_n(&v->pause_requested, false, __ATOMIC_RELEASE);
    if (v->state == VCPU_PAUSED)
        make_runnable(v);
    spin_unlock_irqrestore(&sched_lock, flags);
}

/* Interrupt context. */
void sched_timer_tick(void)
{
    struct pcpu *cpu = this_cpu();
    uint64_t now = time_now_ns();
    cpu->timer_armed_ns = 0;
    if (cpu->current && now >= cpu->slice_end_ns)
        cpu->need_resched = true;
    if (now < sched_next_wakeup_ns())
        return;
    struct vcpu *due[MAX_WORLDS];
    unsigned n = 0;
    spin_lock(&sched_lock);
    for (unsigned i = 0; i < nr_worlds; i++)
        if (worlds[i] && worlds[i]->state == VCPU_BLOCKED &&
            vcpu_timer_deadline_ns(worlds[i]) <= now)
            due[n++] = worlds[i];
    spin_unlock(&sched_lock);
    /* Firing a timer may deliver IPIs, which take sched_lock: do it unlocked. */
    for (unsigned i = 0; i < n; i++) {
        vcpu_update_timers(due[i]);
        sched_kick(due[i]);
    }
    spin_lock(&sched_lock);
    recompute_next_wakeup();
    spin_unlock(&sched_lock);
}

static void idle(struct pcpu *cpu)
{
    uint64_t now = time_now_ns();
    uint64_t until = sched_next_wakeup_ns();
    if (until > now + IDLE_MAX_SLEEP_NS)
        until = now + IDLE_MAX_SLEEP_NS;
    cpu->timer_armed_ns = until;
    lapic_timer_oneshot_ns(until > now ? until - now : 1);
    __asm__ volatile("sti; hlt; cli" ::: "memory");   /* STI's shadow covers HLT */
    cpu->idle_ns += time_now_ns() - now;
}

/* Under sched_lock: where the vCPU goes after it left the CPU. */
static void put_back(struct vcpu *v, enum vcpu_run_result result)
{
    switch (result) {
    case RUN_PREEMPTED:
        /* This CPU picks again at once: kicking an idle one would only
         * bounce the vCPU between CPUs at every slice. */
        set_state(v, VCPU_RUNNABLE);
        policy->enqueue(v);
        break;
    case RUN_BLOCKED:
        if (vcpu_has_wake_event(v)) {
            make_runnable(v);
        } else {
            set_state(v, VCPU_BLOCKED);
            recompute_next_wakeup();
        }
        break;
    case RUN_HALTED:
        if (v->nmi_pending)
            make_runnable(v);
        else
            set_state(v, VCPU_HALTED);
        break;
    case RUN_STOPPED:
        set_state(v, VCPU_DEAD);
        forget_world(v);
        break;
    case RUN_PAUSED:
        set_state(v, VCPU_PAUSED);
        break;
    }
}

static bool all_vcpus_halted(const struct domain *d)
{
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        if (d->vcpus[i] && d->vcpus[i]->state != VCPU_HALTED && d->vcpus[i]->state != VCPU_DEAD)
            return false;
    return true;
}

_Noreturn void sched_run_cpu(void)
{
    struct pcpu *cpu = this_cpu();
    log_info("cpu%u: scheduler running (%s policy)", cpu->id, policy->name);
    for (;;) {
        if (cpu->id == 0 && stats_interval_ns && time_now_ns() >= next_stats_ns) {
            domains_log_stats();
            next_stats_ns = time_now_ns() + stats_interval_ns;
        }
        irq_disable();
        spin_lock(&sched_lock);
        struct vcpu *v = policy->pick_next(cpu->id);
        if (v) {
            set_state(v, VCPU_RUNNING);
            v->running_on = (int)cpu->id;
            cpu->current = v;
        }
        spin_unlock(&sched_lock);
        if (!v) {
            idle(cpu);
            continue;
        }
        cpu->need_resched = false;
        cpu->slice_end_ns = time_now_ns() + policy->timeslice_ns(v);
        cpu->timer_armed_ns = 0;
        enum vcpu_run_result result = svm_vcpu_run(v);
        irq_disable();
        spin_lock(&sched_lock);
        cpu->current = NULL;
        v->running_on = -1;
        put_back(v, result);
        bool domain_halted = result == RUN_HALTED && all_vcpus_halted(v->dom);
        spin_unlock(&sched_lock);
        if (result == RUN_STOPPED)
            domain_vcpu_stopped(v);
        else if (domain_halted)
            domain_kill(v->dom, "all vCPUs halted with interrupts disabled");
    }
}
