/* SPDX-License-Identifier: GPL-2.0-only */
/* Per-CPU SVM enablement and per-domain/per-vCPU control structures. */
#include <stddef.h>
#include <string.h>
#include <arch/cpu.h>
#include <arch/permission_maps.h>
#include <arch/regs.h>
#include <arch/regs_offsets.h>
#include <arch/svm.h>
#include <arch/vmcb.h>
#include <skerry/domain.h>
#include <skerry/log.h>
#include <skerry/memory.h>
#include <skerry/panic.h>
#include <skerry/percpu.h>

_Static_assert(offsetof(struct x86_gprs, r[X86_RDI]) == GPR_RDI, "GPR offsets");
_Static_assert(offsetof(struct x86_gprs, r[X86_R15]) == GPR_R15, "GPR offsets");

#define CPUID_80000001_ECX_SVM (1u << 2)
#define CPUID_8000000A_EDX_NP  (1u << 0)
#define VM_CR_SVMDIS           (1ull << 4)
#define IOPM_PAGES  3
#define MSRPM_PAGES 2
#define PAT_DEFAULT 0x0007040600070406ull

static uint32_t nr_asids;

/* MSRs whose guest value lives in the VMCB (VMLOAD/VMSAVE state): no exit needed. */
static const uint32_t vmcb_held_msrs[] = {
    MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK,
    0x174 /* SYSENTER_CS */, 0x175 /* SYSENTER_ESP */, 0x176 /* SYSENTER_EIP */,
};

uint32_t svm_nr_asids(void)
{
    return nr_asids;
}

void svm_check_support(void)
{
    if (!(cpuid(0x80000001).ecx & CPUID_80000001_ECX_SVM))
        panic("this CPU has no AMD-V (SVM): the vmkernel needs it "
              "(under QEMU use -cpu qemu64,+svm,+npt)");
    if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS)
        panic("SVM is disabled by the firmware (VM_CR.SVMDIS): enable it in the BIOS setup");
    struct cpuid_regs svm = cpuid(0x8000000A);
    if (!(svm.edx & CPUID_8000000A_EDX_NP))
        panic("this CPU's SVM has no nested paging (NPT): the vmkernel needs it "
              "(under QEMU add +npt to -cpu)");
    nr_asids = svm.ebx;
    log_info("SVM revision %u, %u ASIDs, features %#x", svm.eax & 0xFF, svm.ebx, svm.edx);
}

void svm_cpu_init(void)
{
    struct arch_pcpu *a = &this_cpu()->arch;
    void *hsave = frames_alloc(1);
    void *host_area = frames_alloc(1);
    if (!hsave || !host_area)
        panic("no memory for the SVM host save areas");
    a->hsave_pa = virt_to_phys(hsave);
    a->host_vmcb_pa = virt_to_phys(host_area);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
    wrmsr(MSR_VM_HSAVE_PA, a->hsave_pa);
    /* Capture the host's FS/GS/TR/syscall state for VMLOAD after each exit. */
    __asm__ volatile("vmsave %0" ::"a"(a->host_vmcb_pa) : "memory");
}

int svm_domain_init(struct domain *d)
{
    d->arch.iopm = frames_alloc(IOPM_PAGES);
    d->arch.msrpm = frames_alloc(MSRPM_PAGES);
    if (!d->arch.iopm || !d->arch.msrpm)
        return -1;
    /* Everything intercepted; the domain builder opens what it passes through. */
    memset(d->arch.iopm, 0xFF, IOPM_PAGES * FRAME_SIZE);
    memset(d->arch.msrpm, 0xFF, MSRPM_PAGES * FRAME_SIZE);
    for (size_t i = 0; i < sizeof vmcb_held_msrs / sizeof vmcb_held_msrs[0]; i++)
        msrpm_set(d->arch.msrpm, vmcb_held_msrs[i], false, false);
    d->arch.asid = 1 + d->id % (nr_asids - 1);
    return 0;
}

