/* SPDX-License-Identifier: GPL-2.0-only */
/* Time since boot, from the TSC once it is calibrated (0 before). */
#ifndef SKERRY_TIME_H
#define SKERRY_TIME_H

#include <stdint.h>

uint64_t time_now_ns(void);
uint64_t time_tsc_khz(void);
uint64_t time_ns_to_tsc(uint64_t ns);
/* Absolute TSC value to ns since boot (0 for values before boot). */
uint64_t time_tsc_to_ns(uint64_t tsc);

#endif
