/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host unit tests for the Multiboot v1 information parser
 * (core/multiboot.c).  The "physical memory" is a host buffer: a
 * physical address is an offset into it, and the reader refuses any
 * access that does not lie wholly inside it.  Layouts follow the
 * Multiboot Specification 0.6.96, section 3.3 (boot information format).
 */
#include <stdint.h>
#include <string.h>
#include <skerry/multiboot.h>
#include "check.h"

#define MEM_SIZE 0x10000u
static uint8_t mem[MEM_SIZE];
static unsigned reads;               /* reader calls since reset_mem() */
static unsigned read_budget;         /* the reader fails after this many calls */

static const void *read_phys(uint64_t pa, size_t len)
{
    if (++reads > read_budget)
        return NULL;
    if (pa >= MEM_SIZE || len > MEM_SIZE - pa)
        return NULL;
    return mem + pa;
}

/* Where the fake loader puts things. */
#define MBI_PA     0x1000u
#define MMAP_PA    0x2000u
#define STR_PA     0x4000u
#define MODS_PA    0x8000u

/* Multiboot information fields (spec 3.3) and flag bits. */
#define MBI_FLAGS        0
#define MBI_MEM_LOWER    4
#define MBI_CMDLINE      16
#define MBI_MODS_COUNT   20
#define MBI_MODS_ADDR    24
#define MBI_MMAP_LENGTH  44
#define MBI_MMAP_ADDR    48
#define FLAG_MEM     (1u << 0)
#define FLAG_CMDLINE (1u << 2)
#define FLAG_MODS    (1u << 3)
#define FLAG_MMAP    (1u << 6)

