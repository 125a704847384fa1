/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libvmfs: a VMFS3 volume on a file, a partition or a whole disk with an
 * MBR partition of type 0xFB.  Functions return 0 (or a count) on success
 * and a negative errno on failure; vmfs_error() then says why in words,
 * naming the object concerned ("locked by host <uuid>", "bad magic", ...).
 *
 * Paths are absolute within the volume ("/dir/file.vmdk").  Changes are
 * grouped into a transaction that vmfs_sync() (and vmfs_close()) commits;
 * a volume open read-write holds a heartbeat slot until it is closed.
 */
#ifndef VMFS_VMFS_H
#define VMFS_VMFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct vmfs_volume;

/* Inode number seen by users: the file descriptor address on disk. */
typedef uint32_t vmfs_ino_t;

enum vmfs_alloc {
    VMFS_ALLOC_THIN,            /* holes: blocks allocated on first write */
    VMFS_ALLOC_ZEROEDTHICK,     /* blocks reserved, marked to-be-zeroed */
    VMFS_ALLOC_EAGERZEROED,     /* blocks reserved and zeroed now */
};

struct vmfs_open_options {
    bool read_write;
    const char *host_uuid;      /* "%08x-%08x-%04x-%012x"; NULL: this host's */
    /* Write metadata in place without a journal of our own: for vmfs-fsck,
     * which must not allocate from bitmaps it has not checked yet. */
    bool no_journal;
};

struct vmfs_create_options {
    const char *label;
    uint64_t block_size;        /* 1, 2, 4 or 8 MiB */
    const char *host_uuid;      /* NULL: this host's */
};

struct vmfs_stat {
    vmfs_ino_t ino;
    uint32_t type;              /* 2 directory, 3 file, 4 symlink, 5 system file */
    uint32_t mode;              /* permission bits */
    uint32_t nlink, uid, gid;
    uint64_t size;
    uint64_t allocated;         /* bytes of blocks allocated to the file */
    uint64_t blk_size;
    uint32_t zla, tbz_blocks;
    uint32_t atime, mtime, ctime;
    uint32_t gen;               /* generation of the file descriptor slot */
};

struct vmfs_info {
    char label[129];
    char fs_uuid[36], lvm_uuid[36];
    unsigned version_major, version_minor;
    uint32_t mode;              /* 0 private, 2 public */
    uint64_t block_size, capacity, free_bytes;
    uint32_t total_blocks, free_blocks;
    uint32_t total_inodes, free_inodes;
    uint32_t partitions;
};

int vmfs_create(const char *device, const struct vmfs_create_options *opt, char *err, size_t errlen);
int vmfs_open(const char *device, const struct vmfs_open_options *opt, struct vmfs_volume **out,
              char *err, size_t errlen);
int vmfs_close(struct vmfs_volume *vol);
const char *vmfs_error(const struct vmfs_volume *vol);
int vmfs_info(struct vmfs_volume *vol, struct vmfs_info *info);
/* Commit the running transaction (and flush file data). */
int vmfs_sync(struct vmfs_volume *vol);
/* Refresh our heartbeat and commit an old transaction; call every second or so. */
int vmfs_tick(struct vmfs_volume *vol);
/* 1 and the owner's UUID if another host holds a live heartbeat slot. */
int vmfs_live_host(struct vmfs_volume *vol, char uuid[36]);
/* This host's UUID as written in heartbeats and locks. */
void vmfs_host_uuid(const struct vmfs_volume *vol, char out[36]);

int vmfs_lookup(struct vmfs_volume *vol, const char *path, vmfs_ino_t *ino);
int vmfs_stat(struct vmfs_volume *vol, vmfs_ino_t ino, struct vmfs_stat *st);
/* Calls fn(name, ino, type) for every entry (".", ".." included); stops when fn returns non-zero. */
int vmfs_readdir(struct vmfs_volume *vol, vmfs_ino_t dir,
                 int (*fn)(void *ctx, const char *name, vmfs_ino_t ino, uint32_t type), void *ctx);
