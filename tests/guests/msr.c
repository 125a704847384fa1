/* SPDX-License-Identifier: GPL-2.0-only */
/* MSR policy: emulated MSRs behave, everything else raises #GP. */
#include "guest.h"

const char test_name[] = "msr";

#define GP 13
#define MSR_EFER 0xC0000080u

void test_main(void)
{
    uint64_t v = 0;
    check(safe_rdmsr(MSR_EFER, &v) < 0, "EFER can be read");
    check((v & (1u << 8)) && (v & (1u << 10)), "EFER shows LME and LMA (%lx)", v);
    check(!(v & (1u << 12)), "EFER hides SVME from the guest");
    check(safe_wrmsr(MSR_EFER, v | (1u << 12)) == GP, "setting EFER.SVME raises #GP");
    check(safe_wrmsr(MSR_EFER, v | (1ull << 20)) == GP, "setting a reserved EFER bit raises #GP");
    uint64_t after = 0;
    safe_rdmsr(MSR_EFER, &after);
    check(after == v, "a refused EFER write changes nothing (%lx)", after);

    check(safe_rdmsr(0xC0010117, &v) == GP, "VM_HSAVE_PA is not reachable (#GP)");
    check(safe_wrmsr(0xC0010117, 0x1000) == GP, "writing VM_HSAVE_PA raises #GP");
    check(safe_rdmsr(0xC0010114, &v) == GP, "VM_CR is not reachable (#GP)");
    check(safe_rdmsr(0x12345678, &v) == GP, "an unknown MSR read raises #GP");
    check(safe_wrmsr(0x3A, 1) == GP, "IA32_FEATURE_CONTROL write raises #GP");

    uint64_t pat = 0;
    check(safe_rdmsr(0x277, &pat) < 0 && pat == 0x0007040600070406ull, "PAT reads its reset value (%lx)", pat);
    check(safe_wrmsr(0x277, 0x0007010600070106ull) < 0, "a valid PAT can be written");
    safe_rdmsr(0x277, &pat);
    check(pat == 0x0007010600070106ull, "PAT reads back what was written");
    check(safe_wrmsr(0x277, 0x0000000000000002ull) == GP, "a PAT with reserved type 2 raises #GP");

    uint64_t base = 0;
    check(safe_rdmsr(0x1B, &base) < 0, "IA32_APIC_BASE can be read");
    check((base & ~0xFFFull) == 0xFEE00000ull, "APIC base is 0xFEE00000 (%lx)", base);
    check((base & (1u << 8)) && (base & (1u << 11)), "APIC is enabled and vCPU 0 is the BSP");

    uint64_t t1 = 0, t2 = 0;
    safe_rdmsr(0x10, &t1);
    safe_rdmsr(0x10, &t2);
    check(t2 > t1, "IA32_TSC advances (%lx -> %lx)", t1, t2);
    check(safe_rdmsr(0x800 + 0x3, &v) == GP, "x2APIC MSRs raise #GP while the APIC is in xAPIC mode");

    /* Syscall MSRs live in the VMCB and pass straight through. */
    check(safe_wrmsr(0xC0000082, 0xFFFFFFFF81000000ull) < 0, "LSTAR can be written");
    safe_rdmsr(0xC0000082, &v);
    check(v == 0xFFFFFFFF81000000ull, "LSTAR reads back (%lx)", v);
    check(guest_vector_count[GP] == 9, "exactly the expected #GPs were raised (%u)",
          guest_vector_count[GP]);
}
