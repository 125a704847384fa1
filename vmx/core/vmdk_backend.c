/* SPDX-License-Identifier: GPL-2.0-only */
/* A virtual disk's blocks in its VMDK extents (vmdk_backend.h). */
#define _GNU_SOURCE 1   /* O_DIRECT */
#include "vmdk_backend.h"
#include "errmsg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmfs/vmdk.h"

#define SECTOR 512ull

/*
 * Extents are opened for direct I/O where their filesystem has it (a
 * VMFS mount does; where open says EINVAL, the page cache it is): a
 * guest's write then goes to vmfs-fuse from the disk's buffer in one
 * request, without a copy into the console's page cache, which need not
 * hold a disk the guest caches itself.  A transfer whose buffer, offset
 * or length is not in whole sectors, or that the filesystem refuses
 * (EINVAL), goes through the page cache: F_SETFL switches the
 * descriptor's mode.
 */
static bool sector_aligned(const void *buf, off_t at, size_t n)
{
    return ((uintptr_t)buf | (uint64_t)at | n) % SECTOR == 0;
}

static bool set_direct(int fd, bool *direct, bool on)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, on ? flags | O_DIRECT : flags & ~O_DIRECT) < 0)
        return false;
    *direct = on;
    return true;
}

static int open_extent_file(const char *file, bool writable, bool *direct_ok)
{
    int mode = (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC;
    int fd = open(file, mode | O_DIRECT);
    *direct_ok = fd >= 0;
    if (fd < 0 && errno == EINVAL)
        fd = open(file, mode);
    return fd;
}

/* One pread or pwrite, direct when it can be: a direct one the
 * filesystem refuses is made again through the page cache. */
static ssize_t extent_io(struct vmdk_backend_extent *x, void *in, const void *out, size_t n, off_t at)
{
    bool want = x->direct_ok && sector_aligned(in ? (const void *)in : out, at, n);
    for (;;) {
        if (want != x->direct && !set_direct(x->fd, &x->direct, want))
            return -1;
        ssize_t got = in ? pread(x->fd, in, n, at) : pwrite(x->fd, out, n, at);
        if (!(got < 0 && errno == EINVAL && x->direct))
            return got;
        x->direct_ok = want = false;            /* the filesystem wants more than sectors */
    }
}

static char *read_descriptor(const char *path, size_t *len, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        errmsg(err, errlen, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    /* A descriptor is a small text file; a large file here is a disk's data. */
    if (!S_ISREG(st.st_mode) || st.st_size > VMDK_MAX_TEXT) {
        close(fd);
        errmsg(err, errlen, "%s: not a VMDK descriptor (%s)", path,
               S_ISREG(st.st_mode) ? "larger than a descriptor; name the .vmdk, not its -flat.vmdk" : "not a file");
        return NULL;
    }
    char *text = malloc((size_t)st.st_size + 1);
    ssize_t n = text ? pread(fd, text, (size_t)st.st_size, 0) : -1;
    close(fd);
    if (n != st.st_size) {
        free(text);
        errmsg(err, errlen, "%s: could not read it", path);
        return NULL;
    }
    text[n] = '\0';
    *len = (size_t)n;
    return text;
}

static int open_extent(struct vmdk_backend *b, const struct vmdk_extent *e, const char *dir, const char *path,
                       char *err, size_t errlen)
{
    unsigned i = b->n;
    bool zero = strcasecmp(e->type, "ZERO") == 0;
    if (!zero && strcasecmp(e->type, "VMFS") && strcasecmp(e->type, "FLAT"))
        return errmsg(err, errlen, "%s: extent \"%s\" is of type %s; only flat disks (VMFS, FLAT) can be used",
                      path, e->file, e->type);
    if (strcasecmp(e->access, "NOACCESS") == 0)
        return errmsg(err, errlen, "%s: extent \"%s\" is NOACCESS", path, e->file);
    b->ext[i].writable = !zero && strcasecmp(e->access, "RW") == 0;
    b->ext[i].fd = -1;
    b->ext[i].start = b->size;
    b->ext[i].size = e->sectors * SECTOR;
    b->ext[i].file_offset = strcasecmp(e->type, "FLAT") == 0 ? e->offset * SECTOR : 0;
    if (!zero) {
        char file[4096 + sizeof e->file];
        if (e->file[0] == '/')
            snprintf(file, sizeof file, "%s", e->file);
        else
            snprintf(file, sizeof file, "%s/%s", dir, e->file);
        b->ext[i].fd = open_extent_file(file, b->ext[i].writable, &b->ext[i].direct_ok);
        b->ext[i].direct = b->ext[i].direct_ok;
        if (b->ext[i].fd < 0)
            return errmsg(err, errlen, "%s: extent \"%s\": %s", path, e->file, strerror(errno));
        struct stat st;
        if (fstat(b->ext[i].fd, &st) == 0 && (uint64_t)st.st_size < b->ext[i].file_offset + b->ext[i].size) {
            close(b->ext[i].fd);
            return errmsg(err, errlen, "%s: extent \"%s\" holds %llu bytes, the descriptor says %llu", path,
                          e->file, (unsigned long long)st.st_size,
                          (unsigned long long)(b->ext[i].file_offset + b->ext[i].size));
        }
    }
    b->size += b->ext[i].size;
    b->n++;
    return 0;
}

int vmdk_backend_open(struct vmdk_backend *b, const char *path, char *err, size_t errlen)
{
    memset(b, 0, sizeof *b);
    size_t len;
    char *text = read_descriptor(path, &len, err, errlen);
    if (!text)
        return -1;
    static struct vmdk_descriptor d;
    char why[256];
    int r = vmdk_parse(text, len, &d, why, sizeof why);
    free(text);
    if (r < 0)
        return errmsg(err, errlen, "%s: %s", path, why);
    if (d.parent_hint[0] || (d.parent_cid != 0xFFFFFFFFu && d.parent_cid != 0))
        return errmsg(err, errlen, "%s: a delta disk (it has a parent); snapshots cannot be used yet", path);
    if (d.n_extents == 0 || d.n_extents > VMDK_BACKEND_MAX_EXTENTS)
        return errmsg(err, errlen, "%s: %u extents", path, d.n_extents);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    for (unsigned i = 0; i < d.n_extents; i++)
        if (open_extent(b, &d.extents[i], dir, path, err, errlen) < 0) {
            vmdk_backend_close(b);
            return -1;
        }
    return 0;
}

void vmdk_backend_close(struct vmdk_backend *b)
{
    for (unsigned i = 0; i < b->n; i++)
        if (b->ext[i].fd >= 0)
            close(b->ext[i].fd);
    b->n = 0;
}

/* Read or write len bytes at the disk's offset, extent by extent. */
static int transfer(struct vmdk_backend *b, uint64_t offset, uint8_t *in, const uint8_t *out, size_t len)
{
    if (offset > b->size || len > b->size - offset)
        return -EINVAL;
    for (unsigned i = 0; i < b->n && len; i++) {
        if (offset >= b->ext[i].start + b->ext[i].size)
            continue;
        uint64_t within = offset - b->ext[i].start;
        size_t n = len < b->ext[i].size - within ? len : (size_t)(b->ext[i].size - within);
        for (size_t done = 0; done < n;) {
            ssize_t got;
            off_t at = (off_t)(b->ext[i].file_offset + within + done);
            if (b->ext[i].fd < 0) {
                if (out)
                    return -EROFS;
                memset(in + done, 0, n - done);     /* a ZERO extent */
                got = (ssize_t)(n - done);
            } else if (out) {
                if (!b->ext[i].writable)
                    return -EROFS;
                got = extent_io(&b->ext[i], NULL, out + done, n - done, at);
            } else {
                got = extent_io(&b->ext[i], in + done, NULL, n - done, at);
            }
            if (got < 0 && errno == EINTR)
                continue;
            if (got < 0)
                return -errno;
            if (got == 0)
                return -EIO;                         /* the extent file is shorter than it said */
            done += (size_t)got;
        }
        offset += n;
        len -= n;
        if (in)
            in += n;
        if (out)
            out += n;
    }
    return 0;
}

int vmdk_backend_read(void *b, uint64_t offset, void *buf, size_t len)
{
    return transfer(b, offset, buf, NULL, len);
}

int vmdk_backend_write(void *b, uint64_t offset, const void *buf, size_t len)
{
    return transfer(b, offset, NULL, buf, len);
}

int vmdk_backend_flush(void *b)
{
    struct vmdk_backend *v = b;
    for (unsigned i = 0; i < v->n; i++)
        if (v->ext[i].fd >= 0 && v->ext[i].writable && fdatasync(v->ext[i].fd) < 0)
            return -errno;
    return 0;
}
