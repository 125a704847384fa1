// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmfs-fuse: mount a VMFS3 volume read-write with FUSE 3, invoked like
 * vmfs-tools' program of the same name:
 *
 *   vmfs-fuse [-r] [--host-uuid UUID] [-o OPTIONS] <device-or-image> <mountpoint> [FUSE options]
 *
 * Unmount with `fusermount3 -u <mountpoint>`: the transaction is committed
 * and the heartbeat slot freed.  vmkfstools' VMFS-specific requests
 * (volume facts, a file's lock, allocation) travel as ioctls
 * (vmfs/ioctl.h).  VMFS has no extended attributes, and the mount answers
 * none, so that the kernel stops asking before each write.
 *
 * It speaks FUSE's low-level protocol: a kernel inode number is the VMFS
 * file descriptor address (the root's is FUSE's 1) and its generation the
 * slot's, so requests name files directly instead of by path, and the
 * kernel may keep names and attributes for a second (ATTR_TIMEOUT).  Every
 * change made through this mount comes back in the reply; what this
 * process changes by itself (allocation requests) is invalidated in the
 * kernel at once.  Other hosts' changes to a file are seen within the
 * timeout, as on NFS.
 */
#define FUSE_USE_VERSION 35
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fuse_loop.h"
#include "vmfs/ioctl.h"
#include "vmfs/vmfs.h"

#define ATTR_TIMEOUT 1.0

static struct {
    struct vmfs_volume *vol;
    struct fuse_session *se;
    const char *device;
    bool read_only;
    const char *host_uuid;
    vmfs_ino_t root;
    pthread_mutex_t lock;
    pthread_t ticker;
    bool stop;
    char *iobuf;                /* read requests, under the lock */
    size_t iobuf_size;
} g = { .lock = PTHREAD_MUTEX_INITIALIZER };

#define LOCKED(expr)                      \
    ({                                    \
        pthread_mutex_lock(&g.lock);      \
        __typeof__(expr) res_ = (expr);   \
        pthread_mutex_unlock(&g.lock);    \
        res_;                             \
    })

static vmfs_ino_t vino(fuse_ino_t ino) { return ino == FUSE_ROOT_ID ? g.root : (vmfs_ino_t)ino; }
static fuse_ino_t fino(vmfs_ino_t ino) { return ino == g.root ? FUSE_ROOT_ID : ino; }

static mode_t type_bits(uint32_t type)
{
    switch (type) {
    case 2: return S_IFDIR;
    case 4: return S_IFLNK;
    default: return S_IFREG;
    }
}

static void fill_stat(const struct vmfs_stat *s, struct stat *st)
{
    memset(st, 0, sizeof *st);
    st->st_ino = s->ino;
    st->st_mode = type_bits(s->type) | s->mode;
    st->st_nlink = s->nlink;
    st->st_uid = s->uid;
    st->st_gid = s->gid;
    st->st_size = (off_t)s->size;
    st->st_blksize = 1 << 20;
    st->st_blocks = (blkcnt_t)(s->allocated / 512);
    st->st_atime = s->atime;
    st->st_mtime = s->mtime;
    st->st_ctime = s->ctime;
}

/* Errors worth an administrator's attention go to the log with the reason. */
static int logged(const char *what, int r)
{
    if (r == -EBUSY || r == -EIO)
        fprintf(stderr, "vmfs-fuse: %s: %s\n", what, vmfs_error(g.vol));
    return r;
}

static void reply_err(fuse_req_t req, int r) { fuse_reply_err(req, r < 0 ? -r : 0); }

static void reply_entry(fuse_req_t req, int r, const struct vmfs_stat *s)
{
    if (r < 0) {
        reply_err(req, r);
        return;
    }
    struct fuse_entry_param e = { .ino = fino(s->ino), .generation = s->gen, .attr_timeout = ATTR_TIMEOUT,
                                  .entry_timeout = ATTR_TIMEOUT };
    fill_stat(s, &e.attr);
    fuse_reply_entry(req, &e);
}

static void reply_attr(fuse_req_t req, int r, const struct vmfs_stat *s)
{
    if (r < 0) {
        reply_err(req, r);
        return;
    }
    struct stat st;
    fill_stat(s, &st);
    fuse_reply_attr(req, &st, ATTR_TIMEOUT);
}

static bool for_writing(const struct fuse_file_info *fi) { return (fi->flags & O_ACCMODE) != O_RDONLY; }

/* An open file's handle: its inode, and whether it was opened for writing
 * (an ioctl's request carries the handle but not the open flags). */
static uint64_t file_handle(vmfs_ino_t ino, bool writable) { return (uint64_t)ino << 1 | writable; }
static vmfs_ino_t handle_ino(const struct fuse_file_info *fi) { return (vmfs_ino_t)(fi->fh >> 1); }
static bool handle_writable(const struct fuse_file_info *fi) { return fi->fh & 1; }

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    struct vmfs_stat s;
    int r = LOCKED(vmfs_lookup_at(g.vol, vino(parent), name, &s));
    reply_entry(req, r, &s);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
    (void)ino, (void)nlookup;
    fuse_reply_none(req);       /* no state per kernel inode */
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    (void)fi;
    struct vmfs_stat s;
    int r = LOCKED(vmfs_stat(g.vol, vino(ino), &s));
    reply_attr(req, r, &s);
}