void svm_domain_pass_ports(struct domain *d, uint16_t first, uint32_t count, bool pass)
{
    iopm_set(d->arch.iopm, first, count, !pass);
}

/*
 * MSRs another domain's builder may pass through (DOMAIN grant_msr):
 * counters a guest may read directly.  Writes are never passed: every
 * other MSR is the machine's state, not the guest's.
 */
static const uint32_t readable_msrs[] = { 0x10 /* TSC */, 0xE7 /* MPERF */, 0xE8 /* APERF */ };

int svm_domain_pass_msr(struct domain *d, uint32_t msr, bool read, bool write)
{
    if (write)
        return -1;
    for (size_t i = 0; i < sizeof readable_msrs / sizeof readable_msrs[0]; i++)
        if (readable_msrs[i] == msr)
            return msrpm_set(d->arch.msrpm, msr, !read, true);
    return -1;
}

unsigned svm_domain_port_ranges(const struct domain *d, struct port_range *out, unsigned max)
{
    unsigned n = 0;
    for (uint32_t port = 0; port < 0x10000 && n < max;) {
        if (iopm_intercepts(d->arch.iopm, (uint16_t)port, 1)) {
            port++;
            continue;
        }
        uint32_t first = port;
        while (port < 0x10000 && !iopm_intercepts(d->arch.iopm, (uint16_t)port, 1))
            port++;
        out[n++] = (struct port_range){ (uint16_t)first, port - first };
    }
    return n;
}

void svm_domain_destroy(struct domain *d)
{
    if (d->arch.iopm)
        frames_free(d->arch.iopm, IOPM_PAGES);
    if (d->arch.msrpm)
        frames_free(d->arch.msrpm, MSRPM_PAGES);
    d->arch.iopm = NULL;
    d->arch.msrpm = NULL;
}

static void set_intercepts(struct vmcb_control *c)
{
    /* #DB, #GP (the backdoor from user space: backdoor_exit.c), #AC, #MC */
    c->intercept_exceptions = (1u << 1) | (1u << 13) | (1u << 17) | (1u << 18);
    c->intercept_misc1 = INTERCEPT_INTR | INTERCEPT_NMI | INTERCEPT_SMI | INTERCEPT_INIT |
                         INTERCEPT_CPUID | INTERCEPT_RSM | INTERCEPT_HLT | INTERCEPT_INVLPGA |
                         INTERCEPT_IOIO_PROT | INTERCEPT_MSR_PROT | INTERCEPT_SHUTDOWN;
    c->intercept_misc2 = INTERCEPT_VMRUN | INTERCEPT_VMMCALL | INTERCEPT_VMLOAD |
                         INTERCEPT_VMSAVE | INTERCEPT_STGI | INTERCEPT_CLGI | INTERCEPT_SKINIT |
                         INTERCEPT_ICEBP | INTERCEPT_MONITOR | INTERCEPT_MWAIT |
                         INTERCEPT_XSETBV | INTERCEPT_RDTSCP;
}

int svm_vcpu_init(struct vcpu *v)
{
    struct vmcb *vmcb = frames_alloc(1);
    if (!vmcb)
        return -1;
    v->arch.vmcb = vmcb;
    fpu_state_init(&v->arch.fpu);
    struct domain *d = v->dom;
    struct vmcb_control *c = &vmcb->control;
    set_intercepts(c);
    c->iopm_base_pa = virt_to_phys(d->arch.iopm);
    c->msrpm_base_pa = virt_to_phys(d->arch.msrpm);
    c->asid = d->arch.asid;
    c->tlb_control = TLB_CONTROL_FLUSH_ASID;
    c->vintr = VINTR_MASKING;
    c->np_control = 1;
    c->n_cr3 = d->arch.npt.root_pa;
    vmcb->save.g_pat = PAT_DEFAULT;
    vmcb->save.dr6 = 0xFFFF0FF0;
    vmcb->save.dr7 = 0x400;
    vmcb->save.rflags = 0x2;
    return 0;
}

