/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef ARCH_PIT_H
#define ARCH_PIT_H

#include <stdint.h>

/* Busy-wait for us microseconds (at most 54925) using PIT channel 2. */
void pit_wait_us(uint32_t us);
void time_init(void);

#endif
