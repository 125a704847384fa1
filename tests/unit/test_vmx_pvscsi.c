/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host unit tests for the PVSCSI controller and the SCSI disk
 * (vmx/devices/pvscsi.c, scsi_disk.c), driven the way Linux's vmw_pvscsi
 * probes and uses the adapter: config space through 0xCF8/0xCFC, the
 * registers through the BAR, rings and buffers in a fake guest RAM, the
 * disk on an in-memory backend.
 */
#include "check.h"

#include <errno.h>

#include "../../vmx/devices/pci_host.h"
#include "../../vmx/devices/pvscsi.h"

#define RAM_SIZE  (4u << 20)
#define BAR0_ADDR 0xFEBF0000u
#define IRQ       11
#define SLOT      0x10          /* 00:10.0 */

/* Guest-physical layout of what the "driver" allocates. */
#define CONFIG_PAGE 0x10000u
#define RINGS_STATE 0x20000u
#define REQ_RING    0x30000u    /* 8 pages */
#define CMP_RING    0x40000u    /* 8 pages */
#define SENSE_BUF   0x50000u
#define SG_PAGE     0x60000u
#define DATA_BUF    0x100000u

#define DISK_SIZE   ((2u << 20) + 300)  /* 4096 blocks and a partial one */
#define DISK_BLOCKS 4096u

static uint8_t *ram;
static struct pci_host host;
static struct pvscsi hba;
static struct scsi_disk disk0;

static struct {
    uint8_t data[DISK_SIZE];
    int reads, writes, flushes;
    bool fail_read, fail_write, fail_flush;
} mem;

static bool irq_line;
static unsigned irq_num, irq_rises;

/* ---- the platform and the backend ---- */

static void *guest_ram(void *ctx, uint64_t gpa, uint64_t len)
{
    (void)ctx;
    return gpa < RAM_SIZE && len <= RAM_SIZE - gpa ? ram + gpa : NULL;
}

static void irq_set(void *ctx, unsigned line, bool level)
{
    (void)ctx;
    irq_num = line;
    if (level && !irq_line)
        irq_rises++;
    irq_line = level;
}

static struct {
    unsigned count;
    uint64_t address;
    uint32_t data;
} msi;

static void msi_send(void *ctx, uint64_t address, uint32_t data)
{
    (void)ctx;
    msi.count++;
    msi.address = address;
    msi.data = data;
}

static const struct vmx_platform plat = { .irq_set = irq_set, .guest_ram = guest_ram, .msi_send = msi_send };

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    (void)ctx;
    mem.reads++;
    if (mem.fail_read)
        return -EIO;
    if (off > DISK_SIZE || len > DISK_SIZE - off)
        return -EINVAL;
    memcpy(buf, mem.data + off, len);
    return 0;
}

static int mem_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
    (void)ctx;
    mem.writes++;
    if (mem.fail_write)
        return -EIO;
    if (off > DISK_SIZE || len > DISK_SIZE - off)
        return -EINVAL;
    memcpy(mem.data + off, buf, len);
    return 0;
}

static int mem_flush(void *ctx)
{
    (void)ctx;
    mem.flushes++;
    return mem.fail_flush ? -EIO : 0;
}

/* ---- little-endian guest memory ---- */

