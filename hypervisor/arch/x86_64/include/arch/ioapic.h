/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef ARCH_IOAPIC_H
#define ARCH_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

/* Mask every pin of the IOAPIC at base, serving GSIs from gsi_base; returns its pin count. */
unsigned ioapic_init(uint64_t base, unsigned gsi_base);
/* One past the highest GSI of all IOAPICs. */
unsigned ioapic_nr_gsis(void);
/* Program a GSI: fixed delivery of vector to one physical APIC; -1 if no such GSI. */
int ioapic_route_gsi(unsigned gsi, uint8_t vector, uint32_t dest_apic_id, bool level,
                     bool active_low, bool masked);
void ioapic_mask_gsi(unsigned gsi, bool masked);

#endif
