// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmkfstools: ESX's tool for VMFS volumes and virtual disks, with ESX 3's
 * options and wording.  Volumes are created on a device, partition or
 * image file; virtual disks are made through the mounted file system
 * (/vmfs/volumes/<label>/... in the service console, any vmfs-fuse mount
 * on a host), so the same commands and scripts work as on ESX.
 *
 *   vmkfstools -C vmfs3 [-b 1m|2m|4m|8m] -S LABEL DEVICE
 *   vmkfstools -P [-h] PATH
 *   vmkfstools -c SIZE [-d thin|zeroedthick|eagerzeroedthick] [-a buslogic|lsilogic|ide] DISK.vmdk
 *   vmkfstools -i SRC.vmdk [-d FORMAT] [-a ADAPTER] DST.vmdk
 *   vmkfstools -X SIZE [-d eagerzeroedthick] DISK.vmdk
 *   vmkfstools -U DISK.vmdk | -E OLD.vmdk NEW.vmdk | -w DISK.vmdk | -j DISK.vmdk
 *   vmkfstools -D FILE | -g DISK.vmdk | -v N ...
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "vmfs/ioctl.h"
#include "vmfs/vmdk.h"
#include "vmfs/vmfs.h"

static int verbosity;

static int die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 1;
}

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: vmkfstools OPTIONS TARGET\n"
            "File system options:\n"
            "  -C --createfs vmfs3 [-b --blocksize 1m|2m|4m|8m] -S --setfsname LABEL  DEVICE\n"
            "  -P --queryfs [-h --humanreadable]  PATH\n"
            "Virtual disk options:\n"
            "  -c --createvirtualdisk SIZE[kKmMgGtT] [-d --diskformat thin|zeroedthick|eagerzeroedthick]\n"
            "     [-a --adaptertype buslogic|lsilogic|ide]  DISK.vmdk\n"
            "  -i --clonevirtualdisk SRC.vmdk [-d FORMAT] [-a ADAPTER]  DST.vmdk\n"
            "  -X --extendvirtualdisk SIZE [-d eagerzeroedthick]  DISK.vmdk\n"
            "  -U --deletevirtualdisk  DISK.vmdk\n"
            "  -E --renamevirtualdisk OLD.vmdk  NEW.vmdk\n"
            "  -w --writezeros  DISK.vmdk\n"
            "  -j --inflatedisk  DISK.vmdk\n"
            "  -g --geometry  DISK.vmdk\n"
            "  -D --lock  FILE          dump the file's lock and inode\n"
            "  -v --verbose N\n");
}

/* "10g", "512m", "100k", "4096": bytes, a whole number of sectors. */
static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno || *s == '-')
        return -1;
    unsigned shift = 0;
    switch (*end) {
    case 't': case 'T': shift = 40; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'k': case 'K': shift = 10; end++; break;
    case '\0': break;
    default: return -1;
    }
    if (*end || v == 0 || (shift && v > (UINT64_MAX >> shift)))
        return -1;
    *out = (uint64_t)v << shift;
    return *out % 512 ? -1 : 0;
}

static void human(uint64_t bytes, char *out, size_t size)
{
    static const char units[] = "BKMGTP";
    double v = (double)bytes;
    unsigned u = 0;
    while (v >= 1024 && u + 1 < sizeof units - 1)
        v /= 1024, u++;
    snprintf(out, size, "%.1f%c", v, units[u]);
}

/* ---- volumes ---------------------------------------------------------- */

static int create_fs(const char *type, const char *bs_text, const char *label, const char *device)
{
    if (strcmp(type, "vmfs3") != 0)
        return die("Error: file system type \"%s\" is not supported (use vmfs3)", type);
    if (!label)
        return die("Error: a volume label is required (-S LABEL)");
    uint64_t bs = 1u << 20;
    if (bs_text && (parse_size(bs_text, &bs) < 0 || (bs != 1u << 20 && bs != 2u << 20 && bs != 4u << 20 && bs != 8u << 20)))
        return die("Error: invalid block size \"%s\": VMFS3 supports 1m, 2m, 4m and 8m", bs_text);
    struct vmfs_volume *old;
    char err[512] = "";
    if (vmfs_open(device, &(struct vmfs_open_options){ .read_write = false }, &old, err, sizeof err) == 0) {
        char host[36];
        int live = vmfs_live_host(old, host);
        vmfs_close(old);
        if (live > 0)
            return die("Error: the VMFS volume on %s is in use by host %s; unmount it first", device, host);
    }
    printf("Creating vmfs3 file system on \"%s\" with blockSize %" PRIu64 " and volume label \"%s\".\n", device, bs,
           label);
    fflush(stdout);
    struct vmfs_create_options opt = { .label = label, .block_size = bs };
    err[0] = '\0';
    if (vmfs_create(device, &opt, err, sizeof err) < 0)
        return die("Error: %s", err);
    struct vmfs_volume *vol;
    struct vmfs_info info;
    if (vmfs_open(device, &(struct vmfs_open_options){ .read_write = false }, &vol, err, sizeof err) < 0)
        return die("Error: the new volume does not open: %s", err);
    vmfs_info(vol, &info);
    vmfs_close(vol);
    printf("Successfully created new volume: %s\n", info.fs_uuid);
    return 0;
}

