/* SPDX-License-Identifier: GPL-2.0-only */
/* A set of logical addresses (open addressing, linear probing): the
 * objects a transaction has locked.  A transaction that creates thousands
 * of files asks "locked already?" for each inode and bitmap entry it
 * touches, which a list would answer in time growing with the set. */
#ifndef VMFS_ADDRSET_H
#define VMFS_ADDRSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct addrset {
    uint64_t *slots;            /* address + 1; 0 marks a free slot */
    size_t count, cap;          /* cap: 0 or a power of two */
};

bool addrset_has(const struct addrset *s, uint64_t addr);
/* 1 if added, 0 if already there, -ENOMEM. */
int addrset_add(struct addrset *s, uint64_t addr);
void addrset_clear(struct addrset *s);
void addrset_free(struct addrset *s);

/* Visit each address: for (size_t i = 0; addrset_next(s, &i, &addr);) */
bool addrset_next(const struct addrset *s, size_t *i, uint64_t *addr);

#endif
