/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host unit tests for the ELF64 reader (core/elf64.c).  Images are built
 * in memory field by field, following the System V ABI (ELF-64 Object
 * File Format 1.5): a 64-byte file header with e_ident, e_type at 16,
 * e_machine at 18, e_entry at 24, e_phoff at 32, e_phentsize at 54 and
 * e_phnum at 56; 56-byte program headers with p_type at 0, p_offset at 8,
 * p_vaddr at 16, p_paddr at 24, p_filesz at 32, p_memsz at 40.  Each image
 * is handed to the parser in a heap buffer of exactly its size, so that
 * AddressSanitizer catches a read past its end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <skerry/elf64.h>
#include "check.h"

#define EHDR 64
#define PHDR 56
#define PT_NULL 0
#define PT_LOAD 1
#define PT_NOTE 4
#define PT_GNU_STACK 0x6474E551u
#define IMG_MAX 0x4000

static uint8_t img[IMG_MAX];
static size_t img_size;
static struct elf64_image out;
static const char *why;

static void put16(size_t off, uint16_t v)
{
    img[off] = (uint8_t)v;
    img[off + 1] = (uint8_t)(v >> 8);
}

static void put32(size_t off, uint32_t v)
{
    put16(off, (uint16_t)v);
    put16(off + 2, (uint16_t)(v >> 16));
}

static void put64(size_t off, uint64_t v)
{
    put32(off, (uint32_t)v);
    put32(off + 4, (uint32_t)(v >> 32));
}

/* A valid x86-64 ET_EXEC header, program headers at phoff, file size size. */
static void make_header(size_t size, uint64_t phoff, uint16_t phnum)
{
    memset(img, 0, sizeof img);
    for (size_t i = EHDR; i < IMG_MAX; i++)
        img[i] = (uint8_t)(i * 7 + 3);           /* "code" after the header */
    memcpy(img, "\177ELF", 4);
    img[4] = 2;                                  /* ELFCLASS64 */
    img[5] = 1;                                  /* ELFDATA2LSB */
    img[6] = 1;                                  /* EV_CURRENT */
    img[7] = 0;                                  /* ELFOSABI_SYSV */
    put16(16, 2);                                /* ET_EXEC */
    put16(18, 62);                               /* EM_X86_64 */
    put32(20, 1);                                /* e_version */
    put64(24, 0x100000);                         /* e_entry */
    put64(32, phoff);                            /* e_phoff */
    put64(40, 0);                                /* e_shoff */
    put32(48, 0);                                /* e_flags */
    put16(52, EHDR);                             /* e_ehsize */
    put16(54, PHDR);                             /* e_phentsize */
    put16(56, phnum);                            /* e_phnum */
    put16(58, 64);                               /* e_shentsize */
    put16(60, 0);                                /* e_shnum */
    put16(62, 0);                                /* e_shstrndx */
    img_size = size;
}

static void put_phdr(uint64_t phoff, unsigned i, uint16_t entsize, uint32_t type,
                     uint64_t offset, uint64_t paddr, uint64_t filesz, uint64_t memsz)
{
    size_t p = (size_t)phoff + (size_t)i * entsize;
    memset(img + p, 0, entsize);
    put32(p + 0, type);
    put32(p + 4, 5);                             /* PF_R | PF_X */
    put64(p + 8, offset);
    put64(p + 16, paddr + 0xFFFFFFFF80000000ull); /* p_vaddr: not what we load by */
    put64(p + 24, paddr);
    put64(p + 32, filesz);
    put64(p + 40, memsz);
    put64(p + 48, 0x1000);                       /* p_align */
}

/* A standard image: phnum headers right after the file header. */
static void make_standard(size_t size, uint16_t phnum)
{
    make_header(size, EHDR, phnum);
}

static void load(unsigned i, uint64_t offset, uint64_t paddr, uint64_t filesz, uint64_t memsz)
{
    put_phdr(EHDR, i, PHDR, PT_LOAD, offset, paddr, filesz, memsz);
}

