// SPDX-License-Identifier: GPL-2.0-only
/*
 * Directories: a plain array of 140-byte entries (type, inode address,
 * generation, name).  There is no free-slot marker: removing an entry
 * moves the last one into its place, as ESX does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "blkaddr.h"
#include "volume.h"

#define CHUNK_ENTRIES 256u

static int check_dir(struct vmfs_volume *vol, const struct vmfs_inode *dir)
{
    if (dir->type != VMFS_TYPE_DIR)
        return vol_fail(vol, ENOTDIR, "file descriptor %#010x is not a directory", dir->addr);
    if (dir->size % VMFS_DIRENT_SIZE)
        return vol_fail(vol, EIO, "directory %#010x is corrupt: size %llu is not a whole number of entries",
                        dir->addr, (unsigned long long)dir->size);
    return 0;
}

/* Calls fn for each entry until it returns non-zero (then returns that). */
int dir_each(struct vmfs_volume *vol, struct vmfs_inode *dir,
             int (*fn)(void *ctx, const struct vmfs_dirent *ent, uint64_t index), void *ctx)
{
    int r = check_dir(vol, dir);
    if (r < 0)
        return r;
    uint8_t *buf = malloc(CHUNK_ENTRIES * VMFS_DIRENT_SIZE);
    if (!buf)
        return vol_fail(vol, ENOMEM, "out of memory");
    uint64_t n = dir->size / VMFS_DIRENT_SIZE;
    for (uint64_t i = 0; i < n && r == 0;) {
        uint64_t count = n - i < CHUNK_ENTRIES ? n - i : CHUNK_ENTRIES;
        r = file_pread(vol, dir, buf, (size_t)(count * VMFS_DIRENT_SIZE), i * VMFS_DIRENT_SIZE);
        if (r < 0)
            break;
        r = 0;
        for (uint64_t k = 0; k < count && r == 0; k++) {
            struct vmfs_dirent ent;
            vmfs_dirent_decode(&ent, buf + k * VMFS_DIRENT_SIZE);
            r = fn(ctx, &ent, i + k);
        }
        i += count;
    }
    free(buf);
    return r;
}

struct find_ctx {
    const char *name;
    struct vmfs_dirent *out;
    uint64_t *index;
};

static int find_one(void *ctx, const struct vmfs_dirent *ent, uint64_t index)
{
    struct find_ctx *f = ctx;
    if (strcmp(ent->name, f->name) != 0)
        return 0;
    *f->out = *ent;
    if (f->index)
        *f->index = index;
    return 1;
}

int dir_find(struct vmfs_volume *vol, struct vmfs_inode *dir, const char *name, struct vmfs_dirent *out,
             uint64_t *index)
{
    int r = check_dir(vol, dir);
    if (r < 0)
        return r;
    struct dircache *c = dircache_get(vol, dir);
    if (c)
        return dircache_find(c, name, out, index);
    struct find_ctx f = { name, out, index };
    r = dir_each(vol, dir, find_one, &f);
    if (r < 0)
        return r;
    return r == 1 ? 0 : -ENOENT;
}

int dir_set(struct vmfs_volume *vol, struct vmfs_inode *dir, uint64_t index, const struct vmfs_dirent *ent)
{
    uint8_t raw[VMFS_DIRENT_SIZE];
    vmfs_dirent_encode(ent, raw);
    int r = file_pwrite(vol, dir, raw, sizeof raw, index * VMFS_DIRENT_SIZE);
    if (r < 0)
        return r;
    dircache_set(vol, dir, index, ent);
    return 0;
}

int dir_add(struct vmfs_volume *vol, struct vmfs_inode *dir, const struct vmfs_dirent *ent)
{
    int r = check_dir(vol, dir);
    return r < 0 ? r : dir_set(vol, dir, dir->size / VMFS_DIRENT_SIZE, ent);
}

int dir_remove(struct vmfs_volume *vol, struct vmfs_inode *dir, uint64_t index)
{
    int r = check_dir(vol, dir);
    if (r < 0)
        return r;
    uint64_t last = dir->size / VMFS_DIRENT_SIZE - 1;
    if (index > last)
        return vol_fail(vol, EIO, "directory entry %llu out of range", (unsigned long long)index);
    if (index != last) {
        uint8_t raw[VMFS_DIRENT_SIZE];
        if ((r = file_pread(vol, dir, raw, sizeof raw, last * VMFS_DIRENT_SIZE)) < 0 ||
            (r = file_pwrite(vol, dir, raw, sizeof raw, index * VMFS_DIRENT_SIZE)) < 0)
            return r;
    }
    if ((r = file_truncate(vol, dir, last * VMFS_DIRENT_SIZE)) < 0)
        return r;
    dircache_remove(vol, dir, index);
    return 0;
}