static void put32(uint32_t pa, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        mem[pa + i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint32_t pa, uint64_t v)
{
    put32(pa, (uint32_t)v);
    put32(pa + 4, (uint32_t)(v >> 32));
}

static uint32_t str_next;            /* bump allocator for strings */

static uint32_t put_string(const char *s)
{
    uint32_t pa = str_next;
    size_t n = strlen(s) + 1;
    memcpy(mem + pa, s, n);
    str_next += (uint32_t)n;
    return pa;
}

static uint32_t mmap_len;

static void reset_mem(uint32_t flags)
{
    memset(mem, 0xEE, sizeof mem);   /* garbage everywhere we did not write */
    memset(mem + MBI_PA, 0, 120);
    put32(MBI_PA + MBI_FLAGS, flags | FLAG_MEM);
    put32(MBI_PA + MBI_MEM_LOWER, 639);
    put32(MBI_PA + MBI_MMAP_ADDR, MMAP_PA);
    put32(MBI_PA + MBI_MMAP_LENGTH, 0);
    mmap_len = 0;
    str_next = STR_PA;
    reads = 0;
    read_budget = 100000;
}

/*
 * Append one memory map entry.  size is the value of its size field (the
 * bytes that follow that field): 20 for the classic layout, 24 for the
 * ACPI 3.0 layout with extended attributes.
 */
static void add_mmap(uint32_t size, uint64_t base, uint64_t length, uint32_t type)
{
    uint32_t e = MMAP_PA + mmap_len;
    put32(e, size);
    put64(e + 4, base);
    put64(e + 12, length);
    put32(e + 20, type);
    if (size >= 24)
        put32(e + 24, 1);            /* ACPI 3.0 extended attributes: enabled */
    mmap_len += size + 4;
    put32(MBI_PA + MBI_MMAP_LENGTH, mmap_len);
}

static void set_cmdline(uint32_t pa)
{
    put32(MBI_PA + MBI_CMDLINE, pa);
}

static void set_modules(uint32_t count)
{
    put32(MBI_PA + MBI_MODS_COUNT, count);
    put32(MBI_PA + MBI_MODS_ADDR, MODS_PA);
}

/* Module entry i (spec 3.3: mod_start, mod_end, string, reserved). */
static void put_module(uint32_t i, uint32_t start, uint32_t end, uint32_t string)
{
    uint32_t e = MODS_PA + 16 * i;
    put32(e, start);
    put32(e + 4, end);
    put32(e + 8, string);
    put32(e + 12, 0);
}

static struct boot_info bi;
static const char *why;

static int parse(void)
{
    memset(&bi, 0xAA, sizeof bi);    /* the parser must clear stale contents */
    why = NULL;
    return multiboot_parse(MULTIBOOT_LOADER_MAGIC, MBI_PA, read_phys, &bi, &why);
}

#define CHECK_FAILS(rc, what) \
    CHECK((rc) < 0 && why != NULL && why[0] != '\0', "%s: rejected with a reason", what)

static void test_magic_and_flags(void)
{
    reset_mem(FLAG_MMAP);
    add_mmap(20, 0, 0x9FC00, MEM_USABLE);
    static const uint32_t bad_magic[] = { 0, 0x1BADB002, 0x36D76289 /* Multiboot2 */, 0x2BADB003 };
    for (size_t i = 0; i < sizeof bad_magic / sizeof bad_magic[0]; i++) {
        why = NULL;
        int rc = multiboot_parse(bad_magic[i], MBI_PA, read_phys, &bi, &why);
        CHECK(rc < 0 && why && why[0], "magic %#x rejected", bad_magic[i]);
    }
    CHECK_EQ(parse(), 0, "correct magic accepted");

    reset_mem(FLAG_CMDLINE);                       /* no memory map flag */
    add_mmap(20, 0, 0x9FC00, MEM_USABLE);
    set_cmdline(put_string("x"));
    CHECK_FAILS(parse(), "no memory map flag (bit 6)");

    reset_mem(FLAG_MMAP);
    add_mmap(20, 0, 0x9FC00, MEM_USABLE);
    why = NULL;
    CHECK_FAILS(multiboot_parse(MULTIBOOT_LOADER_MAGIC, MEM_SIZE - 20, read_phys, &bi, &why),
                "information structure partly outside memory");
    why = NULL;
    CHECK_FAILS(multiboot_parse(MULTIBOOT_LOADER_MAGIC, 0xFFFFFFF0u, read_phys, &bi, &why),
                "information structure at an unreadable address");
}

static void test_mmap_classic(void)
{
    reset_mem(FLAG_MMAP);
    add_mmap(20, 0x0, 0x9FC00, 1);
    add_mmap(20, 0x9FC00, 0x400, 2);
    add_mmap(20, 0xF0000, 0x10000, 2);
    add_mmap(20, 0x100000, 0x7EE0000, 1);
    add_mmap(20, 0x7FE0000, 0x20000, 3);
    add_mmap(20, 0x100000000ull, 0x380000000ull, 1);   /* above 4 GiB */
    CHECK_EQ(parse(), 0, "classic map parses");
    CHECK_EQ(bi.nr_mem, 6, "classic map: 6 regions");
    static const struct mem_region want[] = {
        { 0x0, 0x9FC00, MEM_USABLE },         { 0x9FC00, 0x400, MEM_RESERVED },
        { 0xF0000, 0x10000, MEM_RESERVED },   { 0x100000, 0x7EE0000, MEM_USABLE },
        { 0x7FE0000, 0x20000, MEM_ACPI },     { 0x100000000ull, 0x380000000ull, MEM_USABLE },
    };
    for (unsigned i = 0; i < 6 && i < bi.nr_mem; i++) {
        CHECK_EQ(bi.mem[i].base, want[i].base, "classic region %u base", i);
        CHECK_EQ(bi.mem[i].length, want[i].length, "classic region %u length", i);
        CHECK_EQ(bi.mem[i].type, want[i].type, "classic region %u type", i);
    }
    CHECK_EQ(bi.cmdline[0], 0, "no cmdline flag: empty command line");
    CHECK_EQ(bi.nr_modules, 0, "no modules flag: no modules");
}

/* Entries with size 24 (ACPI 3.0 extended attributes) are 28 bytes apart. */
static void test_mmap_size24_and_mixed(void)
{
    reset_mem(FLAG_MMAP);
    add_mmap(24, 0x0, 0x9F000, 1);
    add_mmap(24, 0x100000, 0x1000000, 1);
    add_mmap(24, 0xFEC00000, 0x1000, 2);
    CHECK_EQ(parse(), 0, "size-24 map parses");
    CHECK_EQ(bi.nr_mem, 3, "size-24 map: 3 regions");
    CHECK(bi.mem[1].base == 0x100000 && bi.mem[1].length == 0x1000000 && bi.mem[1].type == 1,
          "size-24 map: second entry found 28 bytes after the first");
    CHECK(bi.mem[2].base == 0xFEC00000 && bi.mem[2].length == 0x1000 && bi.mem[2].type == 2,
          "size-24 map: third entry");

    reset_mem(FLAG_MMAP);
    add_mmap(20, 0x0, 0x1000, 1);
    add_mmap(24, 0x2000, 0x1000, 4);
    add_mmap(32, 0x4000, 0x1000, 5);                  /* larger, future layout */
    add_mmap(20, 0x6000, 0x1000, 3);
    CHECK_EQ(parse(), 0, "mixed-size map parses");
    CHECK_EQ(bi.nr_mem, 4, "mixed-size map: 4 regions");
    int ok = bi.nr_mem == 4;
    static const uint32_t types[] = { MEM_USABLE, MEM_NVS, MEM_BAD, MEM_ACPI };
    for (unsigned i = 0; ok && i < 4; i++)
        ok = bi.mem[i].base == 0x2000ull * i && bi.mem[i].length == 0x1000 &&
             bi.mem[i].type == types[i];
    CHECK(ok, "mixed-size map: each entry is found at size+4 from the previous");
}

static void test_mmap_types_and_zero_length(void)
{
    static const struct { uint32_t raw, want; } types[] = {
        { 1, MEM_USABLE }, { 2, MEM_RESERVED }, { 3, MEM_ACPI }, { 4, MEM_NVS }, { 5, MEM_BAD },
        { 0, MEM_RESERVED }, { 6, MEM_RESERVED }, { 7, MEM_RESERVED }, { 12, MEM_RESERVED },
        { 0xF00, MEM_RESERVED }, { 0xFFFFFFFF, MEM_RESERVED },
    };
    const unsigned n = sizeof types / sizeof types[0];
    reset_mem(FLAG_MMAP);
    for (unsigned i = 0; i < n; i++)
        add_mmap(20, 0x100000ull * i, 0x1000, types[i].raw);
    CHECK_EQ(parse(), 0, "type table map parses");
    CHECK_EQ(bi.nr_mem, n, "type table: one region per entry");
    for (unsigned i = 0; i < n && i < bi.nr_mem; i++)
        CHECK_EQ(bi.mem[i].type, types[i].want, "raw type %#x", types[i].raw);

    reset_mem(FLAG_MMAP);
    add_mmap(20, 0x0, 0, 1);
    add_mmap(20, 0x1000, 0x1000, 1);
    add_mmap(24, 0x5000, 0, 2);
    add_mmap(20, 0x3000, 0x2000, 2);
    add_mmap(20, 0x9000, 0, 1);
    CHECK_EQ(parse(), 0, "map with zero-length entries parses");
    CHECK_EQ(bi.nr_mem, 2, "zero-length entries are skipped");
    CHECK(bi.mem[0].base == 0x1000 && bi.mem[1].base == 0x3000 && bi.mem[1].length == 0x2000,
          "the non-empty entries are kept in order");
}

static void test_mmap_many_entries(void)
{
    reset_mem(FLAG_MMAP);
    for (unsigned i = 0; i < MB_MAX_MEM_REGIONS + 10; i++)
        add_mmap(20, 0x1000ull * i, 0x1000, 1);
    CHECK_EQ(parse(), 0, "map with more than MB_MAX_MEM_REGIONS entries parses");
    CHECK_EQ(bi.nr_mem, MB_MAX_MEM_REGIONS, "regions capped at MB_MAX_MEM_REGIONS");
    CHECK_EQ(bi.mem[MB_MAX_MEM_REGIONS - 1].base, 0x1000ull * (MB_MAX_MEM_REGIONS - 1),
             "the first MB_MAX_MEM_REGIONS entries are the ones kept");
}

static void test_mmap_malformed(void)
{
    reset_mem(FLAG_MMAP);
    add_mmap(20, 0, 0x1000, 1);
    add_mmap(16, 0x1000, 0x1000, 1);                  /* too short for base/length/type */
    CHECK_FAILS(parse(), "entry with size field 16");

    reset_mem(FLAG_MMAP);
    add_mmap(20, 0, 0x1000, 1);
    put32(MBI_PA + MBI_MMAP_ADDR, MEM_SIZE - 12);     /* map runs off the end of memory */
    CHECK_FAILS(parse(), "memory map not readable");

    /*
     * mmap_length is the size of the buffer holding the map (spec 3.3).
     * Here it covers one entry plus the size field of a second one whose
     * body lies beyond the buffer: that second "entry" is not part of the
     * map and must not become a region.
     */
    reset_mem(FLAG_MMAP);
    add_mmap(20, 0x0, 0x1000, 1);
    add_mmap(20, 0x100000, 0x5000, 1);
    put32(MBI_PA + MBI_MMAP_LENGTH, 24 + 4);
    int rc = parse();
    CHECK(rc < 0 || bi.nr_mem == 1,
          "entry extending past mmap_length is not used (rc %d, %u regions)", rc, bi.nr_mem);

    /*
     * A huge size field must not make the parser go round in circles:
     * 0xFFFFFFFC + 4 wraps to 0 and 0xFFFFFFE4 + 4 steps back to the
     * start.  The reader fails after 1000 calls, so a loop shows up as
     * "too many reads" rather than a hang.
     */
    static const uint32_t huge[] = { 0xFFFFFFFCu, 0xFFFFFFE4u, 0xFFFFFFFFu };
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        reset_mem(FLAG_MMAP);
        add_mmap(20, 0x0, 0x1000, 1);
        add_mmap(20, 0x100000, 0x5000, 1);
        put32(MMAP_PA + 24, huge[i]);                 /* second entry's size field */
        read_budget = 1000;
        rc = parse();
        CHECK(reads < 100, "size field %#x: parse terminates (%u reads)", huge[i], reads);
        CHECK(rc < 0 || bi.nr_mem == 1,
              "size field %#x: entry larger than the map not used (rc %d, %u regions)",
              huge[i], rc, bi.nr_mem);
    }
}

