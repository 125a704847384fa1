// SPDX-License-Identifier: GPL-2.0-only
/*
 * The public file operations: path lookup, create, remove, rename, link,
 * read, write.  Each changing operation is all-or-nothing: it runs from a
 * savepoint of the running transaction and is undone if it fails.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blkaddr.h"
#include "volume.h"

#define ROOT_ADDR 0x00000004u

static int op_begin(struct vmfs_volume *vol)
{
    if (!vol->dev.read_write)
        return vol_fail(vol, EROFS, "the volume is open read-only");
    meta_savepoint(vol);
    return 0;
}

static int op_end(struct vmfs_volume *vol, int r)
{
    if (r < 0)
        meta_rollback(vol);
    else
        meta_release_savepoint(vol);
    int t = vmfs_tick(vol);
    return r < 0 ? r : (t < 0 ? t : r);
}

/* Split "/a/b/c" into the parent's inode and "c". */
static int check_name(struct vmfs_volume *vol, const char *name)
{
    if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return vol_fail(vol, EINVAL, "invalid file name \"%s\"", name);
    if (strlen(name) > VMFS_NAME_MAX)
        return vol_fail(vol, ENAMETOOLONG, "file name longer than %u bytes: %.40s...", VMFS_NAME_MAX, name);
    return 0;
}

/* One step down: the entry `name` of directory `cur` replaces it. */
static int step(struct vmfs_volume *vol, struct vmfs_inode *cur, const char *name, const char *path)
{
    struct vmfs_dirent ent;
    if (cur->type != VMFS_TYPE_DIR)
        return vol_fail(vol, ENOTDIR, "not a directory in \"%s\"", path);
    int r = dir_find(vol, cur, name, &ent, NULL);
    if (r == -ENOENT)
        return vol_fail(vol, ENOENT, "%s: no such file or directory", path);
    if (r < 0 || (r = inode_read(vol, ent.addr, cur)) < 0)
        return r;
    if (ent.gen != cur->gen && strcmp(name, ".") && strcmp(name, ".."))
        return vol_fail(vol, EIO, "%s: directory entry is stale (generation %u, file descriptor has %u)", path,
                        ent.gen, cur->gen);
    return 0;
}

static int walk(struct vmfs_volume *vol, const char *path, struct vmfs_inode *out, bool parent, char *last)
{
    if (path[0] != '/')
        return vol_fail(vol, EINVAL, "path \"%s\" is not absolute", path);
    int r = inode_read(vol, ROOT_ADDR, out);
    if (r < 0)
        return r;
    const char *p = path;
    for (;;) {
        while (*p == '/')
            p++;
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *rest = p + len;
        while (*rest == '/')
            rest++;
        if (len == 0) {
            if (parent)
                return vol_fail(vol, EINVAL, "\"%s\" names no file", path);
            return 0;
        }
        if (len > VMFS_NAME_MAX)
            return vol_fail(vol, ENAMETOOLONG, "name too long in \"%s\"", path);
        char name[VMFS_NAME_MAX + 1];
        memcpy(name, p, len);
        name[len] = '\0';
        if (parent && *rest == '\0') {
            if (out->type != VMFS_TYPE_DIR)
                return vol_fail(vol, ENOTDIR, "not a directory in \"%s\"", path);
            strcpy(last, name);
            return 0;
        }
        if ((r = step(vol, out, name, path)) < 0)
            return r;
        p = rest;
    }
}

/* Where a new or old name is: a path, or a directory and a name in it. */
struct place {
    const char *path;           /* NULL: dir and name */
    vmfs_ino_t dir;
    const char *name;
};
#define AT_PATH(p) (&(struct place){ .path = (p) })
#define AT_DIR(d, n) (&(struct place){ .dir = (d), .name = (n) })

static const char *shown(const struct place *pl) { return pl->path ? pl->path : pl->name; }

