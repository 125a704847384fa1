/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fatal errors: a "purple screen" diagnostic on the boot console and the
 * log port, then every CPU stops.  The machine never reboots silently.
 */
#ifndef SKERRY_PANIC_H
#define SKERRY_PANIC_H

_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define BUG_ON(cond)                                                        \
    do {                                                                    \
        if (cond)                                                           \
            panic("BUG_ON(%s) at %s:%d", #cond, __FILE__, __LINE__);        \
    } while (0)

#endif