static void test_cmdline(void)
{
    reset_mem(FLAG_MMAP | FLAG_CMDLINE);
    add_mmap(20, 0, 0x1000, 1);
    set_cmdline(put_string("log=com1 heap=64M debug"));
    CHECK_EQ(parse(), 0, "cmdline: parses");
    CHECK(strcmp(bi.cmdline, "log=com1 heap=64M debug") == 0, "cmdline: copied");

    reset_mem(FLAG_MMAP);                             /* pointer present, flag clear */
    add_mmap(20, 0, 0x1000, 1);
    set_cmdline(put_string("ignored"));
    CHECK_EQ(parse(), 0, "cmdline flag clear: parses");
    CHECK_EQ(bi.cmdline[0], 0, "cmdline flag clear: pointer ignored");

    reset_mem(FLAG_MMAP | FLAG_CMDLINE);
    add_mmap(20, 0, 0x1000, 1);
    set_cmdline(put_string(""));
    CHECK(parse() == 0 && bi.cmdline[0] == 0, "cmdline: empty string");

    reset_mem(FLAG_MMAP | FLAG_CMDLINE);
    add_mmap(20, 0, 0x1000, 1);
    set_cmdline(0xFFFF0000u);
    CHECK_FAILS(parse(), "cmdline pointer outside memory");

    /* A string with no NUL before the end of memory cannot be read. */
    reset_mem(FLAG_MMAP | FLAG_CMDLINE);
    add_mmap(20, 0, 0x1000, 1);
    memset(mem + MEM_SIZE - 10, 'z', 10);
    set_cmdline(MEM_SIZE - 10);
    CHECK_FAILS(parse(), "cmdline running off the end of memory");
}

