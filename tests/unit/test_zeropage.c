/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host unit tests for the e820 map builder and the zero page
 * (core/zeropage.c).  Zero-page offsets are written here from Linux
 * Documentation/arch/x86/zero-page.rst and boot.rst, not taken from the
 * header under test; the kernel image is a synthetic Debian-like one.
 */
#include <stdint.h>
#include <string.h>
#include <boot/zeropage.h>
#include "check.h"
#include <boot/le_bytes.h>

#define MIB (1ull << 20)
#define GIB (1ull << 30)

/* ---- e820 ---- */

static struct e820_entry R(uint64_t addr, uint64_t size, uint32_t type)
{
    return (struct e820_entry){ addr, size, type };
}

static bool same_entry(const struct e820_entry *e, uint64_t addr, uint64_t size, uint32_t type)
{
    return e->addr == addr && e->size == size && e->type == type;
}

/* The map is exactly want[0..n). */
static bool map_is(const struct e820_map *m, const struct e820_entry *want, unsigned n)
{
    if (m->nr != n)
        return false;
    for (unsigned i = 0; i < n; i++)
        if (!same_entry(&m->entries[i], want[i].addr, want[i].size, want[i].type))
            return false;
    return true;
}

static int build(const struct e820_entry *ram, unsigned nr, const struct e820_entry *ov,
                 unsigned nov, struct e820_map *m)
{
    const char *why = NULL;
    return e820_build(ram, nr, ov, nov, m, &why);
}

static void test_e820_plain_and_unsorted(void)
{
    struct e820_map m;
    const struct e820_entry ram[] = { R(0x100000, 2 * GIB - 0x100000, 0), R(0, 0x9FC00, 0) };
    const struct e820_entry want[] = { R(0, 0x9FC00, 1), R(0x100000, 2 * GIB - 0x100000, 1) };
    CHECK(build(ram, 2, NULL, 0, &m) == 0 && map_is(&m, want, 2), "e820: unsorted RAM comes out sorted");
    CHECK(build(NULL, 0, NULL, 0, &m) == 0 && m.nr == 0, "e820: nothing in, nothing out");
    const struct e820_entry with_empty[] = { R(0, 0x9FC00, 1), R(0x50000, 0, 1) };
    CHECK(build(with_empty, 2, NULL, 0, &m) == 0 && map_is(&m, want, 1), "e820: empty ranges ignored");
}

static void test_e820_holes(void)
{
    struct e820_map m;
    const struct e820_entry ram[] = { R(0, 2 * GIB, 1) };
    const struct e820_entry middle[] = { R(16 * MIB, 16 * MIB, E820_HOLE) };
    const struct e820_entry want_mid[] = { R(0, 16 * MIB, 1), R(32 * MIB, 2 * GIB - 32 * MIB, 1) };
    CHECK(build(ram, 1, middle, 1, &m) == 0 && map_is(&m, want_mid, 2), "e820: hole in the middle of RAM");
    const struct e820_entry edges[] = { R(2 * GIB - 0x1000, 0x1000, 0), R(0, 0x1000, 0) };
    const struct e820_entry want_edges[] = { R(0x1000, 2 * GIB - 0x2000, 1) };
    CHECK(build(ram, 1, edges, 2, &m) == 0 && map_is(&m, want_edges, 1), "e820: holes at both edges");
    const struct e820_entry all[] = { R(0, 4 * GIB, 0) };
    CHECK(build(ram, 1, all, 1, &m) == 0 && m.nr == 0, "e820: hole covering all RAM");
    const struct e820_entry beyond[] = { R(2 * GIB - MIB, 2 * MIB, 0) };
    const struct e820_entry want_beyond[] = { R(0, 2 * GIB - MIB, 1) };
    CHECK(build(ram, 1, beyond, 1, &m) == 0 && map_is(&m, want_beyond, 1),
          "e820: hole straddling the end of RAM");
    /* A hole also cuts a reserved range (the vmkernel's memory is invisible). */
    const struct e820_entry res_and_hole[] = { R(3 * GIB, GIB, 2), R(3 * GIB + MIB, MIB, 0) };
    const struct e820_entry want_rh[] = { R(0, 2 * GIB, 1), R(3 * GIB, MIB, 2),
                                          R(3 * GIB + 2 * MIB, GIB - 2 * MIB, 2) };
    CHECK(build(ram, 1, res_and_hole, 2, &m) == 0 && map_is(&m, want_rh, 3),
          "e820: a hole cuts reserved ranges too");
}

