/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The zero page and its e820 map (see boot/zeropage.h).  What a 64-bit
 * loader writes follows boot.rst: the setup header copied from the image,
 * then the "write (obligatory)" fields (type_of_loader, loadflags,
 * cmd_line_ptr, ramdisk_image/size, vid_mode) and the zero-page extras.
 */
#include <string.h>
#include <boot/bzimage.h>
#include <boot/zeropage.h>
#include <boot/le_bytes.h>

#define FOUR_GIB (1ull << 32)


/* ---- e820 ---- */

struct e820_inputs {
    const struct e820_entry *ram;
    unsigned nr_ram;
    const struct e820_entry *overlays;
    unsigned nr_overlays;
};

static uint64_t range_end(const struct e820_entry *r) { return r->addr + r->size; }

static bool covers(const struct e820_entry *r, uint64_t pos)
{
    return r->size && r->addr <= pos && pos < range_end(r);
}

static bool check_ranges(const struct e820_entry *r, unsigned n, const char **why)
{
    if (n > E820_MAX_INPUT_RANGES || (n && !r)) {
        *why = "bad e820 input list";
        return false;
    }
    for (unsigned i = 0; i < n; i++) {
        if (r[i].size > UINT64_MAX - r[i].addr) {
            *why = "e820 range wraps around the address space";
            return false;
        }
        if (r[i].type > E820_UNUSABLE) {
            *why = "unknown e820 type";
            return false;
        }
    }
    return true;
}

/* Lower *best to b when b is a better candidate (above floor, below *best). */
static void consider(uint64_t b, uint64_t floor, bool strictly_above, bool *found, uint64_t *best)
{
    bool above = strictly_above ? b > floor : b >= floor;
    if (above && (!*found || b < *best)) {
        *best = b;
        *found = true;
    }
}

static void consider_list(const struct e820_entry *r, unsigned n, uint64_t floor, bool starts_only,
                          bool *found, uint64_t *best)
{
    for (unsigned i = 0; i < n; i++) {
        if (!r[i].size)
            continue;
        consider(r[i].addr, floor, !starts_only, found, best);
        if (!starts_only)
            consider(range_end(&r[i]), floor, true, found, best);
    }
}

static bool lowest_start(const struct e820_inputs *in, uint64_t *pos)
{
    bool found = false;
    consider_list(in->ram, in->nr_ram, 0, true, &found, pos);
    consider_list(in->overlays, in->nr_overlays, 0, true, &found, pos);
    return found;
}

/* The first range start or end above pos: the type is constant until then. */
static bool next_boundary(const struct e820_inputs *in, uint64_t pos, uint64_t *next)
{
    bool found = false;
    consider_list(in->ram, in->nr_ram, pos, false, &found, next);
    consider_list(in->overlays, in->nr_overlays, pos, false, &found, next);
    return found;
}

/* Holes beat everything, then the highest overlay type, then RAM. */
static uint32_t type_at(const struct e820_inputs *in, uint64_t pos)
{
    uint32_t type = E820_HOLE;
    for (unsigned i = 0; i < in->nr_ram; i++)
        if (covers(&in->ram[i], pos))
            type = E820_RAM;
    bool overlaid = false;
    uint32_t best = E820_HOLE;
    for (unsigned i = 0; i < in->nr_overlays; i++) {
        const struct e820_entry *o = &in->overlays[i];
        if (!covers(o, pos))
            continue;
        if (o->type == E820_HOLE)
            return E820_HOLE;
        overlaid = true;
        if (o->type > best)
            best = o->type;
    }
    return overlaid && best > type ? best : type;
}

static bool append(struct e820_map *m, uint64_t addr, uint64_t size, uint32_t type)
{
    struct e820_entry *last = m->nr ? &m->entries[m->nr - 1] : NULL;
    if (last && last->type == type && range_end(last) == addr) {
        last->size += size;
        return true;
    }
    if (m->nr == E820_MAX_ENTRIES)
        return false;
    m->entries[m->nr++] = (struct e820_entry){ addr, size, type };
    return true;
}

