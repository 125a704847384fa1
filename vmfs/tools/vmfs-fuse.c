// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmfs-fuse: mount a VMFS3 volume read-write with FUSE 3, invoked like
 * vmfs-tools' program of the same name:
 *
 *   vmfs-fuse [-r] [--host-uuid UUID] <device-or-image> <mountpoint> [FUSE options]
 *
 * Unmount with `fusermount3 -u <mountpoint>`: the transaction is committed
 * and the heartbeat slot freed.  VMFS-specific requests travel as extended
 * attributes in the user.vmfs namespace, which vmkfstools uses:
 *   user.vmfs.volume    (get) the volume's label, UUIDs, sizes and device
 *   user.vmfs.inode     (get) the file's lock and inode, as vmkfstools -D prints them
 *   user.vmfs.allocate  (set) "zeroedthick SIZE", "eagerzeroedthick SIZE" or "zero"
 */
#define FUSE_USE_VERSION 35
#define _GNU_SOURCE
#include <errno.h>
#include <fuse.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmfs/vmfs.h"

static struct {
    struct vmfs_volume *vol;
    const char *device;
    bool read_only;
    const char *host_uuid;
    pthread_mutex_t lock;
    pthread_t ticker;
    bool stop;
} g = { .lock = PTHREAD_MUTEX_INITIALIZER };

#define LOCKED(expr)                      \
    ({                                    \
        pthread_mutex_lock(&g.lock);      \
        __typeof__(expr) res_ = (expr);   \
        pthread_mutex_unlock(&g.lock);    \
        res_;                             \
    })

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

static int do_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    vmfs_ino_t ino;
    struct vmfs_stat s;
    int r = fi ? (ino = (vmfs_ino_t)fi->fh, 0) : vmfs_lookup(g.vol, path, &ino);
    if (r == 0)
        r = vmfs_stat(g.vol, ino, &s);
    if (r == 0)
        fill_stat(&s, st);
    return r;
}

static int op_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    return LOCKED(do_getattr(path, st, fi));
}

struct fill_ctx {
    void *buf;
    fuse_fill_dir_t filler;
};

static int fill_one(void *ctx, const char *name, vmfs_ino_t ino, uint32_t type)
{
    struct fill_ctx *c = ctx;
    struct stat st = { .st_ino = ino, .st_mode = type_bits(type) };
    return c->filler(c->buf, name, &st, 0, 0);
}

static int do_readdir(const char *path, void *buf, fuse_fill_dir_t filler)
{
    vmfs_ino_t ino;
    int r = vmfs_lookup(g.vol, path, &ino);
    struct fill_ctx c = { buf, filler };
    return r < 0 ? r : vmfs_readdir(g.vol, ino, fill_one, &c);
}

static int op_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off, struct fuse_file_info *fi,
                      enum fuse_readdir_flags flags)
{
    (void)off, (void)fi, (void)flags;
    return LOCKED(do_readdir(path, buf, filler));
}

static bool for_writing(const struct fuse_file_info *fi) { return (fi->flags & O_ACCMODE) != O_RDONLY; }

/* Errors worth an administrator's attention go to the log with the reason. */
static int logged(const char *path, int r)
{
    if (r == -EBUSY || r == -EIO)
        fprintf(stderr, "vmfs-fuse: %s: %s\n", path, vmfs_error(g.vol));
    return r;
}

static int do_open(const char *path, struct fuse_file_info *fi)
{
    vmfs_ino_t ino;
    int r = vmfs_lookup(g.vol, path, &ino);
    if (r == 0 && for_writing(fi))
        r = vmfs_hold(g.vol, ino);
    if (r == 0 && (fi->flags & O_TRUNC) && (r = vmfs_truncate(g.vol, ino, 0)) < 0)
        vmfs_unhold(g.vol, ino);
    if (r == 0)
        fi->fh = ino;
    return logged(path, r);
}

static int do_release(struct fuse_file_info *fi)
{
    if (for_writing(fi))
        vmfs_unhold(g.vol, (vmfs_ino_t)fi->fh);
    return 0;
}

static int op_release(const char *path, struct fuse_file_info *fi)
{
    (void)path;
    return LOCKED(do_release(fi));
}

static int op_open(const char *path, struct fuse_file_info *fi) { return LOCKED(do_open(path, fi)); }

/* Owner and group of a new file: the caller's, or (System V) the
 * directory's group when the directory has its set-group-ID bit, which a
 * new directory inherits. */
