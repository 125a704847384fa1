/* SPDX-License-Identifier: GPL-2.0-only */
/* Host unit tests for the vmxnet3 model (vmx/devices/vmxnet3.c), driven
 * the way Linux's vmxnet3 driver probes, opens and uses it: config space
 * through the PCI host bridge, registers through the BARs it decodes, and
 * rings in a fake guest RAM that the test fills and reads as the driver. */
#include "check.h"
#include "../../vmx/devices/be_bytes.h"

#include <errno.h>

#include "../../vmx/devices/pci_host.h"
#include "../../vmx/devices/vmxnet3.h"

#define RAM_SIZE  (1u << 20)
#define SLOT      0x10
#define BAR0_ADDR 0xFEB00000u
#define BAR1_ADDR 0xFEB01000u
#define IRQ       11

/* Where the "driver" keeps things in guest RAM. */
#define DS_PA     0x1000u
#define QDESC_PA  0x2000u
#define TX_RING   0x4000u   /* + 0x1000 per queue */
#define TX_DATA   0x6000u   /* 128-byte header slots, queue 0 */
#define TX_COMP   0x8000u   /* + 0x1000 per queue */
#define RX_RING0  0xC000u
#define RX_RING1  0xD000u
#define RX_COMP   0xE000u
#define MF_TABLE  0xF000u
#define TX_BUFS   0x10000u  /* 192 KiB of payload */
#define RX_BUFS0  0x40000u  /* 2 KiB per ring 0 slot */
#define RX_BUFS1  0x60000u  /* 4 KiB per ring 1 slot */

#define TX_SIZE   32
#define RX0_SIZE  32
#define RX1_SIZE  32
#define RXC_SIZE  64
#define HEAD_LEN  1522      /* Linux: MTU 1500 + 22 */
#define BODY_LEN  4096

static const uint8_t MAC[6] = { 0x00, 0x0C, 0x29, 0x12, 0x34, 0x56 };
static const uint8_t PEER[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 };
static const uint8_t BCAST[6] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
static const uint8_t MC1[6] = { 0x01, 0x00, 0x5E, 0x00, 0x00, 0x01 };
static const uint8_t MC2[6] = { 0x01, 0x00, 0x5E, 0x00, 0x00, 0x02 };

#define MAX_SENT 64

struct drv_txq {
    uint32_t fill, comp_next;
    bool gen, comp_gen;
};

struct rcd {
    uint32_t idx, rqid, len, type, tci;
    bool sop, eop, ts, cnc;
};

static struct {
    struct vmx_platform plat;
    struct pci_host host;
    struct vmxnet3 *n;
    uint8_t *ram;
    bool line;
    int rises;
    unsigned last_line;
    unsigned msis;                  /* messages sent, the last one's address and data */
    uint64_t msi_address;
    uint32_t msi_data;
    unsigned sent;
    size_t sent_len[MAX_SENT];
    struct vmxnet3_offload sent_off[MAX_SENT];     /* kind PLAIN when none came */
    uint8_t (*sent_frame)[VMXNET3_MAX_FRAME + 4];
    /* the driver's side */
    unsigned ntxq;
    struct drv_txq txq[2];
    uint32_t rx_fill[2], rx_comp_next;
    bool rx_gen[2], rx_comp_gen;
} R;

/* ---- the platform ---- */

static void *guest_ram(void *ctx, uint64_t gpa, uint64_t len)
{
    (void)ctx;
    if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
        return NULL;
    return R.ram + gpa;
}

static void msi_send(void *ctx, uint64_t address, uint32_t data)
{
    (void)ctx;
    R.msis++;
    R.msi_address = address;
    R.msi_data = data;
}

static void irq_set(void *ctx, unsigned line, bool level)
{
    (void)ctx;
    R.last_line = line;
    if (level && !R.line)
        R.rises++;
    R.line = level;
}

static void backend_tx(void *ctx, const void *frame, size_t len, const struct vmxnet3_offload *off)
{
    (void)ctx;
    if (R.sent < MAX_SENT && len <= sizeof R.sent_frame[0]) {
        R.sent_off[R.sent] = off ? *off : (struct vmxnet3_offload){ .kind = VMXNET3_TX_PLAIN };
        memcpy(R.sent_frame[R.sent], frame, len);
        R.sent_len[R.sent] = len;
    }
    R.sent++;
}

/* ---- guest memory ---- */

static void g16(uint32_t pa, uint16_t v)
{
    R.ram[pa] = (uint8_t)v;
    R.ram[pa + 1] = (uint8_t)(v >> 8);
}

static void g32(uint32_t pa, uint32_t v)
{
    g16(pa, (uint16_t)v);
    g16(pa + 2, (uint16_t)(v >> 16));
}

static void g64(uint32_t pa, uint64_t v)
{
    g32(pa, (uint32_t)v);
    g32(pa + 4, (uint32_t)(v >> 32));
}

static uint32_t r32(uint32_t pa)
{
    return (uint32_t)R.ram[pa] | (uint32_t)R.ram[pa + 1] << 8 | (uint32_t)R.ram[pa + 2] << 16 |
           (uint32_t)R.ram[pa + 3] << 24;
}

static uint64_t r64(uint32_t pa)
{
    return r32(pa) | (uint64_t)r32(pa + 4) << 32;
}

/* ---- PCI config and registers, as the guest reaches them ---- */

static uint32_t cfg_read(unsigned reg, unsigned size)
{
    vmx_device_pio_write(&R.host.device, PCI_CONFIG_ADDRESS, 4,
                         PCI_CONFIG_ENABLE | (uint32_t)PCI_DEVFN(SLOT, 0) << 8 | (reg & 0xFC));
    return vmx_device_pio_read(&R.host.device, (uint16_t)(PCI_CONFIG_DATA + (reg & 3)), size);
}

static void cfg_write(unsigned reg, unsigned size, uint32_t v)
{
    vmx_device_pio_write(&R.host.device, PCI_CONFIG_ADDRESS, 4,
                         PCI_CONFIG_ENABLE | (uint32_t)PCI_DEVFN(SLOT, 0) << 8 | (reg & 0xFC));
    vmx_device_pio_write(&R.host.device, (uint16_t)(PCI_CONFIG_DATA + (reg & 3)), size, v);
}

static uint32_t mmio_rd(uint64_t addr, unsigned size)
{
    uint64_t v = 0xDEAD;

    if (!pci_host_bar_access(&R.host, false, addr, size, false, &v))
        return 0xBADBAD;
    return (uint32_t)v;
}

static void mmio_wr(uint64_t addr, unsigned size, uint32_t v)
{
    uint64_t val = v;

    pci_host_bar_access(&R.host, false, addr, size, true, &val);
}

static uint32_t vd_rd(uint32_t reg)
{
    return mmio_rd(BAR1_ADDR + reg, 4);
}

static void vd_wr(uint32_t reg, uint32_t v)
{
    mmio_wr(BAR1_ADDR + reg, 4, v);
}

static uint32_t pt_rd(uint32_t reg)
{
    return mmio_rd(BAR0_ADDR + reg, 4);
}

static void pt_wr(uint32_t reg, uint32_t v)
{
    mmio_wr(BAR0_ADDR + reg, 4, v);
}

static uint32_t cmd(uint32_t c)
{
    vd_wr(VMXNET3_REG_CMD, c);
    return vd_rd(VMXNET3_REG_CMD);
}

/* A fresh machine: RAM, host bridge, the NIC at 00:10.0 with its BARs
 * assigned and memory decode and bus mastering on (pci_set_master). */
