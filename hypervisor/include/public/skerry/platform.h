/* SPDX-License-Identifier: MIT */
/*
 * Skerry's public platform facts: what any domain can rely on.  Stable and
 * versioned; no vmkernel internals.
 */
#ifndef SKERRY_PUBLIC_PLATFORM_H
#define SKERRY_PUBLIC_PLATFORM_H

/* CPUID 0x40000000: "VMwareVMware", max leaf 0x40000010 (VMware identity). */
#define SKERRY_CPUID_HV_BASE        0x40000000u
/* CPUID 0x40000001: EAX = ABI version (major << 16 | minor), EBX:ECX = "SkerryVM". */
#define SKERRY_CPUID_ABI            0x40000001u
/* CPUID 0x40000010: EAX = TSC kHz, EBX = local APIC timer (bus) kHz. */
#define SKERRY_CPUID_TIMING         0x40000010u

#define SKERRY_ABI_MAJOR            0u
#define SKERRY_ABI_MINOR            7u   /* 0.7: DOMAIN send_msi; 0.6: backdoor commands to a model */
#define SKERRY_ABI_VERSION          ((SKERRY_ABI_MAJOR << 16) | SKERRY_ABI_MINOR)

/* Port 0xE9: bytes written here appear, line by line, in the vmkernel log. */
#define SKERRY_DEBUG_CONSOLE_PORT   0xE9u

/* The VMware backdoor (also reachable with VMMCALL, as CPUID 0x40000010 ECX bit 0 says). */
#define SKERRY_BACKDOOR_PORT        0x5658u
#define SKERRY_BACKDOOR_MAGIC       0x564D5868u

#endif
