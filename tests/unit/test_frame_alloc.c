/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host unit tests for the physical frame allocator (core/frame_alloc.c).
 *
 * Most scenarios are built so that exactly one placement is legal, which
 * lets the tests check addresses without assuming a search order.  A
 * randomised run at the end compares the allocator against a trivial
 * reference model (one bool per frame) and checks every answer against
 * the contract in skerry/frame_alloc.h.
 */
#include <stdint.h>
#include <string.h>
#include <skerry/frame_alloc.h>
#include "check.h"

#define F(n)     ((uint64_t)(n) * FRAME_SIZE)     /* frame number -> address */
#define MIB      (1ull << 20)
#define MAX_PA   (64 * MIB)                       /* 16384 frames */
#define WORDS    (MAX_PA / FRAME_SIZE / 64)

static uint64_t bitmap[WORDS + 1];                /* +1: canary word */
static struct frame_allocator fa;

static void fresh(uint64_t max_pa)
{
    memset(bitmap, 0, sizeof bitmap);
    bitmap[WORDS] = 0x0123456789abcdefull;
    frame_allocator_init(&fa, bitmap, max_pa);
}

/* Frames in [first, first+n) that frame_is_used reports as used. */
static uint64_t used_in(uint64_t first, uint64_t n)
{
    uint64_t used = 0;
    for (uint64_t f = first; f < first + n; f++)
        used += frame_is_used(&fa, F(f));
    return used;
}

