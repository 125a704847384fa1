/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The run loop of one vCPU on this CPU: enter the guest, handle exits in
 * place, and return to the scheduler only when it has to decide.
 */
#include <arch/cpu.h>
#include <arch/fpu.h>
#include <arch/lapic.h>
#include <arch/svm.h>
#include <arch/svm_exit.h>
#include <skerry/domain.h>
#include <skerry/percpu.h>
#include <skerry/sched.h>
#include <skerry/time.h>
#include <skerry/vcpu.h>

void svm_world_switch(struct x86_gprs *gprs, uint64_t vmcb_pa, uint64_t host_area_pa);

static inline void clgi(void) { __asm__ volatile("clgi" ::: "memory"); }
static inline void stgi(void) { __asm__ volatile("stgi" ::: "memory"); }

/* The host timer fires at the slice end or the vLAPIC timer, whichever is first. */
static void arm_host_timer(struct pcpu *cpu, struct vcpu *v)
{
    uint64_t when = cpu->slice_end_ns;
    uint64_t deadline = vcpu_timer_deadline_ns(v);
    if (deadline < when)
        when = deadline;
    deadline = sched_next_wakeup_ns();
    if (deadline < when)
        when = deadline;
    if (when == cpu->timer_armed_ns)
        return;
    uint64_t now = time_now_ns();
    cpu->timer_armed_ns = when;
    lapic_timer_oneshot_ns(when > now ? when - now : 1);
}

static inline uint64_t read_dr(int n)
{
    uint64_t v = 0;
    switch (n) {
    case 0: __asm__ volatile("mov %%db0, %0" : "=r"(v)); break;
    case 1: __asm__ volatile("mov %%db1, %0" : "=r"(v)); break;
    case 2: __asm__ volatile("mov %%db2, %0" : "=r"(v)); break;
    case 3: __asm__ volatile("mov %%db3, %0" : "=r"(v)); break;
    }
    return v;
}

static inline void write_dr(int n, uint64_t v)
{
    switch (n) {
    case 0: __asm__ volatile("mov %0, %%db0" ::"r"(v)); break;
    case 1: __asm__ volatile("mov %0, %%db1" ::"r"(v)); break;
    case 2: __asm__ volatile("mov %0, %%db2" ::"r"(v)); break;
    case 3: __asm__ volatile("mov %0, %%db3" ::"r"(v)); break;
    }
}

/*
 * Unless this vCPU was the last to run here and has not run elsewhere
 * since, this CPU's TLB entries under the vCPU's ASID are stale (ASIDs are
 * per domain, vCPUs of a domain have their own page tables, and a guest's
 * TLB flushes reach only the CPU it runs on), and DR0-DR3, which the VMCB
 * does not hold, are not the vCPU's.  The vmkernel never uses DR0-DR3.
 */
static void switch_world_state(struct vcpu *v, struct pcpu *cpu)
{
    struct vmcb_control *c = &v->arch.vmcb->control;
    if (cpu->arch.last_world_id == v->world_id &&
        __atomic_load_n(&v->arch.last_cpu, __ATOMIC_SEQ_CST) == cpu->id + 1) {
        c->tlb_control = 0;
        return;
    }
    c->tlb_control = TLB_CONTROL_FLUSH_ASID;
    for (int i = 0; i < 4; i++)
        write_dr(i, v->arch.dr[i]);
    cpu->arch.last_world_id = v->world_id;
    v->arch.last_cpu = cpu->id + 1;
}

/*
 * After a change to v's nested page tables: its next entry flushes its
 * TLB, and if it is in the guest now on another CPU, it is made to exit
 * and this waits for that, so that no stale translation is used once
 * this returns.  A vCPU outside the guest (handling an exit, perhaps
 * waiting for a lock the caller holds) is not waited for.
 */
void svm_vcpu_flush_tlb(struct vcpu *v)
{
    uint64_t exits = __atomic_load_n(&v->arch.exit_count, __ATOMIC_SEQ_CST);
    __atomic_store_n(&v->arch.last_cpu, 0, __ATOMIC_SEQ_CST);
    if (!__atomic_load_n(&v->arch.in_guest, __ATOMIC_SEQ_CST) || v->running_on == (int)this_cpu_id())
        return;
    vcpu_kick(v);
    while (__atomic_load_n(&v->arch.in_guest, __ATOMIC_SEQ_CST) &&
           __atomic_load_n(&v->arch.exit_count, __ATOMIC_SEQ_CST) == exits)
        __asm__ volatile("pause");
}

/* The vCPU leaves this CPU (it may run next elsewhere): keep its debug
 * address registers and its FPU state. */
static enum vcpu_run_result leave(struct vcpu *v, enum vcpu_run_result result)
{
    for (int i = 0; i < 4; i++)
        v->arch.dr[i] = read_dr(i);
    fpu_switch_from_guest(&v->arch.fpu);
    return result;
}

enum vcpu_run_result svm_vcpu_run(struct vcpu *v)
{
    struct pcpu *cpu = this_cpu();
    struct vmcb *vmcb = v->arch.vmcb;
    uint64_t vmcb_pa = (uint64_t)(uintptr_t)vmcb;
    for (;;) {
        irq_enable();
        clgi();                 /* interrupts from here on wait for STGI or force an exit */
        if (v->dom->dying) {
            stgi();
            return leave(v, RUN_STOPPED);
        }
        if (cpu->need_resched) {
            stgi();
            return leave(v, RUN_PREEMPTED);
        }
        if (__atomic_load_n(&v->pause_requested, __ATOMIC_ACQUIRE)) {
            stgi();
            return leave(v, RUN_PAUSED);
        }
        vcpu_update_timers(v);
        svm_inject_events(v);
        arm_host_timer(cpu, v);
        /* Before the TLB decision, for svm_vcpu_flush_tlb() (a Dekker pair). */
        __atomic_store_n(&v->arch.in_guest, true, __ATOMIC_SEQ_CST);
        switch_world_state(v, cpu);
        fpu_switch_to_guest(&v->arch.fpu);
        vmcb->save.rax = v->arch.gprs.r[X86_RAX];
        vmcb->save.rsp = v->arch.gprs.r[X86_RSP];
        uint64_t entered = time_now_ns();
        svm_world_switch(&v->arch.gprs, vmcb_pa, cpu->arch.host_vmcb_pa);
        v->run_ns += time_now_ns() - entered;
        __atomic_add_fetch(&v->arch.exit_count, 1, __ATOMIC_SEQ_CST);
        __atomic_store_n(&v->arch.in_guest, false, __ATOMIC_SEQ_CST);
        v->arch.gprs.r[X86_RAX] = vmcb->save.rax;
        v->arch.gprs.r[X86_RSP] = vmcb->save.rsp;
        stgi();                 /* a pending host interrupt is taken here */

        switch (svm_handle_exit(v)) {
        case EXIT_RESUME:
            break;
        case EXIT_BLOCK:
            return leave(v, RUN_BLOCKED);
        case EXIT_HALT:
            return leave(v, RUN_HALTED);
        case EXIT_STOP:
            return leave(v, RUN_STOPPED);
        }
    }
}
