// SPDX-License-Identifier: GPL-2.0-only
/*
 * libvmfs's helpers: the journal's CRC-32 against zlib's values (a commit
 * whose checksum disagreed would never be replayed), and the address set
 * that remembers a transaction's locks, against a plain list.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "../../vmfs/lib/addrset.h"
#include "../../vmfs/lib/crc32.h"

static uint32_t crc_bytewise(const uint8_t *p, size_t n)
{
    uint32_t c = ~0u;
    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
    }
    return ~c;
}

static void test_crc32(void)
{
    CHECK_EQ(vmfs_crc32(0, "", 0), 0, "crc32 of nothing is 0");
    CHECK_EQ(vmfs_crc32(0, "123456789", 9), 0xcbf43926u, "crc32 check value of \"123456789\"");
    static const char fox[] = "The quick brown fox jumps over the lazy dog";
    CHECK_EQ(vmfs_crc32(0, fox, strlen(fox)), 0x414fa339u, "crc32 of the quick brown fox");
    uint8_t buf[4099];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 131 + (i >> 7));
    uint32_t whole = vmfs_crc32(0, buf, sizeof buf);
    CHECK_EQ(whole, crc_bytewise(buf, sizeof buf), "crc32 of 4099 bytes = the bit-at-a-time definition");
    bool split_ok = true;
    for (size_t cut = 0; cut <= 17; cut++)      /* every alignment of the 8-byte steps */
        split_ok &= vmfs_crc32(vmfs_crc32(0, buf, cut), buf + cut, sizeof buf - cut) == whole;
    CHECK(split_ok, "crc32 continued across a split at offsets 0..17 = in one call");
    CHECK_EQ(vmfs_crc32(0, buf + 1, 512), crc_bytewise(buf + 1, 512), "crc32 from an unaligned start");
}

static void test_addrset(void)
{
    struct addrset s = { 0 };
    CHECK(!addrset_has(&s, 0) && !addrset_has(&s, 42), "an empty set holds nothing");
    CHECK_EQ(addrset_add(&s, 0), 1, "address 0 is added");
    CHECK_EQ(addrset_add(&s, 0), 0, "address 0 a second time is already there");
    CHECK(addrset_has(&s, 0) && !addrset_has(&s, 1), "address 0 is found, 1 is not");

    /* Addresses as the lock code sees them: sector multiples, clustered. */
    enum { N = 5000 };
    static uint64_t list[N];
    bool added = true;
    for (size_t i = 0; i < N; i++) {
        list[i] = 0x1100000ull + (i % 7) * 0x400000ull + (i / 7) * 0x800ull;
        added &= addrset_add(&s, list[i]) >= 0;
    }
    CHECK(added, "5000 addresses added while the set grows");
    size_t distinct = 1;        /* address 0 */
    for (size_t i = 0; i < N; i++) {
        bool dup = false;
        for (size_t k = 0; k < i && !dup; k++)
            dup = list[k] == list[i];
        distinct += !dup;
    }
    CHECK_EQ(s.count, distinct, "the set counts each distinct address once");
    bool all_found = true, none_extra = true;
    for (size_t i = 0; i < N; i++) {
        all_found &= addrset_has(&s, list[i]);
        none_extra &= !addrset_has(&s, list[i] + 512);
    }
    CHECK(all_found, "every added address is found");
    CHECK(none_extra, "no address that was not added is found");
    size_t visited = 0;
    bool visit_ok = true;
    uint64_t a;
    for (size_t i = 0; addrset_next(&s, &i, &a); visited++)
        visit_ok &= addrset_has(&s, a);
    CHECK(visit_ok && visited == s.count, "iteration visits each address once (%zu of %zu)", visited, s.count);
    addrset_clear(&s);
    CHECK(s.count == 0 && !addrset_has(&s, list[0]) && !addrset_has(&s, 0), "a cleared set holds nothing");
    CHECK_EQ(addrset_add(&s, list[9]), 1, "a cleared set takes addresses again");
    addrset_free(&s);
    CHECK(s.slots == NULL && s.count == 0 && !addrset_has(&s, list[9]), "a freed set is empty");
}

int main(void)
{
    test_crc32();
    test_addrset();
    CHECK_DONE();
}
