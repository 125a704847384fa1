// SPDX-License-Identifier: GPL-2.0-only
/*
 * A cache of recently used directories: their entries in order and a hash
 * of their names, so that a lookup in a directory of thousands of files
 * does not read it all.  A cached directory is trusted only while its
 * inode's generation, size and lock token are those it was read with: any
 * host that changes it locks it first, which bumps the token.  A
 * rolled-back operation drops every cached directory.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "volume.h"

struct dircache {
    uint32_t addr, gen;
    uint64_t size, token, epoch;
    bool valid;
    struct vmfs_dirent *ents;
    size_t n, cap;
    uint32_t *slots;            /* open addressing: entry index + 1, 0 empty */
    size_t nslots;
};

static uint64_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    while (*s)
        h = (h ^ (uint8_t)*s++) * 1099511628211ull;
    return h;
}

static void drop(struct dircache *c)
{
    free(c->ents);
    free(c->slots);
    memset(c, 0, sizeof *c);
}

void dircache_free(struct vmfs_volume *vol)
{
    for (unsigned i = 0; i < VMFS_DIRCACHE_SLOTS; i++) {
        if (vol->dircache[i])
            drop(vol->dircache[i]);
        free(vol->dircache[i]);
        vol->dircache[i] = NULL;
    }
}

static size_t slot_of(const struct dircache *c, const char *name)
{
    size_t mask = c->nslots - 1, i = (size_t)name_hash(name) & mask;
    while (c->slots[i] && strcmp(c->ents[c->slots[i] - 1].name, name) != 0)
        i = (i + 1) & mask;
    return i;
}

static int rehash(struct dircache *c)
{
    size_t want = 64;
    while (want < 2 * (c->n + 1))
        want *= 2;
    if (want <= c->nslots && c->slots)
        return 0;
    free(c->slots);
    c->slots = calloc(want, sizeof *c->slots);
    if (!c->slots)
        return -ENOMEM;
    c->nslots = want;
    for (size_t k = 0; k < c->n; k++)
        c->slots[slot_of(c, c->ents[k].name)] = (uint32_t)k + 1;
    return 0;
}

static int push(struct dircache *c, const struct vmfs_dirent *ent)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        struct vmfs_dirent *e = realloc(c->ents, cap * sizeof *e);
        if (!e)
            return -ENOMEM;
        c->ents = e;
        c->cap = cap;
    }
    c->ents[c->n++] = *ent;
    if (2 * (c->n + 1) > c->nslots)
        return rehash(c);
    c->slots[slot_of(c, ent->name)] = (uint32_t)c->n;
    return 0;
}

/* Linear probing removal: shift later members of the cluster back. */
static void unhash(struct dircache *c, size_t i)
{
    size_t mask = c->nslots - 1;
    c->slots[i] = 0;
    for (size_t j = (i + 1) & mask; c->slots[j]; j = (j + 1) & mask) {
        size_t home = (size_t)name_hash(c->ents[c->slots[j] - 1].name) & mask;
        bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
        if (movable) {
            c->slots[i] = c->slots[j];
            c->slots[j] = 0;
            i = j;
        }
    }
}

static int current_token(struct vmfs_volume *vol, uint32_t addr, uint64_t *token)
{
    uint64_t laddr;
    uint8_t raw[VMFS_LOCK_SIZE];
    int r = inode_laddr(vol, addr, &laddr);
    if (r == 0)
        r = meta_read(vol, laddr, raw, sizeof raw);
    if (r == 0) {
        struct vmfs_lock l;
        vmfs_lock_decode(&l, raw);
        *token = l.token;
    }
    return r;
}

static int fill_one(void *ctx, const struct vmfs_dirent *ent, uint64_t index)
{
    (void)index;
    return push(ctx, ent) < 0 ? -ENOMEM : 0;
}

/* The cache of `dir`, read afresh if it is not current; NULL if out of memory. */
struct dircache *dircache_get(struct vmfs_volume *vol, const struct vmfs_inode *dir)
{
    uint64_t token;
    if (current_token(vol, dir->addr, &token) < 0)
        return NULL;
    struct dircache *c = NULL;
    for (unsigned i = 0; i < VMFS_DIRCACHE_SLOTS; i++) {
        struct dircache *d = vol->dircache[i];
        if (d && d->valid && d->addr == dir->addr) {
            if (d->gen == dir->gen && d->size == dir->size && d->token == token && d->epoch == vol->cache_epoch)
                return d;
            c = d;
        }
    }
    if (!c) {
        unsigned victim = vol->dircache_next++ % VMFS_DIRCACHE_SLOTS;
        if (!vol->dircache[victim] && !(vol->dircache[victim] = calloc(1, sizeof *c)))
            return NULL;
        c = vol->dircache[victim];
    }
    drop(c);
    if (rehash(c) < 0 || dir_each(vol, (struct vmfs_inode *)dir, fill_one, c) < 0) {
        drop(c);
        return NULL;
    }
    c->addr = dir->addr;
    c->gen = dir->gen;
    c->size = dir->size;
    c->token = token;
    c->epoch = vol->cache_epoch;
    c->valid = true;
    return c;
}

int dircache_find(struct dircache *c, const char *name, struct vmfs_dirent *out, uint64_t *index)
{
    size_t i = slot_of(c, name);
    if (!c->slots[i])
        return -ENOENT;
    *out = c->ents[c->slots[i] - 1];
    if (index)
        *index = c->slots[i] - 1;
    return 0;
}

/* After this host changed the directory on disk: the same change here. */
static struct dircache *cached(struct vmfs_volume *vol, uint32_t addr)
{
    for (unsigned i = 0; i < VMFS_DIRCACHE_SLOTS; i++) {
        struct dircache *d = vol->dircache[i];
        if (d && d->valid && d->addr == addr && d->epoch == vol->cache_epoch)
            return d;
    }
    return NULL;
}

static void resync(struct vmfs_volume *vol, struct dircache *c, const struct vmfs_inode *dir)
{
    c->size = dir->size;
    if (current_token(vol, dir->addr, &c->token) < 0 || c->size != c->n * VMFS_DIRENT_SIZE)
        c->valid = false;
}

void dircache_set(struct vmfs_volume *vol, const struct vmfs_inode *dir, uint64_t index,
                  const struct vmfs_dirent *ent)
{
    struct dircache *c = cached(vol, dir->addr);
    if (!c)
        return;
    if (index == c->n) {
        if (push(c, ent) < 0)
            c->valid = false;
    } else if (index < c->n) {
        unhash(c, slot_of(c, c->ents[index].name));
        c->ents[index] = *ent;
        c->slots[slot_of(c, ent->name)] = (uint32_t)index + 1;
    } else {
        c->valid = false;
    }
    if (c->valid)
        resync(vol, c, dir);
}

void dircache_remove(struct vmfs_volume *vol, const struct vmfs_inode *dir, uint64_t index)
{
    struct dircache *c = cached(vol, dir->addr);
    if (!c)
        return;
    if (index >= c->n) {
        c->valid = false;
        return;
    }
    unhash(c, slot_of(c, c->ents[index].name));
    size_t last = c->n - 1;
    if (index != last) {
        size_t s = slot_of(c, c->ents[last].name);
        c->ents[index] = c->ents[last];
        c->slots[s] = (uint32_t)index + 1;
    }
    c->n--;
    resync(vol, c, dir);
}
