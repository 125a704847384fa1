/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * #VMEXIT dispatch by reason.  Every exit is counted per vCPU; each
 * handler either completes the guest's instruction (advancing RIP by the
 * length the vmkernel computed: TCG has no nRIP save) or injects the
 * fault the instruction would raise.
 */
#include <stdio.h>
#include <arch/cpu.h>
#include <arch/svm_exit.h>
#include <arch/vmcb.h>
#include <skerry/domain.h>
#include <skerry/ioreq.h>
#include <skerry/hypercall.h>
#include <skerry/log.h>
#include <skerry/vcpu.h>
#include <skerry/vdev_platform.h>

#define VECTOR_DB 1
#define VECTOR_UD 6
#define VECTOR_GP 13
#define VECTOR_AC 17
#define VECTOR_MC 18

#define IOIO_IN          (1u << 0)
#define IOIO_STRING      (1u << 2)
#define IOIO_SIZE_SHIFT  4

static const char *const reason_names[NR_EXIT_REASONS] = {
    [EXIT_REASON_EXCEPTION] = "exception", [EXIT_REASON_INTR] = "intr",
    [EXIT_REASON_NMI] = "nmi", [EXIT_REASON_VINTR] = "vintr", [EXIT_REASON_CPUID] = "cpuid",
    [EXIT_REASON_HLT] = "hlt", [EXIT_REASON_IOIO] = "ioio", [EXIT_REASON_MSR] = "msr",
    [EXIT_REASON_NPF] = "npf", [EXIT_REASON_VMMCALL] = "vmmcall",
    [EXIT_REASON_SHUTDOWN] = "shutdown", [EXIT_REASON_SVM_INSN] = "svm-insn",
    [EXIT_REASON_OTHER] = "other",
};

const char *svm_exit_reason_name(unsigned reason)
{
    return reason < NR_EXIT_REASONS ? reason_names[reason] : "?";
}

void svm_skip_instruction(struct vcpu *v, unsigned length)
{
    struct vmcb *vmcb = v->arch.vmcb;
    vmcb->save.rip += length;
    vmcb->control.interrupt_shadow = 0;   /* an emulated instruction ends STI/MOV SS shadow */
}

void svm_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error)
{
    v->arch.pending_exception = EVENT_VALID | EVENT_TYPE_EXCEPTION | vector |
                                (has_error ? EVENT_ERROR_VALID | (uint64_t)error << 32 : 0);
}

static enum exit_reason classify(uint64_t code)
{
    if (code >= SVM_EXIT_EXCP_BASE && code < SVM_EXIT_EXCP_BASE + 32)
        return EXIT_REASON_EXCEPTION;
    switch (code) {
    case SVM_EXIT_INTR:     return EXIT_REASON_INTR;
    case SVM_EXIT_NMI:      return EXIT_REASON_NMI;
    case SVM_EXIT_VINTR:    return EXIT_REASON_VINTR;
    case SVM_EXIT_CPUID:    return EXIT_REASON_CPUID;
    case SVM_EXIT_HLT:      return EXIT_REASON_HLT;
    case SVM_EXIT_IOIO:     return EXIT_REASON_IOIO;
    case SVM_EXIT_MSR:      return EXIT_REASON_MSR;
    case SVM_EXIT_NPF:      return EXIT_REASON_NPF;
    case SVM_EXIT_VMMCALL:  return EXIT_REASON_VMMCALL;
    case SVM_EXIT_SHUTDOWN: return EXIT_REASON_SHUTDOWN;
    case SVM_EXIT_VMRUN: case SVM_EXIT_VMLOAD: case SVM_EXIT_VMSAVE: case SVM_EXIT_STGI:
    case SVM_EXIT_CLGI: case SVM_EXIT_SKINIT: case SVM_EXIT_INVLPGA:
        return EXIT_REASON_SVM_INSN;
    default:                return EXIT_REASON_OTHER;
    }
}

