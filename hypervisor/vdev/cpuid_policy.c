/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What CPUID tells a domain: the host's features minus what the vmkernel
 * does not virtualise (SVM itself, MONITOR/MWAIT, XSAVE/AVX state, MTRR,
 * machine checks, performance counters, RDTSCP's TSC_AUX), plus the
 * hypervisor bit, x2APIC and TSC-deadline (emulated by the vLAPIC), the
 * vCPU's own APIC id, and the VMware identity leaves.
 */
#include <string.h>
#include <skerry/domain.h>
#include <skerry/time.h>
#include <skerry/vdev_platform.h>

#define HV_LEAF_BASE   0x40000000u
#define HV_LEAF_ABI    0x40000001u
#define HV_LEAF_TIMING 0x40000010u
#define MAX_BASIC_LEAF 0xDu

/* Leaf 1 */
#define L1_ECX_MONITOR   (1u << 3)
#define L1_ECX_VMX       (1u << 5)
#define L1_ECX_SMX       (1u << 6)
#define L1_ECX_EST       (1u << 7)
#define L1_ECX_TM2       (1u << 8)
#define L1_ECX_PDCM      (1u << 15)
#define L1_ECX_PCID      (1u << 17)
#define L1_ECX_DCA       (1u << 18)
#define L1_ECX_X2APIC    (1u << 21)
#define L1_ECX_TSC_DL    (1u << 24)
#define L1_ECX_XSAVE     (1u << 26)
#define L1_ECX_OSXSAVE   (1u << 27)
#define L1_ECX_AVX       (1u << 28)
#define L1_ECX_F16C      (1u << 29)
#define L1_ECX_HV        (1u << 31)
#define L1_EDX_MCE       (1u << 7)
#define L1_EDX_APIC      (1u << 9)
#define L1_EDX_MTRR      (1u << 12)
#define L1_EDX_MCA       (1u << 14)
#define L1_EDX_DS        (1u << 21)
#define L1_EDX_ACPI      (1u << 22)
#define L1_EDX_HTT       (1u << 28)
#define L1_EDX_TM        (1u << 29)
#define L1_EDX_PBE       (1u << 31)
/* Leaf 7.0 EBX: keep only features that need no vmkernel support. */
#define L7_EBX_KEEP ((1u << 0) /* FSGSBASE */ | (1u << 3) /* BMI1 */ | (1u << 7) /* SMEP */ | \
                     (1u << 8) /* BMI2 */ | (1u << 9) /* ERMS */ | (1u << 18) /* RDSEED */ | \
                     (1u << 19) /* ADX */ | (1u << 20) /* SMAP */ | (1u << 23) /* CLFLUSHOPT */ | \
                     (1u << 29) /* SHA */)
/* Leaf 0x80000001 */
#define LX1_ECX_SVM      (1u << 2)
#define LX1_ECX_SKINIT   (1u << 12)
#define LX1_ECX_WDT      (1u << 13)
#define LX1_ECX_LWP      (1u << 15)
#define LX1_ECX_PERFCTR  (1u << 23)
#define LX1_ECX_PERFNB   (1u << 24)
#define LX1_EDX_RDTSCP   (1u << 27)

static void hypervisor_leaves(struct vcpu *v, uint32_t leaf, struct cpuid_regs *out)
{
    (void)v;
    switch (leaf) {
    case HV_LEAF_BASE:
        out->eax = HV_LEAF_TIMING;
        memcpy(&out->ebx, "VMwa", 4);
        memcpy(&out->ecx, "reVM", 4);
        memcpy(&out->edx, "ware", 4);
        break;
    case HV_LEAF_ABI:
        out->eax = SKERRY_ABI_VERSION;
        memcpy(&out->ebx, "Sker", 4);   /* tells Skerry-aware code apart from real ESX */
        memcpy(&out->ecx, "ryVM", 4);
        break;
    case HV_LEAF_TIMING:
        out->eax = (uint32_t)time_tsc_khz();
        out->ebx = VDEV_APIC_BUS_KHZ;
        out->ecx = 1u << 0;                /* backdoor also reachable with VMMCALL */
        break;
    default:
        break;
    }
}

