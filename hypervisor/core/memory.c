/* SPDX-License-Identifier: GPL-2.0-only */
/* Machine memory: the frame allocator over the Multiboot memory map. */
#include <string.h>
#include <arch/paging.h>
#include <skerry/log.h>
#include <skerry/crash_dump.h>
#include <skerry/memory.h>
#include <skerry/panic.h>
#include <skerry/spinlock.h>

#define LOW_MEMORY_END 0x100000ull     /* BIOS data, AP trampoline: never handed out */

#define POOL_ALIGN (2ull << 20)

static struct frame_allocator machine_frames;
/* The frames the vmkernel may hand out: all of RAM, or only its pool when a
 * console domain owns the rest of the machine's memory 1:1. */
static uint64_t pool_base, pool_end;
static spinlock_t frames_lock = SPINLOCK_INIT;
static uint64_t max_pa;
static uint64_t crash_area;       /* the crash dump's 64 KiB (skerry/crash_dump.h), or 0 */
static uint64_t total_usable;

static const char *const region_names[] = {
    [MEM_USABLE] = "usable", [MEM_RESERVED] = "reserved", [MEM_ACPI] = "ACPI tables",
    [MEM_NVS] = "ACPI NVS", [MEM_BAD] = "bad",
};

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

static bool overlaps_boot_data(const struct boot_info *bi, uint64_t base, uint64_t len)
{
    uint64_t image = virt_to_phys(__image_start);
    if (overlaps(base, len, image, virt_to_phys(__image_end) - image))
        return true;
    for (unsigned i = 0; i < bi->nr_modules; i++)
        if (overlaps(base, len, bi->modules[i].start, bi->modules[i].end - bi->modules[i].start))
            return true;
    return false;
}

/* The bitmap must live somewhere before the allocator exists. */
static uint64_t place_bitmap(const struct boot_info *bi, size_t bytes)
{
    for (unsigned i = 0; i < bi->nr_mem; i++) {
        const struct mem_region *r = &bi->mem[i];
        if (r->type != MEM_USABLE)
            continue;
        uint64_t end = r->base + r->length < pool_end ? r->base + r->length : pool_end;
        uint64_t lo = r->base > pool_base ? r->base : pool_base;
        for (uint64_t at = lo < LOW_MEMORY_END ? LOW_MEMORY_END : lo;
             at + bytes <= end; at += FRAME_SIZE) {
            at = (at + FRAME_SIZE - 1) & ~(FRAME_SIZE - 1);
            if (at + bytes <= end && !overlaps_boot_data(bi, at, bytes))
                return at;
        }
    }
    return 0;
}

/*
 * The pool: pool_bytes at the top of the highest usable region below 4 GiB
 * that holds them clear of the vmkernel image and the modules.
 */
static bool choose_pool(const struct boot_info *bi, uint64_t pool_bytes)
{
    for (unsigned i = bi->nr_mem; i-- > 0;) {
        const struct mem_region *r = &bi->mem[i];
        if (r->type != MEM_USABLE || r->base >= (4ull << 30))
            continue;
        uint64_t end = r->base + r->length;
        if (end > (4ull << 30))
            end = 4ull << 30;
        end &= ~(POOL_ALIGN - 1);
        if (end < pool_bytes || end - pool_bytes < r->base)
            continue;
        uint64_t base = (end - pool_bytes) & ~(POOL_ALIGN - 1);
        if (base < r->base || base < LOW_MEMORY_END || overlaps_boot_data(bi, base, end - base))
            continue;
        pool_base = base;
        pool_end = end;
        return true;
    }
    return false;
}

/* The top of the highest usable memory below 4 GiB: the same place at
 * every boot of one machine, and in the vmkernel's pool when there is one. */
static uint64_t choose_crash_area(const struct boot_info *bi)
{
    for (unsigned i = bi->nr_mem; i-- > 0;) {
        const struct mem_region *r = &bi->mem[i];
        if (r->type != MEM_USABLE || r->base >= (4ull << 30))
            continue;
        uint64_t end = r->base + r->length < (4ull << 30) ? r->base + r->length : 4ull << 30;
        uint64_t base = (end - CRASH_DUMP_AREA_BYTES) & ~(FRAME_SIZE - 1);
        if (end - r->base < 2 * CRASH_DUMP_AREA_BYTES || base < LOW_MEMORY_END ||
            overlaps_boot_data(bi, base, CRASH_DUMP_AREA_BYTES) || (pool_end != UINT64_MAX && base < pool_base))
            continue;
        return base;
    }
    return 0;
}

uint64_t memory_crash_area(void) { return crash_area; }

