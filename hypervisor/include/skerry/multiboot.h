/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Multiboot (v1) boot information, parsed into plain structs.  The parser
 * reads physical memory through a caller-supplied accessor so that it can
 * be tested on the host and never trusts a pointer it was not given.
 */
#ifndef SKERRY_MULTIBOOT_H
#define SKERRY_MULTIBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MULTIBOOT_LOADER_MAGIC 0x2BADB002u
#define MB_MAX_MEM_REGIONS 64
#define MB_MAX_MODULES     16
#define MB_CMDLINE_MAX     1024

enum mem_region_type { MEM_USABLE = 1, MEM_RESERVED = 2, MEM_ACPI = 3, MEM_NVS = 4, MEM_BAD = 5 };

struct mem_region {
    uint64_t base;
    uint64_t length;
    uint32_t type;            /* enum mem_region_type; unknown values are reserved */
};

struct boot_module {
    uint64_t start;
    uint64_t end;             /* exclusive */
    char cmdline[MB_CMDLINE_MAX];
};

struct boot_info {
    char cmdline[MB_CMDLINE_MAX];
    struct mem_region mem[MB_MAX_MEM_REGIONS];
    unsigned nr_mem;
    struct boot_module modules[MB_MAX_MODULES];
    unsigned nr_modules;
};

/* Returns a pointer to len readable bytes at physical address pa, or NULL. */
typedef const void *(*phys_reader_fn)(uint64_t pa, size_t len);

/* Returns 0, or a negative errno-style value with *why set to a reason. */
int multiboot_parse(uint32_t magic, uint32_t info_pa, phys_reader_fn read_phys,
                    struct boot_info *out, const char **why);

#endif
