/* SPDX-License-Identifier: GPL-2.0-only */
/* CPUID policy and the VMware hypervisor identity, seen from inside a domain. */
#include "guest.h"
#include <public/skerry/platform.h>

const char test_name[] = "cpuid";

static volatile uint32_t ap_apic_id = 0xFFFFFFFF;

static void check_signature(void)
{
    struct cpuid_result r = cpuid2(0x40000000, 0);
    char sig[13];
    memcpy(sig, &r.ebx, 4);
    memcpy(sig + 4, &r.ecx, 4);
    memcpy(sig + 8, &r.edx, 4);
    sig[12] = '\0';
    check(memcmp(sig, "VMwareVMware", 12) == 0, "cpuid 0x40000000 signature is VMwareVMware (got %s)", sig);
    check(r.eax >= 0x40000010, "cpuid 0x40000000 max leaf %x >= 0x40000010", r.eax);
}

static void check_timing_leaf(void)
{
    struct cpuid_result r = cpuid2(0x40000010, 0);
    check(r.eax > 100000 && r.eax < 10000000, "cpuid 0x40000010 TSC kHz is plausible (%u)", r.eax);
    check(r.ebx == 1000000, "cpuid 0x40000010 APIC bus is 1000000 kHz (%u)", r.ebx);
    uint64_t t0 = rdtsc();
    delay_us(0);
    check(rdtsc() > t0, "the TSC advances");
    struct cpuid_result abi = cpuid2(0x40000001, 0);
    check(abi.eax == SKERRY_ABI_VERSION && abi.ebx == 0x72656b53 /* "Sker" */, "cpuid 0x40000001 reports Skerry ABI version %u.%u (eax %x)",
          SKERRY_ABI_MAJOR, SKERRY_ABI_MINOR, abi.eax);
}

static void check_features(void)
{
    struct cpuid_result l1 = cpuid2(1, 0);
    check(l1.ecx & (1u << 31), "cpuid 1: the hypervisor bit is set");
    check(l1.ecx & (1u << 21), "cpuid 1: x2APIC is offered");
    check(l1.ecx & (1u << 24), "cpuid 1: TSC-deadline timer is offered");
    check(!(l1.ecx & (1u << 26)) && !(l1.ecx & (1u << 28)), "cpuid 1: XSAVE and AVX are hidden");
    check(!(l1.ecx & (1u << 3)), "cpuid 1: MONITOR/MWAIT is hidden");
    check(!(l1.edx & (1u << 12)) && !(l1.edx & (1u << 7)), "cpuid 1: MTRR and MCE are hidden");
    check((l1.ebx >> 24) == 0, "cpuid 1: vCPU 0 has initial APIC id 0");
    check(((l1.ebx >> 16) & 0xFF) == guest_nr_vcpus, "cpuid 1: logical CPU count is %u",
          guest_nr_vcpus);
    struct cpuid_result x1 = cpuid2(0x80000001, 0);
    check(!(x1.ecx & (1u << 2)), "cpuid 0x80000001: SVM is hidden from the guest");
    check(!(x1.edx & (1u << 27)), "cpuid 0x80000001: RDTSCP is hidden");
    check(x1.edx & (1u << 29), "cpuid 0x80000001: long mode is reported");
    struct cpuid_result svm = cpuid2(0x8000000A, 0);
    check(svm.eax == 0 && svm.ebx == 0 && svm.edx == 0, "cpuid 0x8000000A: no SVM features");
    uint32_t max = cpuid2(0, 0).eax;
    struct cpuid_result beyond = cpuid2(max + 1, 0);
    check(beyond.eax == 0 && beyond.ebx == 0 && beyond.ecx == 0 && beyond.edx == 0,
          "cpuid leaf beyond max (%x) returns zeros", max + 1);
    struct cpuid_result topo = cpuid2(0xB, 0);
    check(topo.edx == 0, "cpuid 0xB: x2APIC id of vCPU 0 is 0");
}

void test_ap_main(unsigned vcpu)
{
    if (vcpu == 1)
        ap_apic_id = cpuid2(0xB, 0).edx;
    guest_halt_forever();
}

void test_main(void)
{
    check_signature();
    check_timing_leaf();
    check_features();
    if (guest_nr_vcpus > 1) {
        uint64_t end = now_us() + 2000000;
        while (ap_apic_id == 0xFFFFFFFF && now_us() < end)
            pause();
        check(ap_apic_id == 1, "cpuid 0xB on vCPU 1 reports x2APIC id 1 (%x)", ap_apic_id);
    }
}
