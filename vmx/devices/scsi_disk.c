/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SCSI disk model (scsi_disk.h): the SPC/SBC commands Linux's scsi_scan.c
 * and sd.c send to a disk, answered as an SPC-3 direct-access device with
 * no block descriptors, a caching mode page, VPD pages 0x00/0x80/0x83 and
 * a single logical unit.  Everything else is ILLEGAL REQUEST.
 */
#include "scsi_disk.h"
#include "be_bytes.h"

#include <errno.h>
#include <string.h>

enum {
    OP_TEST_UNIT_READY = 0x00,
    OP_REQUEST_SENSE = 0x03,
    OP_READ_6 = 0x08,
    OP_WRITE_6 = 0x0A,
    OP_INQUIRY = 0x12,
    OP_MODE_SENSE_6 = 0x1A,
    OP_START_STOP_UNIT = 0x1B,
    OP_READ_CAPACITY_10 = 0x25,
    OP_READ_10 = 0x28,
    OP_WRITE_10 = 0x2A,
    OP_VERIFY_10 = 0x2F,
    OP_SYNCHRONIZE_CACHE_10 = 0x35,
    OP_MODE_SENSE_10 = 0x5A,
    OP_READ_16 = 0x88,
    OP_WRITE_16 = 0x8A,
    OP_VERIFY_16 = 0x8F,
    OP_SYNCHRONIZE_CACHE_16 = 0x91,
    OP_SERVICE_ACTION_IN_16 = 0x9E,
    OP_REPORT_LUNS = 0xA0,
    OP_READ_12 = 0xA8,
    OP_WRITE_12 = 0xAA,
};

#define SAI_READ_CAPACITY_16 0x10
#define MODE_PAGE_CACHING    0x08
#define MODE_PAGE_ALL        0x3F
#define CACHING_WCE          0x04

/* One command in flight: what the handlers work from. */
struct scsi_cmd {
    struct scsi_disk *d;
    unsigned lun;
    uint8_t cdb[16];
    const struct scsi_data_buffer *data;
    struct scsi_result *res;
};

static void check_condition(struct scsi_result *r, uint8_t key, uint8_t asc, uint8_t ascq)
{
    memset(r->sense, 0, sizeof r->sense);
    r->sense[0] = 0x70;                 /* current error, fixed format */
    r->sense[2] = key;
    r->sense[7] = SCSI_SENSE_LEN - 8;   /* additional sense length */
    r->sense[12] = asc;
    r->sense[13] = ascq;
    r->sense_len = SCSI_SENSE_LEN;
    r->status = SCSI_STATUS_CHECK_CONDITION;
}

static void invalid_field(struct scsi_cmd *c)
{
    check_condition(c->res, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB, 0);
}

/* Data-in of a small response, cut to the allocation length and to the
 * initiator's buffer (a buffer smaller than the allocation length is the
 * initiator's choice, not an error). */
static void reply(struct scsi_cmd *c, const void *buf, size_t n, uint64_t alloc)
{
    if (n > alloc)
        n = (size_t)alloc;
    if (n > c->data->len)
        n = (size_t)c->data->len;
    if (n && !c->data->to_initiator(c->data->ctx, 0, buf, n)) {
        c->res->xfer = SCSI_XFER_FAILED;
        return;
    }
    c->res->transferred = n;
}

/* Blocks [lba, lba + count) on the medium; LBA OUT OF RANGE if not. */
static bool in_range(struct scsi_cmd *c, uint64_t lba, uint64_t count)
{
    if (lba <= c->d->blocks && count <= c->d->blocks - lba)
        return true;
    check_condition(c->res, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE, 0);
    return false;
}

static void cmd_nothing(struct scsi_cmd *c)
{
    (void)c;    /* TEST UNIT READY, START STOP UNIT: always ready */
}

static void cmd_request_sense(struct scsi_cmd *c)
{
    uint8_t b[SCSI_SENSE_LEN] = { 0x70, 0, SCSI_SENSE_NO_SENSE, [7] = SCSI_SENSE_LEN - 8 };

    if (c->cdb[1] & 0x01) {     /* DESC: descriptor format is not supported */
        invalid_field(c);
        return;
    }
    /* Sense is delivered with each CHECK CONDITION (autosense), so none is
     * left pending; a LUN that does not exist says so here. */
    if (c->lun) {
        b[2] = SCSI_SENSE_ILLEGAL_REQUEST;
        b[12] = SCSI_ASC_LUN_NOT_SUPPORTED;
    }
    reply(c, b, sizeof b, c->cdb[4]);
}

