// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checking and repairing a volume (vmfs-fsck).  Everything vmfs-tools'
 * `debugvmfs check_vol_bitmaps` and `fsck.vmfs` check, and our own
 * invariants: bitmap entries (ids, magic, totals, free counts), every
 * block an inode maps (allocated, owned once, within the file's size),
 * directories ("." and "..", entries naming live inodes of the right
 * generation and type), link counts, block and to-be-zeroed counts,
 * heartbeats and locks left by dead hosts.  Repair rebuilds the bitmaps
 * from what the inodes own, frees orphaned inodes, drops entries naming
 * nothing and corrects counts, all in one journaled transaction.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blkaddr.h"
#include "volume.h"

#define ROOT_ADDR 0x00000004u
#define PB_ENTRIES (VMFS_PTRBLOCK_SIZE / 4u)

enum { BM_FBB, BM_SBC, BM_PBC, BM_FDC, BM_COUNT };

struct fsck {
    struct vmfs_volume *vol;
    bool repair;
    void (*report)(void *ctx, const char *msg);
    void *ctx;
    struct vmfs_check_result *res;
    struct vmfs_bitmap *bm[BM_COUNT];
    uint8_t *allocated[BM_COUNT];   /* what the bitmap says */
    uint32_t *owner[BM_COUNT];      /* inode index + 1 that maps the item; FDC: in use */
    bool *shared[BM_COUNT];         /* mapped more than once */
    bool entry_bad[BM_COUNT];       /* some entry must be rewritten */
    uint32_t *refs;                 /* directory entries naming each inode */
    uint32_t *subdirs;
    uint8_t *visited;
    bool *orphan;
};

static void problem(struct fsck *f, bool fixable, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void problem(struct fsck *f, bool fixable, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    f->res->errors++;
    if (f->repair && fixable) {
        f->res->fixed++;
        strncat(msg, " (fixed)", sizeof msg - strlen(msg) - 1);
    }
    f->report(f->ctx, msg);
}

static bool bit_free(const struct vmfs_bitmap_entry *e, uint32_t i) { return e->bits[i / 8] & (1u << (i % 8)); }

static const char *bm_name(int k) { return (const char *[]){ ".fbb.sf", ".sbc.sf", ".pbc.sf", ".fdc.sf" }[k]; }

static int read_bitmaps(struct fsck *f)
{
    for (int k = 0; k < BM_COUNT; k++) {
        struct vmfs_bitmap *bm = f->bm[k];
        uint32_t total = bm->hdr.total_items;
        f->allocated[k] = calloc(total, 1);
        f->owner[k] = calloc(total, sizeof *f->owner[k]);
        f->shared[k] = calloc(total, sizeof *f->shared[k]);
        if (!f->allocated[k] || !f->owner[k] || !f->shared[k])
            return -ENOMEM;
        uint64_t sum = 0;
        for (uint32_t e = 0; e < bm->entries; e++) {
            uint8_t raw[VMFS_BMP_ENTRY_SIZE];
            uint64_t laddr = 0;
            struct vmfs_bitmap_entry be;
            uint32_t want = e + 1 < bm->entries ? bm->hdr.items_per_entry : total - e * bm->hdr.items_per_entry;
            if (bitmap_entry_laddr(f->vol, bm, e, &laddr) < 0 || meta_read(f->vol, laddr, raw, sizeof raw) < 0) {
                problem(f, false, "%s: bitmap entry %u cannot be read", bm_name(k), e);
                continue;
            }
            vmfs_bitmap_entry_decode(&be, raw);
            bool bad = be.lock.magic != bm->magic || be.id != e || be.total != want;
            if (bad)
                problem(f, true, "%s: bitmap entry %u has a bad header (magic %#x, id %u, total %u; want %#x, %u, %u)",
                        bm_name(k), e, be.lock.magic, be.id, be.total, bm->magic, e, want);
            uint32_t n = want < VMFS_BMP_BITS_MAX ? want : VMFS_BMP_BITS_MAX, nfree = 0;
            for (uint32_t i = 0; i < n; i++) {
                bool fr = bad ? false : bit_free(&be, i);
                nfree += fr;
                f->allocated[k][e * bm->hdr.items_per_entry + i] = !fr;
            }
            if (!bad && nfree != be.free)
                problem(f, true, "%s: bitmap entry %u counts %u free items, its bits say %u", bm_name(k), e, be.free,
                        nfree);
            if (bad || nfree != be.free)
                f->entry_bad[k] = true;
            sum += be.total;
        }
        if (sum != total)
            problem(f, true, "%s: its entries hold %llu items, its header says %u", bm_name(k),
                    (unsigned long long)sum, total);
    }
    return 0;
}

/* Record that inode `who` maps item `index` of bitmap k. */
static void own(struct fsck *f, int k, uint32_t index, uint32_t who, uint32_t addr, uint32_t blk)
{
    if (index >= f->bm[k]->hdr.total_items) {
        problem(f, false, "file descriptor 0x%08x maps %#010x, past the end of %s", addr, blk, bm_name(k));
        return;
    }
    if (f->owner[k][index] && f->owner[k][index] != who + 1) {
        f->shared[k][index] = true;
        uint32_t prev = f->owner[k][index] - 1, ipe = f->vol->fdc.hdr.items_per_entry;
        problem(f, false, "block %#010x is referenced by file descriptors 0x%08x and 0x%08x", blk,
                blk_fd(prev / ipe, prev % ipe), addr);
        return;
    }
    f->owner[k][index] = who + 1;
}

static int blk_item(struct fsck *f, uint32_t blk, int *k, uint32_t *index)
{
    switch (blk_type(blk)) {
    case VMFS_BLK_FB: *k = BM_FBB; *index = blk_fb_number(blk); return 0;
    case VMFS_BLK_SB:
        *k = BM_SBC;
        *index = blk_sb_entry(blk) * f->vol->sbc.hdr.items_per_entry + blk_sb_item(blk);
        return blk_sb_item(blk) < f->vol->sbc.hdr.items_per_entry ? 0 : -1;
    case VMFS_BLK_PB:
        *k = BM_PBC;
        *index = blk_pb_entry(blk) * f->vol->pbc.hdr.items_per_entry + blk_pb_item(blk);
        return blk_pb_item(blk) < f->vol->pbc.hdr.items_per_entry ? 0 : -1;
    default: return -1;
    }
}

/* Every block of one in-use inode: owned, in range, counted. */
static void check_blocks(struct fsck *f, uint32_t who, struct vmfs_inode *ino, bool *dirty)
{
    uint64_t unit = inode_unit(f->vol, ino), units = 0, tbz = 0;
    uint64_t limit = (ino->size + unit - 1) / unit;
    bool past = false, hole = false;
    for (uint32_t i = 0; i < VMFS_INODE_BLOCKS; i++) {
        uint32_t b = ino->blocks[i];
        if (!b) {
            hole |= ino->zla == VMFS_ZLA_SUBBLOCK && i < limit;
            continue;
        }
        int k;
        uint32_t index;
        if (blk_item(f, b, &k, &index) < 0 ||
            (ino->zla == VMFS_ZLA_POINTER ? k != BM_PBC : (ino->zla == VMFS_ZLA_SUBBLOCK ? k != BM_SBC : k != BM_FBB))) {
            problem(f, false, "file descriptor 0x%08x maps a bad block address %#010x", ino->addr, b);
            continue;
        }
        own(f, k, index, who, ino->addr, b);
        if (ino->zla != VMFS_ZLA_POINTER) {
            units++;
            tbz += blk_fb_tbz(b);
            past |= i >= limit;
            continue;
        }
        uint8_t raw[VMFS_PTRBLOCK_SIZE];
        if (index >= f->vol->pbc.hdr.total_items ||
            bitmap_item_io(f->vol, &f->vol->pbc, index, 0, raw, sizeof raw, ITEM_META_READ) < 0)
            continue;
        for (uint32_t e = 0; e < PB_ENTRIES; e++) {
            uint32_t fb = (uint32_t)raw[4 * e] | (uint32_t)raw[4 * e + 1] << 8 | (uint32_t)raw[4 * e + 2] << 16 |
                          (uint32_t)raw[4 * e + 3] << 24;
            if (!fb)
                continue;
            if (blk_type(fb) != VMFS_BLK_FB) {
                problem(f, false, "file descriptor 0x%08x: pointer block %#010x holds a bad address %#010x",
                        ino->addr, b, fb);
                continue;
            }
            own(f, BM_FBB, blk_fb_number(fb), who, ino->addr, fb);
            units++;
            tbz += blk_fb_tbz(fb);
            past |= (uint64_t)i * PB_ENTRIES + e >= limit;
        }
    }
    if (past)
        problem(f, false, "file descriptor 0x%08x maps blocks past its size (%llu bytes)", ino->addr,
                (unsigned long long)ino->size);
    if (hole)
        problem(f, false, "file descriptor 0x%08x: a sub-block file with a hole (vmfs-tools reads it wrong)", ino->addr);
    if (ino->blk_count != units) {
        problem(f, true, "file descriptor 0x%08x counts %llu blocks, maps %llu", ino->addr,
                (unsigned long long)ino->blk_count, (unsigned long long)units);
        ino->blk_count = units;
        *dirty = true;
    }
    if (ino->tbz != tbz) {
        problem(f, true, "file descriptor 0x%08x counts %u to-be-zeroed blocks, maps %llu", ino->addr, ino->tbz,
                (unsigned long long)tbz);
        ino->tbz = (uint32_t)tbz;
        *dirty = true;
    }
}

static int read_inode(struct fsck *f, uint32_t index, struct vmfs_inode *ino)
{
    uint64_t laddr = 0;
    uint8_t raw[VMFS_INODE_SIZE];
    if (bitmap_item_laddr(f->vol, &f->vol->fdc, index, &laddr) < 0 || meta_read(f->vol, laddr, raw, sizeof raw) < 0)
        return -EIO;
    vmfs_inode_decode(ino, raw);
    uint32_t addr = blk_fd(index / f->vol->fdc.hdr.items_per_entry, index % f->vol->fdc.hdr.items_per_entry);
    return ino->lock.magic == VMFS_INODE_MAGIC && ino->nlink > 0 && ino->addr == addr ? 1 : 0;
}

/* A lock whose owner is gone is cleared in place (under the reservation). */
static void clear_stale_lock(struct fsck *f, uint32_t index)
{
    uint64_t laddr = 0;
    uint8_t sector[VMFS_LOCK_SIZE];
    if (bitmap_item_laddr(f->vol, &f->vol->fdc, index, &laddr) < 0)
        return;
    device_reserve(&f->vol->dev);
    if (device_read(&f->vol->dev, VMFS_DATA_OFFSET + laddr, sector, sizeof sector) == 0) {
        struct vmfs_lock l;
        vmfs_lock_decode(&l, sector);
        l.mode = 0;
        memset(&l.owner, 0, sizeof l.owner);
        l.token++;
        uint8_t rest[VMFS_LOCK_SIZE];
        memcpy(rest, sector, sizeof rest);
        vmfs_lock_encode(&l, sector);
        memcpy(sector + 0x44, rest + 0x44, VMFS_LOCK_SIZE - 0x44);
        device_write(&f->vol->dev, VMFS_DATA_OFFSET + laddr, sector, sizeof sector);
    }
    device_release(&f->vol->dev);
}

static int scan_inodes(struct fsck *f)
{
    uint32_t total = f->vol->fdc.hdr.total_items;
    for (uint32_t i = 0; i < total; i++) {
        struct vmfs_inode ino;
        int live = read_inode(f, i, &ino);
        if (live < 0) {
            problem(f, false, ".fdc.sf: item %u cannot be read", i);
            continue;
        }
        if (!live)
            continue;
        f->owner[BM_FDC][i] = i + 1;
        if (ino.type < VMFS_TYPE_DIR || ino.type > VMFS_TYPE_RDM || ino.type == VMFS_TYPE_RDM ||
            (ino.zla != VMFS_ZLA_DIRECT && ino.zla != VMFS_ZLA_SUBBLOCK && ino.zla != VMFS_ZLA_POINTER) ||
            ino.blk_size != (ino.zla == VMFS_ZLA_SUBBLOCK ? VMFS_SUBBLOCK_SIZE : f->vol->block_size)) {
            problem(f, false, "file descriptor 0x%08x: bad type, addressing mode or block size", ino.addr);
            continue;
        }
        if (ino.lock.mode) {
            struct vmfs_heartbeat hb;
            uint8_t raw[VMFS_HB_SIZE];
            bool owner_live = ino.lock.hb_pos >= VMFS_HB_ADDR &&
                              device_read(&f->vol->dev, VMFS_DATA_OFFSET + ino.lock.hb_pos, raw, sizeof raw) == 0 &&
                              (vmfs_heartbeat_decode(&hb, raw), hb.state == VMFS_HB_LIVE && hb.gen == ino.lock.hb_gen);
            if (!owner_live) {
                /* Not damage: a host that died holds locks until someone
                 * needs the object and breaks them.  Cleared by -y. */
                char uuid[36], msg[160];
                vmfs_uuid_format(&ino.lock.owner, uuid);
                snprintf(msg, sizeof msg, "note: file descriptor 0x%08x is still locked by host %s, which is gone%s",
                         ino.addr, uuid, f->repair ? " (cleared)" : "");
                f->report(f->ctx, msg);
                f->res->notes++;
                if (f->repair)
                    clear_stale_lock(f, i);
            }
        }
        bool dirty = false;
        check_blocks(f, i, &ino, &dirty);
        if (dirty && f->repair)
            inode_write(f->vol, &ino);
    }
    return 0;
}

struct walk {
    struct fsck *f;
    struct vmfs_inode *dir;
    uint32_t parent;
    int dots, dotdots;
    uint64_t *removals;
    size_t nremovals, cap;
};

static int walk_entry(void *ctx, const struct vmfs_dirent *ent, uint64_t index)
{
    struct walk *w = ctx;
    struct fsck *f = w->f;
    struct vmfs_volume *vol = f->vol;
    if (!strcmp(ent->name, ".") || !strcmp(ent->name, "..")) {
        bool dot = ent->name[1] == '\0';
        uint32_t want = dot ? w->dir->addr : w->parent;
        *(dot ? &w->dots : &w->dotdots) += 1;
        if (ent->addr != want)
            problem(f, false, "directory 0x%08x: \"%s\" names 0x%08x, not 0x%08x", w->dir->addr, ent->name, ent->addr,
                    want);
        return 0;
    }
    uint32_t e = blk_fd_entry(ent->addr), it = blk_fd_item(ent->addr);
    uint64_t target = (uint64_t)e * vol->fdc.hdr.items_per_entry + it;
    bool bad = blk_type(ent->addr) != VMFS_BLK_FD || it >= vol->fdc.hdr.items_per_entry ||
               target >= vol->fdc.hdr.total_items || !f->owner[BM_FDC][target];
    if (bad) {
        problem(f, true, "directory 0x%08x: entry \"%s\" names no file (0x%08x)", w->dir->addr, ent->name, ent->addr);
        if (w->nremovals == w->cap) {
            size_t cap = w->cap ? w->cap * 2 : 16;
            uint64_t *r = realloc(w->removals, cap * sizeof *r);
            if (!r)
                return -ENOMEM;
            w->removals = r;
            w->cap = cap;
        }
        w->removals[w->nremovals++] = index;
        return 0;
    }
    struct vmfs_inode ino;
    read_inode(f, (uint32_t)target, &ino);
    if (ent->gen != ino.gen)
        problem(f, false, "directory 0x%08x: entry \"%s\" has generation %u, its file %u", w->dir->addr, ent->name,
                ent->gen, ino.gen);
    if (ent->type != ino.type)
        problem(f, false, "directory 0x%08x: entry \"%s\" says type %u, its file is %u", w->dir->addr, ent->name,
                ent->type, ino.type);
    f->refs[target]++;
    if (ino.type == VMFS_TYPE_DIR)
        f->subdirs[w->dir->addr == ROOT_ADDR ? 0 : (blk_fd_entry(w->dir->addr) * vol->fdc.hdr.items_per_entry +
                                                      blk_fd_item(w->dir->addr))]++;
    return 0;
}

static void walk_dir(struct fsck *f, uint32_t index, uint32_t parent, unsigned depth)
{
    struct vmfs_volume *vol = f->vol;
    struct vmfs_inode dir;
    if (read_inode(f, index, &dir) != 1 || dir.type != VMFS_TYPE_DIR)
        return;
    if (f->visited[index]) {
        problem(f, false, "directory 0x%08x is reached twice (a loop or a hard-linked directory)", dir.addr);
        return;
    }
    f->visited[index] = 1;
    if (dir.size % VMFS_DIRENT_SIZE) {
        problem(f, false, "directory 0x%08x: size %llu is not a whole number of entries", dir.addr,
                (unsigned long long)dir.size);
        return;
    }
    struct walk w = { .f = f, .dir = &dir, .parent = parent };
    dir_each(vol, &dir, walk_entry, &w);
    if (w.dots != 1 || w.dotdots != 1)
        problem(f, false, "directory 0x%08x has %d \".\" and %d \"..\" entries", dir.addr, w.dots, w.dotdots);
    if (f->repair)
        for (size_t i = w.nremovals; i-- > 0;)
            dir_remove(vol, &dir, w.removals[i]);
    free(w.removals);
    if (depth > 256)
        return;
    /* Recurse through the (possibly repaired) entries. */
    uint64_t n = dir.size / VMFS_DIRENT_SIZE;
    for (uint64_t i = 0; i < n; i++) {
        uint8_t raw[VMFS_DIRENT_SIZE];
        struct vmfs_dirent ent;
        if (file_pread(vol, &dir, raw, sizeof raw, i * VMFS_DIRENT_SIZE) != (int)sizeof raw)
            break;
        vmfs_dirent_decode(&ent, raw);
        if (ent.type != VMFS_TYPE_DIR || !strcmp(ent.name, ".") || !strcmp(ent.name, ".."))
            continue;
        uint64_t t = (uint64_t)blk_fd_entry(ent.addr) * vol->fdc.hdr.items_per_entry + blk_fd_item(ent.addr);
        if (blk_type(ent.addr) == VMFS_BLK_FD && t < vol->fdc.hdr.total_items)
            walk_dir(f, (uint32_t)t, dir.addr, depth + 1);
    }
}

static void check_links(struct fsck *f)
{
    struct vmfs_volume *vol = f->vol;
    for (uint32_t i = 0; i < vol->fdc.hdr.total_items; i++) {
        if (!f->owner[BM_FDC][i])
            continue;
        struct vmfs_inode ino;
        if (read_inode(f, i, &ino) != 1)
            continue;
        if (i != 0 && f->refs[i] == 0) {
            problem(f, true, "file descriptor 0x%08x is orphaned (no directory names it)", ino.addr);
            f->orphan[i] = true;
            continue;
        }
        uint32_t want = ino.type == VMFS_TYPE_DIR ? 2 + f->subdirs[i] : f->refs[i];
        if (ino.nlink != want) {
            problem(f, true, "file descriptor 0x%08x has link count %u, %u links found", ino.addr, ino.nlink, want);
            if (f->repair) {
                ino.nlink = want;
                inode_write(vol, &ino);
            }
        }
    }
}

/* Orphans give back what they own (unless another file maps it too). */
static void free_orphans(struct fsck *f)
{
    struct vmfs_volume *vol = f->vol;
    for (uint32_t i = 0; i < vol->fdc.hdr.total_items; i++) {
        if (!f->orphan[i])
            continue;
        for (int k = BM_FBB; k <= BM_PBC; k++)
            for (uint32_t n = 0; n < f->bm[k]->hdr.total_items; n++)
                if (f->owner[k][n] == i + 1 && !f->shared[k][n])
                    f->owner[k][n] = 0;
        f->owner[BM_FDC][i] = 0;
        if (f->repair) {
            struct vmfs_inode ino;
            read_inode(f, i, &ino);
            struct vmfs_inode dead = { .addr = ino.addr, .gen = ino.gen, .type = ino.type, .zla = VMFS_ZLA_DIRECT,
                                       .blk_size = vol->block_size };
            inode_write(vol, &dead);
        }
    }
}

static int ignore_sector(struct vmfs_volume *vol, uint64_t lsn, const uint8_t *data)
{
    (void)vol, (void)lsn, (void)data;
    return 0;
}

static void compare_bitmaps(struct fsck *f)
{
    struct vmfs_volume *vol = f->vol;
    /* Live hosts' journals (ours too) are allocated but mapped by no inode. */
    for (unsigned s = 0; s < VMFS_HB_SLOTS; s++) {
        uint8_t raw[VMFS_HB_SIZE];
        struct vmfs_heartbeat hb;
        uint64_t pos = VMFS_HB_ADDR + (uint64_t)s * VMFS_HB_SIZE;
        if (device_read(&vol->dev, VMFS_DATA_OFFSET + pos, raw, sizeof raw) < 0)
            break;
        vmfs_heartbeat_decode(&hb, raw);
        if (hb.state != VMFS_HB_LIVE)
            continue;
        char uuid[36];
        vmfs_uuid_format(&hb.owner, uuid);
        if (pos != vol->hb_addr && !heartbeat_is_live(vol, &hb))
            problem(f, false, "heartbeat slot %u: host %s died with the volume open (open it read-write to recover)",
                    s, uuid);
        uint32_t blocks[VMFS_JOURNAL_MAX_BLOCKS], nb = 0;
        if (hb.journal && journal_replay(vol, hb.journal, &hb.owner, ignore_sector, blocks, &nb) >= 0)
            for (uint32_t b = 0; b < nb; b++)
                if (blk_fb_number(blocks[b]) < vol->fbb.hdr.total_items && !f->owner[BM_FBB][blk_fb_number(blocks[b])])
                    f->owner[BM_FBB][blk_fb_number(blocks[b])] = UINT32_MAX;
    }
    for (int k = 0; k < BM_COUNT; k++) {
        struct vmfs_bitmap *bm = f->bm[k];
        unsigned lost = 0, unallocated = 0;
        for (uint32_t n = 0; n < bm->hdr.total_items; n++) {
            bool used = f->owner[k][n] != 0;
            if (used && !f->allocated[k][n]) {
                if (unallocated++ < 20)
                    problem(f, true, "%s: item %u is used but not allocated", bm_name(k), n);
                else
                    f->res->errors++, f->res->fixed += f->repair;
                f->entry_bad[k] = true;
            } else if (!used && f->allocated[k][n]) {
                if (lost++ < 20)
                    problem(f, true, "%s: item %u is allocated but nothing uses it (lost)", bm_name(k), n);
                else
                    f->res->errors++, f->res->fixed += f->repair;
                f->entry_bad[k] = true;
            }
        }
        if (lost > 20 || unallocated > 20)
            f->report(f->ctx, "(further items of the same kind not listed)");
    }
}

/* Rewrite every bitmap entry from what is in use. */
static void rebuild_bitmaps(struct fsck *f)
{
    struct vmfs_volume *vol = f->vol;
    for (int k = 0; k < BM_COUNT; k++) {
        if (!f->entry_bad[k])
            continue;
        struct vmfs_bitmap *bm = f->bm[k];
        for (uint32_t e = 0; e < bm->entries; e++) {
            uint64_t laddr = 0;
            uint8_t raw[VMFS_BMP_ENTRY_SIZE];
            if (bitmap_entry_laddr(vol, bm, e, &laddr) < 0 || lock_object(vol, laddr) < 0 ||
                meta_read(vol, laddr, raw, sizeof raw) < 0)
                continue;
            struct vmfs_bitmap_entry be;
            vmfs_bitmap_entry_decode(&be, raw);
            be.lock.magic = bm->magic;
            be.lock.pos = laddr;
            be.id = e;
            be.total = e + 1 < bm->entries ? bm->hdr.items_per_entry
                                           : bm->hdr.total_items - e * bm->hdr.items_per_entry;
            be.free = 0;
            be.first_free = 0;
            memset(be.bits, 0, sizeof be.bits);
            bool any = false;
            for (uint32_t i = 0; i < be.total; i++) {
                uint32_t n = e * bm->hdr.items_per_entry + i;
                bool used = f->owner[k][n] != 0;
                if (used)
                    continue;
                be.bits[i / 8] |= (uint8_t)(1u << (i % 8));
                be.free++;
                if (!any)
                    be.first_free = i, any = true;
            }
            uint8_t lock[VMFS_LOCK_SIZE];
            memcpy(lock, raw, sizeof lock);
            vmfs_bitmap_entry_encode(&be, raw);
            memcpy(raw + 8, lock + 8, VMFS_LOCK_SIZE - 8);     /* keep the lock, set magic and position */
            meta_write(vol, laddr, raw, sizeof raw);
        }
    }
}

int vmfs_check(struct vmfs_volume *vol, bool repair, void (*report)(void *ctx, const char *msg), void *ctx,
               struct vmfs_check_result *res)
{
    memset(res, 0, sizeof *res);
    if (repair && !vol->dev.read_write)
        return vol_fail(vol, EROFS, "repairing needs the volume open read-write");
    struct fsck f = { .vol = vol, .repair = repair, .report = report, .ctx = ctx, .res = res,
                      .bm = { &vol->fbb, &vol->sbc, &vol->pbc, &vol->fdc } };
    uint32_t ninodes = vol->fdc.hdr.total_items;
    f.refs = calloc(ninodes, sizeof *f.refs);
    f.subdirs = calloc(ninodes, sizeof *f.subdirs);
    f.visited = calloc(ninodes, 1);
    f.orphan = calloc(ninodes, sizeof *f.orphan);
    int r = f.refs && f.subdirs && f.visited && f.orphan ? read_bitmaps(&f) : -ENOMEM;
    if (r == 0)
        r = scan_inodes(&f);
    if (r == 0) {
        if (!f.owner[BM_FDC][0])
            problem(&f, false, "the root directory (0x00000004) is not a live inode");
        else
            walk_dir(&f, 0, ROOT_ADDR, 0);
        check_links(&f);
        free_orphans(&f);
        compare_bitmaps(&f);
        if (repair) {
            rebuild_bitmaps(&f);
            r = vmfs_sync(vol);
        }
    }
    for (int k = 0; k < BM_COUNT; k++) {
        free(f.allocated[k]);
        free(f.owner[k]);
        free(f.shared[k]);
    }
    free(f.refs);
    free(f.subdirs);
    free(f.visited);
    free(f.orphan);
    return r == -ENOMEM ? vol_fail(vol, ENOMEM, "out of memory") : r;
}
