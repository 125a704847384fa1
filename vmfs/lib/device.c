// SPDX-License-Identifier: GPL-2.0-only
/*
 * The device under a volume: an image file, a partition or a whole disk.
 * A whole disk whose MBR has a partition of type 0xFB is opened at that
 * partition, as ESX and vmfs-tools do.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "endian.h"
#include "volume.h"

static uint64_t mbr_vmfs_partition(const uint8_t mbr[512])
{
    if (mbr[510] != 0x55 || mbr[511] != 0xaa)
        return 0;
    for (unsigned off = 446; off < 510; off += 16)
        if (mbr[off + 4] == 0xfb)
            return (uint64_t)get_le32(mbr, off + 8) * 512;
    return 0;
}

int device_open(struct vmfs_device *dev, const char *path, bool read_write, char *err, size_t errlen)
{
    memset(dev, 0, sizeof *dev);
    dev->write_budget = -1;
    dev->fd = open(path, (read_write ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (dev->fd < 0) {
        int e = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        return -e;
    }
    dev->read_write = read_write;

    struct stat st;
    if (fstat(dev->fd, &st) < 0)
        goto fail_errno;
    uint64_t size = (uint64_t)st.st_size;
    if (S_ISBLK(st.st_mode)) {
        if (ioctl(dev->fd, BLKGETSIZE64, &size) < 0)
            goto fail_errno;
    } else if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a block device or image file", path);
        close(dev->fd);
        return -ENODEV;
    }

    uint8_t mbr[512];
    if (size >= 512 && pread(dev->fd, mbr, sizeof mbr, 0) == (ssize_t)sizeof mbr)
        dev->base = mbr_vmfs_partition(mbr);
    if (dev->base >= size) {
        snprintf(err, errlen, "%s: the VMFS partition in the MBR lies past the end of the device", path);
        close(dev->fd);
        return -EINVAL;
    }
    dev->size = size - dev->base;

    const char *budget = getenv("VMFS_CRASH_AFTER_WRITES");
    if (budget && *budget)
        dev->write_budget = strtol(budget, NULL, 10);
    return 0;

fail_errno:;
    int e = errno;
    snprintf(err, errlen, "%s: %s", path, strerror(e));
    close(dev->fd);
    return -e;
}

void device_close(struct vmfs_device *dev)
{
    if (dev->fd >= 0)
        close(dev->fd);
    dev->fd = -1;
}

int device_read(const struct vmfs_device *dev, uint64_t off, void *buf, size_t len)
{
    if (off > dev->size || len > dev->size - off)
        return -EIO;
    uint8_t *p = buf;
    while (len) {
        ssize_t n = pread(dev->fd, p, len, (off_t)(dev->base + off));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return -EIO;
        p += n, off += (uint64_t)n, len -= (size_t)n;
    }
    return 0;
}

int device_write(struct vmfs_device *dev, uint64_t off, const void *buf, size_t len)
{
    if (!dev->read_write)
        return -EROFS;
    if (off > dev->size || len > dev->size - off)
        return -EIO;
    if (dev->write_budget == 0) {
        dev->dropped++;
        return 0;               /* simulated power cut: the write is lost */
    }
    if (dev->write_budget > 0)
        dev->write_budget--;
    dev->writes++;
    const uint8_t *p = buf;
    while (len) {
        ssize_t n = pwrite(dev->fd, p, len, (off_t)(dev->base + off));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        p += n, off += (uint64_t)n, len -= (size_t)n;
    }
    return 0;
}

int device_sync(struct vmfs_device *dev)
{
    if (!dev->read_write || dev->write_budget == 0)
        return 0;
    return fdatasync(dev->fd) < 0 ? -errno : 0;
}

static void reservation(struct vmfs_device *dev, short type)
{
    /* Open file description locks, so that two volumes opened by one
     * process (tests) exclude each other as two hosts would. */
    struct flock fl = { .l_type = type, .l_whence = SEEK_SET,
                        .l_start = (off_t)(dev->base + VMFS_LVM_BASE), .l_len = 1 };
    while (fcntl(dev->fd, F_OFD_SETLKW, &fl) < 0 && errno == EINTR)
        ;
}

void device_reserve(struct vmfs_device *dev) { reservation(dev, F_WRLCK); }

int device_hold(struct vmfs_device *dev, uint64_t off, uint64_t len, bool hold)
{
    struct flock fl = { .l_type = hold ? F_RDLCK : F_UNLCK, .l_whence = SEEK_SET,
                        .l_start = (off_t)(dev->base + off), .l_len = (off_t)len };
    return fcntl(dev->fd, F_OFD_SETLK, &fl) < 0 ? -errno : 0;
}

bool device_held_elsewhere(const struct vmfs_device *dev, uint64_t off, uint64_t len)
{
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = (off_t)(dev->base + off),
                        .l_len = (off_t)len };
    return fcntl(dev->fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
}
void device_release(struct vmfs_device *dev) { reservation(dev, F_UNLCK); }