/* The directory holding the place, and the (checked) name in it. */
static int locate(struct vmfs_volume *vol, const struct place *pl, struct vmfs_inode *dir, char *name)
{
    int r;
    if (pl->path) {
        r = walk(vol, pl->path, dir, true, name);
    } else if ((r = check_name(vol, pl->name)) == 0 && (r = inode_read(vol, pl->dir, dir)) == 0) {
        if (dir->type != VMFS_TYPE_DIR)
            r = vol_fail(vol, ENOTDIR, "file descriptor %#010x is not a directory", pl->dir);
        else
            strcpy(name, pl->name);
    }
    return r < 0 ? r : check_name(vol, name);
}

int vmfs_lookup(struct vmfs_volume *vol, const char *path, vmfs_ino_t *ino)
{
    struct vmfs_inode i;
    int r = walk(vol, path, &i, false, NULL);
    if (r == 0)
        *ino = i.addr;
    return r;
}

static void stat_of(const struct vmfs_inode *ip, struct vmfs_stat *st)
{
    const struct vmfs_inode i = *ip;
    memset(st, 0, sizeof *st);
    st->ino = i.addr;
    st->type = i.type;
    st->mode = i.mode & 07777;
    st->nlink = i.nlink;
    st->uid = i.uid;
    st->gid = i.gid;
    st->size = i.size;
    st->allocated = i.blk_count * i.blk_size;
    st->blk_size = i.blk_size;
    st->zla = i.zla;
    st->tbz_blocks = i.tbz;
    st->atime = i.atime;
    st->mtime = i.mtime;
    st->ctime = i.ctime;
    st->gen = i.gen;
}

int vmfs_stat(struct vmfs_volume *vol, vmfs_ino_t addr, struct vmfs_stat *st)
{
    struct vmfs_inode i;
    int r = inode_read(vol, addr, &i);
    if (r == 0)
        stat_of(&i, st);
    return r;
}

int vmfs_lookup_at(struct vmfs_volume *vol, vmfs_ino_t dir, const char *name, struct vmfs_stat *st)
{
    struct vmfs_inode i;
    if (strlen(name) > VMFS_NAME_MAX)
        return vol_fail(vol, ENAMETOOLONG, "file name longer than %u bytes: %.40s...", VMFS_NAME_MAX, name);
    int r = inode_read(vol, dir, &i);
    if (r == 0 && (r = step(vol, &i, name, name)) == 0)
        stat_of(&i, st);
    return r;
}

struct readdir_ctx {
    int (*fn)(void *ctx, const char *name, vmfs_ino_t ino, uint32_t type);
    void *ctx;
};

static int readdir_one(void *ctx, const struct vmfs_dirent *ent, uint64_t index)
{
    (void)index;
    struct readdir_ctx *c = ctx;
    return c->fn(c->ctx, ent->name, ent->addr, ent->type) ? 1 : 0;
}

int vmfs_readdir(struct vmfs_volume *vol, vmfs_ino_t addr,
                 int (*fn)(void *ctx, const char *name, vmfs_ino_t ino, uint32_t type), void *ctx)
{
    struct vmfs_inode dir;
    int r = inode_read(vol, addr, &dir);
    if (r < 0)
        return r;
    struct readdir_ctx c = { fn, ctx };
    r = dir_each(vol, &dir, readdir_one, &c);
    return r < 0 ? r : 0;
}

static int add_entry(struct vmfs_volume *vol, struct vmfs_inode *dir, const char *name, const struct vmfs_inode *ino)
{
    struct vmfs_dirent ent = { .type = ino->type, .addr = ino->addr, .gen = ino->gen };
    snprintf(ent.name, sizeof ent.name, "%s", name);
    return dir_add(vol, dir, &ent);
}

/* Make a new inode at `pl`; on return `dir` is its parent. */
static int make_node(struct vmfs_volume *vol, const struct place *pl, uint32_t type, uint32_t mode,
                     struct vmfs_inode *dir, struct vmfs_inode *ino)
{
    char name[VMFS_NAME_MAX + 1];
    struct vmfs_dirent ent;
    int r = locate(vol, pl, dir, name);
    if (r < 0)
        return r;
    r = dir_find(vol, dir, name, &ent, NULL);
    if (r == 0)
        return vol_fail(vol, EEXIST, "%s: file exists", shown(pl));
    if (r != -ENOENT)
        return r;
    if ((r = inode_alloc(vol, type, mode, ino)) < 0)
        return r;
    return add_entry(vol, dir, name, ino);
}