static int set_owner(const char *path, vmfs_ino_t ino, bool is_dir, mode_t mode)
{
    struct fuse_context *ctx = fuse_get_context();
    char parent[4096];
    snprintf(parent, sizeof parent, "%s", path);
    char *slash = strrchr(parent, '/');
    if (slash == parent)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    vmfs_ino_t pino;
    struct vmfs_stat ps;
    uid_t gid = ctx->gid;
    int r = 0;
    if (vmfs_lookup(g.vol, parent, &pino) == 0 && vmfs_stat(g.vol, pino, &ps) == 0 && (ps.mode & S_ISGID)) {
        gid = ps.gid;
        if (is_dir)
            r = vmfs_chmod(g.vol, ino, (mode & 07777) | S_ISGID);
    }
    if (r == 0 && (ctx->uid || gid))
        r = vmfs_chown(g.vol, ino, ctx->uid, gid);
    return r;
}

static int do_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    vmfs_ino_t ino;
    int r = vmfs_mkfile(g.vol, path, mode & 07777, &ino);
    if (r == 0)
        r = set_owner(path, ino, false, mode);
    if (r == 0 && for_writing(fi))
        r = vmfs_hold(g.vol, ino);
    if (r == 0)
        fi->fh = ino;
    return logged(path, r);
}

static int op_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    return LOCKED(do_create(path, mode, fi));
}

static int op_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
    (void)path;
    return (int)LOCKED(vmfs_pread(g.vol, (vmfs_ino_t)fi->fh, buf, size, (uint64_t)off));
}

static int op_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
    return LOCKED(logged(path, (int)vmfs_pwrite(g.vol, (vmfs_ino_t)fi->fh, buf, size, (uint64_t)off)));
}

static int do_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
    vmfs_ino_t ino;
    int r = fi ? (ino = (vmfs_ino_t)fi->fh, 0) : vmfs_lookup(g.vol, path, &ino);
    return r < 0 ? r : vmfs_truncate(g.vol, ino, (uint64_t)size);
}

static int op_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
    return LOCKED(logged(path, do_truncate(path, size, fi)));
}

static int op_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
    (void)path, (void)datasync, (void)fi;
    return LOCKED(vmfs_sync(g.vol));
}

static int op_unlink(const char *path) { return LOCKED(logged(path, vmfs_unlink(g.vol, path))); }
static int op_rmdir(const char *path) { return LOCKED(logged(path, vmfs_rmdir(g.vol, path))); }

static int do_mkdir(const char *path, mode_t mode)
{
    vmfs_ino_t ino;
    int r = vmfs_mkdir(g.vol, path, mode & 07777);
    if (r == 0 && (r = vmfs_lookup(g.vol, path, &ino)) == 0)
        r = set_owner(path, ino, true, mode);
    return r;
}

static int op_mkdir(const char *path, mode_t mode) { return LOCKED(do_mkdir(path, mode)); }

static int op_symlink(const char *target, const char *path) { return LOCKED(vmfs_symlink(g.vol, target, path)); }

static int do_readlink(const char *path, char *buf, size_t size)
{
    vmfs_ino_t ino;
    int r = vmfs_lookup(g.vol, path, &ino);
    if (r == 0) {
        ssize_t n = vmfs_readlink(g.vol, ino, buf, size);
        r = n < 0 ? (int)n : 0;
    }
    return r;
}

static int op_readlink(const char *path, char *buf, size_t size) { return LOCKED(do_readlink(path, buf, size)); }

static int do_rename(const char *from, const char *to, unsigned flags)
{
    vmfs_ino_t ino;
    if (flags & RENAME_EXCHANGE)
        return -EINVAL;
    if ((flags & RENAME_NOREPLACE) && vmfs_lookup(g.vol, to, &ino) == 0)
        return -EEXIST;
    return vmfs_rename(g.vol, from, to);
}

static int op_rename(const char *from, const char *to, unsigned flags)
{
    return LOCKED(logged(from, do_rename(from, to, flags)));
}
static int op_link(const char *from, const char *to) { return LOCKED(vmfs_link(g.vol, from, to)); }

static int with_ino(const char *path, struct fuse_file_info *fi, vmfs_ino_t *ino)
{
    if (fi) {
        *ino = (vmfs_ino_t)fi->fh;
        return 0;
    }
    return vmfs_lookup(g.vol, path, ino);
}

