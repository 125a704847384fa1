// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for libvmfs's metadata parsers.  A small volume is made
 * once per process (vmfs_create and a tree of every addressing mode); each
 * input is a list of patches to its metadata — the LVM header, the FS
 * descriptor, heartbeats, .fdc.sf's header, bitmap entries and inodes,
 * every bitmap file's start, the directories — after which the volume is
 * opened, its whole tree walked and read, written to, checked and closed.
 * Errors are fine; crashes, sanitizer reports and hangs are findings.  The
 * patched bytes are put back after every input.
 *
 * Input: repeated [region u8][offset u16][length u8][bytes...].
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "vmfs/vmfs.h"

#define NREGIONS 12
static char image[64];
static int fd = -1;
static struct { uint64_t off; uint32_t len; uint8_t *saved; } regions[NREGIONS];
static unsigned nregions;

static uint64_t rd64(uint64_t off)
{
    uint64_t v = 0;
    FUZZ_ASSERT(pread(fd, &v, 8, (off_t)off) == 8);
    return v;
}

static uint32_t rd32(uint64_t off)
{
    uint32_t v = 0;
    FUZZ_ASSERT(pread(fd, &v, 4, (off_t)off) == 4);
    return v;
}

static void add_region(uint64_t off, uint32_t len)
{
    regions[nregions].off = off;
    regions[nregions].len = len;
    regions[nregions].saved = malloc(len);
    FUZZ_ASSERT(pread(fd, regions[nregions].saved, len, (off_t)off) == (ssize_t)len);
    nregions++;
}

static void make_volume(void)
{
    snprintf(image, sizeof image, "/dev/shm/fuzz-vmfs-%d.img", (int)getpid());
    fd = open(image, O_RDWR | O_CREAT | O_TRUNC, 0600);
    FUZZ_ASSERT(fd >= 0 && ftruncate(fd, 300 << 20) == 0);
    char err[256];
    struct vmfs_create_options co = { .label = "fuzz", .block_size = 1 << 20,
                                      .host_uuid = "11111111-22222222-3333-444444444444" };
    FUZZ_ASSERT(vmfs_create(image, &co, err, sizeof err) == 0);
    struct vmfs_volume *vol;
    struct vmfs_open_options oo = { .read_write = true, .host_uuid = co.host_uuid };
    FUZZ_ASSERT(vmfs_open(image, &oo, &vol, err, sizeof err) == 0);
    static uint8_t data[3 << 20];
    memset(data, 0x5a, sizeof data);
    vmfs_ino_t ino;
    FUZZ_ASSERT(vmfs_mkdir(vol, "/d", 0755) == 0 && vmfs_mkdir(vol, "/d/e", 0700) == 0);
    FUZZ_ASSERT(vmfs_mkfile(vol, "/d/empty", 0644, &ino) == 0);
    FUZZ_ASSERT(vmfs_mkfile(vol, "/d/small", 0644, &ino) == 0 && vmfs_pwrite(vol, ino, data, 100000, 0) == 100000);
    FUZZ_ASSERT(vmfs_mkfile(vol, "/d/e/big", 0644, &ino) == 0 && vmfs_pwrite(vol, ino, data, sizeof data, 0) > 0);
    FUZZ_ASSERT(vmfs_mkfile(vol, "/sparse", 0644, &ino) == 0 && vmfs_pwrite(vol, ino, data, 4096, 280u << 20) > 0);
    FUZZ_ASSERT(vmfs_symlink(vol, "d/small", "/link") == 0 && vmfs_link(vol, "/d/small", "/hard") == 0);
    FUZZ_ASSERT(vmfs_close(vol) == 0);

    const uint64_t L = 0x1100000;
    uint64_t fdc = L + 4 * (1u << 20);
    add_region(0x100000, 0x400);                    /* LVM header */
    add_region(L + 0x200000, 0x200);                /* FS descriptor */
    add_region(L + 0x300000, 0x400);                /* heartbeats */
    add_region(fdc, 0x40);                          /* .fdc.sf header */
    add_region(fdc + 0x10000, 0x800);               /* its first bitmap entries */
    add_region(fdc + 0x18000, 0x8000);              /* the first 16 inodes */
    for (unsigned i = 0; i < 6 && nregions < NREGIONS; i++) {
        uint32_t b = rd32(fdc + 0x18000 + i * 0x800 + 0x400);   /* each system file's first block */
        if ((b & 7) == 1 && i != 2 && i != 5)
            add_region(L + (uint64_t)(b >> 6) * (1u << 20), 0x10000 + 0x800);
    }
    (void)rd64;
}

