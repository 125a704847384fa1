/* SPDX-License-Identifier: GPL-2.0-only */
#include <arch/permission_maps.h>

/* The three MSR ranges the map covers, each 8192 MSRs = 2 KiB of map. */
static const struct { uint32_t first; uint32_t offset; } msr_ranges[] = {
    { 0x00000000u, 0x0000 },
    { 0xC0000000u, 0x0800 },
    { 0xC0010000u, 0x1000 },
};
#define MSRS_PER_RANGE 0x2000u

static int msr_bit(uint32_t msr)
{
    for (unsigned i = 0; i < sizeof msr_ranges / sizeof msr_ranges[0]; i++)
        if (msr - msr_ranges[i].first < MSRS_PER_RANGE)
            return (int)(msr_ranges[i].offset * 8 + (msr - msr_ranges[i].first) * 2);
    return -1;
}

static void set_bit(uint8_t *map, unsigned bit, bool on)
{
    if (on)
        map[bit / 8] |= (uint8_t)(1u << (bit % 8));
    else
        map[bit / 8] &= (uint8_t)~(1u << (bit % 8));
}

static bool test_bit(const uint8_t *map, unsigned bit)
{
    return map[bit / 8] >> (bit % 8) & 1;
}

int msrpm_set(uint8_t *msrpm, uint32_t msr, bool intercept_read, bool intercept_write)
{
    int bit = msr_bit(msr);
    if (bit < 0)
        return -1;
    set_bit(msrpm, (unsigned)bit, intercept_read);
    set_bit(msrpm, (unsigned)bit + 1, intercept_write);
    return 0;
}

bool msrpm_intercepts(const uint8_t *msrpm, uint32_t msr, bool write)
{
    int bit = msr_bit(msr);
    return bit < 0 || test_bit(msrpm, (unsigned)bit + write);
}

void iopm_set(uint8_t *iopm, uint16_t first, uint32_t count, bool intercept)
{
    uint64_t end = (uint64_t)first + count;        /* 64-bit: count may be huge */
    for (uint64_t p = first; p < end && p <= 0xFFFF; p++)
        set_bit(iopm, (unsigned)p, intercept);
}

/* A multi-byte access is intercepted if any byte's port is (the map has a
 * spare byte at its end for accesses that start at port 0xFFFF). */
bool iopm_intercepts(const uint8_t *iopm, uint16_t port, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        if (test_bit(iopm, (unsigned)port + i))
            return true;
    return false;
}
