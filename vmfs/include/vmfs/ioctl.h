/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Requests vmkfstools makes of vmfs-fuse, as ioctls on a file or directory
 * of the mount (ESX's vmkfstools talks to the vmkernel's file system the
 * same way).  They are not extended attributes: a FUSE file system that
 * answers getxattr at all is asked for security.capability before every
 * write, one more round trip to the daemon each time.
 *
 * Only send them to a file on a FUSE mount (statfs f_type
 * VMFS_FUSE_SUPER_MAGIC): elsewhere the numbers may mean something else.
 */
#ifndef VMFS_IOCTL_H
#define VMFS_IOCTL_H

#include <stdint.h>
#include <sys/ioctl.h>

#define VMFS_FUSE_SUPER_MAGIC 0x65735546u   /* FUSE_SUPER_MAGIC */
#define VMFS_IOC_MAGIC 0xb6

/* Text answers, NUL-terminated lines of key=value or vmkfstools -D's dump. */
struct vmfs_ioc_text {
    char text[4096];
};

struct vmfs_ioc_allocate {
    uint32_t how;               /* enum vmfs_alloc */
    uint32_t reserved;          /* 0 */
    uint64_t size;              /* bytes the file is to have */
};

/* The volume's label, UUIDs, sizes and device (key=value lines). */
#define VMFS_IOC_VOLUME _IOR(VMFS_IOC_MAGIC, 1, struct vmfs_ioc_text)
/* The file's lock and inode, as vmkfstools -D prints them. */
#define VMFS_IOC_DESCRIBE _IOR(VMFS_IOC_MAGIC, 2, struct vmfs_ioc_text)
/* Give the file `size` bytes allocated `how` (the file is open for writing). */
#define VMFS_IOC_ALLOCATE _IOW(VMFS_IOC_MAGIC, 3, struct vmfs_ioc_allocate)
/* Write zeros over the whole file, allocating its holes (vmkfstools -w). */
#define VMFS_IOC_ZERO _IO(VMFS_IOC_MAGIC, 4)

#endif