static uint32_t pick_time(int to_set, int set_bit, int now_bit, const struct timespec *ts, uint32_t old)
{
    if (to_set & now_bit)
        return (uint32_t)time(NULL);
    if (to_set & set_bit)
        return (uint32_t)ts->tv_sec;
    return old;
}

static int do_setattr(vmfs_ino_t ino, const struct stat *attr, int to_set, struct vmfs_stat *s)
{
    int r = vmfs_stat(g.vol, ino, s);
    if (r == 0 && (to_set & FUSE_SET_ATTR_MODE))
        r = vmfs_chmod(g.vol, ino, attr->st_mode & 07777);
    if (r == 0 && (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)))
        r = vmfs_chown(g.vol, ino, (to_set & FUSE_SET_ATTR_UID) ? attr->st_uid : s->uid,
                       (to_set & FUSE_SET_ATTR_GID) ? attr->st_gid : s->gid);
    if (r == 0 && (to_set & FUSE_SET_ATTR_SIZE))
        r = logged("truncate", vmfs_truncate(g.vol, ino, (uint64_t)attr->st_size));
    int times = FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW;
    if (r == 0 && (to_set & times))
        r = vmfs_utimes(g.vol, ino,
                        pick_time(to_set, FUSE_SET_ATTR_ATIME, FUSE_SET_ATTR_ATIME_NOW, &attr->st_atim, s->atime),
                        pick_time(to_set, FUSE_SET_ATTR_MTIME, FUSE_SET_ATTR_MTIME_NOW, &attr->st_mtim, s->mtime));
    return r < 0 ? r : vmfs_stat(g.vol, ino, s);
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set, struct fuse_file_info *fi)
{
    (void)fi;
    struct vmfs_stat s;
    int r = LOCKED(do_setattr(vino(ino), attr, to_set, &s));
    reply_attr(req, r, &s);
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
    char buf[4096];
    int r = (int)LOCKED(vmfs_readlink(g.vol, vino(ino), buf, sizeof buf));
    if (r < 0)
        reply_err(req, r);
    else
        fuse_reply_readlink(req, buf);
}

/* Owner and group of a new file: the caller's, or (System V) the
 * directory's group when the directory has its set-group-ID bit, which a
 * new directory inherits. */