void svm_vcpu_destroy(struct vcpu *v)
{
    fpu_release(&v->arch.fpu);
    if (v->arch.vmcb)
        frames_free(v->arch.vmcb, 1);
    v->arch.vmcb = NULL;
}

static void flat_segment(struct vmcb_segment *s, uint16_t sel, uint16_t attrib)
{
    *s = (struct vmcb_segment){ .selector = sel, .attrib = attrib, .limit = 0xFFFFFFFF, .base = 0 };
}

#define SEG_ATTR_REAL_CODE 0x009B
#define SEG_ATTR_REAL_DATA 0x0093
#define CR0_AFTER_INIT     (CR0_CD | CR0_NW | CR0_ET)

void svm_vcpu_set_real_mode(struct vcpu *v, uint8_t vector)
{
    struct vmcb_save *s = &v->arch.vmcb->save;
    struct vmcb_segment data = { .selector = 0, .attrib = SEG_ATTR_REAL_DATA, .limit = 0xFFFF };
    s->cs = (struct vmcb_segment){ .selector = (uint16_t)(vector << 8),
                                   .attrib = SEG_ATTR_REAL_CODE, .limit = 0xFFFF,
                                   .base = (uint64_t)vector << 12 };
    s->ds = s->es = s->ss = s->fs = s->gs = data;
    s->gdtr = (struct vmcb_segment){ .limit = 0xFFFF };
    s->idtr = (struct vmcb_segment){ .limit = 0xFFFF };
    s->ldtr = (struct vmcb_segment){ .attrib = SEG_ATTR_LDT, .limit = 0xFFFF };
    s->tr = (struct vmcb_segment){ .attrib = SEG_ATTR_TSS64_BUSY, .limit = 0xFFFF };
    s->cr0 = CR0_AFTER_INIT;
    s->cr3 = 0;
    s->cr4 = 0;
    s->efer = EFER_SVME;                         /* SVME must stay set in the VMCB */
    s->cpl = 0;
    s->rip = 0;
    s->rflags = 0x2;
    s->dr7 = 0x400;
    s->dr6 = 0xFFFF0FF0;
    for (int i = 0; i < X86_NR_GPRS; i++)
        v->arch.gprs.r[i] = 0;
}

void svm_vcpu_set_long_mode(struct vcpu *v, uint64_t rip, uint64_t cr3, uint64_t gdt_base,
                            uint16_t gdt_limit)
{
    struct vmcb_save *s = &v->arch.vmcb->save;
    flat_segment(&s->cs, 0x10, SEG_ATTR_CODE64);
    flat_segment(&s->ds, 0x18, SEG_ATTR_DATA);
    flat_segment(&s->es, 0x18, SEG_ATTR_DATA);
    flat_segment(&s->ss, 0x18, SEG_ATTR_DATA);
    flat_segment(&s->fs, 0x18, SEG_ATTR_DATA);
    flat_segment(&s->gs, 0x18, SEG_ATTR_DATA);
    s->gdtr = (struct vmcb_segment){ .limit = gdt_limit, .base = gdt_base };
    s->idtr = (struct vmcb_segment){ .limit = 0 };
    s->tr = (struct vmcb_segment){ .selector = 0, .attrib = SEG_ATTR_TSS64_BUSY, .limit = 0x67 };
    s->ldtr = (struct vmcb_segment){ .attrib = SEG_ATTR_LDT, .limit = 0xFFFF };
    s->cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
    s->cr3 = cr3;
    s->cr4 = CR4_PAE;
    s->efer = EFER_LME | EFER_LMA | EFER_SVME;   /* SVME must stay set in the VMCB */
    s->cpl = 0;
    s->rip = rip;
    s->rflags = 0x2;
}
