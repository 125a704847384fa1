/* SPDX-License-Identifier: GPL-2.0-only */
/* The console's pvpanic device: its SSDT and its port. */
#ifndef SKERRY_PVPANIC_H
#define SKERRY_PVPANIC_H

#include <stddef.h>
#include <stdint.h>

struct domain;

#define PVPANIC_DEFAULT_PORT 0x505

/* Write the SSDT describing the device at port; returns its length, 0 if cap is too small. */
size_t pvpanic_ssdt(uint8_t *out, size_t cap, uint16_t port);
/* Emulate the device's port for d (the vmkernel logs a diagnostic on a panic). */
int pvpanic_attach(struct domain *d, uint16_t port);

#endif