static void inquiry_standard(struct scsi_cmd *c, uint16_t alloc)
{
    uint8_t b[36] = { 0 };

    b[0] = c->lun ? 0x7F : 0x00;    /* PQ 3, type 0x1F: no logical unit here */
    b[2] = 0x05;                    /* SPC-3 */
    b[3] = 0x02;                    /* response data format 2 */
    b[4] = sizeof b - 5;
    b[7] = 0x02;                    /* CMDQUE: tagged queueing */
    memcpy(b + 8, "VMware  ", 8);
    memcpy(b + 16, "Virtual disk    ", 16);
    memcpy(b + 32, "1.0 ", 4);
    reply(c, b, sizeof b, alloc);
}

static void inquiry_vpd(struct scsi_cmd *c, uint8_t page, uint16_t alloc)
{
    uint8_t b[64] = { 0 };
    size_t slen = strlen(c->d->serial), n;

    b[1] = page;
    switch (page) {
    case 0x00:      /* supported pages */
        b[3] = 3;
        b[4] = 0x00;
        b[5] = 0x80;
        b[6] = 0x83;
        n = 7;
        break;
    case 0x80:      /* unit serial number */
        b[3] = (uint8_t)slen;
        memcpy(b + 4, c->d->serial, slen);
        n = 4 + slen;
        break;
    case 0x83:      /* device identification: one T10 vendor ID designator */
        b[4] = 0x02;                    /* code set ASCII */
        b[5] = 0x01;                    /* associated with the LU, type T10 vendor ID */
        b[7] = (uint8_t)(24 + slen);
        memcpy(b + 8, "VMware  Virtual disk    ", 24);
        memcpy(b + 32, c->d->serial, slen);
        n = 32 + slen;
        put_be16(b + 2, (uint16_t)(n - 4));
        break;
    default:
        invalid_field(c);
        return;
    }
    reply(c, b, n, alloc);
}

static void cmd_inquiry(struct scsi_cmd *c)
{
    uint16_t alloc = be16(c->cdb + 3);

    if (c->cdb[1] & 0x02) {                 /* CMDDT (obsolete) */
        invalid_field(c);
    } else if (!(c->cdb[1] & 0x01)) {       /* standard data; page code must be 0 */
        if (c->cdb[2])
            invalid_field(c);
        else
            inquiry_standard(c, alloc);
    } else if (c->lun) {
        check_condition(c->res, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_LUN_NOT_SUPPORTED, 0);
    } else {
        inquiry_vpd(c, c->cdb[2], alloc);
    }
}

/* The caching page as page control pc asks: current and default values
 * are the same; nothing is changeable (there is no MODE SELECT). */
static void caching_page(const struct scsi_cmd *c, unsigned pc, uint8_t *p)
{
    memset(p, 0, 20);
    p[0] = MODE_PAGE_CACHING;
    p[1] = 18;
    if (pc != 1 && c->d->backend.flush)
        p[2] = CACHING_WCE;
}

static void cmd_mode_sense(struct scsi_cmd *c)
{
    bool ten = c->cdb[0] == OP_MODE_SENSE_10;
    unsigned pc = c->cdb[2] >> 6, page = c->cdb[2] & 0x3F, subpage = c->cdb[3];
    size_t hdr = ten ? 8 : 4, total = hdr + 20;
    uint8_t b[8 + 20] = { 0 };

    if (pc == 3) {
        check_condition(c->res, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_SAVING_NOT_SUPPORTED, 0);
        return;
    }
    if ((page != MODE_PAGE_CACHING && page != MODE_PAGE_ALL) || (subpage != 0 && subpage != 0xFF)) {
        invalid_field(c);
        return;
    }
    /* Header: mode data length, medium type 0, device-specific 0 (write
     * protect and DPOFUA clear), no block descriptors. */
    if (ten)
        put_be16(b, (uint16_t)(total - 2));
    else
        b[0] = (uint8_t)(total - 1);
    caching_page(c, pc, b + hdr);
    reply(c, b, total, ten ? be16(c->cdb + 7) : c->cdb[4]);
}

static void cmd_read_capacity_10(struct scsi_cmd *c)
{
    uint64_t last = c->d->blocks - 1;
    uint8_t b[8];

    /* 0xFFFFFFFF tells the initiator to use READ CAPACITY(16). */
    put_be32(b, last >= 0xFFFFFFFFull ? 0xFFFFFFFFu : (uint32_t)last);
    put_be32(b + 4, SCSI_BLOCK_SIZE);
    reply(c, b, sizeof b, sizeof b);
}