int e820_build(const struct e820_entry *ram, unsigned nr_ram, const struct e820_entry *overlays,
               unsigned nr_overlays, struct e820_map *out, const char **why)
{
    const struct e820_inputs in = { ram, nr_ram, overlays, nr_overlays };
    uint64_t pos, next;
    memset(out, 0, sizeof *out);
    if (!check_ranges(ram, nr_ram, why) || !check_ranges(overlays, nr_overlays, why))
        return -1;
    if (!lowest_start(&in, &pos))
        return 0;
    /* Sweep the address space from boundary to boundary (no scratch memory). */
    for (; next_boundary(&in, pos, &next); pos = next) {
        uint32_t type = type_at(&in, pos);
        if (type != E820_HOLE && !append(out, pos, next - pos, type)) {
            memset(out, 0, sizeof *out);
            *why = "the memory map needs more than 128 e820 entries";
            return -1;
        }
    }
    return 0;
}

/* ---- the zero page ---- */

static bool fits_below_4g(uint64_t addr, uint64_t len) { return addr < FOUR_GIB && len <= FOUR_GIB - addr; }

static int check_cmdline(const struct bzimage_info *k, const struct zeropage_config *cfg,
                         const char **why)
{
    if (cfg->cmdline_gpa == 0) {
        *why = "no command line address (point at an empty string instead)";
        return -1;
    }
    if (cfg->cmdline_len > k->cmdline_size) {
        *why = "command line longer than the kernel's cmdline_size";
        return -1;
    }
    if (cfg->cmdline_gpa > UINT64_MAX - cfg->cmdline_len - 1) {
        *why = "command line wraps around the address space";
        return -1;
    }
    if (!k->can_load_above_4g && !fits_below_4g(cfg->cmdline_gpa, cfg->cmdline_len + 1)) {
        *why = "command line above 4 GiB but the kernel cannot take it there";
        return -1;
    }
    return 0;
}

static int check_ramdisk(const struct bzimage_info *k, const struct zeropage_config *cfg,
                         const char **why)
{
    if (cfg->ramdisk_size == 0)
        return 0;
    if (cfg->ramdisk_gpa == 0 || cfg->ramdisk_gpa > UINT64_MAX - cfg->ramdisk_size) {
        *why = "bad ramdisk address";
        return -1;
    }
    uint64_t last = cfg->ramdisk_gpa + cfg->ramdisk_size - 1;
    if (last > k->initrd_addr_max && !k->can_load_above_4g) {
        *why = "ramdisk ends above the kernel's initrd_addr_max";
        return -1;
    }
    return 0;
}

static int check_config(const struct bzimage_info *k, const struct zeropage_config *cfg,
                        const char **why)
{
    if (!cfg->e820 || cfg->e820->nr == 0 || cfg->e820->nr > E820_MAX_ENTRIES) {
        *why = "the zero page needs an e820 map of 1 to 128 entries";
        return -1;
    }
    if (cfg->kernel_load_gpa == 0 ||
        (!k->can_load_above_4g && !fits_below_4g(cfg->kernel_load_gpa, k->pm_size))) {
        *why = "kernel load address is 0, or above 4 GiB for a kernel that cannot go there";
        return -1;
    }
    if (cfg->acpi_rsdp_gpa && k->protocol < BZIMAGE_PROTOCOL_RSDP) {
        *why = "boot protocol older than 2.14 has no acpi_rsdp_addr: put the RSDP in the BIOS area";
        return -1;
    }
    if (check_cmdline(k, cfg, why) || check_ramdisk(k, cfg, why))
        return -1;
    return 0;
}

