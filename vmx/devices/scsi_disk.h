/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A SCSI direct-access device (a disk of 512-byte blocks) as a VMware
 * virtual disk presents itself: "VMware  " / "Virtual disk    " / "1.0 ",
 * one logical unit (LUN 0).  It executes a CDB against a storage backend
 * and moves the command's data through callbacks of the host adapter, so
 * it knows nothing of rings, guest memory or PCI.  Errors are CHECK
 * CONDITION with fixed-format sense data.
 */
#ifndef SKERRY_VMX_SCSI_DISK_H
#define SKERRY_VMX_SCSI_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCSI_BLOCK_SIZE 512
#define SCSI_SENSE_LEN  18      /* fixed format with 10 additional bytes */
#define SCSI_SERIAL_MAX 32

#define SCSI_STATUS_GOOD            0x00
#define SCSI_STATUS_CHECK_CONDITION 0x02

#define SCSI_SENSE_NO_SENSE        0x00
#define SCSI_SENSE_MEDIUM_ERROR    0x03
#define SCSI_SENSE_ILLEGAL_REQUEST 0x05

#define SCSI_ASC_WRITE_ERROR          0x0C
#define SCSI_ASC_UNRECOVERED_READ     0x11
#define SCSI_ASC_INVALID_OPCODE       0x20
#define SCSI_ASC_LBA_OUT_OF_RANGE     0x21
#define SCSI_ASC_INVALID_FIELD_IN_CDB 0x24
#define SCSI_ASC_LUN_NOT_SUPPORTED    0x25
#define SCSI_ASC_SAVING_NOT_SUPPORTED 0x39

/*
 * Where the blocks live: size_bytes of storage (a partial last block is
 * not addressable) read and written at byte offsets.  Each call returns 0
 * or -errno.  flush may be NULL: writes are then durable when write
 * returns, and the disk reports its write cache disabled (WCE 0).
 */
struct scsi_disk_backend {
    int (*read)(void *ctx, uint64_t offset, void *buf, size_t len);
    int (*write)(void *ctx, uint64_t offset, const void *buf, size_t len);
    int (*flush)(void *ctx);
    uint64_t size_bytes;
    void *ctx;
};

/*
 * The initiator's data buffer of len bytes as the host adapter reaches it.
 * to_initiator copies data-in to buffer offset `offset`, from_initiator
 * fetches data-out; the disk never asks for bytes past len.  A callback
 * returning false (a DMA fault, a direction the request did not allow)
 * ends the command at once; the adapter knows why and reports it.
 */
struct scsi_data_buffer {
    uint64_t len;
    bool (*to_initiator)(void *ctx, uint64_t offset, const void *buf, size_t n);
    bool (*from_initiator)(void *ctx, uint64_t offset, void *buf, size_t n);
    void *ctx;
};

enum scsi_xfer {
    SCSI_XFER_OK,           /* status and sense say how the command went */
    SCSI_XFER_FAILED,       /* a data callback failed; the command stopped there */
    SCSI_XFER_OVERRUN,      /* READ/WRITE needs more bytes than the buffer has */
};

struct scsi_result {
    enum scsi_xfer xfer;
    uint8_t status;                 /* SCSI_STATUS_* */
    uint64_t transferred;           /* data bytes moved either way */
    uint8_t sense[SCSI_SENSE_LEN];  /* valid with CHECK CONDITION */
    size_t sense_len;
};

/* Reads and writes go through the backend in pieces of this size: as
 * large as a FUSE request (vmfs-fuse's max_write), since each piece of a
 * disk on a VMFS datastore is one round trip to vmfs-fuse. */
#define SCSI_DISK_CHUNK (1024 * 1024)

struct scsi_disk {
    struct scsi_disk_backend backend;
    uint64_t blocks;
    char serial[SCSI_SERIAL_MAX + 1];
    /* Page-aligned: a backend doing direct I/O moves it in one request
     * (FUSE splits a buffer that straddles one page more). */
    _Alignas(4096) uint8_t chunk[SCSI_DISK_CHUNK];
};

/*
 * A disk on backend (read and write required, at least one block).  The
 * serial number (VPD page 0x80, and with the vendor the identifier of page
 * 0x83) should be unique per disk; printable ASCII, at most 32 characters
 * are kept, NULL gives an empty one.  0 or -EINVAL.
 */
int scsi_disk_init(struct scsi_disk *d, const struct scsi_disk_backend *backend, const char *serial);

/*
 * Execute one command for logical unit lun: cdb holds cdb_len (1..16)
 * bytes.  res is filled in completely.  Commands run to completion before
 * this returns.
 */
void scsi_disk_execute(struct scsi_disk *d, unsigned lun, const uint8_t *cdb, size_t cdb_len,
                       const struct scsi_data_buffer *data, struct scsi_result *res);

#endif
