/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef ARCH_PAGING_H
#define ARCH_PAGING_H

#include <stdint.h>

/* Extend the boot identity map (first 4 GiB) to cover [0, max_pa). */
void paging_map_physical(uint64_t max_pa);

#endif
