// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addrset.h"

static size_t home(const struct addrset *s, uint64_t key)
{
    return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 17) & (s->cap - 1);
}

bool addrset_has(const struct addrset *s, uint64_t addr)
{
    if (s->count == 0)
        return false;
    uint64_t key = addr + 1;
    for (size_t i = home(s, key);; i = (i + 1) & (s->cap - 1)) {
        if (s->slots[i] == key)
            return true;
        if (s->slots[i] == 0)
            return false;
    }
}

static void insert(struct addrset *s, uint64_t key)
{
    size_t i = home(s, key);
    while (s->slots[i])
        i = (i + 1) & (s->cap - 1);
    s->slots[i] = key;
    s->count++;
}

int addrset_add(struct addrset *s, uint64_t addr)
{
    if (addrset_has(s, addr))
        return 0;
    if ((s->count + 1) * 2 > s->cap) {      /* keep it at most half full */
        struct addrset bigger = { .cap = s->cap ? s->cap * 2 : 64 };
        if (!(bigger.slots = calloc(bigger.cap, sizeof *bigger.slots)))
            return -ENOMEM;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i])
                insert(&bigger, s->slots[i]);
        free(s->slots);
        *s = bigger;
    }
    insert(s, addr + 1);
    return 1;
}

void addrset_clear(struct addrset *s)
{
    if (s->count)
        memset(s->slots, 0, s->cap * sizeof *s->slots);
    s->count = 0;
}

void addrset_free(struct addrset *s)
{
    free(s->slots);
    *s = (struct addrset){ 0 };
}

bool addrset_next(const struct addrset *s, size_t *i, uint64_t *addr)
{
    for (; *i < s->cap; (*i)++) {
        if (s->slots[*i]) {
            *addr = s->slots[(*i)++] - 1;
            return true;
        }
    }
    return false;
}
