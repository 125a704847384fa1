/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A virtual disk's blocks from its VMDK files: the descriptor a .vmx
 * names (scsiN:M.fileName) is parsed with vmfs/'s VMDK library and its
 * extents opened; a guest's reads and writes go to them with pread and
 * pwrite at the extent's offset, with direct I/O where the extent's
 * filesystem has it and the buffer, offset and length are in whole
 * 512-byte sectors (scsi_disk's page-aligned chunk always is).  Flat
 * extents only (createType "vmfs", "monolithicFlat" and the like: VMFS
 * and FLAT extents, ZERO as zeros); sparse and raw-device formats are
 * refused by name.  On VMFS the files are opened through the datastore's
 * mount, which locks a file opened for writing against other hosts.
 */
#ifndef SKERRY_VMX_VMDK_BACKEND_H
#define SKERRY_VMX_VMDK_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMDK_BACKEND_MAX_EXTENTS 64

struct vmdk_backend_extent {
    int fd;                         /* -1 for a ZERO extent */
    uint64_t start;                 /* first byte of the disk it holds */
    uint64_t size;                  /* bytes */
    uint64_t file_offset;           /* where they start in its file */
    bool writable;
    bool direct_ok;                 /* its filesystem takes O_DIRECT in sectors */
    bool direct;                    /* fd is in O_DIRECT mode now */
};

struct vmdk_backend {
    struct vmdk_backend_extent ext[VMDK_BACKEND_MAX_EXTENTS];
    unsigned n;
    uint64_t size;                  /* the disk's bytes */
};

/* Open the disk whose descriptor is at path: 0, or -1 with err saying
 * which file and why. */
int vmdk_backend_open(struct vmdk_backend *b, const char *path, char *err, size_t errlen);
void vmdk_backend_close(struct vmdk_backend *b);

/* 0 or -errno; a range past the disk's end is -EINVAL, a write to a
 * read-only extent -EROFS. */
int vmdk_backend_read(void *b, uint64_t offset, void *buf, size_t len);
int vmdk_backend_write(void *b, uint64_t offset, const void *buf, size_t len);
int vmdk_backend_flush(void *b);

#endif
