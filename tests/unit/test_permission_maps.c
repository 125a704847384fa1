/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host unit tests for SVM's MSR and I/O permission maps
 * (arch/x86_64/svm/permission_maps.c).  Layouts from the AMD64
 * Architecture Programmer's Manual vol. 2, section 15.10 (I/O intercepts:
 * a 12 KiB IOPM, one bit per port, 64K+3 bits used) and section 15.11
 * (MSR intercepts: an 8 KiB MSRPM, two bits per MSR, the lower one for
 * reads and the higher one for writes):
 *
 *   MSRPM byte 0x0000-0x07FF  MSRs 0x00000000-0x00001FFF
 *   MSRPM byte 0x0800-0x0FFF  MSRs 0xC0000000-0xC0001FFF
 *   MSRPM byte 0x1000-0x17FF  MSRs 0xC0010000-0xC0011FFF
 *   MSRPM byte 0x1800-0x1FFF  reserved
 *
 * The maps are heap buffers of exactly their architectural size so that
 * AddressSanitizer catches any access past their end.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arch/permission_maps.h>
#include "check.h"

static uint8_t *msrpm, *iopm;

static unsigned popcount_map(const uint8_t *map, size_t size)
{
    unsigned n = 0;
    for (size_t i = 0; i < size; i++)
        n += (unsigned)__builtin_popcount(map[i]);
    return n;
}

/* The only set bit of the map, as a bit index, or -1 (none or several). */
static long only_bit(const uint8_t *map, size_t size)
{
    if (popcount_map(map, size) != 1)
        return -1;
    for (size_t i = 0; i < size; i++)
        if (map[i])
            return (long)(i * 8 + (size_t)__builtin_ctz(map[i]));
    return -1;
}

/* Byte and bit of an MSR's read bit, straight from the manual's table. */
static long manual_read_bit(uint32_t msr)
{
    if (msr <= 0x1FFF)
        return 0x0000 * 8 + (long)msr * 2;
    if (msr >= 0xC0000000u && msr <= 0xC0001FFFu)
        return 0x0800 * 8 + (long)(msr - 0xC0000000u) * 2;
    if (msr >= 0xC0010000u && msr <= 0xC0011FFFu)
        return 0x1000 * 8 + (long)(msr - 0xC0010000u) * 2;
    return -1;
}

static void test_msrpm_known_positions(void)
{
    static const struct {
        const char *name;
        uint32_t msr;
        unsigned byte;          /* byte offset in the MSRPM */
        unsigned read_bit;      /* bit in that byte; write is the next one */
    } known[] = {
        { "MSR 0x0 (first of range 0)",          0x00000000u, 0x000,  0 },
        { "TSC 0x10",                            0x00000010u, 0x004,  0 },
        { "APIC_BASE 0x1B",                      0x0000001Bu, 0x006,  6 },
        { "SYSENTER_CS 0x174",                   0x00000174u, 0x05D,  0 },
        { "PAT 0x277",                           0x00000277u, 0x09D,  6 },
        { "MSR 0x1FFF (last of range 0)",        0x00001FFFu, 0x7FF,  6 },
        { "MSR 0xC0000000 (first of range 1)",   0xC0000000u, 0x800,  0 },
        { "EFER 0xC0000080",                     0xC0000080u, 0x820,  0 },
        { "STAR 0xC0000081",                     0xC0000081u, 0x820,  2 },
        { "LSTAR 0xC0000082",                    0xC0000082u, 0x820,  4 },
        { "CSTAR 0xC0000083",                    0xC0000083u, 0x820,  6 },
        { "SFMASK 0xC0000084",                   0xC0000084u, 0x821,  0 },
        { "FS_BASE 0xC0000100",                  0xC0000100u, 0x840,  0 },
        { "KERNEL_GS_BASE 0xC0000102",           0xC0000102u, 0x840,  4 },
        { "TSC_AUX 0xC0000103",                  0xC0000103u, 0x840,  6 },
        { "MSR 0xC0001FFF (last of range 1)",    0xC0001FFFu, 0xFFF,  6 },
        { "MSR 0xC0010000 (first of range 2)",   0xC0010000u, 0x1000, 0 },
        { "VM_CR 0xC0010114",                    0xC0010114u, 0x1045, 0 },
        { "VM_HSAVE_PA 0xC0010117",              0xC0010117u, 0x1045, 6 },
        { "MSR 0xC0011FFF (last of range 2)",    0xC0011FFFu, 0x17FF, 6 },
    };

    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        long rbit = (long)known[i].byte * 8 + known[i].read_bit;

        memset(msrpm, 0, MSRPM_SIZE);
        CHECK_EQ(msrpm_set(msrpm, known[i].msr, true, false), 0,
                 "%s: msrpm_set returns 0", known[i].name);
        CHECK_EQ(only_bit(msrpm, MSRPM_SIZE), rbit,
                 "%s: read intercept is byte %#x bit %u alone", known[i].name,
                 known[i].byte, known[i].read_bit);
        CHECK(msrpm_intercepts(msrpm, known[i].msr, false) &&
              !msrpm_intercepts(msrpm, known[i].msr, true),
              "%s: read intercepted, write passed through", known[i].name);

        memset(msrpm, 0, MSRPM_SIZE);
        msrpm_set(msrpm, known[i].msr, false, true);
        CHECK_EQ(only_bit(msrpm, MSRPM_SIZE), rbit + 1,
                 "%s: write intercept is byte %#x bit %u alone", known[i].name,
                 known[i].byte, known[i].read_bit + 1);
        CHECK(!msrpm_intercepts(msrpm, known[i].msr, false) &&
              msrpm_intercepts(msrpm, known[i].msr, true),
              "%s: write intercepted, read passed through", known[i].name);

        /* From an all-intercepting map, passing both through clears two bits. */
        memset(msrpm, 0xFF, MSRPM_SIZE);
        msrpm_set(msrpm, known[i].msr, false, false);
        CHECK(popcount_map(msrpm, MSRPM_SIZE) == MSRPM_SIZE * 8 - 2 &&
              msrpm[known[i].byte] == (uint8_t)~(3u << known[i].read_bit),
              "%s: pass-through clears exactly its two bits", known[i].name);
        CHECK(!msrpm_intercepts(msrpm, known[i].msr, false) &&
              !msrpm_intercepts(msrpm, known[i].msr, true),
              "%s: passed through for read and write", known[i].name);
    }
}

