/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef ARCH_IOAPIC_H
#define ARCH_IOAPIC_H

#include <stdint.h>

/* Mask every pin of the IOAPIC at this address; returns its pin count. */
unsigned ioapic_init(uint64_t base);

#endif