static int set_owner(fuse_req_t req, vmfs_ino_t parent, vmfs_ino_t ino, bool is_dir, mode_t mode)
{
    const struct fuse_ctx *ctx = fuse_req_ctx(req);
    struct vmfs_stat ps;
    gid_t gid = ctx->gid;
    int r = 0;
    if (vmfs_stat(g.vol, parent, &ps) == 0 && (ps.mode & S_ISGID)) {
        gid = ps.gid;
        if (is_dir)
            r = vmfs_chmod(g.vol, ino, (mode & 07777) | S_ISGID);
    }
    if (r == 0 && (ctx->uid || gid))
        r = vmfs_chown(g.vol, ino, ctx->uid, gid);
    return r;
}

static int do_mkdir(fuse_req_t req, vmfs_ino_t parent, const char *name, mode_t mode, struct vmfs_stat *s)
{
    vmfs_ino_t ino;
    int r = vmfs_mkdir_at(g.vol, parent, name, mode & 07777, &ino);
    if (r == 0)
        r = set_owner(req, parent, ino, true, mode);
    return logged(name, r < 0 ? r : vmfs_stat(g.vol, ino, s));
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
    struct vmfs_stat s;
    int r = LOCKED(do_mkdir(req, vino(parent), name, mode, &s));
    reply_entry(req, r, &s);
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    reply_err(req, LOCKED(logged(name, vmfs_unlink_at(g.vol, vino(parent), name))));
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    reply_err(req, LOCKED(logged(name, vmfs_rmdir_at(g.vol, vino(parent), name))));
}

static int do_symlink(const char *target, vmfs_ino_t parent, const char *name, struct vmfs_stat *s)
{
    vmfs_ino_t ino;
    int r = vmfs_symlink_at(g.vol, target, parent, name, &ino);
    return r < 0 ? r : vmfs_stat(g.vol, ino, s);
}

static void op_symlink(fuse_req_t req, const char *target, fuse_ino_t parent, const char *name)
{
    struct vmfs_stat s;
    int r = LOCKED(do_symlink(target, vino(parent), name, &s));
    reply_entry(req, r, &s);
}

static int do_rename(vmfs_ino_t from_dir, const char *from, vmfs_ino_t to_dir, const char *to, unsigned flags)
{
    struct vmfs_stat s;
    if (flags & RENAME_EXCHANGE)
        return -EINVAL;
    if ((flags & RENAME_NOREPLACE) && vmfs_lookup_at(g.vol, to_dir, to, &s) == 0)
        return -EEXIST;
    return logged(from, vmfs_rename_at(g.vol, from_dir, from, to_dir, to));
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
                      const char *newname, unsigned int flags)
{
    reply_err(req, LOCKED(do_rename(vino(parent), name, vino(newparent), newname, flags)));
}

static int do_link(vmfs_ino_t ino, vmfs_ino_t dir, const char *name, struct vmfs_stat *s)
{
    int r = vmfs_link_at(g.vol, ino, dir, name);
    return r < 0 ? r : vmfs_stat(g.vol, ino, s);
}

static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
    struct vmfs_stat s;
    int r = LOCKED(do_link(vino(ino), vino(newparent), newname, &s));
    reply_entry(req, r, &s);
}

static int do_open(vmfs_ino_t ino, struct fuse_file_info *fi)
{
    int r = 0;
    if (for_writing(fi))
        r = vmfs_hold(g.vol, ino);
    if (r == 0 && (fi->flags & O_TRUNC) && (r = vmfs_truncate(g.vol, ino, 0)) < 0)
        vmfs_unhold(g.vol, ino);
    if (r == 0)
        fi->fh = file_handle(ino, for_writing(fi));
    return logged("open", r);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    int r = LOCKED(do_open(vino(ino), fi));
    if (r < 0)
        reply_err(req, r);
    else
        fuse_reply_open(req, fi);
}