/* Every MSR of every range: its bits are where the manual puts them. */
static void test_msrpm_every_slot(void)
{
    static const uint32_t firsts[] = { 0x00000000u, 0xC0000000u, 0xC0010000u };
    unsigned wrong = 0;
    uint32_t first_wrong = 0;

    memset(msrpm, 0, MSRPM_SIZE);
    for (size_t r = 0; r < 3; r++) {
        for (uint32_t msr = firsts[r]; msr < firsts[r] + 0x2000; msr++) {
            long rbit = manual_read_bit(msr);
            bool ok = msrpm_set(msrpm, msr, true, false) == 0 &&
                      (msrpm[rbit / 8] >> (rbit % 8) & 3) == 1 &&
                      msrpm_intercepts(msrpm, msr, false) &&
                      !msrpm_intercepts(msrpm, msr, true);
            ok = ok && msrpm_set(msrpm, msr, false, true) == 0 &&
                 (msrpm[rbit / 8] >> (rbit % 8) & 3) == 2 &&
                 !msrpm_intercepts(msrpm, msr, false) &&
                 msrpm_intercepts(msrpm, msr, true);
            ok = ok && msrpm_set(msrpm, msr, false, false) == 0 &&
                 popcount_map(msrpm + rbit / 8, 1) == 0;
            if (!ok && wrong++ == 0)
                first_wrong = msr;
        }
    }
    CHECK(wrong == 0, "all 3 x 8192 MSR slots at the manual's position (first wrong %#x)",
          first_wrong);
    CHECK_EQ(popcount_map(msrpm, MSRPM_SIZE), 0, "map clear again after set/clear of every MSR");

    for (size_t r = 0; r < 3; r++)
        for (uint32_t msr = firsts[r]; msr < firsts[r] + 0x2000; msr++)
            msrpm_set(msrpm, msr, true, true);
    bool ranges_full = true, reserved_clear = true;
    for (unsigned i = 0; i < 0x1800; i++)
        ranges_full = ranges_full && msrpm[i] == 0xFF;
    for (unsigned i = 0x1800; i < MSRPM_SIZE; i++)
        reserved_clear = reserved_clear && msrpm[i] == 0;
    CHECK(ranges_full, "intercepting every MSR fills bytes 0x0-0x17FF");
    CHECK(reserved_clear, "intercepting every MSR leaves reserved bytes 0x1800-0x1FFF alone");
}