static enum exit_action handle_cpuid(struct vcpu *v)
{
    struct x86_gprs *r = &v->arch.gprs;
    struct cpuid_regs out;
    vdev_cpuid(v, (uint32_t)r->r[X86_RAX], (uint32_t)r->r[X86_RCX], &out);
    r->r[X86_RAX] = out.eax;
    r->r[X86_RBX] = out.ebx;
    r->r[X86_RCX] = out.ecx;
    r->r[X86_RDX] = out.edx;
    svm_skip_instruction(v, 2);
    return EXIT_RESUME;
}

static enum exit_action handle_msr(struct vcpu *v)
{
    struct x86_gprs *r = &v->arch.gprs;
    uint32_t msr = (uint32_t)r->r[X86_RCX];
    int rc;
    if (v->arch.vmcb->control.exit_info1) {
        uint64_t value = (uint32_t)r->r[X86_RAX] | r->r[X86_RDX] << 32;
        rc = vdev_msr_write(v, msr, value);
    } else {
        uint64_t value = 0;
        rc = vdev_msr_read(v, msr, &value);
        if (rc == 0) {
            r->r[X86_RAX] = (uint32_t)value;
            r->r[X86_RDX] = value >> 32;
        }
    }
    if (rc < 0) {
        log_debug("dom%u vcpu%u: #GP for %s of MSR %#x", v->dom->id, v->index,
                  v->arch.vmcb->control.exit_info1 ? "write" : "read", msr);
        svm_inject_exception(v, VECTOR_GP, true, 0);
        return EXIT_RESUME;
    }
    svm_skip_instruction(v, 2);
    return EXIT_RESUME;
}

static enum exit_action handle_ioio(struct vcpu *v)
{
    struct vmcb_control *c = &v->arch.vmcb->control;
    uint32_t info = (uint32_t)c->exit_info1;
    uint16_t port = (uint16_t)(info >> 16);
    unsigned size = (info >> IOIO_SIZE_SHIFT) & 7;     /* 1, 2 or 4 bytes */
    struct x86_gprs *r = &v->arch.gprs;
    if (info & IOIO_STRING) {
        /* INS/OUTS to emulated ports: not used by any domain yet. */
        log_warn("dom%u vcpu%u: string I/O on port %#x not emulated, #GP", v->dom->id, v->index,
                 port);
        svm_inject_exception(v, VECTOR_GP, true, 0);
        return EXIT_RESUME;
    }
    if (port == VMWARE_BACKDOOR_PORT && size == 4)
        return svm_backdoor_call(v, (unsigned)(c->exit_info2 - v->arch.vmcb->save.rip));
    uint64_t mask = size == 4 ? 0xFFFFFFFFull : (1ull << (size * 8)) - 1;
    uint64_t value = r->r[X86_RAX] & mask;
    enum ioreq_outcome served = hypercall_ioreq_access(v, SK_IOREQ_PIO,
                                                       info & IOIO_IN ? SK_IOREQ_READ : SK_IOREQ_WRITE,
                                                       port, size, &value);
    if (served == IOREQ_WAIT)
        return EXIT_BLOCK;                    /* the IN or OUT runs again once served */
    if (served == IOREQ_DONE) {
        ioreq_instruction_done(v);
        if ((info & IOIO_IN) && size == 4)
            r->r[X86_RAX] = value;                       /* 32-bit writes zero-extend */
        else if (info & IOIO_IN)
            r->r[X86_RAX] = (r->r[X86_RAX] & ~mask) | (value & mask);
    } else if (info & IOIO_IN) {
        uint32_t val = vdev_port_read(v, port, size);
        if (size == 4)
            r->r[X86_RAX] = val;                         /* 32-bit writes zero-extend */
        else
            r->r[X86_RAX] = (r->r[X86_RAX] & ~mask) | (val & mask);
    } else {
        vdev_port_write(v, port, size, (uint32_t)r->r[X86_RAX]);
    }
    v->arch.vmcb->save.rip = c->exit_info2;              /* the next RIP */
    c->interrupt_shadow = 0;
    return EXIT_RESUME;
}

