// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuse_null MOUNTPOINT: a FUSE file system that keeps nothing, for
 * tests/bench/vmfs-bench.sh.  It answers the small-file workload's
 * requests (mkdir, lookup, create, write, release, ioctl, fsync) at once,
 * through vmfs-fuse's own request loop, so its time is what FUSE itself
 * costs on this machine: no FUSE file system can create files faster.
 * Names it hands out never expire; a second lookup of one fails.
 */
#define FUSE_USE_VERSION 35
#define _GNU_SOURCE
#include <errno.h>
#include <fuse_lowlevel.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../../vmfs/tools/fuse_loop.h"

#define FOREVER 86400.0

static fuse_ino_t next_ino = FUSE_ROOT_ID + 1;

static void reply_new(fuse_req_t req, mode_t mode, struct fuse_file_info *fi)
{
    struct fuse_entry_param e = { .ino = next_ino++, .attr_timeout = FOREVER, .entry_timeout = FOREVER };
    e.attr.st_ino = e.ino;
    e.attr.st_mode = mode;
    e.attr.st_nlink = 1;
    if (fi)
        fuse_reply_create(req, &e, fi);
    else
        fuse_reply_entry(req, &e);
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    (void)parent, (void)name;
    fuse_reply_err(req, ENOENT);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    (void)fi;
    struct stat st = { .st_ino = ino, .st_mode = S_IFDIR | 0755, .st_nlink = 2 };
    fuse_reply_attr(req, &st, FOREVER);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
    (void)parent, (void)name;
    reply_new(req, S_IFDIR | (mode & 07777), NULL);
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, struct fuse_file_info *fi)
{
    (void)parent, (void)name;
    reply_new(req, S_IFREG | (mode & 07777), fi);
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
                     struct fuse_file_info *fi)
{
    (void)ino, (void)buf, (void)off, (void)fi;
    fuse_reply_write(req, size);
}

static void op_ok(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    (void)ino, (void)fi;
    fuse_reply_err(req, 0);
}

static void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
    (void)datasync;
    op_ok(req, ino, fi);
}

static void op_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void *arg, struct fuse_file_info *fi,
                     unsigned flags, const void *in, size_t in_size, size_t out_size)
{
    (void)ino, (void)cmd, (void)arg, (void)fi, (void)flags, (void)in, (void)in_size, (void)out_size;
    fuse_reply_err(req, ENOTTY);
}

static const struct fuse_lowlevel_ops ops = {
    .lookup = op_lookup,
    .getattr = op_getattr,
    .mkdir = op_mkdir,
    .create = op_create,
    .write = op_write,
    .release = op_ok,
    .fsync = op_fsync,
    .opendir = op_ok,
    .releasedir = op_ok,
    .fsyncdir = op_fsync,
    .ioctl = op_ioctl,
};

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "Usage: fuse_null MOUNTPOINT (unmount with fusermount3 -u)\n");
        return 1;
    }
    char *fargv[] = { argv[0], "-o", "fsname=null,subtype=null" };
    struct fuse_args args = FUSE_ARGS_INIT(3, fargv);
    struct fuse_session *se = fuse_session_new(&args, &ops, sizeof ops, NULL);
    int rc = 1;
    if (se && fuse_set_signal_handlers(se) == 0) {
        if (fuse_session_mount(se, argv[1]) == 0) {
            rc = fuse_spin_loop(se) ? 1 : 0;
            fuse_session_unmount(se);
        }
        fuse_remove_signal_handlers(se);
    }
    if (se)
        fuse_session_destroy(se);
    return rc;
}
