/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target for the Multiboot v1 information parser
 * (core/multiboot.c).  The input is a fake physical memory image starting
 * at physical address 0, with the Multiboot information structure at
 * MBI_PA; every pointer the parser follows (memory map, command lines,
 * module list) is a physical address into the same image.  The reader
 * hands out a pointer only when [pa, pa + len) lies wholly inside the
 * input, so AddressSanitizer flags any read the parser makes past what it
 * was given.  Build and run: see tests/fuzz/README.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <skerry/multiboot.h>
#include "fuzz.h"

#define MBI_PA 0x0u

static bool terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct boot_info bi;
    const char *why = NULL;

    fuzz_mem = data;
    fuzz_mem_size = size;
    int rc = multiboot_parse(MULTIBOOT_LOADER_MAGIC, MBI_PA, fuzz_read_phys, &bi, &why);
    if (rc != 0) {
        FUZZ_ASSERT(rc < 0);
        FUZZ_ASSERT(why != NULL && why[0] != '\0');
        return 0;
    }
    FUZZ_ASSERT(bi.nr_mem <= MB_MAX_MEM_REGIONS);
    for (unsigned i = 0; i < bi.nr_mem; i++) {
        FUZZ_ASSERT(bi.mem[i].length != 0);
        FUZZ_ASSERT(bi.mem[i].type >= MEM_USABLE && bi.mem[i].type <= MEM_BAD);
    }
    FUZZ_ASSERT(bi.nr_modules <= MB_MAX_MODULES);
    for (unsigned i = 0; i < bi.nr_modules; i++) {
        FUZZ_ASSERT(bi.modules[i].start <= bi.modules[i].end);
        FUZZ_ASSERT(bi.modules[i].end <= UINT32_MAX);
        FUZZ_ASSERT(terminated(bi.modules[i].cmdline, sizeof bi.modules[i].cmdline));
    }
    FUZZ_ASSERT(terminated(bi.cmdline, sizeof bi.cmdline));

    /* The parser must not depend on anything but its input. */
    static struct boot_info again;
    const char *why2 = NULL;
    FUZZ_ASSERT(multiboot_parse(MULTIBOOT_LOADER_MAGIC, MBI_PA, fuzz_read_phys, &again, &why2) == 0);
    FUZZ_ASSERT(memcmp(&bi, &again, sizeof bi) == 0);

    /* Any other magic is refused whatever the memory holds. */
    FUZZ_ASSERT(multiboot_parse(MULTIBOOT_LOADER_MAGIC ^ 1, MBI_PA, fuzz_read_phys, &again, &why2) < 0);
    return 0;
}