static enum exit_action handle_hlt(struct vcpu *v)
{
    svm_skip_instruction(v, 1);
    if (vcpu_has_wake_event(v))
        return EXIT_RESUME;
    return (v->arch.vmcb->save.rflags & RFLAGS_IF) ? EXIT_BLOCK : EXIT_HALT;
}

/* Message registers MR0..MR7 (public/skerry/abi.h). */
static const unsigned mr_regs[SK_MSG_MAX_REGS] = { X86_RDX, X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13,
                                                   X86_R14 };

static enum exit_action handle_hypercall(struct vcpu *v)
{
    struct x86_gprs *r = &v->arch.gprs;
    struct cap_call call = { .cptr = r->r[X86_RDI], .info = r->r[X86_RSI] };
    for (unsigned i = 0; i < SK_MSG_MAX_REGS; i++)
        call.mr[i] = r->r[mr_regs[i]];
    struct cap_reply reply;
    if (hypercall_invoke(v, &call, &reply) == HYPERCALL_BLOCK)
        return EXIT_BLOCK;                     /* the call runs again when woken */
    r->r[X86_RAX] = (uint64_t)reply.error;
    r->r[X86_RSI] = sk_msginfo_new(0, 0, reply.length);
    for (unsigned i = 0; i < SK_MSG_MAX_REGS; i++)
        r->r[mr_regs[i]] = i < reply.length ? reply.mr[i] : 0;
    svm_skip_instruction(v, 3);
    return EXIT_RESUME;
}

static enum exit_action handle_vmmcall(struct vcpu *v)
{
    struct x86_gprs *r = &v->arch.gprs;
    uint32_t call = (uint32_t)r->r[X86_RAX];
    if (call == VMWARE_BACKDOOR_MAGIC) {
        return svm_backdoor_call(v, 3);       /* from any CPL, as the I/O port */
    } else if (v->arch.vmcb->save.cpl != 0) {  /* only a domain's kernel may call */
        svm_inject_exception(v, VECTOR_UD, false, 0);
        return EXIT_RESUME;
    } else if (r->r[X86_RAX] == SK_SYS_INVOKE) {
        return handle_hypercall(v);
    } else {
        r->r[X86_RAX] = SK_E_NO_SYSCALL;
    }
    svm_skip_instruction(v, 3);
    return EXIT_RESUME;
}

/*
 * #DB and #AC are intercepted only so that a guest cannot hang the CPU
 * (CVE-2015-8104, CVE-2015-5307): an exception raised while delivering
 * itself loops inside the CPU without ever exiting.  With the intercept
 * each round is an exit; a domain that keeps doing it is stopped.
 */
#define EXCEPTION_STORM_LIMIT 10000

static bool exception_storm(struct vcpu *v, unsigned vector)
{
    uint64_t info = v->arch.vmcb->control.exit_int_info;
    bool nested = (info & EVENT_VALID) && (info & 0xFF) == vector &&
                  (info & EVENT_TYPE_MASK) == EVENT_TYPE_EXCEPTION;
    v->arch.exception_storm = nested ? v->arch.exception_storm + 1 : 0;
    if (v->arch.exception_storm < EXCEPTION_STORM_LIMIT)
        return false;
    domain_kill(v->dom, "vcpu%u raised %s %u times while delivering it (RIP %#llx): "
                "stopped so that it cannot hang a CPU", v->index,
                vector == VECTOR_DB ? "#DB" : "#AC", EXCEPTION_STORM_LIMIT,
                (unsigned long long)v->arch.vmcb->save.rip);
    return true;
}

