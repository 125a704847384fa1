/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target for the vmkernel command-line reader (core/cmdline.c).
 * The input is split at its first NUL byte: what comes before is the
 * command line, what comes after is the key (both copied into heap
 * buffers of exactly their length plus the terminator, so that
 * AddressSanitizer catches a read past either).  Without a NUL byte the
 * whole input is the command line and the key is empty.
 *
 * Invariants: cmdline_get never writes past cap and NUL-terminates within
 * it, and its value has no space; cmdline_get_u64 agrees with
 * cmdline_get followed by cmdline_parse_size; cmdline_parse_size accepts
 * only digits (0x-hex), an optional K/M/G suffix, and nothing else.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <skerry/cmdline.h>
#include "fuzz.h"

#define FALLBACK 0xFA11BAC4DEADBEEFull

static char *dup_bytes(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        abort();
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

/* What cmdline_parse_size should accept, written independently. */
static bool size_syntax_ok(const char *s)
{
    size_t n = strlen(s), i = 0;
    bool hex = n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    if (hex)
        i = 2;
    size_t digits = 0;
    while (i < n && (hex ? (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
                               (s[i] >= 'A' && s[i] <= 'F')
                         : s[i] >= '0' && s[i] <= '9')) {
        i++;
        digits++;
    }
    if (digits == 0)
        return false;
    if (i < n && strchr("KkMmGg", s[i]) && s[i] != '\0')
        i++;
    return i == n;
}

static void check_size(const char *s)
{
    uint64_t v = 0x5A5A5A5A5A5A5A5Aull;
    bool ok = cmdline_parse_size(s, &v);
    /* Accepted strings are well-formed (overflow may still refuse them). */
    if (ok)
        FUZZ_ASSERT(size_syntax_ok(s));
    else
        FUZZ_ASSERT(v == 0x5A5A5A5A5A5A5A5Aull);
}

static void check_get(const char *cmdline, const char *key, size_t cap)
{
    char *out = malloc(cap ? cap : 1);
    if (!out)
        abort();
    memset(out, 'X', cap ? cap : 1);
    bool found = cmdline_get(cmdline, key, out, cap);
    if (found) {
        FUZZ_ASSERT(cap > 0);
        FUZZ_ASSERT(memchr(out, '\0', cap) != NULL);
        FUZZ_ASSERT(strchr(out, ' ') == NULL);
    } else if (cap > 0) {
        FUZZ_ASSERT(out[0] == 'X');     /* untouched */
    }
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    size_t cmd_len = nul ? (size_t)(nul - data) : size;
    size_t key_len = nul ? size - cmd_len - 1 : 0;
    char *cmdline = dup_bytes(data, cmd_len);
    char *key = dup_bytes(nul ? nul + 1 : data, key_len);
    /* Keys never contain NUL; what follows a second NUL is not part of it. */

    static const size_t caps[] = { 0, 1, 2, 3, 8, 64 };
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
        check_get(cmdline, key, caps[i]);

    /* A value buffer as large as the whole line never truncates. */
    size_t big = cmd_len + 1;
    char *value = malloc(big);
    if (!value)
        abort();
    bool found = cmdline_get(cmdline, key, value, big);
    uint64_t u = cmdline_get_u64(cmdline, key, FALLBACK);
    if (found) {
        FUZZ_ASSERT(strlen(value) < big);
        FUZZ_ASSERT(strstr(cmdline, value) != NULL);
        uint64_t v;
        if (cmdline_parse_size(value, &v))
            FUZZ_ASSERT(u == v);
        else
            FUZZ_ASSERT(u == FALLBACK);
        check_size(value);
    } else {
        FUZZ_ASSERT(u == FALLBACK);
    }
    free(value);

    bool flag = cmdline_has_flag(cmdline, key);
    /* A flag is a whole word: the key (without spaces) appears in the line. */
    if (flag && key[0] && !strchr(key, ' '))
        FUZZ_ASSERT(strstr(cmdline, key) != NULL);

    check_size(key);
    check_size(cmdline);

    free(cmdline);
    free(key);
    return 0;
}
