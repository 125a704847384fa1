/* SPDX-License-Identifier: GPL-2.0-only */
/* The physical local APIC (xAPIC MMIO mode), owned by the vmkernel. */
#ifndef ARCH_LAPIC_H
#define ARCH_LAPIC_H

#include <stdint.h>

/* Vectors the vmkernel uses on its own CPUs. */
#define VECTOR_TIMER      0xF0   /* scheduler tick / one-shot host timer */
#define VECTOR_KICK       0xF1   /* IPI: re-evaluate what this CPU runs */
#define VECTOR_SPURIOUS   0xFF

void lapic_init(void);
uint32_t lapic_id(void);
void lapic_eoi(void);
/* Arm the one-shot timer to fire after ns nanoseconds (0 disarms). */
void lapic_timer_oneshot_ns(uint64_t ns);
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);
void lapic_send_ipi_all_others(uint8_t vector);
/* NMI reaches a CPU even with interrupts off: used to stop them on a panic. */
void lapic_send_nmi_all_others(void);
void lapic_send_init(uint32_t apic_id);
void lapic_send_startup(uint32_t apic_id, uint8_t page);
/* Measure the timer's input clock against the TSC (BSP, at boot). */
void lapic_calibrate(void);
uint64_t lapic_timer_khz(void);

#endif