static int do_create(fuse_req_t req, vmfs_ino_t parent, const char *name, mode_t mode, struct fuse_file_info *fi,
                     struct vmfs_stat *s)
{
    vmfs_ino_t ino;
    int r = vmfs_mkfile_at(g.vol, parent, name, mode & 07777, &ino);
    if (r == 0)
        r = set_owner(req, parent, ino, false, mode);
    if (r == 0 && for_writing(fi))
        r = vmfs_hold(g.vol, ino);
    if (r == 0 && (r = vmfs_stat(g.vol, ino, s)) < 0 && for_writing(fi))
        vmfs_unhold(g.vol, ino);
    if (r == 0)
        fi->fh = file_handle(ino, for_writing(fi));
    return logged(name, r);
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, struct fuse_file_info *fi)
{
    struct vmfs_stat s;
    int r = LOCKED(do_create(req, vino(parent), name, mode, fi, &s));
    if (r < 0) {
        reply_err(req, r);
        return;
    }
    struct fuse_entry_param e = { .ino = fino(s.ino), .generation = s.gen, .attr_timeout = ATTR_TIMEOUT,
                                  .entry_timeout = ATTR_TIMEOUT };
    fill_stat(&s, &e.attr);
    fuse_reply_create(req, &e, fi);
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    (void)ino;
    if (handle_writable(fi)) {
        pthread_mutex_lock(&g.lock);
        vmfs_unhold(g.vol, handle_ino(fi));
        pthread_mutex_unlock(&g.lock);
    }
    reply_err(req, 0);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
    (void)ino;
    pthread_mutex_lock(&g.lock);
    ssize_t n = -ENOMEM;
    if (size > g.iobuf_size) {
        free(g.iobuf);
        g.iobuf_size = 0;
        if ((g.iobuf = malloc(size)) != NULL)
            g.iobuf_size = size;
    }
    if (g.iobuf)
        n = vmfs_pread(g.vol, handle_ino(fi), g.iobuf, size, (uint64_t)off);
    if (n < 0)
        reply_err(req, (int)n);
    else
        fuse_reply_buf(req, g.iobuf, (size_t)n);
    pthread_mutex_unlock(&g.lock);
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
                     struct fuse_file_info *fi)
{
    (void)ino;
    ssize_t n = LOCKED(vmfs_pwrite(g.vol, handle_ino(fi), buf, size, (uint64_t)off));
    if (n < 0)
        reply_err(req, logged("write", (int)n));
    else
        fuse_reply_write(req, (size_t)n);
}

static void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
    (void)ino, (void)datasync, (void)fi;
    reply_err(req, LOCKED(vmfs_sync(g.vol)));
}

/* A directory is read whole at opendir; readdir hands it out by index. */
struct dir_snapshot {
    size_t n, cap;
    bool failed;                /* out of memory */
    struct dir_item {
        char *name;
        vmfs_ino_t ino;
        uint32_t type;
    } *items;
};

static int snap_one(void *ctx, const char *name, vmfs_ino_t ino, uint32_t type)
{
    struct dir_snapshot *d = ctx;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 64;
        struct dir_item *items = realloc(d->items, cap * sizeof *items);
        if (!items)
            return d->failed = true;
        d->items = items;
        d->cap = cap;
    }
    if (!(d->items[d->n].name = strdup(name)))
        return d->failed = true;
    d->items[d->n].ino = ino;
    d->items[d->n++].type = type;
    return 0;
}

static void snap_free(struct dir_snapshot *d)
{
    for (size_t i = 0; d && i < d->n; i++)
        free(d->items[i].name);
    if (d)
        free(d->items);
    free(d);
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct dir_snapshot *d = calloc(1, sizeof *d);
    int r = d ? LOCKED(vmfs_readdir(g.vol, vino(ino), snap_one, d)) : -ENOMEM;
    if (r == 0 && d->failed)
        r = -ENOMEM;
    if (r < 0) {
        snap_free(d);
        reply_err(req, r);
        return;
    }
    fi->fh = (uintptr_t)d;
    fuse_reply_open(req, fi);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
    (void)ino;
    struct dir_snapshot *d = (struct dir_snapshot *)(uintptr_t)fi->fh;
    char *buf = malloc(size);
    if (!buf) {
        reply_err(req, -ENOMEM);
        return;
    }
    size_t used = 0;
    for (size_t i = (size_t)off; i < d->n; i++) {
        struct stat st = { .st_ino = d->items[i].ino, .st_mode = type_bits(d->items[i].type) };
        size_t need = fuse_add_direntry(req, buf + used, size - used, d->items[i].name, &st, (off_t)i + 1);
        if (need > size - used)
            break;
        used += need;
    }
    fuse_reply_buf(req, buf, used);
    free(buf);
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    (void)ino;
    snap_free((struct dir_snapshot *)(uintptr_t)fi->fh);
    reply_err(req, 0);
}