/* A new file, directory or (with a target) symbolic link. */
static int new_node(struct vmfs_volume *vol, const struct place *pl, uint32_t type, uint32_t mode,
                    const char *target, vmfs_ino_t *out)
{
    int r = op_begin(vol);
    if (r < 0)
        return r;
    struct vmfs_inode dir, ino;
    size_t len = target ? strlen(target) : 0;
    if (target && (len == 0 || len > 4095))
        r = vol_fail(vol, EINVAL, "symbolic link target must be 1 to 4095 bytes");
    else
        r = make_node(vol, pl, type, mode, &dir, &ino);
    if (r == 0 && type == VMFS_TYPE_DIR) {
        ino.nlink = 2;
        dir.nlink++;
        if ((r = add_entry(vol, &ino, ".", &ino)) == 0 && (r = add_entry(vol, &ino, "..", &dir)) == 0)
            r = inode_write(vol, &dir);
    }
    if (r == 0 && target && (r = file_pwrite(vol, &ino, target, len, 0)) > 0)
        r = 0;
    if (r == 0 && out)
        *out = ino.addr;
    return op_end(vol, r);
}

int vmfs_mkfile(struct vmfs_volume *vol, const char *path, uint32_t mode, vmfs_ino_t *out)
{
    return new_node(vol, AT_PATH(path), VMFS_TYPE_FILE, mode, NULL, out);
}

int vmfs_mkfile_at(struct vmfs_volume *vol, vmfs_ino_t dir, const char *name, uint32_t mode, vmfs_ino_t *out)
{
    return new_node(vol, AT_DIR(dir, name), VMFS_TYPE_FILE, mode, NULL, out);
}

int vmfs_mkdir(struct vmfs_volume *vol, const char *path, uint32_t mode)
{
    return new_node(vol, AT_PATH(path), VMFS_TYPE_DIR, mode, NULL, NULL);
}

int vmfs_mkdir_at(struct vmfs_volume *vol, vmfs_ino_t dir, const char *name, uint32_t mode, vmfs_ino_t *out)
{
    return new_node(vol, AT_DIR(dir, name), VMFS_TYPE_DIR, mode, NULL, out);
}

int vmfs_symlink(struct vmfs_volume *vol, const char *target, const char *path)
{
    return new_node(vol, AT_PATH(path), VMFS_TYPE_SYMLINK, 0777, target, NULL);
}

int vmfs_symlink_at(struct vmfs_volume *vol, const char *target, vmfs_ino_t dir, const char *name, vmfs_ino_t *out)
{
    return new_node(vol, AT_DIR(dir, name), VMFS_TYPE_SYMLINK, 0777, target, out);
}

ssize_t vmfs_readlink(struct vmfs_volume *vol, vmfs_ino_t addr, char *buf, size_t size)
{
    struct vmfs_inode ino;
    int r = inode_read(vol, addr, &ino);
    if (r < 0)
        return r;
    if (ino.type != VMFS_TYPE_SYMLINK)
        return vol_fail(vol, EINVAL, "not a symbolic link");
    if (size == 0)
        return 0;
    r = file_pread(vol, &ino, buf, size - 1, 0);
    if (r < 0)
        return r;
    buf[r] = '\0';
    return r;
}

/* Drop one link to `ino`; free it with its blocks when none is left. */
static int drop_link(struct vmfs_volume *vol, struct vmfs_inode *ino)
{
    if (ino->type == VMFS_TYPE_DIR ? ino->nlink > 2 : ino->nlink > 1) {
        ino->nlink--;
        ino->ctime = (uint32_t)(vmfs_now_us() / 1000000u);
        return inode_write(vol, ino);
    }
    int r = file_free_all(vol, ino);
    return r < 0 ? r : inode_free(vol, ino);
}

/* A file about to lose its last link gives its blocks back first, in
 * steps, while it is still linked: a huge file never makes one
 * transaction too large, and a crash half-way leaves a shorter file. */