static void setup(void)
{
    uint8_t (*frames)[VMXNET3_MAX_FRAME + 4] = R.sent_frame;
    uint8_t *ram = R.ram;
    struct vmxnet3 *n = R.n;

    memset(&R, 0, sizeof R);
    R.ram = ram ? ram : malloc(RAM_SIZE);
    R.n = n ? n : malloc(sizeof *R.n);
    R.sent_frame = frames ? frames : malloc(MAX_SENT * sizeof *frames);
    if (!R.ram || !R.n || !R.sent_frame)
        abort();
    memset(R.ram, 0, RAM_SIZE);
    R.plat = (struct vmx_platform){ .irq_set = irq_set, .guest_ram = guest_ram, .msi_send = msi_send, .ctx = &R };
    pci_host_init(&R.host, &R.plat);
    vmxnet3_init(R.n, MAC, IRQ, &R.plat, backend_tx, &R);
    pci_host_add(&R.host, SLOT, 0, &R.n->pci);
    cfg_write(PCI_BAR0, 4, BAR0_ADDR);
    cfg_write(PCI_BAR0 + 4, 4, BAR1_ADDR);
    cfg_write(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

/* ---- the driver's rings ---- */

static void rx_desc(unsigned ring, uint32_t idx, uint64_t addr, uint32_t len, bool body, bool gen)
{
    uint32_t pa = (ring ? RX_RING1 : RX_RING0) + idx * 16;

    g64(pa, addr);
    g32(pa + 8, (len & 0x3FFF) | (body ? VMXNET3_RXD_BTYPE_BODY : 0) | (gen ? VMXNET3_RXD_GEN : 0));
    g32(pa + 12, 0);
}

static uint32_t rx_buf(unsigned ring, uint32_t idx)
{
    return ring ? RX_BUFS1 + idx * BODY_LEN : RX_BUFS0 + idx * 2048;
}

/* vmxnet3_rq_init: size - 1 buffers ready, the last written but not. */
static void fill_rx_ring(unsigned ring, uint32_t size)
{
    for (uint32_t i = 0; i < size; i++)
        rx_desc(ring, i, rx_buf(ring, i), ring ? BODY_LEN : HEAD_LEN, ring, i + 1 < size);
    R.rx_fill[ring] = size - 1;
    R.rx_gen[ring] = true;
}

/* vmxnet3_setup_driver_shared for ntxq TX queues and one RX queue. */
static void prepare(unsigned ntxq)
{
    uint32_t rq = QDESC_PA + ntxq * 256;

    memset(R.ram + DS_PA, 0, 0x2D0);
    memset(R.ram + QDESC_PA, 0, (ntxq + 1) * 256);
    memset(R.ram + TX_RING, 0, 0x8000);
    g32(DS_PA + 0x00, VMXNET3_MAGIC);
    g32(DS_PA + 0x08, 0x01040000);      /* driver version */
    g32(DS_PA + 0x0C, 2 | 1 << 2);      /* 64-bit Linux */
    g32(DS_PA + 0x10, 1);
    g32(DS_PA + 0x14, 1);
    g64(DS_PA + VMXNET3_DS_FEATURES, VMXNET3_F_RXCSUM | VMXNET3_F_RXVLAN | VMXNET3_F_LRO);
    g64(DS_PA + VMXNET3_DS_QDESC_PA, QDESC_PA);
    g32(DS_PA + VMXNET3_DS_QDESC_LEN, (ntxq + 1) * 256);
    g32(DS_PA + VMXNET3_DS_MTU, 1500);
    g16(DS_PA + 0x3C, 18);              /* maxNumRxSG with LRO */
    R.ram[DS_PA + VMXNET3_DS_NUM_TXQ] = (uint8_t)ntxq;
    R.ram[DS_PA + VMXNET3_DS_NUM_RXQ] = 1;
    R.ram[DS_PA + VMXNET3_DS_AUTO_MASK] = 1;
    R.ram[DS_PA + VMXNET3_DS_NUM_INTRS] = 1;
    R.ram[DS_PA + 0x53] = 8;            /* adaptive moderation */
    g32(DS_PA + 0x6C, 1);               /* intrCtrl DISABLE_ALL */
    g32(DS_PA + VMXNET3_DS_VF_TABLE, 1);    /* untagged */
    for (unsigned q = 0; q < ntxq; q++) {
        uint32_t d = QDESC_PA + q * 256;
        g64(d + VMXNET3_TQ_RING_PA, TX_RING + q * 0x1000);
        g64(d + 0x18, TX_DATA);
        g64(d + VMXNET3_TQ_COMP_PA, TX_COMP + q * 0x1000);
        g32(d + VMXNET3_TQ_RING_SIZE, TX_SIZE);
        g32(d + 0x3C, TX_SIZE);
        g32(d + VMXNET3_TQ_COMP_SIZE, TX_SIZE);
        R.txq[q] = (struct drv_txq){ .gen = true, .comp_gen = true };
    }
    g64(rq + VMXNET3_RQ_RING0_PA, RX_RING0);
    g64(rq + VMXNET3_RQ_RING1_PA, RX_RING1);
    g64(rq + VMXNET3_RQ_COMP_PA, RX_COMP);
    g32(rq + VMXNET3_RQ_RING0_SIZE, RX0_SIZE);
    g32(rq + VMXNET3_RQ_RING1_SIZE, RX1_SIZE);
    g32(rq + VMXNET3_RQ_COMP_SIZE, RXC_SIZE);
    fill_rx_ring(0, RX0_SIZE);
    fill_rx_ring(1, RX1_SIZE);
    memset(R.ram + RX_COMP, 0, RXC_SIZE * 16);
    R.rx_comp_next = 0;
    R.rx_comp_gen = true;
    R.ntxq = ntxq;
}

/* vmxnet3_activate_dev up to the ACTIVATE read-back. */
static uint32_t activate(const uint8_t mac[6])
{
    vd_wr(VMXNET3_REG_MACL, (uint32_t)mac[0] | mac[1] << 8 | mac[2] << 16 | (uint32_t)mac[3] << 24);
    vd_wr(VMXNET3_REG_MACH, (uint32_t)mac[4] | mac[5] << 8);
    vd_wr(VMXNET3_REG_DSAL, DS_PA);
    vd_wr(VMXNET3_REG_DSAH, 0);
    return cmd(VMXNET3_CMD_ACTIVATE_DEV);
}

/* The rest of it: producers, vmxnet3_set_mc, link check, interrupts on. */
static void start(void)
{
    pt_wr(VMXNET3_REG_RXPROD, R.rx_fill[0]);
    pt_wr(VMXNET3_REG_RXPROD2, R.rx_fill[1]);
    memcpy(R.ram + MF_TABLE, MC1, 6);
    memcpy(R.ram + MF_TABLE + 6, (const uint8_t[6]){ 0x33, 0x33, 0, 0, 0, 1 }, 6);
    g16(DS_PA + VMXNET3_DS_MF_LEN, 12);
    g64(DS_PA + VMXNET3_DS_MF_PA, MF_TABLE);
    g32(DS_PA + VMXNET3_DS_RX_MODE, VMXNET3_RXM_UCAST | VMXNET3_RXM_BCAST | VMXNET3_RXM_MCAST);
    cmd(VMXNET3_CMD_UPDATE_RX_MODE);
    cmd(VMXNET3_CMD_UPDATE_VLAN_FILTERS);
    cmd(VMXNET3_CMD_UPDATE_MAC_FILTERS);
    cmd(VMXNET3_CMD_GET_LINK);
    pt_wr(VMXNET3_REG_IMR, 0);
    g32(DS_PA + 0x6C, 0);
}

static void open_nic(unsigned ntxq)
{
    setup();
    prepare(ntxq);
    if (activate(MAC) != 0)
        abort();
    start();
}

struct piece {
    uint32_t pa, len;
};

/* vmxnet3_tq_xmit: the SOP written with the old gen and flipped last. */
static uint32_t xmit(unsigned q, const struct piece *pc, unsigned np, uint32_t sop_dw2, uint32_t sop_dw3)
{
    struct drv_txq *t = &R.txq[q];
    uint32_t ring = TX_RING + q * 0x1000, sop = t->fill, eop = 0;

    for (unsigned i = 0; i < np; i++) {
        uint32_t pa = ring + t->fill * 16;
        bool gen = i == 0 ? !t->gen : t->gen;

        g64(pa, pc[i].pa);
        g32(pa + 8, (pc[i].len & 0x3FFF) | (gen ? VMXNET3_TXD_GEN : 0) | (i == 0 ? sop_dw2 : 0));
        g32(pa + 12, (i == 0 ? sop_dw3 : 0) | (i + 1 == np ? VMXNET3_TXD_EOP | VMXNET3_TXD_CQ : 0));
        eop = t->fill;
        if (++t->fill == TX_SIZE) {
            t->fill = 0;
            t->gen = !t->gen;
        }
    }
    g32(ring + sop * 16 + 8, r32(ring + sop * 16 + 8) ^ VMXNET3_TXD_GEN);
    pt_wr(VMXNET3_REG_TXPROD + 8 * q, t->fill);
    return eop;
}

/* The next TX completion's EOP index, or -1 if the device wrote none;
 * *gen gets its generation bit. */
static int tx_comp(unsigned q, bool *gen)
{
    struct drv_txq *t = &R.txq[q];
    uint32_t pa = TX_COMP + q * 0x1000 + t->comp_next * 16, dw3 = r32(pa + 12);

    if (!(dw3 >> 31) != !t->comp_gen)
        return -1;
    if (gen)
        *gen = dw3 >> 31;
    if (++t->comp_next == TX_SIZE) {
        t->comp_next = 0;
        t->comp_gen = !t->comp_gen;
    }
    return (int)(r32(pa) & 0xFFF);
}

/* vmxnet3_rq_rx_complete's refill after completing slot idx. */
static void rx_refill(unsigned ring, uint32_t idx)
{
    uint32_t size = ring ? RX1_SIZE : RX0_SIZE;
    uint32_t avail = (idx > R.rx_fill[ring] ? 0 : size) + idx - R.rx_fill[ring] - 1;

    while (avail--) {
        uint32_t pa = (ring ? RX_RING1 : RX_RING0) + R.rx_fill[ring] * 16;
        g32(pa + 8, (r32(pa + 8) & ~VMXNET3_RXD_GEN) | (R.rx_gen[ring] ? VMXNET3_RXD_GEN : 0));
        if (++R.rx_fill[ring] == size) {
            R.rx_fill[ring] = 0;
            R.rx_gen[ring] = !R.rx_gen[ring];
        }
    }
}

/* RX completions the device wrote, handled as the driver does. */
static int rx_poll(struct rcd *out, int max, bool refill)
{
    int k = 0;

    while (k < max) {
        uint32_t pa = RX_COMP + R.rx_comp_next * 16, dw0 = r32(pa), dw2 = r32(pa + 8), dw3 = r32(pa + 12);
        struct rcd *c = &out[k];

        if (!(dw3 >> 31) != !R.rx_comp_gen)
            break;
        *c = (struct rcd){
            .idx = dw0 & 0xFFF, .rqid = dw0 >> 16 & 0x3FF, .sop = dw0 >> 15 & 1, .eop = dw0 >> 14 & 1,
            .cnc = dw0 >> 30 & 1, .len = dw2 & 0x3FFF, .ts = dw2 >> 15 & 1, .tci = dw2 >> 16,
            .type = dw3 >> 24 & 0x7F,
        };
        if (refill && c->rqid < 2)
            rx_refill(c->rqid, c->idx);
        if (++R.rx_comp_next == RXC_SIZE) {
            R.rx_comp_next = 0;
            R.rx_comp_gen = !R.rx_comp_gen;
        }
        k++;
    }
    return k;
}

/* A frame to dst: source PEER, the given EtherType, bytes from seed. */
static size_t make_frame(uint8_t *f, const uint8_t dst[6], uint16_t type, size_t len, uint8_t seed)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, PEER, 6);
    put_be16(f + 12, type);
    for (size_t i = 14; i < len; i++)
        f[i] = (uint8_t)(seed + i * 7);
    return len;
}