int vmfs_mkfile(struct vmfs_volume *vol, const char *path, uint32_t mode, vmfs_ino_t *ino);
int vmfs_mkdir(struct vmfs_volume *vol, const char *path, uint32_t mode);
int vmfs_symlink(struct vmfs_volume *vol, const char *target, const char *path);
ssize_t vmfs_readlink(struct vmfs_volume *vol, vmfs_ino_t ino, char *buf, size_t size);
int vmfs_unlink(struct vmfs_volume *vol, const char *path);
int vmfs_rmdir(struct vmfs_volume *vol, const char *path);
int vmfs_rename(struct vmfs_volume *vol, const char *from, const char *to);
int vmfs_link(struct vmfs_volume *vol, const char *existing, const char *path);
/* The same by directory and name (FUSE's low-level requests): no path
 * walk from the root.  vmfs_lookup_at fills *st of the file found. */
int vmfs_lookup_at(struct vmfs_volume *vol, vmfs_ino_t dir, const char *name, struct vmfs_stat *st);
int vmfs_mkfile_at(struct vmfs_volume *vol, vmfs_ino_t dir, const char *name, uint32_t mode, vmfs_ino_t *ino);
int vmfs_mkdir_at(struct vmfs_volume *vol, vmfs_ino_t dir, const char *name, uint32_t mode, vmfs_ino_t *ino);
int vmfs_symlink_at(struct vmfs_volume *vol, const char *target, vmfs_ino_t dir, const char *name,
                    vmfs_ino_t *ino);
int vmfs_unlink_at(struct vmfs_volume *vol, vmfs_ino_t dir, const char *name);
int vmfs_rmdir_at(struct vmfs_volume *vol, vmfs_ino_t dir, const char *name);
int vmfs_rename_at(struct vmfs_volume *vol, vmfs_ino_t from_dir, const char *from, vmfs_ino_t to_dir,
                   const char *to);
int vmfs_link_at(struct vmfs_volume *vol, vmfs_ino_t ino, vmfs_ino_t dir, const char *name);
ssize_t vmfs_pread(struct vmfs_volume *vol, vmfs_ino_t ino, void *buf, size_t len, uint64_t off);
ssize_t vmfs_pwrite(struct vmfs_volume *vol, vmfs_ino_t ino, const void *buf, size_t len, uint64_t off);
int vmfs_truncate(struct vmfs_volume *vol, vmfs_ino_t ino, uint64_t size);
/* Grow to `size` with blocks allocated the given way (thick disks). */
int vmfs_allocate(struct vmfs_volume *vol, vmfs_ino_t ino, uint64_t size, enum vmfs_alloc how);
/* Keep a file locked by this host while it is open for writing (counted). */
int vmfs_hold(struct vmfs_volume *vol, vmfs_ino_t ino);
void vmfs_unhold(struct vmfs_volume *vol, vmfs_ino_t ino);
/* The file's lock and inode as `vmkfstools -D` prints them. */
int vmfs_describe(struct vmfs_volume *vol, vmfs_ino_t ino, char *out, size_t size);
/* Write zeros over the whole file, allocating its holes (vmkfstools -w). */
int vmfs_zero(struct vmfs_volume *vol, vmfs_ino_t ino);
int vmfs_chmod(struct vmfs_volume *vol, vmfs_ino_t ino, uint32_t mode);
int vmfs_chown(struct vmfs_volume *vol, vmfs_ino_t ino, uint32_t uid, uint32_t gid);
int vmfs_utimes(struct vmfs_volume *vol, vmfs_ino_t ino, uint32_t atime, uint32_t mtime);

/* vmfs-fsck's checker (vmfs/lib/check.c): everything vmfs-tools'
 * fsck.vmfs and check_vol_bitmaps check, and our own invariants.  Each
 * problem is one line to report() (" (fixed)" appended when repaired;
 * notes start with "note: ").  VMFS_CHECK_REPAIR needs the volume open
 * read-write with no_journal and no other host on it; it repairs only what
 * is safe, writes through the metadata path and commits with vmfs_sync().
 * Returns 0, or a negative errno when the check itself could not run. */
#define VMFS_CHECK_REPAIR 0x1u
struct vmfs_check_stats {
    unsigned errors;            /* problems found */
    unsigned fixed;             /* of those, repaired by this run */
    unsigned notes;             /* not damage: dead hosts' locks, hosts on the volume */
    unsigned notes_fixed;       /* stale locks cleared */
};
int vmfs_check_volume(struct vmfs_volume *vol, unsigned flags, void (*report)(void *ctx, const char *msg),
                      void *ctx, struct vmfs_check_stats *st);

#endif