static void leaf1(struct vcpu *v, struct cpuid_regs *out)
{
    out->ecx &= ~(L1_ECX_MONITOR | L1_ECX_VMX | L1_ECX_SMX | L1_ECX_EST | L1_ECX_TM2 |
                  L1_ECX_PDCM | L1_ECX_PCID | L1_ECX_DCA | L1_ECX_XSAVE | L1_ECX_OSXSAVE |
                  L1_ECX_AVX | L1_ECX_F16C);
    out->ecx |= L1_ECX_HV | L1_ECX_X2APIC | L1_ECX_TSC_DL;
    out->edx &= ~(L1_EDX_MCE | L1_EDX_MTRR | L1_EDX_MCA | L1_EDX_DS | L1_EDX_ACPI | L1_EDX_TM |
                  L1_EDX_PBE | L1_EDX_HTT);
    out->edx |= L1_EDX_APIC;
    if (v->dom->nr_vcpus > 1)
        out->edx |= L1_EDX_HTT;
    /* EBX: initial APIC id, logical processor count, CLFLUSH size, brand. */
    out->ebx = (out->ebx & 0x0000FFFF) | (v->dom->nr_vcpus & 0xFF) << 16 | (v->index & 0xFF) << 24;
}

/* x2APIC topology: every vCPU is a core of one package. */
static void leaf_topology(struct vcpu *v, uint32_t subleaf, struct cpuid_regs *out)
{
    unsigned shift = 0;
    while ((1u << shift) < v->dom->nr_vcpus)
        shift++;
    *out = (struct cpuid_regs){ 0, 0, subleaf & 0xFF, v->index };
    if (subleaf == 0) {
        out->eax = 0;
        out->ebx = 1;
        out->ecx |= 1u << 8;              /* SMT level */
    } else if (subleaf == 1) {
        out->eax = shift;
        out->ebx = v->dom->nr_vcpus;
        out->ecx |= 2u << 8;              /* core level */
    }
}

void vdev_cpuid(struct vcpu *v, uint32_t leaf, uint32_t subleaf, struct cpuid_regs *out)
{
    *out = (struct cpuid_regs){ 0, 0, 0, 0 };
    if (leaf >= HV_LEAF_BASE && leaf < 0x80000000u) {
        hypervisor_leaves(v, leaf, out);
        return;
    }
    uint32_t max = leaf < 0x80000000u ? cpuid(0).eax : cpuid(0x80000000u).eax;
    if (leaf < 0x80000000u && max > MAX_BASIC_LEAF)
        max = MAX_BASIC_LEAF;
    if (leaf > max)
        return;                           /* out of range: all zeros, as on AMD */
    *out = cpuid_count(leaf, subleaf);
    switch (leaf) {
    case 0:
        out->eax = max;
        break;
    case 1:
        leaf1(v, out);
        break;
    case 5: case 6: case 0xA: case 0xD:   /* MONITOR, power, perfmon, XSAVE: hidden */
        *out = (struct cpuid_regs){ 0, 0, 0, 0 };
        break;
    case 7:
        if (subleaf == 0) {
            out->eax = 0;
            out->ebx &= L7_EBX_KEEP;
            out->ecx = 0;
            out->edx = 0;
        } else {
            *out = (struct cpuid_regs){ 0, 0, 0, 0 };
        }
        break;
    case 0xB:
        leaf_topology(v, subleaf, out);
        break;
    case 0x80000001u:
        out->ecx &= ~(LX1_ECX_SVM | LX1_ECX_SKINIT | LX1_ECX_WDT | LX1_ECX_LWP | LX1_ECX_PERFCTR |
                      LX1_ECX_PERFNB);
        out->edx &= ~LX1_EDX_RDTSCP;
        break;
    case 0x8000000Au:                      /* SVM features: none for guests */
        *out = (struct cpuid_regs){ 0, 0, 0, 0 };
        break;
    default:
        break;
    }
}