struct volume_facts {
    char label[129], uuid[40], version[16], device[PATH_MAX];
    unsigned mode, partitions;
    uint64_t block_size, capacity, free;
    uint32_t total_blocks, free_blocks;
};

static void parse_facts(const char *text, struct volume_facts *f)
{
    char line[PATH_MAX + 32];
    const char *p = text;
    while (*p) {
        size_t n = strcspn(p, "\n");
        snprintf(line, sizeof line, "%.*s", (int)n, p);
        p += n + (p[n] == '\n');
        char *eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq = '\0';
        const char *k = line, *v = eq + 1;
        if (!strcmp(k, "label")) snprintf(f->label, sizeof f->label, "%s", v);
        else if (!strcmp(k, "uuid")) snprintf(f->uuid, sizeof f->uuid, "%s", v);
        else if (!strcmp(k, "version")) snprintf(f->version, sizeof f->version, "%s", v);
        else if (!strcmp(k, "device")) snprintf(f->device, sizeof f->device, "%s", v);
        else if (!strcmp(k, "mode")) f->mode = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(k, "partitions")) f->partitions = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(k, "block_size")) f->block_size = strtoull(v, NULL, 10);
        else if (!strcmp(k, "capacity")) f->capacity = strtoull(v, NULL, 10);
        else if (!strcmp(k, "free")) f->free = strtoull(v, NULL, 10);
        else if (!strcmp(k, "total_blocks")) f->total_blocks = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(k, "free_blocks")) f->free_blocks = (uint32_t)strtoul(v, NULL, 10);
    }
}

/* Ask vmfs-fuse about the file or directory open as `fd` (vmfs/ioctl.h):
 * 0 with the answer, -1 with errno (ENOTTY: not on a VMFS mount). */
static int ask_mount(int fd, unsigned long request, void *arg)
{
    struct statfs fs;
    if (fstatfs(fd, &fs) < 0)
        return -1;
    if ((uint32_t)fs.f_type != VMFS_FUSE_SUPER_MAGIC) {
        errno = ENOTTY;         /* another file system: the number may be one of its own */
        return -1;
    }
    return ioctl(fd, request, arg) < 0 ? -1 : 0;
}

/* The text answer to VMFS_IOC_VOLUME or VMFS_IOC_DESCRIBE for `path`. */
static int ask_text(const char *path, unsigned long request, struct vmfs_ioc_text *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -1;
    int r = ask_mount(fd, request, out);
    int saved = errno;
    close(fd);
    errno = saved;
    if (r == 0)
        out->text[sizeof out->text - 1] = '\0';
    return r;
}

/* Facts about the volume holding `path`: through the mount, or from the
 * device itself when `path` is a device or image. */
static int volume_facts(const char *path, struct volume_facts *f, char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    struct vmfs_ioc_text answer;
    if (ask_text(path, VMFS_IOC_VOLUME, &answer) == 0) {
        parse_facts(answer.text, f);
        return 0;
    }
    if (errno == ENOENT) {
        snprintf(err, errlen, "%s: no such file or directory", path);
        return -1;
    }
    struct vmfs_volume *vol;
    if (vmfs_open(path, &(struct vmfs_open_options){ .read_write = false }, &vol, err, errlen) < 0)
        return -1;              /* err names the device and what is wrong */
    struct vmfs_info in;
    int r = vmfs_info(vol, &in);
    if (r == 0) {
        snprintf(f->label, sizeof f->label, "%s", in.label);
        snprintf(f->uuid, sizeof f->uuid, "%s", in.fs_uuid);
        snprintf(f->version, sizeof f->version, "%u.%u", in.version_major, in.version_minor);
        if (!realpath(path, f->device))
            snprintf(f->device, sizeof f->device, "%s", path);
        f->mode = in.mode;
        f->partitions = in.partitions;
        f->block_size = in.block_size;
        f->capacity = in.capacity;
        f->free = in.free_bytes;
        f->total_blocks = in.total_blocks;
        f->free_blocks = in.free_blocks;
    } else {
        snprintf(err, errlen, "%s", vmfs_error(vol));
    }
    vmfs_close(vol);
    return r < 0 ? -1 : 0;
}