static uint32_t r32(uint64_t gpa)
{
    const uint8_t *p = ram + gpa;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t r16(uint64_t gpa)
{
    return (uint16_t)(ram[gpa] | ram[gpa + 1] << 8);
}

static uint64_t r64(uint64_t gpa)
{
    return r32(gpa) | (uint64_t)r32(gpa + 4) << 32;
}

static void w32(uint64_t gpa, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        ram[gpa + i] = (uint8_t)(v >> (8 * i));
}

static void w64(uint64_t gpa, uint64_t v)
{
    w32(gpa, (uint32_t)v);
    w32(gpa + 4, (uint32_t)(v >> 32));
}

/* ---- config space and registers ---- */

static uint32_t cfg_read(unsigned reg, unsigned size)
{
    vmx_device_pio_write(&host.device, PCI_CONFIG_ADDRESS, 4,
                         PCI_CONFIG_ENABLE | (uint32_t)PCI_DEVFN(SLOT, 0) << 8 | (reg & 0xFC));
    return vmx_device_pio_read(&host.device, (uint16_t)(PCI_CONFIG_DATA + (reg & 3)), size);
}

static void cfg_write(unsigned reg, unsigned size, uint32_t v)
{
    vmx_device_pio_write(&host.device, PCI_CONFIG_ADDRESS, 4,
                         PCI_CONFIG_ENABLE | (uint32_t)PCI_DEVFN(SLOT, 0) << 8 | (reg & 0xFC));
    vmx_device_pio_write(&host.device, (uint16_t)(PCI_CONFIG_DATA + (reg & 3)), size, v);
}

static uint32_t reg_read(unsigned off)
{
    uint64_t v = 0xDEAD;
    if (!pci_host_bar_access(&host, false, BAR0_ADDR + off, 4, false, &v))
        return 0xDEADBEEF;
    return (uint32_t)v;
}

static void reg_write(unsigned off, uint32_t v)
{
    uint64_t x = v;
    pci_host_bar_access(&host, false, BAR0_ADDR + off, 4, true, &x);
}

/* pvscsi_write_cmd_desc */
static void write_cmd(uint32_t cmd, const uint32_t *words, unsigned n)
{
    reg_write(PVSCSI_REG_COMMAND, cmd);
    for (unsigned i = 0; i < n; i++)
        reg_write(PVSCSI_REG_COMMAND_DATA, words[i]);
}

static uint32_t cmd_status(void)
{
    return reg_read(PVSCSI_REG_COMMAND_STATUS);
}

/* SETUP_RINGS as pvscsi_setup_all_rings builds it, zeroing the memory. */
static uint32_t setup_rings(uint32_t req_pages, uint32_t cmp_pages, uint64_t rs_ppn, uint64_t bad_req_ppn)
{
    uint32_t w[PVSCSI_CMD_MAX_WORDS] = { req_pages, cmp_pages, (uint32_t)rs_ppn, (uint32_t)(rs_ppn >> 32) };

    for (unsigned i = 0; i < req_pages && i < 32; i++) {
        uint64_t ppn = (REQ_RING >> 12) + i;
        if (i == 0 && bad_req_ppn)
            ppn = bad_req_ppn;
        w[4 + 2 * i] = (uint32_t)ppn;
        w[5 + 2 * i] = (uint32_t)(ppn >> 32);
    }
    for (unsigned i = 0; i < cmp_pages && i < 32; i++)
        w[68 + 2 * i] = (CMP_RING >> 12) + i;
    memset(ram + RINGS_STATE, 0, 4096);
    memset(ram + REQ_RING, 0, 8 * 4096);
    memset(ram + CMP_RING, 0, 8 * 4096);
    write_cmd(PVSCSI_CMD_SETUP_RINGS, w, PVSCSI_CMD_MAX_WORDS);
    return cmd_status();
}

static uint32_t rs(unsigned field)
{
    return r32(RINGS_STATE + field);
}

/* ---- requests ---- */

struct req {
    uint64_t context, data_addr, data_len, sense_addr;
    uint32_t sense_len, flags;
    uint8_t cdb[16], cdb_len, lun, lun2, bus, target;
};

struct cmp {
    uint64_t context, data_len;
    uint32_t sense_len;
    uint16_t host, scsi;
};

static uint64_t next_context = 1;

/* A request as pvscsi_queue_ring fills one: sense buffer of 96 bytes,
 * direction from the data, LUN in lun[1]. */
static struct req make_req(const uint8_t *cdb, uint8_t cdb_len, uint32_t dir, uint64_t addr, uint64_t len)
{
    struct req r = { .context = next_context++, .data_addr = addr, .data_len = len, .sense_addr = SENSE_BUF,
                     .sense_len = 96, .flags = dir, .cdb_len = cdb_len };
    memcpy(r.cdb, cdb, cdb_len);
    return r;
}

static void queue_req(const struct req *r)
{
    uint32_t prod = rs(PVSCSI_RS_REQ_PROD), mask = (1u << rs(PVSCSI_RS_REQ_LOG2)) - 1;
    uint32_t k = prod & mask;
    uint64_t e = REQ_RING + (uint64_t)(k / 32) * 4096 + (k % 32) * 128;

    memset(ram + e, 0, 128);
    w64(e, r->context);
    w64(e + 0x08, r->data_addr);
    w64(e + 0x10, r->data_len);
    w64(e + 0x18, r->sense_addr);
    w32(e + 0x20, r->sense_len);
    w32(e + 0x24, r->flags);
    memcpy(ram + e + 0x28, r->cdb, 16);
    ram[e + 0x38] = r->cdb_len;
    ram[e + 0x3A] = r->lun;
    ram[e + 0x3B] = r->lun2;
    ram[e + 0x41] = 0x20;   /* simple tag */
    ram[e + 0x42] = r->bus;
    ram[e + 0x43] = r->target;
    w32(RINGS_STATE + PVSCSI_RS_REQ_PROD, prod + 1);
}

static void kick(uint8_t op)
{
    bool rw = op == 0x08 || op == 0x0A || op == 0x28 || op == 0x2A || op == 0x88 || op == 0x8A;
    reg_write(rw ? PVSCSI_REG_KICK_RW_IO : PVSCSI_REG_KICK_NON_RW_IO, 0);
}

/* The INTx handler's first half: read the status, write it back. */
static void ack(void)
{
    uint32_t v = reg_read(PVSCSI_REG_INTR_STATUS);
    if (v & PVSCSI_INTR_ALL)
        reg_write(PVSCSI_REG_INTR_STATUS, v);
}

static bool reap(struct cmp *c)
{
    uint32_t cons = rs(PVSCSI_RS_CMP_CONS), mask = (1u << rs(PVSCSI_RS_CMP_LOG2)) - 1;
    uint32_t k = cons & mask;
    uint64_t e = CMP_RING + (uint64_t)(k / 128) * 4096 + (k % 128) * 32;

    if (cons == rs(PVSCSI_RS_CMP_PROD))
        return false;
    *c = (struct cmp){ r64(e), r64(e + 8), r32(e + 16), r16(e + 20), r16(e + 22) };
    w32(RINGS_STATE + PVSCSI_RS_CMP_CONS, cons + 1);
    return true;
}

/* Queue, kick, take the interrupt and the one completion. */
static struct cmp run(const struct req *r)
{
    struct cmp c = { .host = 0xFFFF, .scsi = 0xFFFF };

    memset(ram + SENSE_BUF, 0, 96);
    queue_req(r);
    kick(r->cdb[0]);
    ack();
    if (!reap(&c) || c.context != r->context)
        c.host = 0xEEEE;    /* no completion, or the wrong one */
    return c;
}

static struct cmp run_cdb(const uint8_t *cdb, uint8_t cdb_len, uint32_t dir, uint64_t addr, uint64_t len)
{
    struct req r = make_req(cdb, cdb_len, dir, addr, len);
    return run(&r);
}

static bool sense_is(const struct cmp *c, uint8_t key, uint8_t asc, uint8_t ascq)
{
    const uint8_t *s = ram + SENSE_BUF;
    return c->host == 0 && c->scsi == 2 && c->sense_len == 18 && s[0] == 0x70 && s[2] == key && s[7] == 10 &&
           s[12] == asc && s[13] == ascq;
}

static void cdb10(uint8_t *cdb, uint8_t op, uint32_t lba, uint16_t count)
{
    memset(cdb, 0, 10);
    cdb[0] = op;
    cdb[2] = (uint8_t)(lba >> 24);
    cdb[3] = (uint8_t)(lba >> 16);
    cdb[4] = (uint8_t)(lba >> 8);
    cdb[5] = (uint8_t)lba;
    cdb[7] = (uint8_t)(count >> 8);
    cdb[8] = (uint8_t)count;
}

static void cdb16(uint8_t *cdb, uint8_t op, uint64_t lba, uint32_t count)
{
    memset(cdb, 0, 16);
    cdb[0] = op;
    for (int i = 0; i < 8; i++)
        cdb[2 + i] = (uint8_t)(lba >> (56 - 8 * i));
    for (int i = 0; i < 4; i++)
        cdb[10 + i] = (uint8_t)(count >> (24 - 8 * i));
}

static void fill_pattern(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 7 + seed + (i >> 9));
}

#define IN  PVSCSI_FLAG_CMD_DIR_TOHOST
#define OUT PVSCSI_FLAG_CMD_DIR_TODEVICE
#define NONE PVSCSI_FLAG_CMD_DIR_NONE

/* ---- tests ---- */

