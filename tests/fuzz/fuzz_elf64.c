/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target for the ELF64 reader of test domains (core/elf64.c):
 * the input is the file.  On success every loadable segment's file range
 * must lie inside the input, filesz <= memsz, paddr + memsz must not wrap,
 * and the segment count must be within ELF64_MAX_SEGMENTS; the bytes of
 * every segment are read to let AddressSanitizer check the claim.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <skerry/elf64.h>
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct elf64_image img;
    const char *why = NULL;
    volatile uint8_t sink = 0;

    bool is64 = elf64_is_elf64(data, size);
    int rc = elf64_parse(data, size, &img, &why);
    if (rc != 0) {
        FUZZ_ASSERT(rc == -1);
        FUZZ_ASSERT(why != NULL && why[0] != '\0');
        return 0;
    }
    FUZZ_ASSERT(is64);
    FUZZ_ASSERT(img.nr_segments >= 1 && img.nr_segments <= ELF64_MAX_SEGMENTS);
    for (unsigned i = 0; i < img.nr_segments; i++) {
        const struct elf64_segment *s = &img.segments[i];
        FUZZ_ASSERT(s->file_offset <= size);
        FUZZ_ASSERT(s->file_size <= size - s->file_offset);
        FUZZ_ASSERT(s->file_size <= s->mem_size);
        FUZZ_ASSERT(s->paddr + s->mem_size >= s->paddr);
        /* What a loader would copy: touch the first and last byte. */
        if (s->file_size) {
            sink ^= data[s->file_offset];
            sink ^= data[s->file_offset + s->file_size - 1];
        }
    }
    (void)sink;
    return 0;
}
