/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VMware PVSCSI controller model (pvscsi.h).  Every value the guest
 * controls is checked before use: ring page counts and PPNs when the rings
 * are set up, the producer index against the ring size, descriptor
 * fields, SG lists (at most one page of elements, no chaining) and every
 * DMA address, which must be guest RAM.  A bad request completes with a
 * host adapter status; a bad command answers COMMAND_STATUS -1.  DMA
 * needs bus mastering enabled in the command register, as on hardware.
 */
#include "pvscsi.h"

#include <string.h>

#define REQ_PER_PAGE (PVSCSI_PAGE_SIZE / PVSCSI_REQ_DESC_SIZE)   /* 32 */
#define CMP_PER_PAGE (PVSCSI_PAGE_SIZE / PVSCSI_CMP_DESC_SIZE)   /* 128 */

/* Request descriptor fields. */
#define REQ_CONTEXT    0x00
#define REQ_DATA_ADDR  0x08
#define REQ_DATA_LEN   0x10
#define REQ_SENSE_ADDR 0x18
#define REQ_SENSE_LEN  0x20
#define REQ_FLAGS      0x24
#define REQ_CDB        0x28
#define REQ_CDB_LEN    0x38
#define REQ_LUN        0x39
#define REQ_BUS        0x42
#define REQ_TARGET     0x43

#define NO_SUCH_LUN 0x10000u    /* a LUN no disk answers to */

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return le32(p) | (uint64_t)le32(p + 4) << 32;
}

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    put_le16(p, (uint16_t)v);
    put_le16(p + 2, (uint16_t)(v >> 16));
}

static void put_le64(uint8_t *p, uint64_t v)
{
    put_le32(p, (uint32_t)v);
    put_le32(p + 4, (uint32_t)(v >> 32));
}

/* ---- DMA and the interrupt ---- */

static bool bus_master(const struct pvscsi *s)
{
    return pci_config_read(&s->pci, PCI_COMMAND, 2) & PCI_COMMAND_MASTER;
}

static bool dma_read(const struct pvscsi *s, uint64_t gpa, void *buf, uint64_t len)
{
    return bus_master(s) && vmx_dma_read(s->plat, gpa, buf, len);
}

static bool dma_write(const struct pvscsi *s, uint64_t gpa, const void *buf, uint64_t len)
{
    return bus_master(s) && vmx_dma_write(s->plat, gpa, buf, len);
}

static bool rs_read(const struct pvscsi *s, unsigned field, uint32_t *v)
{
    uint8_t b[4];

    if (!dma_read(s, s->rings_state + field, b, sizeof b))
        return false;
    *v = le32(b);
    return true;
}

static bool rs_write(const struct pvscsi *s, unsigned field, uint32_t v)
{
    uint8_t b[4];

    put_le32(b, v);
    return dma_write(s, s->rings_state + field, b, sizeof b);
}

/* INTx is a level: asserted while an enabled status bit is set, and never
 * while MSI is on. */
static void update_irq(struct pvscsi *s)
{
    bool level = (s->intr_status & s->intr_mask) != 0 && !pci_msi_enabled(&s->pci);

    if (level != s->irq_level) {
        s->irq_level = level;
        vmx_irq_set(s->plat, s->irq, level);
    }
}

/* New causes: with MSI a message if one of them is enabled (Linux's
 * handler then reads and clears nothing: two exits fewer per interrupt),
 * otherwise the INTx level. */
static void raise_intr(struct pvscsi *s, uint32_t bits)
{
    uint64_t address;
    uint32_t data;

    s->intr_status |= bits;
    if (pci_msi_message(&s->pci, &address, &data)) {
        if ((bits & s->intr_mask) && bus_master(s))
            vmx_msi_send(s->plat, address, data);
    }
    update_irq(s);
}

/* ---- A request's data buffer ---- */

static bool add_segment(struct pvscsi *s, uint64_t addr, uint64_t len)
{
    if (addr + len < addr || s->nseg >= PVSCSI_MAX_SG_ELEMS)
        return false;       /* wraps around the address space */
    s->seg[s->nseg++] = (struct pvscsi_segment){ addr, len };
    return true;
}