static void test_pci_config(void)
{
    CHECK_EQ(cfg_read(PCI_VENDOR_ID, 4), 0x07C015AD, "config: 15ad:07c0");
    CHECK_EQ(cfg_read(PCI_REVISION_ID, 4), 0x01070002, "config: class 01/07/00, revision 2");
    CHECK_EQ(cfg_read(PCI_SUBSYS_VENDOR, 4), 0x07C015AD, "config: subsystem 15ad:07c0");
    CHECK_EQ(cfg_read(PCI_HEADER_TYPE, 1), 0, "config: type-0 header, single function");
    CHECK_EQ(cfg_read(PCI_INTERRUPT_LINE, 2), 0x0100 | IRQ, "config: INTA#, interrupt line preset");
    CHECK(cfg_read(PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, "config: a capabilities list");
    unsigned cap = cfg_read(PCI_CAPABILITY_LIST, 1);
    CHECK(cap == PVSCSI_MSI_CAP && cfg_read(cap, 1) == PCI_CAP_ID_MSI && cfg_read(cap + 1, 1) == 0,
          "config: it holds one capability, MSI, at %#x", cap);
    CHECK_EQ(cfg_read(cap + PCI_MSI_FLAGS, 2), PCI_MSI_FLAGS_64BIT,
             "config: MSI with a 64-bit address, one message, off after reset");
    cfg_write(cap + PCI_MSI_FLAGS, 2, 0xFFFF);
    CHECK_EQ(cfg_read(cap + PCI_MSI_FLAGS, 2), PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_ENABLE,
             "config: of the MSI flags only enable is writable");
    cfg_write(cap + PCI_MSI_FLAGS, 2, 0);

    for (unsigned i = 0; i < 6; i++)
        cfg_write(PCI_BAR0 + 4 * i, 4, 0xFFFFFFFF);
    CHECK_EQ(cfg_read(PCI_BAR0, 4), 0xFFFF8000, "BAR0 sizing: 32 KiB 32-bit memory, not prefetchable");
    bool others_zero = true;
    for (unsigned i = 1; i < 6; i++)
        others_zero &= cfg_read(PCI_BAR0 + 4 * i, 4) == 0;
    CHECK(others_zero, "BAR1-BAR5 unimplemented (read 0 after sizing)");

    cfg_write(PCI_BAR0, 4, BAR0_ADDR);
    CHECK_EQ(reg_read(PVSCSI_REG_COMMAND_STATUS), 0xDEADBEEF, "registers: not decoded before memory enable");
    cfg_write(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    CHECK_EQ(pci_bar_address(&hba.pci, 0), BAR0_ADDR, "BAR0 decodes at the assigned address");
    CHECK_EQ(reg_read(PVSCSI_REG_COMMAND_STATUS), 0, "registers: COMMAND_STATUS 0 at power-on");
}

static void test_probe(void)
{
    uint32_t cfg[6] = { CONFIG_PAGE, 0, 0, PVSCSI_CONFIG_CONTROLLER_ADDRESS, PVSCSI_CONFIG_PAGE_CONTROLLER, 0 };

    /* pvscsi_get_max_targets presets the header with an error. */
    memset(ram + CONFIG_PAGE, 0, 4096);
    ram[CONFIG_PAGE + 6] = 0x1A;
    ram[CONFIG_PAGE + 8] = 0x02;
    write_cmd(PVSCSI_CMD_CONFIG, cfg, 6);
    CHECK(cmd_status() == PVSCSI_STATUS_FAILED && r16(CONFIG_PAGE + 6) == 0x1A,
          "CONFIG before bus mastering: no DMA, -1, page untouched");

    cfg_write(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);     /* pci_set_master */
    write_cmd(PVSCSI_CMD_CONFIG, cfg, 6);
    CHECK_EQ(cmd_status(), PVSCSI_STATUS_OK, "CONFIG: status 0 right after the last data word");
    CHECK(r32(CONFIG_PAGE) == 0x1958 && r16(CONFIG_PAGE + 4) == 0x1E0 / 4, "CONFIG: header pageNum, numDwords");
    CHECK(r16(CONFIG_PAGE + 6) == 0 && r16(CONFIG_PAGE + 8) == 0, "CONFIG: header hostStatus/scsiStatus 0");
    CHECK_EQ(r32(CONFIG_PAGE + 0x1D8), PVSCSI_MAX_TARGETS, "CONFIG: numPhys = number of targets");

    cfg[4] = 0x1959;    /* a PHY page: not offered */
    write_cmd(PVSCSI_CMD_CONFIG, cfg, 6);
    CHECK(cmd_status() == PVSCSI_STATUS_FAILED && r16(CONFIG_PAGE + 6) == 0x1A && r16(CONFIG_PAGE + 8) == 2,
          "CONFIG of another page: -1 and an error header");

    write_cmd(PVSCSI_CMD_ADAPTER_RESET, NULL, 0);
    CHECK_EQ(cmd_status(), PVSCSI_STATUS_OK, "ADAPTER_RESET: 0");

    reg_write(PVSCSI_REG_COMMAND, PVSCSI_CMD_SETUP_MSG_RING);
    CHECK_EQ(cmd_status(), PVSCSI_STATUS_FAILED, "SETUP_MSG_RING probe: -1 (no message ring)");

    reg_write(PVSCSI_REG_COMMAND, PVSCSI_CMD_SETUP_RINGS);
    reg_write(PVSCSI_REG_COMMAND_DATA, 8);
    CHECK_EQ(cmd_status(), PVSCSI_STATUS_NEED_DATA, "SETUP_RINGS half written: -2");

    w32(RINGS_STATE + PVSCSI_RS_REQ_LOG2, 0x55);
    CHECK_EQ(setup_rings(8, 8, RINGS_STATE >> 12, 0), PVSCSI_STATUS_OK, "SETUP_RINGS 8+8 pages: 0");
    CHECK(rs(PVSCSI_RS_REQ_LOG2) == 8 && rs(PVSCSI_RS_CMP_LOG2) == 10,
          "SETUP_RINGS: device writes reqNumEntriesLog2 8, cmpNumEntriesLog2 10");
    CHECK(rs(PVSCSI_RS_REQ_PROD) == 0 && rs(PVSCSI_RS_REQ_CONS) == 0 && rs(PVSCSI_RS_CMP_PROD) == 0,
          "SETUP_RINGS: indices start at 0");

    reg_write(PVSCSI_REG_COMMAND, PVSCSI_CMD_SETUP_REQCALLTHRESHOLD);
    CHECK_EQ(cmd_status(), PVSCSI_STATUS_FAILED, "SETUP_REQCALLTHRESHOLD probe: -1 (Linux kicks every I/O)");
    reg_write(PVSCSI_REG_COMMAND_DATA, 1);
    CHECK_EQ(cmd_status(), PVSCSI_STATUS_FAILED, "stray COMMAND_DATA: ignored");

    reg_write(PVSCSI_REG_INTR_MASK, 0xFFFFFFFF);
    CHECK_EQ(reg_read(PVSCSI_REG_INTR_MASK), 0xF, "INTR_MASK keeps the four interrupt bits");
    reg_write(PVSCSI_REG_INTR_MASK, PVSCSI_INTR_CMPL_0 | PVSCSI_INTR_CMPL_1);    /* pvscsi_unmask_intr */
    CHECK(!irq_line, "no interrupt before any I/O");
}

static void test_inquiry(void)
{
    uint8_t cdb[6] = { 0x12, 0, 0, 0, 36, 0 };
    uint8_t *d = ram + DATA_BUF;
    unsigned rises = irq_rises;

    memset(d, 0xCC, 256);
    struct req r = make_req(cdb, 6, IN, DATA_BUF, 36);
    queue_req(&r);
    kick(0x12);
    CHECK(irq_line && irq_num == IRQ && irq_rises == rises + 1, "INQUIRY: completion raises INTx line %u", IRQ);
    CHECK_EQ(reg_read(PVSCSI_REG_INTR_STATUS), PVSCSI_INTR_CMPL_0, "INTR_STATUS: CMPL_0");
    CHECK(rs(PVSCSI_RS_REQ_CONS) == 1 && rs(PVSCSI_RS_CMP_PROD) == 1, "rings state: reqConsIdx 1, cmpProdIdx 1");
    ack();
    CHECK(!irq_line && reg_read(PVSCSI_REG_INTR_STATUS) == 0, "writing INTR_STATUS back lowers the line");
    struct cmp c;
    CHECK(reap(&c) && c.context == r.context && c.host == 0 && c.scsi == 0 && c.data_len == 36,
          "INQUIRY: completion with context, GOOD, 36 bytes");
    CHECK(d[0] == 0 && d[1] == 0 && d[2] == 5 && d[3] == 2 && d[4] == 31 && (d[7] & 2),
          "INQUIRY: disk, not removable, SPC-3, 31 more bytes, CMDQUE");
    CHECK(!memcmp(d + 8, "VMware  ", 8) && !memcmp(d + 16, "Virtual disk    ", 16) && !memcmp(d + 32, "1.0 ", 4),
          "INQUIRY: VMware / Virtual disk / 1.0");
    CHECK_EQ(d[36], 0xCC, "INQUIRY: nothing written past 36 bytes");

    memset(d, 0xCC, 256);
    c = run_cdb(cdb, 6, IN, DATA_BUF, 20);
    CHECK(c.host == 0 && c.scsi == 0 && c.data_len == 20 && d[19] == 't' && d[20] == 0xCC,
          "INQUIRY alloc 36 into a 20-byte buffer: 20 bytes, nothing past the buffer");

    cdb[4] = 255;
    c = run_cdb(cdb, 6, IN, DATA_BUF, 255);
    CHECK(c.host == 0 && c.scsi == 0 && c.data_len == 36, "INQUIRY alloc 255: short data-in, success, dataLen 36");

    uint8_t vpd[6] = { 0x12, 1, 0x00, 0, 255, 0 };
    c = run_cdb(vpd, 6, IN, DATA_BUF, 255);
    CHECK(c.scsi == 0 && c.data_len == 7 && d[1] == 0 && d[3] == 3 && d[4] == 0 && d[5] == 0x80 && d[6] == 0x83,
          "VPD 0x00: pages 00 80 83");
    vpd[2] = 0x80;
    c = run_cdb(vpd, 6, IN, DATA_BUF, 255);
    CHECK(c.scsi == 0 && d[1] == 0x80 && d[3] == 9 && !memcmp(d + 4, "pvs-disk0", 9), "VPD 0x80: the serial");
    vpd[2] = 0x83;
    c = run_cdb(vpd, 6, IN, DATA_BUF, 255);
    CHECK(c.scsi == 0 && d[1] == 0x83 && d[4] == 0x02 && d[5] == 0x01 && d[7] == 33 &&
              !memcmp(d + 8, "VMware  Virtual disk    pvs-disk0", 33) && c.data_len == 41,
          "VPD 0x83: one T10 vendor ID designator");
    vpd[2] = 0xB0;
    c = run_cdb(vpd, 6, IN, DATA_BUF, 255);
    CHECK(sense_is(&c, 0x05, 0x24, 0x00), "VPD 0xB0: ILLEGAL REQUEST, invalid field in CDB");
}

static void test_capacity_and_modes(void)
{
    uint8_t *d = ram + DATA_BUF;
    uint8_t cdb[16] = { 0 };
    struct cmp c = run_cdb(cdb, 6, NONE, 0, 0);

    CHECK(c.host == 0 && c.scsi == 0 && c.data_len == 0, "TEST UNIT READY: GOOD");

    cdb[0] = 0x9E;
    cdb[1] = 0x10;
    cdb[13] = 32;
    memset(d, 0xCC, 64);
    c = run_cdb(cdb, 16, IN, DATA_BUF, 32);
    CHECK(c.scsi == 0 && c.data_len == 32, "READ CAPACITY(16): GOOD, 32 bytes");
    CHECK(d[0] == 0 && d[5] == 0 && d[6] == 0x0F && d[7] == 0xFF && d[10] == 0x02 && d[11] == 0x00,
          "READ CAPACITY(16): last LBA 4095, 512-byte blocks (partial block not counted)");
    CHECK(d[13] == 0 && d[14] == 0, "READ CAPACITY(16): no thin provisioning, 1:1 physical blocks");

    cdb[1] = 0x11;
    c = run_cdb(cdb, 16, IN, DATA_BUF, 32);
    CHECK(sense_is(&c, 0x05, 0x24, 0x00), "SERVICE ACTION IN other than 0x10: invalid field");

    uint8_t rc10[10] = { 0x25 };
    c = run_cdb(rc10, 10, IN, DATA_BUF, 8);
    CHECK(c.scsi == 0 && c.data_len == 8 && d[2] == 0x0F && d[3] == 0xFF && d[6] == 0x02,
          "READ CAPACITY(10): 4095, 512");

    uint8_t ms6[6] = { 0x1A, 0, 0x3F, 0, 4, 0 };
    memset(d, 0xCC, 64);
    c = run_cdb(ms6, 6, IN, DATA_BUF, 4);
    CHECK(c.scsi == 0 && c.data_len == 4 && d[0] == 23 && !(d[2] & 0x80) && d[3] == 0 && d[4] == 0xCC,
          "MODE SENSE(6) all pages, alloc 4: full length 24, not write protected, no block descriptors");
    ms6[2] = 0x08;
    ms6[4] = 255;
    c = run_cdb(ms6, 6, IN, DATA_BUF, 255);
    CHECK(c.scsi == 0 && c.data_len == 24 && d[4] == 0x08 && d[5] == 0x12 && (d[6] & 0x04) && !(d[6] & 1),
          "MODE SENSE(6) caching page: WCE (the backend has a flush), read cache on");
    ms6[2] = 0x48;      /* changeable values */
    c = run_cdb(ms6, 6, IN, DATA_BUF, 255);
    CHECK(c.scsi == 0 && d[4] == 0x08 && d[6] == 0, "MODE SENSE changeable values: nothing changeable");
    ms6[2] = 0xC8;      /* saved values */
    c = run_cdb(ms6, 6, IN, DATA_BUF, 255);
    CHECK(sense_is(&c, 0x05, 0x39, 0x00), "MODE SENSE saved values: saving parameters not supported");
    ms6[2] = 0x0A;
    c = run_cdb(ms6, 6, IN, DATA_BUF, 255);
    CHECK(sense_is(&c, 0x05, 0x24, 0x00), "MODE SENSE of a page not offered: invalid field");

    uint8_t ms10[10] = { 0x5A, 0x08, 0x08, 0, 0, 0, 0, 0, 255, 0 };
    c = run_cdb(ms10, 10, IN, DATA_BUF, 255);
    CHECK(c.scsi == 0 && c.data_len == 28 && d[0] == 0 && d[1] == 26 && d[6] == 0 && d[7] == 0 && d[8] == 0x08,
          "MODE SENSE(10) caching page: 8-byte header then the page");

    uint8_t rl[12] = { 0xA0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0 };
    memset(d, 0xCC, 64);
    c = run_cdb(rl, 12, IN, DATA_BUF, 4096);
    CHECK(c.scsi == 0 && c.data_len == 16 && d[3] == 8 && d[8] == 0 && d[15] == 0, "REPORT LUNS: LUN 0 only");
    rl[9] = 8;
    rl[8] = 0;
    c = run_cdb(rl, 12, IN, DATA_BUF, 4096);
    CHECK(sense_is(&c, 0x05, 0x24, 0x00), "REPORT LUNS allocation length under 16: invalid field");

    uint8_t ssu[6] = { 0x1B, 0, 0, 0, 1, 0 };
    c = run_cdb(ssu, 6, NONE, 0, 0);
    CHECK(c.host == 0 && c.scsi == 0, "START STOP UNIT: GOOD");
    uint8_t rs6[6] = { 0x03, 0, 0, 0, 96, 0 };
    c = run_cdb(rs6, 6, IN, DATA_BUF, 96);
    CHECK(c.scsi == 0 && c.data_len == 18 && d[0] == 0x70 && d[2] == 0 && d[12] == 0,
          "REQUEST SENSE: fixed format, NO SENSE");
    rs6[1] = 0x01;
    c = run_cdb(rs6, 6, IN, DATA_BUF, 96);
    CHECK(sense_is(&c, 0x05, 0x24, 0x00), "REQUEST SENSE asking for descriptor format: invalid field");
    uint8_t ver[10];
    cdb10(ver, 0x2F, 10, 20);
    c = run_cdb(ver, 10, NONE, 0, 0);
    CHECK(c.host == 0 && c.scsi == 0, "VERIFY(10): accepted");
    cdb10(ver, 0x2F, DISK_BLOCKS - 1, 2);
    c = run_cdb(ver, 10, NONE, 0, 0);
    CHECK(sense_is(&c, 0x05, 0x21, 0x00), "VERIFY past the end: LBA out of range");
}

/* An SG list in SG_PAGE from (addr, len) pairs. */
static void put_sg(const uint64_t *pairs, unsigned n)
{
    memset(ram + SG_PAGE, 0, 4096);
    for (unsigned i = 0; i < n; i++) {
        w64(SG_PAGE + 16 * i, pairs[2 * i]);
        w32(SG_PAGE + 16 * i + 8, (uint32_t)pairs[2 * i + 1]);
    }
}

static bool gathered_equals(const uint64_t *pairs, unsigned n, const uint8_t *want)
{
    for (unsigned i = 0; i < n; i++) {
        if (memcmp(ram + pairs[2 * i], want, pairs[2 * i + 1]))
            return false;
        want += pairs[2 * i + 1];
    }
    return true;
}

static void test_read_write(void)
{
    static uint8_t pattern[24 * 512];
    /* Four pieces across pages, the first from mid-page; a zero-length
     * element in the middle is skipped. */
    const uint64_t wsg[] = { 0x101800, 0x800, 0x103000, 0x1000, 0x200000, 0, 0x107000, 0x1000, 0x109000, 0x800 };
    const uint64_t rsg[] = { 0x200000, 0x2000, 0x300100, 0x1000 };
    uint8_t cdb[16];
    unsigned rises = irq_rises;

    fill_pattern(pattern, sizeof pattern, 3);
    const uint8_t *p = pattern;
    for (unsigned i = 0; i < 5; i++) {
        memcpy(ram + wsg[2 * i], p, wsg[2 * i + 1]);
        p += wsg[2 * i + 1];
    }
    put_sg(wsg, 5);
    cdb10(cdb, 0x2A, 100, 24);
    struct cmp c = run_cdb(cdb, 10, OUT | PVSCSI_FLAG_CMD_WITH_SG_LIST, SG_PAGE, sizeof pattern);
    CHECK(c.host == 0 && c.scsi == 0 && c.data_len == sizeof pattern, "WRITE(10) through a 5-element SG list: GOOD");
    CHECK(!memcmp(mem.data + 100 * 512, pattern, sizeof pattern), "WRITE(10): the backend holds the pattern at LBA 100");
    CHECK_EQ(irq_rises, rises + 1, "WRITE(10): one interrupt");

    memset(ram + 0x200000, 0, 0x2000);
    memset(ram + 0x300000, 0, 0x2000);
    put_sg(rsg, 2);
    cdb10(cdb, 0x28, 100, 24);
    c = run_cdb(cdb, 10, IN | PVSCSI_FLAG_CMD_WITH_SG_LIST, SG_PAGE, sizeof pattern);
    CHECK(c.host == 0 && c.scsi == 0 && c.data_len == sizeof pattern, "READ(10) through another SG list: GOOD");
    CHECK(gathered_equals(rsg, 2, pattern), "READ(10): the pattern comes back across the pieces");
    CHECK(ram[0x300100 + 0x1000] == 0 && ram[0x3000FF] == 0, "READ(10): nothing written outside the pieces");

    /* WRITE(16)/READ(16) with a flat buffer larger than one backend chunk. */
    static uint8_t big[SCSI_DISK_CHUNK + 80 * 1024];
    fill_pattern(big, sizeof big, 9);
    memcpy(ram + DATA_BUF, big, sizeof big);
    cdb16(cdb, 0x8A, 1500, sizeof big / 512);
    c = run_cdb(cdb, 16, OUT, DATA_BUF, sizeof big);
    CHECK(c.scsi == 0 && c.data_len == sizeof big && !memcmp(mem.data + 1500 * 512, big, sizeof big),
          "WRITE(16) of a chunk and 80 KiB from a flat buffer");
    memset(ram + DATA_BUF, 0, sizeof big);
    cdb16(cdb, 0x88, 1500, sizeof big / 512);
    c = run_cdb(cdb, 16, IN, DATA_BUF, sizeof big);
    CHECK(c.scsi == 0 && c.data_len == sizeof big && !memcmp(ram + DATA_BUF, big, sizeof big), "READ(16) reads it back");

    uint8_t r6[6] = { 0x08, 0, 0x0B, 0xB8, 2, 0 };  /* LBA 3000, 2 blocks */
    memset(ram + DATA_BUF, 0, 1024);
    c = run_cdb(r6, 6, IN, DATA_BUF, 1024);
    CHECK(c.scsi == 0 && c.data_len == 1024 && !memcmp(ram + DATA_BUF, big + (3000 - 1500) * 512, 1024),
          "READ(6): LBA 3000, 2 blocks");
    uint8_t w6[6] = { 0x0A, 0, 0, 5, 1, 0 };
    memset(ram + DATA_BUF, 0x5A, 512);
    c = run_cdb(w6, 6, OUT, DATA_BUF, 512);
    CHECK(c.scsi == 0 && mem.data[5 * 512] == 0x5A && mem.data[6 * 512 - 1] == 0x5A, "WRITE(6): LBA 5");

    cdb10(cdb, 0x28, 0, 0);
    c = run_cdb(cdb, 10, IN, DATA_BUF, 0);
    CHECK(c.host == 0 && c.scsi == 0 && c.data_len == 0, "READ(10) of 0 blocks: GOOD, nothing moved");

    int flushes = mem.flushes;
    cdb10(cdb, 0x2A, 7, 1);
    cdb[1] = 0x08;      /* FUA */
    c = run_cdb(cdb, 10, OUT, DATA_BUF, 512);
    CHECK(c.scsi == 0 && mem.flushes == flushes + 1, "WRITE(10) with FUA flushes the backend");
}

static void test_sync(void)
{
    uint8_t cdb[16];
    int flushes = mem.flushes;

    cdb10(cdb, 0x35, 0, 0);
    struct cmp c = run_cdb(cdb, 10, NONE, 0, 0);
    CHECK(c.host == 0 && c.scsi == 0 && mem.flushes == flushes + 1, "SYNCHRONIZE CACHE(10): flush called, GOOD");
    cdb16(cdb, 0x91, 0, 0);
    c = run_cdb(cdb, 16, NONE, 0, 0);
    CHECK(c.scsi == 0 && mem.flushes == flushes + 2, "SYNCHRONIZE CACHE(16): flush called, GOOD");
    mem.fail_flush = true;
    cdb10(cdb, 0x35, 0, 0);
    c = run_cdb(cdb, 10, NONE, 0, 0);
    mem.fail_flush = false;
    CHECK(sense_is(&c, 0x03, 0x0C, 0x00), "SYNCHRONIZE CACHE with a failing flush: MEDIUM ERROR, write error");
}

static void test_scsi_errors(void)
{
    uint8_t cdb[16];
    int reads = mem.reads, writes = mem.writes;

    cdb10(cdb, 0x28, DISK_BLOCKS - 1, 2);
    struct cmp c = run_cdb(cdb, 10, IN, DATA_BUF, 1024);
    CHECK(sense_is(&c, 0x05, 0x21, 0x00), "READ(10) past the end: CHECK CONDITION, LBA out of range");
    CHECK(c.data_len == 0 && mem.reads == reads, "READ(10) past the end: no data, backend not read");
    cdb10(cdb, 0x28, DISK_BLOCKS - 1, 1);
    c = run_cdb(cdb, 10, IN, DATA_BUF, 512);
    CHECK(c.scsi == 0, "READ(10) of the last block: GOOD");
    cdb16(cdb, 0x8A, UINT64_MAX, 1);
    c = run_cdb(cdb, 16, OUT, DATA_BUF, 512);
    CHECK(sense_is(&c, 0x05, 0x21, 0x00) && mem.writes == writes, "WRITE(16) at LBA 2^64-1: out of range, not written");

    struct req r = make_req((const uint8_t[]){ 0x28, 0, 0, 0, 0x0F, 0xFF, 0, 0, 2, 0 }, 10, IN, DATA_BUF, 1024);
    r.sense_len = 8;
    memset(ram + SENSE_BUF, 0xEE, 96);
    queue_req(&r);
    kick(0x28);
    ack();
    reap(&c);
    CHECK(c.scsi == 2 && c.sense_len == 8 && ram[SENSE_BUF + 2] == 5 && ram[SENSE_BUF + 8] == 0xEE,
          "sense cut to the request's senseLen");

    uint8_t op[6] = { 0xC5 };
    c = run_cdb(op, 6, NONE, 0, 0);
    CHECK(sense_is(&c, 0x05, 0x20, 0x00), "unknown opcode 0xC5: invalid command operation code");
    uint8_t fmt[6] = { 0x04 };
    c = run_cdb(fmt, 6, NONE, 0, 0);
    CHECK(sense_is(&c, 0x05, 0x20, 0x00), "FORMAT UNIT (not offered): invalid command operation code");
    cdb10(cdb, 0x28, 0, 1);
    c = run_cdb(cdb, 6, IN, DATA_BUF, 512);
    CHECK(sense_is(&c, 0x05, 0x24, 0x00), "READ(10) in a 6-byte CDB: invalid field");

    mem.fail_read = true;
    cdb10(cdb, 0x28, 0, 4);
    c = run_cdb(cdb, 10, IN, DATA_BUF, 2048);
    mem.fail_read = false;
    CHECK(sense_is(&c, 0x03, 0x11, 0x00), "backend read error: MEDIUM ERROR, unrecovered read error");
    mem.fail_write = true;
    cdb10(cdb, 0x2A, 0, 4);
    c = run_cdb(cdb, 10, OUT, DATA_BUF, 2048);
    mem.fail_write = false;
    CHECK(sense_is(&c, 0x03, 0x0C, 0x00), "backend write error: MEDIUM ERROR, write error");
}

static void test_addressing(void)
{
    uint8_t inq[6] = { 0x12, 0, 0, 0, 36, 0 };
    struct req r = make_req(inq, 6, IN, DATA_BUF, 36);

    r.target = 5;
    struct cmp c = run(&r);
    CHECK(c.host == PVSCSI_BTSTAT_SELTIMEO && c.scsi == 0 && c.data_len == 0,
          "target 5 (no disk): selection timeout, so the scan skips it");
    r = make_req(inq, 6, IN, DATA_BUF, 36);
    r.target = 200;
    c = run(&r);
    CHECK_EQ(c.host, PVSCSI_BTSTAT_SELTIMEO, "target 200 (past the bus): selection timeout");
    r = make_req(inq, 6, IN, DATA_BUF, 36);
    r.bus = 1;
    c = run(&r);
    CHECK_EQ(c.host, PVSCSI_BTSTAT_SELTIMEO, "bus 1: selection timeout");

    r = make_req(inq, 6, IN, DATA_BUF, 36);
    r.lun = 1;
    c = run(&r);
    CHECK(c.host == 0 && c.scsi == 0 && ram[DATA_BUF] == 0x7F, "LUN 1 INQUIRY: peripheral qualifier 3, no device");
    uint8_t tur[6] = { 0 };
    r = make_req(tur, 6, NONE, 0, 0);
    r.lun = 1;
    c = run(&r);
    CHECK(sense_is(&c, 0x05, 0x25, 0x00), "LUN 1 TEST UNIT READY: logical unit not supported");
    r = make_req(tur, 6, NONE, 0, 0);
    r.lun2 = 1;
    c = run(&r);
    CHECK(sense_is(&c, 0x05, 0x25, 0x00), "a two-level LUN (lun[2] set): logical unit not supported");
}

static void test_bad_requests(void)
{
    uint8_t cdb[16];
    int writes = mem.writes;

    cdb10(cdb, 0x28, 0, 2);
    struct cmp c = run_cdb(cdb, 10, IN, RAM_SIZE - 512, 1024);
    CHECK(c.host == PVSCSI_BTSTAT_INVPARAM && c.scsi == 0, "READ into a buffer running past RAM: host error 0x1A");
    c = run_cdb(cdb, 10, IN, UINT64_MAX - 511, 1024);
    CHECK_EQ(c.host, PVSCSI_BTSTAT_INVPARAM, "READ into a buffer wrapping the address space: host error");
    c = run_cdb(cdb, 10, IN | PVSCSI_FLAG_CMD_WITH_SG_LIST, 0x7FFFF000, 1024);
    CHECK_EQ(c.host, PVSCSI_BTSTAT_INVPARAM, "SG list outside RAM: host error");
    const uint64_t out_sg[] = { DATA_BUF, 512, 0x80000000, 512 };
    put_sg(out_sg, 2);
    c = run_cdb(cdb, 10, IN | PVSCSI_FLAG_CMD_WITH_SG_LIST, SG_PAGE, 1024);
    CHECK(c.host == PVSCSI_BTSTAT_INVPARAM && c.data_len == 0, "SG element outside RAM: host error");
    const uint64_t short_sg[] = { DATA_BUF, 512 };
    put_sg(short_sg, 1);
    memset(ram + DATA_BUF, 0xAB, 512);
    c = run_cdb(cdb, 10, IN | PVSCSI_FLAG_CMD_WITH_SG_LIST, SG_PAGE, 1024);
    CHECK(c.host == PVSCSI_BTSTAT_INVPARAM && ram[DATA_BUF] == 0xAB && ram[DATA_BUF + 511] == 0xAB,
          "SG list shorter than dataLen: host error before any data moves");
    put_sg(out_sg, 1);
    w32(SG_PAGE + 12, 1);   /* element flags: a chain we do not follow */
    c = run_cdb(cdb, 10, IN | PVSCSI_FLAG_CMD_WITH_SG_LIST, SG_PAGE, 512);
    CHECK_EQ(c.host, PVSCSI_BTSTAT_INVPARAM, "SG element with flags: host error");

    cdb10(cdb, 0x2A, 0, 2);
    c = run_cdb(cdb, 10, OUT, RAM_SIZE - 512, 1024);
    CHECK(c.host == PVSCSI_BTSTAT_INVPARAM && c.data_len == 0 && mem.writes == writes,
          "WRITE from a buffer running past RAM: host error, nothing written");

    cdb10(cdb, 0x28, 0, 2);
    c = run_cdb(cdb, 10, OUT, DATA_BUF, 1024);
    CHECK_EQ(c.host, PVSCSI_BTSTAT_BADMSG, "READ flagged device-bound: bad direction 0x1D");
    cdb10(cdb, 0x2A, 0, 2);
    writes = mem.writes;
    c = run_cdb(cdb, 10, IN, DATA_BUF, 1024);
    CHECK(c.host == PVSCSI_BTSTAT_BADMSG && mem.writes == writes, "WRITE flagged host-bound: 0x1D, nothing written");
    cdb10(cdb, 0x28, 0, 8);
    c = run_cdb(cdb, 10, IN, DATA_BUF, 512);
    CHECK(c.host == PVSCSI_BTSTAT_DATARUN && c.data_len == 0, "READ of 8 blocks into 512 bytes: data overrun");

    struct req r = make_req(cdb, 0, IN, DATA_BUF, 512);
    c = run(&r);
    CHECK_EQ(c.host, PVSCSI_BTSTAT_INVPARAM, "cdbLen 0: host error");
    r = make_req(cdb, 10, IN, DATA_BUF, 512);
    r.cdb_len = 17;
    c = run(&r);
    CHECK_EQ(c.host, PVSCSI_BTSTAT_INVPARAM, "cdbLen 17: host error");

    cdb10(cdb, 0x28, DISK_BLOCKS, 1);
    r = make_req(cdb, 10, IN, DATA_BUF, 512);
    r.sense_addr = RAM_SIZE - 4;
    c = run(&r);
    CHECK(c.host == PVSCSI_BTSTAT_SENSFAILED && c.scsi == 2 && c.sense_len == 0,
          "CHECK CONDITION with the sense buffer outside RAM: sense failed");
}

static void test_masking(void)
{
    uint8_t tur[6] = { 0 };
    struct req r = make_req(tur, 6, NONE, 0, 0);
    struct cmp c;

    reg_write(PVSCSI_REG_INTR_MASK, 0);
    queue_req(&r);
    kick(0);
    CHECK(!irq_line && reg_read(PVSCSI_REG_INTR_STATUS) == PVSCSI_INTR_CMPL_0,
          "masked: status bit set, line stays low");
    CHECK(reap(&c) && c.context == r.context, "masked: the completion is posted all the same");
    reg_write(PVSCSI_REG_INTR_MASK, PVSCSI_INTR_CMPL_0 | PVSCSI_INTR_CMPL_1);
    CHECK(irq_line, "unmasking with the status pending raises the line");
    reg_write(PVSCSI_REG_INTR_MASK, 0);
    CHECK(!irq_line, "masking again lowers it");
    reg_write(PVSCSI_REG_INTR_MASK, PVSCSI_INTR_CMPL_0 | PVSCSI_INTR_CMPL_1);
    reg_write(PVSCSI_REG_INTR_STATUS, PVSCSI_INTR_CMPL_1);
    CHECK(irq_line, "writing 1 to another status bit leaves CMPL_0");
    ack();
    CHECK(!irq_line && reg_read(PVSCSI_REG_INTR_STATUS) == 0, "acknowledged");
}

/* With MSI on, a completion is a message with what the driver
 * programmed; the INTx line stays low and nothing needs acknowledging. */
static void test_msi(void)
{
    uint8_t tur[6] = { 0 };
    struct req r = make_req(tur, 6, NONE, 0, 0);
    struct cmp c;
    unsigned cap = PVSCSI_MSI_CAP;

    ack();
    cfg_write(cap + PCI_MSI_ADDRESS_LO, 4, 0xFEE01000);
    cfg_write(cap + PCI_MSI_ADDRESS_HI, 4, 0);
    cfg_write(cap + PCI_MSI_DATA, 2, 0x4051);
    cfg_write(cap + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE);
    msi.count = 0;
    queue_req(&r);
    kick(0);
    CHECK(msi.count == 1 && msi.address == 0xFEE01000 && msi.data == 0x4051,
          "MSI: a completion sends the programmed message (%u: %#llx/%#x)", msi.count,
          (unsigned long long)msi.address, msi.data);
    CHECK(!irq_line, "MSI: the INTx line stays low");
    CHECK(reap(&c) && c.context == r.context && c.host == 0, "MSI: the completion is in the ring");
    queue_req(&r);
    kick(0);
    CHECK(msi.count == 2 && reap(&c), "MSI: the next completion sends again, nothing acknowledged");
    reg_write(PVSCSI_REG_INTR_MASK, 0);
    queue_req(&r);
    kick(0);
    CHECK(msi.count == 2 && reap(&c), "MSI: masked in INTR_MASK, a completion sends nothing");
    reg_write(PVSCSI_REG_INTR_MASK, PVSCSI_INTR_CMPL_0 | PVSCSI_INTR_CMPL_1);
    cfg_write(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    reg_write(PVSCSI_REG_KICK_NON_RW_IO, 0);
    CHECK_EQ(msi.count, 2, "MSI: not a bus master, no message");
    cfg_write(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    cfg_write(cap + PCI_MSI_FLAGS, 2, 0);
    reg_write(PVSCSI_REG_INTR_MASK, PVSCSI_INTR_CMPL_0 | PVSCSI_INTR_CMPL_1);
    CHECK(irq_line, "MSI off again: the status still set raises INTx at the next change");
    ack();
    CHECK(!irq_line, "MSI off again: and the handler acknowledges it as before");
}

static void test_ring_limits(void)
{
    uint8_t tur[6] = { 0 };
    uint32_t cons = rs(PVSCSI_RS_REQ_CONS), cprod = rs(PVSCSI_RS_CMP_PROD);

    /* A producer index more than a ring ahead. */
    w32(RINGS_STATE + PVSCSI_RS_REQ_PROD, cons + 1000);
    kick(0);
    CHECK(rs(PVSCSI_RS_REQ_CONS) == cons && rs(PVSCSI_RS_CMP_PROD) == cprod && !irq_line,
          "reqProdIdx 1000 ahead of a 256-entry ring: kick ignored");
    w32(RINGS_STATE + PVSCSI_RS_REQ_PROD, cons);

    /* 1-page rings: 32 requests, 128 completions. */
    CHECK_EQ(setup_rings(1, 1, RINGS_STATE >> 12, 0), PVSCSI_STATUS_OK, "SETUP_RINGS 1+1 pages: 0");
    CHECK(rs(PVSCSI_RS_REQ_LOG2) == 5 && rs(PVSCSI_RS_CMP_LOG2) == 7, "1+1 pages: 32 and 128 entries");

    /* Never consume a completion: after four full batches the completion
     * ring is full and the device must stop taking requests. */
    for (int b = 0; b < 4; b++) {
        for (int i = 0; i < 32; i++) {
            struct req r = make_req(tur, 6, NONE, 0, 0);
            queue_req(&r);
        }
        kick(0);
    }
    CHECK(rs(PVSCSI_RS_CMP_PROD) == 128 && rs(PVSCSI_RS_REQ_CONS) == 128, "128 completions fill the ring");
    uint64_t first_ctx = next_context;
    for (int i = 0; i < 32; i++) {
        struct req r = make_req(tur, 6, NONE, 0, 0);
        queue_req(&r);
    }
    kick(0);
    CHECK(rs(PVSCSI_RS_REQ_CONS) == 128 && rs(PVSCSI_RS_CMP_PROD) == 128,
          "completion ring full: the kick leaves the requests queued");
    struct cmp c;
    bool ok = true;
    for (int i = 0; i < 10; i++)
        ok &= reap(&c);
    CHECK(ok && c.context == first_ctx - 128 + 9, "the driver consumes 10 completions, oldest first");
    kick(0);
    CHECK(rs(PVSCSI_RS_REQ_CONS) == 138 && rs(PVSCSI_RS_CMP_PROD) == 138, "the next kick runs exactly 10 more");
    while (reap(&c))
        ;
    kick(0);
    ack();
    ok = true;
    uint64_t want = first_ctx + 10;
    while (reap(&c))
        ok &= c.context == want++;
    CHECK(ok && want == first_ctx + 32 && rs(PVSCSI_RS_REQ_CONS) == 160, "the rest complete in order");

    /* Wrap both rings many times: 300 more requests in varying batches. */
    ok = true;
    unsigned done = 0;
    for (unsigned batch = 1; done < 300; batch = batch % 26 + 7) {
        uint64_t base = next_context;
        unsigned n = batch > 300 - done ? 300 - done : batch;
        for (unsigned i = 0; i < n; i++) {
            uint8_t cdb[10];
            cdb10(cdb, 0x28, (done + i) % DISK_BLOCKS, 1);
            struct req r = make_req(cdb, 10, IN, DATA_BUF + 512 * (i % 32), 512);
            queue_req(&r);
        }
        kick(0x28);
        ack();
        for (unsigned i = 0; i < n; i++)
            ok &= reap(&c) && c.context == base + i && c.host == 0 && c.scsi == 0 && c.data_len == 512;
        ok &= !reap(&c);
        done += n;
    }
    CHECK(ok, "300 READs across ring wrap-around: every completion in order, nothing extra");
    CHECK(rs(PVSCSI_RS_REQ_CONS) == 460 && rs(PVSCSI_RS_CMP_PROD) == 460 && !irq_line,
          "indices free-run past the ring sizes (460)");
}

static void test_setup_validation(void)
{
    uint8_t tur[6] = { 0 };

    CHECK_EQ(setup_rings(3, 8, RINGS_STATE >> 12, 0), PVSCSI_STATUS_FAILED, "SETUP_RINGS 3 pages: -1");
    CHECK_EQ(setup_rings(0, 8, RINGS_STATE >> 12, 0), PVSCSI_STATUS_FAILED, "SETUP_RINGS 0 pages: -1");
    CHECK_EQ(setup_rings(8, 64, RINGS_STATE >> 12, 0), PVSCSI_STATUS_FAILED, "SETUP_RINGS 64 pages: -1");
    CHECK_EQ(setup_rings(8, 8, RINGS_STATE >> 12, RAM_SIZE >> 12), PVSCSI_STATUS_FAILED,
             "SETUP_RINGS with a ring page outside RAM: -1");
    CHECK_EQ(setup_rings(8, 8, 1ull << 60, 0), PVSCSI_STATUS_FAILED, "SETUP_RINGS with PPN 2^60: -1");
    struct req r = make_req(tur, 6, NONE, 0, 0);
    w32(RINGS_STATE + PVSCSI_RS_REQ_LOG2, 8);
    w32(RINGS_STATE + PVSCSI_RS_CMP_LOG2, 10);
    queue_req(&r);
    kick(0);
    CHECK(rs(PVSCSI_RS_REQ_CONS) == 0 && rs(PVSCSI_RS_CMP_PROD) == 0 && !irq_line,
          "after a failed SETUP_RINGS there are no rings: kicks do nothing");
    CHECK_EQ(setup_rings(8, 8, RINGS_STATE >> 12, 0), PVSCSI_STATUS_OK, "SETUP_RINGS again: 0");
}

static void test_reset_commands(void)
{
    uint32_t dev0[3] = { 0, 0, 0 }, dev5[3] = { 5, 0, 0 }, abort_cmd[4] = { 1, 0, 0, 0 };
    uint8_t tur[6] = { 0 };

    write_cmd(PVSCSI_CMD_RESET_BUS, NULL, 0);
    CHECK_EQ(cmd_status(), PVSCSI_STATUS_OK, "RESET_BUS: 0");
    write_cmd(PVSCSI_CMD_RESET_DEVICE, dev0, 3);
    CHECK_EQ(cmd_status(), PVSCSI_STATUS_OK, "RESET_DEVICE target 0: 0");
    write_cmd(PVSCSI_CMD_RESET_DEVICE, dev5, 3);
    CHECK_EQ(cmd_status(), PVSCSI_STATUS_FAILED, "RESET_DEVICE of an empty target: -1");
    write_cmd(PVSCSI_CMD_ABORT_CMD, abort_cmd, 4);
    CHECK_EQ(cmd_status(), PVSCSI_STATUS_OK, "ABORT_CMD: 0 (nothing outstanding)");
    reg_write(PVSCSI_REG_COMMAND, PVSCSI_CMD_ISSUE_SCSI);
    CHECK_EQ(cmd_status(), PVSCSI_STATUS_FAILED, "ISSUE_SCSI: -1");
    reg_write(PVSCSI_REG_COMMAND, PVSCSI_CMD_DEVICE_UNPLUG);
    CHECK_EQ(cmd_status(), PVSCSI_STATUS_FAILED, "DEVICE_UNPLUG: -1");
    reg_write(PVSCSI_REG_COMMAND, 0x12345);
    CHECK_EQ(cmd_status(), PVSCSI_STATUS_FAILED, "unknown command: -1");

    /* A pending interrupt, then ADAPTER_RESET. */
    struct req r = make_req(tur, 6, NONE, 0, 0);
    queue_req(&r);
    kick(0);
    CHECK(irq_line, "interrupt pending before the reset");
    write_cmd(PVSCSI_CMD_ADAPTER_RESET, NULL, 0);
    CHECK(!irq_line && reg_read(PVSCSI_REG_INTR_STATUS) == 0 && reg_read(PVSCSI_REG_INTR_MASK) == 0,
          "ADAPTER_RESET: status and mask cleared, line lowered");
    uint32_t cprod = rs(PVSCSI_RS_CMP_PROD);
    r = make_req(tur, 6, NONE, 0, 0);
    queue_req(&r);
    kick(0);
    CHECK_EQ(rs(PVSCSI_RS_CMP_PROD), cprod, "ADAPTER_RESET forgets the rings");

    CHECK_EQ(setup_rings(8, 8, RINGS_STATE >> 12, 0), PVSCSI_STATUS_OK, "rings set up again");
    reg_write(PVSCSI_REG_INTR_MASK, PVSCSI_INTR_CMPL_0 | PVSCSI_INTR_CMPL_1);
    cfg_write(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    r = make_req(tur, 6, NONE, 0, 0);
    queue_req(&r);
    kick(0);
    CHECK(rs(PVSCSI_RS_REQ_CONS) == 0 && !irq_line, "bus mastering off: the device touches no memory");
    cfg_write(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    kick(0);
    ack();
    struct cmp c;
    CHECK(reap(&c) && c.context == r.context && c.scsi == 0, "bus mastering on: the next kick runs it");

    uint64_t v = 0;
    CHECK(pci_host_bar_access(&host, false, BAR0_ADDR + PVSCSI_REG_INTR_MASK, 2, false, &v) && v == 0,
          "a 2-byte register read returns 0");
    v = 0;
    pci_host_bar_access(&host, false, BAR0_ADDR + PVSCSI_REG_INTR_MASK, 2, true, &v);
    CHECK_EQ(reg_read(PVSCSI_REG_INTR_MASK), 3, "a 2-byte register write is ignored");

    vmx_device_reset(&hba.device);
    CHECK(cfg_read(PCI_BAR0, 4) == 0 && cfg_read(PCI_COMMAND, 2) == 0 && cfg_read(PCI_VENDOR_ID, 4) == 0x07C015AD,
          "VM reset: config space back to power-on, ids kept");
    CHECK(!irq_line && hba.intr_mask == 0 && !hba.rings_valid && hba.target[0] == &disk0,
          "VM reset: no rings, masked, disk still attached");
}

static void test_api(void)
{
    struct scsi_disk_backend b = { .read = mem_read, .write = mem_write, .size_bytes = 511 };
    static struct scsi_disk d;

    CHECK_EQ(scsi_disk_init(&d, &b, "x"), -EINVAL, "scsi_disk_init: under one block is refused");
    b.size_bytes = 4096;
    b.read = NULL;
    CHECK_EQ(scsi_disk_init(&d, &b, "x"), -EINVAL, "scsi_disk_init: a backend without read is refused");
    b.read = mem_read;
    CHECK(scsi_disk_init(&d, &b, "a\tb\x7f") == 0 && !strcmp(d.serial, "a_b_") && d.blocks == 8,
          "scsi_disk_init: non-printable serial bytes become '_'");
    CHECK(pvscsi_attach(&hba, 0, &d) == -1 && pvscsi_attach(&hba, PVSCSI_MAX_TARGETS, &d) == -1,
          "pvscsi_attach: a taken or out-of-range target is refused");
}

int main(void)
{
    struct scsi_disk_backend backend = {
        .read = mem_read, .write = mem_write, .flush = mem_flush, .size_bytes = DISK_SIZE, .ctx = &mem,
    };

    ram = calloc(1, RAM_SIZE);
    if (!ram)
        return 1;
    pci_host_init(&host, &plat);
    pvscsi_init(&hba, IRQ, &plat);
    if (scsi_disk_init(&disk0, &backend, "pvs-disk0") || pvscsi_attach(&hba, 0, &disk0) ||
        pci_host_add(&host, SLOT, 0, &hba.pci))
        return 1;

    test_pci_config();
    test_probe();
    test_inquiry();
    test_capacity_and_modes();
    test_read_write();
    test_sync();
    test_scsi_errors();
    test_addressing();
    test_bad_requests();
    test_masking();
    test_msi();
    test_ring_limits();
    test_setup_validation();
    test_reset_commands();
    test_api();
    free(ram);
    CHECK_DONE();
}
