/* SPDX-License-Identifier: GPL-2.0-only */
/* Constants shared between the assembly boot path and C. */
#ifndef ARCH_BOOT_LAYOUT_H
#define ARCH_BOOT_LAYOUT_H

#define VMKERNEL_LOAD_ADDR  0x100000    /* 1 MiB: where Multiboot loads us */
#define BOOT_CS64           0x08
#define BOOT_DS             0x10
#define BOOT_STACK_SIZE     (16 * 1024)
#define AP_TRAMPOLINE_ADDR  0x8000      /* real-mode entry for secondary CPUs */

#endif