/* The interrupt handler's ICR read: non-zero means ours. */
static uint32_t icr(void)
{
    return vd_rd(VMXNET3_REG_ICR);
}

/* ---- checksums, computed independently of the model ---- */

static uint32_t sum16(const uint8_t *p, size_t len)
{
    uint32_t s = 0;

    for (size_t i = 0; i + 1 < len; i += 2)
        s += be16(p + i);
    if (len & 1)
        s += (uint32_t)p[len - 1] << 8;
    return s;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xFFFF) + (s >> 16);
    return (uint16_t)s;
}

/* True if the TCP/UDP checksum of l4 (len bytes) over IPv4 or IPv6 checks. */
static bool l4_csum_ok(const uint8_t *ip, bool v6, uint8_t proto, const uint8_t *l4, size_t len)
{
    uint32_t s = v6 ? sum16(ip + 8, 32) : sum16(ip + 12, 8);

    s += proto + (uint32_t)len + sum16(l4, len);
    return fold(s) == 0xFFFF;
}

/* ---- tests ---- */

static void test_config_space(void)
{
    setup();
    CHECK_EQ(cfg_read(PCI_VENDOR_ID, 4), 0x07B015AD, "config: 15ad:07b0");
    CHECK_EQ(cfg_read(PCI_REVISION_ID, 4), 0x02000001, "config: class 0x020000 (Ethernet), revision 1");
    CHECK_EQ(cfg_read(PCI_SUBSYS_VENDOR, 4), 0x07B015AD, "config: subsystem 15ad:07b0");
    CHECK_EQ(cfg_read(PCI_INTERRUPT_PIN, 1), 1, "config: INTA#");
    CHECK(cfg_read(PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, "config: a capabilities list");
    CHECK(cfg_read(PCI_CAPABILITY_LIST, 1) == VMXNET3_MSI_CAP && cfg_read(VMXNET3_MSI_CAP, 2) == PCI_CAP_ID_MSI,
          "config: holding only MSI (no MSI-X, so one queue)");
    cfg_write(PCI_COMMAND, 2, 0);
    for (unsigned i = 0; i < 3; i++)
        cfg_write(PCI_BAR0 + 4 * i, 4, 0xFFFFFFFF);
    CHECK_EQ(cfg_read(PCI_BAR0, 4), 0xFFFFF000, "sizing: BAR0 4 KiB 32-bit memory");
    CHECK_EQ(cfg_read(PCI_BAR0 + 4, 4), 0xFFFFF000, "sizing: BAR1 4 KiB 32-bit memory");
    CHECK_EQ(cfg_read(PCI_BAR0 + 8, 4), 0, "sizing: no BAR2 (Linux maps only BAR0 and BAR1)");
    cfg_write(PCI_BAR0, 4, BAR0_ADDR);
    cfg_write(PCI_BAR0 + 4, 4, BAR1_ADDR);
    CHECK_EQ(vd_rd(VMXNET3_REG_VRRS), 0xBADBAD, "decode: registers unreachable with memory decode off");
    cfg_write(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    CHECK_EQ(pci_bar_address(&R.n->pci, 1), BAR1_ADDR, "decode: BAR1 where it was put");
}

static void test_probe(void)
{
    setup();
    CHECK_EQ(vd_rd(VMXNET3_REG_VRRS), 1, "probe: VRRS offers revision 1 only");
    vd_wr(VMXNET3_REG_VRRS, 1);
    CHECK_EQ(vd_rd(VMXNET3_REG_UVRS), 1, "probe: UVRS offers UPT version 1");
    vd_wr(VMXNET3_REG_UVRS, 1);
    CHECK_EQ(cmd(VMXNET3_CMD_GET_CONF_INTR), 2, "probe: GET_CONF_INTR says MSI, auto mask");
    CHECK_EQ(vd_rd(VMXNET3_REG_MACL), 0x12290C00, "probe: MACL holds MAC bytes 0-3");
    CHECK_EQ(vd_rd(VMXNET3_REG_MACH), 0x5634, "probe: MACH holds bytes 4-5");
    CHECK_EQ(cmd(VMXNET3_CMD_GET_PERM_MAC_LO), 0x12290C00, "probe: GET_PERM_MAC_LO");
    CHECK_EQ(cmd(VMXNET3_CMD_GET_PERM_MAC_HI), 0x5634, "probe: GET_PERM_MAC_HI");
    CHECK_EQ(cmd(VMXNET3_CMD_GET_LINK), 10000u << 16 | 1, "probe: GET_LINK before activation: up, 10000 Mb/s");
    CHECK_EQ(cmd(VMXNET3_CMD_GET_DID_LO), 0x07B0, "probe: GET_DID_LO");
    CHECK_EQ(cmd(VMXNET3_CMD_GET_DID_HI), 1, "probe: GET_DID_HI is the revision");
    CHECK_EQ(cmd(0xF00D000F), 0, "probe: a GET the device lacks (MAX_QUEUES_CONF) reads 0");
    CHECK_EQ(pt_rd(VMXNET3_REG_IMR), 1, "probe: vector 0 starts masked");
}

static void test_open(void)
{
    static const uint8_t new_mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };

    setup();
    prepare(2);
    vd_wr(VMXNET3_REG_MACL, 0x33221102);
    CHECK_EQ(vd_rd(VMXNET3_REG_MACL), 0x12290C00, "MAC: MACL alone changes nothing until MACH");
    CHECK_EQ(activate(new_mac), 0, "open: ACTIVATE_DEV reads back 0");
    CHECK_EQ(vd_rd(VMXNET3_REG_MACL) == 0x33221102 && vd_rd(VMXNET3_REG_MACH) == 0x5544, 1,
             "MAC: the driver's MAC is now the active one");
    CHECK_EQ(cmd(VMXNET3_CMD_GET_PERM_MAC_LO), 0x12290C00, "MAC: the permanent one is kept");
    start();
    CHECK_EQ(pt_rd(VMXNET3_REG_IMR), 0, "open: IMR 0 unmasks vector 0");
    CHECK(!R.line && R.rises == 0, "open: no interrupt without work");
    R.ram[QDESC_PA + VMXNET3_Q_STOPPED] = 0xEE;
    cmd(VMXNET3_CMD_GET_QUEUE_STATUS);
    CHECK_EQ(R.ram[QDESC_PA + VMXNET3_Q_STOPPED], 0, "GET_QUEUE_STATUS: TX queue 0 not stopped");
}

/* A frame in three buffers, the first in the TX data ring as Linux copies
 * headers there; it reaches the backend whole and is completed. */
static void test_transmit(void)
{
    uint8_t frame[1000];
    int idx;
    bool gen = false;

    open_nic(2);
    make_frame(frame, PEER, 0x0800, sizeof frame, 3);
    memcpy(R.ram + TX_DATA, frame, 54);
    memcpy(R.ram + TX_BUFS, frame + 54, 446);
    memcpy(R.ram + TX_BUFS + 0x1000, frame + 500, 500);
    uint32_t eop = xmit(0, (const struct piece[]){ { TX_DATA, 54 }, { TX_BUFS, 446 }, { TX_BUFS + 0x1000, 500 } },
                        3, 0, 0);
    CHECK_EQ(R.sent, 1, "TX: one frame to the backend");
    CHECK(R.sent_len[0] == sizeof frame && !memcmp(R.sent_frame[0], frame, sizeof frame),
          "TX: three descriptors gathered byte for byte");
    idx = tx_comp(0, &gen);
    CHECK_EQ(idx, eop, "TX: completion names the EOP descriptor (2)");
    CHECK_EQ(gen, 1, "TX: completion carries gen 1 on the first lap");
    CHECK_EQ(tx_comp(0, NULL), -1, "TX: one completion per packet");
    CHECK(R.line && R.rises == 1 && R.last_line == IRQ, "TX: completion raises INTx on line 11");
    CHECK_EQ(cfg_read(PCI_STATUS, 2) & 0x08, 0x08, "TX: PCI status shows the interrupt");
    CHECK_EQ(icr(), 1, "ISR: ICR non-zero, the interrupt is ours");
    CHECK(!R.line, "ISR: reading ICR deasserts the line");
    CHECK_EQ(icr(), 0, "ISR: a second ICR read is 0 (IRQ_NONE on a shared line)");
    CHECK_EQ(pt_rd(VMXNET3_REG_IMR), 1, "autoMask: the ICR read masked vector 0");

    /* While masked, more work raises nothing; the unmask at the end of
     * NAPI polling then does. */
    memcpy(R.ram + TX_BUFS, frame, 200);
    xmit(1, (const struct piece[]){ { TX_BUFS, 200 } }, 1, 0, 0);
    CHECK(R.sent == 2 && R.sent_len[1] == 200 && !R.line, "IMR: TX queue 1 works, masked vector stays quiet");
    CHECK_EQ(tx_comp(1, NULL), 0, "TX: queue 1 completes its own ring");
    pt_wr(VMXNET3_REG_IMR, 0);
    CHECK(R.line && R.rises == 2, "IMR: unmasking with work pending raises the line");
    icr();
    pt_wr(VMXNET3_REG_IMR, 0);
    CHECK(!R.line && R.rises == 2, "IMR: unmasking with nothing pending raises nothing");

    cmd(VMXNET3_CMD_GET_STATS);
    CHECK(r64(QDESC_PA + VMXNET3_Q_STATS + 8 * VMXNET3_STAT_UCAST_PKTS) == 1 &&
              r64(QDESC_PA + VMXNET3_Q_STATS + 8 * VMXNET3_STAT_UCAST_BYTES) == 1000 &&
              r64(QDESC_PA + 256 + VMXNET3_Q_STATS + 8 * VMXNET3_STAT_UCAST_PKTS) == 1,
          "GET_STATS: per-queue unicast packets and bytes");
}

/* With MSI on: a message where INTx would rise, the vector auto-masked
 * by sending it (no ICR read), the unmask sending what came meanwhile. */
static void test_msi(void)
{
    uint8_t frame[200];

    open_nic(1);
    cfg_write(VMXNET3_MSI_CAP + PCI_MSI_ADDRESS_LO, 4, 0xFEE00000);
    cfg_write(VMXNET3_MSI_CAP + PCI_MSI_DATA, 2, 0x0062);
    cfg_write(VMXNET3_MSI_CAP + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE);
    R.msis = 0;
    R.rises = 0;
    make_frame(frame, PEER, 0x0800, sizeof frame, 4);
    memcpy(R.ram + TX_BUFS, frame, sizeof frame);
    xmit(0, (const struct piece[]){ { TX_BUFS, sizeof frame } }, 1, 0, 0);
    CHECK(R.msis == 1 && R.msi_address == 0xFEE00000 && R.msi_data == 0x62,
          "MSI: a TX completion sends the programmed message (%u)", R.msis);
    CHECK(!R.line && R.rises == 0, "MSI: INTx stays low");
    CHECK_EQ(pt_rd(VMXNET3_REG_IMR), 1, "MSI: autoMask masked vector 0 as the message went");
    xmit(0, (const struct piece[]){ { TX_BUFS, sizeof frame } }, 1, 0, 0);
    CHECK_EQ(R.msis, 1, "MSI: masked, more work sends nothing");
    pt_wr(VMXNET3_REG_IMR, 0);
    CHECK_EQ(R.msis, 2, "MSI: the unmask sends the work that came meanwhile");
    pt_wr(VMXNET3_REG_IMR, 0);
    CHECK_EQ(R.msis, 2, "MSI: unmasking with nothing pending sends nothing");
    cfg_write(VMXNET3_MSI_CAP + PCI_MSI_FLAGS, 2, 0);
}

static void test_tx_wrap(void)
{
    bool ok = true, gen = true;
    int idx = 0;

    open_nic(1);
    for (unsigned i = 0; i < 40; i++) {
        uint8_t f[64];

        make_frame(f, BCAST, 0x0806, sizeof f, (uint8_t)i);
        memcpy(R.ram + TX_BUFS + i * 64, f, sizeof f);
        uint32_t eop = xmit(0, (const struct piece[]){ { TX_BUFS + i * 64, 64 } }, 1, 0, 0);
        idx = tx_comp(0, &gen);
        ok = ok && idx == (int)eop && R.sent == i + 1 && !memcmp(R.sent_frame[i % MAX_SENT], f, sizeof f);
        if (i == 31)
            CHECK_EQ(gen, 1, "wrap: completion 32 still gen 1");
        if (i == 32)
            CHECK_EQ(gen, 0, "wrap: completion 33 has gen 0 after the comp ring wrapped");
    }
    CHECK(ok, "wrap: 40 frames through a 32-slot ring, each sent and completed in order");
    CHECK_EQ(idx, 39 % TX_SIZE, "wrap: the last completion names slot 7");
}

/* A TCP/IPv6 packet for TSO: 74 header bytes (::1 to ::2) and 1500 payload. */
static void tso6_frame(uint8_t *f)
{
    make_frame(f, PEER, 0x86DD, 1574, 5);
    memset(f + 14, 0, 40);
    f[14] = 0x60;
    f[20] = 6;
    f[21] = 64;
    f[37] = 1;
    f[53] = 2;
    memcpy(f + 54, (const uint8_t[]){ 0, 22, 0x30, 0x39, 0, 0, 0, 7, 0, 0, 0, 0, 0x50, 0x10, 1, 0, 0, 0, 0, 0 }, 20);
}

static void test_tx_offloads(void)
{
    uint8_t f[2600], *s;
    bool ok = true;

    open_nic(1);
    /* om=CSUM: UDP over IPv4, the driver seeds the pseudo-header sum. */
    make_frame(f, PEER, 0x0800, 142, 1);
    memcpy(f + 14, (const uint8_t[]){ 0x45, 0, 0, 128, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2 }, 20);
    put_be16(f + 34, 5000);
    put_be16(f + 36, 53);
    put_be16(f + 38, 108);
    put_be16(f + 40, fold(sum16(f + 26, 8) + 17 + 108));
    memcpy(R.ram + TX_BUFS, f, 142);
    xmit(0, (const struct piece[]){ { TX_BUFS, 142 } }, 1, 40u << 18, 34 | VMXNET3_OM_CSUM << 10);
    s = R.sent_frame[0];
    CHECK(R.sent == 1 && l4_csum_ok(s + 14, false, 17, s + 34, 108), "CSUM: UDP checksum filled in and valid");
    CHECK(!memcmp(s, f, 40) && !memcmp(s + 42, f + 42, 100), "CSUM: nothing but the checksum changed");
    /* Make the sum come out 0: UDP must then carry 0xFFFF, not "none". */
    put_be16(f + 140, 0);
    put_be16(f + 140, (uint16_t)~fold(sum16(f + 34, 108)));
    memcpy(R.ram + TX_BUFS, f, 142);
    xmit(0, (const struct piece[]){ { TX_BUFS, 142 } }, 1, 40u << 18, 34 | VMXNET3_OM_CSUM << 10);
    CHECK(R.sent == 2 && be16(R.sent_frame[1] + 40) == 0xFFFF, "CSUM: a zero UDP checksum goes out as 0xFFFF");

    /* om=TSO: 54 header bytes + 2500 payload at MSS 1000, CWR|ACK|PSH|FIN. */
    make_frame(f, PEER, 0x0800, 2554, 9);
    memcpy(f + 14, (const uint8_t[]){ 0x45, 0, 0x09, 0xEC, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2 },
           20);
    memcpy(f + 34,
           (const uint8_t[]){ 0x04, 0xD2, 0, 80, 1, 0, 0, 0, 0, 0, 0, 0, 0x50, 0x99, 0xFF, 0xFF, 0xAB, 0xCD, 0, 0 }, 20);
    memcpy(R.ram + TX_DATA, f, 54);
    memcpy(R.ram + TX_BUFS, f + 54, 1200);
    memcpy(R.ram + TX_BUFS + 0x1000, f + 1254, 1300);
    R.sent = 0;
    xmit(0, (const struct piece[]){ { TX_DATA, 54 }, { TX_BUFS, 1200 }, { TX_BUFS + 0x1000, 1300 } }, 3, 1000u << 18,
         54 | VMXNET3_OM_TSO << 10);
    CHECK_EQ(R.sent, 3, "TSO: 2500 bytes at MSS 1000 make three segments");
    CHECK(R.sent_len[0] == 1054 && R.sent_len[1] == 1054 && R.sent_len[2] == 554, "TSO: segment lengths");
    for (unsigned i = 0; i < 3; i++) {
        s = R.sent_frame[i];
        size_t pay = R.sent_len[i] - 54;
        ok = ok && be16(s + 16) == 40 + pay && be16(s + 18) == 0x1234 + i && fold(sum16(s + 14, 20)) == 0xFFFF &&
             be32(s + 38) == 0x01000000 + 1000 * i && l4_csum_ok(s + 14, false, 6, s + 34, 20 + pay) &&
             !memcmp(s + 54, f + 54 + 1000 * i, pay);
    }
    CHECK(ok, "TSO: IP length, id and checksum, TCP sequence and checksum, payload per segment");
    CHECK(R.sent_frame[0][47] == 0x90 && R.sent_frame[1][47] == 0x10 && R.sent_frame[2][47] == 0x19,
          "TSO: CWR only on the first segment, FIN and PSH only on the last");

    /* TSO over IPv6: 74 header bytes, 1500 payload at MSS 700. */
    tso6_frame(f);
    memcpy(R.ram + TX_BUFS, f, 1574);
    R.sent = 0;
    xmit(0, (const struct piece[]){ { TX_BUFS, 1574 } }, 1, 700u << 18, 74 | VMXNET3_OM_TSO << 10);
    ok = R.sent == 3;
    for (unsigned i = 0; ok && i < 3; i++) {
        s = R.sent_frame[i];
        size_t pay = R.sent_len[i] - 74;
        ok = pay == (i < 2 ? 700u : 100u) && be16(s + 18) == 20 + pay && l4_csum_ok(s + 14, true, 6, s + 54, 20 + pay);
    }
    CHECK(ok, "TSO6: three segments with payload length and TCP checksum right");

    /* ti=1: the tag goes in after the MAC addresses. */
    make_frame(f, PEER, 0x0800, 100, 2);
    memcpy(R.ram + TX_BUFS, f, 100);
    R.sent = 0;
    xmit(0, (const struct piece[]){ { TX_BUFS, 100 } }, 1, 0, VMXNET3_TXD_TI | 0x2123u << 16);
    s = R.sent_frame[0];
    CHECK(R.sent == 1 && R.sent_len[0] == 104 && be16(s + 12) == 0x8100 && be16(s + 14) == 0x2123 &&
              !memcmp(s, f, 12) && !memcmp(s + 16, f + 12, 88),
          "VLAN insert: 802.1Q tag 0x2123 inserted");
}

/* A backend that checksums and segments itself gets packets whole. */
static void test_tx_offloads_to_backend(void)
{
    uint8_t f[2600], *s;
    const struct vmxnet3_offload *o;

    open_nic(1);
    vmxnet3_set_tx_offload(R.n, true);
    /* om=CSUM: the frame as the driver made it, and where its sum goes. */
    make_frame(f, PEER, 0x0800, 142, 1);
    memcpy(f + 14, (const uint8_t[]){ 0x45, 0, 0, 128, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2 }, 20);
    put_be16(f + 40, fold(sum16(f + 26, 8) + 17 + 108));
    memcpy(R.ram + TX_BUFS, f, 142);
    R.sent = 0;
    xmit(0, (const struct piece[]){ { TX_BUFS, 142 } }, 1, 40u << 18, 34 | VMXNET3_OM_CSUM << 10);
    o = &R.sent_off[0];
    CHECK(R.sent == 1 && R.sent_len[0] == 142 && !memcmp(R.sent_frame[0], f, 142),
          "offloads to the backend: a CSUM frame goes out unchanged");
    CHECK(o->kind == VMXNET3_TX_CSUM && o->csum_start == 34 && o->csum_offset == 6,
          "offloads to the backend: ... with the sum's start 34 and field +6 (%u, %u, %u)", o->kind, o->csum_start,
          o->csum_offset);
    xmit(0, (const struct piece[]){ { TX_BUFS, 142 } }, 1, 20u << 18, 34 | VMXNET3_OM_CSUM << 10);
    CHECK_EQ(R.sent, 1, "offloads to the backend: a CSUM field before the sum's start is still dropped");

    /* om=TSO with the IPv4 length and checksum left 0, as a driver may:
     * one packet, its headers those of the whole, the TCP field the
     * pseudo-header sum over the whole TCP length. */
    make_frame(f, PEER, 0x0800, 2554, 9);
    memcpy(f + 14, (const uint8_t[]){ 0x45, 0, 0, 0, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2 }, 20);
    memcpy(f + 34,
           (const uint8_t[]){ 0x04, 0xD2, 0, 80, 1, 0, 0, 0, 0, 0, 0, 0, 0x50, 0x19, 0xFF, 0xFF, 0xAB, 0xCD, 0, 0 }, 20);
    memcpy(R.ram + TX_DATA, f, 54);
    memcpy(R.ram + TX_BUFS, f + 54, 2500);
    R.sent = 0;
    xmit(0, (const struct piece[]){ { TX_DATA, 54 }, { TX_BUFS, 2500 } }, 2, 1000u << 18, 54 | VMXNET3_OM_TSO << 10);
    s = R.sent_frame[0];
    o = &R.sent_off[0];
    CHECK(R.sent == 1 && R.sent_len[0] == 2554, "offloads to the backend: a TSO packet goes out whole (%u frames)",
          R.sent);
    CHECK(o->kind == VMXNET3_TX_TSO4 && o->hdr_len == 54 && o->mss == 1000 && o->csum_start == 34 &&
              o->csum_offset == 16,
          "offloads to the backend: ... as TSO4, headers 54, MSS 1000, sum at 34+16");
    CHECK(be16(s + 16) == 2540 && fold(sum16(s + 14, 20)) == 0xFFFF,
          "offloads to the backend: ... IP length 2540 and a valid header checksum");
    CHECK_EQ(be16(s + 50), fold(sum16(s + 26, 8) + 6 + 2520),
             "offloads to the backend: ... the TCP field is the pseudo-header sum over 2520 bytes");
    CHECK(!memcmp(s + 34, f + 34, 16) && !memcmp(s + 52, f + 52, 2502) && !memcmp(s, f, 16),
          "offloads to the backend: ... and nothing else changed");

    /* The same with an 802.1Q tag inserted: the offsets move with it. */
    memcpy(R.ram + TX_DATA, f, 54);
    R.sent = 0;
    xmit(0, (const struct piece[]){ { TX_DATA, 54 }, { TX_BUFS, 2500 } }, 2, 1000u << 18,
         54 | VMXNET3_OM_TSO << 10 | VMXNET3_TXD_TI | 0x0005u << 16);
    o = &R.sent_off[0];
    CHECK(R.sent == 1 && R.sent_len[0] == 2558 && be16(R.sent_frame[0] + 12) == 0x8100 && o->hdr_len == 58 &&
              o->csum_start == 38 && o->csum_offset == 16,
          "offloads to the backend: a tagged TSO packet names headers 58 and the sum at 38+16");

    /* TSO over IPv6: the payload length of the whole. */
    tso6_frame(f);
    memcpy(R.ram + TX_BUFS, f, 1574);
    R.sent = 0;
    xmit(0, (const struct piece[]){ { TX_BUFS, 1574 } }, 1, 700u << 18, 74 | VMXNET3_OM_TSO << 10);
    s = R.sent_frame[0];
    o = &R.sent_off[0];
    CHECK(R.sent == 1 && o->kind == VMXNET3_TX_TSO6 && o->hdr_len == 74 && o->mss == 700 && be16(s + 18) == 1520 &&
              be16(s + 70) == fold(sum16(s + 22, 32) + 6 + 1520),
          "offloads to the backend: TSO6 whole, payload length 1520, the TCP field the pseudo-header sum");
    vmxnet3_set_tx_offload(R.n, false);
}

static void test_receive(void)
{
    uint8_t f[3000];
    struct rcd c[4];

    open_nic(1);
    make_frame(f, MAC, 0x0800, 100, 7);
    CHECK_EQ(vmxnet3_receive(R.n, f, 100), 0, "RX: a unicast frame to our MAC is taken");
    CHECK(!memcmp(R.ram + rx_buf(0, 0), f, 100), "RX: it is in ring 0's first HEAD buffer");
    CHECK_EQ(rx_poll(c, 4, true), 1, "RX: one completion");
    CHECK(c[0].idx == 0 && c[0].sop && c[0].eop && c[0].rqid == 0 && c[0].len == 100 && c[0].type == 3 && c[0].cnc,
          "RX: completion idx 0, SOP+EOP, rqID 0, len 100, type 3, checksum not calculated");
    CHECK(R.line && R.rises == 1, "RX: interrupt raised");
    CHECK_EQ(icr(), 1, "RX: ICR says ours");
    CHECK(!R.line, "RX: ICR read cleared it");
    pt_wr(VMXNET3_REG_IMR, 0);

    pt_wr(VMXNET3_REG_IMR, 1);
    vmxnet3_receive(R.n, f, 100);
    CHECK(!R.line && R.rises == 1, "RX: IMR masks the interrupt");
    pt_wr(VMXNET3_REG_IMR, 0);
    CHECK(R.line && R.rises == 2, "RX: unmasking delivers the pending one");
    icr();
    pt_wr(VMXNET3_REG_IMR, 0);
    rx_poll(c, 4, true);

    /* Bigger than the 1522-byte HEAD buffer: the rest goes to ring 1. */
    make_frame(f, MAC, 0x0800, 3000, 11);
    CHECK_EQ(vmxnet3_receive(R.n, f, 3000), 0, "RX span: a 3000-byte frame is taken");
    CHECK_EQ(rx_poll(c, 4, true), 2, "RX span: two completions");
    CHECK(c[0].sop && !c[0].eop && c[0].rqid == 0 && c[0].idx == 2 && c[0].len == HEAD_LEN,
          "RX span: first is SOP in ring 0 HEAD slot 2, 1522 bytes");
    CHECK(!c[1].sop && c[1].eop && c[1].rqid == 1 && c[1].idx == 0 && c[1].len == 3000 - HEAD_LEN,
          "RX span: second is EOP in ring 1 (rqID 1) slot 0, 1478 bytes");
    CHECK(!memcmp(R.ram + rx_buf(0, 2), f, HEAD_LEN) && !memcmp(R.ram + rx_buf(1, 0), f + HEAD_LEN, 3000 - HEAD_LEN),
          "RX span: the bytes split across the two buffers");
    cmd(VMXNET3_CMD_GET_STATS);
    CHECK_EQ(r64(QDESC_PA + 256 + VMXNET3_Q_STATS + 8 * VMXNET3_STAT_UCAST_PKTS), 3,
             "GET_STATS: three unicast frames received");
}

static void test_rx_filter(void)
{
    uint8_t f[200];
    struct rcd c[4];
    static const uint8_t other[6] = { 0x00, 0x0C, 0x29, 0xAA, 0xBB, 0xCC };

    open_nic(1);
    make_frame(f, other, 0x0800, 100, 1);
    CHECK_EQ(vmxnet3_receive(R.n, f, 100), VMXNET3_RX_FILTERED, "filter: unicast to another MAC dropped");
    CHECK_EQ(rx_poll(c, 4, true), 0, "filter: and nothing completed");
    make_frame(f, BCAST, 0x0806, 60, 1);
    CHECK_EQ(vmxnet3_receive(R.n, f, 60), 0, "filter: broadcast accepted with BCAST");
    make_frame(f, MC1, 0x0800, 60, 1);
    CHECK_EQ(vmxnet3_receive(R.n, f, 60), 0, "filter: multicast in the table accepted");
    make_frame(f, MC2, 0x0800, 60, 1);
    CHECK_EQ(vmxnet3_receive(R.n, f, 60), VMXNET3_RX_FILTERED, "filter: multicast not in the table dropped");
    g32(DS_PA + VMXNET3_DS_RX_MODE, VMXNET3_RXM_UCAST | VMXNET3_RXM_BCAST | VMXNET3_RXM_ALL_MULTI);
    cmd(VMXNET3_CMD_UPDATE_RX_MODE);
    CHECK_EQ(vmxnet3_receive(R.n, f, 60), 0, "filter: ALL_MULTI takes any multicast");
    g32(DS_PA + VMXNET3_DS_RX_MODE, VMXNET3_RXM_UCAST);
    cmd(VMXNET3_CMD_UPDATE_RX_MODE);
    make_frame(f, BCAST, 0x0806, 60, 1);
    CHECK_EQ(vmxnet3_receive(R.n, f, 60), VMXNET3_RX_FILTERED, "filter: broadcast dropped without BCAST");
    g32(DS_PA + VMXNET3_DS_RX_MODE, VMXNET3_RXM_UCAST | VMXNET3_RXM_PROMISC);
    cmd(VMXNET3_CMD_UPDATE_RX_MODE);
    make_frame(f, other, 0x0800, 100, 1);
    CHECK_EQ(vmxnet3_receive(R.n, f, 100), 0, "filter: promiscuous takes unicast to another MAC");
    rx_poll(c, 4, true);

    /* VLAN: VID 5 is not in the table until the driver adds it; with
     * the RXVLAN feature the tag is stripped into the completion. */
    g32(DS_PA + VMXNET3_DS_RX_MODE, VMXNET3_RXM_UCAST | VMXNET3_RXM_BCAST);
    cmd(VMXNET3_CMD_UPDATE_RX_MODE);
    make_frame(f, MAC, 0x8100, 104, 4);
    put_be16(f + 14, 0x6005);
    put_be16(f + 16, 0x0800);
    CHECK_EQ(vmxnet3_receive(R.n, f, 104), VMXNET3_RX_FILTERED, "VLAN: VID 5 dropped while not in vfTable");
    g32(DS_PA + VMXNET3_DS_VF_TABLE, 1 | 1 << 5);
    cmd(VMXNET3_CMD_UPDATE_VLAN_FILTERS);
    CHECK_EQ(vmxnet3_receive(R.n, f, 104), 0, "VLAN: VID 5 accepted once added");
    CHECK(rx_poll(c, 4, true) == 1 && c[0].ts && c[0].tci == 0x6005 && c[0].len == 100,
          "VLAN: tag stripped into the completion (ts, tci 0x6005)");
    uint32_t buf = rx_buf(0, c[0].idx);
    CHECK(!memcmp(R.ram + buf, f, 12) && !memcmp(R.ram + buf + 12, f + 16, 88), "VLAN: frame delivered untagged");
    g64(DS_PA + VMXNET3_DS_FEATURES, VMXNET3_F_RXCSUM);
    cmd(VMXNET3_CMD_UPDATE_FEATURE);
    vmxnet3_receive(R.n, f, 104);
    CHECK(rx_poll(c, 4, true) == 1 && !c[0].ts && c[0].len == 104, "VLAN: without RXVLAN the tag stays in the frame");
}

static void test_rx_no_buffer(void)
{
    uint8_t f[100];
    struct rcd c[40];
    int taken = 0, r;

    open_nic(1);
    make_frame(f, MAC, 0x0800, sizeof f, 1);
    while ((r = vmxnet3_receive(R.n, f, sizeof f)) == 0 && taken < 100)
        taken++;
    CHECK_EQ(taken, RX0_SIZE - 1, "no buffer: the 31 buffers the driver gave are used");
    CHECK_EQ(r, -ENOSPC, "no buffer: then -ENOSPC");
    CHECK_EQ(vmxnet3_receive(R.n, f, sizeof f), -ENOSPC, "no buffer: and again");
    cmd(VMXNET3_CMD_GET_STATS);
    CHECK_EQ(r64(QDESC_PA + 256 + VMXNET3_Q_STATS + 8 * VMXNET3_STAT_RX_OUT_OF_BUF), 2,
             "no buffer: counted in pktsRxOutOfBuf");
    CHECK_EQ(rx_poll(c, 40, true), RX0_SIZE - 1, "no buffer: no completion for a dropped frame");
    CHECK_EQ(vmxnet3_receive(R.n, f, sizeof f), 0, "no buffer: taken again after the driver refills");
}

static void test_rx_wrap(void)
{
    uint8_t f[80];
    struct rcd c[2];
    bool ok = true, gen_flip = false;

    open_nic(1);
    for (unsigned i = 0; i < 70; i++) {
        make_frame(f, MAC, 0x0800, sizeof f, (uint8_t)i);
        bool before = R.rx_comp_gen;
        ok = ok && vmxnet3_receive(R.n, f, sizeof f) == 0 && rx_poll(c, 2, true) == 1 && c[0].idx == i % RX0_SIZE &&
             !memcmp(R.ram + rx_buf(0, c[0].idx), f, sizeof f);
        if (i == RXC_SIZE - 1)
            gen_flip = before && !R.rx_comp_gen;
    }
    CHECK(ok, "RX wrap: 70 frames through 32 ring slots, in slot order, data intact");
    CHECK(gen_flip, "RX wrap: the 64th completion ends the lap and the driver's gen flips");
    CHECK_EQ(R.rx_comp_next, 70 - RXC_SIZE, "RX wrap: completions on the second lap (gen 0) are seen");
}

static void test_link(void)
{
    uint8_t f[100];

    open_nic(1);
    vmxnet3_set_link(R.n, false);
    CHECK_EQ(r32(DS_PA + VMXNET3_DS_ECR), VMXNET3_ECR_LINK, "link down: ECR LINK set in DriverShared");
    CHECK(R.line && R.rises == 1, "link down: event interrupt raised");
    CHECK_EQ(icr(), 1, "link down: ICR says ours");
    CHECK_EQ(vd_rd(VMXNET3_REG_ECR), VMXNET3_ECR_LINK, "link down: ECR register mirrors it");
    vd_wr(VMXNET3_REG_ECR, VMXNET3_ECR_LINK);
    CHECK_EQ(r32(DS_PA + VMXNET3_DS_ECR), 0, "link down: the driver's ECR write acknowledges it");
    CHECK_EQ(cmd(VMXNET3_CMD_GET_LINK), 0, "link down: GET_LINK 0");
    make_frame(f, MAC, 0x0800, sizeof f, 1);
    CHECK_EQ(vmxnet3_receive(R.n, f, sizeof f), -ENETDOWN, "link down: receive refused");
    memcpy(R.ram + TX_BUFS, f, sizeof f);
    uint32_t eop = xmit(0, (const struct piece[]){ { TX_BUFS, 100 } }, 1, 0, 0);
    CHECK(R.sent == 0 && tx_comp(0, NULL) == (int)eop, "link down: TX not sent but still completed");
    pt_wr(VMXNET3_REG_IMR, 0);
    icr();
    pt_wr(VMXNET3_REG_IMR, 0);
    vmxnet3_set_link(R.n, true);
    CHECK(r32(DS_PA + VMXNET3_DS_ECR) == VMXNET3_ECR_LINK && R.line && cmd(VMXNET3_CMD_GET_LINK) == (10000u << 16 | 1),
          "link up: event again and GET_LINK up");
    icr();
    vd_wr(VMXNET3_REG_ECR, VMXNET3_ECR_LINK);
    pt_wr(VMXNET3_REG_IMR, 0);
    int rises = R.rises;
    vmxnet3_set_link(R.n, true);
    CHECK(R.rises == rises && !R.line && r32(DS_PA + VMXNET3_DS_ECR) == 0, "link: no event when nothing changed");
}

static void test_reset(void)
{
    uint8_t f[100];

    open_nic(1);
    make_frame(f, MAC, 0x0800, sizeof f, 1);
    memcpy(R.ram + TX_BUFS, f, sizeof f);
    cmd(VMXNET3_CMD_QUIESCE_DEV);
    CHECK_EQ(vmxnet3_receive(R.n, f, sizeof f), -ENETDOWN, "QUIESCE: receive stops");
    xmit(0, (const struct piece[]){ { TX_BUFS, 100 } }, 1, 0, 0);
    CHECK(R.sent == 0 && tx_comp(0, NULL) == -1, "QUIESCE: the doorbell is ignored");
    cmd(VMXNET3_CMD_RESET_DEV);
    CHECK_EQ(pt_rd(VMXNET3_REG_IMR), 1, "RESET_DEV: vector masked again");
    CHECK(!R.line, "RESET_DEV: line low");
    /* Linux's reset work: the rings are rebuilt, then ACTIVATE again. */
    prepare(1);
    CHECK_EQ(activate(MAC), 0, "RESET_DEV: activates again");
    start();
    xmit(0, (const struct piece[]){ { TX_BUFS, 100 } }, 1, 0, 0);
    CHECK(R.sent == 1 && tx_comp(0, NULL) == 0, "RESET_DEV: TX works from slot 0 after re-activation");
    CHECK_EQ(vmxnet3_receive(R.n, f, sizeof f), 0, "RESET_DEV: RX works after re-activation");

    vd_wr(VMXNET3_REG_MACL, 0x04030201);
    vd_wr(VMXNET3_REG_MACH, 0x0605);
    vmx_device_reset(&R.n->device);
    CHECK(vd_rd(VMXNET3_REG_VRRS) == 0xBADBAD && cfg_read(PCI_BAR0, 4) == 0 && cfg_read(PCI_COMMAND, 2) == 0,
          "VM reset: config space back to power-on, BARs unassigned");
    CHECK(!R.line && vmxnet3_receive(R.n, f, sizeof f) == -ENETDOWN, "VM reset: inactive, line low");
    cfg_write(PCI_BAR0 + 4, 4, BAR1_ADDR);
    cfg_write(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    CHECK_EQ(vd_rd(VMXNET3_REG_MACL), 0x12290C00, "VM reset: the permanent MAC is back");
}

/* ACTIVATE with one thing wrong: a non-zero read-back, nothing active. */
static bool activate_fails(void (*spoil)(void))
{
    setup();
    prepare(1);
    spoil();
    uint32_t r = activate(MAC);
    uint8_t f[60];

    make_frame(f, MAC, 0x0800, sizeof f, 1);
    return r != 0 && vmxnet3_receive(R.n, f, sizeof f) == -ENETDOWN;
}

static void spoil_dsa_outside(void)
{
    g32(DS_PA, 0);
    vd_wr(VMXNET3_REG_DSAL, RAM_SIZE + 0x1000);
}

static void spoil_magic(void)
{
    g32(DS_PA, 0xBABEFEE2);
}

static void spoil_txring_zero(void)
{
    g32(QDESC_PA + VMXNET3_TQ_RING_SIZE, 0);
}

static void spoil_txring_odd(void)
{
    g32(QDESC_PA + VMXNET3_TQ_RING_SIZE, 33);
}

static void spoil_txring_huge(void)
{
    g32(QDESC_PA + VMXNET3_TQ_RING_SIZE, 0x80000000);
}

static void spoil_txring_base(void)
{
    g64(QDESC_PA + VMXNET3_TQ_RING_PA, RAM_SIZE - 256);
}

static void spoil_rxcomp_small(void)
{
    g32(QDESC_PA + 256 + VMXNET3_RQ_COMP_SIZE, 32);
}

static void spoil_rxring_wraps(void)
{
    g64(QDESC_PA + 256 + VMXNET3_RQ_RING0_PA, UINT64_MAX - 255);
}

static void spoil_num_txq(void)
{
    R.ram[DS_PA + VMXNET3_DS_NUM_TXQ] = 9;
}

static void spoil_num_rxq(void)
{
    R.ram[DS_PA + VMXNET3_DS_NUM_RXQ] = 2;
}

static void spoil_qdesc(void)
{
    g64(DS_PA + VMXNET3_DS_QDESC_PA, RAM_SIZE - 128);
}

static void spoil_master(void)
{
    cfg_write(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
}

static void test_bad_activate(void)
{
    CHECK(activate_fails(spoil_dsa_outside), "bad: DriverShared outside RAM");
    CHECK(activate_fails(spoil_magic), "bad: wrong magic");
    CHECK(activate_fails(spoil_txring_zero), "bad: TX ring size 0");
    CHECK(activate_fails(spoil_txring_odd), "bad: TX ring size 33 (not a multiple of 32)");
    CHECK(activate_fails(spoil_txring_huge), "bad: TX ring size 2^31");
    CHECK(activate_fails(spoil_txring_base), "bad: TX ring running past the end of RAM");
    CHECK(activate_fails(spoil_rxcomp_small), "bad: RX completion ring smaller than both rings");
    CHECK(activate_fails(spoil_rxring_wraps), "bad: RX ring base wrapping the address space");
    CHECK(activate_fails(spoil_num_txq), "bad: 9 TX queues");
    CHECK(activate_fails(spoil_num_rxq), "bad: 2 RX queues under INTx");
    CHECK(activate_fails(spoil_qdesc), "bad: queue descriptors straddling the end of RAM");
    CHECK(activate_fails(spoil_master), "bad: no DMA without bus mastering");

    setup();
    prepare(1);
    g32(QDESC_PA + 256 + VMXNET3_RQ_RING1_SIZE, 0);
    CHECK_EQ(activate(MAC), 0, "ring 1 may be empty");
}

static void test_bad_tx(void)
{
    uint8_t f[200];
    bool gen;

    open_nic(1);
    make_frame(f, PEER, 0x0800, sizeof f, 1);
    memcpy(R.ram + TX_BUFS, f, sizeof f);

    uint32_t eop = xmit(0, (const struct piece[]){ { TX_BUFS, 100 }, { RAM_SIZE - 50, 100 } }, 2, 0, 0);
    CHECK(R.sent == 0 && tx_comp(0, NULL) == (int)eop, "bad TX: buffer outside RAM dropped, still completed");
    /* TSO headers (in f) and four 16 KiB buffers: 54 bytes over 64 KiB. */
    memcpy(R.ram + TX_BUFS + 0x1000, (const uint8_t[]){ 0x45, 0, 0, 0, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1,
                                                         10, 0, 0, 2 }, 20);
    memcpy(R.ram + TX_BUFS, f, 14);
    memcpy(R.ram + TX_BUFS + 14, R.ram + TX_BUFS + 0x1000, 20);
    memset(R.ram + TX_BUFS + 34, 0, 20);
    R.ram[TX_BUFS + 34 + 12] = 0x50;
    eop = xmit(0,
               (const struct piece[]){ { TX_BUFS, 54 }, { TX_BUFS, 0 }, { TX_BUFS, 0 }, { TX_BUFS, 0 }, { TX_BUFS, 0 } },
               5, 1000u << 18, 54 | VMXNET3_OM_TSO << 10);
    CHECK(R.sent == 0 && tx_comp(0, NULL) == (int)eop, "bad TX: a TSO packet over 64 KiB dropped, completed");
    memcpy(R.ram + TX_BUFS, f, sizeof f);
    eop = xmit(0, (const struct piece[]){ { TX_BUFS, 5000 }, { TX_BUFS, 5000 } }, 2, 0, 0);
    CHECK(R.sent == 0 && tx_comp(0, NULL) == (int)eop, "bad TX: a 10000-byte frame without TSO dropped, completed");
    eop = xmit(0, (const struct piece[]){ { TX_BUFS, 200 } }, 1, 0, 20 | VMXNET3_OM_TSO << 10);
    CHECK(R.sent == 0 && tx_comp(0, NULL) == (int)eop, "bad TX: TSO without MSS or TCP headers dropped, completed");
    eop = xmit(0, (const struct piece[]){ { TX_BUFS, 200 } }, 1, 300u << 18, 34 | VMXNET3_OM_CSUM << 10);
    CHECK(R.sent == 0 && tx_comp(0, NULL) == (int)eop, "bad TX: checksum offset past the end dropped, completed");
    cmd(VMXNET3_CMD_GET_STATS);
    CHECK_EQ(r64(QDESC_PA + VMXNET3_Q_STATS + 8 * VMXNET3_STAT_TX_ERROR), 5, "bad TX: five counted as pktsTxError");
    xmit(0, (const struct piece[]){ { TX_BUFS, 200 } }, 1, 0, 0);
    CHECK(R.sent == 1 && !memcmp(R.sent_frame[0], f, sizeof f), "bad TX: the queue still sends good frames");
    tx_comp(0, NULL);

    /* A chain whose last descriptor has no EOP (the driver flipped its
     * SOP, the next slot is not the device's): the queue stops. */
    pt_wr(VMXNET3_REG_IMR, 0);
    icr();
    pt_wr(VMXNET3_REG_IMR, 0);
    struct drv_txq *t = &R.txq[0];
    uint32_t sop = t->fill, pa = TX_RING + sop * 16;
    g64(pa, TX_BUFS);
    g32(pa + 8, 100 | (t->gen ? VMXNET3_TXD_GEN : 0));
    g32(pa + 12, 0);
    g32(pa + 16 + 8, 100 | (t->gen ? VMXNET3_TXD_GEN : 0));
    g32(pa + 16 + 12, 0);
    g64(pa + 16, TX_BUFS);
    t->fill += 2;
    pt_wr(VMXNET3_REG_TXPROD, t->fill);
    CHECK(R.sent == 1 && tx_comp(0, &gen) == -1, "no EOP: nothing sent or completed");
    CHECK(R.ram[QDESC_PA + VMXNET3_Q_STOPPED] == 1 && r32(QDESC_PA + VMXNET3_Q_ERROR) == VMXNET3_ERR_NOEOP,
          "no EOP: queue status stopped, error NOEOP");
    CHECK(r32(DS_PA + VMXNET3_DS_ECR) == VMXNET3_ECR_TQERR && R.line, "no EOP: TQERR event raised");
    g32(pa + 16 + 12, VMXNET3_TXD_EOP);
    pt_wr(VMXNET3_REG_TXPROD, t->fill);
    CHECK_EQ(R.sent, 1, "no EOP: a stopped queue ignores its doorbell");
}

static void test_bad_rx(void)
{
    uint8_t f[VMXNET3_MAX_FRAME + 1];
    struct rcd c[4];

    open_nic(1);
    make_frame(f, MAC, 0x0800, sizeof f, 1);
    CHECK_EQ(vmxnet3_receive(R.n, f, 0), -EINVAL, "bad RX: empty frame refused");
    CHECK_EQ(vmxnet3_receive(R.n, f, 13), -EINVAL, "bad RX: 13 bytes refused");
    CHECK_EQ(vmxnet3_receive(R.n, f, VMXNET3_MAX_FRAME + 1), -EINVAL, "bad RX: over the maximum frame refused");
    CHECK_EQ(vmxnet3_receive(R.n, NULL, 60), -EINVAL, "bad RX: no frame refused");

    /* Buffers of one byte: more than a frame may span. */
    for (uint32_t i = 0; i < RX1_SIZE - 1; i++)
        rx_desc(1, i, rx_buf(1, i), 1, true, true);
    rx_desc(0, 0, rx_buf(0, 0), 1, false, true);
    CHECK_EQ(vmxnet3_receive(R.n, f, 100), -EFAULT, "bad RX: 1-byte buffers refused");
    CHECK(R.ram[QDESC_PA + 256 + VMXNET3_Q_STOPPED] == 1 &&
              r32(QDESC_PA + 256 + VMXNET3_Q_ERROR) == VMXNET3_ERR_SMALL_BUF,
          "bad RX: queue stopped with SMALL_BUF");
    CHECK(r32(DS_PA + VMXNET3_DS_ECR) == VMXNET3_ECR_RQERR && R.line, "bad RX: RQERR event raised");
    CHECK_EQ(vmxnet3_receive(R.n, f, 100), -ENETDOWN, "bad RX: a stopped queue takes nothing");
    CHECK_EQ(rx_poll(c, 4, false), 0, "bad RX: no completion written");

    open_nic(1);
    rx_desc(0, 0, RAM_SIZE - 10, HEAD_LEN, false, true);
    CHECK_EQ(vmxnet3_receive(R.n, f, 100), -EFAULT, "bad RX: buffer outside RAM refused");
    CHECK_EQ(r32(QDESC_PA + 256 + VMXNET3_Q_ERROR), VMXNET3_ERR_DESC, "bad RX: queue stopped with a descriptor error");

    open_nic(1);
    rx_desc(0, 0, rx_buf(0, 0), 0, false, true);
    CHECK_EQ(vmxnet3_receive(R.n, f, 100), -EFAULT, "bad RX: a 0-length HEAD buffer refused");

    /* Every ring 0 slot a BODY: no HEAD to start a frame in. */
    open_nic(1);
    for (uint32_t i = 0; i < RX0_SIZE; i++)
        rx_desc(0, i, rx_buf(0, i), HEAD_LEN, true, true);
    CHECK_EQ(vmxnet3_receive(R.n, f, 100), -ENOSPC, "bad RX: no HEAD buffer anywhere is no buffer");

    /* A multicast table too long to keep: all multicast passes. */
    open_nic(1);
    g16(DS_PA + VMXNET3_DS_MF_LEN, 0xFFFC);
    g64(DS_PA + VMXNET3_DS_MF_PA, UINT64_MAX - 8);
    cmd(VMXNET3_CMD_UPDATE_MAC_FILTERS);
    make_frame(f, MC2, 0x0800, 60, 1);
    CHECK_EQ(vmxnet3_receive(R.n, f, 60), 0, "bad mcast table: too long means all multicast");
    g16(DS_PA + VMXNET3_DS_MF_LEN, 12);
    cmd(VMXNET3_CMD_UPDATE_MAC_FILTERS);
    make_frame(f, MC1, 0x0800, 60, 1);
    CHECK_EQ(vmxnet3_receive(R.n, f, 60), VMXNET3_RX_FILTERED, "bad mcast table: unreadable means none");
}

static void test_bad_registers(void)
{
    open_nic(1);
    mmio_wr(BAR1_ADDR + VMXNET3_REG_MACH, 2, 0xFFFF);
    mmio_wr(BAR1_ADDR + VMXNET3_REG_MACH + 4, 4, 0xFFFF);
    CHECK_EQ(vd_rd(VMXNET3_REG_MACH), 0x5634, "registers: 16-bit and misaligned writes are ignored");
    CHECK_EQ(mmio_rd(BAR1_ADDR + VMXNET3_REG_CMD, 2), 0, "registers: a 16-bit read gives 0");
    for (uint32_t off = 0; off < VMXNET3_BAR_SIZE; off += 4) {
        if (off != VMXNET3_REG_CMD && off != VMXNET3_REG_DSAL && off != VMXNET3_REG_DSAH)
            vd_wr(off, 0xFFFFFFFF);
        pt_wr(off, 0xFFFFFFFF);
    }
    CHECK_EQ(cmd(0x12345678), 0, "registers: an unknown command reads back 0");
    CHECK_EQ(cmd(0xCAFEFFFF), 0, "registers: an unknown SET reads back 0");
    CHECK(vd_rd(VMXNET3_REG_VRRS) == 1 && pt_rd(VMXNET3_REG_IMR + 8 * 24) == 1 && pt_rd(VMXNET3_REG_IMR + 8 * 25) == 0,
          "registers: every offset written with all ones, the device still answers");
    vd_wr(VMXNET3_REG_DSAL, 0);
    vd_wr(VMXNET3_REG_DSAH, 0xFFFFFFFF);
    CHECK(cmd(VMXNET3_CMD_ACTIVATE_DEV) != 0, "registers: DriverShared at 0xFFFFFFFF00000000 fails ACTIVATE");
}

int main(void)
{
    test_config_space();
    test_probe();
    test_open();
    test_transmit();
    test_tx_wrap();
    test_msi();
    test_tx_offloads();
    test_tx_offloads_to_backend();
    test_receive();
    test_rx_filter();
    test_rx_no_buffer();
    test_rx_wrap();
    test_link();
    test_reset();
    test_bad_activate();
    test_bad_tx();
    test_bad_rx();
    test_bad_registers();
    free(R.ram);
    free(R.n);
    free(R.sent_frame);
    CHECK_DONE();
}
