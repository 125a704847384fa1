/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tiny host unit-test harness.  Every check prints one line, "PASS <name>"
 * or "FAIL <name>: <detail>", which tests/run-tests.sh tallies; a test
 * program exits non-zero when any of its checks failed.
 */
#ifndef SKERRY_TEST_CHECK_H
#define SKERRY_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        char check_name_[256];                                             \
        snprintf(check_name_, sizeof check_name_, __VA_ARGS__);            \
        if (cond) {                                                        \
            printf("PASS %s\n", check_name_);                              \
        } else {                                                           \
            printf("FAIL %s: %s (%s:%d)\n", check_name_, #cond, __FILE__,  \
                   __LINE__);                                              \
            check_failures++;                                              \
        }                                                                  \
    } while (0)

#define CHECK_EQ(actual, expected, ...)                                    \
    do {                                                                   \
        unsigned long long a_ = (unsigned long long)(actual);              \
        unsigned long long e_ = (unsigned long long)(expected);            \
        char check_name_[256];                                             \
        snprintf(check_name_, sizeof check_name_, __VA_ARGS__);            \
        if (a_ == e_) {                                                    \
            printf("PASS %s\n", check_name_);                              \
        } else {                                                           \
            printf("FAIL %s: got %#llx, want %#llx (%s:%d)\n",             \
                   check_name_, a_, e_, __FILE__, __LINE__);               \
            check_failures++;                                              \
        }                                                                  \
    } while (0)

/* Two strings equal (NULL is never equal to anything). */
#define CHECK_STR_EQ(actual, expected, ...)                                \
    do {                                                                   \
        const char *a_ = (actual), *e_ = (expected);                       \
        char check_name_[256];                                             \
        snprintf(check_name_, sizeof check_name_, __VA_ARGS__);            \
        if (a_ && e_ && strcmp(a_, e_) == 0) {                             \
            printf("PASS %s\n", check_name_);                              \
        } else {                                                           \
            printf("FAIL %s: got \"%s\", want \"%s\" (%s:%d)\n",           \
                   check_name_, a_ ? a_ : "(null)", e_ ? e_ : "(null)",    \
                   __FILE__, __LINE__);                                    \
            check_failures++;                                              \
        }                                                                  \
    } while (0)

#define CHECK_DONE() return check_failures ? 1 : 0

#endif
