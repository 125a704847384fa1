// SPDX-License-Identifier: GPL-2.0-only
/*
 * The running metadata transaction.  Metadata (inodes, bitmap entries,
 * pointer blocks, directory contents) is changed in 512-byte sectors held
 * here and reaches its place on disk only at commit, so that a commit can
 * be made atomic by the journal.  Reads see the transaction's sectors.
 * File data goes straight to the device, always before the metadata that
 * points at it (ordered mode).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "volume.h"

#define SECTOR 512u

struct meta_undo;
static int save_undo(struct vmfs_tx *tx, const struct meta_sector *s, bool fresh);

struct meta_sector {
    uint64_t lsn;               /* logical sector number */
    struct meta_sector *next;
    uint8_t data[SECTOR];
};

static size_t bucket_of(const struct vmfs_tx *tx, uint64_t lsn)
{
    return (size_t)((lsn * 0x9e3779b97f4a7c15ull) >> 32) % tx->nbuckets;
}

static struct meta_sector *tx_find(const struct vmfs_tx *tx, uint64_t lsn)
{
    if (!tx->nbuckets)
        return NULL;
    for (struct meta_sector *s = tx->buckets[bucket_of(tx, lsn)]; s; s = s->next)
        if (s->lsn == lsn)
            return s;
    return NULL;
}

/* Take a sector out of the transaction (reads see the disk again). */
static void tx_drop(struct vmfs_tx *tx, uint64_t lsn)
{
    if (!tx->nbuckets)
        return;
    for (struct meta_sector **p = &tx->buckets[bucket_of(tx, lsn)]; *p; p = &(*p)->next) {
        if ((*p)->lsn == lsn) {
            struct meta_sector *s = *p;
            *p = s->next;
            free(s);
            tx->nsectors--;
            return;
        }
    }
}

static int tx_grow(struct vmfs_tx *tx)
{
    size_t n = tx->nbuckets ? tx->nbuckets * 4 : 256;
    struct meta_sector **b = calloc(n, sizeof *b);
    if (!b)
        return -ENOMEM;
    struct vmfs_tx bigger = *tx;
    bigger.buckets = b;
    bigger.nbuckets = n;
    for (size_t i = 0; i < tx->nbuckets; i++) {
        for (struct meta_sector *s = tx->buckets[i], *next; s; s = next) {
            next = s->next;
            size_t k = bucket_of(&bigger, s->lsn);
            s->next = b[k];
            b[k] = s;
        }
    }
    free(tx->buckets);
    tx->buckets = b;
    tx->nbuckets = n;
    return 0;
}

/* Copy between a buffer at `laddr` and the sectors the transaction holds
 * in that range: into the buffer, or (to_tx) into the sectors. */
static void overlay(struct vmfs_tx *tx, uint64_t laddr, uint8_t *buf, size_t len, bool to_tx)
{
    for (uint64_t lsn = laddr / SECTOR; lsn * SECTOR < laddr + len; lsn++) {
        struct meta_sector *s = tx_find(tx, lsn);
        if (!s)
            continue;
        uint64_t from = lsn * SECTOR > laddr ? lsn * SECTOR : laddr;
        uint64_t to = (lsn + 1) * SECTOR < laddr + len ? (lsn + 1) * SECTOR : laddr + len;
        if (to_tx)
            memcpy(s->data + (from - lsn * SECTOR), buf + (from - laddr), to - from);
        else
            memcpy(buf + (from - laddr), s->data + (from - lsn * SECTOR), to - from);
    }
}

static int logical_range_ok(const struct vmfs_volume *vol, uint64_t laddr, uint64_t len)
{
    return laddr <= vol->logical_size && len <= vol->logical_size - laddr;
}

static int logical_read(struct vmfs_volume *vol, uint64_t laddr, void *buf, size_t len)
{
    if (!logical_range_ok(vol, laddr, len))
        return vol_fail(vol, EIO, "address %#llx lies outside the volume", (unsigned long long)laddr);
    int r = device_read(&vol->dev, VMFS_DATA_OFFSET + laddr, buf, len);
    if (r < 0)
        return vol_fail(vol, -r, "cannot read the device at logical %#llx", (unsigned long long)laddr);
    return 0;
}

