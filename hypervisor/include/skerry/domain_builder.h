/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Building domains from Multiboot modules.  A module that is an ELF64
 * executable is a test domain: "<path> [name=N] [vcpus=N] [mem=SIZE]".
 * It starts in 64-bit mode at its entry point on every vCPU, with RDI =
 * the vCPU index and RSI = the vCPU count, flat CS 0x10 / DS 0x18 and an
 * identity map of the low 4 GiB (see tests/guests/README.md).
 */
#ifndef SKERRY_DOMAIN_BUILDER_H
#define SKERRY_DOMAIN_BUILDER_H

#include <stdbool.h>
#include <skerry/multiboot.h>

void domains_create_from_modules(const struct boot_info *bi);
/* Is one of the modules a Linux bzImage, i.e. a console domain? */
bool boot_modules_have_console(const struct boot_info *bi);

#endif
