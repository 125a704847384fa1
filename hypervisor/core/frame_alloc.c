/* SPDX-License-Identifier: GPL-2.0-only */
#include <string.h>
#include <skerry/frame_alloc.h>

static bool bit_test(const uint64_t *bm, uint64_t i) { return bm[i / 64] >> (i % 64) & 1; }
static void bit_set(uint64_t *bm, uint64_t i)        { bm[i / 64] |= 1ull << (i % 64); }
static void bit_clear(uint64_t *bm, uint64_t i)      { bm[i / 64] &= ~(1ull << (i % 64)); }

size_t frame_bitmap_bytes(uint64_t max_pa)
{
    uint64_t frames = (max_pa + FRAME_SIZE - 1) >> FRAME_SHIFT;
    return (size_t)((frames + 63) / 64 * 8);
}

void frame_allocator_init(struct frame_allocator *fa, uint64_t *bitmap, uint64_t max_pa)
{
    fa->bitmap = bitmap;
    fa->nr_frames = (max_pa + FRAME_SIZE - 1) >> FRAME_SHIFT;
    fa->nr_free = 0;
    fa->next_hint = 0;
    memset(bitmap, 0xff, frame_bitmap_bytes(max_pa));
}

static uint64_t clamp_frames(const struct frame_allocator *fa, uint64_t frame)
{
    return frame < fa->nr_frames ? frame : fa->nr_frames;
}

void frame_range_free(struct frame_allocator *fa, uint64_t base, uint64_t len)
{
    if (len == 0 || base > UINT64_MAX - (FRAME_SIZE - 1))
        return;
    uint64_t first = clamp_frames(fa, (base + FRAME_SIZE - 1) >> FRAME_SHIFT);
    /* A range reaching the top of the address space ends at the last frame. */
    uint64_t end = base + len < base ? fa->nr_frames : clamp_frames(fa, (base + len) >> FRAME_SHIFT);
    for (uint64_t f = first; f < end; f++) {
        if (bit_test(fa->bitmap, f)) {
            bit_clear(fa->bitmap, f);
            fa->nr_free++;
        }
    }
}

void frame_range_reserve(struct frame_allocator *fa, uint64_t base, uint64_t len)
{
    if (len == 0)
        return;
    uint64_t last = base + len - 1 < base ? UINT64_MAX : base + len - 1;
    uint64_t first = clamp_frames(fa, base >> FRAME_SHIFT);
    uint64_t end = clamp_frames(fa, (last >> FRAME_SHIFT) + 1);
    for (uint64_t f = first; f < end; f++) {
        if (!bit_test(fa->bitmap, f)) {
            bit_set(fa->bitmap, f);
            fa->nr_free--;
        }
    }
}

/* Length of the run of free frames starting at f, capped at want. */
static uint64_t free_run(const struct frame_allocator *fa, uint64_t f, uint64_t want)
{
    uint64_t n = 0;
    while (n < want && f + n < fa->nr_frames && !bit_test(fa->bitmap, f + n))
        n++;
    return n;
}

static uint64_t search(const struct frame_allocator *fa, uint64_t from, uint64_t to,
                       uint64_t count, uint64_t step)
{
    for (uint64_t f = (from + step - 1) / step * step; f + count <= to;) {
        uint64_t run = free_run(fa, f, count);
        if (run == count)
            return f;
        /* Skip past the used frame that ended the run, to the next aligned slot. */
        f = (f + run + 1 + step - 1) / step * step;
    }
    return FRAME_NONE;
}

uint64_t frame_alloc_range(struct frame_allocator *fa, uint64_t count, uint64_t align,
                           uint64_t min_pa, uint64_t max_pa)
{
    if (count == 0 || count > fa->nr_free || align < FRAME_SIZE || (align & (align - 1)))
        return FRAME_NONE;
    uint64_t step = align >> FRAME_SHIFT;
    uint64_t lo = (min_pa + FRAME_SIZE - 1) >> FRAME_SHIFT;
    uint64_t hi = clamp_frames(fa, max_pa >> FRAME_SHIFT);
    if (lo >= hi)
        return FRAME_NONE;
    uint64_t start = fa->next_hint > lo && fa->next_hint < hi ? fa->next_hint : lo;
    uint64_t f = search(fa, start, hi, count, step);
    if (f == FRAME_NONE && start != lo)
        f = search(fa, lo, hi, count, step);
    if (f == FRAME_NONE)
        return FRAME_NONE;
    for (uint64_t i = 0; i < count; i++)
        bit_set(fa->bitmap, f + i);
    fa->nr_free -= count;
    fa->next_hint = f + count;
    return f << FRAME_SHIFT;
}

uint64_t frame_alloc(struct frame_allocator *fa, uint64_t count)
{
    return frame_alloc_range(fa, count, FRAME_SIZE, 0, fa->nr_frames << FRAME_SHIFT);
}

int frame_free(struct frame_allocator *fa, uint64_t pa, uint64_t count)
{
    uint64_t first = pa >> FRAME_SHIFT;
    if ((pa & (FRAME_SIZE - 1)) || first + count > fa->nr_frames || first + count < first)
        return -1;
    for (uint64_t i = 0; i < count; i++)
        if (!bit_test(fa->bitmap, first + i))
            return -1;
    for (uint64_t i = 0; i < count; i++)
        bit_clear(fa->bitmap, first + i);
    fa->nr_free += count;
    return 0;
}

bool frame_is_used(const struct frame_allocator *fa, uint64_t pa)
{
    uint64_t f = pa >> FRAME_SHIFT;
    return f >= fa->nr_frames || bit_test(fa->bitmap, f);
}