/* Does the transaction hold every sector of the range? */
static bool tx_covers(const struct vmfs_tx *tx, uint64_t laddr, size_t len)
{
    if (tx->nsectors == 0 || len == 0 || laddr / SECTOR < tx->min_lsn || (laddr + len - 1) / SECTOR > tx->max_lsn)
        return false;
    for (uint64_t lsn = laddr / SECTOR; lsn * SECTOR < laddr + len; lsn++)
        if (!tx_find(tx, lsn))
            return false;
    return true;
}

int meta_read(struct vmfs_volume *vol, uint64_t laddr, void *buf, size_t len)
{
    if (logical_range_ok(vol, laddr, len) && tx_covers(&vol->tx, laddr, len)) {
        overlay(&vol->tx, laddr, buf, len, false);     /* no need to read what the transaction holds */
        return 0;
    }
    int r = logical_read(vol, laddr, buf, len);
    if (r < 0 || vol->tx.nsectors == 0 || laddr > vol->tx.max_lsn * SECTOR + SECTOR - 1 ||
        laddr + len <= vol->tx.min_lsn * SECTOR)
        return r;
    overlay(&vol->tx, laddr, buf, len, false);
    return 0;
}

int meta_write(struct vmfs_volume *vol, uint64_t laddr, const void *buf, size_t len)
{
    if (!vol->dev.read_write)
        return vol_fail(vol, EROFS, "the volume is open read-only");
    if (!logical_range_ok(vol, laddr, len))
        return vol_fail(vol, EIO, "address %#llx lies outside the volume", (unsigned long long)laddr);
    struct vmfs_tx *tx = &vol->tx;
    if (tx->nsectors == 0)
        tx->started_us = vmfs_now_us();
    const uint8_t *p = buf;
    for (uint64_t lsn = laddr / SECTOR; lsn * SECTOR < laddr + len; lsn++) {
        struct meta_sector *s = tx_find(tx, lsn);
        bool fresh = !s;
        if (!s) {
            if (tx->nsectors + 1 > tx->nbuckets * 2 && tx_grow(tx) < 0)
                return vol_fail(vol, ENOMEM, "out of memory");
            s = malloc(sizeof *s);
            if (!s)
                return vol_fail(vol, ENOMEM, "out of memory");
            s->lsn = lsn;
            /* A sector this write covers whole need not be read first:
             * the undo record of a sector new to the transaction only
             * says to drop it again. */
            bool whole = lsn * SECTOR >= laddr && (lsn + 1) * SECTOR <= laddr + len;
            int r = whole ? 0 : logical_read(vol, lsn * SECTOR, s->data, SECTOR);
            if (r < 0) {
                free(s);
                return r;
            }
            size_t k = bucket_of(tx, lsn);
            s->next = tx->buckets[k];
            tx->buckets[k] = s;
            if (tx->nsectors == 0 || lsn < tx->min_lsn)
                tx->min_lsn = lsn;
            if (tx->nsectors == 0 || lsn > tx->max_lsn)
                tx->max_lsn = lsn;
            tx->nsectors++;
        }
        if (tx->undo_active && save_undo(tx, s, fresh) < 0)
            return vol_fail(vol, ENOMEM, "out of memory");
        uint64_t from = lsn * SECTOR > laddr ? lsn * SECTOR : laddr;
        uint64_t to = (lsn + 1) * SECTOR < laddr + len ? (lsn + 1) * SECTOR : laddr + len;
        memcpy(s->data + (from - lsn * SECTOR), p + (from - laddr), to - from);
    }
    return 0;
}

/*
 * Savepoints make each operation all-or-nothing inside the transaction it
 * shares with others: the first change of a sector after the savepoint
 * keeps the sector's previous contents so that a failed operation
 * (ENOSPC half-way, a lock held by another host) can be undone.
 */
struct meta_undo {
    uint64_t lsn;
    bool fresh;                 /* not in the transaction before: drop it */
    uint8_t old[SECTOR];
};