static int do_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    vmfs_ino_t ino;
    int r = with_ino(path, fi, &ino);
    return r < 0 ? r : vmfs_chmod(g.vol, ino, mode & 07777);
}

static int op_chmod(const char *path, mode_t mode, struct fuse_file_info *fi) { return LOCKED(do_chmod(path, mode, fi)); }

static int do_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
    vmfs_ino_t ino;
    struct vmfs_stat s;
    int r = with_ino(path, fi, &ino);
    if (r == 0)
        r = vmfs_stat(g.vol, ino, &s);
    if (r == 0)
        r = vmfs_chown(g.vol, ino, uid == (uid_t)-1 ? s.uid : uid, gid == (gid_t)-1 ? s.gid : gid);
    return r;
}

static int op_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
    return LOCKED(do_chown(path, uid, gid, fi));
}

static uint32_t pick_time(const struct timespec *ts, uint32_t old)
{
    if (ts->tv_nsec == UTIME_OMIT)
        return old;
    if (ts->tv_nsec == UTIME_NOW)
        return (uint32_t)time(NULL);
    return (uint32_t)ts->tv_sec;
}

static int do_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
    vmfs_ino_t ino;
    struct vmfs_stat s;
    int r = with_ino(path, fi, &ino);
    if (r == 0)
        r = vmfs_stat(g.vol, ino, &s);
    if (r == 0) {
        uint32_t now = (uint32_t)time(NULL);
        uint32_t a = tv ? pick_time(&tv[0], s.atime) : now, m = tv ? pick_time(&tv[1], s.mtime) : now;
        r = vmfs_utimes(g.vol, ino, a, m);
    }
    return r;
}

static int op_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
    return LOCKED(do_utimens(path, tv, fi));
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

static int op_statfs(const char *path, struct statvfs *st)
{
    (void)path;
    return LOCKED(do_statfs(st));
}

static int do_fallocate(const char *path, int mode, off_t off, off_t len, struct fuse_file_info *fi)
{
    vmfs_ino_t ino;
    struct vmfs_stat s;
    if (mode != 0)
        return -EOPNOTSUPP;
    int r = with_ino(path, fi, &ino);
    if (r == 0)
        r = vmfs_stat(g.vol, ino, &s);
    if (r == 0 && (uint64_t)(off + len) > s.size)
        r = vmfs_allocate(g.vol, ino, (uint64_t)(off + len), VMFS_ALLOC_ZEROEDTHICK);
    return r;
}

static int op_fallocate(const char *path, int mode, off_t off, off_t len, struct fuse_file_info *fi)
{
    return LOCKED(do_fallocate(path, mode, off, len, fi));
}

static int put_xattr(const char *text, char *value, size_t size)
{
    size_t len = strlen(text);
    if (size == 0)
        return (int)len;
    if (size < len)
        return -ERANGE;
    memcpy(value, text, len);
    return (int)len;
}

static int do_getxattr(const char *path, const char *name, char *value, size_t size)
{
    char text[2048];
    vmfs_ino_t ino;
    int r = vmfs_lookup(g.vol, path, &ino);
    if (r < 0)
        return r;
    if (strcmp(name, "user.vmfs.volume") == 0) {
        struct vmfs_info in;
        if ((r = vmfs_info(g.vol, &in)) < 0)
            return r;
        snprintf(text, sizeof text,
                 "label=%s\nuuid=%s\nlvm_uuid=%s\nversion=%u.%u\nmode=%u\nblock_size=%" PRIu64
                 "\ncapacity=%" PRIu64 "\nfree=%" PRIu64 "\ntotal_blocks=%u\nfree_blocks=%u\npartitions=%u\ndevice=%s\n",
                 in.label, in.fs_uuid, in.lvm_uuid, in.version_major, in.version_minor, in.mode, in.block_size,
                 in.capacity, in.free_bytes, in.total_blocks, in.free_blocks, in.partitions, g.device);
        return put_xattr(text, value, size);
    }
    if (strcmp(name, "user.vmfs.inode") == 0) {
        if ((r = vmfs_describe(g.vol, ino, text, sizeof text)) < 0)
            return r;
        return put_xattr(text, value, size);
    }
    return -ENODATA;
}

static int op_getxattr(const char *path, const char *name, char *value, size_t size)
{
    return LOCKED(do_getxattr(path, name, value, size));
}

static int op_listxattr(const char *path, char *list, size_t size)
{
    (void)path;
    static const char names[] = "user.vmfs.volume\0user.vmfs.inode";
    if (size == 0)
        return sizeof names;
    if (size < sizeof names)
        return -ERANGE;
    memcpy(list, names, sizeof names);
    return sizeof names;
}