struct walk {
    struct vmfs_volume *vol;
    char path[512];
    unsigned budget;
};

static int visit(void *ctx, const char *name, vmfs_ino_t ino, uint32_t type);

static void walk_dir(struct walk *w, vmfs_ino_t dir, unsigned depth)
{
    if (depth > 8 || w->budget == 0)
        return;
    vmfs_readdir(w->vol, dir, visit, w);
}

static int visit(void *ctx, const char *name, vmfs_ino_t ino, uint32_t type)
{
    struct walk *w = ctx;
    if (w->budget-- == 0)
        return 1;
    if (!strcmp(name, ".") || !strcmp(name, ".."))
        return 0;
    struct vmfs_stat st;
    char text[2048];
    static uint8_t buf[1 << 20];
    if (vmfs_stat(w->vol, ino, &st) < 0)
        return 0;
    vmfs_describe(w->vol, ino, text, sizeof text);
    if (type == 2) {
        size_t len = strlen(w->path);
        if (len + strlen(name) + 2 < sizeof w->path) {
            strcat(strcat(w->path, "/"), name);
            vmfs_ino_t again;
            vmfs_lookup(w->vol, w->path, &again);
            walk_dir(w, ino, (unsigned)len);
            w->path[len] = '\0';
        }
    } else if (type == 4) {
        vmfs_readlink(w->vol, ino, text, sizeof text);
    } else {
        vmfs_pread(w->vol, ino, buf, sizeof buf, 0);
        if (st.size > 4096)
            vmfs_pread(w->vol, ino, buf, 4096, st.size - 4096);
    }
    return 0;
}

static void report(void *ctx, const char *msg)
{
    (void)ctx, (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fd < 0)
        make_volume();
    for (size_t i = 0; i + 4 <= size;) {
        unsigned r = data[i] % nregions, off = data[i + 1] | data[i + 2] << 8, len = data[i + 3];
        i += 4;
        if (len > size - i)
            len = (unsigned)(size - i);
        if (off < regions[r].len && len <= regions[r].len - off)
            FUZZ_ASSERT(pwrite(fd, data + i, len, (off_t)(regions[r].off + off)) == (ssize_t)len);
        i += len;
    }
    char err[512];
    struct vmfs_volume *vol;
    struct vmfs_open_options ro = { .read_write = false, .host_uuid = "aaaaaaaa-bbbbbbbb-cccc-dddddddddddd" };
    if (vmfs_open(image, &ro, &vol, err, sizeof err) == 0) {
        struct vmfs_info info;
        struct vmfs_check_stats res;
        vmfs_info(vol, &info);
        struct walk w = { .vol = vol, .budget = 200 };
        walk_dir(&w, 4, 0);
        vmfs_check_volume(vol, 0, report, NULL, &res);
        vmfs_close(vol);
    }
    struct vmfs_open_options rw = { .read_write = true, .host_uuid = "aaaaaaaa-bbbbbbbb-cccc-dddddddddddd" };
    if (vmfs_open(image, &rw, &vol, err, sizeof err) == 0) {
        vmfs_ino_t ino;
        static const uint8_t bytes[70000];
        if (vmfs_mkfile(vol, "/d/new", 0644, &ino) == 0)
            vmfs_pwrite(vol, ino, bytes, sizeof bytes, 5);
        if (vmfs_lookup(vol, "/d/small", &ino) == 0)
            vmfs_truncate(vol, ino, 2 << 20);
        vmfs_rename(vol, "/d/e/big", "/moved");
        vmfs_unlink(vol, "/hard");
        vmfs_mkdir(vol, "/d/e/f", 0755);
        vmfs_rmdir(vol, "/d/e/f");
        vmfs_close(vol);
    }
    /* Back to the pristine volume: every region, and whatever the writes
     * touched elsewhere is made unreachable again by the restored metadata. */
    for (unsigned r = 0; r < nregions; r++)
        FUZZ_ASSERT(pwrite(fd, regions[r].saved, regions[r].len, (off_t)regions[r].off) == (ssize_t)regions[r].len);
    return 0;
}