static int empty_if_last_link(struct vmfs_volume *vol, struct vmfs_inode *ino)
{
    if (ino->type == VMFS_TYPE_DIR || ino->nlink > 1 || ino->size == 0)
        return 0;
    return file_truncate(vol, ino, 0);
}

static int dir_is_empty(struct vmfs_volume *vol, const struct vmfs_inode *dir)
{
    (void)vol;
    return dir->size <= 2 * VMFS_DIRENT_SIZE;
}

static int remove_path(struct vmfs_volume *vol, const struct place *pl, bool want_dir)
{
    char name[VMFS_NAME_MAX + 1];
    struct vmfs_inode dir, ino;
    struct vmfs_dirent ent;
    uint64_t index;
    const char *path = shown(pl);
    int r = locate(vol, pl, &dir, name);
    if (r < 0)
        return r;
    r = dir_find(vol, &dir, name, &ent, &index);
    if (r == -ENOENT)
        return vol_fail(vol, ENOENT, "%s: no such file or directory", path);
    if (r < 0 || (r = inode_read(vol, ent.addr, &ino)) < 0)
        return r;
    if (ino.type == VMFS_TYPE_SYSFILE)
        return vol_fail(vol, EPERM, "%s: system files cannot be removed", path);
    if (want_dir && ino.type != VMFS_TYPE_DIR)
        return vol_fail(vol, ENOTDIR, "%s: not a directory", path);
    if (!want_dir && ino.type == VMFS_TYPE_DIR)
        return vol_fail(vol, EISDIR, "%s: is a directory", path);
    if (want_dir && !dir_is_empty(vol, &ino))
        return vol_fail(vol, ENOTEMPTY, "%s: directory not empty", path);
    if ((r = empty_if_last_link(vol, &ino)) < 0 || (r = dir_remove(vol, &dir, index)) < 0)
        return r;
    if (want_dir) {
        dir.nlink--;
        if ((r = inode_write(vol, &dir)) < 0)
            return r;
        ino.nlink = 2;
    }
    return drop_link(vol, &ino);
}

static int remove_op(struct vmfs_volume *vol, const struct place *pl, bool want_dir)
{
    int r = op_begin(vol);
    return r < 0 ? r : op_end(vol, remove_path(vol, pl, want_dir));
}

int vmfs_unlink(struct vmfs_volume *vol, const char *path) { return remove_op(vol, AT_PATH(path), false); }
int vmfs_rmdir(struct vmfs_volume *vol, const char *path) { return remove_op(vol, AT_PATH(path), true); }
int vmfs_unlink_at(struct vmfs_volume *vol, vmfs_ino_t dir, const char *name)
{
    return remove_op(vol, AT_DIR(dir, name), false);
}
int vmfs_rmdir_at(struct vmfs_volume *vol, vmfs_ino_t dir, const char *name)
{
    return remove_op(vol, AT_DIR(dir, name), true);
}

/* Is directory `ancestor` on the path from `dir` up to the root? */
static int is_ancestor(struct vmfs_volume *vol, uint32_t ancestor, struct vmfs_inode dir)
{
    for (unsigned depth = 0; depth < 4096; depth++) {
        if (dir.addr == ancestor)
            return 1;
        if (dir.addr == ROOT_ADDR)
            return 0;
        struct vmfs_dirent up;
        int r = dir_find(vol, &dir, "..", &up, NULL);
        if (r < 0 || (r = inode_read(vol, up.addr, &dir)) < 0)
            return r == -ENOENT ? vol_fail(vol, EIO, "directory %#010x has no \"..\"", dir.addr) : r;
    }
    return vol_fail(vol, ELOOP, "directory tree too deep or looped");
}

