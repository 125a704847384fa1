/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libvmfs internals shared by its source files: the open volume, the device
 * it sits on, the running metadata transaction and the bitmap files.
 * Nothing outside vmfs/lib includes this; programs use <vmfs/vmfs.h>.
 */
#ifndef VMFS_VOLUME_H
#define VMFS_VOLUME_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addrset.h"
#include "format.h"
#include "vmfs/vmfs.h"

struct vmfs_device {
    int fd;
    bool read_write;
    uint64_t base;          /* byte offset of the VMFS partition in the file */
    uint64_t size;          /* bytes from base to the end of the file or device */
    /* Crash simulation (VMFS_CRASH_AFTER_WRITES): once this many writes
     * reached the device, later writes are dropped as a power cut would. */
    long write_budget;
    unsigned long writes, dropped;  /* counted for the crash tests */
};

int device_open(struct vmfs_device *dev, const char *path, bool read_write, char *err, size_t errlen);
void device_close(struct vmfs_device *dev);
int device_read(const struct vmfs_device *dev, uint64_t off, void *buf, size_t len);
int device_write(struct vmfs_device *dev, uint64_t off, const void *buf, size_t len);
int device_sync(struct vmfs_device *dev);
/* The SCSI-2 reservation of ESX 3, emulated with a lock on the image file. */
void device_reserve(struct vmfs_device *dev);
void device_release(struct vmfs_device *dev);
/* A process that has a volume open read-write holds its heartbeat slot's
 * bytes with a file lock, so that other processes of this machine can
 * tell a live slot from one whose owner died, whatever its stamp says. */
int device_hold(struct vmfs_device *dev, uint64_t off, uint64_t len, bool hold);
bool device_held_elsewhere(const struct vmfs_device *dev, uint64_t off, uint64_t len);

/* One bitmap system file (.fbb/.sbc/.pbc/.fdc) and where it lives. */
struct vmfs_bitmap {
    const char *name;
    uint32_t magic;
    uint32_t inode_addr;            /* its FD address */
    struct vmfs_bitmap_header hdr;
    uint32_t entries;               /* number of bitmap entries in use */
    uint32_t blocks[VMFS_INODE_BLOCKS];     /* the file's direct file blocks */
    uint32_t nblocks;
    uint32_t hint;                  /* entry to try first when allocating */
    /* Found full (every entry without a free item) at this time and
     * cache epoch: allocations fail at once for a while instead of
     * reading every entry again; a free of ours ends it. */
    bool full;
    uint64_t full_us, full_epoch;
};

struct meta_sector;
struct meta_undo;

/* The running transaction: metadata sectors changed but not yet written
 * in place, and the objects locked for it. */
struct vmfs_tx {
    struct meta_sector **buckets;
    size_t nbuckets, nsectors;
    uint64_t min_lsn, max_lsn;      /* range of the sectors held */
    struct addrset locks;           /* logical addresses of objects we locked */
    uint64_t started_us;
    struct meta_undo *undo;         /* sectors as they were at the savepoint */
    size_t nundo, undo_cap;
    bool undo_active;
};

#define VMFS_JOURNAL_MAX_BLOCKS 16u

struct vmfs_journal {
    bool ready;
    uint32_t blocks[VMFS_JOURNAL_MAX_BLOCKS];   /* file block addresses */
    uint32_t nblocks;
    uint64_t seq;
};

#define VMFS_DIRCACHE_SLOTS 8u
struct dircache;

struct vmfs_volume {
    struct vmfs_device dev;
    struct vmfs_lvm_header lvm;
    struct vmfs_fs_desc fs;
    uint64_t block_size;
    uint64_t logical_size;
    struct vmfs_bitmap fbb, sbc, pbc, fdc;
    struct vmfs_tx tx;
    struct vmfs_journal journal;
    bool no_journal;
    struct vmfs_uuid host;          /* our host UUID (owner of our locks) */
    uint64_t hb_addr;               /* our heartbeat slot, 0 when read-only */
    uint64_t hb_gen;
    uint64_t hb_refreshed_us;
    uint64_t hb_timeout_us;
    uint32_t next_gen;              /* inode generation for the next new inode */
    struct dircache *dircache[VMFS_DIRCACHE_SLOTS];
    unsigned dircache_next;
    uint64_t cache_epoch;           /* bumped when an operation is rolled back */
    struct { uint64_t laddr; unsigned count; } *held;   /* inodes locked while open */
    size_t nheld, held_cap;
    char error[256];
};