static int parse(void)
{
    uint8_t *copy = malloc(img_size ? img_size : 1);
    if (!copy)
        exit(2);
    memcpy(copy, img, img_size);
    memset(&out, 0xA5, sizeof out);
    why = NULL;
    int rc = elf64_parse(copy, img_size, &out, &why);
    free(copy);
    return rc;
}

#define CHECK_REJECTS(what)                                                   \
    do {                                                                      \
        int rc_ = parse();                                                    \
        CHECK(rc_ == -1 && why != NULL && why[0] != '\0',                     \
              "%s: rejected with a reason (%s)", what, why ? why : "none");   \
    } while (0)

#define CHECK_SEG(i, off, pa, fsz, msz, what)                                 \
    CHECK(out.segments[i].file_offset == (off) && out.segments[i].paddr == (pa) && \
          out.segments[i].file_size == (fsz) && out.segments[i].mem_size == (msz), \
          "%s: segment %u is offset %#llx paddr %#llx filesz %#llx memsz %#llx", what, \
          (unsigned)(i), (unsigned long long)(off), (unsigned long long)(pa),  \
          (unsigned long long)(fsz), (unsigned long long)(msz))

static void test_valid(void)
{
    /* One segment: the usual test domain. */
    make_standard(0x1000, 1);
    load(0, 0x100, 0x100000, 0xF00, 0x2000);
    CHECK_EQ(parse(), 0, "1 PT_LOAD: accepted");
    CHECK_EQ(out.entry, 0x100000, "1 PT_LOAD: entry from e_entry");
    CHECK_EQ(out.nr_segments, 1, "1 PT_LOAD: one segment");
    CHECK_SEG(0, 0x100, 0x100000, 0xF00, 0x2000, "1 PT_LOAD");

    /* Two: text and data+bss. */
    make_standard(0x3000, 2);
    put64(24, 0x200040);
    load(0, 0x1000, 0x200000, 0x1000, 0x1000);
    load(1, 0x2000, 0x201000, 0x800, 0x5000);
    CHECK_EQ(parse(), 0, "2 PT_LOAD: accepted");
    CHECK_EQ(out.entry, 0x200040, "2 PT_LOAD: entry");
    CHECK_EQ(out.nr_segments, 2, "2 PT_LOAD: two segments");
    CHECK_SEG(0, 0x1000, 0x200000, 0x1000, 0x1000, "2 PT_LOAD");
    CHECK_SEG(1, 0x2000, 0x201000, 0x800, 0x5000, "2 PT_LOAD");

    /* Three, the last one ending exactly at the end of the file. */
    make_standard(0x3000, 3);
    load(0, 0x0, 0x400000, 0x1000, 0x1000);      /* includes the headers */
    load(1, 0x1000, 0x401000, 0x1000, 0x1000);
    load(2, 0x2000, 0x402000, 0x1000, 0x3000);
    CHECK_EQ(parse(), 0, "3 PT_LOAD: accepted");
    CHECK_EQ(out.nr_segments, 3, "3 PT_LOAD: three segments");
    CHECK_SEG(0, 0x0, 0x400000, 0x1000, 0x1000, "3 PT_LOAD");
    CHECK_SEG(1, 0x1000, 0x401000, 0x1000, 0x1000, "3 PT_LOAD");
    CHECK_SEG(2, 0x2000, 0x402000, 0x1000, 0x3000, "3 PT_LOAD");

    /* Pure bss: no file bytes at all, offset exactly at the end of the file. */
    make_standard(0x200, 1);
    load(0, 0x200, 0x500000, 0, 0x10000);
    CHECK_EQ(parse(), 0, "filesz 0 at offset == file size: accepted");
    CHECK_SEG(0, 0x200, 0x500000, 0, 0x10000, "bss only");

    /* A segment reaching the very top of the physical address space. */
    make_standard(0x200, 1);
    load(0, 0x100, 0xFFFFFFFFFFFFF000ull, 0x100, 0xFFF);
    CHECK_EQ(parse(), 0, "segment ending at 2^64-1 (exclusive): accepted");

    /* Larger program header entries than 56 bytes are walked with their stride. */
    make_header(0x1000, 0x200, 2);
    put16(54, 64);
    put_phdr(0x200, 0, 64, PT_LOAD, 0x400, 0x600000, 0x100, 0x100);
    put_phdr(0x200, 1, 64, PT_LOAD, 0x800, 0x700000, 0x200, 0x300);
    CHECK_EQ(parse(), 0, "e_phentsize 64: accepted");
    CHECK_EQ(out.nr_segments, 2, "e_phentsize 64: two segments");
    CHECK_SEG(1, 0x800, 0x700000, 0x200, 0x300, "e_phentsize 64");

    /* Program headers at the end of the file, ending exactly at its end. */
    make_header(0x1000, 0x1000 - 2 * PHDR, 2);
    put_phdr(0x1000 - 2 * PHDR, 0, PHDR, PT_LOAD, 0, 0x100000, 0x100, 0x100);
    put_phdr(0x1000 - 2 * PHDR, 1, PHDR, PT_LOAD, 0x100, 0x200000, 0x100, 0x100);
    CHECK_EQ(parse(), 0, "program headers ending at the end of the file: accepted");

    /* elf64_is_elf64 on the valid image, on ELF32 and on junk. */
    make_standard(0x1000, 1);
    CHECK(elf64_is_elf64(img, 0x1000), "elf64_is_elf64: valid image");
    CHECK(!elf64_is_elf64(img, EHDR - 1), "elf64_is_elf64: shorter than a file header");
    img[4] = 1;
    CHECK(!elf64_is_elf64(img, 0x1000), "elf64_is_elf64: ELFCLASS32");
    img[0] = 'M';
    img[1] = 'Z';
    img[4] = 2;
    CHECK(!elf64_is_elf64(img, 0x1000), "elf64_is_elf64: PE image");
}

