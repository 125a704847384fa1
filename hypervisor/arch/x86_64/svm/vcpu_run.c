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

static void prepare_tlb(struct vcpu *v, struct pcpu *cpu)
{
    struct vmcb_control *c = &v->arch.vmcb->control;
    if (v->arch.last_pcpu != (int)cpu->id) {
        c->tlb_control = TLB_CONTROL_FLUSH_ASID;  /* stale entries of another run */
        v->arch.last_pcpu = (int)cpu->id;
    } else {
        c->tlb_control = 0;
    }
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
            return RUN_STOPPED;
        }
        if (cpu->need_resched) {
            stgi();
            return RUN_PREEMPTED;
        }
        vcpu_update_timers(v);
        svm_inject_events(v);
        arm_host_timer(cpu, v);
        prepare_tlb(v, cpu);
        fpu_switch_to_guest(&v->arch.fpu);
        vmcb->save.rax = v->arch.gprs.r[X86_RAX];
        vmcb->save.rsp = v->arch.gprs.r[X86_RSP];
        uint64_t entered = time_now_ns();
        svm_world_switch(&v->arch.gprs, vmcb_pa, cpu->arch.host_vmcb_pa);
        v->run_ns += time_now_ns() - entered;
        v->arch.gprs.r[X86_RAX] = vmcb->save.rax;
        v->arch.gprs.r[X86_RSP] = vmcb->save.rsp;
        stgi();                 /* a pending host interrupt is taken here */

        switch (svm_handle_exit(v)) {
        case EXIT_RESUME:
            break;
        case EXIT_BLOCK:
            return RUN_BLOCKED;
        case EXIT_HALT:
            return RUN_HALTED;
        case EXIT_STOP:
            return RUN_STOPPED;
        }
    }
}