static int query_fs(const char *path, bool human_readable)
{
    struct volume_facts f;
    char err[512];
    if (volume_facts(path, &f, err, sizeof err) < 0)
        return die("Could not retrieve file system information: %s", err);
    static const char *modes[] = { "private", "shared", "public", "shared" };
    printf("VMFS-%s file system spanning %u partitions.\n", f.version, f.partitions);
    printf("File system label (if any): %s\n", f.label);
    printf("Mode: %s\n", modes[f.mode & 3]);
    if (human_readable) {
        char cap[16], avail[16], bs[16];
        human(f.capacity, cap, sizeof cap);
        human(f.free, avail, sizeof avail);
        human(f.block_size, bs, sizeof bs);
        printf("Capacity %s, %s available, file block size %s\n", cap, avail, bs);
    } else {
        printf("Capacity %" PRIu64 " (%u file blocks * %" PRIu64 "), %" PRIu64 " (%u blocks) avail\n", f.capacity,
               f.total_blocks, f.block_size, f.free, f.free_blocks);
    }
    printf("UUID: %s\n", f.uuid);
    printf("Partitions spanned (on \"lvm\"):\n\t%s\n", f.device);
    return 0;
}

static int dump_lock(const char *path)
{
    struct vmfs_ioc_text answer;
    if (ask_text(path, VMFS_IOC_DESCRIBE, &answer) < 0)
        return die("Could not dump the lock of %s: %s", path,
                   errno == ENOTTY ? "not a file on a mounted VMFS volume" : strerror(errno));
    fputs(answer.text, stdout);
    return 0;
}

/* ---- virtual disks ---------------------------------------------------- */

struct disk {
    char path[PATH_MAX];        /* the descriptor */
    char dir[PATH_MAX];
    struct vmdk_descriptor d;
};

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static void split_dir(const char *path, char *dir, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, size, ".");
    else if (slash == path)
        snprintf(dir, size, "/");
    else
        snprintf(dir, size, "%.*s", (int)(slash - path), path);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int load_disk(const char *path, struct disk *disk, char *err, size_t errlen)
{
    memset(disk, 0, sizeof *disk);
    snprintf(disk->path, sizeof disk->path, "%s", path);
    split_dir(path, disk->dir, sizeof disk->dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    static char text[64 * 1024 + 1];
    ssize_t n = read(fd, text, sizeof text);
    close(fd);
    if (n < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char why[256];
    if (vmdk_parse(text, (size_t)n, &disk->d, why, sizeof why) < 0) {
        snprintf(err, errlen, "%s: %s", path, why);
        return -1;
    }
    return 0;
}

/* dir/name into out; false if it does not fit. */
static bool join_path(char *out, size_t size, const char *dir, const char *name)
{
    int n = name[0] == '/' ? snprintf(out, size, "%s", name) : snprintf(out, size, "%s/%s", dir, name);
    return n >= 0 && (size_t)n < size;
}

static void extent_path(const struct disk *disk, unsigned i, char *out, size_t size)
{
    if (!join_path(out, size, disk->dir, disk->d.extents[i].file))
        out[0] = '\0';         /* an empty path fails to open, naming no wrong file */
}

static int write_descriptor(const char *path, const struct vmdk_descriptor *d, bool exclusive, char *err, size_t errlen)
{
    static char text[64 * 1024];
    int len = vmdk_format(d, text, sizeof text);
    if (len < 0) {
        snprintf(err, errlen, "descriptor too large");
        return -1;
    }
    /* Replace in place atomically: write a temporary file, then rename. */
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s.tmp-%d", path, (int)getpid());
    const char *target = exclusive ? path : tmp;
    int fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, errno == EEXIST ? "the file already exists" : strerror(errno));
        return -1;
    }
    bool ok = write(fd, text, (size_t)len) == len && fsync(fd) == 0;
    int e = errno;
    ok = close(fd) == 0 && ok;
    if (ok && !exclusive && rename(tmp, path) < 0)
        ok = false, e = errno;
    if (!ok) {
        unlink(target);
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        return -1;
    }
    return 0;
}

