/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The boot area: 1 MiB of a domain's RAM, reserved in its e820 map, that
 * holds what a loader hands Linux at its 64-bit entry (boot.rst, "64-bit
 * boot protocol"): page tables mapping the first 4 GiB 1:1 in 2 MiB
 * pages, a GDT with __BOOT_CS (0x10) and __BOOT_DS (0x18), the zero page,
 * the command line and the ACPI tables.  The vmkernel builds one for the
 * console, vmware-vmx one for each guest.
 */
#ifndef SKERRY_BOOT_AREA_H
#define SKERRY_BOOT_AREA_H

#include <stdint.h>

#define BOOT_AREA_SIZE   (1ull << 20)
#define BA_PML4          0x00000
#define BA_PDPT          0x01000
#define BA_PD            0x02000      /* four page directories: 0-4 GiB */
#define BA_GDT           0x06000
#define BA_ZERO_PAGE     0x07000
#define BA_CMDLINE       0x08000
#define BA_CMDLINE_MAX   0x08000
#define BA_ACPI          0x10000
#define BA_ACPI_MAX      0x20000
#define BA_SSDT          0x30000      /* an extra SSDT (the console's pvpanic device) */
#define BA_SSDT_MAX      0x1000

#define BOOT_GDT_LIMIT   (4 * 8 - 1)  /* null, unused, code 0x10, data 0x18 */

/* Clear the area up to the zero page and write the page tables and the
 * GDT for an area the domain sees at area_gpa (2 MiB-aligned or not). */
void boot_area_init(uint8_t *area, uint64_t area_gpa);

#endif