static void test_ident(void)
{
    static const struct { const char *name; size_t off; uint8_t value; } bad[] = {
        { "bad magic byte 0", 0, 0x7E },
        { "bad magic 'E'", 1, 'e' },
        { "bad magic 'L'", 2, 'l' },
        { "bad magic 'F'", 3, 'f' },
        { "ELFCLASS32", 4, 1 },
        { "ELFCLASSNONE", 4, 0 },
        { "big-endian (ELFDATA2MSB)", 5, 2 },
        { "ELFDATANONE", 5, 0 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        make_standard(0x1000, 1);
        load(0, 0x100, 0x100000, 0x100, 0x100);
        img[bad[i].off] = bad[i].value;
        CHECK_REJECTS(bad[i].name);
    }

    /* Not an ELF file at all: a shell script, zeros, an empty file, a bare header. */
    memset(img, 0, sizeof img);
    memcpy(img, "#!/bin/sh\necho hello\n", 21);
    img_size = 0x100;
    CHECK_REJECTS("shell script");
    memset(img, 0, sizeof img);
    img_size = 0x100;
    CHECK_REJECTS("all zeros");
    img_size = 0;
    CHECK_REJECTS("empty file");
    make_standard(0x1000, 1);
    load(0, 0x100, 0x100000, 0x100, 0x100);
    img_size = EHDR - 1;
    CHECK_REJECTS("file shorter than the ELF header");

    /* A real big-endian header: fields in big-endian order. */
    make_standard(0x1000, 0);
    img[5] = 2;
    img[16] = 0, img[17] = 2;                   /* ET_EXEC, big-endian */
    img[18] = 0, img[19] = 62;                  /* EM_X86_64, big-endian */
    CHECK_REJECTS("big-endian header with big-endian fields");
}

static void test_type_machine(void)
{
    static const struct { const char *name; uint16_t type, machine; } bad[] = {
        { "ET_NONE", 0, 62 },
        { "ET_REL", 1, 62 },
        { "ET_DYN (PIE or shared object)", 3, 62 },
        { "ET_CORE", 4, 62 },
        { "EM_386", 2, 3 },
        { "EM_AARCH64", 2, 183 },
        { "EM_NONE", 2, 0 },
        { "EM_X86_64 byte-swapped", 2, 0x3E00 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        make_standard(0x1000, 1);
        load(0, 0x100, 0x100000, 0x100, 0x100);
        put16(16, bad[i].type);
        put16(18, bad[i].machine);
        CHECK_REJECTS(bad[i].name);
    }
}

static void test_program_headers(void)
{
    /* e_phoff past the end of the file. */
    make_standard(0x1000, 1);
    load(0, 0x100, 0x100000, 0x100, 0x100);
    put64(32, 0x1001);
    CHECK_REJECTS("e_phoff past the end of the file");
    put64(32, UINT64_MAX);
    CHECK_REJECTS("e_phoff 2^64-1");
    put64(32, UINT64_MAX - 55);
    CHECK_REJECTS("e_phoff 2^64-56 (wraps with one entry)");

    /* The table starts inside the file but runs past its end by one byte. */
    make_header(0x1000, 0x1000 - 2 * PHDR + 1, 2);
    put_phdr(0x1000 - 2 * PHDR + 1, 0, PHDR, PT_LOAD, 0, 0x100000, 0x100, 0x100);
    CHECK_REJECTS("program header table one byte past the end");

    /* e_phnum large enough that the table cannot fit. */
    make_standard(0x1000, 0xFFFF);
    load(0, 0x100, 0x100000, 0x100, 0x100);
    CHECK_REJECTS("e_phnum 65535 in a 4 KiB file");

    /* e_phentsize smaller than an Elf64_Phdr. */
    static const uint16_t small[] = { 0, 1, 32, 55 };
    for (size_t i = 0; i < sizeof small / sizeof small[0]; i++) {
        make_standard(0x1000, 1);
        load(0, 0x100, 0x100000, 0x100, 0x100);
        put16(54, small[i]);
        char name[64];
        snprintf(name, sizeof name, "e_phentsize %u", small[i]);
        CHECK_REJECTS(name);
    }

    /* No program headers, or none of them PT_LOAD. */
    make_standard(0x1000, 0);
    CHECK_REJECTS("no program headers");
    make_standard(0x1000, 3);
    put_phdr(EHDR, 0, PHDR, PT_NULL, 0, 0, 0, 0);
    put_phdr(EHDR, 1, PHDR, PT_NOTE, 0x200, 0, 0x20, 0x20);
    put_phdr(EHDR, 2, PHDR, PT_GNU_STACK, 0, 0, 0, 0);
    CHECK_REJECTS("only non-LOAD program headers");
}

static void test_segments(void)
{
    make_standard(0x1000, 1);
    load(0, 0x1001, 0x100000, 0, 0x100);
    CHECK_REJECTS("segment offset past the end of the file");

    make_standard(0x1000, 1);
    load(0, 0xF00, 0x100000, 0x101, 0x200);
    CHECK_REJECTS("segment one byte past the end of the file");

    make_standard(0x1000, 1);
    load(0, 0x100, 0x100000, UINT64_MAX, UINT64_MAX);
    CHECK_REJECTS("segment filesz 2^64-1");

    make_standard(0x1000, 1);
    load(0, UINT64_MAX, 0x100000, 2, 2);
    CHECK_REJECTS("segment offset 2^64-1 (offset+filesz wraps)");

    make_standard(0x1000, 2);
    load(0, 0x100, 0x100000, 0x100, 0x100);
    load(1, 0x800, 0x200000, 0x900, 0x900);
    CHECK_REJECTS("second segment past the end of the file");

    make_standard(0x1000, 1);
    load(0, 0x100, 0x100000, 0x200, 0x1FF);
    CHECK_REJECTS("filesz > memsz");

    make_standard(0x1000, 1);
    load(0, 0x100, 0xFFFFFFFFFFFFF000ull, 0x100, 0x1000);
    CHECK_REJECTS("paddr + memsz wraps to exactly 0");

    make_standard(0x1000, 1);
    load(0, 0x100, 0xFFFFFFFFFFFFF000ull, 0x100, 0x2000);
    CHECK_REJECTS("paddr + memsz overflows");

    make_standard(0x1000, 1);
    load(0, 0x100, 0x1000, 0x100, UINT64_MAX);
    CHECK_REJECTS("memsz 2^64-1");
}

static void test_segment_count(void)
{
    /* Headers at 0x40 take 17 * 56 = 952 bytes: all within a 4 KiB file. */
    make_standard(0x1000, ELF64_MAX_SEGMENTS);
    for (unsigned i = 0; i < ELF64_MAX_SEGMENTS; i++)
        load(i, 0x400 + i * 0x10, 0x100000 + i * 0x1000ull, 0x10, 0x1000);
    CHECK_EQ(parse(), 0, "ELF64_MAX_SEGMENTS PT_LOAD: accepted");
    CHECK_EQ(out.nr_segments, ELF64_MAX_SEGMENTS, "ELF64_MAX_SEGMENTS PT_LOAD: all kept");
    CHECK_SEG(ELF64_MAX_SEGMENTS - 1, 0x400 + (ELF64_MAX_SEGMENTS - 1) * 0x10,
              0x100000 + (ELF64_MAX_SEGMENTS - 1) * 0x1000ull, 0x10, 0x1000,
              "ELF64_MAX_SEGMENTS PT_LOAD");

    make_standard(0x1000, ELF64_MAX_SEGMENTS + 1);
    for (unsigned i = 0; i < ELF64_MAX_SEGMENTS + 1; i++)
        load(i, 0x400 + i * 0x10, 0x100000 + i * 0x1000ull, 0x10, 0x1000);
    CHECK_REJECTS("ELF64_MAX_SEGMENTS + 1 PT_LOAD");

    /* Non-LOAD headers do not count against the limit and are not checked. */
    make_standard(0x1000, ELF64_MAX_SEGMENTS + 3);
    put_phdr(EHDR, 0, PHDR, PT_NOTE, 0xFFFFFFFFFFFF0000ull, 0, 0x10000, 0x10000);
    for (unsigned i = 0; i < ELF64_MAX_SEGMENTS; i++)
        load(i + 1, 0x400 + i * 0x10, 0x100000 + i * 0x1000ull, 0x10, 0x1000);
    put_phdr(EHDR, ELF64_MAX_SEGMENTS + 1, PHDR, PT_GNU_STACK, 0, 0, 0, 0);
    put_phdr(EHDR, ELF64_MAX_SEGMENTS + 2, PHDR, PT_NULL, 0x5000, 0, 0x5000, 0);
    CHECK_EQ(parse(), 0, "16 PT_LOAD among 3 non-LOAD headers: accepted");
    CHECK_EQ(out.nr_segments, ELF64_MAX_SEGMENTS, "non-LOAD headers are not segments");
}

static void test_non_load_ignored(void)
{
    /* PT_LOAD headers interleaved with headers that would be invalid as loads. */
    make_standard(0x2000, 5);
    put_phdr(EHDR, 0, PHDR, PT_NOTE, 0x9000, 0, 0x100, 0x10);     /* off past end, filesz>memsz */
    load(1, 0x1000, 0x100000, 0x800, 0x1000);
    put_phdr(EHDR, 2, PHDR, PT_GNU_STACK, 0, 0, 0, 0);
    put_phdr(EHDR, 3, PHDR, 7 /* PT_TLS */, 0x1800, UINT64_MAX, 0x10, 0x10);
    load(4, 0x1800, 0x200000, 0x800, 0x800);
    CHECK_EQ(parse(), 0, "LOAD, NOTE, GNU_STACK, TLS mix: accepted");
    CHECK_EQ(out.nr_segments, 2, "LOAD, NOTE, GNU_STACK, TLS mix: only the two PT_LOAD");
    CHECK_SEG(0, 0x1000, 0x100000, 0x800, 0x1000, "mix");
    CHECK_SEG(1, 0x1800, 0x200000, 0x800, 0x800, "mix");
}

int main(void)
{
    test_valid();
    test_ident();
    test_type_machine();
    test_program_headers();
    test_segments();
    test_segment_count();
    test_non_load_ignored();
    CHECK_DONE();
}
