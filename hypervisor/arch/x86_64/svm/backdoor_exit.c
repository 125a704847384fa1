/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VMware backdoor's exits: a 4-byte IN or OUT on port 0x5658, VMMCALL
 * with the magic in EAX, and the #GP that a CPL3 IN raises before any I/O
 * exit.  VMware Tools (vmtoolsd, vmware-rpctool) call the backdoor from
 * user space without ioperm, as on ESX, where it works whatever IOPL and
 * the TSS bitmap say; so the #GP is intercepted and, when it comes from
 * such an IN, the call is made instead (as KVM's enable_vmware_backdoor
 * does).  A command the domain's device model claimed (ioreq space
 * SK_IOREQ_BACKDOOR: the GuestRPC channel in vmware-vmx) goes there; the
 * rest to the vmkernel's own commands (vdev/vmware_backdoor.c).
 */
#include <arch/svm_exit.h>
#include <arch/vmcb.h>
#include <skerry/domain.h>
#include <skerry/ioreq.h>
#include <skerry/vdev_platform.h>
#include <public/skerry/abi.h>

#define VECTOR_DF 8
#define VECTOR_GP 13
#define VECTOR_PF 14

static const enum x86_gpr bdoor_gprs[SK_BDOOR_NR_REGS] = { X86_RAX, X86_RBX, X86_RCX, X86_RDX, X86_RSI,
                                                           X86_RDI };

enum exit_action svm_backdoor_call(struct vcpu *v, unsigned insn_length)
{
    struct x86_gprs *r = &v->arch.gprs;
    enum ioreq_outcome o = IOREQ_UNCLAIMED;
    if ((uint32_t)r->r[X86_RAX] == VMWARE_BACKDOOR_MAGIC) {
        uint32_t regs[SK_BDOOR_NR_REGS];
        for (unsigned i = 0; i < SK_BDOOR_NR_REGS; i++)
            regs[i] = (uint32_t)r->r[bdoor_gprs[i]];
        o = hypercall_backdoor_access(v, regs);
        if (o == IOREQ_WAIT)
            return EXIT_BLOCK;                 /* the instruction runs again once served */
        if (o == IOREQ_DONE) {
            ioreq_instruction_done(v);
            for (unsigned i = 0; i < SK_BDOOR_NR_REGS; i++)
                r->r[bdoor_gprs[i]] = regs[i];            /* zero-extended, as 32-bit results */
        }
    }
    if (o == IOREQ_UNCLAIMED)
        vmware_backdoor_call(v, r);
    svm_skip_instruction(v, insn_length);
    return EXIT_RESUME;
}

/* The length of a 32-bit IN EAX,DX or OUT DX,EAX at buf (prefixes
 * included), or 0 if it is something else. */
static unsigned backdoor_in_length(const uint8_t *buf, unsigned n, bool operand16_default, bool long_mode)
{
    bool opsize = false;
    for (unsigned i = 0; i < n; i++) {
        uint8_t b = buf[i];
        switch (b) {
        case 0x66:
            opsize = true;
            continue;
        case 0x67: case 0x26: case 0x2E: case 0x36: case 0x3E: case 0x64: case 0x65: case 0xF2: case 0xF3:
            continue;
        default:
            break;
        }
        if (long_mode && (b & 0xF0) == 0x40 && i + 1 < n)
            continue;                          /* REX: no meaning for IN/OUT */
        if ((b == 0xED || b == 0xEF) && opsize == operand16_default)
            return i + 1;                      /* a 32-bit operand */
        return 0;
    }
    return 0;
}

/*
 * The #GP in place of the event whose delivery raised it, as the CPU
 * combines them (SDM vol. 3, table 6-5): after a contributory exception
 * or a page fault it is a double fault, after a double fault the CPU
 * shuts down.  (Else an OS that faults on an empty IDT, as Linux's
 * reboot=t does on purpose, would take #GP after #GP for ever.)
 */
static enum exit_action reflect_gp(struct vcpu *v, uint32_t error, uint64_t interrupted)
{
    if ((interrupted & EVENT_VALID) && (interrupted & EVENT_TYPE_MASK) == EVENT_TYPE_EXCEPTION) {
        unsigned vector = interrupted & 0xFF;
        if (vector == VECTOR_DF)
            return svm_handle_shutdown(v);
        if (vector == 0 || (vector >= 10 && vector <= VECTOR_PF)) {
            svm_inject_exception(v, VECTOR_DF, true, 0);
            return EXIT_RESUME;
        }
    }
    svm_inject_exception(v, VECTOR_GP, true, error);
    return EXIT_RESUME;
}

enum exit_action svm_handle_gp(struct vcpu *v)
{
    struct vmcb *vmcb = v->arch.vmcb;
    struct vmcb_save *s = &vmcb->save;
    uint32_t error = (uint32_t)vmcb->control.exit_info1;
    uint64_t interrupted = vmcb->control.exit_int_info;
    vmcb->control.exit_int_info = 0;           /* superseded by what follows */
    if (error == 0 && !(interrupted & EVENT_VALID) && (uint16_t)v->arch.gprs.r[X86_RDX] == VMWARE_BACKDOOR_PORT) {
        uint8_t bytes[16];
        unsigned n = svm_fetch_instruction(v, bytes);
        bool long_mode = (s->efer & EFER_LMA) && (s->cs.attrib & SEG_ATTR_L);
        bool operand16 = !long_mode && (!(s->cr0 & CR0_PE) || !(s->cs.attrib & SEG_ATTR_DB));
        unsigned length = backdoor_in_length(bytes, n, operand16, long_mode);
        if (length)
            return svm_backdoor_call(v, length);
    }
    return reflect_gp(v, error, interrupted);
}
