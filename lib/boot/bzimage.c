/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Setup-header checks for the 64-bit boot protocol (see boot/bzimage.h).
 * Field offsets are boot.rst's "The Real-Mode Kernel Header" table.
 */
#include <string.h>
#include <boot/bzimage.h>
#include <boot/le_bytes.h>

enum header_offset {
    HDR_SETUP_SECTS = 0x1F1, HDR_SYSSIZE = 0x1F4, HDR_BOOT_FLAG = 0x1FE,
    HDR_JUMP = 0x200, HDR_HEADER = 0x202, HDR_VERSION = 0x206,
    HDR_KERNEL_VERSION = 0x20E, HDR_LOADFLAGS = 0x211, HDR_INITRD_ADDR_MAX = 0x22C,
    HDR_KERNEL_ALIGNMENT = 0x230, HDR_RELOCATABLE = 0x234, HDR_MIN_ALIGNMENT = 0x235,
    HDR_XLOADFLAGS = 0x236, HDR_CMDLINE_SIZE = 0x238, HDR_PREF_ADDRESS = 0x258,
    HDR_INIT_SIZE = 0x260,
};
/* The last field read here is init_size, so the header must reach 0x264. */
#define HDR_NEEDED_END     (HDR_INIT_SIZE + 4)
#define BOOT_FLAG          0xAA55
#define HDRS_MAGIC         0x53726448u      /* "HdrS" */
#define SECTOR             512
#define DEFAULT_SETUP_SECTS 4
#define HIGH_LOAD_ADDRESS  0x100000u        /* the traditional 1 MiB */


static bool is_power_of_two(uint32_t v) { return v && !(v & (v - 1)); }

/* Boot flag, "HdrS", protocol version and the header's own extent. */
static int check_signatures(const uint8_t *image, size_t len, struct bzimage_info *out,
                            const char **why)
{
    if (len < HDR_VERSION + 2) {
        *why = "not a bzImage: too short for a setup header";
        return -1;
    }
    if (get16(image + HDR_BOOT_FLAG) != BOOT_FLAG) {
        *why = "not a bzImage: no 0xAA55 boot flag at 0x1FE";
        return -1;
    }
    if (get32(image + HDR_HEADER) != HDRS_MAGIC) {
        *why = "not a bzImage: no HdrS signature";
        return -1;
    }
    out->protocol = get16(image + HDR_VERSION);
    if (out->protocol < BZIMAGE_MIN_PROTOCOL_64) {
        *why = "boot protocol older than 2.12: no 64-bit entry";
        return -1;
    }
    /* boot.rst: the header ends at 0x202 + the jump's offset byte at 0x201. */
    out->header_end = HDR_HEADER + (size_t)image[HDR_JUMP + 1];
    if (out->header_end < HDR_NEEDED_END) {
        *why = "setup header too short for boot protocol 2.12";
        return -1;
    }
    if (out->header_end > BZIMAGE_SETUP_HEADER_MAX || out->header_end > len) {
        *why = "setup header runs past boot_params' room or the file";
        return -1;
    }
    return 0;
}

static void read_fields(const uint8_t *image, struct bzimage_info *out)
{
    out->setup_sects = image[HDR_SETUP_SECTS] ? image[HDR_SETUP_SECTS] : DEFAULT_SETUP_SECTS;
    out->syssize = get32(image + HDR_SYSSIZE);
    out->kernel_version = get16(image + HDR_KERNEL_VERSION);
    out->loadflags = image[HDR_LOADFLAGS];
    out->initrd_addr_max = get32(image + HDR_INITRD_ADDR_MAX);
    out->kernel_alignment = get32(image + HDR_KERNEL_ALIGNMENT);
    out->relocatable = image[HDR_RELOCATABLE] != 0;
    out->min_alignment = image[HDR_MIN_ALIGNMENT];
    out->xloadflags = get16(image + HDR_XLOADFLAGS);
    out->can_load_above_4g = out->xloadflags & BZIMAGE_XLF_CAN_BE_LOADED_ABOVE_4G;
    out->cmdline_size = get32(image + HDR_CMDLINE_SIZE);
    out->pref_address = get64(image + HDR_PREF_ADDRESS);
    out->init_size = get32(image + HDR_INIT_SIZE);
}