static enum exit_action reflect_exception(struct vcpu *v, unsigned vector)
{
    struct vmcb_control *c = &v->arch.vmcb->control;
    if ((vector == VECTOR_DB || vector == VECTOR_AC) && exception_storm(v, vector))
        return EXIT_STOP;
    /* The interrupted delivery is superseded by the new exception. */
    c->exit_int_info = 0;
    if (vector == VECTOR_AC)
        svm_inject_exception(v, VECTOR_AC, true, (uint32_t)c->exit_info1);
    else if (vector == VECTOR_DB)
        svm_inject_exception(v, VECTOR_DB, false, 0);
    else if (vector == VECTOR_MC)
        domain_kill(v->dom, "machine check while vcpu%u ran", v->index);
    else
        svm_inject_exception(v, (uint8_t)vector, false, 0);
    return v->dom->dying ? EXIT_STOP : EXIT_RESUME;
}

enum exit_action svm_handle_shutdown(struct vcpu *v)
{
    struct vmcb_save *s = &v->arch.vmcb->save;
    domain_kill(v->dom, "triple fault on vcpu%u at RIP %#llx RSP %#llx CR0 %#llx CR3 %#llx "
                "CR4 %#llx EFER %#llx", v->index, (unsigned long long)s->rip,
                (unsigned long long)s->rsp, (unsigned long long)s->cr0,
                (unsigned long long)s->cr3, (unsigned long long)s->cr4,
                (unsigned long long)(s->efer & ~EFER_SVME));
    return EXIT_STOP;
}

static enum exit_action handle_invalid(struct vcpu *v)
{
    struct vmcb_save *s = &v->arch.vmcb->save;
    domain_kill(v->dom, "VMRUN refused the state of vcpu%u (VMEXIT_INVALID): CR0 %#llx CR3 %#llx "
                "CR4 %#llx EFER %#llx CS attr %#x", v->index, (unsigned long long)s->cr0,
                (unsigned long long)s->cr3, (unsigned long long)s->cr4,
                (unsigned long long)s->efer, s->cs.attrib);
    return EXIT_STOP;
}

enum exit_action svm_handle_exit(struct vcpu *v)
{
    struct vmcb *vmcb = v->arch.vmcb;
    uint64_t code = vmcb->control.exit_code;
    v->exits[classify(code)]++;
    ioreq_instruction_start(v);
    svm_sync_posted_interrupt(v);
    vcpu_lapic_sync_cr8(v, vmcb->control.vintr & VINTR_TPR_MASK);

    if (code == SVM_EXIT_EXCP_BASE + VECTOR_GP)
        return svm_handle_gp(v);
    if (code >= SVM_EXIT_EXCP_BASE && code < SVM_EXIT_EXCP_BASE + 32)
        return reflect_exception(v, (unsigned)(code - SVM_EXIT_EXCP_BASE));
    switch (code) {
    case SVM_EXIT_INTR:
    case SVM_EXIT_NMI:
    case SVM_EXIT_SMI:
    case SVM_EXIT_INIT:
        return EXIT_RESUME;               /* the host took it after STGI */
    case SVM_EXIT_CPUID:
        return handle_cpuid(v);
    case SVM_EXIT_MSR:
        return handle_msr(v);
    case SVM_EXIT_IOIO:
        return handle_ioio(v);
    case SVM_EXIT_HLT:
        return handle_hlt(v);
    case SVM_EXIT_NPF:
        return svm_handle_npf(v);
    case SVM_EXIT_VMMCALL:
        return handle_vmmcall(v);
    case SVM_EXIT_SHUTDOWN:
        return svm_handle_shutdown(v);
    case SVM_EXIT_ICEBP:                  /* INT1: a #DB after the instruction */
        svm_skip_instruction(v, 1);
        svm_inject_exception(v, VECTOR_DB, false, 0);
        return EXIT_RESUME;
    case (uint64_t)SVM_EXIT_INVALID:
        return handle_invalid(v);
    default:
        /* SVM instructions, MONITOR/MWAIT, XSETBV, RDTSCP, RSM: not offered. */
        log_debug("dom%u vcpu%u: exit %#llx at RIP %#llx: #UD", v->dom->id, v->index,
                  (unsigned long long)code, (unsigned long long)vmcb->save.rip);
        svm_inject_exception(v, VECTOR_UD, false, 0);
        return EXIT_RESUME;
    }
}
