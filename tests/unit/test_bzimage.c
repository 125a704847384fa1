/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host unit tests for the bzImage setup-header parser (core/bzimage.c).
 * Synthetic images are written here field by field at the offsets of
 * Linux Documentation/arch/x86/boot.rst ("The Real-Mode Kernel Header"),
 * shaped like Debian bookworm's kernel: protocol 2.15, xloadflags 0x7f,
 * relocatable, 2 MiB alignment, pref_address 16 MiB.
 */
#include <stdint.h>
#include <string.h>
#include <boot/bzimage.h>
#include "check.h"
#include <boot/le_bytes.h>

#define SETUP_SECTS 4
#define PM_OFFSET   ((SETUP_SECTS + 1) * 512)   /* 2560 */
#define SYSSIZE     0x100                       /* paragraphs: 4096 bytes */
#define PM_SIZE     (SYSSIZE * 16)
#define IMAGE_LEN   (PM_OFFSET + PM_SIZE)
#define VERSION_AT  0x300                       /* string offset in the file */

static uint8_t image[IMAGE_LEN + 512];


static void make_image(void)
{
    memset(image, 0, sizeof image);
    image[0] = 'M';                              /* EFI stub's MZ, irrelevant here */
    image[1] = 'Z';
    image[0x1F1] = SETUP_SECTS;                  /* setup_sects */
    put32(image + 0x1F4, SYSSIZE);               /* syssize */
    put16(image + 0x1FE, 0xAA55);                /* boot_flag */
    image[0x200] = 0xEB;                         /* jump: short jmp ... */
    image[0x201] = 0x6A;                         /* ... to 0x26C: header end */
    memcpy(image + 0x202, "HdrS", 4);            /* header */
    put16(image + 0x206, 0x020F);                /* version 2.15 */
    put16(image + 0x20E, VERSION_AT - 0x200);    /* kernel_version */
    image[0x211] = 0x01;                         /* loadflags: LOADED_HIGH */
    put32(image + 0x214, 0x100000);              /* code32_start */
    put32(image + 0x22C, 0x7FFFFFFF);            /* initrd_addr_max */
    put32(image + 0x230, 0x200000);              /* kernel_alignment */
    image[0x234] = 1;                            /* relocatable_kernel */
    image[0x235] = 21;                           /* min_alignment */
    put16(image + 0x236, 0x7F);                  /* xloadflags */
    put32(image + 0x238, 2047);                  /* cmdline_size */
    put64(image + 0x258, 0x1000000);             /* pref_address */
    put32(image + 0x260, 0x4000000);             /* init_size */
    strcpy((char *)image + VERSION_AT, "6.1.0-test (synthetic) #1 SMP");
    memset(image + PM_OFFSET, 0x90, PM_SIZE);
}

static int parse(size_t len, struct bzimage_info *k, const char **why)
{
    *why = NULL;
    return bzimage_parse(image, len, k, why);
}

