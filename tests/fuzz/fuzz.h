/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared by the fuzz targets: invariant checks and a fake physical memory. */
#ifndef SKERRY_FUZZ_H
#define SKERRY_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* A broken invariant is a finding: abort so libFuzzer keeps the input. */
#define FUZZ_ASSERT(cond)                                                       \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                     \
            abort();                                                            \
        }                                                                       \
    } while (0)

/* The fuzz input seen as physical memory from address 0 (set per input). */
static const uint8_t *fuzz_mem;
static size_t fuzz_mem_size;

/* A phys_reader_fn over fuzz_mem: NULL for anything not wholly inside it. */
static inline const void *fuzz_read_phys(uint64_t pa, size_t len)
{
    if (pa > fuzz_mem_size || len > fuzz_mem_size - pa)
        return NULL;
    return fuzz_mem + pa;
}

#endif