enum disk_format { FMT_THIN, FMT_ZEROEDTHICK, FMT_EAGERZEROEDTHICK };

static int parse_format(const char *s, enum disk_format *f)
{
    if (!s || !strcmp(s, "zeroedthick") || !strcmp(s, "thick"))
        *f = FMT_ZEROEDTHICK;
    else if (!strcmp(s, "thin"))
        *f = FMT_THIN;
    else if (!strcmp(s, "eagerzeroedthick"))
        *f = FMT_EAGERZEROEDTHICK;
    else
        return -1;
    return 0;
}

static const char *format_name(enum disk_format f)
{
    return f == FMT_THIN ? "thin" : f == FMT_ZEROEDTHICK ? "zeroedthick" : "eagerzeroedthick";
}

/* Give a flat file `size` bytes allocated the way `f` says: by libvmfs on
 * a VMFS mount, by plain file calls anywhere else. */
static int allocate_flat(const char *path, int fd, uint64_t size, enum disk_format f, bool rezero, char *err,
                         size_t errlen)
{
    struct vmfs_ioc_allocate req = {
        .how = f == FMT_THIN ? VMFS_ALLOC_THIN : f == FMT_ZEROEDTHICK ? VMFS_ALLOC_ZEROEDTHICK : VMFS_ALLOC_EAGERZEROED,
        .size = size,
    };
    if (ask_mount(fd, rezero ? VMFS_IOC_ZERO : VMFS_IOC_ALLOCATE, &req) == 0)
        return 0;
    if (errno != ENOTTY) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || ((uint64_t)st.st_size < size && ftruncate(fd, (off_t)size) < 0)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (f == FMT_THIN && !rezero)
        return 0;
    if (f == FMT_ZEROEDTHICK && !rezero)
        return posix_fallocate(fd, 0, (off_t)size) == 0 ? 0 : (snprintf(err, errlen, "%s: no space", path), -1);
    static char zeros[1 << 20];
    for (uint64_t off = 0; off < size; off += sizeof zeros) {
        size_t n = size - off < sizeof zeros ? (size_t)(size - off) : sizeof zeros;
        if (pwrite(fd, zeros, n, (off_t)off) != (ssize_t)n) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            return -1;
        }
    }
    return 0;
}

static uint32_t random_u32(void)
{
    uint32_t v = 0;
    if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v)
        v = (uint32_t)time(NULL) ^ (uint32_t)getpid() << 16;
    return v;
}

static int create_disk_files(const char *path, uint64_t size, enum disk_format f, const char *adapter,
                             struct disk *out, char *err, size_t errlen)
{
    if (!ends_with(path, ".vmdk") || ends_with(path, "-flat.vmdk")) {
        snprintf(err, errlen, "%s: a virtual disk name must end with .vmdk (and not -flat.vmdk)", path);
        return -1;
    }
    if (!vmdk_adapter_valid(adapter)) {
        snprintf(err, errlen, "unknown adapter type \"%s\" (buslogic, lsilogic or ide)", adapter);
        return -1;
    }
    memset(out, 0, sizeof *out);
    snprintf(out->path, sizeof out->path, "%s", path);
    split_dir(path, out->dir, sizeof out->dir);
    char flat_name[256], flat[PATH_MAX];
    int n = snprintf(flat_name, sizeof flat_name, "%.*s-flat.vmdk", (int)(strlen(base_name(path)) - 5),
                     base_name(path));
    if (n < 0 || (size_t)n >= sizeof flat_name || !join_path(flat, sizeof flat, out->dir, flat_name)) {
        snprintf(err, errlen, "%s: name too long", path);
        return -1;
    }
    if (access(path, F_OK) == 0) {
        snprintf(err, errlen, "%s: the file already exists", path);
        return -1;
    }
    int fd = open(flat, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", flat, errno == EEXIST ? "the file already exists" : strerror(errno));
        return -1;
    }
    uint8_t uuid[16];
    for (unsigned i = 0; i < 16; i += 4) {
        uint32_t v = random_u32();
        memcpy(uuid + i, &v, 4);
    }
    vmdk_new_vmfs_disk(&out->d, flat_name, size / 512, adapter, f == FMT_THIN, uuid, random_u32());
    int r = allocate_flat(flat, fd, size, f, false, err, errlen);
    if (close(fd) < 0 && r == 0) {
        snprintf(err, errlen, "%s: %s", flat, strerror(errno));
        r = -1;
    }
    if (r == 0)
        r = write_descriptor(path, &out->d, true, err, errlen);
    if (r < 0)
        unlink(flat);
    return r;
}