static int check_kind(const struct bzimage_info *k, const char **why)
{
    if (!(k->loadflags & BZIMAGE_LOADED_HIGH)) {
        *why = "a zImage (loaded low), not a bzImage";
        return -1;
    }
    if (!(k->xloadflags & BZIMAGE_XLF_KERNEL_64)) {
        *why = "kernel has no 64-bit entry point (xloadflags bit 0 clear)";
        return -1;
    }
    if (k->init_size == 0) {
        *why = "setup header gives no init_size";
        return -1;
    }
    return 0;
}

/* Where the setup sectors end and the protected-mode part lies in the file. */
static int locate_kernel(size_t len, struct bzimage_info *k, const char **why)
{
    k->pm_offset = ((size_t)k->setup_sects + 1) * SECTOR;
    if (k->header_end > k->pm_offset || k->pm_offset > len) {
        *why = "setup sectors run past the end of the file";
        return -1;
    }
    if (k->syssize == 0) {
        *why = "setup header gives no syssize";
        return -1;
    }
    uint64_t pm_size = (uint64_t)k->syssize * 16;
    if (pm_size > len - k->pm_offset) {
        *why = "image truncated: the protected-mode part runs past the end of the file";
        return -1;
    }
    k->pm_size = (size_t)pm_size;
    return 0;
}

/*
 * boot.rst: a relocatable kernel is loaded at an address aligned to
 * kernel_alignment, preferably pref_address; it runs from
 * align_up(load, kernel_alignment), never below pref_address (the 64-bit
 * entry clamps to LOAD_PHYSICAL_ADDR).  A fixed kernel is loaded at
 * 1 MiB and moves itself to pref_address.
 */
static int choose_load_address(struct bzimage_info *k, const char **why)
{
    if (!k->relocatable) {
        k->load_address = HIGH_LOAD_ADDRESS;
        k->runtime_start = k->pref_address ? k->pref_address : HIGH_LOAD_ADDRESS;
    } else {
        if (!is_power_of_two(k->kernel_alignment)) {
            *why = "kernel_alignment is not a power of two";
            return -1;
        }
        uint64_t mask = (uint64_t)k->kernel_alignment - 1;
        uint64_t want = k->pref_address ? k->pref_address : HIGH_LOAD_ADDRESS;
        if (want > UINT64_MAX - mask - k->init_size) {
            *why = "pref_address is too high";
            return -1;
        }
        k->load_address = (want + mask) & ~mask;
        k->runtime_start = k->load_address;
    }
    if (k->runtime_start > UINT64_MAX - k->init_size) {
        *why = "pref_address is too high";
        return -1;
    }
    k->entry64 = k->load_address + BZIMAGE_ENTRY64_OFFSET;
    return 0;
}

int bzimage_parse(const uint8_t *image, size_t len, struct bzimage_info *out, const char **why)
{
    memset(out, 0, sizeof *out);
    if (!image) {
        *why = "no image";
        return -1;
    }
    if (check_signatures(image, len, out, why))
        return -1;
    read_fields(image, out);
    if (check_kind(out, why) || locate_kernel(len, out, why) || choose_load_address(out, why))
        return -1;
    return 0;
}

const char *bzimage_version_string(const uint8_t *image, size_t len,
                                   const struct bzimage_info *info)
{
    if (!image || !info->kernel_version)
        return NULL;
    /* boot.rst: the string sits at kernel_version + 0x200, inside the setup sectors. */
    size_t start = (size_t)info->kernel_version + SECTOR;
    size_t end = info->pm_offset < len ? info->pm_offset : len;
    if (start >= end)
        return NULL;
    const char *s = (const char *)image + start;
    return memchr(s, '\0', end - start) ? s : NULL;
}
