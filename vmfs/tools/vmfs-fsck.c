// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmfs-fsck: check a VMFS3 volume and, with -y, repair it.
 *
 *   vmfs-fsck [-n|-y] [-v] DEVICE-OR-IMAGE
 *
 * Checks everything vmfs-tools' `fsck.vmfs` and `debugvmfs
 * check_vol_bitmaps` check, and more (vmfs/lib/fsck.c).  -n (the default)
 * opens the volume read-only and changes nothing; -y opens it read-write
 * (which first replays the journal of any host that died with it open) and
 * repairs.  Exit status as e2fsck's: 0 clean, 1 errors corrected, 4 errors
 * left, 8 the volume could not be checked.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vmfs/vmfs.h"

static void report(void *ctx, const char *msg)
{
    (void)ctx;
    printf("%s\n", msg);
}

int main(int argc, char **argv)
{
    bool repair = false, verbose = false;
    int c;
    while ((c = getopt(argc, argv, "nyvh")) != -1) {
        switch (c) {
        case 'n': repair = false; break;
        case 'y': repair = true; break;
        case 'v': verbose = true; break;
        case 'h':
            printf("Usage: vmfs-fsck [-n|-y] [-v] DEVICE-OR-IMAGE\n");
            return 0;
        default:
            fprintf(stderr, "Usage: vmfs-fsck [-n|-y] [-v] DEVICE-OR-IMAGE\n");
            return 8;
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "Usage: vmfs-fsck [-n|-y] [-v] DEVICE-OR-IMAGE\n");
        return 8;
    }
    const char *dev = argv[optind];
    char err[512];
    struct vmfs_volume *vol;
    if (vmfs_open(dev, &(struct vmfs_open_options){ .read_write = repair, .no_journal = true }, &vol, err, sizeof err) < 0) {
        fprintf(stderr, "vmfs-fsck: %s\n", err);
        return 8;
    }
    struct vmfs_info info;
    if (verbose && vmfs_info(vol, &info) == 0)
        printf("Checking VMFS-%u.%u volume \"%s\" (%s) on %s\n", info.version_major, info.version_minor, info.label,
               info.fs_uuid, dev);
    struct vmfs_check_result res;
    int r = vmfs_check(vol, repair, report, NULL, &res);
    if (r < 0) {
        fprintf(stderr, "vmfs-fsck: %s\n", vmfs_error(vol));
        vmfs_close(vol);
        return 8;
    }
    if (vmfs_close(vol) < 0) {
        fprintf(stderr, "vmfs-fsck: %s: closing the volume failed\n", dev);
        return 8;
    }
    if (res.errors == 0) {
        printf("%s: clean\n", dev);
        return 0;
    }
    printf("%s: %u problems found, %u fixed\n", dev, res.errors, res.fixed);
    return res.fixed == res.errors ? 1 : 4;
}