static void cmd_service_action_in(struct scsi_cmd *c)
{
    uint8_t b[32] = { 0 };

    if ((c->cdb[1] & 0x1F) != SAI_READ_CAPACITY_16) {
        invalid_field(c);
        return;
    }
    put_be64(b, c->d->blocks - 1);
    put_be32(b + 8, SCSI_BLOCK_SIZE);
    reply(c, b, sizeof b, be32(c->cdb + 10));
}

static void cmd_report_luns(struct scsi_cmd *c)
{
    uint8_t b[16] = { 0 };
    uint32_t alloc = be32(c->cdb + 6);

    if (alloc < 16 || c->cdb[2] > 2) {  /* SPC-3 minimum; select reports 0-2 */
        invalid_field(c);
        return;
    }
    put_be32(b, 8);                     /* one LUN: 0 */
    reply(c, b, sizeof b, alloc);
}

struct block_range {
    uint64_t lba;
    uint32_t count;
    uint8_t flags;      /* byte 1: protect field in bits 7-5, FUA bit 3 */
};

static struct block_range decode_rw(const uint8_t *cdb)
{
    switch (cdb[0]) {
    case OP_READ_6:
    case OP_WRITE_6:
        /* A transfer length of 0 means 256 blocks in the 6-byte form. */
        return (struct block_range){ (uint64_t)(cdb[1] & 0x1F) << 16 | be16(cdb + 2), cdb[4] ? cdb[4] : 256u, 0 };
    case OP_READ_10:
    case OP_WRITE_10:
        return (struct block_range){ be32(cdb + 2), be16(cdb + 7), cdb[1] };
    case OP_READ_12:
    case OP_WRITE_12:
        return (struct block_range){ be32(cdb + 2), be32(cdb + 6), cdb[1] };
    default:
        return (struct block_range){ be64(cdb + 2), be32(cdb + 10), cdb[1] };
    }
}

/* The checks READ and WRITE share; false when the command is over. */
static bool rw_prepare(struct scsi_cmd *c, struct block_range *r)
{
    *r = decode_rw(c->cdb);
    if (r->flags & 0xE0) {      /* RDPROTECT/WRPROTECT: no protection information */
        invalid_field(c);
        return false;
    }
    if (!in_range(c, r->lba, r->count))
        return false;
    if ((uint64_t)r->count * SCSI_BLOCK_SIZE > c->data->len) {
        c->res->xfer = SCSI_XFER_OVERRUN;
        return false;
    }
    return true;
}

static bool flush(struct scsi_cmd *c)
{
    const struct scsi_disk_backend *be = &c->d->backend;

    if (!be->flush || be->flush(be->ctx) == 0)
        return true;
    check_condition(c->res, SCSI_SENSE_MEDIUM_ERROR, SCSI_ASC_WRITE_ERROR, 0);
    return false;
}

/*
 * READ and WRITE: the blocks move in SCSI_DISK_CHUNK pieces between the
 * backend and the initiator's buffer; transferred counts what reached the
 * initiator (read) or was taken from it (write) before any failure.
 */
static void read_write(struct scsi_cmd *c, bool write)
{
    struct block_range r;
    const struct scsi_disk_backend *be = &c->d->backend;

    if (!rw_prepare(c, &r))
        return;
    uint64_t base = r.lba * SCSI_BLOCK_SIZE, bytes = (uint64_t)r.count * SCSI_BLOCK_SIZE;
    for (uint64_t done = 0; done < bytes; done += SCSI_DISK_CHUNK) {
        size_t n = bytes - done < SCSI_DISK_CHUNK ? (size_t)(bytes - done) : SCSI_DISK_CHUNK;

        if (!write && be->read(be->ctx, base + done, c->d->chunk, n) != 0) {
            check_condition(c->res, SCSI_SENSE_MEDIUM_ERROR, SCSI_ASC_UNRECOVERED_READ, 0);
            return;
        }
        if (!(write ? c->data->from_initiator(c->data->ctx, done, c->d->chunk, n)
                    : c->data->to_initiator(c->data->ctx, done, c->d->chunk, n))) {
            c->res->xfer = SCSI_XFER_FAILED;
            return;
        }
        c->res->transferred = done + n;
        if (write && be->write(be->ctx, base + done, c->d->chunk, n) != 0) {
            check_condition(c->res, SCSI_SENSE_MEDIUM_ERROR, SCSI_ASC_WRITE_ERROR, 0);
            return;
        }
    }
    if (write && (r.flags & 0x08))  /* FUA: on the medium before GOOD */
        flush(c);
}

static void cmd_read(struct scsi_cmd *c) { read_write(c, false); }
static void cmd_write(struct scsi_cmd *c) { read_write(c, true); }