static void test_msrpm_outside_ranges(void)
{
    static const uint32_t outside[] = {
        0x00002000u,            /* just past range 0 */
        0x00010000u,
        0x40000000u,            /* hypervisor CPUID/MSR space */
        0x40000001u,
        0xBFFFFFFFu,            /* just below range 1 */
        0xC0002000u,            /* just past range 1 */
        0xC000FFFFu,            /* just below range 2 */
        0xC0012000u,            /* just past range 2 */
        0xC0020000u,
        0xFFFFFFFFu,
    };

    for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++) {
        memset(msrpm, 0, MSRPM_SIZE);
        CHECK_EQ(msrpm_set(msrpm, outside[i], true, true), (uint64_t)-1,
                 "MSR %#x outside the map: msrpm_set returns -1", outside[i]);
        CHECK_EQ(popcount_map(msrpm, MSRPM_SIZE), 0,
                 "MSR %#x outside the map: msrpm_set changes nothing", outside[i]);
        CHECK(msrpm_intercepts(msrpm, outside[i], false) &&
              msrpm_intercepts(msrpm, outside[i], true),
              "MSR %#x outside the map: always intercepted", outside[i]);
        memset(msrpm, 0xFF, MSRPM_SIZE);
        msrpm_set(msrpm, outside[i], false, false);
        CHECK_EQ(popcount_map(msrpm, MSRPM_SIZE), MSRPM_SIZE * 8,
                 "MSR %#x outside the map: pass-through changes nothing", outside[i]);
    }
}

static void test_iopm_bits(void)
{
    static const struct { uint16_t port; unsigned byte, bit; } known[] = {
        { 0x0000, 0x0000, 0 },
        { 0x0060, 0x000C, 0 },  /* keyboard controller */
        { 0x0080, 0x0010, 0 },  /* POST port */
        { 0x00ED, 0x001D, 5 },
        { 0x03F8, 0x007F, 0 },  /* COM1 */
        { 0x03FD, 0x007F, 5 },
        { 0x0CF8, 0x019F, 0 },  /* PCI config address */
        { 0x5658, 0x0ACB, 0 },  /* VMware backdoor */
        { 0xFFFF, 0x1FFF, 7 },
    };

    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        memset(iopm, 0, IOPM_SIZE);
        iopm_set(iopm, known[i].port, 1, true);
        CHECK_EQ(only_bit(iopm, IOPM_SIZE), known[i].byte * 8 + known[i].bit,
                 "port %#x: intercept is byte %#x bit %u alone", known[i].port, known[i].byte,
                 known[i].bit);
        CHECK(iopm_intercepts(iopm, known[i].port, 1), "port %#x: 1-byte access intercepted",
              known[i].port);
        memset(iopm, 0xFF, IOPM_SIZE);
        iopm_set(iopm, known[i].port, 1, false);
        CHECK(popcount_map(iopm, IOPM_SIZE) == IOPM_SIZE * 8 - 1 &&
                  iopm[known[i].byte] == (uint8_t)~(1u << known[i].bit),
              "port %#x: pass-through clears exactly its bit", known[i].port);
        CHECK(!iopm_intercepts(iopm, known[i].port, 1), "port %#x: 1-byte access passes",
              known[i].port);
    }
}

static void test_iopm_ranges(void)
{
    memset(iopm, 0, IOPM_SIZE);
    iopm_set(iopm, 0x3F8, 8, true);
    CHECK(iopm[0x7F] == 0xFF && popcount_map(iopm, IOPM_SIZE) == 8,
          "ports 0x3F8-0x3FF: byte 0x7F full, nothing else");

    memset(iopm, 0, IOPM_SIZE);
    iopm_set(iopm, 0x3FC, 8, true);
    CHECK(iopm[0x7F] == 0xF0 && iopm[0x80] == 0x0F && popcount_map(iopm, IOPM_SIZE) == 8,
          "ports 0x3FC-0x403 straddle bytes 0x7F/0x80");

    memset(iopm, 0, IOPM_SIZE);
    iopm_set(iopm, 0x1234, 0, true);
    CHECK_EQ(popcount_map(iopm, IOPM_SIZE), 0, "count 0 sets nothing");

    memset(iopm, 0, IOPM_SIZE);
    iopm_set(iopm, 0, 0x10000, true);
    bool full = true;
    for (unsigned i = 0; i < 0x2000; i++)
        full = full && iopm[i] == 0xFF;
    CHECK(full, "all 65536 ports: bytes 0x0-0x1FFF full");
    CHECK_EQ(popcount_map(iopm + 0x2000, IOPM_SIZE - 0x2000), 0,
             "all 65536 ports: nothing past bit 0xFFFF");

    memset(iopm, 0, IOPM_SIZE);
    iopm_set(iopm, 0xFFF8, 100, true);
    CHECK(iopm[0x1FFF] == 0xFF && popcount_map(iopm, IOPM_SIZE) == 8,
          "range running past port 0xFFFF stops at 0xFFFF");

    memset(iopm, 0, IOPM_SIZE);
    iopm_set(iopm, 0xFFFF, 4, true);
    CHECK(only_bit(iopm, IOPM_SIZE) == 0xFFFF, "ports 0xFFFF x4: only bit 0xFFFF set");

    /*
     * [first, first + count) with a count that runs past 2^32 - first
     * still covers first..0xFFFF: the end must not wrap to a small number.
     */
    memset(iopm, 0, IOPM_SIZE);
    iopm_set(iopm, 0xFFFF, UINT32_MAX, true);
    CHECK(only_bit(iopm, IOPM_SIZE) == 0xFFFF, "port 0xFFFF, count 0xFFFFFFFF: bit 0xFFFF set");
    memset(iopm, 0, IOPM_SIZE);
    iopm_set(iopm, 0xFFF0, 0xFFFFFFF0u, true);
    CHECK_EQ(popcount_map(iopm, IOPM_SIZE), 16, "port 0xFFF0, count 0xFFFFFFF0: 16 ports set");

    memset(iopm, 0xFF, IOPM_SIZE);
    iopm_set(iopm, 0x70, 2, false);
    CHECK(iopm[0x0E] == 0xFC && popcount_map(iopm, IOPM_SIZE) == IOPM_SIZE * 8 - 2,
          "passing 0x70-0x71 through clears two bits");
}

