// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmkcall: one vmkernel invocation from the shell, through libvmk, for
 * administrators and tests.
 *
 *   vmkcall CPTR INVOCATION [WORD...]
 *
 * INVOCATION is a name from invocations.h's table (system_info,
 * any_identify, ...) or a label number.  The words are the message
 * registers in order (capability arguments first), decimal or 0x-hex; the
 * message says how many capability arguments the invocation takes and as
 * many words as were given.  More than eight are passed on as a message
 * length the module refuses (EINVAL).  Prints each result register the
 * reply has as "mrN=<hex>" and exits 0, or prints the error (and the
 * offending message register, when the vmkernel names one) and exits 1;
 * 2 for usage errors.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vmk.h"

struct invocation {
    uint64_t label;
    unsigned caps;
    const char *name;
};

#define ENTRY(label, type, rights, caps, words, results, name) { label, caps, name },
static const struct invocation invocations[] = { SK_INVOCATION_TABLE(ENTRY) };
#undef ENTRY

static int parse_word(const char *s, uint64_t *out)
{
    char *end;

    errno = 0;
    *out = strtoull(s, &end, 0);
    return errno == 0 && *s && *s != '-' && !*end ? 0 : -1;
}

static const struct invocation *find(const char *s)
{
    static struct invocation by_number;
    uint64_t label;

    for (size_t i = 0; i < sizeof invocations / sizeof invocations[0]; i++)
        if (strcmp(invocations[i].name, s) == 0)
            return &invocations[i];
    if (parse_word(s, &label) != 0)
        return NULL;
    for (size_t i = 0; i < sizeof invocations / sizeof invocations[0]; i++)
        if (invocations[i].label == label)
            return &invocations[i];
    by_number = (struct invocation){ label, 0, "?" };   /* unknown: passed on as it is */
    return &by_number;
}

int main(int argc, char **argv)
{
    const struct invocation *inv;
    uint64_t cptr;

    if (argc < 3 || parse_word(argv[1], &cptr) != 0 || !(inv = find(argv[2]))) {
        fprintf(stderr, "usage: vmkcall CPTR INVOCATION [WORD...]  (e.g. vmkcall 3 system_info)\n");
        return 2;
    }
    unsigned nwords = (unsigned)(argc - 3);
    sk_word_t mr[SK_MSG_MAX_REGS] = { 0 };
    for (unsigned i = 0; i < nwords; i++) {
        uint64_t w;
        if (parse_word(argv[3 + i], &w) != 0) {
            fprintf(stderr, "vmkcall: '%s' is not a number\n", argv[3 + i]);
            return 2;
        }
        if (i < SK_MSG_MAX_REGS)
            mr[i] = w;
    }
    unsigned caps = inv->caps < nwords ? inv->caps : nwords;

    sk_msginfo_t info = sk_msginfo_new(inv->label, caps, nwords - caps);
    long e = vmk_open();
    if (e == 0)
        e = vmk_call(cptr, &info, mr);
    if (e != SK_OK) {
        fprintf(stderr, "vmkcall: %s on %" PRIu64 ": %s (%ld)", inv->name, cptr, vmk_strerror(e), e);
        if (e > 0 && sk_msginfo_length(info) > 0 && mr[0] != SK_NO_DETAIL)
            fprintf(stderr, ", message register %" PRIu64, mr[0]);
        fputc('\n', stderr);
        return 1;
    }
    unsigned n = sk_msginfo_length(info);
    for (unsigned i = 0; i < n && i < SK_MSG_MAX_REGS; i++)
        printf("mr%u=%#" PRIx64 "\n", i, mr[i]);
    return 0;
}