static void test_bitmap_bytes(void)
{
    static const struct { uint64_t max_pa; size_t bytes; } cases[] = {
        { 0, 0 },
        { 1, 8 },                          /* a partial frame still needs a bit */
        { F(1), 8 },
        { F(64), 8 },
        { F(64) + 1, 16 },
        { F(65), 16 },
        { 4ull << 30, (4ull << 30) / FRAME_SIZE / 8 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK_EQ(frame_bitmap_bytes(cases[i].max_pa), cases[i].bytes,
                 "bitmap_bytes(%#llx)", (unsigned long long)cases[i].max_pa);
}

static void test_init_all_used(void)
{
    fresh(MAX_PA);
    CHECK_EQ(fa.nr_frames, MAX_PA / FRAME_SIZE, "init: nr_frames covers max_pa");
    CHECK_EQ(fa.nr_free, 0, "init: nothing free");
    CHECK_EQ(used_in(0, fa.nr_frames), fa.nr_frames, "init: every frame used");
    CHECK(frame_is_used(&fa, MAX_PA), "frame at max_pa (out of range) counts as used");
    CHECK(frame_is_used(&fa, UINT64_MAX & ~(FRAME_SIZE - 1)), "top of address space is used");
    CHECK_EQ(frame_alloc(&fa, 1), FRAME_NONE, "init: alloc fails while nothing is free");
    CHECK_EQ(bitmap[WORDS], 0x0123456789abcdefull, "init writes only frame_bitmap_bytes");

    fresh(F(100) + 5);                     /* trailing partial frame */
    CHECK_EQ(fa.nr_frames, 101, "init: a partial last frame is counted");
}

static void test_range_free_edges(void)
{
    fresh(MAX_PA);
    /* [0x1800, 0x4800): frames 2 and 3 are whole, 1 and 4 are partial. */
    frame_range_free(&fa, 0x1800, 0x3000);
    CHECK_EQ(fa.nr_free, 2, "free: only whole frames are freed");
    CHECK(frame_is_used(&fa, F(1)), "free: partial first frame stays used");
    CHECK(!frame_is_used(&fa, F(2)), "free: frame 2 free");
    CHECK(!frame_is_used(&fa, F(3)), "free: frame 3 free");
    CHECK(frame_is_used(&fa, F(4)), "free: partial last frame stays used");

    frame_range_free(&fa, 0x1800, 0x3000);
    CHECK_EQ(fa.nr_free, 2, "free: freeing again does not double count");

    frame_range_free(&fa, F(10) + 1, FRAME_SIZE);     /* straddles 10/11, covers neither */
    CHECK_EQ(fa.nr_free, 2, "free: sub-frame range frees nothing");
    frame_range_free(&fa, F(20), 0);
    CHECK_EQ(fa.nr_free, 2, "free: empty range frees nothing");
    frame_range_free(&fa, F(20), FRAME_SIZE - 1);
    CHECK_EQ(fa.nr_free, 2, "free: range one byte short of a frame frees nothing");
    frame_range_free(&fa, F(20), FRAME_SIZE);
    CHECK(!frame_is_used(&fa, F(20)) && fa.nr_free == 3, "free: exact frame is freed");

    /* Ranges past the end are clamped to the frames that exist. */
    uint64_t last = fa.nr_frames - 1;
    frame_range_free(&fa, F(last - 1), 100 * MIB);
    CHECK_EQ(fa.nr_free, 5, "free: range past max_pa is clamped");
    CHECK(!frame_is_used(&fa, F(last)), "free: last frame freed");
    CHECK_EQ(bitmap[WORDS], 0x0123456789abcdefull, "free: no write past the bitmap");
    frame_range_free(&fa, 200 * MIB, MIB);
    CHECK_EQ(fa.nr_free, 5, "free: range wholly past max_pa frees nothing");
}

/*
 * [base, base+len) that ends exactly at the top of the 64-bit address
 * space is a valid range; frame_range_reserve handles it, and free must
 * too.  (A firmware map entry may legitimately run to 2^64.)
 */
static void test_range_free_to_top(void)
{
    fresh(F(64));
    frame_range_free(&fa, F(8), 0 - F(8));           /* [8 frames, 2^64) */
    CHECK_EQ(fa.nr_free, 56, "free: range ending at 2^64 frees frames 8..63");
    CHECK(frame_is_used(&fa, F(7)) && !frame_is_used(&fa, F(8)) && !frame_is_used(&fa, F(63)),
          "free: range ending at 2^64 frees from its base");

    fresh(F(64));
    frame_range_free(&fa, 0, F(64));
    frame_range_reserve(&fa, F(8), 0 - F(8));
    CHECK_EQ(fa.nr_free, 8, "reserve: range ending at 2^64 reserves frames 8..63");
}

static void test_range_reserve_edges(void)
{
    fresh(MAX_PA);
    frame_range_free(&fa, 0, F(16));
    CHECK_EQ(fa.nr_free, 16, "reserve setup: 16 frames free");

    /* [0x2800, 0x3800) touches frames 2 and 3: both become used. */
    frame_range_reserve(&fa, 0x2800, 0x1000);
    CHECK_EQ(fa.nr_free, 14, "reserve: partial frames at both edges are reserved");
    CHECK(frame_is_used(&fa, F(2)) && frame_is_used(&fa, F(3)), "reserve: frames 2, 3 used");
    CHECK(!frame_is_used(&fa, F(1)) && !frame_is_used(&fa, F(4)), "reserve: neighbours free");

    frame_range_reserve(&fa, 0x2800, 0x1000);
    CHECK_EQ(fa.nr_free, 14, "reserve: reserving again does not double count");
    frame_range_reserve(&fa, F(5), 0);
    CHECK_EQ(fa.nr_free, 14, "reserve: empty range reserves nothing");
    frame_range_reserve(&fa, F(5) + 4095, 1);
    CHECK(frame_is_used(&fa, F(5)) && fa.nr_free == 13, "reserve: a single byte reserves its frame");
    frame_range_reserve(&fa, F(6) - 1, 2);
    CHECK(frame_is_used(&fa, F(6)) && fa.nr_free == 12,
          "reserve: two bytes straddling frames 5/6 reserve both");

    frame_range_reserve(&fa, F(12), UINT64_MAX);      /* overflowing length */
    CHECK_EQ(fa.nr_free, 8, "reserve: overflowing range reserves to the end");
    CHECK(frame_is_used(&fa, F(12)) && frame_is_used(&fa, F(15)), "reserve: frames 12..15 used");
    frame_range_reserve(&fa, 200 * MIB, MIB);
    CHECK_EQ(fa.nr_free, 8, "reserve: range past max_pa changes nothing");
    CHECK_EQ(bitmap[WORDS], 0x0123456789abcdefull, "reserve: no write past the bitmap");
}

static void test_alloc_basic_and_exhaustion(void)
{
    fresh(MAX_PA);
    frame_range_free(&fa, F(100), F(8));
    uint64_t got[8];
    int ok = 1;
    for (int i = 0; i < 8; i++) {
        got[i] = frame_alloc(&fa, 1);
        ok &= got[i] >= F(100) && got[i] < F(108) && (got[i] & (FRAME_SIZE - 1)) == 0 &&
              frame_is_used(&fa, got[i]);
        for (int j = 0; j < i; j++)
            ok &= got[j] != got[i];
    }
    CHECK(ok, "alloc: 8 single frames, distinct, inside the free range, now used");
    CHECK_EQ(fa.nr_free, 0, "alloc: nr_free reaches 0");
    CHECK_EQ(frame_alloc(&fa, 1), FRAME_NONE, "alloc: exhausted -> FRAME_NONE");

    CHECK_EQ(frame_free(&fa, got[3], 1), 0, "free one frame back");
    CHECK_EQ(fa.nr_free, 1, "frame_free: nr_free incremented");
    CHECK_EQ(frame_alloc(&fa, 2), FRAME_NONE, "alloc: count > nr_free -> FRAME_NONE");
    CHECK_EQ(frame_alloc(&fa, 0), FRAME_NONE, "alloc: count 0 -> FRAME_NONE");
    CHECK_EQ(fa.nr_free, 1, "failed allocs change nothing");

    /* Enough frames in total but no contiguous run. */
    fresh(MAX_PA);
    for (int i = 0; i < 8; i++)
        frame_range_free(&fa, F(10 + 2 * i), FRAME_SIZE);
    CHECK_EQ(fa.nr_free, 8, "fragmented setup: 8 free frames");
    CHECK_EQ(frame_alloc(&fa, 2), FRAME_NONE, "alloc: no run of 2 among isolated frames");
    CHECK_EQ(fa.nr_free, 8, "fragmented: failed alloc changes nothing");
}

/* The search wraps past its hint back to the lowest frame. */
static void test_hint_wraparound(void)
{
    fresh(MAX_PA);
    frame_range_free(&fa, 0, F(8));
    for (int i = 0; i < 8; i++)
        frame_alloc(&fa, 1);
    CHECK_EQ(fa.nr_free, 0, "wrap setup: all 8 allocated");
    CHECK_EQ(frame_free(&fa, F(2), 1), 0, "wrap: free frame 2");
    CHECK_EQ(frame_alloc(&fa, 1), F(2), "wrap: alloc finds frame 2 below the hint");
    CHECK_EQ(frame_free(&fa, F(0), 2), 0, "wrap: free frames 0-1");
    CHECK_EQ(frame_alloc(&fa, 2), F(0), "wrap: run of 2 at frame 0 found");

    /* A run that starts just below the hint and extends across it. */
    fresh(MAX_PA);
    frame_range_free(&fa, 0, F(32));
    CHECK_EQ(frame_alloc_range(&fa, 4, FRAME_SIZE, F(20), F(24)), F(20), "straddle setup");
    CHECK_EQ(frame_free(&fa, F(20), 4), 0, "straddle: free it again");
    frame_range_reserve(&fa, 0, F(18));
    frame_range_reserve(&fa, F(26), F(6));
    /* free now: 18..25 (8 frames), hint sits inside the run */
    CHECK_EQ(frame_alloc(&fa, 8), F(18), "alloc: run straddling the hint is found");
}

static void test_contiguous_skips_used(void)
{
    fresh(MAX_PA);
    frame_range_free(&fa, 0, F(19));
    frame_range_reserve(&fa, F(3), FRAME_SIZE);
    frame_range_reserve(&fa, F(10), FRAME_SIZE);
    /* free runs: [0,3) [4,10) [11,19) */
    CHECK_EQ(frame_alloc(&fa, 8), F(11), "run of 8: only [11,19) fits");
    CHECK_EQ(used_in(11, 8), 8, "run of 8 marked used");
    CHECK_EQ(frame_alloc(&fa, 6), F(4), "run of 6: only [4,10) fits");
    CHECK_EQ(frame_alloc(&fa, 3), F(0), "run of 3: only [0,3) fits");
    CHECK_EQ(fa.nr_free, 0, "contiguous: everything allocated");
    CHECK(frame_is_used(&fa, F(3)) && frame_is_used(&fa, F(10)), "reserved frames untouched");
}

static void test_alignment(void)
{
    const uint64_t A2M = 2 * MIB, PER2M = A2M / FRAME_SIZE;
    fresh(MAX_PA);
    /* Free [4K, 4M+8K): 2 MiB-aligned candidates are 2M (full) and 4M (2 frames). */
    frame_range_free(&fa, F(1), 4 * MIB + F(1));
    uint64_t before = fa.nr_free;
    CHECK_EQ(frame_alloc_range(&fa, PER2M, A2M, 0, MAX_PA), 2 * MIB, "2M-aligned 2M block at 2M");
    CHECK_EQ(fa.nr_free, before - PER2M, "2M block: nr_free accounting");
    CHECK_EQ(frame_alloc_range(&fa, PER2M, A2M, 0, MAX_PA), FRAME_NONE,
             "second 2M-aligned 2M block does not exist");
    CHECK_EQ(frame_alloc_range(&fa, 2, A2M, 0, MAX_PA), 4 * MIB, "2 frames aligned to 2M at 4M");
    CHECK_EQ(frame_alloc_range(&fa, 1, A2M, 0, MAX_PA), FRAME_NONE,
             "no 2M-aligned free frame left (frame 0 is used)");

    fresh(MAX_PA);
    frame_range_free(&fa, 0, MAX_PA);
    frame_range_reserve(&fa, 0, F(1));
    uint64_t a = frame_alloc_range(&fa, 1, 64 * 1024, 0, MAX_PA);
    CHECK(a != FRAME_NONE && a % (64 * 1024) == 0 && a != 0, "64K alignment honoured");
    uint64_t snapshot = fa.nr_free;
    static const uint64_t bad_align[] = { 0, 1, 2048, 3 * FRAME_SIZE, 6 * FRAME_SIZE + 1 };
    for (size_t i = 0; i < sizeof bad_align / sizeof bad_align[0]; i++)
        CHECK_EQ(frame_alloc_range(&fa, 1, bad_align[i], 0, MAX_PA), FRAME_NONE,
                 "invalid alignment %#llx rejected", (unsigned long long)bad_align[i]);
    CHECK_EQ(fa.nr_free, snapshot, "invalid alignments change nothing");

    /* Aligned search must skip a used frame and land on the next aligned slot. */
    fresh(MAX_PA);
    frame_range_free(&fa, 0, 8 * MIB);
    frame_range_reserve(&fa, 2 * MIB + F(5), FRAME_SIZE);    /* spoils [2M,4M) */
    frame_range_reserve(&fa, 0, F(1));                        /* spoils [0,2M) */
    CHECK_EQ(frame_alloc_range(&fa, PER2M, A2M, 0, MAX_PA), 4 * MIB,
             "aligned run skips blocks with used frames");
}

static void test_bounds(void)
{
    fresh(MAX_PA);
    frame_range_free(&fa, 0, F(64));
    /* min rounds up to frame 11; max 15 frames: exactly frames 11..14 fit. */
    CHECK_EQ(frame_alloc_range(&fa, 4, FRAME_SIZE, F(10) + 1, F(15) - 1), FRAME_NONE,
             "bounds: [11, 14.99) cannot hold 4 frames");
    CHECK_EQ(frame_alloc_range(&fa, 4, FRAME_SIZE, F(10) + 1, F(15)), F(11),
             "bounds: unaligned min rounds up, block ends exactly at max");
    CHECK_EQ(frame_alloc_range(&fa, 1, FRAME_SIZE, F(11), F(15)), FRAME_NONE,
             "bounds: range fully allocated");
    CHECK_EQ(frame_alloc_range(&fa, 1, FRAME_SIZE, F(20), F(20)), FRAME_NONE, "bounds: min == max");
    CHECK_EQ(frame_alloc_range(&fa, 1, FRAME_SIZE, F(30), F(20)), FRAME_NONE, "bounds: min > max");
    uint64_t a = frame_alloc_range(&fa, 2, FRAME_SIZE, F(62), UINT64_MAX);
    CHECK_EQ(a, F(62), "bounds: max beyond memory is clamped");
    CHECK_EQ(frame_alloc_range(&fa, 1, FRAME_SIZE, F(64), UINT64_MAX), FRAME_NONE,
             "bounds: min above every free frame");

    /* Hint above max must not push the search out of [min, max). */
    fresh(MAX_PA);
    frame_range_free(&fa, 0, F(64));
    CHECK_EQ(frame_alloc_range(&fa, 1, FRAME_SIZE, F(50), F(51)), F(50), "hint setup at 50");
    CHECK_EQ(frame_alloc_range(&fa, 1, FRAME_SIZE, F(5), F(6)), F(5), "window below hint");
    CHECK_EQ(frame_alloc_range(&fa, 1, FRAME_SIZE, 0, F(6)), F(0), "window [0,6) after hint 6");
}

static void test_frame_free(void)
{
    fresh(MAX_PA);
    frame_range_free(&fa, 0, F(16));
    uint64_t a = frame_alloc_range(&fa, 4, FRAME_SIZE, F(4), F(8));
    CHECK_EQ(a, F(4), "free setup: frames 4..7");

    uint64_t words[WORDS + 1];
    memcpy(words, bitmap, sizeof words);
    uint64_t nf = fa.nr_free;
    CHECK_EQ(frame_free(&fa, F(3), 2), -1, "frame_free: range including a free frame rejected");
    CHECK(memcmp(words, bitmap, sizeof words) == 0 && fa.nr_free == nf,
          "frame_free: rejected free changes nothing (frame 4 still used)");
    CHECK_EQ(frame_free(&fa, F(4) + 8, 1), -1, "frame_free: unaligned address rejected");
    CHECK_EQ(frame_free(&fa, F(fa.nr_frames - 1), 2), -1, "frame_free: past the end rejected");
    CHECK_EQ(frame_free(&fa, F(4), UINT64_MAX), -1, "frame_free: overflowing count rejected");
    CHECK(memcmp(words, bitmap, sizeof words) == 0 && fa.nr_free == nf,
          "frame_free: invalid arguments change nothing");

    CHECK_EQ(frame_free(&fa, F(4), 4), 0, "frame_free: whole allocation");
    CHECK_EQ(fa.nr_free, nf + 4, "frame_free: nr_free += 4");
    memcpy(words, bitmap, sizeof words);
    CHECK_EQ(frame_free(&fa, F(4), 4), -1, "frame_free: double free rejected");
    CHECK_EQ(frame_free(&fa, F(6), 1), -1, "frame_free: double free of one frame rejected");
    CHECK(memcmp(words, bitmap, sizeof words) == 0 && fa.nr_free == nf + 4,
          "frame_free: double free changes nothing");
}

/* ---- randomised comparison with a reference model ---- */

#define MODEL_FRAMES 300
static bool model[MODEL_FRAMES];      /* true = used */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(uint64_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state % n;
}

static bool model_fits(uint64_t count, uint64_t align, uint64_t min_pa, uint64_t max_pa)
{
    uint64_t step = align / FRAME_SIZE;
    for (uint64_t f = 0; f + count <= MODEL_FRAMES; f += step) {
        if (F(f) < min_pa || F(f + count) > max_pa)
            continue;
        bool all_free = true;
        for (uint64_t i = 0; i < count && all_free; i++)
            all_free = !model[f + i];
        if (all_free)
            return true;
    }
    return false;
}

static void test_random_against_model(void)
{
    static uint64_t bm[(MODEL_FRAMES + 63) / 64];
    struct frame_allocator m;
    frame_allocator_init(&m, bm, F(MODEL_FRAMES));
    for (int i = 0; i < MODEL_FRAMES; i++)
        model[i] = true;

    unsigned bad_result = 0, missed = 0, bad_free = 0, bad_state = 0, allocs = 0;
    for (int op = 0; op < 20000; op++) {
        uint64_t r = rnd(10);
        if (r < 2) {                                  /* range free / reserve, byte-granular */
            uint64_t base = rnd(F(MODEL_FRAMES + 10)), len = rnd(F(24));
            uint64_t lo = (base + FRAME_SIZE - 1) / FRAME_SIZE, hi = (base + len) / FRAME_SIZE;
            if (r == 0) {
                frame_range_free(&m, base, len);
                for (uint64_t f = lo; f < hi && f < MODEL_FRAMES; f++)
                    model[f] = false;
            } else {
                frame_range_reserve(&m, base, len);
                if (len)
                    for (uint64_t f = base / FRAME_SIZE;
                         f <= (base + len - 1) / FRAME_SIZE && f < MODEL_FRAMES; f++)
                        model[f] = true;
            }
        } else if (r < 7) {                           /* allocate */
            uint64_t count = 1 + rnd(r == 6 ? 40 : 6);
            uint64_t align = FRAME_SIZE << rnd(5);
            uint64_t min_pa = rnd(4) ? 0 : rnd(F(MODEL_FRAMES));
            uint64_t max_pa = rnd(4) ? F(MODEL_FRAMES) : min_pa + rnd(F(MODEL_FRAMES));
            uint64_t pa = frame_alloc_range(&m, count, align, min_pa, max_pa);
            if (pa == FRAME_NONE) {
                missed += model_fits(count, align, min_pa, max_pa);
            } else {
                uint64_t f = pa / FRAME_SIZE;
                bool ok = pa % align == 0 && pa >= min_pa && pa + F(count) <= max_pa &&
                          f + count <= MODEL_FRAMES;
                for (uint64_t i = 0; ok && i < count; i++)
                    ok = !model[f + i];
                bad_result += !ok;
                for (uint64_t i = 0; i < count && f + i < MODEL_FRAMES; i++)
                    model[f + i] = true;
                allocs++;
            }
        } else {                                      /* free a random range */
            uint64_t f = rnd(MODEL_FRAMES), count = 1 + rnd(4);
            bool all_used = f + count <= MODEL_FRAMES;
            for (uint64_t i = 0; all_used && i < count; i++)
                all_used = model[f + i];
            int rc = frame_free(&m, F(f), count);
            bad_free += rc != (all_used ? 0 : -1);
            if (rc == 0)
                for (uint64_t i = 0; i < count; i++)
                    model[f + i] = false;
        }
        uint64_t nfree = 0;
        for (int i = 0; i < MODEL_FRAMES; i++) {
            nfree += !model[i];
            bad_state += frame_is_used(&m, F(i)) != model[i];
        }
        bad_state += m.nr_free != nfree;
    }
    CHECK(allocs > 1000, "model: the random run exercised allocation (%u)", allocs);
    CHECK_EQ(bad_result, 0, "model: every allocation was free, aligned and in bounds");
    CHECK_EQ(missed, 0, "model: FRAME_NONE only when no placement exists");
    CHECK_EQ(bad_free, 0, "model: frame_free accepts exactly the all-used ranges");
    CHECK_EQ(bad_state, 0, "model: bitmap and nr_free always match the model");
}

int main(void)
{
    test_bitmap_bytes();
    test_init_all_used();
    test_range_free_edges();
    test_range_free_to_top();
    test_range_reserve_edges();
    test_alloc_basic_and_exhaustion();
    test_hint_wraparound();
    test_contiguous_skips_used();
    test_alignment();
    test_bounds();
    test_frame_free();
    test_random_against_model();
    CHECK_DONE();
}