static int do_rename(struct vmfs_volume *vol, const struct place *fpl, const struct place *tpl)
{
    char sname[VMFS_NAME_MAX + 1], dname[VMFS_NAME_MAX + 1];
    struct vmfs_inode sdir, ddir, src, dst;
    struct vmfs_dirent sent, dent;
    uint64_t sindex, dindex;
    const char *from = shown(fpl), *to = shown(tpl);
    int r = locate(vol, fpl, &sdir, sname);
    if (r < 0 || (r = locate(vol, tpl, &ddir, dname)) < 0)
        return r;
    r = dir_find(vol, &sdir, sname, &sent, &sindex);
    if (r == -ENOENT)
        return vol_fail(vol, ENOENT, "%s: no such file or directory", from);
    if (r < 0 || (r = inode_read(vol, sent.addr, &src)) < 0)
        return r;
    if (src.type == VMFS_TYPE_SYSFILE)
        return vol_fail(vol, EPERM, "%s: system files cannot be renamed", from);
    bool is_dir = src.type == VMFS_TYPE_DIR;
    if (is_dir && sdir.addr != ddir.addr && (r = is_ancestor(vol, src.addr, ddir)) != 0)
        return r < 0 ? r : vol_fail(vol, EINVAL, "cannot move %s into itself", from);

    r = dir_find(vol, &ddir, dname, &dent, &dindex);
    if (r == 0) {
        if (dent.addr == src.addr)
            return 0;           /* the same file: nothing to do */
        if ((r = inode_read(vol, dent.addr, &dst)) < 0)
            return r;
        if (dst.type == VMFS_TYPE_SYSFILE)
            return vol_fail(vol, EPERM, "%s: system files cannot be replaced", to);
        if (is_dir && dst.type != VMFS_TYPE_DIR)
            return vol_fail(vol, ENOTDIR, "%s: not a directory", to);
        if (!is_dir && dst.type == VMFS_TYPE_DIR)
            return vol_fail(vol, EISDIR, "%s: is a directory", to);
        if (dst.type == VMFS_TYPE_DIR && !dir_is_empty(vol, &dst))
            return vol_fail(vol, ENOTEMPTY, "%s: directory not empty", to);
        if ((r = empty_if_last_link(vol, &dst)) < 0 || (r = dir_remove(vol, &ddir, dindex)) < 0)
            return r;
        if (dst.type == VMFS_TYPE_DIR) {
            ddir.nlink--;
            dst.nlink = 2;
        }
        if ((r = drop_link(vol, &dst)) < 0 || (r = inode_write(vol, &ddir)) < 0)
            return r;
        if (sdir.addr == ddir.addr)
            sdir = ddir;
        /* Removing an entry may have moved the source entry. */
        if ((r = dir_find(vol, &sdir, sname, &sent, &sindex)) < 0)
            return r;
    } else if (r != -ENOENT) {
        return r;
    }

    if (sdir.addr == ddir.addr) {
        snprintf(sent.name, sizeof sent.name, "%s", dname);
        return dir_set(vol, &sdir, sindex, &sent);
    }
    snprintf(sent.name, sizeof sent.name, "%s", dname);
    if ((r = dir_add(vol, &ddir, &sent)) < 0 || (r = dir_remove(vol, &sdir, sindex)) < 0)
        return r;
    if (is_dir) {
        struct vmfs_dirent up;
        uint64_t upi;
        if ((r = dir_find(vol, &src, "..", &up, &upi)) < 0)
            return r;
        up.addr = ddir.addr;
        up.gen = ddir.gen;
        ddir.nlink++;
        sdir.nlink--;
        if ((r = dir_set(vol, &src, upi, &up)) < 0 || (r = inode_write(vol, &ddir)) < 0 ||
            (r = inode_write(vol, &sdir)) < 0)
            return r;
    }
    src.ctime = (uint32_t)(vmfs_now_us() / 1000000u);
    return inode_write(vol, &src);
}

static int rename_op(struct vmfs_volume *vol, const struct place *from, const struct place *to)
{
    int r = op_begin(vol);
    return r < 0 ? r : op_end(vol, do_rename(vol, from, to));
}

int vmfs_rename(struct vmfs_volume *vol, const char *from, const char *to)
{
    return rename_op(vol, AT_PATH(from), AT_PATH(to));
}

int vmfs_rename_at(struct vmfs_volume *vol, vmfs_ino_t from_dir, const char *from, vmfs_ino_t to_dir, const char *to)
{
    return rename_op(vol, AT_DIR(from_dir, from), AT_DIR(to_dir, to));
}