/*
 * The buffer as segments covering exactly len bytes: the flat buffer at
 * addr, or the SG list at addr (16-byte elements, zero-length ones
 * skipped, no more than a page of them).  false: a malformed or
 * unreadable list, or one too short for len.
 */
static bool build_segments(struct pvscsi *s, uint64_t addr, uint64_t len, uint32_t flags)
{
    uint64_t left = len;

    s->nseg = 0;
    if (!len)
        return true;
    if (!(flags & PVSCSI_FLAG_CMD_WITH_SG_LIST))
        return add_segment(s, addr, len);
    if (addr > UINT64_MAX - PVSCSI_PAGE_SIZE)
        return false;
    for (unsigned i = 0; left && i < PVSCSI_MAX_SG_ELEMS; i++) {
        uint8_t e[PVSCSI_SG_ELEM_SIZE];

        if (!dma_read(s, addr + (uint64_t)i * sizeof e, e, sizeof e))
            return false;
        uint32_t elen = le32(e + 8);
        if (le32(e + 12))   /* element flags: chaining is not supported */
            return false;
        if (elen && !add_segment(s, le64(e), elen < left ? elen : left))
            return false;
        left -= elen < left ? elen : left;
    }
    return left == 0;
}

/* The state of one transfer between the disk and the segments. */
struct pvscsi_xfer {
    struct pvscsi *s;
    uint32_t flags;
    unsigned cur;           /* the segment the last piece was in */
    uint64_t cur_start;     /* its offset in the buffer */
    uint16_t fault;         /* host status once a callback has failed */
};

/* Where buffer offset off lies and how much of n fits in that segment. */
static bool locate(struct pvscsi_xfer *x, uint64_t off, size_t n, uint64_t *gpa, size_t *piece)
{
    const struct pvscsi *s = x->s;

    if (off < x->cur_start) {       /* the disk went back: search from the start */
        x->cur = 0;
        x->cur_start = 0;
    }
    while (x->cur < s->nseg && off - x->cur_start >= s->seg[x->cur].len)
        x->cur_start += s->seg[x->cur++].len;
    if (x->cur >= s->nseg)
        return false;
    uint64_t in = off - x->cur_start, room = s->seg[x->cur].len - in;
    *gpa = s->seg[x->cur].addr + in;
    *piece = room < n ? (size_t)room : n;
    return true;
}

/* Move n bytes at offset off of the request's data buffer: out to the
 * guest, or from it into in (the other is NULL).  A transfer against the
 * request's direction or outside its buffer ends it with a host error. */
static bool transfer(struct pvscsi_xfer *x, uint64_t off, const uint8_t *out, uint8_t *in, size_t n)
{
    uint32_t wrong_way = PVSCSI_FLAG_CMD_DIR_NONE | (out ? PVSCSI_FLAG_CMD_DIR_TODEVICE : PVSCSI_FLAG_CMD_DIR_TOHOST);
    if (x->flags & wrong_way) {
        x->fault = PVSCSI_BTSTAT_BADMSG;
        return false;
    }
    for (size_t done = 0; done < n;) {
        uint64_t gpa;
        size_t k;

        if (!locate(x, off + done, n - done, &gpa, &k) ||
            !(out ? dma_write(x->s, gpa, out + done, k) : dma_read(x->s, gpa, in + done, k))) {
            x->fault = PVSCSI_BTSTAT_INVPARAM;
            return false;
        }
        done += k;
    }
    return true;
}

static bool to_initiator(void *ctx, uint64_t off, const void *buf, size_t n)
{
    return transfer(ctx, off, buf, NULL, n);
}

static bool from_initiator(void *ctx, uint64_t off, void *buf, size_t n)
{
    return transfer(ctx, off, NULL, buf, n);
}

/* ---- Requests ---- */

struct pvscsi_cmp {
    uint64_t context, data_len;
    uint32_t sense_len;
    uint16_t host_status, scsi_status;
};

/* Linux puts a single-level LUN in lun[1]; any other byte set is a LUN
 * this bus does not have. */