static void op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
    op_fsync(req, ino, datasync, fi);
}

static int do_statfs(struct statvfs *st)
{
    struct vmfs_info in;
    int r = vmfs_info(g.vol, &in);
    if (r < 0)
        return r;
    memset(st, 0, sizeof *st);
    st->f_bsize = st->f_frsize = (unsigned long)in.block_size;
    st->f_blocks = in.total_blocks;
    st->f_bfree = st->f_bavail = in.free_blocks;
    st->f_files = in.total_inodes;
    st->f_ffree = st->f_favail = in.free_inodes;
    st->f_namemax = 127;
    return 0;
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
    (void)ino;
    struct statvfs st;
    int r = LOCKED(do_statfs(&st));
    if (r < 0)
        reply_err(req, r);
    else
        fuse_reply_statfs(req, &st);
}

static int do_fallocate(vmfs_ino_t ino, int mode, off_t off, off_t len)
{
    struct vmfs_stat s;
    if (mode != 0)
        return -EOPNOTSUPP;
    int r = vmfs_stat(g.vol, ino, &s);
    if (r == 0 && (uint64_t)(off + len) > s.size)
        r = vmfs_allocate(g.vol, ino, (uint64_t)(off + len), VMFS_ALLOC_ZEROEDTHICK);
    return r;
}

static void op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off, off_t len, struct fuse_file_info *fi)
{
    (void)fi;
    reply_err(req, LOCKED(do_fallocate(vino(ino), mode, off, len)));
}

/* The answer to VMFS_IOC_VOLUME. */
static int volume_text(char *text, size_t size)
{
    struct vmfs_info in;
    int r = vmfs_info(g.vol, &in);
    if (r < 0)
        return r;
    snprintf(text, size,
             "label=%s\nuuid=%s\nlvm_uuid=%s\nversion=%u.%u\nmode=%u\nblock_size=%" PRIu64
             "\ncapacity=%" PRIu64 "\nfree=%" PRIu64 "\ntotal_blocks=%u\nfree_blocks=%u\npartitions=%u\ndevice=%s\n",
             in.label, in.fs_uuid, in.lvm_uuid, in.version_major, in.version_minor, in.mode, in.block_size,
             in.capacity, in.free_bytes, in.total_blocks, in.free_blocks, in.partitions, g.device);
    return 0;
}

static int do_allocate(vmfs_ino_t ino, const struct vmfs_ioc_allocate *a)
{
    if (a->reserved || (a->how != VMFS_ALLOC_THIN && a->how != VMFS_ALLOC_ZEROEDTHICK &&
                        a->how != VMFS_ALLOC_EAGERZEROED))
        return -EINVAL;
    return vmfs_allocate(g.vol, ino, a->size, (enum vmfs_alloc)a->how);
}

/* VMFS_IOC_ALLOCATE or VMFS_IOC_ZERO, through a file open for writing. */
static int change_allocation(fuse_ino_t ino, unsigned int cmd, unsigned flags, const struct fuse_file_info *fi,
                             const struct vmfs_ioc_allocate *a)
{
    if ((flags & FUSE_IOCTL_DIR) || !handle_writable(fi))
        return -EBADF;
    int r = cmd == VMFS_IOC_ZERO ? LOCKED(vmfs_zero(g.vol, vino(ino))) : LOCKED(do_allocate(vino(ino), a));
    /* The size and contents changed behind the kernel's back. */
    if (r == 0)
        fuse_lowlevel_notify_inval_inode(g.se, ino, 0, 0);
    return r;
}

