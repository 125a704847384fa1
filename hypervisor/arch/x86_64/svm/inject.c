/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Event injection before VMRUN, in priority order: an event whose delivery
 * an exit interrupted (EXITINTINFO), an exception from emulation, an NMI,
 * then the vLAPIC's highest interrupt -- injected directly when the guest
 * can take it, or through an interrupt window (V_IRQ + VINTR intercept).
 */
#include <arch/cpu.h>
#include <arch/insn_decode.h>
#include <arch/svm_exit.h>
#include <arch/vmcb.h>
#include <skerry/domain.h>
#include <skerry/vcpu.h>

#define VECTOR_NMI 2
#define OPCODE_HLT 0xF4

static void open_interrupt_window(struct vmcb_control *c)
{
    c->vintr |= VINTR_IRQ | VINTR_IGN_TPR | (0xFull << VINTR_PRIO_SHIFT);
    c->intercept_misc1 |= INTERCEPT_VINTR;
}

/*
 * A host interrupt between STI and HLT exits with the guest in the STI
 * shadow.  QEMU's VMRUN does not restore the shadow, so an interrupt
 * window opened now would be taken before the HLT, which would then sleep
 * with nothing pending: a lost wake-up.  A HLT in the shadow with an
 * interrupt pending ends at once anyway: complete it here and inject.
 */
static bool complete_shadowed_hlt(struct vcpu *v)
{
    uint8_t insn[INSN_MAX_LENGTH];
    if (svm_fetch_instruction(v, insn) == 0 || insn[0] != OPCODE_HLT)
        return false;
    svm_skip_instruction(v, 1);
    return true;
}

void svm_inject_events(struct vcpu *v)
{
    struct vmcb *vmcb = v->arch.vmcb;
    struct vmcb_control *c = &vmcb->control;

    c->vintr = (c->vintr & ~VINTR_TPR_MASK) | vcpu_lapic_cr8(v);
    c->event_inject = 0;
    if (c->exit_int_info & EVENT_VALID) {
        c->event_inject = c->exit_int_info;
        c->exit_int_info = 0;
        return;
    }
    if (v->arch.pending_exception) {
        c->event_inject = v->arch.pending_exception;
        v->arch.pending_exception = 0;
        return;
    }
    bool can_interrupt = (vmcb->save.rflags & RFLAGS_IF) && !(c->interrupt_shadow & 1);
    if (__atomic_load_n(&v->nmi_pending, __ATOMIC_ACQUIRE)) {
        if (!(c->interrupt_shadow & 1)) {
            v->nmi_pending = false;
            c->event_inject = EVENT_VALID | EVENT_TYPE_NMI | VECTOR_NMI;
            return;
        }
    }
    int vector = vcpu_pending_interrupt(v);
    if (vector < 0)
        return;
    if ((vmcb->save.rflags & RFLAGS_IF) && (c->interrupt_shadow & 1) && complete_shadowed_hlt(v))
        can_interrupt = true;
    if (can_interrupt) {
        vcpu_ack_interrupt(v, (uint8_t)vector);
        c->event_inject = EVENT_VALID | EVENT_TYPE_INTR | (uint8_t)vector;
    } else {
        open_interrupt_window(c);
    }
}