static int create_disk(const char *path, const char *size_text, const char *format, const char *adapter)
{
    uint64_t size;
    enum disk_format f;
    char err[PATH_MAX + 256];
    struct disk disk;
    if (parse_size(size_text, &size) < 0)
        return die("Failed to create virtual disk: invalid size \"%s\" (a whole number of 512-byte sectors, "
                   "with an optional k, m, g or t suffix).", size_text);
    if (parse_format(format, &f) < 0)
        return die("Failed to create virtual disk: unknown disk format \"%s\" (thin, zeroedthick or "
                   "eagerzeroedthick).", format);
    if (f == FMT_EAGERZEROEDTHICK) {
        printf("Creating disk '%s' and zeroing it out...\n", path);
        fflush(stdout);
    }
    if (create_disk_files(path, size, f, adapter ? adapter : "buslogic", &disk, err, sizeof err) < 0)
        return die("Failed to create virtual disk: %s.", err);
    if (f == FMT_EAGERZEROEDTHICK)
        printf("Create: 100%% done.\n");
    return 0;
}

static int delete_disk(const char *path)
{
    struct disk disk;
    char err[PATH_MAX + 256], ext[PATH_MAX];
    if (load_disk(path, &disk, err, sizeof err) < 0)
        return die("Failed to delete virtual disk: %s.", err);
    for (unsigned i = 0; i < disk.d.n_extents; i++) {
        extent_path(&disk, i, ext, sizeof ext);
        if (unlink(ext) < 0 && errno != ENOENT)
            return die("Failed to delete virtual disk: %s: %s.", ext, strerror(errno));
    }
    if (unlink(path) < 0)
        return die("Failed to delete virtual disk: %s: %s.", path, strerror(errno));
    return 0;
}

static int rename_disk(const char *from, const char *to)
{
    struct disk disk;
    char err[PATH_MAX + 256];
    if (!to)
        return die("Failed to rename virtual disk: a new name is required (-E OLD.vmdk NEW.vmdk).");
    if (!ends_with(to, ".vmdk") || ends_with(to, "-flat.vmdk"))
        return die("Failed to rename virtual disk: %s: a virtual disk name must end with .vmdk.", to);
    if (load_disk(from, &disk, err, sizeof err) < 0)
        return die("Failed to rename virtual disk: %s.", err);
    if (access(to, F_OK) == 0)
        return die("Failed to rename virtual disk: %s: the file already exists.", to);
    char todir[PATH_MAX];
    split_dir(to, todir, sizeof todir);
    struct vmdk_descriptor nd = disk.d;
    char old[VMDK_MAX_EXTENTS][PATH_MAX], neu[VMDK_MAX_EXTENTS][PATH_MAX];
    unsigned done = 0;
    const char *tobase = base_name(to);
    for (unsigned i = 0; i < disk.d.n_extents; i++) {
        extent_path(&disk, i, old[i], sizeof old[i]);
        char name[sizeof nd.extents[i].file];
        int n = disk.d.n_extents > 1
                    ? snprintf(name, sizeof name, "%.*s-f%03u.vmdk", (int)(strlen(tobase) - 5), tobase, i + 1)
                    : snprintf(name, sizeof name, "%.*s-flat.vmdk", (int)(strlen(tobase) - 5), tobase);
        if (n < 0 || (size_t)n >= sizeof name || !join_path(neu[i], sizeof neu[i], todir, name)) {
            snprintf(err, sizeof err, "%s: name too long", to);
            goto undo;
        }
        memcpy(nd.extents[i].file, name, sizeof name);
        if (access(neu[i], F_OK) == 0) {
            snprintf(err, sizeof err, "%s: the file already exists", neu[i]);
            goto undo;
        }
        if (rename(old[i], neu[i]) < 0) {
            snprintf(err, sizeof err, "%s: %s", old[i], strerror(errno));
            goto undo;
        }
        done++;
    }
    if (write_descriptor(to, &nd, true, err, sizeof err) < 0)
        goto undo;
    if (unlink(from) < 0)
        fprintf(stderr, "Warning: %s: %s\n", from, strerror(errno));
    return 0;
undo:
    while (done--)
        rename(neu[done], old[done]);
    return die("Failed to rename virtual disk: %s.", err);
}