static int do_setxattr(const char *path, const char *name, const char *value, size_t size)
{
    vmfs_ino_t ino;
    int r = vmfs_lookup(g.vol, path, &ino);
    if (r < 0)
        return r;
    if (strcmp(name, "user.vmfs.allocate") != 0)
        return -ENOTSUP;
    char req[64];
    if (size >= sizeof req)
        return -EINVAL;
    memcpy(req, value, size);
    req[size] = '\0';
    char how[32];
    unsigned long long bytes;
    if (strcmp(req, "zero") == 0)
        return vmfs_zero(g.vol, ino);
    if (sscanf(req, "%31s %llu", how, &bytes) != 2)
        return -EINVAL;
    if (strcmp(how, "zeroedthick") == 0)
        return vmfs_allocate(g.vol, ino, bytes, VMFS_ALLOC_ZEROEDTHICK);
    if (strcmp(how, "eagerzeroedthick") == 0)
        return vmfs_allocate(g.vol, ino, bytes, VMFS_ALLOC_EAGERZEROED);
    if (strcmp(how, "thin") == 0)
        return vmfs_allocate(g.vol, ino, bytes, VMFS_ALLOC_THIN);
    return -EINVAL;
}

static int op_setxattr(const char *path, const char *name, const char *value, size_t size, int flags)
{
    (void)flags;
    return LOCKED(do_setxattr(path, name, value, size));
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

static void *op_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
    cfg->use_ino = 1;
    cfg->kernel_cache = 0;
    /* Fewer, larger requests: whole 1 MiB file blocks at a time, and
     * open(O_TRUNC) in one request. */
    conn->max_write = 1u << 20;
    conn->max_readahead = 1u << 20;
    if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
        conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
    /* FUSE's path-based API gives each name of a hard-linked file its own
     * kernel inode, and allocation requests change sizes behind the
     * kernel's back: cached attributes could be stale. */
    cfg->attr_timeout = 0;
    /* ... and with no cached attributes, auto_inval_data would cost a
     * GETATTR before every read. */
    conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;
    if (!g.read_only)
        pthread_create(&g.ticker, NULL, ticker, NULL);
    return NULL;
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

static const struct fuse_operations ops = {
    .getattr = op_getattr,
    .readlink = op_readlink,
    .mkdir = op_mkdir,
    .unlink = op_unlink,
    .rmdir = op_rmdir,
    .symlink = op_symlink,
    .rename = op_rename,
    .link = op_link,
    .chmod = op_chmod,
    .chown = op_chown,
    .truncate = op_truncate,
    .open = op_open,
    .release = op_release,
    .read = op_read,
    .write = op_write,
    .statfs = op_statfs,
    .fsync = op_fsync,
    .setxattr = op_setxattr,
    .getxattr = op_getxattr,
    .listxattr = op_listxattr,
    .readdir = op_readdir,
    .init = op_init,
    .destroy = op_destroy,
    .create = op_create,
    .utimens = op_utimens,
    .fallocate = op_fallocate,
};

static void usage(FILE *out)
{
    fprintf(out, "Usage: vmfs-fuse [-r] [--host-uuid UUID] <device-or-image> <mountpoint> [FUSE options]\n"
                 "Mounts a VMFS3 volume (read-write unless -r).  Unmount with fusermount3 -u <mountpoint>.\n");
}

int main(int argc, char **argv)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-r") == 0 || strcmp(argv[i], "--read-only") == 0) {
            g.read_only = true;
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
    /* FUSE gets: program, mountpoint, our fixed options, the user's. */
    char **fargv = calloc((size_t)argc + 8, sizeof *fargv);
    int fargc = 0;
    fargv[fargc++] = argv[0];
    fargv[fargc++] = (char *)mountpoint;
    fargv[fargc++] = "-s";
    fargv[fargc++] = "-o";
    fargv[fargc++] = g.read_only ? "ro,default_permissions,fsname=vmfs,subtype=vmfs"
                                 : "default_permissions,fsname=vmfs,subtype=vmfs";
    for (int k = i + 2; k < argc; k++)
        fargv[fargc++] = argv[k];
    int rc = fuse_main(fargc, fargv, &ops, NULL);
    if (g.vol)
        vmfs_close(g.vol);      /* fuse_main failed before init */
    free(fargv);
    return rc;
}