/* vmkfstools' requests (vmfs/ioctl.h); anything else (a program asking
 * whether the file is a terminal) is not for a file here. */
static void op_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void *arg, struct fuse_file_info *fi,
                     unsigned flags, const void *in, size_t in_size, size_t out_size)
{
    (void)arg;
    bool native = !(flags & FUSE_IOCTL_COMPAT);
    struct vmfs_ioc_text out;
    int r = -ENOTTY;
    if (native && (cmd == VMFS_IOC_VOLUME || cmd == VMFS_IOC_DESCRIBE) && out_size == sizeof out) {
        r = cmd == VMFS_IOC_VOLUME ? LOCKED(volume_text(out.text, sizeof out.text))
                                   : LOCKED(vmfs_describe(g.vol, vino(ino), out.text, sizeof out.text));
        if (r == 0) {
            fuse_reply_ioctl(req, 0, &out, sizeof out);
            return;
        }
    } else if (native && ((cmd == VMFS_IOC_ALLOCATE && in_size == sizeof(struct vmfs_ioc_allocate)) ||
                          cmd == VMFS_IOC_ZERO)) {
        r = change_allocation(ino, cmd, flags, fi, in);
        if (r == 0) {
            fuse_reply_ioctl(req, 0, NULL, 0);
            return;
        }
    }
    reply_err(req, r);
}

static void *ticker(void *arg)
{
    (void)arg;
    for (;;) {
        sleep(1);
        pthread_mutex_lock(&g.lock);
        bool stop = g.stop;
        if (!stop)
            vmfs_tick(g.vol);
        pthread_mutex_unlock(&g.lock);
        if (stop)
            return NULL;
    }
}

static void op_init(void *data, struct fuse_conn_info *conn)
{
    (void)data;
    /* Fewer, larger requests: whole 1 MiB file blocks at a time, and
     * open(O_TRUNC) in one request. */
    conn->max_write = 1u << 20;
    conn->max_readahead = 1u << 20;
    if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
        conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
    /* Cached pages are dropped at each open (no keep_cache), so the
     * kernel need not compare mtimes to invalidate them. */
    conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;
    if (!g.read_only)
        pthread_create(&g.ticker, NULL, ticker, NULL);
}

static void op_destroy(void *data)
{
    (void)data;
    pthread_mutex_lock(&g.lock);
    g.stop = true;
    pthread_mutex_unlock(&g.lock);
    if (!g.read_only)
        pthread_join(g.ticker, NULL);
    if (vmfs_close(g.vol) < 0)
        fprintf(stderr, "vmfs-fuse: closing %s failed\n", g.device);
    g.vol = NULL;
}

static const struct fuse_lowlevel_ops ops = {
    .init = op_init,
    .destroy = op_destroy,
    .lookup = op_lookup,
    .forget = op_forget,
    .getattr = op_getattr,
    .setattr = op_setattr,
    .readlink = op_readlink,
    .mkdir = op_mkdir,
    .unlink = op_unlink,
    .rmdir = op_rmdir,
    .symlink = op_symlink,
    .rename = op_rename,
    .link = op_link,
    .open = op_open,
    .read = op_read,
    .write = op_write,
    .release = op_release,
    .fsync = op_fsync,
    .opendir = op_opendir,
    .readdir = op_readdir,
    .releasedir = op_releasedir,
    .fsyncdir = op_fsyncdir,
    .statfs = op_statfs,
    .ioctl = op_ioctl,
    .create = op_create,
    .fallocate = op_fallocate,
};