static void set_loader_fields(uint8_t *zp, const struct zeropage_config *cfg)
{
    zp[ZP_TYPE_OF_LOADER] = ZP_LOADER_UNDEFINED;
    zp[ZP_EXT_LOADER_VER] = 0;
    zp[ZP_EXT_LOADER_TYPE] = 0;
    /* No real-mode setup runs, so no setup heap; KEEP_SEGMENTS is obsolete. */
    zp[ZP_LOADFLAGS] = (uint8_t)((zp[ZP_LOADFLAGS] | BZIMAGE_LOADED_HIGH) &
                                 ~(BZIMAGE_CAN_USE_HEAP | BZIMAGE_KEEP_SEGMENTS |
                                   BZIMAGE_QUIET_FLAG));
    put16(zp + ZP_HEAP_END_PTR, 0);
    put16(zp + ZP_VID_MODE, ZP_VID_MODE_NORMAL);
    /* code32_start is the 32-bit entry; keep it truthful when it can be. */
    if (cfg->kernel_load_gpa < FOUR_GIB)
        put32(zp + ZP_CODE32_START, (uint32_t)cfg->kernel_load_gpa);
    put64(zp + ZP_SETUP_DATA, 0);
}

/* A 64-bit value split into a 32-bit header field and its ext_ high half. */
static void put_split(uint8_t *zp, size_t low_at, size_t high_at, uint64_t v)
{
    put32(zp + low_at, (uint32_t)v);
    put32(zp + high_at, (uint32_t)(v >> 32));
}

static void write_e820(uint8_t *zp, const struct e820_map *m)
{
    zp[ZP_E820_ENTRIES] = (uint8_t)m->nr;
    for (unsigned i = 0; i < m->nr; i++) {
        uint8_t *e = zp + ZP_E820_TABLE + (size_t)i * ZP_E820_ENTRY_SIZE;
        put64(e, m->entries[i].addr);
        put64(e + 8, m->entries[i].size);
        put32(e + 16, m->entries[i].type);
    }
}

/* What the real-mode video code would report for BIOS mode 3 on a VGA. */
static void write_vga_screen_info(uint8_t *zp)
{
    uint8_t *si = zp + ZP_SCREEN_INFO;
    si[0x06] = 3;                  /* orig_video_mode: 80x25 colour text */
    si[0x07] = 80;                 /* orig_video_cols */
    put16(si + 0x0A, 0x0003);      /* orig_video_ega_bx: BL != 0x10 means EGA/VGA */
    si[0x0E] = 25;                 /* orig_video_lines */
    si[0x0F] = 1;                  /* orig_video_isVGA */
    put16(si + 0x10, 16);          /* orig_video_points: font height */
}

int zeropage_build(uint8_t zp[ZEROPAGE_SIZE], const uint8_t *image, size_t image_len,
                   const struct zeropage_config *cfg, const char **why)
{
    struct bzimage_info k;
    if (bzimage_parse(image, image_len, &k, why) || check_config(&k, cfg, why))
        return -1;
    memset(zp, 0, ZEROPAGE_SIZE);
    /* boot.rst: copy from 0x1F1 to the header's end (0x202 + image[0x201]). */
    memcpy(zp + ZP_SETUP_HEADER, image + ZP_SETUP_HEADER, k.header_end - ZP_SETUP_HEADER);
    set_loader_fields(zp, cfg);
    put_split(zp, ZP_CMD_LINE_PTR, ZP_EXT_CMD_LINE_PTR, cfg->cmdline_gpa);
    uint64_t ramdisk_gpa = cfg->ramdisk_size ? cfg->ramdisk_gpa : 0;
    put_split(zp, ZP_RAMDISK_IMAGE, ZP_EXT_RAMDISK_IMAGE, ramdisk_gpa);
    put_split(zp, ZP_RAMDISK_SIZE, ZP_EXT_RAMDISK_SIZE, cfg->ramdisk_size);
    put64(zp + ZP_ACPI_RSDP_ADDR, cfg->acpi_rsdp_gpa);
    write_e820(zp, cfg->e820);
    if (cfg->vga_text_console)
        write_vga_screen_info(zp);
    return 0;
}
