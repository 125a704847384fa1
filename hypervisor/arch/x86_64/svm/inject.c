/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Event injection before VMRUN, in priority order: an exception or NMI
 * whose delivery an exit interrupted (EXITINTINFO), an exception from
 * emulation, an NMI -- all through EVENTINJ -- and the vLAPIC's highest
 * interrupt, posted as a virtual interrupt (V_IRQ) which the CPU takes
 * after the EVENTINJ event, as soon as the guest can.
 *
 * Why V_IRQ and not EVENTINJ for interrupts: the CPU takes a virtual
 * interrupt only when the guest can (RFLAGS.IF, no interrupt shadow), so
 * no interrupt window is needed; and QEMU's VMRUN delivers an EVENTINJ
 * interrupt but leaves it as the CPU's pending exception, so that a kick
 * of the QEMU CPU thread before the next exit delivers it a second time,
 * inside the guest's own handler with IF clear.  The interrupt is
 * acknowledged in the vLAPIC (IRR to ISR) only once the guest took it,
 * which the next exit shows as V_IRQ cleared.
 */
#include <arch/cpu.h>
#include <arch/insn_decode.h>
#include <arch/svm_exit.h>
#include <arch/vmcb.h>
#include <skerry/domain.h>
#include <skerry/vcpu.h>

#define VECTOR_NMI 2
#define OPCODE_HLT 0xF4

#define VINTR_POSTED_MASK (VINTR_IRQ | VINTR_IGN_TPR | (0xFull << VINTR_PRIO_SHIFT) | \
                           (0xFFull << VINTR_VECTOR_SHIFT))

static void post_interrupt(struct vcpu *v, uint8_t vector)
{
    struct vmcb_control *c = &v->arch.vmcb->control;
    c->vintr = (c->vintr & ~VINTR_POSTED_MASK) | VINTR_IRQ | VINTR_IGN_TPR |
               ((uint64_t)(vector >> 4) << VINTR_PRIO_SHIFT) |
               ((uint64_t)vector << VINTR_VECTOR_SHIFT);
    v->arch.posted_vector = vector;
}

static void withdraw_interrupt(struct vcpu *v)
{
    v->arch.vmcb->control.vintr &= ~VINTR_POSTED_MASK;
    v->arch.posted_vector = 0;
}

void svm_sync_posted_interrupt(struct vcpu *v)
{
    struct vmcb_control *c = &v->arch.vmcb->control;
    uint8_t vector = v->arch.posted_vector;
    if (vector == 0 || (c->vintr & VINTR_IRQ))
        return;                                   /* nothing posted, or not taken yet */
    v->arch.posted_vector = 0;
    uint64_t info = c->exit_int_info;
    if ((info & EVENT_VALID) && (info & EVENT_TYPE_MASK) == EVENT_TYPE_INTR) {
        /* Its delivery was cut short by this exit: it stays in the IRR. */
        c->exit_int_info = 0;
        return;
    }
    vcpu_ack_interrupt(v, vector);
}

/*
 * A host interrupt between STI and HLT exits with the guest in the STI
 * shadow.  QEMU's VMRUN does not restore the shadow, so the interrupt
 * posted now would be taken before the HLT, which would then sleep with
 * nothing pending: a lost wake-up.  A HLT in the shadow with an interrupt
 * pending ends at once anyway: complete it here.
 */
static void complete_shadowed_hlt(struct vcpu *v)
{
    uint8_t insn[INSN_MAX_LENGTH];
    if (svm_fetch_instruction(v, insn) > 0 && insn[0] == OPCODE_HLT)
        svm_skip_instruction(v, 1);
}

/* The exception or NMI to put in EVENTINJ, 0 for none. */
static uint64_t next_event(struct vcpu *v)
{
    struct vmcb_control *c = &v->arch.vmcb->control;
    uint64_t event = 0;
    if (c->exit_int_info & EVENT_VALID) {
        event = c->exit_int_info;
        c->exit_int_info = 0;
    } else if (v->arch.pending_exception) {
        event = v->arch.pending_exception;
        v->arch.pending_exception = 0;
    } else if (__atomic_load_n(&v->nmi_pending, __ATOMIC_ACQUIRE) && !(c->interrupt_shadow & 1)) {
        v->nmi_pending = false;
        event = EVENT_VALID | EVENT_TYPE_NMI | VECTOR_NMI;
    }
    return event;
}

void svm_inject_events(struct vcpu *v)
{
    struct vmcb *vmcb = v->arch.vmcb;
    struct vmcb_control *c = &vmcb->control;

    c->vintr = (c->vintr & ~VINTR_TPR_MASK) | vcpu_lapic_cr8(v);
    if (v->ioreq.nr_done && !(c->exit_int_info & EVENT_VALID)) {
        /* In the middle of an instruction a device model serves: it exits
         * again at once to finish, and events wait until then, so that a
         * handler's own accesses cannot come between its parts. */
        c->event_inject = 0;
        withdraw_interrupt(v);
        return;
    }
    c->event_inject = next_event(v);

    /* A posted interrupt not taken yet is chosen again: a higher one may have come. */
    withdraw_interrupt(v);
    int vector = vcpu_pending_interrupt(v);
    if (vector < 0)
        return;
    if (!c->event_inject && (vmcb->save.rflags & RFLAGS_IF) && (c->interrupt_shadow & 1))
        complete_shadowed_hlt(v);
    post_interrupt(v, (uint8_t)vector);
}
