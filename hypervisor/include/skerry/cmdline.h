/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vmkernel's command line: space-separated "key=value" or "flag" words.
 * Values cannot contain spaces.
 */
#ifndef SKERRY_CMDLINE_H
#define SKERRY_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copy the value of key into out (cap bytes); false if the key is absent. */
bool cmdline_get(const char *cmdline, const char *key, char *out, size_t cap);
bool cmdline_has_flag(const char *cmdline, const char *flag);
/* Parse an unsigned number with optional K/M/G suffix; false on junk. */
bool cmdline_parse_size(const char *s, uint64_t *out);
uint64_t cmdline_get_u64(const char *cmdline, const char *key, uint64_t fallback);

#endif