static void test_e820_reserved(void)
{
    struct e820_map m;
    const struct e820_entry ram[] = { R(0, 2 * GIB, 1) };
    /* EBDA/BIOS area reserved inside low RAM. */
    const struct e820_entry bios[] = { R(0x9FC00, 0x60400, 2) };
    const struct e820_entry want_bios[] = { R(0, 0x9FC00, 1), R(0x9FC00, 0x60400, 2),
                                            R(0x100000, 2 * GIB - 0x100000, 1) };
    CHECK(build(ram, 1, bios, 1, &m) == 0 && map_is(&m, want_bios, 3), "e820: reserved wins over RAM");
    /* MMIO reserved above RAM appears on its own. */
    const struct e820_entry ioapic[] = { R(0xFEC00000u, 0x1000, 2) };
    const struct e820_entry want_io[] = { R(0, 2 * GIB, 1), R(0xFEC00000u, 0x1000, 2) };
    CHECK(build(ram, 1, ioapic, 1, &m) == 0 && map_is(&m, want_io, 2), "e820: reserved outside RAM listed");
    /* Overlapping ACPI and NVS at the top of RAM: the higher type wins. */
    const struct e820_entry acpi[] = { R(2 * GIB - 0x20000, 0x10000, 3), R(2 * GIB - 0x18000, 0x18000, 4) };
    const struct e820_entry want_acpi[] = { R(0, 2 * GIB - 0x20000, 1), R(2 * GIB - 0x20000, 0x8000, 3),
                                            R(2 * GIB - 0x18000, 0x18000, 4) };
    CHECK(build(ram, 1, acpi, 2, &m) == 0 && map_is(&m, want_acpi, 3),
          "e820: overlapping ACPI/NVS resolved, NVS wins");
}

static void test_e820_merging(void)
{
    struct e820_map m;
    const struct e820_entry ram[] = { R(MIB, MIB, 1), R(0, MIB, 1), R(MIB / 2, 2 * MIB, 1) };
    const struct e820_entry want[] = { R(0, 2 * MIB + MIB / 2, 1) };
    CHECK(build(ram, 3, NULL, 0, &m) == 0 && map_is(&m, want, 1), "e820: adjacent and overlapping RAM merged");
    const struct e820_entry res[] = { R(3 * MIB, MIB, 2), R(4 * MIB, MIB, 2), R(5 * MIB, MIB, 3) };
    const struct e820_entry want_res[] = { R(0, 2 * MIB + MIB / 2, 1), R(3 * MIB, 2 * MIB, 2),
                                           R(5 * MIB, MIB, 3) };
    CHECK(build(ram, 3, res, 3, &m) == 0 && map_is(&m, want_res, 3),
          "e820: adjacent reserved merged, different types kept apart");
    const struct e820_entry split[] = { R(MIB, 0x1000, 2) };
    const struct e820_entry around[] = { R(0, MIB, 1), R(MIB, 0x1000, 2), R(MIB + 0x1000, MIB - 0x1000, 1) };
    const struct e820_entry two[] = { R(0, MIB, 1), R(MIB, MIB, 1) };
    CHECK(build(two, 2, split, 1, &m) == 0 && map_is(&m, around, 3),
          "e820: RAM either side of a reserved page is not merged across it");
}

static void test_e820_limits(void)
{
    static struct e820_entry many[E820_MAX_INPUT_RANGES + 1];
    struct e820_map m;
    const char *why = NULL;
    for (unsigned i = 0; i < 129; i++)
        many[i] = R((uint64_t)i * 2 * MIB, MIB, 1);           /* gaps keep them apart */
    CHECK(build(many, 128, NULL, 0, &m) == 0 && m.nr == 128, "e820: 128 entries fit");
    int rc = e820_build(many, 129, NULL, 0, &m, &why);
    CHECK(rc == -1 && why && m.nr == 0, "e820: 129 entries fail cleanly (%s)", why ? why : "");
    for (unsigned i = 0; i < E820_MAX_INPUT_RANGES + 1; i++)
        many[i] = R(0, MIB, 1);
    why = NULL;
    CHECK(e820_build(many, E820_MAX_INPUT_RANGES + 1, NULL, 0, &m, &why) == -1 && why,
          "e820: too many input ranges refused");
    const struct e820_entry wraps[] = { R(UINT64_MAX - 0xFFF, 0x1000, 1) };
    why = NULL;
    CHECK(e820_build(wraps, 1, NULL, 0, &m, &why) == -1 && why, "e820: range wrapping 2^64 refused");
    const struct e820_entry top[] = { R(UINT64_MAX - 0xFFF, 0xFFF, 1) };
    CHECK(build(top, 1, NULL, 0, &m) == 0 && m.nr == 1, "e820: range ending just below 2^64");
    const struct e820_entry bad_type[] = { R(0, MIB, 6) };
    why = NULL;
    CHECK(e820_build(bad_type, 1, NULL, 0, &m, &why) == -1 && why, "e820: unknown type refused");
}

