/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Validating reader for the ELF64 images of test domains.  Every offset
 * and size is checked against the image before anything is copied.
 */
#ifndef SKERRY_ELF64_H
#define SKERRY_ELF64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elf64_segment {
    uint64_t file_offset;
    uint64_t file_size;
    uint64_t paddr;
    uint64_t mem_size;
};

#define ELF64_MAX_SEGMENTS 16

struct elf64_image {
    uint64_t entry;
    unsigned nr_segments;
    struct elf64_segment segments[ELF64_MAX_SEGMENTS];
};

bool elf64_is_elf64(const void *image, size_t size);
/* Parse an x86-64 executable's PT_LOAD segments; 0 or -1 with *why. */
int elf64_parse(const void *image, size_t size, struct elf64_image *out, const char **why);

#endif