static void test_debian_like(void)
{
    struct bzimage_info k;
    const char *why = NULL;
    make_image();
    int rc = parse(IMAGE_LEN, &k, &why);
    CHECK(rc == 0, "debian-like: parses (%s)", rc ? why : "ok");
    CHECK_EQ(k.protocol, 0x020F, "debian-like: protocol 2.15");
    CHECK_EQ(k.setup_sects, 4, "debian-like: setup_sects");
    CHECK_EQ(k.header_end, 0x26C, "debian-like: header ends at 0x202 + 0x6A");
    CHECK_EQ(k.pm_offset, 2560, "debian-like: protected-mode part at (4+1)*512");
    CHECK_EQ(k.pm_size, 4096, "debian-like: protected-mode size = syssize * 16");
    CHECK_EQ(k.syssize, SYSSIZE, "debian-like: syssize");
    CHECK(k.relocatable, "debian-like: relocatable");
    CHECK(k.can_load_above_4g, "debian-like: can be loaded above 4 GiB");
    CHECK_EQ(k.xloadflags, 0x7F, "debian-like: xloadflags");
    CHECK_EQ(k.loadflags, 0x01, "debian-like: loadflags");
    CHECK_EQ(k.kernel_alignment, 0x200000, "debian-like: kernel_alignment");
    CHECK_EQ(k.min_alignment, 21, "debian-like: min_alignment");
    CHECK_EQ(k.pref_address, 0x1000000, "debian-like: pref_address");
    CHECK_EQ(k.init_size, 0x4000000, "debian-like: init_size");
    CHECK_EQ(k.cmdline_size, 2047, "debian-like: cmdline_size");
    CHECK_EQ(k.initrd_addr_max, 0x7FFFFFFF, "debian-like: initrd_addr_max");
    CHECK_EQ(k.load_address, 0x1000000, "debian-like: loaded at pref_address");
    CHECK_EQ(k.runtime_start, 0x1000000, "debian-like: runs at the load address");
    CHECK_EQ(k.entry64, 0x1000200, "debian-like: 64-bit entry at load + 0x200");
    const char *v = bzimage_version_string(image, IMAGE_LEN, &k);
    CHECK(v && strcmp(v, "6.1.0-test (synthetic) #1 SMP") == 0,
          "debian-like: version string at kernel_version + 0x200");
    /* Trailing bytes (e.g. an appended signature) are not part of the kernel. */
    CHECK(parse(sizeof image, &k, &why) == 0 && k.pm_size == PM_SIZE,
          "debian-like: trailing bytes ignored");
}

static void test_setup_sects_zero_means_four(void)
{
    struct bzimage_info k;
    const char *why = NULL;
    make_image();
    image[0x1F1] = 0;
    CHECK(parse(IMAGE_LEN, &k, &why) == 0 && k.setup_sects == 4 && k.pm_offset == 2560,
          "setup_sects 0 means 4");
}

static void test_larger_setup(void)
{
    static uint8_t big[40 * 512 + 16];
    struct bzimage_info k;
    const char *why = NULL;
    make_image();
    memset(big, 0, sizeof big);
    memcpy(big, image, PM_OFFSET);
    big[0x1F1] = 39;                             /* Debian's kernels have 0x27 */
    put32(big + 0x1F4, 1);                       /* 16 bytes of kernel */
    CHECK(bzimage_parse(big, sizeof big, &k, &why) == 0 && k.pm_offset == 40 * 512 &&
          k.pm_size == 16, "setup_sects 39: kernel at 40 * 512");
}

static void test_load_address_rules(void)
{
    struct bzimage_info k;
    const char *why = NULL;
    make_image();
    put64(image + 0x258, 0x1100000);             /* not 2 MiB aligned */
    CHECK(parse(IMAGE_LEN, &k, &why) == 0 && k.load_address == 0x1200000 &&
          k.entry64 == 0x1200200, "misaligned pref_address rounds up to kernel_alignment");
    make_image();
    put64(image + 0x258, 0);
    CHECK(parse(IMAGE_LEN, &k, &why) == 0 && k.load_address == 0x200000,
          "no pref_address: 1 MiB rounded up to kernel_alignment");
    make_image();
    image[0x234] = 0;                            /* not relocatable */
    CHECK(parse(IMAGE_LEN, &k, &why) == 0 && k.load_address == 0x100000 &&
          k.runtime_start == 0x1000000 && k.entry64 == 0x100200,
          "fixed kernel: loaded at 1 MiB, runs at pref_address");
    make_image();
    put16(image + 0x236, 0x01);                  /* 64-bit entry only */
    CHECK(parse(IMAGE_LEN, &k, &why) == 0 && !k.can_load_above_4g,
          "xloadflags bit 1 clear: must stay below 4 GiB");
    make_image();
    put16(image + 0x206, 0x020C);                /* exactly 2.12 */
    CHECK(parse(IMAGE_LEN, &k, &why) == 0 && k.protocol == 0x020C, "protocol 2.12 is enough");
    make_image();
    image[0x201] = 0x66;                         /* 2.12-2.14 header: ends at 0x268 */
    CHECK(parse(IMAGE_LEN, &k, &why) == 0 && k.header_end == 0x268, "header ending at 0x268");
}