/* Record a message for vmfs_error() and return -errnum. */
int vol_fail(struct vmfs_volume *vol, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
uint64_t vmfs_now_us(void);

/* Metadata I/O through the running transaction (meta.c). */
int meta_read(struct vmfs_volume *vol, uint64_t laddr, void *buf, size_t len);
int meta_write(struct vmfs_volume *vol, uint64_t laddr, const void *buf, size_t len);
int meta_commit(struct vmfs_volume *vol);
int meta_commit_keep_locks(struct vmfs_volume *vol);
void meta_discard(struct vmfs_volume *vol);
int meta_overlay_sector(struct vmfs_volume *vol, uint64_t lsn, const uint8_t *data);
bool meta_pending(const struct vmfs_volume *vol);
/* Does the running transaction hold every sector of the range? */
bool meta_holds(const struct vmfs_volume *vol, uint64_t laddr, size_t len);
void meta_savepoint(struct vmfs_volume *vol);
void meta_rollback(struct vmfs_volume *vol);
void meta_release_savepoint(struct vmfs_volume *vol);
/* File contents at logical addresses: straight to the device, but seen
 * through the transaction (a freed directory block may hold file data
 * before the transaction that freed it is written). */
int data_read(struct vmfs_volume *vol, uint64_t laddr, void *buf, size_t len);
int data_write(struct vmfs_volume *vol, uint64_t laddr, const void *buf, size_t len);

/* The metadata journal (journal.c). */
uint32_t journal_block_count(const struct vmfs_volume *vol);
uint64_t journal_capacity(const struct vmfs_volume *vol);
int journal_create(struct vmfs_volume *vol);
int journal_log(struct vmfs_volume *vol, const uint64_t *lsns, uint8_t *const *data, size_t n);
int journal_applied(struct vmfs_volume *vol);
int journal_replay(struct vmfs_volume *vol, uint32_t first, const struct vmfs_uuid *owner,
                   int (*apply)(struct vmfs_volume *vol, uint64_t lsn, const uint8_t *data), uint32_t *blocks,
                   uint32_t *nblocks);

/* Heartbeat and on-disk locks (heartbeat.c). */
int heartbeat_claim(struct vmfs_volume *vol);
int heartbeat_view(struct vmfs_volume *vol);
bool heartbeat_is_live(const struct vmfs_volume *vol, const struct vmfs_heartbeat *hb);
int heartbeat_release(struct vmfs_volume *vol);
int heartbeat_refresh(struct vmfs_volume *vol);
int lock_object(struct vmfs_volume *vol, uint64_t laddr);
void unlock_tx_objects(struct vmfs_volume *vol);
bool lock_is_held(const struct vmfs_volume *vol, uint64_t laddr);
void unlock_object(struct vmfs_volume *vol, uint64_t laddr);

/* Bitmaps (bitmap.c). */
int bitmap_load(struct vmfs_volume *vol, struct vmfs_bitmap *bm, uint32_t inode_addr, uint32_t magic,
                const char *name, uint32_t max_items, uint32_t max_entries);
int bitmap_alloc(struct vmfs_volume *vol, struct vmfs_bitmap *bm, uint32_t *index);
int bitmap_alloc_at(struct vmfs_volume *vol, struct vmfs_bitmap *bm, uint32_t index);
int bitmap_free(struct vmfs_volume *vol, struct vmfs_bitmap *bm, uint32_t index);
/* 1 allocated, 0 free, <0 error (index out of range or unreadable entry). */
int bitmap_is_allocated(struct vmfs_volume *vol, struct vmfs_bitmap *bm, uint32_t index);
int bitmap_item_laddr(const struct vmfs_volume *vol, const struct vmfs_bitmap *bm, uint32_t index,
                      uint64_t *laddr);
int bitmap_entry_laddr(const struct vmfs_volume *vol, const struct vmfs_bitmap *bm, uint32_t entry,
                       uint64_t *laddr);
enum item_io { ITEM_META_READ, ITEM_META_WRITE, ITEM_DATA_READ, ITEM_DATA_WRITE };
int bitmap_item_io(struct vmfs_volume *vol, struct vmfs_bitmap *bm, uint32_t index, uint32_t off, void *buf,
                   size_t len, enum item_io how);
int bitmap_count_free(struct vmfs_volume *vol, struct vmfs_bitmap *bm, uint64_t *free_items);

/* Inodes and their block maps (inode.c). */
int inode_laddr(struct vmfs_volume *vol, uint32_t addr, uint64_t *laddr);
int inode_read(struct vmfs_volume *vol, uint32_t addr, struct vmfs_inode *ino);
int inode_write(struct vmfs_volume *vol, struct vmfs_inode *ino);
int inode_alloc(struct vmfs_volume *vol, uint32_t type, uint32_t mode, struct vmfs_inode *ino);
int inode_free(struct vmfs_volume *vol, struct vmfs_inode *ino);
/* Block address backing byte `off` of the file (0 for a hole). */
int inode_get_block(struct vmfs_volume *vol, const struct vmfs_inode *ino, uint64_t off, uint32_t *blk);
uint64_t inode_unit(const struct vmfs_volume *vol, const struct vmfs_inode *ino);
int inode_set_block(struct vmfs_volume *vol, struct vmfs_inode *ino, uint64_t off, uint32_t blk);
int inode_to_pointer_mode(struct vmfs_volume *vol, struct vmfs_inode *ino);
bool inode_is_metadata(const struct vmfs_inode *ino);
int pb_index(struct vmfs_volume *vol, uint32_t pb, uint32_t *index);
int sb_index(struct vmfs_volume *vol, uint32_t sb, uint32_t *index);
int fb_laddr(struct vmfs_volume *vol, uint32_t fb, uint64_t *laddr);

/* File contents (file.c). */
int file_pread(struct vmfs_volume *vol, struct vmfs_inode *ino, void *buf, size_t len, uint64_t off);
int file_pwrite(struct vmfs_volume *vol, struct vmfs_inode *ino, const void *buf, size_t len, uint64_t off);
int file_truncate(struct vmfs_volume *vol, struct vmfs_inode *ino, uint64_t size);
int file_allocate(struct vmfs_volume *vol, struct vmfs_inode *ino, uint64_t size, enum vmfs_alloc how,
                  bool rezero);
uint64_t file_max_size(const struct vmfs_volume *vol);
int file_free_all(struct vmfs_volume *vol, struct vmfs_inode *ino);

/* The directory cache (dircache.c). */
struct dircache *dircache_get(struct vmfs_volume *vol, const struct vmfs_inode *dir);
int dircache_find(struct dircache *c, const char *name, struct vmfs_dirent *out, uint64_t *index);
void dircache_set(struct vmfs_volume *vol, const struct vmfs_inode *dir, uint64_t index,
                  const struct vmfs_dirent *ent);
void dircache_remove(struct vmfs_volume *vol, const struct vmfs_inode *dir, uint64_t index);
void dircache_free(struct vmfs_volume *vol);

/* Directories (dir.c). */
int dir_each(struct vmfs_volume *vol, struct vmfs_inode *dir,
             int (*fn)(void *ctx, const struct vmfs_dirent *ent, uint64_t index), void *ctx);
int dir_find(struct vmfs_volume *vol, struct vmfs_inode *dir, const char *name, struct vmfs_dirent *out,
             uint64_t *index);
int dir_add(struct vmfs_volume *vol, struct vmfs_inode *dir, const struct vmfs_dirent *ent);
int dir_remove(struct vmfs_volume *vol, struct vmfs_inode *dir, uint64_t index);
int dir_set(struct vmfs_volume *vol, struct vmfs_inode *dir, uint64_t index, const struct vmfs_dirent *ent);

#endif