/* ---- the zero page ---- */

#define SETUP_SECTS 4
#define PM_OFFSET   ((SETUP_SECTS + 1) * 512)
#define IMAGE_LEN   (PM_OFFSET + 4096)

static uint8_t image[IMAGE_LEN];
static uint8_t zp[4096];


/* boot.rst header fields, Debian-like, plus bytes a loader must not copy. */
static void make_image(void)
{
    memset(image, 0, sizeof image);
    memset(image, 0xCC, 0x1F1);                  /* boot sector junk before the header */
    image[0x1EF] = 0xFF;                         /* what sentinel holds in a real image */
    image[0x1F1] = SETUP_SECTS;
    put32(image + 0x1F4, 4096 / 16);
    put16(image + 0x1FA, 0xFFFF);
    put16(image + 0x1FE, 0xAA55);
    image[0x200] = 0xEB;
    image[0x201] = 0x6A;                         /* header ends at 0x26C */
    memcpy(image + 0x202, "HdrS", 4);
    put16(image + 0x206, 0x020F);
    image[0x211] = 0x01 | 0x80;                  /* LOADED_HIGH, and CAN_USE_HEAP to clear */
    put32(image + 0x214, 0x100000);
    put32(image + 0x22C, 0x7FFFFFFF);
    put32(image + 0x230, 0x200000);
    image[0x234] = 1;
    image[0x235] = 21;
    put16(image + 0x236, 0x7F);
    put32(image + 0x238, 2047);
    put64(image + 0x258, 0x1000000);
    put32(image + 0x260, 0x4000000);
    put32(image + 0x264, 0x190);                 /* handover_offset */
    put32(image + 0x268, 0xD7F900);              /* kernel_info_offset */
    memset(image + 0x26C, 0xDD, 0x400 - 0x26C);  /* setup code after the header */
}

static struct e820_map console_map;

static void console_config(struct zeropage_config *cfg)
{
    static const struct e820_entry ram[] = { { 0, 0x9FC00, 1 }, { 0x100000, 0x7FF00000, 1 } };
    static const struct e820_entry res[] = { { 0x9FC00, 0x400, 2 }, { 0xF0000, 0x10000, 2 } };
    const char *why = NULL;
    e820_build(ram, 2, res, 2, &console_map, &why);
    memset(cfg, 0, sizeof *cfg);
    cfg->kernel_load_gpa = 0x1000000;
    cfg->cmdline_gpa = 0x20000;
    cfg->cmdline_len = 22;                        /* "console=ttyS0 quiet ro" */
    cfg->ramdisk_gpa = 0x7F000000;
    cfg->ramdisk_size = 0x800000;
    cfg->acpi_rsdp_gpa = 0xE0000;
    cfg->e820 = &console_map;
}

static int build_zp(const struct zeropage_config *cfg, const char **why)
{
    *why = NULL;
    return zeropage_build(zp, image, IMAGE_LEN, cfg, why);
}

/* Header bytes the loader rewrites (boot.rst "write"/"modify" fields it sets). */
static bool loader_field(size_t off)
{
    return (off >= 0x1FA && off < 0x1FC) ||      /* vid_mode */
           (off >= 0x210 && off < 0x212) ||      /* type_of_loader, loadflags */
           (off >= 0x214 && off < 0x220) ||      /* code32_start, ramdisk_image/size */
           (off >= 0x224 && off < 0x22C) ||      /* heap_end_ptr, ext_loader_*, cmd_line_ptr */
           (off >= 0x250 && off < 0x258);        /* setup_data */
}