/* Strings longer than MB_CMDLINE_MAX - 1 are cut to fit with their NUL. */
static void test_cmdline_truncation(void)
{
    static char s[3000];
    static const size_t lens[] = { MB_CMDLINE_MAX - 2, MB_CMDLINE_MAX - 1, MB_CMDLINE_MAX,
                                   MB_CMDLINE_MAX + 1, 2999 };
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        size_t len = lens[i];
        for (size_t j = 0; j < len; j++)
            s[j] = (char)('a' + j % 26);
        s[len] = '\0';
        reset_mem(FLAG_MMAP | FLAG_CMDLINE);
        add_mmap(20, 0, 0x1000, 1);
        set_cmdline(put_string(s));
        size_t want = len < MB_CMDLINE_MAX ? len : MB_CMDLINE_MAX - 1;
        int rc = parse();
        CHECK(rc == 0 && strnlen(bi.cmdline, MB_CMDLINE_MAX) == want &&
                  memcmp(bi.cmdline, s, want) == 0,
              "cmdline of %zu bytes keeps %zu", len, want);
    }
    /* The truncated string needs no NUL inside the first MB_CMDLINE_MAX bytes. */
    reset_mem(FLAG_MMAP | FLAG_CMDLINE);
    add_mmap(20, 0, 0x1000, 1);
    memset(mem + MEM_SIZE - MB_CMDLINE_MAX - 1, 'q', MB_CMDLINE_MAX + 1);
    set_cmdline(MEM_SIZE - MB_CMDLINE_MAX - 1);
    CHECK(parse() == 0 && strlen(bi.cmdline) == MB_CMDLINE_MAX - 1,
          "unterminated but over-long cmdline is truncated, not rejected");
}

