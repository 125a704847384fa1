/* SPDX-License-Identifier: GPL-2.0-only */
/* Machine memory: the frame allocator over the Multiboot memory map. */
#include <string.h>
#include <arch/paging.h>
#include <skerry/log.h>
#include <skerry/memory.h>
#include <skerry/panic.h>
#include <skerry/spinlock.h>

#define LOW_MEMORY_END 0x100000ull     /* BIOS data, AP trampoline: never handed out */

static struct frame_allocator machine_frames;
static spinlock_t frames_lock = SPINLOCK_INIT;
static uint64_t max_pa;
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
        uint64_t end = r->base + r->length;
        for (uint64_t at = r->base < LOW_MEMORY_END ? LOW_MEMORY_END : r->base;
             at + bytes <= end; at += FRAME_SIZE) {
            at = (at + FRAME_SIZE - 1) & ~(FRAME_SIZE - 1);
            if (at + bytes <= end && !overlaps_boot_data(bi, at, bytes))
                return at;
        }
    }
    return 0;
}

void memory_init(const struct boot_info *bi)
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
    size_t bitmap_bytes = frame_bitmap_bytes(max_pa);
    uint64_t bitmap_pa = place_bitmap(bi, bitmap_bytes);
    if (!bitmap_pa)
        panic("no room for the frame bitmap (%zu bytes)", bitmap_bytes);
    frame_allocator_init(&machine_frames, phys_to_virt(bitmap_pa), max_pa);
    for (unsigned i = 0; i < bi->nr_mem; i++)
        if (bi->mem[i].type == MEM_USABLE)
            frame_range_free(&machine_frames, bi->mem[i].base, bi->mem[i].length);
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

    paging_map_physical(max_pa);
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
