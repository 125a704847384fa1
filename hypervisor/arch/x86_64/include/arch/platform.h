/* SPDX-License-Identifier: GPL-2.0-only */
/* Bring-up of the machine's CPUs and interrupt controllers. */
#ifndef ARCH_PLATFORM_H
#define ARCH_PLATFORM_H

#include <stdint.h>
#include <skerry/multiboot.h>

/* The machine's ACPI RSDP, found at boot. */
extern uint64_t machine_rsdp;

/* BSP: read ACPI, set up the LAPIC, IOAPICs, timer, and SVM. */
void platform_init(const struct boot_info *bi);
/* Start every other CPU listed in the MADT; returns when they are online. */
void smp_boot_secondary_cpus(void);
/* Per-CPU set-up common to the BSP and the APs (LAPIC, SVM). */
void cpu_local_init(void);
/* Reset the machine (keyboard controller, then the reset control register). */
void platform_reset(void);

#endif