/* A new name at `pl` for the file `existing` names (a path), or else `addr`. */
static int do_link(struct vmfs_volume *vol, const char *existing, vmfs_ino_t addr, const struct place *pl)
{
    char name[VMFS_NAME_MAX + 1];
    struct vmfs_inode dir, ino;
    struct vmfs_dirent ent;
    const char *path = shown(pl);
    int r = existing ? walk(vol, existing, &ino, false, NULL) : inode_read(vol, addr, &ino);
    if (r < 0)
        return r;
    if (ino.type != VMFS_TYPE_FILE)
        return vol_fail(vol, EPERM, "%s: only regular files can have hard links on VMFS", existing ? existing : path);
    if ((r = locate(vol, pl, &dir, name)) < 0)
        return r;
    r = dir_find(vol, &dir, name, &ent, NULL);
    if (r == 0)
        return vol_fail(vol, EEXIST, "%s: file exists", path);
    if (r != -ENOENT)
        return r;
    if (dir.addr == ino.addr)
        return vol_fail(vol, EINVAL, "bad link");
    ino.nlink++;
    ino.ctime = (uint32_t)(vmfs_now_us() / 1000000u);
    if ((r = inode_write(vol, &ino)) < 0)
        return r;
    return add_entry(vol, &dir, name, &ino);
}

int vmfs_link(struct vmfs_volume *vol, const char *existing, const char *path)
{
    int r = op_begin(vol);
    return r < 0 ? r : op_end(vol, do_link(vol, existing, 0, AT_PATH(path)));
}

int vmfs_link_at(struct vmfs_volume *vol, vmfs_ino_t ino, vmfs_ino_t dir, const char *name)
{
    int r = op_begin(vol);
    return r < 0 ? r : op_end(vol, do_link(vol, NULL, ino, AT_DIR(dir, name)));
}

static int open_file(struct vmfs_volume *vol, vmfs_ino_t addr, struct vmfs_inode *ino)
{
    int r = inode_read(vol, addr, ino);
    if (r < 0)
        return r;
    if (ino->type == VMFS_TYPE_DIR)
        return vol_fail(vol, EISDIR, "file descriptor %#010x is a directory", addr);
    if (ino->type == VMFS_TYPE_RDM)
        return vol_fail(vol, EOPNOTSUPP, "raw device mappings are not supported");
    return 0;
}

ssize_t vmfs_pread(struct vmfs_volume *vol, vmfs_ino_t addr, void *buf, size_t len, uint64_t off)
{
    struct vmfs_inode ino;
    int r = open_file(vol, addr, &ino);
    if (r < 0)
        return r;
    size_t done = 0;
    while (done < len) {
        size_t n = len - done > (1u << 30) ? (1u << 30) : len - done;
        r = file_pread(vol, &ino, (uint8_t *)buf + done, n, off + done);
        if (r <= 0)
            break;
        done += (size_t)r;
    }
    return r < 0 ? r : (ssize_t)done;
}

static int writable_file(struct vmfs_volume *vol, vmfs_ino_t addr, struct vmfs_inode *ino)
{
    int r = op_begin(vol);
    if (r < 0 || (r = open_file(vol, addr, ino)) < 0)
        return r;
    if (ino->type == VMFS_TYPE_SYSFILE)
        return vol_fail(vol, EPERM, "system files are written by libvmfs only");
    return 0;
}

ssize_t vmfs_pwrite(struct vmfs_volume *vol, vmfs_ino_t addr, const void *buf, size_t len, uint64_t off)
{
    struct vmfs_inode ino;
    int r = writable_file(vol, addr, &ino);
    if (r == 0 && len > (1u << 30))
        len = 1u << 30;
    if (r == 0)
        r = file_pwrite(vol, &ino, buf, len, off);
    return op_end(vol, r);
}