static unsigned decode_lun(const uint8_t *lun)
{
    for (unsigned i = 0; i < 8; i++)
        if (i != 1 && lun[i])
            return NO_SUCH_LUN;
    return lun[1];
}

static void write_sense(const struct pvscsi *s, const struct scsi_result *r, uint64_t addr, uint32_t len,
                        struct pvscsi_cmp *c)
{
    size_t n = len < r->sense_len ? len : r->sense_len;

    if (!n)
        return;
    if (!dma_write(s, addr, r->sense, n))
        c->host_status = PVSCSI_BTSTAT_SENSFAILED;
    else
        c->sense_len = (uint32_t)n;
}

static void run_request(struct pvscsi *s, const uint8_t *d, struct pvscsi_cmp *c)
{
    uint32_t flags = le32(d + REQ_FLAGS);
    uint8_t cdb_len = d[REQ_CDB_LEN], target = d[REQ_TARGET];
    struct scsi_disk *disk = d[REQ_BUS] == 0 && target < PVSCSI_MAX_TARGETS ? s->target[target] : NULL;
    struct pvscsi_xfer x = { .s = s, .flags = flags };
    struct scsi_data_buffer buf = {
        .len = le64(d + REQ_DATA_LEN), .to_initiator = to_initiator, .from_initiator = from_initiator, .ctx = &x,
    };
    struct scsi_result r;

    memset(c, 0, sizeof *c);
    c->context = le64(d + REQ_CONTEXT);
    if (!disk) {
        c->host_status = PVSCSI_BTSTAT_SELTIMEO;
        return;
    }
    if (cdb_len == 0 || cdb_len > 16 || (flags & PVSCSI_FLAG_CMD_OUT_OF_BAND_CDB) ||
        !build_segments(s, le64(d + REQ_DATA_ADDR), buf.len, flags)) {
        c->host_status = PVSCSI_BTSTAT_INVPARAM;
        return;
    }
    scsi_disk_execute(disk, decode_lun(d + REQ_LUN), d + REQ_CDB, cdb_len, &buf, &r);
    c->data_len = r.transferred;
    if (r.xfer != SCSI_XFER_OK) {
        c->host_status = r.xfer == SCSI_XFER_OVERRUN ? PVSCSI_BTSTAT_DATARUN : x.fault;
        return;
    }
    c->scsi_status = r.status;
    if (r.status == SCSI_STATUS_CHECK_CONDITION)
        write_sense(s, &r, le64(d + REQ_SENSE_ADDR), le32(d + REQ_SENSE_LEN), c);
}

static uint64_t req_slot(const struct pvscsi *s, uint32_t idx)
{
    uint32_t k = idx & ((1u << s->req_log2) - 1);

    return s->req_page[k / REQ_PER_PAGE] + (uint64_t)(k % REQ_PER_PAGE) * PVSCSI_REQ_DESC_SIZE;
}

static uint64_t cmp_slot(const struct pvscsi *s, uint32_t idx)
{
    uint32_t k = idx & ((1u << s->cmp_log2) - 1);

    return s->cmp_page[k / CMP_PER_PAGE] + (uint64_t)(k % CMP_PER_PAGE) * PVSCSI_CMP_DESC_SIZE;
}

/* The descriptor goes in before cmpProdIdx moves past it: the driver
 * reads a slot only once the index says it is there. */
static bool post_completion(struct pvscsi *s, const struct pvscsi_cmp *c)
{
    uint8_t b[PVSCSI_CMP_DESC_SIZE] = { 0 };

    put_le64(b, c->context);
    put_le64(b + 8, c->data_len);
    put_le32(b + 16, c->sense_len);
    put_le16(b + 20, c->host_status);
    put_le16(b + 22, c->scsi_status);
    if (!dma_write(s, cmp_slot(s, s->cmp_prod), b, sizeof b))
        return false;
    s->cmp_prod++;
    return rs_write(s, PVSCSI_RS_CMP_PROD, s->cmp_prod);
}