/* Does this FUSE option argument open the mount to other users? */
static bool opens_to_others(const char *arg)
{
    return strstr(arg, "allow_other") != NULL || strstr(arg, "allow_root") != NULL;
}

static void usage(FILE *out)
{
    fprintf(out, "Usage: vmfs-fuse [-r] [--host-uuid UUID] [-o OPTIONS] <device-or-image> <mountpoint> [FUSE options]\n"
                 "Mounts a VMFS3 volume (read-write unless -r).  Unmount with fusermount3 -u <mountpoint>.\n");
}

int main(int argc, char **argv)
{
    /* FUSE gets: program, -o OPTIONS given before the device, mountpoint,
     * our fixed options, the user's after the mountpoint. */
    char **fargv = calloc((size_t)argc + 8, sizeof *fargv);
    if (!fargv)
        return 1;
    int fargc = 0;
    fargv[fargc++] = argv[0];
    bool shared = false;        /* opened to other users */
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-r") == 0 || strcmp(argv[i], "--read-only") == 0) {
            g.read_only = true;
        } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            fargv[fargc++] = argv[i];
            fargv[fargc++] = argv[++i];
            shared |= opens_to_others(argv[i]);
        } else if (strcmp(argv[i], "--host-uuid") == 0 && i + 1 < argc) {
            g.host_uuid = argv[++i];
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            break;
        }
    }
    if (argc - i < 2) {
        usage(stderr);
        return 1;
    }
    static char device[4096];
    g.device = realpath(argv[i], device) ? device : argv[i];
    const char *mountpoint = argv[i + 1];
    char err[512] = "";
    struct vmfs_open_options oo = { .read_write = !g.read_only, .host_uuid = g.host_uuid };
    if (vmfs_open(g.device, &oo, &g.vol, err, sizeof err) < 0) {
        fprintf(stderr, "vmfs-fuse: %s\n", err);
        return 1;
    }
    if (vmfs_lookup(g.vol, "/", &g.root) < 0) {
        fprintf(stderr, "vmfs-fuse: %s: %s\n", g.device, vmfs_error(g.vol));
        vmfs_close(g.vol);
        return 1;
    }
    fargv[fargc++] = (char *)mountpoint;
    fargv[fargc++] = "-o";
    fargv[fargc++] = g.read_only ? "ro,fsname=vmfs,subtype=vmfs" : "fsname=vmfs,subtype=vmfs";
    for (int k = i + 2; k < argc; k++) {
        fargv[fargc++] = argv[k];
        shared |= opens_to_others(argv[k]);
    }
    /* A mount only its owner may enter needs no checks of file modes: its
     * owner can write the volume itself.  Without them the kernel need not
     * fetch a directory's attributes again after each file created in it.
     * A mount others may enter (allow_other) is checked by the kernel. */
    if (shared) {
        fargv[fargc++] = "-o";
        fargv[fargc++] = "default_permissions";
    }
    struct fuse_args args = FUSE_ARGS_INIT(fargc, fargv);
    struct fuse_cmdline_opts opts = { 0 };
    int rc = 1;
    if (fuse_parse_cmdline(&args, &opts) != 0 || !opts.mountpoint) {
        usage(stderr);
    } else if ((g.se = fuse_session_new(&args, &ops, sizeof ops, NULL)) != NULL) {
        if (fuse_set_signal_handlers(g.se) == 0) {
            if (fuse_session_mount(g.se, opts.mountpoint) == 0) {
                fuse_daemonize(opts.foreground);
                rc = fuse_spin_loop(g.se) ? 1 : 0;     /* one thread: requests in order, no hand-offs */
                fuse_session_unmount(g.se);
            }
            fuse_remove_signal_handlers(g.se);
        }
        fuse_session_destroy(g.se);
    }
    free(opts.mountpoint);
    fuse_opt_free_args(&args);
    if (g.vol)
        vmfs_close(g.vol);      /* the session failed before init */
    free(fargv);
    free(g.iobuf);
    return rc;
}