int vmfs_truncate(struct vmfs_volume *vol, vmfs_ino_t addr, uint64_t size)
{
    struct vmfs_inode ino;
    int r = writable_file(vol, addr, &ino);
    if (r == 0 && size > file_max_size(vol))
        r = vol_fail(vol, EFBIG, "file too large for this block size");
    if (r == 0)
        r = file_truncate(vol, &ino, size);
    return op_end(vol, r);
}

int vmfs_allocate(struct vmfs_volume *vol, vmfs_ino_t addr, uint64_t size, enum vmfs_alloc how)
{
    struct vmfs_inode ino;
    int r = writable_file(vol, addr, &ino);
    if (r == 0 && size > file_max_size(vol))
        r = vol_fail(vol, EFBIG, "file too large for this block size");
    if (r == 0)
        r = file_allocate(vol, &ino, size, how, false);
    return op_end(vol, r);
}

int vmfs_zero(struct vmfs_volume *vol, vmfs_ino_t addr)
{
    struct vmfs_inode ino;
    int r = writable_file(vol, addr, &ino);
    if (r == 0)
        r = file_allocate(vol, &ino, ino.size, VMFS_ALLOC_EAGERZEROED, true);
    return op_end(vol, r);
}

static int set_attr(struct vmfs_volume *vol, vmfs_ino_t addr, int what, uint32_t a, uint32_t b)
{
    struct vmfs_inode ino;
    int r = op_begin(vol);
    if (r < 0)
        return r;
    if ((r = inode_read(vol, addr, &ino)) == 0) {
        if (what == 0)
            ino.mode = a & 07777;
        else if (what == 1)
            ino.uid = a, ino.gid = b;
        else
            ino.atime = a, ino.mtime = b;
        if (what != 2)
            ino.ctime = (uint32_t)(vmfs_now_us() / 1000000u);
        r = inode_write(vol, &ino);
    }
    return op_end(vol, r);
}

int vmfs_chmod(struct vmfs_volume *vol, vmfs_ino_t addr, uint32_t mode) { return set_attr(vol, addr, 0, mode, 0); }
int vmfs_chown(struct vmfs_volume *vol, vmfs_ino_t addr, uint32_t uid, uint32_t gid)
{
    return set_attr(vol, addr, 1, uid, gid);
}
int vmfs_utimes(struct vmfs_volume *vol, vmfs_ino_t addr, uint32_t atime, uint32_t mtime)
{
    return set_attr(vol, addr, 2, atime, mtime);
}

/*
 * Open files: a file open for writing stays locked by this host until it
 * is closed, as a running VM's disk is on ESX.  Counted per inode.
 */
int vmfs_hold(struct vmfs_volume *vol, vmfs_ino_t addr)
{
    uint64_t laddr;
    int r = inode_laddr(vol, addr, &laddr);
    if (r < 0)
        return r;
    for (size_t i = 0; i < vol->nheld; i++) {
        if (vol->held[i].laddr == laddr) {
            vol->held[i].count++;
            return 0;
        }
    }
    if (!vol->dev.read_write)
        return vol_fail(vol, EROFS, "the volume is open read-only");
    if ((r = lock_object(vol, laddr)) < 0)
        return r;
    if (vol->nheld == vol->held_cap) {
        size_t cap = vol->held_cap ? vol->held_cap * 2 : 16;
        void *h = realloc(vol->held, cap * sizeof *vol->held);
        if (!h)
            return vol_fail(vol, ENOMEM, "out of memory");
        vol->held = h;
        vol->held_cap = cap;
    }
    vol->held[vol->nheld].laddr = laddr;
    vol->held[vol->nheld].count = 1;
    vol->nheld++;
    return 0;
}

void vmfs_unhold(struct vmfs_volume *vol, vmfs_ino_t addr)
{
    uint64_t laddr;
    if (inode_laddr(vol, addr, &laddr) < 0)
        return;
    for (size_t i = 0; i < vol->nheld; i++) {
        if (vol->held[i].laddr != laddr || --vol->held[i].count)
            continue;
        vol->held[i] = vol->held[--vol->nheld];
        /* Still locked for the running transaction?  Then its commit
         * releases it. */
        if (!addrset_has(&vol->tx.locks, laddr))
            unlock_object(vol, laddr);
        return;
    }
}
