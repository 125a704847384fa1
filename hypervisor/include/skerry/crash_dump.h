/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vmkernel's crash dump (ESX's "vmkernel zdump"): on a purple screen
 * the tail of the log ring, the purple screen's text included, is written
 * with a checksum into 64 KiB at the top of the highest usable memory
 * below 4 GiB, which the vmkernel keeps for itself and which survives a
 * warm reset.  The next boot takes it out before anything can reuse the
 * memory; the console's vmkdump saves it to /var/core through the SYSTEM
 * capability.  panic_timeout=<s> (ESX's Misc.BlueScreenTimeout) resets
 * the machine that many seconds after a purple screen.
 */
#ifndef SKERRY_CRASH_DUMP_H
#define SKERRY_CRASH_DUMP_H

#include <stddef.h>
#include <stdint.h>

#define CRASH_DUMP_AREA_BYTES (64u << 10)

/* After the heap exists: take a dump left by the previous boot, if any. */
void crash_dump_boot(const char *cmdline);
/* The saved dump (NULL, 0 if none). */
const char *crash_dump_saved(uint32_t *len, uint32_t *checksum);
void crash_dump_clear(void);
/* Purple screen: write the dump, then reset if panic_timeout asked for it. */
void crash_dump_write_and_maybe_reset(void);
/* The area's checksum (FNV-1a), also the dump's identity. */
uint32_t crash_dump_checksum(const void *data, size_t len);
/* Did the boot command line allow SYSTEM crash_me? */
int crash_dump_test_panic_allowed(void);

#endif