static void test_zeropage_fields(void)
{
    struct zeropage_config cfg;
    const char *why = NULL;
    make_image();
    console_config(&cfg);
    memset(zp, 0xEE, sizeof zp);
    int rc = build_zp(&cfg, &why);
    CHECK(rc == 0, "zero page: builds (%s)", rc ? why : "ok");
    bool copied = true;
    for (size_t off = 0x1F1; off < 0x26C; off++)
        if (!loader_field(off))
            copied &= zp[off] == image[off];
    CHECK(copied, "zero page: setup header 0x1F1..0x26C copied from the image");
    CHECK(memcmp(zp + 0x202, "HdrS", 4) == 0 && get16(zp + 0x206) == 0x020F, "zero page: HdrS and version");
    bool after_clear = true;
    for (size_t off = 0x26C; off < 0x2D0; off++)
        after_clear &= zp[off] == 0;
    CHECK(after_clear, "zero page: nothing copied past the header's end");
    CHECK_EQ(zp[0x1EF], 0, "zero page: sentinel at 0x1EF stays 0");
    CHECK_EQ(zp[0x210], 0xFF, "zero page: type_of_loader 0xFF at 0x210");
    CHECK(zp[0x211] & 0x01, "zero page: LOADED_HIGH kept");
    CHECK(!(zp[0x211] & 0x80), "zero page: CAN_USE_HEAP clear (no real-mode setup runs)");
    CHECK_EQ(get32(zp + 0x228), 0x20000, "zero page: cmd_line_ptr at 0x228");
    CHECK_EQ(get32(zp + 0x0C8), 0, "zero page: ext_cmd_line_ptr at 0x0C8");
    CHECK_EQ(get32(zp + 0x218), 0x7F000000, "zero page: ramdisk_image at 0x218");
    CHECK_EQ(get32(zp + 0x21C), 0x800000, "zero page: ramdisk_size at 0x21C");
    CHECK(get32(zp + 0x0C0) == 0 && get32(zp + 0x0C4) == 0, "zero page: ext_ramdisk fields 0 below 4 GiB");
    CHECK_EQ(get64(zp + 0x070), 0xE0000, "zero page: acpi_rsdp_addr at 0x070");
    CHECK_EQ(get32(zp + 0x214), 0x1000000, "zero page: code32_start = load address");
    CHECK_EQ(get64(zp + 0x250), 0, "zero page: no setup_data");
    CHECK_EQ(zp[0x1E8], 4, "zero page: e820_entries at 0x1E8");
    /* 20-byte entries at 0x2D0: addr (8), size (8), type (4). */
    static const uint64_t want[4][3] = { { 0, 0x9FC00, 1 }, { 0x9FC00, 0x400, 2 },
                                         { 0xF0000, 0x10000, 2 }, { 0x100000, 0x7FF00000, 1 } };
    for (unsigned i = 0; i < 4; i++) {
        const uint8_t *e = zp + 0x2D0 + 20 * i;
        CHECK(get64(e) == want[i][0] && get64(e + 8) == want[i][1] && get32(e + 16) == want[i][2],
              "zero page: e820 entry %u", i);
    }
    static const uint8_t zero20[20];
    CHECK(memcmp(zp + 0x2D0 + 20 * 4, zero20, 20) == 0, "zero page: no fifth e820 entry");
    bool screen_zero = true;
    for (size_t off = 0; off < 0x40; off++)
        screen_zero &= zp[off] == 0;
    CHECK(screen_zero, "zero page: screen_info zero unless asked for");
    bool low_clear = true;
    for (size_t off = 0x40; off < 0x1E8; off++)
        if (off < 0x70 || off >= 0x78)
            low_clear &= zp[off] == 0;
    CHECK(low_clear, "zero page: the rest below the header is zero (not the image's boot sector)");
}

static void test_zeropage_above_4g(void)
{
    struct zeropage_config cfg;
    const char *why = NULL;
    make_image();
    console_config(&cfg);
    cfg.cmdline_gpa = 0x100002000ull;
    cfg.ramdisk_gpa = 0x120000000ull;
    cfg.ramdisk_size = 0x100000000ull + 0x1000;  /* 4 GiB + 4 KiB */
    int rc = build_zp(&cfg, &why);
    CHECK(rc == 0, "above 4 GiB: builds (%s)", rc ? why : "ok");
    CHECK(get32(zp + 0x228) == 0x2000 && get32(zp + 0x0C8) == 1,
          "above 4 GiB: cmd_line_ptr low half, ext_cmd_line_ptr high half");
    CHECK(get32(zp + 0x218) == 0x20000000 && get32(zp + 0x0C0) == 1,
          "above 4 GiB: ramdisk_image / ext_ramdisk_image");
    CHECK(get32(zp + 0x21C) == 0x1000 && get32(zp + 0x0C4) == 1,
          "above 4 GiB: ramdisk_size / ext_ramdisk_size");

    put16(image + 0x236, 0x01);                  /* no XLF_CAN_BE_LOADED_ABOVE_4G */
    memset(zp, 0xEE, sizeof zp);
    rc = build_zp(&cfg, &why);
    CHECK(rc == -1 && why && zp[0] == 0xEE,
          "above 4 GiB: refused for a kernel without xloadflags bit 1 (%s)", why ? why : "");
    console_config(&cfg);
    cfg.ramdisk_gpa = 0x7FF00000;                /* crosses initrd_addr_max 0x7FFFFFFF */
    CHECK(build_zp(&cfg, &why) == -1, "ramdisk past initrd_addr_max refused");
    cfg.ramdisk_gpa = 0x7F800000;                /* ends exactly at 0x7FFFFFFF */
    CHECK(build_zp(&cfg, &why) == 0, "ramdisk ending at initrd_addr_max accepted");
    cfg.kernel_load_gpa = 0x100000000ull;
    CHECK(build_zp(&cfg, &why) == -1, "kernel above 4 GiB refused without xloadflags bit 1");
}