static int save_undo(struct vmfs_tx *tx, const struct meta_sector *s, bool fresh)
{
    for (size_t i = 0; !fresh && i < tx->nundo; i++)
        if (tx->undo[i].lsn == s->lsn)
            return 0;
    if (tx->nundo == tx->undo_cap) {
        size_t cap = tx->undo_cap ? tx->undo_cap * 2 : 64;
        struct meta_undo *u = realloc(tx->undo, cap * sizeof *u);
        if (!u)
            return -ENOMEM;
        tx->undo = u;
        tx->undo_cap = cap;
    }
    tx->undo[tx->nundo].lsn = s->lsn;
    tx->undo[tx->nundo].fresh = fresh;
    if (!fresh)
        memcpy(tx->undo[tx->nundo].old, s->data, SECTOR);
    tx->nundo++;
    return 0;
}

void meta_savepoint(struct vmfs_volume *vol)
{
    vol->tx.nundo = 0;
    vol->tx.undo_active = true;
}

void meta_rollback(struct vmfs_volume *vol)
{
    vol->cache_epoch++;         /* cached directories may show undone changes */
    struct vmfs_tx *tx = &vol->tx;
    struct meta_sector *s;
    for (size_t i = tx->nundo; i-- > 0;) {
        if (tx->undo[i].fresh)
            tx_drop(tx, tx->undo[i].lsn);
        else if ((s = tx_find(tx, tx->undo[i].lsn)) != NULL)
            memcpy(s->data, tx->undo[i].old, SECTOR);
    }
    tx->nundo = 0;
    tx->undo_active = false;
}

void meta_release_savepoint(struct vmfs_volume *vol)
{
    vol->tx.nundo = 0;
    vol->tx.undo_active = false;
}

bool meta_pending(const struct vmfs_volume *vol) { return vol->tx.nsectors != 0; }

bool meta_holds(const struct vmfs_volume *vol, uint64_t laddr, size_t len) { return tx_covers(&vol->tx, laddr, len); }

/* Put the sectors in address order, for runs of contiguous writes in
 * place: a radix sort, a byte of the address at a time, since a commit
 * sorts thousands of sectors and qsort's comparison calls cost more than
 * the writes.  `max_lsn` bounds the addresses. */
static int sort_by_lsn(struct meta_sector **list, size_t n, uint64_t max_lsn)
{
    struct meta_sector **tmp = malloc(n * sizeof *tmp);
    if (!tmp)
        return -ENOMEM;
    for (unsigned shift = 0; shift < 64 && (max_lsn >> shift) != 0; shift += 8) {
        size_t start[257] = { 0 };
        for (size_t i = 0; i < n; i++)
            start[((list[i]->lsn >> shift) & 0xff) + 1]++;
        for (unsigned d = 0; d < 256; d++)
            start[d + 1] += start[d];
        for (size_t i = 0; i < n; i++)
            tmp[start[(list[i]->lsn >> shift) & 0xff]++] = list[i];
        memcpy(list, tmp, n * sizeof *list);
    }
    free(tmp);
    return 0;
}

static void tx_clear(struct vmfs_tx *tx)
{
    tx->nundo = 0;
    for (size_t i = 0; i < tx->nbuckets; i++) {
        for (struct meta_sector *s = tx->buckets[i], *next; s; s = next) {
            next = s->next;
            free(s);
        }
        tx->buckets[i] = NULL;
    }
    tx->nsectors = 0;
}

static int write_in_place(struct vmfs_volume *vol, struct meta_sector **list, size_t n)
{
    uint8_t *run = NULL;
    int r = 0;
    for (size_t i = 0; r == 0 && i < n;) {
        size_t j = i + 1;
        while (j < n && list[j]->lsn == list[j - 1]->lsn + 1 && j - i < 256)
            j++;
        uint8_t *grown = realloc(run, (j - i) * SECTOR);
        if (!grown) {
            r = -ENOMEM;
            break;
        }
        run = grown;
        for (size_t k = i; k < j; k++)
            memcpy(run + (k - i) * SECTOR, list[k]->data, SECTOR);
        r = device_write(&vol->dev, VMFS_DATA_OFFSET + list[i]->lsn * SECTOR, run, (j - i) * SECTOR);
        i = j;
    }
    free(run);
    return r;
}