/* Room for one more completion without overwriting one not yet consumed. */
static bool cmp_room(const struct pvscsi *s)
{
    uint32_t cons;

    return rs_read(s, PVSCSI_RS_CMP_CONS, &cons) && s->cmp_prod - cons < (1u << s->cmp_log2);
}

/* A kick: run every request between reqConsIdx and reqProdIdx. */
static void process_requests(struct pvscsi *s)
{
    uint32_t prod;
    bool posted = false;

    if (!s->rings_valid || !rs_read(s, PVSCSI_RS_REQ_PROD, &prod))
        return;
    /* More than a ring's worth queued is no queue a driver could have
     * built: the kick is ignored rather than run stale slots. */
    if (prod - s->req_cons > (1u << s->req_log2))
        return;
    /* A full completion ring stops the loop; the next kick resumes. */
    while (s->req_cons != prod && cmp_room(s)) {
        uint8_t desc[PVSCSI_REQ_DESC_SIZE];
        struct pvscsi_cmp c;

        if (!dma_read(s, req_slot(s, s->req_cons), desc, sizeof desc))
            break;
        s->req_cons++;
        rs_write(s, PVSCSI_RS_REQ_CONS, s->req_cons);
        run_request(s, desc, &c);
        if (!post_completion(s, &c))
            break;
        posted = true;
    }
    if (posted)
        raise_intr(s, PVSCSI_INTR_CMPL_0);
}

/* ---- Commands ---- */

static uint64_t cmd_u64(const struct pvscsi *s, unsigned word)
{
    return s->cmd_data[word] | (uint64_t)s->cmd_data[word + 1] << 32;
}

/* The guest-physical address of page ppn if it is all RAM. */
static bool ram_page(const struct pvscsi *s, uint64_t ppn, uint64_t *pa)
{
    if (ppn >> (64 - 12))
        return false;
    *pa = ppn << 12;
    return vmx_guest_ram(s->plat, *pa, PVSCSI_PAGE_SIZE) != NULL;
}

static bool ring_pages_ok(uint32_t n)
{
    return n >= 1 && n <= PVSCSI_MAX_RING_PAGES && !(n & (n - 1));
}

static unsigned log2_u32(uint32_t n)
{
    unsigned l = 0;

    while (n >>= 1)
        l++;
    return l;
}

/* SETUP_RINGS: reqRingNumPages, cmpRingNumPages, ringsStatePPN,
 * reqRingPPNs[32], cmpRingPPNs[32]. */
static bool cmd_setup_rings(struct pvscsi *s)
{
    uint32_t req_pages = s->cmd_data[0], cmp_pages = s->cmd_data[1];
    uint64_t rs;

    s->rings_valid = false;
    if (!bus_master(s) || !ring_pages_ok(req_pages) || !ring_pages_ok(cmp_pages) || !ram_page(s, cmd_u64(s, 2), &rs))
        return false;
    for (unsigned i = 0; i < req_pages; i++)
        if (!ram_page(s, cmd_u64(s, 4 + 2 * i), &s->req_page[i]))
            return false;
    for (unsigned i = 0; i < cmp_pages; i++)
        if (!ram_page(s, cmd_u64(s, 4 + 2 * PVSCSI_MAX_RING_PAGES + 2 * i), &s->cmp_page[i]))
            return false;
    s->rings_state = rs;
    s->req_log2 = log2_u32(req_pages * REQ_PER_PAGE);
    s->cmp_log2 = log2_u32(cmp_pages * CMP_PER_PAGE);
    s->req_cons = s->cmp_prod = 0;
    /* The device, not the driver, publishes the ring sizes. */
    if (!rs_write(s, PVSCSI_RS_REQ_PROD, 0) || !rs_write(s, PVSCSI_RS_REQ_CONS, 0) ||
        !rs_write(s, PVSCSI_RS_REQ_LOG2, s->req_log2) || !rs_write(s, PVSCSI_RS_CMP_PROD, 0) ||
        !rs_write(s, PVSCSI_RS_CMP_CONS, 0) || !rs_write(s, PVSCSI_RS_CMP_LOG2, s->cmp_log2))
        return false;
    s->rings_valid = true;
    return true;
}

