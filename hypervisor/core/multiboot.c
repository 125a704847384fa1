/* SPDX-License-Identifier: GPL-2.0-only */
#include <string.h>
#include <skerry/multiboot.h>

/* Offsets in the Multiboot v1 information structure. */
#define MBI_FLAGS        0
#define MBI_CMDLINE      16
#define MBI_MODS_COUNT   20
#define MBI_MODS_ADDR    24
#define MBI_MMAP_LENGTH  44
#define MBI_MMAP_ADDR    48
#define MBI_SIZE         52

#define MBI_FLAG_CMDLINE (1u << 2)
#define MBI_FLAG_MODS    (1u << 3)
#define MBI_FLAG_MMAP    (1u << 6)

#define MOD_ENTRY_SIZE   16

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* Copy a NUL-terminated string of at most cap-1 bytes, reading byte-wise. */
static int copy_string(phys_reader_fn read_phys, uint32_t pa, char *dst, size_t cap)
{
    for (size_t i = 0; i < cap; i++) {
        const char *c = read_phys((uint64_t)pa + i, 1);
        if (!c)
            return -1;
        dst[i] = *c;
        if (*c == '\0')
            return 0;
    }
    dst[cap - 1] = '\0';                 /* truncated */
    return 0;
}

static int parse_mmap(const uint8_t *mbi, phys_reader_fn read_phys, struct boot_info *out,
                      const char **why)
{
    uint32_t len = get32(mbi + MBI_MMAP_LENGTH);
    uint32_t addr = get32(mbi + MBI_MMAP_ADDR);
    uint32_t off = 0;
    while (len - off >= 4) {
        const uint8_t *e = read_phys((uint64_t)addr + off, 24);
        if (!e) {
            *why = "memory map entry unreadable";
            return -1;
        }
        uint32_t size = get32(e);        /* size of the entry, excluding this field */
        if (size < 20 || size > len - off - 4) {
            *why = "memory map entry has a bad size";
            return -1;
        }
        uint64_t length = get64(e + 12);
        if (length && out->nr_mem < MB_MAX_MEM_REGIONS) {
            struct mem_region *r = &out->mem[out->nr_mem++];
            r->base = get64(e + 4);
            r->length = length;
            r->type = get32(e + 20);
            if (r->type < MEM_USABLE || r->type > MEM_BAD)
                r->type = MEM_RESERVED;
        }
        off += size + 4;
    }
    return 0;
}

static int parse_modules(const uint8_t *mbi, phys_reader_fn read_phys, struct boot_info *out,
                         const char **why)
{
    uint32_t count = get32(mbi + MBI_MODS_COUNT);
    uint32_t addr = get32(mbi + MBI_MODS_ADDR);
    if (count > MB_MAX_MODULES) {
        *why = "too many boot modules";
        return -1;
    }
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *m = read_phys((uint64_t)addr + i * MOD_ENTRY_SIZE, MOD_ENTRY_SIZE);
        if (!m) {
            *why = "module list unreadable";
            return -1;
        }
        struct boot_module *mod = &out->modules[out->nr_modules];
        mod->start = get32(m);
        mod->end = get32(m + 4);
        if (mod->end < mod->start) {
            *why = "module ends before it starts";
            return -1;
        }
        mod->cmdline[0] = '\0';
        if (get32(m + 8) && copy_string(read_phys, get32(m + 8), mod->cmdline,
                                        sizeof mod->cmdline) < 0) {
            *why = "module command line unreadable";
            return -1;
        }
        out->nr_modules++;
    }
    return 0;
}

int multiboot_parse(uint32_t magic, uint32_t info_pa, phys_reader_fn read_phys,
                    struct boot_info *out, const char **why)
{
    memset(out, 0, sizeof *out);
    if (magic != MULTIBOOT_LOADER_MAGIC) {
        *why = "bad Multiboot loader magic";
        return -1;
    }
    const uint8_t *mbi = read_phys(info_pa, MBI_SIZE);
    if (!mbi) {
        *why = "Multiboot information unreadable";
        return -1;
    }
    uint32_t flags = get32(mbi + MBI_FLAGS);
    if (!(flags & MBI_FLAG_MMAP)) {
        *why = "the loader gave no memory map";
        return -1;
    }
    if (parse_mmap(mbi, read_phys, out, why) < 0)
        return -1;
    if ((flags & MBI_FLAG_CMDLINE) && get32(mbi + MBI_CMDLINE) &&
        copy_string(read_phys, get32(mbi + MBI_CMDLINE), out->cmdline, sizeof out->cmdline) < 0) {
        *why = "command line unreadable";
        return -1;
    }
    if ((flags & MBI_FLAG_MODS) && parse_modules(mbi, read_phys, out, why) < 0)
        return -1;
    return 0;
}
