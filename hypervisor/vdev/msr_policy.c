/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MSRs a domain may touch through an intercept.  The syscall/segment-base
 * MSRs that live in the VMCB are passed through (see svm_msrpm_open());
 * everything below is emulated, and any other MSR raises #GP, which Linux
 * handles with its *_safe accessors.
 */
#include <arch/vmcb.h>
#include <skerry/domain.h>
#include <skerry/vcpu.h>
#include <skerry/vdev_platform.h>

#define MSR_TSC              0x00000010
#define MSR_PLATFORM_ID      0x00000017
#define MSR_MISC_ENABLE      0x000001A0
#define MSR_MTRR_DEF_TYPE    0x000002FF
#define MSR_X2APIC_FIRST     0x00000800
#define MSR_X2APIC_LAST      0x000008FF
#define MSR_TSC_AUX          0xC0000103
#define MSR_K8_INT_PENDING_MSG 0xC0010055   /* Linux reads it unchecked on family 0xF */
#define MISC_ENABLE_FAST_STRINGS 1ull
#define EFER_GUEST_WRITABLE  (EFER_SCE | EFER_LME | EFER_NXE | (1ull << 14) /* FFXSR */)

static bool is_lapic_msr(uint32_t msr)
{
    return msr == MSR_APIC_BASE || msr == MSR_TSC_DEADLINE ||
           (msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST);
}

/* PAT entries must be valid memory types (0, 1, 4, 5, 6, 7). */
static bool valid_pat(uint64_t pat)
{
    for (int i = 0; i < 8; i++) {
        uint8_t t = (pat >> (i * 8)) & 0xFF;
        if (t == 2 || t == 3 || t > 7)
            return false;
    }
    return true;
}

int vdev_msr_read(struct vcpu *v, uint32_t msr, uint64_t *value)
{
    struct vmcb_save *s = &v->arch.vmcb->save;
    if (is_lapic_msr(msr))
        return vcpu_lapic_msr_read(v, msr, value);
    switch (msr) {
    case MSR_TSC:
        *value = guest_tsc_now(v);
        return 0;
    case MSR_EFER:
        *value = s->efer & ~EFER_SVME;     /* the guest has no SVM */
        return 0;
    case MSR_PAT:
        *value = s->g_pat;
        return 0;
    case MSR_MISC_ENABLE:
        *value = MISC_ENABLE_FAST_STRINGS;
        return 0;
    case MSR_PLATFORM_ID:
    case MSR_K8_INT_PENDING_MSG:        /* no C1E: nothing pending */
    case MSR_MTRR_CAP:
    case MSR_MTRR_DEF_TYPE:
        *value = 0;                         /* no MTRRs (hidden in CPUID) */
        return 0;
    default:
        return -1;
    }
}

int vdev_msr_write(struct vcpu *v, uint32_t msr, uint64_t value)
{
    struct vmcb_save *s = &v->arch.vmcb->save;
    if (is_lapic_msr(msr))
        return vcpu_lapic_msr_write(v, msr, value);
    switch (msr) {
    case MSR_EFER:
        if (value & ~(EFER_GUEST_WRITABLE | EFER_LMA))
            return -1;
        /* LMA is the CPU's to set; keep the guest's view and SVME for VMRUN. */
        s->efer = (value & EFER_GUEST_WRITABLE) | (s->efer & EFER_LMA) | EFER_SVME;
        return 0;
    case MSR_PAT:
        if (!valid_pat(value))
            return -1;
        s->g_pat = value;
        return 0;
    case MSR_MISC_ENABLE:
    case MSR_MTRR_DEF_TYPE:
    case MSR_K8_INT_PENDING_MSG:
        return 0;                           /* accepted and ignored */
    default:
        return -1;
    }
}