/* CONFIG: cmpAddr, configPageAddress, configPageNum.  Only the controller
 * page exists; it says how many targets to scan (numPhys). */
static bool cmd_config(struct pvscsi *s)
{
    uint8_t page[PVSCSI_CONFIG_CONTROLLER_SIZE] = { 0 };
    uint32_t num = s->cmd_data[4];
    bool ok = num == PVSCSI_CONFIG_PAGE_CONTROLLER &&
              cmd_u64(s, 2) == (uint64_t)PVSCSI_CONFIG_CONTROLLER_ADDRESS << 32;
    size_t len = ok ? sizeof page : 16;     /* or the 16-byte header alone */

    put_le32(page, num);
    put_le16(page + 4, (uint16_t)(len / 4));
    if (ok) {
        put_le32(page + PVSCSI_CONFIG_NUM_PHYS_OFFSET, PVSCSI_MAX_TARGETS);
    } else {
        put_le16(page + 6, PVSCSI_BTSTAT_INVPARAM);
        put_le16(page + 8, SCSI_STATUS_CHECK_CONDITION);
    }
    return dma_write(s, cmd_u64(s, 0), page, len) && ok;
}

/* RESET_DEVICE: target, lun[8].  Disks keep no state a reset clears, and
 * no request is ever outstanding, so this only checks the target. */
static bool cmd_reset_device(const struct pvscsi *s)
{
    uint32_t t = s->cmd_data[0];
    uint8_t lun[8];

    put_le32(lun, s->cmd_data[1]);
    put_le32(lun + 4, s->cmd_data[2]);
    return t < PVSCSI_MAX_TARGETS && s->target[t] && decode_lun(lun) == 0;
}

static void adapter_reset(struct pvscsi *s)
{
    s->rings_valid = false;
    s->req_cons = s->cmp_prod = 0;
    s->intr_status = 0;
    s->intr_mask = 0;
    s->cmd = 0;
    s->cmd_words = 0;
    s->cmd_status = PVSCSI_STATUS_OK;
    update_irq(s);
}

static bool run_command(struct pvscsi *s, uint32_t cmd)
{
    switch (cmd) {
    case PVSCSI_CMD_ADAPTER_RESET:
        adapter_reset(s);
        return true;
    case PVSCSI_CMD_SETUP_RINGS:
        return cmd_setup_rings(s);
    case PVSCSI_CMD_RESET_DEVICE:
        return cmd_reset_device(s);
    case PVSCSI_CMD_CONFIG:
        return cmd_config(s);
    default:
        /* RESET_BUS and ABORT_CMD: requests complete within their kick,
         * so there is never one outstanding to reset or abort. */
        return true;
    }
}

/* Data words a supported command takes; -1 for the rest (ISSUE_SCSI,
 * SETUP_MSG_RING, DEVICE_UNPLUG, SETUP_REQCALLTHRESHOLD), which answer
 * -1 at once: Linux probes the optional ones exactly so. */
static int command_words(uint32_t cmd)
{
    switch (cmd) {
    case PVSCSI_CMD_ADAPTER_RESET:
    case PVSCSI_CMD_RESET_BUS:
        return 0;
    case PVSCSI_CMD_SETUP_RINGS:
        return PVSCSI_CMD_MAX_WORDS;
    case PVSCSI_CMD_RESET_DEVICE:
        return 3;
    case PVSCSI_CMD_ABORT_CMD:
        return 4;
    case PVSCSI_CMD_CONFIG:
        return 6;
    default:
        return -1;
    }
}

static void finish_command(struct pvscsi *s)
{
    uint32_t cmd = s->cmd;

    s->cmd = 0;
    s->cmd_status = run_command(s, cmd) ? PVSCSI_STATUS_OK : PVSCSI_STATUS_FAILED;
}

static void command_write(struct pvscsi *s, uint32_t cmd)
{
    int words = command_words(cmd);

    s->cmd = 0;
    s->cmd_words = 0;
    if (words < 0) {
        s->cmd_status = PVSCSI_STATUS_FAILED;
        return;
    }
    s->cmd = cmd;
    s->cmd_need = (unsigned)words;
    s->cmd_status = PVSCSI_STATUS_NEED_DATA;
    if (!words)
        finish_command(s);
}

