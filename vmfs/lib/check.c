// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmfs-fsck's checker: vmfs_check_volume().
 *
 * Checks everything vmfs-tools' `debugvmfs check_vol_bitmaps` and
 * `fsck.vmfs` check (bitmap entries; every block an in-use inode maps,
 * allocated and mapped once; allocated items nobody maps; directory
 * entries naming nothing; inodes no directory names; "." and ".."), and
 * our own invariants: an entry's generation and type are its inode's, link
 * counts, block and to-be-zeroed counts, no block past the end of a file,
 * no hole in a sub-block file, addressing modes and block sizes, directory
 * sizes, heartbeats of hosts that died, locks of hosts that are gone.
 *
 * It works in passes, reading everything before it writes anything:
 *   1. the bitmap entries, as found;
 *   2. every file descriptor: which are in use (magic and a link, as
 *      vmfs-tools decides), their type and addressing mode;
 *   3. the directory tree from the root, iteratively (no depth limit),
 *      by the inodes' types, not the entries' (a wrong entry type must not
 *      hide a subtree); repairs of directories are planned, not made;
 *   4. each in-use inode's blocks, owned in per-bitmap tables;
 *   5. repairs (with VMFS_CHECK_REPAIR): inode fields, link counts,
 *      orphans, directory entries, then every bitmap entry that differs
 *      from what the files own, through meta_write, committed by vmfs_sync.
 *
 * Repair never frees what it cannot prove unused: orphans are freed only
 * when the whole tree could be read and they share no block; lost items
 * only when every in-use inode's map could be read.  Blocks two files map
 * are reported, not guessed about.  The volume is open without a journal
 * of our own (vmfs_open_options.no_journal): a journal would have to be
 * allocated from bitmaps not yet checked.  Repairs are idempotent, so a
 * run cut short is finished by running again.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blkaddr.h"
#include "volume.h"

#define ROOT_INDEX 0u
#define PB_ENTRIES (VMFS_PTRBLOCK_SIZE / 4u)
#define NONE UINT32_MAX
#define LIST_MAX 64u                /* items of one kind listed per bitmap */
#define DIR_CHUNK 256u              /* directory entries read at once */

enum { FBB, SBC, PBC, FDC, NBM };
static const char *const bm_name[NBM] = { ".fbb.sf", ".sbc.sf", ".pbc.sf", ".fdc.sf" };

/* owner[] values besides inode index + 1. */
#define OWNER_JOURNAL UINT32_MAX            /* a live host's journal */
#define OWNER_RELEASED (UINT32_MAX - 1)     /* unmapped by a repair: to be freed */

/* alloc[] values. */
enum { A_FREE = 0, A_ALLOCATED = 1, A_UNKNOWN = 2 };

enum inode_state { I_FREE, I_LIVE, I_UNREADABLE };

enum {
    F_SHARED = 1,       /* maps a block another inode maps too */
    F_BADMAP = 2,       /* its block map cannot be trusted whole */
    F_REACHED = 4,      /* a directory that was walked */
    F_FREED = 8,        /* freed as an orphan */
    F_PARTIAL = 16,     /* a directory whose entries could not all be read */
};

struct ino_info {
    uint32_t gen, nlink;
    uint32_t refs;              /* names in walked directories ("." and ".." aside) */
    uint32_t subdirs;           /* for a directory: entries naming directories */
    uint32_t parent;            /* index of the directory that first named it */
    char *name;                 /* that name */
    uint8_t state, type, zla, flags;    /* zla: effective mode, 0 if unknown */
};

enum dirfix_op { FIX_SET, FIX_REMOVE, FIX_ADD, FIX_SIZE };

struct dirfix {
    uint32_t dir;               /* inode index */
    uint8_t op;
    uint64_t index;             /* entry index (FIX_SET, FIX_REMOVE) or new size (FIX_SIZE) */
    struct vmfs_dirent ent;
};

struct genfix {                 /* an entry whose generation is not its inode's */
    uint32_t dir, target;
    uint64_t index;
    struct vmfs_dirent ent;
    bool can;                   /* the directory may be repaired */
};

struct lockref {
    uint64_t laddr;
    struct vmfs_lock lock;
    int bm;                     /* FDC item or bitmap entry of bm */
    uint32_t id;                /* inode index or entry number */
    bool entry;
};

struct chk {
    struct vmfs_volume *vol;
    bool repair;
    void (*report)(void *ctx, const char *msg);
    void *ctx;
    struct vmfs_check_stats *st;
    struct vmfs_bitmap *bm[NBM];
    uint8_t *alloc[NBM];        /* as the bitmap says (A_*) */
    uint32_t *owner[NBM];       /* inode index + 1 that maps the item, or OWNER_* */
    uint8_t *shared[NBM];
    bool entry_bad[NBM];        /* an entry's header, count or stray bits are wrong */
    bool *entry_untrusted[NBM]; /* per entry: header wrong, bits meaningless */
    struct ino_info *ino;
    uint32_t ninodes;
    bool walk_incomplete;       /* a directory could not be read: orphans stay */
    bool maps_incomplete;       /* an inode's map could not be read: lost items stay */
    struct dirfix *fixes;
    size_t nfixes, fixes_cap;
    struct lockref *locks;
    size_t nlocks, locks_cap;
    struct genfix *gens;
    size_t ngens, gens_cap;
    uint8_t *hb;                /* the heartbeat region */
    int err;                    /* first operational error (negative errno) */
};

/* ------------------------------------------------------------------ */
/* Reporting                                                           */

static void say(struct chk *c, const char *prefix, const char *fmt, va_list ap, const char *suffix)
{
    char msg[1024];
    size_t p = prefix ? strlen(prefix) : 0;
    if (p)
        memcpy(msg, prefix, p + 1);
    vsnprintf(msg + p, sizeof msg - p, fmt, ap);
    if (suffix)
        strncat(msg, suffix, sizeof msg - strlen(msg) - 1);
    c->report(c->ctx, msg);
}

