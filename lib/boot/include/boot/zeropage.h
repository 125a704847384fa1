/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The "zero page" (struct boot_params, 4 KiB) handed to Linux in RSI at
 * its 64-bit entry, and the e820 memory map that goes in it.  Offsets are
 * Linux Documentation/arch/x86/zero-page.rst and boot.rst; the page is
 * built as bytes so that no packed struct is needed.
 */
#ifndef SKERRY_ZEROPAGE_H
#define SKERRY_ZEROPAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZEROPAGE_SIZE 4096

/* boot_params offsets */
#define ZP_SCREEN_INFO        0x000
#define ZP_ACPI_RSDP_ADDR     0x070   /* 8 bytes, protocol 2.14+ */
#define ZP_EXT_RAMDISK_IMAGE  0x0C0   /* high 32 bits of ramdisk_image */
#define ZP_EXT_RAMDISK_SIZE   0x0C4
#define ZP_EXT_CMD_LINE_PTR   0x0C8
#define ZP_E820_ENTRIES       0x1E8   /* 1 byte */
#define ZP_SENTINEL           0x1EF   /* must stay 0: "loader cleared the page" */
#define ZP_SETUP_HEADER       0x1F1
#define ZP_VID_MODE           0x1FA
#define ZP_TYPE_OF_LOADER     0x210
#define ZP_LOADFLAGS          0x211
#define ZP_CODE32_START       0x214
#define ZP_RAMDISK_IMAGE      0x218
#define ZP_RAMDISK_SIZE       0x21C
#define ZP_HEAP_END_PTR       0x224
#define ZP_EXT_LOADER_VER     0x226
#define ZP_EXT_LOADER_TYPE    0x227
#define ZP_CMD_LINE_PTR       0x228
#define ZP_SETUP_DATA         0x250
#define ZP_E820_TABLE         0x2D0   /* 128 entries of 20 bytes */
#define ZP_E820_ENTRY_SIZE    20

#define ZP_LOADER_UNDEFINED   0xFF    /* type_of_loader: no assigned ID */
#define ZP_VID_MODE_NORMAL    0xFFFF

#define E820_MAX_ENTRIES      128
#define E820_MAX_INPUT_RANGES 512

enum e820_type {
    E820_HOLE = 0,             /* input only: cut out, not in the map at all */
    E820_RAM = 1,
    E820_RESERVED = 2,
    E820_ACPI = 3,
    E820_NVS = 4,
    E820_UNUSABLE = 5,
};

struct e820_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;             /* enum e820_type */
};

struct e820_map {
    struct e820_entry entries[E820_MAX_ENTRIES];
    unsigned nr;
};

/*
 * Make a sorted, non-overlapping map with adjacent same-type entries
 * merged.  ram[] are RAM ranges (their type is ignored); overlays[] are
 * holes (E820_HOLE: cut out of everything) or typed ranges that win over
 * RAM where they overlap (among overlays the higher type wins, as in
 * Linux's e820 sanitizer).  Empty ranges are ignored.  Returns 0, or -1
 * with *why set (bad range, or more than 128 entries needed).
 */
int e820_build(const struct e820_entry *ram, unsigned nr_ram, const struct e820_entry *overlays,
               unsigned nr_overlays, struct e820_map *out, const char **why);

struct zeropage_config {
    uint64_t kernel_load_gpa;  /* where the protected-mode part was copied */
    uint64_t cmdline_gpa;      /* NUL-terminated command line, required */
    size_t cmdline_len;        /* its length without the NUL */
    uint64_t ramdisk_gpa;
    uint64_t ramdisk_size;     /* 0 = no ramdisk */
    uint64_t acpi_rsdp_gpa;    /* 0 = let Linux search the BIOS areas */
    const struct e820_map *e820;
    /* Describe an 80x25 colour VGA text screen (the 64-bit entry skips the
     * real-mode code that would otherwise fill screen_info). */
    bool vga_text_console;
};

/*
 * Build the zero page for the bzImage image[0..image_len) (checked again
 * with bzimage_parse): all zero, the image's setup header copied in,
 * then the loader's fields.  Returns 0, or -1 with *why set.
 */
int zeropage_build(uint8_t zp[ZEROPAGE_SIZE], const uint8_t *image, size_t image_len,
                   const struct zeropage_config *cfg, const char **why);

#endif
