/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host unit tests for the vmkernel command-line parser (core/cmdline.c):
 * space-separated "key=value" and "flag" words, and size values with an
 * optional K/M/G (binary) suffix.
 */
#include <stdint.h>
#include <string.h>
#include <skerry/cmdline.h>
#include "check.h"

#define KIB (1ull << 10)
#define MIB (1ull << 20)
#define GIB (1ull << 30)

/* cmdline_get: want == NULL means "key absent". */
static const struct get_case {
    const char *cmdline, *key, *want;
} get_cases[] = {
    { "log=com1", "log", "com1" },
    { "log=com1 loglevel=3", "log", "com1" },
    { "log=com1 loglevel=3", "loglevel", "3" },
    { "loglevel=3 log=com2", "log", "com2" },          /* longer key first */
    { "loglevel=3", "log", NULL },                     /* only a longer key */
    { "log=com1", "loglevel", NULL },                  /* only a shorter key */
    { "xlog=1 logx=2", "log", NULL },                  /* key inside other words */
    { "a=1 log", "log", NULL },                        /* flag, not key=value */
    { "log", "log", NULL },
    { "log= debug", "log", "" },                       /* empty value */
    { "log=", "log", "" },
    { "", "log", NULL },
    { "   ", "log", NULL },
    { "  log=com3  ", "log", "com3" },                 /* leading/trailing spaces */
    { "a=1    log=com4    b=2", "log", "com4" },       /* runs of spaces */
    { "root=LABEL=boot ro", "root", "LABEL=boot" },    /* '=' inside a value */
    { "heap=64M debug", "heap", "64M" },
    { "debug heap=64M", "heap", "64M" },
    { "opt=log=com1", "log", NULL },                   /* key=value inside a value */
    { "log log=com1", "log", "com1" },                 /* a flag word before key=value */
};

static void test_get(void)
{
    for (size_t i = 0; i < sizeof get_cases / sizeof get_cases[0]; i++) {
        const struct get_case *c = &get_cases[i];
        char out[64];
        memset(out, 'X', sizeof out);
        bool found = cmdline_get(c->cmdline, c->key, out, sizeof out);
        if (c->want)
            CHECK(found && strcmp(out, c->want) == 0, "get(\"%s\", %s) = \"%s\"", c->cmdline,
                  c->key, c->want);
        else
            CHECK(!found, "get(\"%s\", %s) absent", c->cmdline, c->key);
    }
}

static void test_get_capacity(void)
{
    char out[8];
    memset(out, 'X', sizeof out);
    CHECK(cmdline_get("log=com12345 b=1", "log", out, 4) && strcmp(out, "com") == 0,
          "get: value truncated to cap-1 bytes plus NUL");
    CHECK_EQ(out[4], 'X', "get: nothing written past cap");
    memset(out, 'X', sizeof out);
    CHECK(cmdline_get("log=com1", "log", out, 1) && out[0] == '\0', "get: cap 1 gives \"\"");
    CHECK_EQ(out[1], 'X', "get: cap 1 writes one byte");
    memset(out, 'X', sizeof out);
    CHECK(!cmdline_get("log=com1", "log", out, 0), "get: cap 0 fails");
    CHECK_EQ(out[0], 'X', "get: cap 0 writes nothing");
    CHECK(cmdline_get("log=com1", "log", out, 5) && strcmp(out, "com1") == 0,
          "get: value exactly cap-1 bytes fits");
}

static const struct flag_case {
    const char *cmdline, *flag;
    bool want;
} flag_cases[] = {
    { "debug", "debug", true },
    { "log=com1 debug", "debug", true },
    { "debug log=com1", "debug", true },
    { "  debug  ", "debug", true },
    { "debugger", "debug", false },                    /* longer word */
    { "nodebug", "debug", false },
    { "debug=1", "debug", false },                     /* key=value is not a flag */
    { "debug=", "debug", false },
    { "log=debug", "debug", false },                   /* a value is not a flag */
    { "debugger debug", "debug", true },
    { "debug=1 debug", "debug", true },
    { "", "debug", false },
    { "log loglevel=3", "log", true },
    { "loglevel=3", "log", false },
};

