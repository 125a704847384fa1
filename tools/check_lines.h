/* SPDX-License-Identifier: GPL-2.0-only */
/* "PASS <what>" / "FAIL <what>" lines for the console's test programs
 * (vmktest, vmkfuzz), counted for their closing line. */
#ifndef CHECK_LINES_H
#define CHECK_LINES_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static unsigned passed, failed;

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(bool ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s ", ok ? "PASS" : "FAIL");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    ok ? passed++ : failed++;
}

#endif