/* A multi-byte access is intercepted if any byte's port is. */
static void test_iopm_multibyte(void)
{
    memset(iopm, 0, IOPM_SIZE);
    iopm_set(iopm, 0xCFB, 1, true);
    CHECK(iopm_intercepts(iopm, 0xCF8, 4), "dword at 0xCF8 caught by its last byte 0xCFB");
    CHECK(!iopm_intercepts(iopm, 0xCF8, 2), "word at 0xCF8 misses 0xCFB");
    CHECK(!iopm_intercepts(iopm, 0xCF8, 1), "byte at 0xCF8 misses 0xCFB");
    CHECK(iopm_intercepts(iopm, 0xCFA, 2), "word at 0xCFA caught by 0xCFB");
    CHECK(iopm_intercepts(iopm, 0xCFB, 1), "byte at 0xCFB caught");
    CHECK(!iopm_intercepts(iopm, 0xCFC, 4), "dword at 0xCFC misses 0xCFB");
    CHECK(iopm_intercepts(iopm, 0xCF9, 4), "dword at 0xCF9 spans 0xCFB");

    /* Across a byte boundary of the map. */
    memset(iopm, 0, IOPM_SIZE);
    iopm_set(iopm, 0x408, 1, true);
    CHECK(iopm_intercepts(iopm, 0x406, 4), "dword at 0x406 caught by 0x408 in the next byte");
    CHECK(!iopm_intercepts(iopm, 0x404, 4), "dword at 0x404 stops at 0x407");

    /* Ports 0xFFFF+1..+3 are the three extra bits 0x10000-0x10002 of the map. */
    memset(iopm, 0, IOPM_SIZE);
    CHECK(!iopm_intercepts(iopm, 0xFFFF, 4), "clear map: dword at 0xFFFF passes");
    iopm[0x2000] = 1u << 2;                              /* bit 0x10002 */
    CHECK(iopm_intercepts(iopm, 0xFFFF, 4), "dword at 0xFFFF checks bit 0x10002");
    CHECK(!iopm_intercepts(iopm, 0xFFFF, 2), "word at 0xFFFF does not check bit 0x10002");
    iopm[0x2000] = 1u << 0;                              /* bit 0x10000 */
    CHECK(iopm_intercepts(iopm, 0xFFFF, 2), "word at 0xFFFF checks bit 0x10000");
    CHECK(!iopm_intercepts(iopm, 0xFFFF, 1), "byte at 0xFFFF checks only bit 0xFFFF");
    CHECK(!iopm_intercepts(iopm, 0x0000, 4), "dword at 0 does not see bit 0x10000");
    iopm[0x2000] = 0;
    iopm_set(iopm, 0xFFFF, 1, true);
    CHECK(iopm_intercepts(iopm, 0xFFFF, 4) && iopm_intercepts(iopm, 0xFFFF, 1),
          "port 0xFFFF intercepted: byte and dword at 0xFFFF caught");
    CHECK(iopm_intercepts(iopm, 0xFFFC, 4), "dword at 0xFFFC caught by 0xFFFF");
    CHECK(!iopm_intercepts(iopm, 0xFFFB, 4), "dword at 0xFFFB stops at 0xFFFE");
}

int main(void)
{
    msrpm = malloc(MSRPM_SIZE);
    iopm = malloc(IOPM_SIZE);
    if (!msrpm || !iopm)
        return 2;
    CHECK_EQ(MSRPM_SIZE, 8192, "MSRPM is 8 KiB");
    CHECK_EQ(IOPM_SIZE, 12288, "IOPM is 12 KiB");
    test_msrpm_known_positions();
    test_msrpm_every_slot();
    test_msrpm_outside_ranges();
    test_iopm_bits();
    test_iopm_ranges();
    test_iopm_multibyte();
    free(msrpm);
    free(iopm);
    CHECK_DONE();
}
