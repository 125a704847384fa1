/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Loading a guest's Linux kernel as a boot loader would, into the guest's
 * RAM as vmware-vmx sees it: the protected-mode part at the kernel's load
 * address, the initrd under the boot area, and the boot area (lib/boot)
 * at the top of RAM below 4 GiB with page tables, GDT, zero page, command
 * line and the ACPI tables of the VM's platform.  Pure C: it runs in host
 * unit tests on a buffer.
 *
 * The guest's physical memory is RAM from 0 to ram_size, less the legacy
 * hole 0x9F000-0x100000 (EBDA, VGA memory, BIOS), which the e820 map
 * reserves; the boot area is reserved too.
 */
#ifndef SKERRY_VMX_LINUX_LOADER_H
#define SKERRY_VMX_LINUX_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GUEST_LOW_RAM_END   0x9F000ull   /* RAM below it; reserved from here to 1 MiB */
#define GUEST_HIGH_RAM      0x100000ull
#define GUEST_MAX_RAM       (3ull << 30) /* the rest below 4 GiB is the PCI hole */
#define GUEST_LAPIC_BASE    0xFEE00000u
#define GUEST_IOAPIC_BASE   0xFEC00000u
#define GUEST_MAX_VCPUS     8

struct linux_guest {
    uint8_t *ram;                   /* guest-physical 0 .. ram_size, in this process */
    uint64_t ram_size;              /* a multiple of 2 MiB, at most GUEST_MAX_RAM */
    const uint8_t *kernel;          /* the bzImage file */
    size_t kernel_len;
    const uint8_t *initrd;          /* NULL: none */
    size_t initrd_len;
    const char *cmdline;
    unsigned nr_vcpus;
    /* The VM's ACPI power management: PM1a blocks and the SCI, the S5
     * sleep type, and the reset register (an I/O port, 0: none). */
    uint16_t pm1a_evt, pm1a_cnt, sci_irq;
    uint8_t s5_type;
    uint16_t reset_port;
    uint8_t reset_value;
    bool vga_text;                  /* tell Linux of an 80x25 VGA text screen */
    const uint8_t *ssdt;            /* one more ACPI table (the PCI bus), or NULL */
    size_t ssdt_len;
};

/* Where the boot CPU enters: 64-bit mode at rip with paging at cr3, the
 * GDT at gdt (limit gdt_limit), RSI the zero page. */
struct linux_entry {
    uint64_t rip, cr3, gdt, gdt_limit, rsi;
    uint64_t boot_area, initrd_gpa;     /* for the log */
    char version[96];                   /* the kernel's version string */
};

/* 0, or -1 with err saying what is wrong ("the kernel ... is not a
 * bzImage: ...", "the initrd does not fit ..."). */
int linux_load(const struct linux_guest *g, struct linux_entry *out, char *err, size_t errlen);

#endif