static int journal_then_place(struct vmfs_volume *vol, struct meta_sector **list, size_t n)
{
    /* File data written for this transaction must be on disk before the
     * metadata that makes it reachable: the journal's commit flushes it
     * with the sectors it logs, or here when there is no journal. */
    int r = 0;
    if (!vol->journal.ready) {
        if ((r = device_sync(&vol->dev)) < 0)
            return vol_fail(vol, -r, "cannot flush file data");
    } else {
        uint64_t *lsns = malloc(n * sizeof *lsns);
        uint8_t **data = malloc(n * sizeof *data);
        if (!lsns || !data)
            r = vol_fail(vol, ENOMEM, "out of memory");
        for (size_t i = 0; r == 0 && i < n; i++)
            lsns[i] = list[i]->lsn, data[i] = list[i]->data;
        if (r == 0)
            r = journal_log(vol, lsns, data, n);
        free(lsns);
        free(data);
        if (r < 0)
            return r;
    }
    r = write_in_place(vol, list, n);
    if (r == 0)
        r = device_sync(&vol->dev);
    if (r < 0)
        return vol_fail(vol, -r, "cannot write metadata to the device");
    return vol->journal.ready ? journal_applied(vol) : 0;
}

static int commit(struct vmfs_volume *vol, bool unlock)
{
    struct vmfs_tx *tx = &vol->tx;
    if (tx->nsectors == 0) {
        if (unlock)
            unlock_tx_objects(vol);
        return 0;
    }
    struct meta_sector **list = malloc(tx->nsectors * sizeof *list);
    if (!list)
        return vol_fail(vol, ENOMEM, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < tx->nbuckets; i++)
        for (struct meta_sector *s = tx->buckets[i]; s; s = s->next)
            list[n++] = s;
    int r = sort_by_lsn(list, n, tx->max_lsn);
    if (r < 0) {
        free(list);
        return vol_fail(vol, ENOMEM, "out of memory");
    }
    r = journal_then_place(vol, list, n);
    free(list);
    if (r < 0)
        return r;
    tx_clear(tx);
    if (unlock)
        unlock_tx_objects(vol);
    return 0;
}

int meta_commit(struct vmfs_volume *vol) { return commit(vol, true); }
int meta_commit_keep_locks(struct vmfs_volume *vol) { return commit(vol, false); }

/* Put a sector into the transaction as it is (replaying another host's
 * journal into a read-only view of the volume). */
int meta_overlay_sector(struct vmfs_volume *vol, uint64_t lsn, const uint8_t *data)
{
    bool rw = vol->dev.read_write;
    vol->dev.read_write = true;     /* only the in-memory copy changes */
    int r = meta_write(vol, lsn * SECTOR, data, SECTOR);
    vol->dev.read_write = rw;
    return r;
}

void meta_discard(struct vmfs_volume *vol)
{
    tx_clear(&vol->tx);
    unlock_tx_objects(vol);
}

int data_read(struct vmfs_volume *vol, uint64_t laddr, void *buf, size_t len)
{
    return meta_read(vol, laddr, buf, len);
}

int data_write(struct vmfs_volume *vol, uint64_t laddr, const void *buf, size_t len)
{
    if (!logical_range_ok(vol, laddr, len))
        return vol_fail(vol, EIO, "address %#llx lies outside the volume", (unsigned long long)laddr);
    int r = device_write(&vol->dev, VMFS_DATA_OFFSET + laddr, buf, len);
    if (r < 0)
        return vol_fail(vol, -r, "cannot write the device at logical %#llx", (unsigned long long)laddr);
    if (vol->tx.nsectors && laddr <= vol->tx.max_lsn * SECTOR + SECTOR - 1 &&
        laddr + len > vol->tx.min_lsn * SECTOR)
        overlay(&vol->tx, laddr, (void *)buf, len, true);
    return 0;
}
