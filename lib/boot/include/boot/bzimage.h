/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A Linux bzImage's setup header, checked for the 64-bit boot protocol
 * (Linux Documentation/arch/x86/boot.rst).  The image is a byte array:
 * setup sectors first, then the protected-mode kernel, which the loader
 * copies to load_address and enters at load_address + 0x200 in long mode.
 */
#ifndef SKERRY_BZIMAGE_H
#define SKERRY_BZIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BZIMAGE_SETUP_HEADER_AT   0x1F1     /* first byte of the setup header */
#define BZIMAGE_SETUP_HEADER_MAX  0x290     /* boot_params has room up to here */
#define BZIMAGE_ENTRY64_OFFSET    0x200
#define BZIMAGE_MIN_PROTOCOL_64   0x020C    /* 2.12: xloadflags */
#define BZIMAGE_PROTOCOL_RSDP     0x020E    /* 2.14: boot_params.acpi_rsdp_addr */

/* loadflags */
#define BZIMAGE_LOADED_HIGH   0x01
#define BZIMAGE_KASLR_FLAG    0x02
#define BZIMAGE_QUIET_FLAG    0x20
#define BZIMAGE_KEEP_SEGMENTS 0x40
#define BZIMAGE_CAN_USE_HEAP  0x80

/* xloadflags */
#define BZIMAGE_XLF_KERNEL_64              0x0001
#define BZIMAGE_XLF_CAN_BE_LOADED_ABOVE_4G 0x0002

struct bzimage_info {
    uint16_t protocol;         /* (major << 8) | minor: 0x020F is 2.15 */
    unsigned setup_sects;      /* with boot.rst's "0 means 4" applied */
    uint8_t loadflags;
    uint16_t xloadflags;
    bool relocatable;
    bool can_load_above_4g;    /* kernel, boot_params, cmdline, ramdisk */
    uint32_t syssize;          /* protected-mode part, in 16-byte units */
    uint32_t kernel_alignment;
    uint8_t min_alignment;     /* log2; 0 = not given */
    uint64_t pref_address;
    uint32_t init_size;        /* bytes needed from runtime_start */
    uint32_t cmdline_size;     /* longest command line, without the NUL */
    uint32_t initrd_addr_max;  /* highest byte address a ramdisk may use */
    uint16_t kernel_version;   /* offset - 0x200 of the version string, 0 = none */
    size_t header_end;         /* 0x202 + image[0x201] */
    size_t pm_offset;          /* (setup_sects + 1) * 512 */
    size_t pm_size;            /* syssize * 16 */
    uint64_t load_address;     /* where to copy the protected-mode part */
    uint64_t runtime_start;    /* where it decompresses and runs */
    uint64_t entry64;          /* load_address + 0x200 */
};

/*
 * Parse and check len bytes of a bzImage.  Returns 0, or -1 with *why set
 * ("not a bzImage: no HdrS signature", ...).  out->protocol is filled as
 * soon as it is known, so that a "too old" error can be logged with it.
 */
int bzimage_parse(const uint8_t *image, size_t len, struct bzimage_info *out, const char **why);

/* The kernel's version string inside the image, or NULL if absent/unterminated. */
const char *bzimage_version_string(const uint8_t *image, size_t len,
                                   const struct bzimage_info *info);

#endif