/* The one flat extent of a disk this tool can grow, zero or inflate. */
static int flat_extent(const struct disk *disk, char *path, size_t size, char *err, size_t errlen)
{
    if (disk->d.n_extents != 1 || (strcmp(disk->d.extents[0].type, "VMFS") && strcmp(disk->d.extents[0].type, "FLAT"))) {
        snprintf(err, errlen, "%s: only disks of one VMFS or FLAT extent are supported", disk->path);
        return -1;
    }
    extent_path(disk, 0, path, size);
    return 0;
}

static void set_geometry(struct vmdk_descriptor *d, uint64_t sectors)
{
    const char *adapter = vmdk_ddb_get(d, "ddb.adapterType");
    struct vmdk_descriptor fresh;
    uint8_t uuid[16] = { 0 };
    vmdk_new_vmfs_disk(&fresh, "x", sectors, adapter && vmdk_adapter_valid(adapter) ? adapter : "buslogic", 0, uuid, 0);
    const char *keys[] = { "ddb.geometry.cylinders", "ddb.geometry.heads", "ddb.geometry.sectors" };
    for (unsigned i = 0; i < 3; i++)
        vmdk_ddb_set(d, keys[i], vmdk_ddb_get(&fresh, keys[i]));
}

static bool is_thin(const struct vmdk_descriptor *d)
{
    const char *t = vmdk_ddb_get(d, "ddb.thinProvisioned");
    return t && strcmp(t, "1") == 0;
}

static int open_flat(const char *flat, int *fd, char *err, size_t errlen)
{
    *fd = open(flat, O_RDWR | O_CLOEXEC);
    if (*fd < 0) {
        snprintf(err, errlen, "%s: %s", flat, strerror(errno));
        return -1;
    }
    return 0;
}

static int extend_disk(const char *path, const char *size_text, const char *format)
{
    struct disk disk;
    char err[PATH_MAX + 256], flat[PATH_MAX];
    uint64_t size;
    enum disk_format f;
    if (parse_size(size_text, &size) < 0)
        return die("Failed to extend disk: invalid size \"%s\".", size_text);
    if (load_disk(path, &disk, err, sizeof err) < 0 || flat_extent(&disk, flat, sizeof flat, err, sizeof err) < 0)
        return die("Failed to extend disk: %s.", err);
    uint64_t cur = disk.d.extents[0].sectors * 512;
    if (size <= cur)
        return die("Failed to extend disk: %s: the new size (%" PRIu64 " bytes) is not larger than the current "
                   "size (%" PRIu64 " bytes).", path, size, cur);
    if (format ? parse_format(format, &f) < 0 : (f = is_thin(&disk.d) ? FMT_THIN : FMT_ZEROEDTHICK, 0))
        return die("Failed to extend disk: unknown disk format \"%s\".", format);
    int fd;
    if (open_flat(flat, &fd, err, sizeof err) < 0)
        return die("Failed to extend disk: %s.", err);
    int r = allocate_flat(flat, fd, size, f, false, err, sizeof err);
    close(fd);
    if (r < 0)
        return die("Failed to extend disk: %s.", err);
    disk.d.extents[0].sectors = size / 512;
    set_geometry(&disk.d, size / 512);
    if (write_descriptor(path, &disk.d, false, err, sizeof err) < 0)
        return die("Failed to extend disk: %s.", err);
    return 0;
}

static int zero_or_inflate(const char *path, bool inflate)
{
    struct disk disk;
    char err[PATH_MAX + 256], flat[PATH_MAX];
    const char *what = inflate ? "inflate" : "zero";
    if (load_disk(path, &disk, err, sizeof err) < 0 || flat_extent(&disk, flat, sizeof flat, err, sizeof err) < 0)
        return die("Failed to %s disk: %s.", what, err);
    if (inflate && !is_thin(&disk.d))
        return die("Failed to inflate disk: %s is not a thin disk.", path);
    int fd;
    if (open_flat(flat, &fd, err, sizeof err) < 0)
        return die("Failed to %s disk: %s.", what, err);
    uint64_t size = disk.d.extents[0].sectors * 512;
    int r = allocate_flat(flat, fd, size, FMT_EAGERZEROEDTHICK, !inflate, err, sizeof err);
    close(fd);
    if (r < 0)
        return die("Failed to %s disk: %s.", what, err);
    if (inflate) {
        vmdk_ddb_set(&disk.d, "ddb.thinProvisioned", NULL);
        if (write_descriptor(path, &disk.d, false, err, sizeof err) < 0)
            return die("Failed to inflate disk: %s.", err);
    }
    printf("%s: 100%% done.\n", inflate ? "Inflate" : "Zeroing");
    return 0;
}

