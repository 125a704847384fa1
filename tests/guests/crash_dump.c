/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The purple screen's dump surviving a warm reset (tests/system/crash-dump.sh
 * boots the vmkernel with "allow_test_panic panic_timeout=1" and this
 * domain with a cspace).  First boot: no dump yet; SYSTEM crash_me ends in
 * a purple screen, and the machine resets itself a second later.  Second
 * boot: the dump is there, holds the purple screen's text, reads back
 * whole, and is gone once cleared.
 */
#include "guest.h"
#include "hypercall.h"

const char test_name[] = "crash_dump";

static char dump[64 << 10];

void test_main(void)
{
    struct sk_system_dump_info_result info = { 0 };
    long e = sk_system_dump_info(SK_CAP_SYSTEM, &info);
    check(e == SK_OK, "dump_info answers");
    if (e != SK_OK)
        return;
    if (info.len == 0) {
        guest_printf("first boot: no dump; asking for a purple screen\n");
        sk_system_crash_me(SK_CAP_SYSTEM);
        check(false, "crash_me returned");
        return;
    }
    guest_printf("second boot: a dump of %lu bytes\n", info.len);
    check(info.len > 200 && info.len <= sizeof dump, "the dump has a plausible size (%lu bytes)", info.len);
    uint64_t got = 0;
    while (got < info.len && got < sizeof dump) {
        struct sk_system_dump_read_result r = { 0 };
        if (sk_system_dump_read(SK_CAP_SYSTEM, got, &r) != SK_OK || r.len == 0)
            break;
        memcpy(dump + got, &r.b0, r.len);
        got += r.len;
    }
    check(got == info.len, "it reads back whole (%lu of %lu bytes)", got, info.len);
    uint32_t h = 2166136261u;
    for (uint64_t i = 0; i < got; i++)
        h = (h ^ (uint8_t)dump[i]) * 16777619u;
    check(h == info.checksum, "its checksum matches (%x)", h);
    const char *want[] = { "SKERRY PURPLE SCREEN", "PANIC: crash_me: dom", "Backtrace" };
    for (unsigned k = 0; k < 3; k++) {
        bool found = false;
        size_t n = strlen(want[k]);
        for (uint64_t i = 0; i + n <= got && !found; i++)
            found = memcmp(dump + i, want[k], n) == 0;
        check(found, "it holds \"%s\"", want[k]);
    }
    struct sk_system_dump_read_result r = { 0 };
    check(sk_system_dump_read(SK_CAP_SYSTEM, info.len + 1, &r) == SK_E_RANGE, "reading past its end is refused");
    check(sk_system_dump_clear(SK_CAP_SYSTEM) == SK_OK, "clear it");
    check(sk_system_dump_info(SK_CAP_SYSTEM, &info) == SK_OK && info.len == 0, "and it is gone");
}
