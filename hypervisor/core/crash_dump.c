/* SPDX-License-Identifier: GPL-2.0-only */
/* The crash dump (skerry/crash_dump.h). */
#include <stdlib.h>
#include <string.h>
#include <arch/cpu.h>
#include <arch/platform.h>
#include <skerry/cmdline.h>
#include <skerry/crash_dump.h>
#include <skerry/log.h>
#include <skerry/log_ring.h>
#include <skerry/memory.h>
#include <skerry/time.h>

#define DUMP_MAGIC   "SKRYDMP1"

struct dump_header {
    char magic[8];
    uint32_t length;              /* bytes of text after the header */
    uint32_t checksum;            /* FNV-1a of those bytes */
};

static char *saved;
static uint32_t saved_len, saved_checksum;
static uint64_t reset_after_s;
static int test_panic_allowed;

uint32_t crash_dump_checksum(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static struct dump_header *area(void)
{
    uint64_t pa = memory_crash_area();
    return pa ? phys_to_virt(pa) : NULL;
}

void crash_dump_boot(const char *cmdline)
{
    reset_after_s = cmdline_get_u64(cmdline, "panic_timeout", 0);
    test_panic_allowed = cmdline_has_flag(cmdline, "allow_test_panic");
    struct dump_header *h = area();
    if (!h || memcmp(h->magic, DUMP_MAGIC, sizeof h->magic) != 0)
        return;
    uint32_t max = CRASH_DUMP_AREA_BYTES - sizeof *h;
    if (h->length == 0 || h->length > max || crash_dump_checksum(h + 1, h->length) != h->checksum) {
        log_warn("crash dump: the area holds a damaged dump (length %u): discarded", h->length);
    } else if ((saved = malloc(h->length)) != NULL) {
        memcpy(saved, h + 1, h->length);
        saved_len = h->length;
        saved_checksum = h->checksum;
        log_warn("crash dump: the previous boot ended in a purple screen; its dump (%u bytes, checksum %08x) "
                 "is kept for vmkdump", saved_len, saved_checksum);
    }
    memset(h, 0, sizeof *h);      /* a later clean reboot must not find it again */
}

const char *crash_dump_saved(uint32_t *len, uint32_t *checksum)
{
    *len = saved_len;
    *checksum = saved_checksum;
    return saved;
}

void crash_dump_clear(void)
{
    free(saved);
    saved = NULL;
    saved_len = saved_checksum = 0;
}

int crash_dump_test_panic_allowed(void)
{
    return test_panic_allowed;
}

void crash_dump_write_and_maybe_reset(void)
{
    struct dump_header *h = area();
    if (h) {
        /* The ring's lock may be held by a CPU that died with it: read as it is. */
        struct log_ring *ring = log_ring();
        uint32_t max = CRASH_DUMP_AREA_BYTES - sizeof *h;
        uint64_t seq = ring->head > max ? ring->head - max : 0;
        size_t n = log_ring_read(ring, &seq, (char *)(h + 1), max);
        h->length = (uint32_t)n;
        h->checksum = crash_dump_checksum(h + 1, n);
        memcpy(h->magic, DUMP_MAGIC, sizeof h->magic);
        log_write_raw("crash dump written\n", 19);
    }
    if (!reset_after_s)
        return;
    uint64_t end = rdtsc() + reset_after_s * time_tsc_khz() * 1000;
    while (rdtsc() < end)
        cpu_relax();
    platform_reset();
}