static void test_modules(void)
{
    reset_mem(FLAG_MMAP | FLAG_MODS | FLAG_CMDLINE);
    add_mmap(20, 0, 0x1000, 1);
    set_cmdline(put_string("vmkernel"));
    set_modules(3);
    put_module(0, 0x200000, 0x2A0000, put_string("console-domain mem=256M"));
    put_module(1, 0x300000, 0x300000, 0);             /* empty, no string */
    put_module(2, 0xFFFF0000u, 0xFFFFFFFFu, put_string(""));
    CHECK_EQ(parse(), 0, "modules: parse");
    CHECK_EQ(bi.nr_modules, 3, "modules: 3");
    CHECK(bi.modules[0].start == 0x200000 && bi.modules[0].end == 0x2A0000,
          "module 0 start/end");
    CHECK(strcmp(bi.modules[0].cmdline, "console-domain mem=256M") == 0, "module 0 cmdline");
    CHECK(bi.modules[1].start == 0x300000 && bi.modules[1].end == 0x300000,
          "module 1: zero-size module accepted");
    CHECK_EQ(bi.modules[1].cmdline[0], 0, "module 1: string 0 means no cmdline");
    CHECK(bi.modules[2].start == 0xFFFF0000u && bi.modules[2].end == 0xFFFFFFFFu,
          "module 2: 32-bit addresses at the top");
    CHECK_EQ(bi.modules[2].cmdline[0], 0, "module 2: empty cmdline");
    CHECK(strcmp(bi.cmdline, "vmkernel") == 0, "modules: kernel cmdline still parsed");

    reset_mem(FLAG_MMAP);                             /* flag clear: count ignored */
    add_mmap(20, 0, 0x1000, 1);
    set_modules(2);
    put_module(0, 0x200000, 0x201000, 0);
    CHECK(parse() == 0 && bi.nr_modules == 0, "modules flag clear: none reported");

    reset_mem(FLAG_MMAP | FLAG_MODS);
    add_mmap(20, 0, 0x1000, 1);
    set_modules(0);
    CHECK(parse() == 0 && bi.nr_modules == 0, "mods_count 0");

    reset_mem(FLAG_MMAP | FLAG_MODS);
    add_mmap(20, 0, 0x1000, 1);
    set_modules(MB_MAX_MODULES);
    for (uint32_t i = 0; i < MB_MAX_MODULES; i++)
        put_module(i, 0x100000 * (i + 1), 0x100000 * (i + 1) + 0x1000, 0);
    CHECK(parse() == 0 && bi.nr_modules == MB_MAX_MODULES &&
              bi.modules[MB_MAX_MODULES - 1].start == 0x100000u * MB_MAX_MODULES,
          "exactly MB_MAX_MODULES modules");
    set_modules(MB_MAX_MODULES + 1);
    put_module(MB_MAX_MODULES, 0x7000000, 0x7001000, 0);
    CHECK_FAILS(parse(), "MB_MAX_MODULES + 1 modules");

    reset_mem(FLAG_MMAP | FLAG_MODS);
    add_mmap(20, 0, 0x1000, 1);
    set_modules(2);
    put_module(0, 0x200000, 0x201000, 0);
    put_module(1, 0x300000, 0x2FFFFF, 0);
    CHECK_FAILS(parse(), "module ending before it starts");

    reset_mem(FLAG_MMAP | FLAG_MODS);
    add_mmap(20, 0, 0x1000, 1);
    set_modules(1);
    put32(MBI_PA + MBI_MODS_ADDR, MEM_SIZE - 8);      /* entry cut off by end of memory */
    CHECK_FAILS(parse(), "module list unreadable");

    reset_mem(FLAG_MMAP | FLAG_MODS);
    add_mmap(20, 0, 0x1000, 1);
    set_modules(1);
    put_module(0, 0x200000, 0x201000, 0xFFFFF000u);
    CHECK_FAILS(parse(), "module cmdline unreadable");

    static char s[MB_CMDLINE_MAX + 50];
    memset(s, 'm', sizeof s - 1);
    s[sizeof s - 1] = '\0';
    reset_mem(FLAG_MMAP | FLAG_MODS);
    add_mmap(20, 0, 0x1000, 1);
    set_modules(1);
    put_module(0, 0x200000, 0x201000, put_string(s));
    CHECK(parse() == 0 && strlen(bi.modules[0].cmdline) == MB_CMDLINE_MAX - 1 &&
              bi.modules[0].cmdline[0] == 'm',
          "module cmdline truncated to MB_CMDLINE_MAX - 1");
}

int main(void)
{
    test_magic_and_flags();
    test_mmap_classic();
    test_mmap_size24_and_mixed();
    test_mmap_types_and_zero_length();
    test_mmap_many_entries();
    test_mmap_malformed();
    test_cmdline();
    test_cmdline_truncation();
    test_modules();
    CHECK_DONE();
}