static void test_has_flag(void)
{
    for (size_t i = 0; i < sizeof flag_cases / sizeof flag_cases[0]; i++) {
        const struct flag_case *c = &flag_cases[i];
        CHECK_EQ(cmdline_has_flag(c->cmdline, c->flag), c->want, "has_flag(\"%s\", %s)",
                 c->cmdline, c->flag);
    }
}

static const struct size_case {
    const char *s;
    bool ok;
    uint64_t want;
} size_cases[] = {
    { "0", true, 0 },
    { "1", true, 1 },
    { "4096", true, 4096 },
    { "007", true, 7 },
    { "18446744073709551615", true, UINT64_MAX },
    { "18446744073709551616", false, 0 },              /* 2^64 */
    { "99999999999999999999", false, 0 },
    { "0x0", true, 0 },
    { "0x1000", true, 0x1000 },
    { "0X1F", true, 0x1F },
    { "0xabcdef", true, 0xABCDEF },
    { "0xABCDEF", true, 0xABCDEF },
    { "0xDeadBeef", true, 0xDEADBEEF },
    { "0xffffffffffffffff", true, UINT64_MAX },
    { "0x10000000000000000", false, 0 },
    { "0x", false, 0 },
    { "0xg", false, 0 },
    { "4K", true, 4 * KIB },
    { "4k", true, 4 * KIB },
    { "64M", true, 64 * MIB },
    { "64m", true, 64 * MIB },
    { "2G", true, 2 * GIB },
    { "2g", true, 2 * GIB },
    { "0K", true, 0 },
    { "0x10M", true, 16 * MIB },
    { "17179869183G", true, 17179869183ull * GIB },    /* (2^34 - 1) GiB */
    { "17179869184G", false, 0 },                      /* 2^64 */
    { "17592186044415M", true, 17592186044415ull * MIB },
    { "17592186044416M", false, 0 },
    { "18014398509481983K", true, 18014398509481983ull * KIB },
    { "18014398509481984K", false, 0 },
    { "", false, 0 },
    { "K", false, 0 },
    { "M", false, 0 },
    { "4KB", false, 0 },
    { "4KK", false, 0 },
    { "4T", false, 0 },
    { "4 K", false, 0 },
    { " 4", false, 0 },
    { "4 ", false, 0 },
    { "-1", false, 0 },
    { "+1", false, 0 },
    { "12a", false, 0 },
    { "1.5G", false, 0 },
    { "abc", false, 0 },
    { "0x12h", false, 0 },
};

static void test_parse_size(void)
{
    for (size_t i = 0; i < sizeof size_cases / sizeof size_cases[0]; i++) {
        const struct size_case *c = &size_cases[i];
        uint64_t v = 0x5555;
        bool ok = cmdline_parse_size(c->s, &v);
        if (c->ok)
            CHECK(ok && v == c->want, "parse_size(\"%s\") = %#llx", c->s,
                  (unsigned long long)c->want);
        else
            CHECK(!ok && v == 0x5555, "parse_size(\"%s\") rejected, output untouched", c->s);
    }
}

static void test_get_u64(void)
{
    const uint64_t FB = 0xFA11BAC4;
    static const struct { const char *cmdline; uint64_t want; } cases[] = {
        { "heap=64M", 64 * MIB },
        { "debug heap=0x2000000 log=com1", 0x2000000 },
        { "heapsize=1G heap=2M", 2 * MIB },
        { "heapsize=1G", 0xFA11BAC4 },
        { "heap", 0xFA11BAC4 },
        { "heap=", 0xFA11BAC4 },
        { "heap=lots", 0xFA11BAC4 },
        { "heap=64MB", 0xFA11BAC4 },
        { "heap=99999999999999999999", 0xFA11BAC4 },
        { "", 0xFA11BAC4 },
        { "heap=0", 0 },
        /*
         * Values longer than the internal buffer.  A valid number with
         * leading zeros must still parse to its value, and junk beyond the
         * first 31 characters must still make the value invalid: silently
         * parsing a truncated prefix gives a different number.
         */
        { "heap=00000000000000000000000000000016", 16 },
        { "heap=0000000000000000000000000000001junk", 0xFA11BAC4 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK_EQ(cmdline_get_u64(cases[i].cmdline, "heap", FB), cases[i].want,
                 "get_u64(\"%s\")", cases[i].cmdline);
}

int main(void)
{
    test_get();
    test_get_capacity();
    test_has_flag();
    test_parse_size();
    test_get_u64();
    CHECK_DONE();
}
