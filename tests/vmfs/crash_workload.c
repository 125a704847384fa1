// SPDX-License-Identifier: GPL-2.0-only
/*
 * The crash test's workload and judge (tests/system/vmfs-crash.sh).
 *
 *   crash_workload run IMAGE MANIFEST SEED OPS   metadata-heavy work, then exit
 *                                                without closing (a crash)
 *   crash_workload verify IMAGE MANIFEST         recover, then check every file
 *                                                the manifest says was fsync'd
 *
 * Run with VMFS_CRASH_AFTER_WRITES=N, libvmfs drops every device write
 * after the N-th, as a power cut would.  A file is written to the
 * manifest only if vmfs_sync() returned and none of its writes was
 * dropped: that is what "fsync'd" means after a crash.  Without the
 * variable, `run` prints the number of device writes it made.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "volume.h"

static uint64_t rng;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void fill(uint8_t *buf, size_t len, uint64_t seed)
{
    uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        buf[i] = (uint8_t)x;
    }
}

static uint64_t hash(const uint8_t *p, size_t n, uint64_t h)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static const uint64_t sizes[] = { 0, 100, 70000, 200000, 3u << 20 };

static int run(const char *image, const char *manifest, uint64_t seed, int ops)
{
    char err[512];
    struct vmfs_volume *vol;
    rng = seed * 2654435761u + 7;
    if (vmfs_open(image, &(struct vmfs_open_options){ .read_write = true }, &vol, err, sizeof err) < 0) {
        fprintf(stderr, "open: %s\n", err);
        return 1;
    }
    FILE *man = fopen(manifest, "a");
    static uint8_t buf[3u << 20];
    char path[128], path2[128];
    vmfs_mkdir(vol, "/d0", 0755);
    vmfs_mkdir(vol, "/keep", 0755);
    for (int op = 0; op < ops && vol->dev.dropped == 0; op++) {
        unsigned n = (unsigned)(next() % 16), m = (unsigned)(next() % 16);
        vmfs_ino_t ino;
        switch (next() % 8) {
        case 0:
            snprintf(path, sizeof path, "/d%u", n % 4);
            vmfs_mkdir(vol, path, 0755);
            break;
        case 1: case 2: {
            snprintf(path, sizeof path, "/d%u/f%u", n % 4, m);
            uint64_t size = sizes[next() % 5];
            fill(buf, size, next());
            if (vmfs_mkfile(vol, path, 0644, &ino) == 0)
                vmfs_pwrite(vol, ino, buf, size, 0);
            break;
        }
        case 3:
            snprintf(path, sizeof path, "/d%u/f%u", n % 4, m);
            snprintf(path2, sizeof path2, "/d%u/f%u", (n + 1) % 4, (m + 3) % 16);
            vmfs_rename(vol, path, path2);
            break;
        case 4:
            snprintf(path, sizeof path, "/d%u/f%u", n % 4, m);
            vmfs_unlink(vol, path);
            break;
        case 5:
            snprintf(path, sizeof path, "/d%u/f%u", n % 4, m);
            if (vmfs_lookup(vol, path, &ino) == 0)
                vmfs_truncate(vol, ino, next() % (400u << 20));
            break;
        case 6:
            snprintf(path, sizeof path, "/d%u/f%u", n % 4, m);
            fill(buf, 5000, next());
            if (vmfs_lookup(vol, path, &ino) == 0)
                vmfs_pwrite(vol, ino, buf, 5000, next() % (8u << 20));
            break;
        default: {
            /* A file that must survive: written, synced, never touched again. */
            uint64_t size = sizes[1 + next() % 4], content = next();
            snprintf(path, sizeof path, "/keep/k%d", op);
            fill(buf, size, content);
            if (vmfs_mkfile(vol, path, 0644, &ino) == 0 && vmfs_pwrite(vol, ino, buf, size, 0) == (ssize_t)size &&
                vmfs_sync(vol) == 0 && vol->dev.dropped == 0 && man) {
                fprintf(man, "%s %" PRIu64 " %" PRIu64 "\n", path, size, hash(buf, size, 1469598103934665603ull));
                fflush(man);
                fsync(fileno(man));
            }
            break;
        }
        }
    }
    if (!getenv("VMFS_CRASH_AFTER_WRITES")) {
        printf("%lu\n", vol->dev.writes);     /* before the close's own writes */
        return vmfs_close(vol) < 0;
    }
    _exit(0);                   /* the crash: nothing is closed or flushed */
}

static int verify(const char *image, const char *manifest)
{
    char err[512];
    struct vmfs_volume *vol;
    /* Opening read-write breaks the dead run's heartbeat and replays its
     * journal; closing leaves the volume clean for the judges. */
    if (vmfs_open(image, &(struct vmfs_open_options){ .read_write = true }, &vol, err, sizeof err) < 0) {
        printf("FAIL recovery open: %s\n", err);
        return 1;
    }
    if (vmfs_close(vol) < 0) {
        printf("FAIL recovery close\n");
        return 1;
    }
    if (vmfs_open(image, &(struct vmfs_open_options){ .read_write = false }, &vol, err, sizeof err) < 0) {
        printf("FAIL reopen: %s\n", err);
        return 1;
    }
    FILE *man = fopen(manifest, "r");
    char path[128];
    uint64_t size, want;
    int bad = 0, files = 0;
    static uint8_t buf[3u << 20];
    while (man && fscanf(man, "%127s %" SCNu64 " %" SCNu64, path, &size, &want) == 3) {
        vmfs_ino_t ino;
        struct vmfs_stat st;
        files++;
        if (vmfs_lookup(vol, path, &ino) < 0 || vmfs_stat(vol, ino, &st) < 0) {
            printf("lost fsync'd file %s: %s\n", path, vmfs_error(vol));
            bad++;
        } else if (st.size != size || vmfs_pread(vol, ino, buf, size, 0) != (ssize_t)size ||
                   hash(buf, size, 1469598103934665603ull) != want) {
            printf("fsync'd file %s differs (size %" PRIu64 ", want %" PRIu64 ")\n", path, st.size, size);
            bad++;
        }
    }
    if (man)
        fclose(man);
    vmfs_close(vol);
    printf("%d fsync'd files checked, %d bad\n", files, bad);
    return bad != 0;
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "run") == 0)
        return run(argv[2], argv[3], strtoull(argv[4], NULL, 10), atoi(argv[5]));
    if (argc == 4 && strcmp(argv[1], "verify") == 0)
        return verify(argv[2], argv[3]);
    fprintf(stderr, "usage: crash_workload run IMAGE MANIFEST SEED OPS | verify IMAGE MANIFEST\n");
    return 2;
}
