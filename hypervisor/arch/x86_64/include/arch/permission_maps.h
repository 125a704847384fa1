/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SVM's MSR permission map (8 KiB, two bits per MSR: read, write) and
 * I/O permission map (12 KiB, one bit per port).  A set bit intercepts.
 */
#ifndef ARCH_PERMISSION_MAPS_H
#define ARCH_PERMISSION_MAPS_H

#include <stdbool.h>
#include <stdint.h>

#define MSRPM_SIZE 0x2000
#define IOPM_SIZE  0x3000

/* Set whether reads / writes of msr are intercepted; -1 if msr has no slot. */
int msrpm_set(uint8_t *msrpm, uint32_t msr, bool intercept_read, bool intercept_write);
/* true if the access is intercepted (MSRs without a slot always are). */
bool msrpm_intercepts(const uint8_t *msrpm, uint32_t msr, bool write);
/* Ports [first, first+count) trapped or passed through. */
void iopm_set(uint8_t *iopm, uint16_t first, uint32_t count, bool intercept);
bool iopm_intercepts(const uint8_t *iopm, uint16_t port, unsigned size);

#endif