static void cmd_synchronize_cache(struct scsi_cmd *c)
{
    bool ten = c->cdb[0] == OP_SYNCHRONIZE_CACHE_10;
    uint64_t lba = ten ? be32(c->cdb + 2) : be64(c->cdb + 2);
    uint32_t count = ten ? be16(c->cdb + 7) : be32(c->cdb + 10);

    /* A count of 0 means "to the end of the medium". */
    if (in_range(c, lba, count))
        flush(c);
}

static void cmd_verify(struct scsi_cmd *c)
{
    bool ten = c->cdb[0] == OP_VERIFY_10;
    uint64_t lba = ten ? be32(c->cdb + 2) : be64(c->cdb + 2);
    uint32_t count = ten ? be16(c->cdb + 7) : be32(c->cdb + 10);

    /* Medium verification always succeeds; comparing against data-out
     * (BYTCHK) and protection information are not offered. */
    if (c->cdb[1] & 0xE6)
        invalid_field(c);
    else
        in_range(c, lba, count);
}

typedef void (*scsi_handler)(struct scsi_cmd *c);

static const scsi_handler handlers[256] = {
    [OP_TEST_UNIT_READY] = cmd_nothing,
    [OP_REQUEST_SENSE] = cmd_request_sense,
    [OP_READ_6] = cmd_read,
    [OP_WRITE_6] = cmd_write,
    [OP_INQUIRY] = cmd_inquiry,
    [OP_MODE_SENSE_6] = cmd_mode_sense,
    [OP_START_STOP_UNIT] = cmd_nothing,
    [OP_READ_CAPACITY_10] = cmd_read_capacity_10,
    [OP_READ_10] = cmd_read,
    [OP_WRITE_10] = cmd_write,
    [OP_VERIFY_10] = cmd_verify,
    [OP_SYNCHRONIZE_CACHE_10] = cmd_synchronize_cache,
    [OP_MODE_SENSE_10] = cmd_mode_sense,
    [OP_READ_16] = cmd_read,
    [OP_WRITE_16] = cmd_write,
    [OP_VERIFY_16] = cmd_verify,
    [OP_SYNCHRONIZE_CACHE_16] = cmd_synchronize_cache,
    [OP_SERVICE_ACTION_IN_16] = cmd_service_action_in,
    [OP_REPORT_LUNS] = cmd_report_luns,
    [OP_READ_12] = cmd_read,
    [OP_WRITE_12] = cmd_write,
};

/* The CDB length an opcode's group implies (SPC-3 4.3.2). */
static size_t cdb_size(uint8_t op)
{
    static const uint8_t size[8] = { 6, 10, 10, 0, 16, 12, 0, 0 };

    return size[op >> 5];
}

/* Commands a logical unit that does not exist still answers. */
static bool any_lun(uint8_t op)
{
    return op == OP_INQUIRY || op == OP_REPORT_LUNS || op == OP_REQUEST_SENSE;
}

void scsi_disk_execute(struct scsi_disk *d, unsigned lun, const uint8_t *cdb, size_t cdb_len,
                       const struct scsi_data_buffer *data, struct scsi_result *res)
{
    struct scsi_cmd c = { .d = d, .lun = lun, .data = data, .res = res };

    memset(res, 0, sizeof *res);
    if (!cdb || cdb_len == 0 || cdb_len > sizeof c.cdb) {
        invalid_field(&c);
        return;
    }
    memcpy(c.cdb, cdb, cdb_len);
    scsi_handler h = handlers[c.cdb[0]];
    if (!h)
        check_condition(res, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_OPCODE, 0);
    else if (cdb_len < cdb_size(c.cdb[0]))
        invalid_field(&c);
    else if (lun && !any_lun(c.cdb[0]))
        check_condition(res, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_LUN_NOT_SUPPORTED, 0);
    else
        h(&c);
}

int scsi_disk_init(struct scsi_disk *d, const struct scsi_disk_backend *backend, const char *serial)
{
    size_t n = 0;

    if (!backend || !backend->read || !backend->write || backend->size_bytes < SCSI_BLOCK_SIZE)
        return -EINVAL;
    d->backend = *backend;
    d->blocks = backend->size_bytes / SCSI_BLOCK_SIZE;
    /* VPD pages carry the serial as printable ASCII. */
    for (; serial && serial[n] && n < SCSI_SERIAL_MAX; n++)
        d->serial[n] = serial[n] >= 0x20 && serial[n] < 0x7F ? serial[n] : '_';
    d->serial[n] = '\0';
    return 0;
}