/* A problem; `fixed` says whether this run repairs it. */
static void problem(struct chk *c, bool fixable, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void problem(struct chk *c, bool fixable, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    c->st->errors++;
    bool fixed = c->repair && fixable;
    c->st->fixed += fixed;
    say(c, NULL, fmt, ap, fixed ? " (fixed)" : NULL);
    va_end(ap);
}

/* A problem whose repair is `action` ("removed"): said only when made. */
static void problem_do(struct chk *c, bool fixable, const char *action, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void problem_do(struct chk *c, bool fixable, const char *action, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    c->st->errors++;
    bool fixed = c->repair && fixable;
    c->st->fixed += fixed;
    char suffix[96];
    snprintf(suffix, sizeof suffix, " (fixed: %s)", action);
    say(c, NULL, fmt, ap, fixed ? suffix : NULL);
    va_end(ap);
}

static void note(struct chk *c, bool fixed, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note(struct chk *c, bool fixed, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    c->st->notes++;
    c->st->notes_fixed += fixed;
    say(c, "note: ", fmt, ap, fixed ? " (cleared)" : NULL);
    va_end(ap);
}

static void op_error(struct chk *c, int r)
{
    if (r < 0 && c->err == 0)
        c->err = r;
}

/* ------------------------------------------------------------------ */
/* Addresses and names                                                 */

static uint32_t ipe_fdc(const struct chk *c) { return c->vol->fdc.hdr.items_per_entry; }

static uint32_t fd_addr(const struct chk *c, uint32_t index)
{
    return blk_fd(index / ipe_fdc(c), index % ipe_fdc(c));
}

/* The inode index an FD address names, or NONE. */
static uint32_t fd_index(const struct chk *c, uint32_t addr)
{
    if (blk_type(addr) != VMFS_BLK_FD || blk_fd_item(addr) >= ipe_fdc(c))
        return NONE;
    uint64_t i = (uint64_t)blk_fd_entry(addr) * ipe_fdc(c) + blk_fd_item(addr);
    return i < c->ninodes ? (uint32_t)i : NONE;
}

/* The block address of item `n` of bitmap k. */
static uint32_t item_addr(const struct chk *c, int k, uint32_t n)
{
    uint32_t ipe = c->bm[k]->hdr.items_per_entry;
    switch (k) {
    case FBB: return blk_fb(n);
    case SBC: return blk_sb(n / ipe, n % ipe);
    case PBC: return blk_pb(n / ipe, n % ipe);
    default: return blk_fd(n / ipe, n % ipe);
    }
}

/* Bitmap and item index of a block address; -1 if it names no item of this volume. */
static int blk_item(const struct chk *c, uint32_t blk, int *k, uint32_t *index)
{
    uint64_t i;
    switch (blk_type(blk)) {
    case VMFS_BLK_FB:
        *k = FBB;
        i = blk_fb_number(blk);
        break;
    case VMFS_BLK_SB:
        *k = SBC;
        if (blk_sb_item(blk) >= c->vol->sbc.hdr.items_per_entry)
            return -1;
        i = (uint64_t)blk_sb_entry(blk) * c->vol->sbc.hdr.items_per_entry + blk_sb_item(blk);
        break;
    case VMFS_BLK_PB:
        *k = PBC;
        if (blk_pb_item(blk) >= c->vol->pbc.hdr.items_per_entry)
            return -1;
        i = (uint64_t)blk_pb_entry(blk) * c->vol->pbc.hdr.items_per_entry + blk_pb_item(blk);
        break;
    default: return -1;
    }
    if (i >= c->bm[*k]->hdr.total_items)
        return -1;
    *index = (uint32_t)i;
    return 0;
}

/* "/dir/name" of an inode reached by the walk; false if it was not. */
static bool path_of(const struct chk *c, uint32_t i, char *out, size_t size)
{
    if (i == ROOT_INDEX) {
        snprintf(out, size, "/");
        return true;
    }
    const char *parts[512];
    unsigned n = 0;
    for (uint32_t cur = i; cur != ROOT_INDEX; cur = c->ino[cur].parent) {
        if (cur >= c->ninodes || !c->ino[cur].name || n == 512)
            return false;
        parts[n++] = c->ino[cur].name;
    }
    size_t len = 0;
    out[0] = '\0';
    while (n-- > 0) {
        int w = snprintf(out + len, size - len, "/%s", parts[n]);
        if (w < 0 || (size_t)w >= size - len) {
            snprintf(out + (size > 4 ? size - 4 : 0), size > 4 ? 4 : size, "...");
            return true;
        }
        len += (size_t)w;
    }
    return true;
}

/* "0x02800004 (/vm/c)", or the address alone when no path is known. */
struct who { char s[600]; };
static struct who who(const struct chk *c, uint32_t i)
{
    struct who w;
    char path[560];
    if (i < c->ninodes && path_of(c, i, path, sizeof path))
        snprintf(w.s, sizeof w.s, "0x%08x (%s)", fd_addr(c, i), path);
    else
        snprintf(w.s, sizeof w.s, "0x%08x", i < c->ninodes ? fd_addr(c, i) : 0u);
    return w;
}

static const char *type_name(uint32_t t)
{
    switch (t) {
    case VMFS_TYPE_DIR: return "directory";
    case VMFS_TYPE_FILE: return "file";
    case VMFS_TYPE_SYMLINK: return "symlink";
    case VMFS_TYPE_SYSFILE: return "system file";
    case VMFS_TYPE_RDM: return "raw device mapping";
    default: return "inode of unknown type";
    }
}

static bool type_valid(uint32_t t) { return t >= VMFS_TYPE_DIR && t <= VMFS_TYPE_RDM; }

/* ------------------------------------------------------------------ */
/* Raw access                                                          */

static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

/* Logical address of byte `off` of a bitmap file (len bytes in one block). */
static int sysfile_laddr(const struct chk *c, const struct vmfs_bitmap *bm, uint64_t off, uint64_t len, uint64_t *laddr)
{
    uint64_t bs = c->vol->block_size, idx = off / bs;
    if (idx >= bm->nblocks || off % bs + len > bs)
        return -EIO;
    *laddr = (uint64_t)blk_fb_number(bm->blocks[idx]) * bs + off % bs;
    return 0;
}

/* An inode as found, with its address and (when known) addressing mode
 * put right in memory, so that the library's block-map code can read it. */
static int load_inode(struct chk *c, uint32_t i, struct vmfs_inode *ino, uint8_t raw[VMFS_INODE_SIZE])
{
    uint64_t laddr = 0;
    uint8_t buf[VMFS_INODE_SIZE];
    if (!raw)
        raw = buf;
    int r = bitmap_item_laddr(c->vol, &c->vol->fdc, i, &laddr);
    if (r < 0 || (r = meta_read(c->vol, laddr, raw, VMFS_INODE_SIZE)) < 0)
        return r < 0 ? r : -EIO;
    vmfs_inode_decode(ino, raw);
    return 0;
}

static void normalize(const struct chk *c, uint32_t i, struct vmfs_inode *ino)
{
    ino->addr = fd_addr(c, i);
    uint8_t z = c->ino[i].zla;
    if (z) {
        ino->zla = z;
        ino->blk_size = z == VMFS_ZLA_SUBBLOCK ? VMFS_SUBBLOCK_SIZE : c->vol->block_size;
    }
}

static int read_pb(struct chk *c, uint32_t pb, uint8_t raw[VMFS_PTRBLOCK_SIZE])
{
    int k;
    uint32_t index;
    if (blk_item(c, pb, &k, &index) < 0 || k != PBC)
        return -EIO;
    return bitmap_item_io(c->vol, &c->vol->pbc, index, 0, raw, VMFS_PTRBLOCK_SIZE, ITEM_META_READ);
}

/* Bytes from 0 up to the end of the last mapped unit. */
static uint64_t mapped_end(struct chk *c, const struct vmfs_inode *ino)
{
    uint64_t unit = inode_unit(c->vol, ino);
    for (uint32_t i = VMFS_INODE_BLOCKS; i-- > 0;) {
        if (!ino->blocks[i])
            continue;
        if (ino->zla != VMFS_ZLA_POINTER)
            return (uint64_t)(i + 1) * unit;
        uint8_t raw[VMFS_PTRBLOCK_SIZE];
        if (read_pb(c, ino->blocks[i], raw) < 0)
            return (uint64_t)(i + 1) * PB_ENTRIES * c->vol->block_size;
        for (uint32_t e = PB_ENTRIES; e-- > 0;)
            if (le32(raw + 4 * e))
                return ((uint64_t)i * PB_ENTRIES + e + 1) * c->vol->block_size;
    }
    return 0;
}

/* Write `len` bytes of a directory at `off`, inside blocks it already
 * maps (never allocating: the bitmaps are not to be trusted yet). */
static int dir_write_at(struct chk *c, struct vmfs_inode *dir, uint64_t off, const uint8_t *buf, size_t len)
{
    struct vmfs_volume *vol = c->vol;
    while (len) {
        uint64_t unit = inode_unit(vol, dir), in = off % unit;
        size_t n = len < unit - in ? len : (size_t)(unit - in);
        uint32_t blk = 0, index = 0;
        uint64_t laddr = 0;
        int r = inode_get_block(vol, dir, off, &blk);
        if (r < 0)
            return r;
        if (!blk || blk_fb_tbz(blk))
            return vol_fail(vol, EIO, "directory %#010x has no block at byte %llu", dir->addr,
                            (unsigned long long)off);
        if (blk_type(blk) == VMFS_BLK_FB) {
            if ((r = fb_laddr(vol, blk, &laddr)) < 0 || (r = meta_write(vol, laddr + in, buf, n)) < 0)
                return r;
        } else if (blk_type(blk) == VMFS_BLK_SB) {
            if ((r = sb_index(vol, blk, &index)) < 0 ||
                (r = bitmap_item_io(vol, &vol->sbc, index, (uint32_t)in, (void *)buf, n, ITEM_META_WRITE)) < 0)
                return r;
        } else {
            return vol_fail(vol, EIO, "directory %#010x maps a bad block address %#010x", dir->addr, blk);
        }
        buf += n, off += n, len -= n;
    }
    return 0;
}

/* Read `len` bytes of a file at `off`, ignoring its size. */
static int read_any(struct chk *c, const struct vmfs_inode *ino, uint64_t off, void *buf, size_t len)
{
    struct vmfs_inode copy = *ino;
    copy.size = off + len;
    int r = file_pread(c->vol, &copy, buf, len, off);
    return r < 0 ? r : (r == (int)len ? 0 : -EIO);
}

/* ------------------------------------------------------------------ */
/* Heartbeats and locks                                                */

static bool valid_slot(uint64_t pos)
{
    return pos >= VMFS_HB_ADDR && pos < VMFS_HB_ADDR + (uint64_t)VMFS_HB_SLOTS * VMFS_HB_SIZE &&
           (pos - VMFS_HB_ADDR) % VMFS_HB_SIZE == 0;
}

static void slot_decode(const struct chk *c, unsigned s, struct vmfs_heartbeat *hb)
{
    vmfs_heartbeat_decode(hb, c->hb + (size_t)s * VMFS_HB_SIZE);
}

static void remember_lock(struct chk *c, const uint8_t *sector, uint64_t laddr, int bm, uint32_t id, bool entry)
{
    struct vmfs_lock l;
    vmfs_lock_decode(&l, sector);
    if (l.mode == 0)
        return;
    if (c->nlocks == c->locks_cap) {
        size_t cap = c->locks_cap ? c->locks_cap * 2 : 16;
        struct lockref *n = realloc(c->locks, cap * sizeof *n);
        if (!n) {
            op_error(c, -ENOMEM);
            return;
        }
        c->locks = n;
        c->locks_cap = cap;
    }
    c->locks[c->nlocks++] = (struct lockref){ .laddr = laddr, .lock = l, .bm = bm, .id = id, .entry = entry };
}

static int read_heartbeats(struct chk *c)
{
    c->hb = malloc((size_t)VMFS_HB_SLOTS * VMFS_HB_SIZE);
    if (!c->hb)
        return -ENOMEM;
    if (device_read(&c->vol->dev, VMFS_DATA_OFFSET + VMFS_HB_ADDR, c->hb, (size_t)VMFS_HB_SLOTS * VMFS_HB_SIZE) < 0)
        return vol_fail(c->vol, EIO, "cannot read the heartbeat region");
    return 0;
}

static void check_heartbeats(struct chk *c)
{
    struct vmfs_volume *vol = c->vol;
    for (unsigned s = 0; s < VMFS_HB_SLOTS; s++) {
        struct vmfs_heartbeat hb;
        slot_decode(c, s, &hb);
        uint64_t pos = VMFS_HB_ADDR + (uint64_t)s * VMFS_HB_SIZE;
        if (pos == vol->hb_addr)
            continue;
        char uuid[36];
        vmfs_uuid_format(&hb.owner, uuid);
        if (hb.state != VMFS_HB_LIVE && hb.state != VMFS_HB_FREE) {
            problem(c, true, "heartbeat slot %u: bad state %#010x", s, hb.state);
            if (c->repair) {
                struct vmfs_heartbeat fresh = { .state = VMFS_HB_FREE, .pos = pos, .gen = hb.gen };
                uint8_t raw[VMFS_HB_SIZE];
                memcpy(raw, c->hb + (size_t)s * VMFS_HB_SIZE, sizeof raw);
                vmfs_heartbeat_encode(&fresh, raw);
                device_reserve(&vol->dev);
                op_error(c, device_write(&vol->dev, VMFS_DATA_OFFSET + pos, raw, sizeof raw));
                device_release(&vol->dev);
            }
            continue;
        }
        if (hb.state != VMFS_HB_LIVE)
            continue;
        if (hb.pos != pos)
            problem(c, false, "heartbeat slot %u (host %s): its position field says %#llx", s, uuid,
                    (unsigned long long)hb.pos);
        if (heartbeat_is_live(vol, &hb)) {
            note(c, false, "host %s has the volume open (heartbeat slot %u): what it has not written yet may "
                           "show as damage", uuid, s);
            continue;
        }
        /* Opening read-write (-y) replays the journal and frees the slot. */
        problem(c, false, "heartbeat slot %u: host %s died with the volume open (its heartbeat is stale; "
                          "its journal is replayed when the volume is opened read-write)", s, uuid);
    }
}

/* Locks whose owner's heartbeat slot is free, re-claimed or no slot at all. */
static void check_locks(struct chk *c)
{
    struct vmfs_volume *vol = c->vol;
    for (size_t n = 0; n < c->nlocks; n++) {
        struct lockref *l = &c->locks[n];
        const char *why = NULL;
        /* Read before this run locked anything: a lock naming the slot it
         * holds was left by the slot's previous owner. */
        if (vol->hb_addr && l->lock.hb_pos == vol->hb_addr) {
            why = "whose heartbeat slot this run has claimed since";
        } else if (!valid_slot(l->lock.hb_pos)) {
            why = "names no heartbeat slot";
        } else {
            struct vmfs_heartbeat hb;
            slot_decode(c, (unsigned)((l->lock.hb_pos - VMFS_HB_ADDR) / VMFS_HB_SIZE), &hb);
            if (hb.state != VMFS_HB_LIVE)
                why = "whose heartbeat slot is free";
            else if (hb.gen != l->lock.hb_gen)
                why = "whose heartbeat slot was claimed again since";
        }
        if (!why)
            continue;       /* a live host's, or a dead one's still in its slot (reported above) */
        char uuid[36], obj[640];
        vmfs_uuid_format(&l->lock.owner, uuid);
        if (l->entry)
            snprintf(obj, sizeof obj, "%s bitmap entry %u", bm_name[l->bm], l->id);
        else
            snprintf(obj, sizeof obj, "file descriptor %s", who(c, l->id).s);
        bool fixed = false;
        if (c->repair) {
            /* Taken and, at the commit, released: the lock code breaks it. */
            int r = lock_object(vol, l->laddr);
            op_error(c, r);
            fixed = r == 0;
        }
        note(c, fixed, "%s is locked by host %s, %s", obj, uuid, why);
    }
}

/* ------------------------------------------------------------------ */
/* Pass 1: bitmap entries                                              */

static uint32_t entry_total(const struct vmfs_bitmap *bm, uint32_t e)
{
    return e + 1 < bm->entries ? bm->hdr.items_per_entry : bm->hdr.total_items - e * bm->hdr.items_per_entry;
}

static bool bit_free(const uint8_t *bits, uint32_t i) { return bits[i / 8] & (1u << (i % 8)); }

static int read_bitmaps(struct chk *c)
{
    struct vmfs_volume *vol = c->vol;
    for (int k = 0; k < NBM; k++) {
        struct vmfs_bitmap *bm = c->bm[k];
        uint32_t total = bm->hdr.total_items, ipe = bm->hdr.items_per_entry;
        c->alloc[k] = calloc(total ? total : 1, 1);
        c->owner[k] = calloc(total ? total : 1, sizeof *c->owner[k]);
        c->shared[k] = calloc(total ? total : 1, 1);
        c->entry_untrusted[k] = calloc(bm->entries ? bm->entries : 1, sizeof *c->entry_untrusted[k]);
        if (!c->alloc[k] || !c->owner[k] || !c->shared[k] || !c->entry_untrusted[k])
            return -ENOMEM;
        uint64_t sum = 0;
        for (uint32_t e = 0; e < bm->entries; e++) {
            uint8_t raw[VMFS_BMP_ENTRY_SIZE];
            uint64_t laddr = 0;
            uint32_t want = entry_total(bm, e), n = want < VMFS_BMP_BITS_MAX ? want : VMFS_BMP_BITS_MAX;
            if (bitmap_entry_laddr(vol, bm, e, &laddr) < 0 || meta_read(vol, laddr, raw, sizeof raw) < 0) {
                problem(c, false, "%s entry %u cannot be read", bm_name[k], e);
                c->entry_untrusted[k][e] = true;
                memset(c->alloc[k] + (size_t)e * ipe, A_UNKNOWN, n);
                c->maps_incomplete = true;
                sum += want;
                continue;
            }
            remember_lock(c, raw, laddr, k, e, true);
            struct vmfs_bitmap_entry be;
            vmfs_bitmap_entry_decode(&be, raw);
            sum += be.total;
            if (be.lock.magic != bm->magic || be.id != e || be.total != want) {
                problem_do(c, true, "rebuilt from what the files use", "%s entry %u: magic %#010x, id %u, %u items (want "
                                 "%#010x, %u, %u)", bm_name[k], e, be.lock.magic, be.id, be.total, bm->magic,
                        e, want);
                c->entry_untrusted[k][e] = true;
                c->entry_bad[k] = true;
                memset(c->alloc[k] + (size_t)e * ipe, A_UNKNOWN, n);
                continue;
            }
            uint32_t nfree = 0, stray = 0;
            for (uint32_t i = 0; i < n; i++) {
                bool fr = bit_free(be.bits, i);
                nfree += fr;
                c->alloc[k][(size_t)e * ipe + i] = fr ? A_FREE : A_ALLOCATED;
            }
            /* check_vol_bitmaps counts every bit of the bytes that hold the items. */
            for (uint32_t i = n; i < (n + 7) / 8 * 8 && i < VMFS_BMP_BITS_MAX; i++)
                stray += bit_free(be.bits, i);
            if (nfree != be.free) {
                problem(c, true, "%s entry %u counts %u free items, its bits say %u", bm_name[k], e, be.free, nfree);
                c->entry_bad[k] = true;
            }
            if (stray) {
                problem(c, true, "%s entry %u has %u bits set past its %u items", bm_name[k], e, stray, want);
                c->entry_bad[k] = true;
            }
        }
        if (sum != total)
            problem(c, true, "%s: its entries hold %llu items, its header says %u", bm_name[k],
                    (unsigned long long)sum, total);
        /* vmfs-tools reads entries until one has magic 0: the first unused
         * one must have it, or it is counted. */
        if (bm->entries < (uint64_t)bm->hdr.area_count * bm->hdr.entries_per_area) {
            uint64_t laddr = 0;
            uint8_t raw[VMFS_BMP_ENTRY_SIZE];
            if (sysfile_laddr(c, bm, vmfs_bitmap_entry_offset(&bm->hdr, bm->entries), sizeof raw, &laddr) == 0 &&
                meta_read(vol, laddr, raw, sizeof raw) == 0 && le32(raw) != 0) {
                problem(c, true, "%s entry %u, past the last in use, has magic %#010x (vmfs-tools counts it)",
                        bm_name[k], bm->entries, le32(raw));
                if (c->repair) {
                    memset(raw, 0, sizeof raw);
                    op_error(c, meta_write(vol, laddr, raw, sizeof raw));
                }
            }
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Pass 2: which inodes are in use                                     */

/* The addressing mode the block addresses say, 0 if they disagree. */
static uint8_t infer_zla(const struct vmfs_inode *ino)
{
    unsigned seen = 0;
    for (unsigned i = 0; i < VMFS_INODE_BLOCKS; i++)
        if (ino->blocks[i])
            seen |= 1u << blk_type(ino->blocks[i]);
    if (seen == 0)
        return ino->size == 0 ? VMFS_ZLA_SUBBLOCK : 0;
    if (seen == 1u << VMFS_BLK_FB)
        return VMFS_ZLA_DIRECT;
    if (seen == 1u << VMFS_BLK_SB)
        return VMFS_ZLA_SUBBLOCK;
    if (seen == 1u << VMFS_BLK_PB)
        return VMFS_ZLA_POINTER;
    return 0;
}

static void scan_inodes(struct chk *c)
{
    for (uint32_t i = 0; i < c->ninodes; i++) {
        struct ino_info *n = &c->ino[i];
        n->parent = NONE;
        struct vmfs_inode ino;
        uint8_t raw[VMFS_INODE_SIZE];
        uint64_t laddr = 0;
        if (load_inode(c, i, &ino, raw) < 0) {
            problem(c, false, "file descriptor 0x%08x cannot be read", fd_addr(c, i));
            n->state = I_UNREADABLE;
            c->maps_incomplete = true;
            continue;
        }
        if (bitmap_item_laddr(c->vol, &c->vol->fdc, i, &laddr) == 0)
            remember_lock(c, raw, laddr, FDC, i, false);
        if (ino.lock.magic != VMFS_INODE_MAGIC || ino.nlink == 0)
            continue;
        n->state = I_LIVE;
        n->gen = ino.gen;
        n->nlink = ino.nlink;
        n->type = type_valid(ino.type) ? (uint8_t)ino.type : 0;
        if (ino.type == VMFS_TYPE_RDM)
            continue;
        if (ino.zla == VMFS_ZLA_DIRECT || ino.zla == VMFS_ZLA_SUBBLOCK || ino.zla == VMFS_ZLA_POINTER)
            n->zla = (uint8_t)ino.zla;
        else
            n->zla = infer_zla(&ino);
    }
}

/* ------------------------------------------------------------------ */
/* Pass 3: the directory tree                                          */

static int plan(struct chk *c, uint32_t dir, uint8_t op, uint64_t index, const struct vmfs_dirent *ent)
{
    if (c->nfixes == c->fixes_cap) {
        size_t cap = c->fixes_cap ? c->fixes_cap * 2 : 32;
        struct dirfix *n = realloc(c->fixes, cap * sizeof *n);
        if (!n)
            return -ENOMEM;
        c->fixes = n;
        c->fixes_cap = cap;
    }
    struct dirfix *f = &c->fixes[c->nfixes++];
    memset(f, 0, sizeof *f);
    f->dir = dir;
    f->op = op;
    f->index = index;
    if (ent)
        f->ent = *ent;
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Can an entry be added at byte `off` without allocating a block? */
static bool room_at(struct chk *c, const struct vmfs_inode *dir, uint64_t off)
{
    uint32_t b1 = 0, b2 = 0;
    return inode_get_block(c->vol, dir, off, &b1) == 0 && inode_get_block(c->vol, dir, off + VMFS_DIRENT_SIZE - 1, &b2) == 0 &&
           b1 && b2 && !blk_fb_tbz(b1) && !blk_fb_tbz(b2);
}

struct stack { uint32_t *v; size_t n, cap; };

static int push(struct stack *s, uint32_t x)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        uint32_t *v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return -ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = x;
    return 0;
}

static int walk_dir(struct chk *c, uint32_t d, uint32_t parent, struct stack *todo)
{
    struct vmfs_volume *vol = c->vol;
    struct vmfs_inode dir;
    char dname[640];
    snprintf(dname, sizeof dname, "directory %s", who(c, d).s);
    if (load_inode(c, d, &dir, NULL) < 0) {
        c->walk_incomplete = true;
        return 0;
    }
    normalize(c, d, &dir);
    if (!c->ino[d].zla) {
        problem(c, false, "%s cannot be read: its addressing mode is unknown", dname);
        c->walk_incomplete = true;
        return 0;
    }
    c->ino[d].flags |= F_REACHED;

    /* How many entries: a size past the blocks, or not a multiple of 140. */
    uint64_t size = dir.size, end = mapped_end(c, &dir), n = size / VMFS_DIRENT_SIZE;
    /* A hole among its blocks reads as empty entries that cannot be
     * rewritten or moved without allocating: such a directory is left as
     * it is (the hole is reported with its blocks). */
    bool can = true;
    uint64_t unit = inode_unit(vol, &dir), upto = size < end ? size : end;
    int want_k = dir.zla == VMFS_ZLA_SUBBLOCK ? SBC : FBB, bk;
    for (uint64_t off = 0; off < upto && can; off += unit) {
        uint32_t b = 0, index;
        can = inode_get_block(vol, &dir, off, &b) == 0 && b != 0 && blk_item(c, b, &bk, &index) == 0 && bk == want_k;
    }
    if (!can)
        problem(c, false, "%s has a hole or a bad block below its size: its entries are not repaired", dname);
    size_t first_fix = c->nfixes;
    if (size > end) {
        n = end / VMFS_DIRENT_SIZE;
        problem_do(c, can, "cut to the entries its blocks hold", "%s: size %llu extends past its blocks (%llu bytes)",
                   dname, (unsigned long long)size, (unsigned long long)end);
    } else if (size % VMFS_DIRENT_SIZE) {
        /* The entry the size cuts in two is kept if it names a live inode. */
        uint8_t raw[VMFS_DIRENT_SIZE];
        struct vmfs_dirent ent;
        if ((n + 1) * VMFS_DIRENT_SIZE <= end && read_any(c, &dir, n * VMFS_DIRENT_SIZE, raw, sizeof raw) == 0) {
            vmfs_dirent_decode(&ent, raw);
            uint32_t t = fd_index(c, ent.addr);
            if (t != NONE && c->ino[t].state == I_LIVE && c->ino[t].gen == ent.gen && ent.name[0])
                n++;
        }
        char act[64];
        snprintf(act, sizeof act, "size %llu", (unsigned long long)(n * VMFS_DIRENT_SIZE));
        problem_do(c, can, act, "%s: size %llu is not a whole number of %u-byte entries", dname,
                   (unsigned long long)size, VMFS_DIRENT_SIZE);
    }
    if (can && n * VMFS_DIRENT_SIZE != size && plan(c, d, FIX_SIZE, n * VMFS_DIRENT_SIZE, NULL) < 0)
        return -ENOMEM;

    uint8_t *buf = malloc(DIR_CHUNK * VMFS_DIRENT_SIZE);
    char **names = malloc((n ? n : 1) * sizeof *names);
    if (!buf || !names) {
        free(buf);
        free(names);
        return -ENOMEM;
    }
    size_t nnames = 0;
    int dots = 0, dotdots = 0, r = 0;
    uint32_t want_dotdot = fd_addr(c, parent);
    for (uint64_t i = 0; i < n && r == 0;) {
        uint64_t count = n - i < DIR_CHUNK ? n - i : DIR_CHUNK;
        if (read_any(c, &dir, i * VMFS_DIRENT_SIZE, buf, (size_t)(count * VMFS_DIRENT_SIZE)) < 0) {
            problem(c, false, "%s: entries %llu and on cannot be read (%s)", dname, (unsigned long long)i,
                    vmfs_error(vol));
            c->walk_incomplete = true;
            c->ino[d].flags |= F_PARTIAL;
            break;
        }
        for (uint64_t k = 0; k < count && r == 0; k++) {
            struct vmfs_dirent ent;
            uint64_t idx = i + k;
            vmfs_dirent_decode(&ent, buf + k * VMFS_DIRENT_SIZE);
            bool dot = !strcmp(ent.name, "."), dotdot = !strcmp(ent.name, "..");
            if (dot || dotdot) {
                int *count_of = dot ? &dots : &dotdots;
                uint32_t want = dot ? dir.addr : want_dotdot;
                uint32_t want_gen = dot ? dir.gen : c->ino[parent].gen;
                if (++*count_of > 1) {
                    problem_do(c, can, "removed", "%s: a second \"%s\" entry (naming 0x%08x)", dname, ent.name, ent.addr);
                    r = can ? plan(c, d, FIX_REMOVE, idx, NULL) : 0;
                } else if (ent.addr != want) {
                    problem(c, can, "%s: \"%s\" names 0x%08x, not 0x%08x", dname, ent.name, ent.addr, want);
                    struct vmfs_dirent fix = { .type = VMFS_TYPE_DIR, .addr = want, .gen = want_gen };
                    snprintf(fix.name, sizeof fix.name, "%s", ent.name);
                    r = can ? plan(c, d, FIX_SET, idx, &fix) : 0;
                }
                continue;
            }
            uint32_t t = fd_index(c, ent.addr);
            if (t != NONE && c->ino[t].state == I_UNREADABLE) {
                c->walk_incomplete = true;      /* cannot tell: leave the entry */
                continue;
            }
            if (t == NONE || c->ino[t].state != I_LIVE) {
                problem_do(c, can, "entry removed", "%s: entry \"%s\" names 0x%08x, which is not a file in use (undefined)",
                           dname, ent.name, ent.addr);
                r = can ? plan(c, d, FIX_REMOVE, idx, NULL) : 0;
                continue;
            }
            struct ino_info *ti = &c->ino[t];
            if (!ent.name[0])
                problem(c, false, "%s: entry %llu (naming 0x%08x) has no name", dname, (unsigned long long)idx,
                        ent.addr);
            else if (!(names[nnames++] = strdup(ent.name)))
                nnames--, r = -ENOMEM;
            ti->refs++;
            if (ti->parent == NONE && t != ROOT_INDEX) {
                ti->parent = d;
                ti->name = strdup(ent.name);
            }
            if (ent.gen != ti->gen) {
                /* Judged once every name is counted (check_generations). */
                if (c->ngens == c->gens_cap) {
                    size_t cap = c->gens_cap ? c->gens_cap * 2 : 16;
                    struct genfix *g = realloc(c->gens, cap * sizeof *g);
                    if (!g) {
                        r = -ENOMEM;
                        break;
                    }
                    c->gens = g;
                    c->gens_cap = cap;
                }
                c->gens[c->ngens++] = (struct genfix){ .dir = d, .target = t, .index = idx, .ent = ent, .can = can };
            }
            if (ent.type != ti->type) {
                bool can_type = can && ti->type != 0;
                problem(c, can_type, "%s: entry \"%s\" says type %u, its file descriptor 0x%08x is a %s (type %u)", dname,
                        ent.name, ent.type, ent.addr, type_name(ti->type), ti->type);
                if (can_type) {
                    struct vmfs_dirent fix = ent;
                    fix.type = ti->type;
                    r = can ? plan(c, d, FIX_SET, idx, &fix) : 0;
                }
            }
            if (ti->type == VMFS_TYPE_DIR) {
                c->ino[d].subdirs++;
                if (t == ROOT_INDEX || (ti->flags & F_REACHED) || ti->refs > 1) {
                    problem(c, false, "%s: entry \"%s\" names directory 0x%08x, which has another name (a loop "
                                      "or a hard link to a directory)", dname, ent.name, ent.addr);
                } else {
                    ti->flags |= F_REACHED;     /* pushed once */
                    if ((r = push(todo, t)) == 0)
                        r = push(todo, d);
                }
            }
        }
        i += count;
    }
    free(buf);
    if (r == 0) {
        qsort(names, nnames, sizeof *names, cmp_names);
        for (size_t i = 1; i < nnames; i++)
            if (!strcmp(names[i - 1], names[i]) && (i < 2 || strcmp(names[i - 2], names[i])))
                problem(c, false, "%s: two entries are named \"%s\"", dname, names[i]);
    }
    for (size_t i = 0; i < nnames; i++)
        free(names[i]);
    free(names);
    if (r < 0)
        return r;
    if (c->ino[d].flags & F_PARTIAL) {
        c->nfixes = first_fix;      /* half a directory: nothing is repaired in it */
        return 0;
    }

    /* A missing "." or "..": added where the directory has room. */
    uint64_t count = n;
    for (int which = 0; which < 2; which++) {
        if ((which ? dotdots : dots) != 0)
            continue;
        const char *nm = which ? ".." : ".";
        uint64_t removed = 0;
        for (size_t i = 0; i < c->nfixes; i++)
            removed += c->fixes[i].dir == d && c->fixes[i].op == FIX_REMOVE;
        uint64_t off = (count - removed) * VMFS_DIRENT_SIZE;
        /* Removals first move entries, so the new entry goes at the end. */
        bool can_add = can && room_at(c, &dir, off);
        problem_do(c, can_add, "added", "%s has no \"%s\" entry", dname, nm);
        if (can_add) {
            struct vmfs_dirent add = { .type = VMFS_TYPE_DIR, .addr = which ? want_dotdot : dir.addr,
                                       .gen = which ? c->ino[parent].gen : dir.gen };
            snprintf(add.name, sizeof add.name, "%s", nm);
            if ((r = plan(c, d, FIX_ADD, 0, &add)) < 0)
                return r;
            count++;
        }
    }
    return 0;
}

/* An entry naming a live inode of another generation: a stale name of a
 * re-used slot, or a damaged generation.  When the inode has more names
 * than links, such entries are the stale ones: removed, and not counted as
 * names.  Otherwise the entry is one of its names: set to its generation. */
static int check_generations(struct chk *c)
{
    for (size_t i = 0; i < c->ngens; i++) {
        struct genfix *g = &c->gens[i];
        struct ino_info *ti = &c->ino[g->target];
        bool extra = ti->type == VMFS_TYPE_DIR ? ti->refs > 1 : ti->refs > ti->nlink;
        char dname[640];
        snprintf(dname, sizeof dname, "directory %s", who(c, g->dir).s);
        char act[64];
        if (extra)
            snprintf(act, sizeof act, "stale entry removed");
        else
            snprintf(act, sizeof act, "generation %u", ti->gen);
        problem_do(c, g->can, act, "%s: entry \"%s\" has generation %u, its file descriptor 0x%08x %u", dname,
                   g->ent.name, g->ent.gen, g->ent.addr, ti->gen);
        if (!g->can)
            continue;
        if (extra) {
            ti->refs--;
            if (ti->type == VMFS_TYPE_DIR && c->ino[g->dir].subdirs)
                c->ino[g->dir].subdirs--;
            /* A planned type fix of the same entry is dropped with it. */
            for (size_t f = 0; f < c->nfixes; f++)
                if (c->fixes[f].dir == g->dir && c->fixes[f].op == FIX_SET && c->fixes[f].index == g->index)
                    c->fixes[f].op = FIX_REMOVE;
            bool planned = false;
            for (size_t f = 0; f < c->nfixes; f++)
                planned |= c->fixes[f].dir == g->dir && c->fixes[f].op == FIX_REMOVE && c->fixes[f].index == g->index;
            if (!planned && plan(c, g->dir, FIX_REMOVE, g->index, NULL) < 0)
                return -ENOMEM;
            continue;
        }
        /* Merge with a planned type fix of the same entry. */
        struct dirfix *same = NULL;
        for (size_t f = 0; f < c->nfixes; f++)
            if (c->fixes[f].dir == g->dir && c->fixes[f].op == FIX_SET && c->fixes[f].index == g->index)
                same = &c->fixes[f];
        if (same) {
            same->ent.gen = ti->gen;
            continue;
        }
        struct vmfs_dirent fix = g->ent;
        fix.gen = ti->gen;
        if (plan(c, g->dir, FIX_SET, g->index, &fix) < 0)
            return -ENOMEM;
    }
    return 0;
}

static int walk_tree(struct chk *c)
{
    struct ino_info *root = &c->ino[ROOT_INDEX];
    if (root->state != I_LIVE || root->type != VMFS_TYPE_DIR) {
        problem(c, false, "the root directory (0x%08x) is not a directory in use", fd_addr(c, ROOT_INDEX));
        c->walk_incomplete = true;
        return 0;
    }
    root->flags |= F_REACHED;
    struct stack todo = { 0 };
    int r = push(&todo, ROOT_INDEX);
    if (r == 0)
        r = push(&todo, ROOT_INDEX);
    while (r == 0 && todo.n) {
        uint32_t parent = todo.v[--todo.n], d = todo.v[--todo.n];
        r = walk_dir(c, d, parent, &todo);
    }
    free(todo.v);
    return r < 0 ? r : check_generations(c);
}

/* ------------------------------------------------------------------ */
/* Pass 4: each inode's blocks                                         */

static void own(struct chk *c, int k, uint32_t index, uint32_t who_i)
{
    uint32_t *o = &c->owner[k][index];
    if (*o == 0) {
        *o = who_i + 1;
        return;
    }
    if (*o == who_i + 1)
        return;
    uint32_t prev = *o - 1;
    c->shared[k][index] = 1;
    c->ino[who_i].flags |= F_SHARED;
    if (prev < c->ninodes)
        c->ino[prev].flags |= F_SHARED;
    problem(c, false, "block 0x%08x is mapped by both %s and %s", item_addr(c, k, index), who(c, prev).s,
            who(c, who_i).s);
}

static const char *zla_name(uint32_t z)
{
    return z == VMFS_ZLA_DIRECT ? "file blocks" : z == VMFS_ZLA_SUBBLOCK ? "sub-blocks" : "pointer blocks";
}

static void check_inode(struct chk *c, uint32_t i)
{
    struct vmfs_volume *vol = c->vol;
    struct ino_info *n = &c->ino[i];
    struct vmfs_inode ino;
    if (load_inode(c, i, &ino, NULL) < 0) {
        c->maps_incomplete = true;
        return;
    }
    char me[640];
    snprintf(me, sizeof me, "%s %s", type_name(ino.type), who(c, i).s);
    bool dirty = false;
    if (ino.addr != fd_addr(c, i)) {
        problem(c, true, "%s: its address field says 0x%08x", me, ino.addr);
        ino.addr = fd_addr(c, i);
        dirty = true;
    }
    if (!type_valid(ino.type))
        problem(c, false, "%s: unknown type %u", me, ino.type);
    if (ino.type == VMFS_TYPE_RDM) {
        /* The block map holds the mapping, not block addresses. */
        if (dirty && c->repair)
            op_error(c, inode_write(vol, &ino));
        return;
    }
    bool zla_ok = ino.zla == VMFS_ZLA_DIRECT || ino.zla == VMFS_ZLA_SUBBLOCK || ino.zla == VMFS_ZLA_POINTER;
    if (!zla_ok) {
        problem(c, n->zla != 0, "%s: addressing mode %u%s", me, ino.zla,
                n->zla ? (n->zla == VMFS_ZLA_DIRECT ? ": its blocks say 1 (file blocks)"
                          : n->zla == VMFS_ZLA_SUBBLOCK ? ": its blocks say 2 (sub-blocks)"
                                                        : ": its blocks say 3 (pointer blocks)")
                       : " and its blocks do not tell which it should be");
        if (n->zla) {
            ino.zla = n->zla;
            dirty = true;
        }
    }
    if (!n->zla) {
        /* Unknown mode: own whatever it names, so that nothing it may use is freed. */
        n->flags |= F_BADMAP;
        for (unsigned b = 0; b < VMFS_INODE_BLOCKS; b++) {
            int k;
            uint32_t index;
            if (ino.blocks[b] && blk_item(c, ino.blocks[b], &k, &index) == 0) {
                own(c, k, index, i);
                uint8_t raw[VMFS_PTRBLOCK_SIZE];
                if (k == PBC && read_pb(c, ino.blocks[b], raw) == 0)
                    for (uint32_t e = 0; e < PB_ENTRIES; e++) {
                        uint32_t fb = le32(raw + 4 * e);
                        if (blk_item(c, fb, &k, &index) == 0 && k == FBB)
                            own(c, FBB, index, i);
                    }
            }
        }
        return;
    }
    uint64_t want_bs = ino.zla == VMFS_ZLA_SUBBLOCK ? VMFS_SUBBLOCK_SIZE : vol->block_size;
    if (ino.blk_size != want_bs) {
        problem(c, true, "%s: block size %llu, want %llu for %s", me, (unsigned long long)ino.blk_size,
                (unsigned long long)want_bs, zla_name(ino.zla));
        ino.blk_size = want_bs;
        dirty = true;
    }

    uint64_t unit = inode_unit(vol, &ino), limit = ino.size / unit + (ino.size % unit != 0);
    uint64_t units = 0, tbz = 0, past = 0, first_past_byte = 0;
    uint32_t first_past = 0, hole_at = NONE;
    int want_k = ino.zla == VMFS_ZLA_DIRECT ? FBB : ino.zla == VMFS_ZLA_SUBBLOCK ? SBC : PBC;
    for (uint32_t b = 0; b < VMFS_INODE_BLOCKS; b++) {
        uint32_t blk = ino.blocks[b];
        if (!blk) {
            if (ino.zla == VMFS_ZLA_SUBBLOCK && b < limit && hole_at == NONE)
                hole_at = b;
            continue;
        }
        int k;
        uint32_t index;
        if (blk_item(c, blk, &k, &index) < 0) {
            problem(c, false, "%s: block %u is 0x%08x, which is no block of this volume", me, b, blk);
            n->flags |= F_BADMAP;   /* what it pointed to may now look lost */
            continue;
        }
        own(c, k, index, i);
        if (k != want_k) {
            problem(c, false, "%s: block %u is 0x%08x, not one of %s", me, b, blk, zla_name(ino.zla));
            n->flags |= F_BADMAP;
            continue;
        }
        if (ino.zla != VMFS_ZLA_POINTER) {
            units++;
            tbz += blk_fb_tbz(blk);
            if (b >= limit && past++ == 0)
                first_past = blk, first_past_byte = (uint64_t)b * unit;
            continue;
        }
        uint8_t raw[VMFS_PTRBLOCK_SIZE];
        if (read_pb(c, blk, raw) < 0) {
            problem(c, false, "%s: pointer block 0x%08x cannot be read", me, blk);
            c->maps_incomplete = true;
            n->flags |= F_BADMAP;
            continue;
        }
        for (uint32_t e = 0; e < PB_ENTRIES; e++) {
            uint32_t fb = le32(raw + 4 * e);
            if (!fb)
                continue;
            if (blk_item(c, fb, &k, &index) < 0 || k != FBB) {
                problem(c, false, "%s: pointer block 0x%08x holds 0x%08x, which is no file block of this volume",
                        me, blk, fb);
                n->flags |= F_BADMAP;
                continue;
            }
            own(c, FBB, index, i);
            units++;
            tbz += blk_fb_tbz(fb);
            if ((uint64_t)b * PB_ENTRIES + e >= limit && past++ == 0)
                first_past = fb, first_past_byte = ((uint64_t)b * PB_ENTRIES + e) * unit;
        }
    }
    if (past)
        problem(c, false, "%s: maps %llu block%s past its size of %llu bytes (0x%08x at byte %llu)", me,
                (unsigned long long)past, past > 1 ? "s" : "", (unsigned long long)ino.size, first_past,
                (unsigned long long)first_past_byte);
    if (hole_at != NONE)
        problem(c, false, "%s: a sub-block file with a hole at byte %llu (below its size of %llu)", me,
                (unsigned long long)hole_at * unit, (unsigned long long)ino.size);
    bool sure = !(n->flags & F_BADMAP);    /* counts are only set from a sound map */
    if (n->flags & F_BADMAP)
        c->maps_incomplete = true;
    if (ino.blk_count != units) {
        problem(c, sure, "%s: block count %llu, maps %llu", me, (unsigned long long)ino.blk_count,
                (unsigned long long)units);
        if (sure)
            ino.blk_count = units, dirty = true;
    }
    if (ino.tbz != tbz) {
        problem(c, sure, "%s: to-be-zeroed count %u, maps %llu to-be-zeroed blocks", me, ino.tbz,
                (unsigned long long)tbz);
        if (sure)
            ino.tbz = (uint32_t)tbz, dirty = true;
    }
    if (dirty && c->repair)
        op_error(c, inode_write(vol, &ino));
}

/* ------------------------------------------------------------------ */
/* Pass 5: links, orphans, directory repairs                           */

static void check_links(struct chk *c)
{
    struct vmfs_volume *vol = c->vol;
    for (uint32_t i = 0; i < c->ninodes; i++) {
        struct ino_info *n = &c->ino[i];
        if (n->state != I_LIVE)
            continue;
        if (i != ROOT_INDEX && n->refs == 0) {
            const char *why = !c->repair ? ""
                              : c->walk_incomplete ? " (kept: the tree could not be read whole)"
                              : c->maps_incomplete ? " (kept: some block maps could not be read)"
                              : (n->flags & F_SHARED) ? " (kept: it shares blocks with another file)"
                              : (n->flags & F_BADMAP) ? " (kept: its block map is damaged)"
                                                     : "";
            bool can = !c->walk_incomplete && !c->maps_incomplete && !(n->flags & (F_SHARED | F_BADMAP));
            struct vmfs_inode ino;
            uint64_t size = 0;
            if (load_inode(c, i, &ino, NULL) == 0)
                size = ino.size;
            problem_do(c, can, "freed with its blocks", "%s 0x%08x is orphaned: no directory names it (%llu bytes, %u "
                                                      "links)%s", type_name(n->type), fd_addr(c, i),
                       (unsigned long long)size, n->nlink, why);
            if (can && c->repair) {
                n->flags |= F_FREED;    /* its items are released below */
                struct vmfs_inode dead = { .addr = fd_addr(c, i), .gen = n->gen, .type = ino.type,
                                           .zla = VMFS_ZLA_DIRECT, .blk_size = vol->block_size };
                op_error(c, inode_write(vol, &dead));
            }
            continue;
        }
        uint32_t want = n->type == VMFS_TYPE_DIR ? 2 + n->subdirs : n->refs;
        if (n->type == VMFS_TYPE_DIR && (!(n->flags & F_REACHED) || (n->flags & F_PARTIAL)))
            continue;       /* not walked whole: its subdirectories are not known */
        if (n->nlink != want) {
            problem(c, true, "%s %s: link count %u, %s %u", type_name(n->type), who(c, i).s, n->nlink,
                    n->type == VMFS_TYPE_DIR ? "2 + subdirectories =" : "names found:", want);
            struct vmfs_inode ino;
            if (c->repair && load_inode(c, i, &ino, NULL) == 0) {
                normalize(c, i, &ino);
                ino.nlink = want;
                op_error(c, inode_write(vol, &ino));
            }
        }
    }
}

/* What freed orphans mapped (never shared: those are kept) goes back. */
static void release_orphans(struct chk *c)
{
    for (int k = 0; k < NBM; k++)
        for (uint32_t x = 0; x < c->bm[k]->hdr.total_items; x++) {
            uint32_t o = c->owner[k][x];
            if (o && o - 1 < c->ninodes && (c->ino[o - 1].flags & F_FREED))
                c->owner[k][x] = OWNER_RELEASED;
        }
}

static int cmp_fix(const void *a, const void *b)
{
    const struct dirfix *x = a, *y = b;
    if (x->dir != y->dir)
        return x->dir < y->dir ? -1 : 1;
    if (x->op != y->op)
        return x->op < y->op ? -1 : 1;
    /* removals from the last entry down */
    return x->index == y->index ? 0 : (x->index < y->index) == (x->op == FIX_REMOVE) ? 1 : -1;
}

static int encode_at(struct chk *c, struct vmfs_inode *dir, uint64_t idx, const struct vmfs_dirent *ent)
{
    uint8_t raw[VMFS_DIRENT_SIZE];
    vmfs_dirent_encode(ent, raw);
    return dir_write_at(c, dir, idx * VMFS_DIRENT_SIZE, raw, sizeof raw);
}

/* One directory's planned fixes: sets in place, then removals (the last
 * entry moves into the hole, as ESX does), then additions at the end;
 * blocks the directory no longer needs are dropped from its map. */
static int fix_dir(struct chk *c, struct dirfix *f, size_t nf)
{
    struct vmfs_volume *vol = c->vol;
    uint32_t d = f[0].dir;
    struct vmfs_inode dir;
    int r = load_inode(c, d, &dir, NULL);
    if (r < 0)
        return r;
    normalize(c, d, &dir);
    uint64_t old_size = dir.size;
    for (size_t i = 0; i < nf; i++)
        if (f[i].op == FIX_SIZE)
            dir.size = f[i].index;
    for (size_t i = 0; i < nf && r == 0; i++) {
        switch (f[i].op) {
        case FIX_SET: r = encode_at(c, &dir, f[i].index, &f[i].ent); break;
        case FIX_REMOVE: {
            uint64_t last = dir.size / VMFS_DIRENT_SIZE - 1;
            uint8_t raw[VMFS_DIRENT_SIZE];
            if (f[i].index > last)
                break;
            if (f[i].index != last && ((r = read_any(c, &dir, last * VMFS_DIRENT_SIZE, raw, sizeof raw)) < 0 ||
                                       (r = dir_write_at(c, &dir, f[i].index * VMFS_DIRENT_SIZE, raw, sizeof raw)) < 0))
                break;
            dir.size -= VMFS_DIRENT_SIZE;
            break;
        }
        case FIX_ADD:
            if ((r = encode_at(c, &dir, dir.size / VMFS_DIRENT_SIZE, &f[i].ent)) == 0)
                dir.size += VMFS_DIRENT_SIZE;
            break;
        default: break;
        }
    }
    if (r < 0)
        return r;
    /* Units the repair emptied (never blocks that were past the size before). */
    uint64_t unit = inode_unit(vol, &dir);
    uint64_t from = dir.size / unit + (dir.size % unit != 0), to = old_size / unit + (old_size % unit != 0);
    if (dir.zla != VMFS_ZLA_POINTER)
        for (uint64_t u = from; u < to && u < VMFS_INODE_BLOCKS; u++) {
            int k;
            uint32_t index;
            if (!dir.blocks[u])
                continue;
            if (blk_item(c, dir.blocks[u], &k, &index) == 0 && c->owner[k][index] == d + 1 && !c->shared[k][index])
                c->owner[k][index] = OWNER_RELEASED;
            dir.blocks[u] = 0;
            if (dir.blk_count)
                dir.blk_count--;
        }
    return inode_write(vol, &dir);
}

static void fix_dirs(struct chk *c)
{
    if (!c->repair || !c->nfixes)
        return;
    qsort(c->fixes, c->nfixes, sizeof *c->fixes, cmp_fix);
    /* An entry is removed once, whatever asked for it. */
    size_t w = 0;
    for (size_t i = 0; i < c->nfixes; i++)
        if (!(w && c->fixes[i].op == FIX_REMOVE && c->fixes[w - 1].op == FIX_REMOVE &&
              c->fixes[w - 1].dir == c->fixes[i].dir && c->fixes[w - 1].index == c->fixes[i].index))
            c->fixes[w++] = c->fixes[i];
    c->nfixes = w;
    for (size_t i = 0; i < c->nfixes;) {
        size_t j = i;
        while (j < c->nfixes && c->fixes[j].dir == c->fixes[i].dir)
            j++;
        if (!(c->ino[c->fixes[i].dir].flags & F_FREED))
            op_error(c, fix_dir(c, c->fixes + i, j - i));
        i = j;
    }
}

/* ------------------------------------------------------------------ */
/* Pass 6: bitmaps against what is used                                */

static int ignore_sector(struct vmfs_volume *vol, uint64_t lsn, const uint8_t *data)
{
    (void)vol, (void)lsn, (void)data;
    return 0;
}

/* Live hosts' journals are allocated but mapped by no inode. */
static void own_journals(struct chk *c)
{
    struct vmfs_volume *vol = c->vol;
    for (unsigned s = 0; s < VMFS_HB_SLOTS; s++) {
        struct vmfs_heartbeat hb;
        slot_decode(c, s, &hb);
        if (hb.state != VMFS_HB_LIVE || !hb.journal)
            continue;
        uint32_t blocks[VMFS_JOURNAL_MAX_BLOCKS], nb = 0;
        int k;
        uint32_t index;
        if (blk_item(c, hb.journal, &k, &index) == 0 && k == FBB && !c->owner[FBB][index])
            c->owner[FBB][index] = OWNER_JOURNAL;
        if (journal_replay(vol, hb.journal, &hb.owner, ignore_sector, blocks, &nb) < 0)
            continue;
        for (uint32_t b = 0; b < nb; b++)
            if (blk_item(c, blocks[b], &k, &index) == 0 && k == FBB && !c->owner[FBB][index])
                c->owner[FBB][index] = OWNER_JOURNAL;
    }
    if (vol->journal.ready)
        for (uint32_t b = 0; b < vol->journal.nblocks; b++) {
            int k;
            uint32_t index;
            if (blk_item(c, vol->journal.blocks[b], &k, &index) == 0 && k == FBB && !c->owner[FBB][index])
                c->owner[FBB][index] = OWNER_JOURNAL;
        }
}

static bool used(uint32_t owner) { return owner != 0 && owner != OWNER_RELEASED; }

static void compare_bitmaps(struct chk *c, uint8_t *desired[NBM])
{
    for (int k = 0; k < NBM; k++) {
        uint32_t total = c->bm[k]->hdr.total_items;
        unsigned listed_lost = 0, listed_unalloc = 0, more_lost = 0, more_unalloc = 0;
        bool keep_lost = c->maps_incomplete || (k == FDC && c->walk_incomplete);
        for (uint32_t x = 0; x < total; x++) {
            uint32_t o = c->owner[k][x];
            uint8_t a = c->alloc[k][x];
            desired[k][x] = used(o);
            if (a == A_UNKNOWN)
                continue;
            if (used(o) && a == A_FREE) {
                if (listed_unalloc++ < LIST_MAX) {
                    if (k == FDC)
                        problem(c, true, "file descriptor %s is in use but free in .fdc.sf", who(c, x).s);
                    else if (o == OWNER_JOURNAL)
                        problem(c, true, "block 0x%08x holds a live host's journal but is free in %s",
                                item_addr(c, k, x), bm_name[k]);
                    else
                        problem(c, true, "block 0x%08x is used by %s but free in %s (used but not allocated)",
                                item_addr(c, k, x), who(c, o - 1).s, bm_name[k]);
                } else {
                    more_unalloc++;
                    c->st->errors++;
                    c->st->fixed += c->repair;
                }
            } else if (!used(o) && a == A_ALLOCATED) {
                if (o == OWNER_RELEASED)
                    continue;   /* freed with a repair reported above */
                if (keep_lost)
                    desired[k][x] = 1;
                if (listed_lost++ < LIST_MAX) {
                    problem(c, !keep_lost, "%s 0x%08x is allocated in %s but %s (lost)%s",
                            k == FDC ? "file descriptor" : "block", item_addr(c, k, x), bm_name[k],
                            k == FDC ? "not in use" : "used by no file",
                            c->repair && keep_lost ? " (kept: not everything could be read)" : "");
                } else {
                    more_lost++;
                    c->st->errors++;
                    c->st->fixed += c->repair && !keep_lost;
                }
            }
        }
        char msg[160];
        if (more_unalloc) {
            snprintf(msg, sizeof msg, "... and %u more items of %s used but not allocated", more_unalloc, bm_name[k]);
            c->report(c->ctx, msg);
        }
        if (more_lost) {
            snprintf(msg, sizeof msg, "... and %u more lost items of %s", more_lost, bm_name[k]);
            c->report(c->ctx, msg);
        }
    }
}

/* Rewrite every entry that differs from what it should say. */
static void rebuild_bitmaps(struct chk *c, uint8_t *desired[NBM])
{
    struct vmfs_volume *vol = c->vol;
    for (int k = 0; k < NBM; k++) {
        struct vmfs_bitmap *bm = c->bm[k];
        uint32_t ipe = bm->hdr.items_per_entry;
        for (uint32_t e = 0; e < bm->entries; e++) {
            uint32_t total = entry_total(bm, e), n = total < VMFS_BMP_BITS_MAX ? total : VMFS_BMP_BITS_MAX;
            bool differs = c->entry_untrusted[k][e];
            for (uint32_t i = 0; i < n && !differs; i++) {
                uint8_t a = c->alloc[k][(size_t)e * ipe + i];
                differs = a != desired[k][(size_t)e * ipe + i];
            }
            uint64_t laddr = 0;
            uint8_t raw[VMFS_BMP_ENTRY_SIZE];
            if (bitmap_entry_laddr(vol, bm, e, &laddr) < 0 || meta_read(vol, laddr, raw, sizeof raw) < 0)
                continue;
            struct vmfs_bitmap_entry be;
            vmfs_bitmap_entry_decode(&be, raw);
            struct vmfs_bitmap_entry want = be;
            want.lock.magic = bm->magic;
            want.id = e;
            want.total = total;
            want.free = 0;
            want.first_free = 0;
            bool any = false;
            memset(want.bits, 0, (n + 7) / 8);
            for (uint32_t i = 0; i < n; i++) {
                if (desired[k][(size_t)e * ipe + i])
                    continue;
                want.bits[i / 8] |= (uint8_t)(1u << (i % 8));
                want.free++;
                if (!any)
                    want.first_free = i, any = true;
            }
            if (!any)
                want.first_free = be.first_free < total ? be.first_free : 0;
            differs = differs || be.lock.magic != want.lock.magic || be.id != want.id || be.total != want.total ||
                      be.free != want.free || memcmp(be.bits, want.bits, (n + 7) / 8) != 0;
            if (!differs)
                continue;
            int r = lock_object(vol, laddr);
            if (r == 0)
                r = meta_read(vol, laddr, raw, VMFS_LOCK_SIZE);     /* the lock as it is now */
            if (r < 0) {
                op_error(c, r);
                continue;
            }
            uint8_t lock[VMFS_LOCK_SIZE];
            memcpy(lock, raw, sizeof lock);
            vmfs_bitmap_entry_encode(&want, raw);
            memcpy(raw + 4, lock + 4, VMFS_LOCK_SIZE - 4);          /* magic set; the rest of the lock kept */
            raw[4] = (uint8_t)laddr, raw[5] = (uint8_t)(laddr >> 8), raw[6] = (uint8_t)(laddr >> 16);
            raw[7] = (uint8_t)(laddr >> 24), raw[8] = (uint8_t)(laddr >> 32), raw[9] = (uint8_t)(laddr >> 40);
            raw[10] = (uint8_t)(laddr >> 48), raw[11] = (uint8_t)(laddr >> 56);
            op_error(c, meta_write(vol, laddr, raw, sizeof raw));
        }
    }
}

/* ------------------------------------------------------------------ */

int vmfs_check_volume(struct vmfs_volume *vol, unsigned flags, void (*report)(void *ctx, const char *msg), void *ctx,
                      struct vmfs_check_stats *st)
{
    memset(st, 0, sizeof *st);
    bool repair = flags & VMFS_CHECK_REPAIR;
    if (repair && (!vol->dev.read_write || !vol->hb_addr))
        return vol_fail(vol, EROFS, "repairing needs the volume open read-write");
    if (repair) {
        char uuid[36];
        int r = vmfs_live_host(vol, uuid);
        if (r < 0)
            return r;
        if (r == 1)
            return vol_fail(vol, EBUSY, "host %s has the volume open: repair needs it closed everywhere", uuid);
    }
    struct chk c = { .vol = vol, .repair = repair, .report = report, .ctx = ctx, .st = st,
                     .bm = { &vol->fbb, &vol->sbc, &vol->pbc, &vol->fdc } };
    c.ninodes = vol->fdc.hdr.total_items;
    c.ino = calloc(c.ninodes ? c.ninodes : 1, sizeof *c.ino);
    uint8_t *desired[NBM] = { 0 };
    int r = c.ino ? 0 : -ENOMEM;
    if (r == 0)
        r = read_heartbeats(&c);
    if (r == 0)
        r = read_bitmaps(&c);
    if (r == 0) {
        if (vol->fbb.hdr.total_items > vol->logical_size / vol->block_size)
            problem(&c, false, ".fbb.sf counts %u blocks, the volume has %llu", vol->fbb.hdr.total_items,
                    (unsigned long long)(vol->logical_size / vol->block_size));
        scan_inodes(&c);
        r = walk_tree(&c);
    }
    if (r == 0) {
        for (uint32_t i = 0; i < c.ninodes; i++) {
            if (c.ino[i].state != I_LIVE)
                continue;
            c.owner[FDC][i] = i + 1;
            check_inode(&c, i);
        }
        check_heartbeats(&c);
        check_locks(&c);
        check_links(&c);
        release_orphans(&c);
        fix_dirs(&c);
        own_journals(&c);
        for (int k = 0; k < NBM && r == 0; k++)
            if (!(desired[k] = calloc(c.bm[k]->hdr.total_items ? c.bm[k]->hdr.total_items : 1, 1)))
                r = -ENOMEM;
    }
    if (r == 0) {
        compare_bitmaps(&c, desired);
        if (repair) {
            rebuild_bitmaps(&c, desired);
            if (c.err == 0)
                c.err = vmfs_sync(vol);
            else
                meta_discard(vol);
        }
        r = c.err;
    }
    for (int k = 0; k < NBM; k++) {
        free(c.alloc[k]);
        free(c.owner[k]);
        free(c.shared[k]);
        free(c.entry_untrusted[k]);
        free(desired[k]);
    }
    if (c.ino)
        for (uint32_t i = 0; i < c.ninodes; i++)
            free(c.ino[i].name);
    free(c.ino);
    free(c.fixes);
    free(c.locks);
    free(c.gens);
    free(c.hb);
    if (r == -ENOMEM)
        return vol_fail(vol, ENOMEM, "out of memory");
    return r;
}
