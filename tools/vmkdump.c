// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmkdump: saves the vmkernel's purple-screen dump of the previous boot
 * (ESX's vmkdump), through libvmk.  The vmkernel keeps the dump across the
 * warm reset that follows a purple screen (hypervisor/core/crash_dump.c)
 * until the console takes it: SYSTEM dump_info gives its length and FNV-1a
 * checksum, dump_read 48 bytes at a time, dump_clear forgets it.
 *
 *   vmkdump        save the dump, if there is one, to
 *                  /var/core/vmkernel-zdump-<YYYYMMDD-HHMMSS> (mode 0600,
 *                  /var/core made 0700 if missing), log where to syslog and
 *                  clear it in the vmkernel; a dump whose bytes do not match
 *                  the checksum is kept as <name>.damaged.  S90vmware runs
 *                  it at boot, after the module loads.
 *   vmkdump -l     list the saved dumps (size, name).
 *
 * Exit status: 0 saved, or no dump; 1 an error (said on stderr and in
 * syslog), including a damaged dump; 2 usage.  The dump is cleared only
 * once its bytes are on disk, so a failed save leaves it for the next try.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include "vmk.h"

#define CORE_DIR    "/var/core"
#define DUMP_PREFIX "vmkernel-zdump-"
#define NAME_BUF    128             /* /var/core/vmkernel-zdump-<stamp>.damaged */
#define PATH_BUF    (NAME_BUF + 8)
#define DUMP_MAX    (16u << 20)     /* the vmkernel keeps 64 KiB; anything far above is nonsense */

/* An error, on stderr and in syslog. */
static void error(const char *fmt, ...)
{
    va_list ap;
    char msg[512];

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "vmkdump: %s\n", msg);
    syslog(LOG_ERR, "%s", msg);   /* the ident says vmkdump */
}

/* The vmkernel's checksum of a dump: 32-bit FNV-1a. */
static uint32_t fnv1a(const unsigned char *p, size_t n)
{
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* Read the whole dump (len bytes) into buf: 0, or -1 with the error said. */
static int read_dump(unsigned char *buf, size_t len)
{
    size_t off = 0;

    while (off < len) {
        struct sk_system_dump_read_result r;
        long e = sk_system_dump_read(SK_CAP_SYSTEM, off, &r);
        if (e != SK_OK) {
            error("dump_read at byte %zu of %zu failed: %s (%ld)", off, len, vmk_strerror(e), e);
            return -1;
        }
        if (r.len == 0 || r.len > SK_LOG_READ_MAX || r.len > len - off) {
            error("dump_read at byte %zu of %zu returned %" PRIu64 " bytes", off, len, r.len);
            return -1;
        }
        const sk_word_t w[6] = { r.b0, r.b1, r.b2, r.b3, r.b4, r.b5 };
        for (size_t i = 0; i < r.len; i++)
            buf[off + i] = (unsigned char)(w[i / 8] >> (8 * (i % 8)));
        off += r.len;
    }
    return 0;
}

/*
 * Create base (or base-1 ... base-9 if it exists: two crashes in one
 * second) with mode 0600 and write buf into it; the name used goes into
 * path.  0, or -1 with the error said.
 */
static int write_file(const char *base, char path[PATH_BUF], const unsigned char *buf, size_t len)
{
    int fd = -1;

    for (int n = 0; n < 10 && fd < 0; n++) {
        if (n == 0)
            snprintf(path, PATH_BUF, "%s", base);
        else
            snprintf(path, PATH_BUF, "%s-%d", base, n);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        error("cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, buf + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            error("cannot write %s: %s", path, w < 0 ? strerror(errno) : "short write");
            close(fd);
            unlink(path);
            return -1;
        }
        done += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        error("cannot write %s: %s", path, strerror(errno));
        unlink(path);
        return -1;
    }
    return 0;
}

static int save(void)
{
    long e = vmk_open();
    if (e != 0) {
        error("cannot open /dev/vmkernel: %s", vmk_strerror(e));
        return 1;
    }
    struct sk_system_dump_info_result info;
    e = sk_system_dump_info(SK_CAP_SYSTEM, &info);
    if (e != SK_OK) {
        error("dump_info failed: %s (%ld)", vmk_strerror(e), e);
        return 1;
    }
    if (info.len == 0) {
        printf("vmkdump: no vmkernel dump\n");
        return 0;
    }
    if (info.len > DUMP_MAX) {
        error("the vmkernel reports a dump of %" PRIu64 " bytes, more than %u: not read",
              info.len, DUMP_MAX);
        return 1;
    }
    size_t len = (size_t)info.len;
    unsigned char *buf = malloc(len);
    if (!buf) {
        error("out of memory for a dump of %zu bytes", len);
        return 1;
    }
    if (read_dump(buf, len) != 0) {
        free(buf);
        return 1;
    }
    uint32_t sum = fnv1a(buf, len);
    int damaged = sum != (uint32_t)info.checksum;

    if (mkdir(CORE_DIR, 0700) != 0 && errno != EEXIST) {
        error("cannot create %s: %s", CORE_DIR, strerror(errno));
        free(buf);
        return 1;
    }
    char base[NAME_BUF], path[PATH_BUF], stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", localtime_r(&now, &tm));
    snprintf(base, sizeof base, "%s/%s%s%s", CORE_DIR, DUMP_PREFIX, stamp, damaged ? ".damaged" : "");
    int rc = write_file(base, path, buf, len);
    free(buf);
    if (rc != 0)
        return 1;

    if (damaged) {
        error("the vmkernel dump of the previous boot (%zu bytes) does not match its checksum "
              "(%08" PRIx32 ", the vmkernel says %08" PRIx32 "): kept as %s",
              len, sum, (uint32_t)info.checksum, path);
    } else {
        printf("vmkdump: saved the vmkernel dump of the previous boot (%zu bytes) to %s\n", len, path);
        syslog(LOG_NOTICE, "saved the vmkernel dump of the previous boot (%zu bytes) to %s",
               len, path);
    }
    /* On disk now (even if damaged: reading it again gives the same bytes). */
    e = sk_system_dump_clear(SK_CAP_SYSTEM);
    if (e != SK_OK) {
        error("dump_clear failed: %s (%ld); the dump will be saved again next time", vmk_strerror(e), e);
        return 1;
    }
    return damaged ? 1 : 0;
}

static int list(void)
{
    DIR *d = opendir(CORE_DIR);
    if (!d) {
        if (errno == ENOENT) {
            printf("no saved vmkernel dumps (%s does not exist)\n", CORE_DIR);
            return 0;
        }
        fprintf(stderr, "vmkdump: cannot read %s: %s\n", CORE_DIR, strerror(errno));
        return 1;
    }
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, DUMP_PREFIX, strlen(DUMP_PREFIX)) != 0)
            continue;
        char path[300];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", CORE_DIR, de->d_name);
        if (stat(path, &st) != 0)
            continue;
        printf("%10lld  %s\n", (long long)st.st_size, path);
        n++;
    }
    closedir(d);
    if (n == 0)
        printf("no saved vmkernel dumps in %s\n", CORE_DIR);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "-l") == 0)
        return list();
    if (argc != 1) {
        fprintf(stderr, "usage: vmkdump        save the previous boot's vmkernel dump to %s\n"
                        "       vmkdump -l     list the saved dumps\n", CORE_DIR);
        return 2;
    }
    openlog("vmkdump", LOG_NDELAY, LOG_DAEMON);
    return save();
}