void memory_init(const struct boot_info *bi, uint64_t pool_bytes)
{
    for (unsigned i = 0; i < bi->nr_mem; i++) {
        const struct mem_region *r = &bi->mem[i];
        log_info("memory map: 0x%012llx-0x%012llx %s", (unsigned long long)r->base,
                 (unsigned long long)(r->base + r->length - 1), region_names[r->type]);
        if (r->type == MEM_USABLE) {
            total_usable += r->length;
            if (r->base + r->length > max_pa)
                max_pa = r->base + r->length;
        }
    }
    pool_base = 0;
    pool_end = UINT64_MAX;
    if (pool_bytes && !choose_pool(bi, pool_bytes))
        panic("no room for a %llu MiB vmkernel memory pool below 4 GiB",
              (unsigned long long)(pool_bytes >> 20));
    size_t bitmap_bytes = frame_bitmap_bytes(max_pa);
    uint64_t bitmap_pa = place_bitmap(bi, bitmap_bytes);
    if (!bitmap_pa)
        panic("no room for the frame bitmap (%zu bytes)", bitmap_bytes);
    frame_allocator_init(&machine_frames, phys_to_virt(bitmap_pa), max_pa);
    for (unsigned i = 0; i < bi->nr_mem; i++) {
        const struct mem_region *r = &bi->mem[i];
        uint64_t lo = r->base > pool_base ? r->base : pool_base;
        uint64_t hi = r->base + r->length < pool_end ? r->base + r->length : pool_end;
        if (r->type == MEM_USABLE && lo < hi)
            frame_range_free(&machine_frames, lo, hi - lo);
    }
    /* Overlapping map entries: anything any entry calls reserved stays reserved. */
    for (unsigned i = 0; i < bi->nr_mem; i++)
        if (bi->mem[i].type != MEM_USABLE)
            frame_range_reserve(&machine_frames, bi->mem[i].base, bi->mem[i].length);
    frame_range_reserve(&machine_frames, 0, LOW_MEMORY_END);
    frame_range_reserve(&machine_frames, virt_to_phys(__image_start),
                        virt_to_phys(__image_end) - virt_to_phys(__image_start));
    for (unsigned i = 0; i < bi->nr_modules; i++)
        frame_range_reserve(&machine_frames, bi->modules[i].start,
                            bi->modules[i].end - bi->modules[i].start);
    frame_range_reserve(&machine_frames, bitmap_pa, bitmap_bytes);
    crash_area = choose_crash_area(bi);
    if (crash_area)
        frame_range_reserve(&machine_frames, crash_area, CRASH_DUMP_AREA_BYTES);

    paging_map_physical(max_pa);
    if (pool_bytes)
        log_info("memory: vmkernel pool %#llx-%#llx (%llu MiB); the rest belongs to the console",
                 (unsigned long long)pool_base, (unsigned long long)pool_end - 1,
                 (unsigned long long)(pool_bytes >> 20));
    log_info("memory: %llu MiB usable, %llu MiB free, vmkernel image %#llx-%#llx",
             (unsigned long long)(total_usable >> 20),
             (unsigned long long)(machine_frames.nr_free * FRAME_SIZE >> 20),
             (unsigned long long)virt_to_phys(__image_start),
             (unsigned long long)virt_to_phys(__image_end) - 1);
}

void *frames_alloc_aligned(uint64_t count, uint64_t align)
{
    uint64_t flags = spin_lock_irqsave(&frames_lock);
    uint64_t pa = frame_alloc_range(&machine_frames, count, align, LOW_MEMORY_END, max_pa);
    spin_unlock_irqrestore(&frames_lock, flags);
    if (pa == FRAME_NONE)
        return NULL;
    void *p = phys_to_virt(pa);
    memset(p, 0, count * FRAME_SIZE);
    return p;
}

void *frames_alloc(uint64_t count)
{
    return frames_alloc_aligned(count, FRAME_SIZE);
}

void frames_free(void *p, uint64_t count)
{
    uint64_t flags = spin_lock_irqsave(&frames_lock);
    int rc = frame_free(&machine_frames, virt_to_phys(p), count);
    spin_unlock_irqrestore(&frames_lock, flags);
    if (rc < 0)
        panic("double free of frames at %p (%llu frames)", p, (unsigned long long)count);
}

uint64_t memory_free_bytes(void)  { return machine_frames.nr_free * FRAME_SIZE; }
uint64_t memory_total_bytes(void) { return total_usable; }
uint64_t memory_max_pa(void)      { return max_pa; }

const void *phys_read_identity(uint64_t pa, size_t len)
{
    uint64_t mapped = max_pa > (4ull << 30) ? max_pa : (4ull << 30);
    if (pa == 0 || pa + len < pa || pa + len > mapped)
        return NULL;
    return phys_to_virt(pa);
}

bool memory_pool(uint64_t *base, uint64_t *end)
{
    if (pool_end == UINT64_MAX)
        return false;
    *base = pool_base;
    *end = pool_end;
    return true;
}
