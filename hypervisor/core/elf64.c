/* SPDX-License-Identifier: GPL-2.0-only */
#include <string.h>
#include <skerry/elf64.h>

#define EI_CLASS_64   2
#define EI_DATA_LSB   1
#define ET_EXEC       2
#define EM_X86_64     62
#define PT_LOAD       1
#define EHDR_SIZE     64
#define PHDR_SIZE     56

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32(const uint8_t *p) { return get16(p) | (uint32_t)get16(p + 2) << 16; }
static uint64_t get64(const uint8_t *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }

bool elf64_is_elf64(const void *image, size_t size)
{
    const uint8_t *e = image;
    return size >= EHDR_SIZE && memcmp(e, "\177ELF", 4) == 0 && e[4] == EI_CLASS_64;
}

int elf64_parse(const void *image, size_t size, struct elf64_image *out, const char **why)
{
    const uint8_t *e = image;
    memset(out, 0, sizeof *out);
    if (!elf64_is_elf64(image, size) || e[5] != EI_DATA_LSB) {
        *why = "not a little-endian ELF64 file";
        return -1;
    }
    if (get16(e + 16) != ET_EXEC || get16(e + 18) != EM_X86_64) {
        *why = "not an x86-64 executable";
        return -1;
    }
    uint64_t phoff = get64(e + 32);
    uint16_t phentsize = get16(e + 54), phnum = get16(e + 56);
    if (phentsize < PHDR_SIZE || phoff > size || (uint64_t)phnum * phentsize > size - phoff) {
        *why = "program headers lie outside the file";
        return -1;
    }
    out->entry = get64(e + 24);
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = e + phoff + (uint64_t)i * phentsize;
        if (get32(ph) != PT_LOAD)
            continue;
        struct elf64_segment s = {
            .file_offset = get64(ph + 8), .paddr = get64(ph + 24),
            .file_size = get64(ph + 32), .mem_size = get64(ph + 40),
        };
        if (s.file_offset > size || s.file_size > size - s.file_offset) {
            *why = "a segment lies outside the file";
            return -1;
        }
        if (s.file_size > s.mem_size || s.paddr + s.mem_size < s.paddr) {
            *why = "a segment has inconsistent sizes";
            return -1;
        }
        if (out->nr_segments == ELF64_MAX_SEGMENTS) {
            *why = "too many loadable segments";
            return -1;
        }
        out->segments[out->nr_segments++] = s;
    }
    if (out->nr_segments == 0) {
        *why = "no loadable segment";
        return -1;
    }
    return 0;
}