static void test_zeropage_options(void)
{
    struct zeropage_config cfg;
    const char *why = NULL;
    make_image();
    console_config(&cfg);
    cfg.vga_text_console = true;
    cfg.ramdisk_size = 0;
    cfg.acpi_rsdp_gpa = 0;
    CHECK(build_zp(&cfg, &why) == 0, "vga: builds");
    /* screen_info (zero-page.rst 0x000, struct screen_info). */
    CHECK(zp[0x06] == 3 && zp[0x07] == 80 && zp[0x0E] == 25 && zp[0x0F] == 1 && get16(zp + 0x10) == 16,
          "vga: mode 3, 80x25, isVGA, 16-line font");
    CHECK((get16(zp + 0x0A) & 0xFF) != 0x10, "vga: orig_video_ega_bx says EGA/VGA present");
    CHECK(get32(zp + 0x218) == 0 && get32(zp + 0x21C) == 0, "no ramdisk: fields 0");
    CHECK_EQ(get64(zp + 0x070), 0, "no RSDP: acpi_rsdp_addr 0");

    make_image();
    put16(image + 0x206, 0x020D);                /* 2.13: no acpi_rsdp_addr */
    image[0x201] = 0x66;
    console_config(&cfg);
    CHECK(build_zp(&cfg, &why) == -1 && why, "protocol 2.13 with an RSDP address refused");
    cfg.acpi_rsdp_gpa = 0;
    CHECK(build_zp(&cfg, &why) == 0 && get64(zp + 0x070) == 0, "protocol 2.13 without RSDP builds");
    CHECK(image[0x269] != 0 && get32(zp + 0x268) == 0, "2.13 header: copy stops at 0x268");
}

static void test_zeropage_errors(void)
{
    struct zeropage_config cfg;
    struct e820_map empty = { .nr = 0 };
    const char *why = NULL;
    make_image();
    console_config(&cfg);
    cfg.cmdline_len = 2048;
    memset(zp, 0xEE, sizeof zp);
    CHECK(build_zp(&cfg, &why) == -1 && zp[0] == 0xEE, "command line longer than cmdline_size refused");
    cfg.cmdline_len = 2047;
    CHECK(build_zp(&cfg, &why) == 0, "command line of exactly cmdline_size accepted");
    console_config(&cfg);
    cfg.cmdline_gpa = 0;
    CHECK(build_zp(&cfg, &why) == -1, "no command line address refused");
    console_config(&cfg);
    cfg.e820 = NULL;
    CHECK(build_zp(&cfg, &why) == -1, "no e820 map refused");
    cfg.e820 = &empty;
    CHECK(build_zp(&cfg, &why) == -1, "empty e820 map refused");
    console_config(&cfg);
    cfg.ramdisk_gpa = UINT64_MAX - 0x1000;
    CHECK(build_zp(&cfg, &why) == -1, "ramdisk wrapping 2^64 refused");
    console_config(&cfg);
    make_image();
    memcpy(image + 0x202, "HdrX", 4);
    CHECK(build_zp(&cfg, &why) == -1 && why && strstr(why, "HdrS"), "not a bzImage refused");
}

int main(void)
{
    test_e820_plain_and_unsorted();
    test_e820_holes();
    test_e820_reserved();
    test_e820_merging();
    test_e820_limits();
    test_zeropage_fields();
    test_zeropage_above_4g();
    test_zeropage_options();
    test_zeropage_errors();
    CHECK_DONE();
}