static void expect_error(size_t len, const char *what, const char *want_word)
{
    struct bzimage_info k;
    const char *why = NULL;
    int rc = parse(len, &k, &why);
    CHECK(rc == -1 && why && (!want_word || strstr(why, want_word)), "rejects %s (%s)", what,
          why ? why : "no reason");
}

static void test_errors(void)
{
    struct bzimage_info k;
    const char *why = NULL;
    make_image();
    expect_error(0x100, "a 256-byte file", "short");
    make_image();
    put16(image + 0x1FE, 0);
    expect_error(IMAGE_LEN, "no boot flag", "0xAA55");
    make_image();
    memcpy(image + 0x202, "HdrX", 4);
    expect_error(IMAGE_LEN, "no HdrS", "HdrS");
    make_image();
    put16(image + 0x206, 0x020A);
    expect_error(IMAGE_LEN, "protocol 2.10", "2.12");
    CHECK(parse(IMAGE_LEN, &k, &why) == -1 && k.protocol == 0x020A,
          "too-old error still reports the protocol");
    make_image();
    put16(image + 0x206, 0x020B);
    expect_error(IMAGE_LEN, "protocol 2.11", "64-bit");
    make_image();
    image[0x211] = 0x00;
    expect_error(IMAGE_LEN, "a zImage (LOADED_HIGH clear)", "zImage");
    make_image();
    put16(image + 0x236, 0x7E);
    expect_error(IMAGE_LEN, "no XLF_KERNEL_64", "64-bit");
    make_image();
    image[0x201] = 0x50;                         /* header would end at 0x252 */
    expect_error(IMAGE_LEN, "a header ending before init_size", "short");
    make_image();
    image[0x201] = 0x90;                         /* 0x292: past boot_params' room */
    expect_error(IMAGE_LEN, "a header ending past 0x290", NULL);
    make_image();
    expect_error(IMAGE_LEN - 1, "a truncated kernel", "truncated");
    make_image();
    expect_error(PM_OFFSET - 1, "truncated setup sectors", NULL);
    make_image();
    put32(image + 0x1F4, 0);
    expect_error(IMAGE_LEN, "syssize 0", "syssize");
    make_image();
    put32(image + 0x260, 0);
    expect_error(IMAGE_LEN, "init_size 0", "init_size");
    make_image();
    put32(image + 0x230, 0x300000);
    expect_error(IMAGE_LEN, "kernel_alignment 3 MiB", "power of two");
    make_image();
    put64(image + 0x258, UINT64_MAX - 0x1000);
    expect_error(IMAGE_LEN, "pref_address near 2^64", NULL);
    make_image();
    image[0x1F1] = 200;
    expect_error(IMAGE_LEN, "setup_sects past the file", NULL);
    CHECK(bzimage_parse(NULL, 0, &k, &why) == -1, "rejects no image");
}

static void test_version_string(void)
{
    struct bzimage_info k;
    const char *why = NULL;
    make_image();
    put16(image + 0x20E, 0);
    parse(IMAGE_LEN, &k, &why);
    CHECK(bzimage_version_string(image, IMAGE_LEN, &k) == NULL, "version: none when 0");
    make_image();
    memset(image + VERSION_AT, 'x', PM_OFFSET - VERSION_AT);   /* no NUL before the kernel */
    parse(IMAGE_LEN, &k, &why);
    CHECK(bzimage_version_string(image, IMAGE_LEN, &k) == NULL, "version: unterminated refused");
    make_image();
    put16(image + 0x20E, 0x1000);                /* points into the kernel part */
    parse(IMAGE_LEN, &k, &why);
    CHECK(bzimage_version_string(image, IMAGE_LEN, &k) == NULL, "version: outside setup refused");
}

int main(void)
{
    test_debian_like();
    test_setup_sects_zero_means_four();
    test_larger_setup();
    test_load_address_rules();
    test_errors();
    test_version_string();
    CHECK_DONE();
}
