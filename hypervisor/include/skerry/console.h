/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domain 0, the service console: a stock Linux kernel (bzImage module)
 * entered through its 64-bit boot protocol, owning the machine's RAM 1:1
 * (minus the vmkernel's memory), its I/O ports and PCI devices (minus what
 * the vmkernel keeps), with ACPI tables built for what it sees.
 *
 * Modules: "<bzImage> <kernel command line>,<initramfs>".  vmkernel
 * command line: console_vcpus=N (default 1), console_mem=SIZE (default:
 * all RAM outside the vmkernel's pool).
 */
#ifndef SKERRY_CONSOLE_H
#define SKERRY_CONSOLE_H

#include <skerry/multiboot.h>

struct domain;

/* Build the console from the modules, or NULL (logged) if there is none or it cannot be built. */
struct domain *console_create(const struct boot_info *bi);

#endif