/* The last word runs the command before the write completes: Linux reads
 * the result right after it. */
static void command_data_write(struct pvscsi *s, uint32_t v)
{
    if (!s->cmd)
        return;     /* no command is collecting data */
    s->cmd_data[s->cmd_words++] = v;
    if (s->cmd_words == s->cmd_need)
        finish_command(s);
}

/* ---- Registers ---- */

static uint64_t bar_read(void *dev, unsigned bar, uint64_t offset, unsigned size)
{
    struct pvscsi *s = dev;

    if (bar != 0 || size != 4)
        return 0;
    switch (offset) {
    case PVSCSI_REG_COMMAND_STATUS:
        return s->cmd_status;
    case PVSCSI_REG_INTR_STATUS:
        return s->intr_status;
    case PVSCSI_REG_INTR_MASK:
        return s->intr_mask;
    default:
        return 0;
    }
}

static void bar_write(void *dev, unsigned bar, uint64_t offset, unsigned size, uint64_t value)
{
    struct pvscsi *s = dev;
    uint32_t v = (uint32_t)value;

    if (bar != 0 || size != 4)
        return;
    switch (offset) {
    case PVSCSI_REG_COMMAND:
        command_write(s, v);
        break;
    case PVSCSI_REG_COMMAND_DATA:
        command_data_write(s, v);
        break;
    case PVSCSI_REG_INTR_STATUS:    /* write 1 to clear */
        s->intr_status &= ~v;
        update_irq(s);
        break;
    case PVSCSI_REG_INTR_MASK:
        s->intr_mask = v & PVSCSI_INTR_ALL;
        update_irq(s);
        break;
    case PVSCSI_REG_KICK_NON_RW_IO:
    case PVSCSI_REG_KICK_RW_IO:
        process_requests(s);
        break;
    default:
        break;      /* DEBUG and the rest: ignored */
    }
}

static const struct pci_bar_ops pvscsi_bar_ops = { .read = bar_read, .write = bar_write };

/* ---- Set-up ---- */

static void init_config(struct pvscsi *s)
{
    pci_config_hook hook = s->pci.written;  /* kept across the reset */
    void *hook_ctx = s->pci.ctx;

    pci_function_init(&s->pci, PVSCSI_VENDOR, PVSCSI_DEVICE, PVSCSI_REVISION, PVSCSI_CLASS, PVSCSI_VENDOR,
                      PVSCSI_DEVICE);
    pci_function_set_bar(&s->pci, 0, PVSCSI_BAR_SIZE, 0);
    pci_function_set_irq_pin(&s->pci, 1);
    pci_function_add_msi(&s->pci, PVSCSI_MSI_CAP);
    /* What firmware would have routed INTA# to, for a kernel without _PRT. */
    s->pci.cfg[PCI_INTERRUPT_LINE] = s->irq < 0xFF ? (uint8_t)s->irq : 0xFF;
    s->pci.bar_ops = &pvscsi_bar_ops;
    s->pci.bar_dev = s;
    s->pci.written = hook;
    s->pci.ctx = hook_ctx;
}

void pvscsi_reset(struct pvscsi *s)
{
    init_config(s);
    adapter_reset(s);
}

static void reset_op(void *dev)
{
    pvscsi_reset(dev);
}

static const struct vmx_device_ops pvscsi_ops = { .reset = reset_op };

void pvscsi_init(struct pvscsi *s, unsigned irq, const struct vmx_platform *plat)
{
    memset(s, 0, sizeof *s);
    s->plat = plat;
    s->irq = irq;
    s->device = (struct vmx_device){ .name = "pvscsi", .ops = &pvscsi_ops, .dev = s };
    pvscsi_reset(s);
}

int pvscsi_attach(struct pvscsi *s, unsigned target, struct scsi_disk *disk)
{
    if (target >= PVSCSI_MAX_TARGETS || !disk || s->target[target])
        return -1;
    s->target[target] = disk;
    return 0;
}