static int show_geometry(const char *path)
{
    struct disk disk;
    char err[PATH_MAX + 256];
    if (load_disk(path, &disk, err, sizeof err) < 0)
        return die("Failed to get geometry: %s.", err);
    const char *c = vmdk_ddb_get(&disk.d, "ddb.geometry.cylinders"), *h = vmdk_ddb_get(&disk.d, "ddb.geometry.heads"),
               *s = vmdk_ddb_get(&disk.d, "ddb.geometry.sectors");
    if (!c || !h || !s)
        return die("Failed to get geometry: %s has no geometry.", path);
    printf("Geometry information C/H/S is %s/%s/%s\n", c, h, s);
    return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

static int clone_disk(const char *src, const char *dst, const char *format, const char *adapter)
{
    struct disk in, out;
    char err[PATH_MAX + 256], ext[PATH_MAX];
    enum disk_format f;
    if (!dst)
        return die("Failed to clone disk: a destination is required (-i SRC.vmdk DST.vmdk).");
    if (parse_format(format, &f) < 0)
        return die("Failed to clone disk: unknown disk format \"%s\".", format);
    if (load_disk(src, &in, err, sizeof err) < 0)
        return die("Failed to clone disk: %s.", err);
    for (unsigned i = 0; i < in.d.n_extents; i++)
        if (strcmp(in.d.extents[i].type, "VMFS") && strcmp(in.d.extents[i].type, "FLAT") &&
            strcmp(in.d.extents[i].type, "ZERO"))
            return die("Failed to clone disk: %s: extents of type %s are not supported.", src, in.d.extents[i].type);
    uint64_t size = vmdk_capacity_sectors(&in.d) * 512;
    const char *src_adapter = vmdk_ddb_get(&in.d, "ddb.adapterType");
    printf("Destination disk format: VMFS %s\n", format_name(f));
    printf("Cloning disk '%s'...\n", src);
    if (create_disk_files(dst, size, f == FMT_THIN ? FMT_THIN : f, adapter ? adapter : src_adapter ? src_adapter : "buslogic",
                          &out, err, sizeof err) < 0)
        return die("Failed to clone disk: %s.", err);
    char flat[PATH_MAX];
    extent_path(&out, 0, flat, sizeof flat);
    int ofd = open(flat, O_WRONLY | O_CLOEXEC);
    uint8_t *buf = malloc(1 << 20);
    int r = ofd < 0 || !buf ? -1 : 0;
    if (r < 0)
        snprintf(err, sizeof err, "%s: %s", flat, strerror(errno));
    uint64_t pos = 0;
    int last_pct = -1;
    bool tty = isatty(STDOUT_FILENO);
    for (unsigned i = 0; r == 0 && i < in.d.n_extents; i++) {
        const struct vmdk_extent *e = &in.d.extents[i];
        uint64_t len = e->sectors * 512, off = !strcmp(e->type, "FLAT") ? e->offset * 512 : 0;
        int ifd = -1;
        if (strcmp(e->type, "ZERO")) {
            extent_path(&in, i, ext, sizeof ext);
            if ((ifd = open(ext, O_RDONLY | O_CLOEXEC)) < 0) {
                snprintf(err, sizeof err, "%s: %s", ext, strerror(errno));
                r = -1;
                break;
            }
        }
        for (uint64_t done = 0; r == 0 && done < len;) {
            size_t n = len - done < (1u << 20) ? (size_t)(len - done) : (1u << 20);
            ssize_t got = ifd < 0 ? (memset(buf, 0, n), (ssize_t)n) : pread(ifd, buf, n, (off_t)(off + done));
            if (got < 0) {
                snprintf(err, sizeof err, "%s: %s", ext, strerror(errno));
                r = -1;
                break;
            }
            if (got == 0) {
                /* a short source extent reads as zeros */
                memset(buf, 0, n);
                got = (ssize_t)n;
            }
            /* Zeros need no writing: the new disk reads zeros already. */
            if (!all_zero(buf, (size_t)got) && pwrite(ofd, buf, (size_t)got, (off_t)(pos + done)) != got) {
                snprintf(err, sizeof err, "%s: %s", flat, strerror(errno));
                r = -1;
                break;
            }
            done += (uint64_t)got;
            int pct = (int)((pos + done) * 100 / (size ? size : 1));
            if (pct / 10 != last_pct / 10 && tty && pct < 100) {
                printf("Clone: %d%% done.\r", pct);
                fflush(stdout);
            }
            last_pct = pct;
        }
        pos += len;
        if (ifd >= 0)
            close(ifd);
    }
    free(buf);
    if (ofd >= 0 && (fsync(ofd) < 0 || close(ofd) < 0) && r == 0) {
        snprintf(err, sizeof err, "%s: %s", flat, strerror(errno));
        r = -1;
    }
    if (r < 0) {
        unlink(flat);
        unlink(dst);
        return die("Failed to clone disk: %s.", err);
    }
    printf("Clone: 100%% done.\n");
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "createfs", required_argument, 0, 'C' },
        { "blocksize", required_argument, 0, 'b' },
        { "setfsname", required_argument, 0, 'S' },
        { "queryfs", no_argument, 0, 'P' },
        { "humanreadable", no_argument, 0, 'h' },
        { "createvirtualdisk", required_argument, 0, 'c' },
        { "diskformat", required_argument, 0, 'd' },
        { "adaptertype", required_argument, 0, 'a' },
        { "clonevirtualdisk", required_argument, 0, 'i' },
        { "extendvirtualdisk", required_argument, 0, 'X' },
        { "deletevirtualdisk", no_argument, 0, 'U' },
        { "renamevirtualdisk", required_argument, 0, 'E' },
        { "writezeros", no_argument, 0, 'w' },
        { "inflatedisk", no_argument, 0, 'j' },
        { "geometry", no_argument, 0, 'g' },
        { "lock", no_argument, 0, 'D' },
        { "verbose", required_argument, 0, 'v' },
        { "help", no_argument, 0, 'H' },
        { 0, 0, 0, 0 },
    };
    const char *fstype = NULL, *bs = NULL, *label = NULL, *create = NULL, *format = NULL, *adapter = NULL,
               *clone = NULL, *extend = NULL, *rename_from = NULL;
    bool query = false, hr = false, del = false, zero = false, inflate = false, geometry = false;
    int c, actions = 0;
    while ((c = getopt_long(argc, argv, "C:b:S:Phc:d:a:i:X:UE:wjgDv:", longopts, NULL)) != -1) {
        switch (c) {
        case 'C': fstype = optarg; actions++; break;
        case 'b': bs = optarg; break;
        case 'S': label = optarg; break;
        case 'P': query = true; actions++; break;
        case 'h': hr = true; break;
        case 'c': create = optarg; actions++; break;
        case 'd': format = optarg; break;
        case 'a': adapter = optarg; break;
        case 'i': clone = optarg; actions++; break;
        case 'X': extend = optarg; actions++; break;
        case 'U': del = true; actions++; break;
        case 'E': rename_from = optarg; actions++; break;
        case 'w': zero = true; actions++; break;
        case 'j': inflate = true; actions++; break;
        case 'g': geometry = true; actions++; break;
        case 'D': actions++; break;
        case 'v': verbosity = atoi(optarg); break;
        case 'H': usage(stdout); return 0;
        default: usage(stderr); return 1;
        }
    }
    const char *target = optind < argc ? argv[optind] : NULL;
    if (actions != 1 || !target || argc - optind > 1) {
        usage(stderr);
        return 1;
    }
    if (fstype)
        return create_fs(fstype, bs, label, target);
    if (query)
        return query_fs(target, hr);
    if (create)
        return create_disk(target, create, format, adapter);
    if (clone)
        return clone_disk(clone, target, format, adapter);
    if (extend)
        return extend_disk(target, extend, format);
    if (del)
        return delete_disk(target);
    if (rename_from)
        return rename_disk(rename_from, target);
    if (zero)
        return zero_or_inflate(target, false);
    if (inflate)
        return zero_or_inflate(target, true);
    if (geometry)
        return show_geometry(target);
    return dump_lock(target);
}
