// SPDX-License-Identifier: GPL-2.0-only
/* The hypercall: VMMCALL with skerry/abi.h's register convention. */
#include <linux/errno.h>
#include <linux/string.h>
#include <asm/cpufeature.h>
#include <asm/processor.h>
#include "skerry/platform.h"
#include "vmnix.h"

enum vmnix_state vmnix_state = VMNIX_NOT_SKERRY;
u32 vmnix_cpuid_abi;

/*
 * CPUID 0x40000001 EAX when the hypervisor is Skerry (EBX:ECX "SkerryVM"),
 * else 0.  VMMCALL on anything else may raise #UD, so nothing calls the
 * vmkernel before this says yes.
 */
u32 vmnix_probe_cpuid(void)
{
    unsigned int eax, ebx, ecx, edx;
    char sig[8];

    if (!boot_cpu_has(X86_FEATURE_HYPERVISOR))
        return 0;
    cpuid(SKERRY_CPUID_HV_BASE, &eax, &ebx, &ecx, &edx);
    if (eax < SKERRY_CPUID_ABI)
        return 0;
    cpuid(SKERRY_CPUID_ABI, &eax, &ebx, &ecx, &edx);
    memcpy(sig, &ebx, 4);
    memcpy(sig + 4, &ecx, 4);
    return memcmp(sig, "SkerryVM", 8) == 0 ? eax : 0;
}

long vmnix_syscall(u64 call, sk_cptr_t cap, sk_msginfo_t *info, sk_word_t mr[SK_MSG_MAX_REGS])
{
    /* MR1..MR7 live in R8..R14: local register variables pin them there. */
    register u64 r8 asm("r8") = mr[1];
    register u64 r9 asm("r9") = mr[2];
    register u64 r10 asm("r10") = mr[3];
    register u64 r11 asm("r11") = mr[4];
    register u64 r12 asm("r12") = mr[5];
    register u64 r13 asm("r13") = mr[6];
    register u64 r14 asm("r14") = mr[7];
    u64 rax = call, rsi = *info, rdx = mr[0];

    if (vmnix_state == VMNIX_NOT_SKERRY)
        return -ENODEV;
    asm volatile("vmmcall"
                 : "+a"(rax), "+S"(rsi), "+d"(rdx), "+r"(r8), "+r"(r9), "+r"(r10),
                   "+r"(r11), "+r"(r12), "+r"(r13), "+r"(r14)
                 : "D"(cap)
                 : "memory");
    if ((long)rax == VMNIX_RAX_ENOSYS)
        return -ENOSYS;
    *info = rsi;
    mr[0] = rdx;
    mr[1] = r8;
    mr[2] = r9;
    mr[3] = r10;
    mr[4] = r11;
    mr[5] = r12;
    mr[6] = r13;
    mr[7] = r14;
    return (long)rax;
}

long vmnix_hypercall(sk_cptr_t cap, sk_msginfo_t *info, sk_word_t mr[SK_MSG_MAX_REGS])
{
    return vmnix_syscall(SK_SYS_INVOKE, cap, info, mr);
}

long vmnix_invoke(sk_cptr_t cap, sk_msginfo_t info, sk_word_t mr[SK_MSG_MAX_REGS])
{
    return vmnix_hypercall(cap, &info, mr);
}

static const char *const sk_error_names[SK_E_NR_ERRORS] = {
    [SK_OK] = "no error",
    [SK_E_INVALID_ARGUMENT] = "invalid argument",
    [SK_E_INVALID_CAPABILITY] = "invalid capability",
    [SK_E_ILLEGAL_OPERATION] = "illegal operation",
    [SK_E_RANGE] = "out of range",
    [SK_E_ALIGNMENT] = "misaligned",
    [SK_E_FAILED_LOOKUP] = "failed lookup",
    [SK_E_TRUNCATED_MESSAGE] = "truncated message",
    [SK_E_DELETE_FIRST] = "slot occupied",
    [SK_E_REVOKE_FIRST] = "revoke first",
    [SK_E_NOT_ENOUGH_MEMORY] = "not enough memory",
    [SK_E_INSUFFICIENT_RIGHTS] = "insufficient rights",
    [SK_E_BUSY] = "busy",
    [SK_E_NOT_PRIVILEGED] = "not privileged",
    [SK_E_NO_SYSCALL] = "no such system call",
};

const char *vmnix_error_text(long err)
{
    if (err == -ENOSYS)
        return "the vmkernel does not answer hypercalls (an older vmkernel)";
    if (err == -ENODEV)
        return "not running under the Skerry vmkernel";
    if (err == -ENOMEM)
        return "out of memory in the console";
    if (err >= 0 && err < SK_E_NR_ERRORS && sk_error_names[err])
        return sk_error_names[err];
    return "unknown error";
}
