// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmfs-fsck: check a VMFS3 volume and, with -y, repair it.
 *
 *   vmfs-fsck [-n|-y] [-v] DEVICE-OR-IMAGE
 *
 * Checks everything vmfs-tools' `fsck.vmfs` and `debugvmfs
 * check_vol_bitmaps` check, and more (vmfs/lib/check.c); one line per
 * problem, then a summary.  -n (the default) opens the volume read-only
 * and writes nothing.  -y opens it read-write without a journal of our own
 * (which first replays the journal of any host that died with it open),
 * repairs what is safe to repair, then checks again read-only: what is
 * still wrong is listed and makes the exit status 4.  A read-only pass
 * comes first, so that -y on a clean volume writes nothing.  -y refuses a
 * volume another host (or another process of this one) has open.
 *
 * Exit status as e2fsck's: 0 clean, 1 errors corrected, 4 errors left
 * uncorrected, 8 operational error (the volume could not be checked).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmfs/vmfs.h"

enum { EXIT_CLEAN = 0, EXIT_CORRECTED = 1, EXIT_UNCORRECTED = 4, EXIT_OPERATIONAL = 8 };

static void usage(FILE *f)
{
    fprintf(f, "Usage: vmfs-fsck [-n|-y] [-v] DEVICE-OR-IMAGE\n"
               "  -n  check only, open read-only (the default)\n"
               "  -y  repair what can be repaired safely\n"
               "  -v  verbose\n"
               "Exit status: 0 clean, 1 errors corrected, 4 errors left uncorrected, 8 operational error\n");
}

struct out {
    const char *prefix;
    bool quiet;                 /* do not print */
    bool keep;                  /* keep the lines */
    char **kept;
    size_t nkept;
};

static void report(void *ctx, const char *msg)
{
    struct out *o = ctx;
    if (!o->quiet)
        printf("%s%s\n", o->prefix, msg);
    if (!o->keep)
        return;
    char **k = realloc(o->kept, (o->nkept + 1) * sizeof *k);
    if (k && (k[o->nkept] = strdup(msg)) != NULL)
        o->nkept++;
    if (k)
        o->kept = k;
}

static void forget(struct out *o)
{
    for (size_t i = 0; i < o->nkept; i++)
        free(o->kept[i]);
    free(o->kept);
    o->kept = NULL;
    o->nkept = 0;
}

static int open_volume(const char *dev, bool rw, struct vmfs_volume **vol)
{
    char err[512];
    struct vmfs_open_options opt = { .read_write = rw, .no_journal = rw };
    if (vmfs_open(dev, &opt, vol, err, sizeof err) < 0) {
        fprintf(stderr, "vmfs-fsck: %s: %s\n", dev, err);
        return -1;
    }
    return 0;
}

/* One pass; -1 if it could not run.  `exclusive`: refuse a volume another
 * host or process has open. */
static int run(const char *dev, bool repair, bool verbose, bool exclusive, struct out *o, struct vmfs_check_stats *st)
{
    struct vmfs_volume *vol;
    if (open_volume(dev, repair, &vol) < 0)
        return -1;
    char uuid[36];
    if (exclusive && vmfs_live_host(vol, uuid) == 1) {
        fprintf(stderr, "vmfs-fsck: %s: host %s has the volume open: unmount it everywhere before repairing "
                        "(-n checks it as it is)\n", dev, uuid);
        vmfs_close(vol);
        return -1;
    }
    struct vmfs_info info;
    if (verbose && !o->quiet && vmfs_info(vol, &info) == 0) {
        printf("%s VMFS-%u.%u volume \"%s\" (%s) on %s, %s\n", repair ? "Repairing" : "Checking", info.version_major,
               info.version_minor, info.label, info.fs_uuid, dev, repair ? "read-write" : "read-only");
        printf("  %u file blocks of %llu KiB (%u free), %u file descriptors (%u free)\n", info.total_blocks,
               (unsigned long long)(info.block_size >> 10), info.free_blocks, info.total_inodes, info.free_inodes);
    }
    int r = vmfs_check_volume(vol, repair ? VMFS_CHECK_REPAIR : 0, report, o, st);
    if (r < 0) {
        fprintf(stderr, "vmfs-fsck: %s: %s\n", dev, vmfs_error(vol));
        vmfs_close(vol);
        return -1;
    }
    if (vmfs_close(vol) < 0) {
        fprintf(stderr, "vmfs-fsck: %s: closing the volume failed\n", dev);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    bool repair = false, verbose = false;
    int c;
    setvbuf(stdout, NULL, _IOLBF, 0);
    while ((c = getopt(argc, argv, "nyvh")) != -1) {
        switch (c) {
        case 'n': repair = false; break;
        case 'y': repair = true; break;
        case 'v': verbose = true; break;
        case 'h': usage(stdout); return EXIT_CLEAN;
        default: usage(stderr); return EXIT_OPERATIONAL;
        }
    }
    if (optind + 1 != argc) {
        usage(stderr);
        return EXIT_OPERATIONAL;
    }
    const char *dev = argv[optind];
    struct vmfs_check_stats st;
    char notes[64] = "";
    if (!repair) {
        struct out o = { .prefix = "" };
        if (run(dev, false, verbose, false, &o, &st) < 0)
            return EXIT_OPERATIONAL;
        if (st.notes)
            snprintf(notes, sizeof notes, ", %u note%s", st.notes, st.notes > 1 ? "s" : "");
        if (st.errors == 0) {
            printf("%s: clean%s\n", dev, notes);
            return EXIT_CLEAN;
        }
        printf("%s: %u problem%s found%s; nothing changed (-n)\n", dev, st.errors, st.errors > 1 ? "s" : "", notes);
        return EXIT_UNCORRECTED;
    }

    /* -y: read-only first; nothing to do, nothing written. */
    struct out first = { .prefix = "", .quiet = true, .keep = true };
    if (run(dev, false, verbose, true, &first, &st) < 0)
        return EXIT_OPERATIONAL;
    if (st.errors == 0 && st.notes == 0) {
        forget(&first);
        printf("%s: clean\n", dev);
        return EXIT_CLEAN;
    }
    struct out o = { .prefix = "", .keep = true };
    if (run(dev, true, verbose, false, &o, &st) < 0) {
        forget(&first);
        return EXIT_OPERATIONAL;
    }
    /* Opening read-write replays the journals of hosts that died with the
     * volume open, frees their slots and claims a slot: what the first pass
     * found and the repair pass no longer sees was fixed by the opening. */
    for (size_t i = 0; i < first.nkept; i++) {
        const char *line = first.kept[i];
        if (!strncmp(line, "note: ", 6) || !strncmp(line, "... ", 4))
            continue;
        bool seen = false;
        for (size_t j = 0; j < o.nkept && !seen; j++)
            seen = !strncmp(o.kept[j], line, strlen(line));
        if (seen)
            continue;
        printf("%s (fixed: when the volume was opened read-write)\n", line);
        st.errors++;
        st.fixed++;
    }
    forget(&first);
    forget(&o);
    if (st.errors == 0 && st.notes_fixed == 0) {
        printf("%s: clean\n", dev);
        return EXIT_CLEAN;
    }
    printf("%s: %u problem%s found, %u fixed", dev, st.errors, st.errors == 1 ? "" : "s", st.fixed);
    if (st.notes_fixed)
        printf(", %u stale lock%s cleared", st.notes_fixed, st.notes_fixed > 1 ? "s" : "");
    printf("\n");

    /* What the repair left: a last, read-only pass says. */
    struct out again = { .prefix = "still: " };
    struct vmfs_check_stats st2;
    if (verbose)
        printf("Checking again read-only\n");
    if (run(dev, false, false, false, &again, &st2) < 0)
        return EXIT_OPERATIONAL;
    if (st2.errors) {
        printf("%s: %u problem%s left uncorrected\n", dev, st2.errors, st2.errors > 1 ? "s" : "");
        return EXIT_UNCORRECTED;
    }
    printf("%s: clean now\n", dev);
    return EXIT_CORRECTED;
}
