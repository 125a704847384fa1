/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vmxnet3 model (vmxnet3.h).  Everything the guest wrote into memory is
 * read through vmx_dma_read/write, which refuse any range that is not all
 * RAM, and only while the function is a bus master.  Ring bases and sizes
 * are checked once at ACTIVATE_DEV (the whole ring must be RAM), indices
 * are the device's own, and every walk over a ring stops after one lap.
 * Broken descriptor chains stop the queue with an error code and raise the
 * event interrupt (Linux then resets the device); a malformed packet
 * within a sound chain is dropped, counted and still completed.
 */
#include "vmxnet3.h"
#include "be_bytes.h"

#include <errno.h>
#include <string.h>

#define NUM_INTR_MASK ((1u << VMXNET3_MAX_INTRS) - 1)
#define ETH_P_IP     0x0800
#define ETH_P_IPV6   0x86DD
#define ETH_P_8021Q  0x8100
#define ETH_P_8021AD 0x88A8
#define IPPROTO_TCP_ 6
#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

/* ---- byte order ---- */

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
    put_le32(p, (uint32_t)v);
    put_le32(p + 4, (uint32_t)(v >> 32));
}

/* ---- DMA ---- */

static bool bus_master(const struct vmxnet3 *n)
{
    return n->pci.cfg[PCI_COMMAND] & PCI_COMMAND_MASTER;
}

static bool dma_rd(const struct vmxnet3 *n, uint64_t gpa, void *buf, uint64_t len)
{
    return bus_master(n) && vmx_dma_read(n->plat, gpa, buf, len);
}

static bool dma_wr(const struct vmxnet3 *n, uint64_t gpa, const void *buf, uint64_t len)
{
    return bus_master(n) && vmx_dma_write(n->plat, gpa, buf, len);
}

static bool is_ram(const struct vmxnet3 *n, uint64_t gpa, uint64_t len)
{
    return bus_master(n) && vmx_guest_ram(n->plat, gpa, len) != NULL;
}

static bool rd32(const struct vmxnet3 *n, uint64_t gpa, uint32_t *v)
{
    uint8_t b[4];

    if (!dma_rd(n, gpa, b, 4))
        return false;
    *v = le32(b);
    return true;
}

static void wr32(const struct vmxnet3 *n, uint64_t gpa, uint32_t v)
{
    uint8_t b[4];

    put_le32(b, v);
    dma_wr(n, gpa, b, 4);
}

/* Writes a 16-byte completion descriptor: the body, then the dword with
 * the generation bit, so the driver never sees a half-written one. */
static void write_completion(const struct vmxnet3 *n, uint64_t gpa, const uint32_t dw[4])
{
    uint8_t b[16];

    for (unsigned i = 0; i < 4; i++)
        put_le32(b + 4 * i, dw[i]);
    dma_wr(n, gpa, b, 12);
    dma_wr(n, gpa + 12, b + 12, 4);
}

/*
 * A 16-byte ring descriptor whose gen bit (gen_bit of dword 2) must equal
 * gen for the slot to be the device's.  Dword 2 is read first and the rest
 * after it: the driver makes a slot's other fields valid before it flips
 * gen, and its vCPUs run while the device reads.  -1: not RAM; 0: not ours.
 */
static int read_desc(const struct vmxnet3 *n, uint64_t gpa, uint32_t gen_bit, bool gen, uint8_t d[16])
{
    uint32_t dw2;

    if (!rd32(n, gpa + 8, &dw2))
        return -1;
    if (!(dw2 & gen_bit) != !gen)
        return 0;
    return dma_rd(n, gpa, d, 16) ? 1 : -1;
}

static void advance(uint32_t *idx, bool *gen, uint32_t size)
{
    if (++*idx >= size) {
        *idx = 0;
        *gen = !*gen;
    }
}

/* ---- interrupts and events ---- */

/*
 * With MSI on, a pending interrupt on an unmasked vector is a message,
 * after which it is no longer pending (and with autoMask the vector is
 * masked until the driver writes IMR 0, as the ICR read does for INTx):
 * Linux's handler then reads no ICR, an exit fewer per interrupt.
 */
static bool send_msi(struct vmxnet3 *n)
{
    uint64_t address;
    uint32_t data;

    if (!pci_msi_message(&n->pci, &address, &data))
        return false;
    if (n->pending && !(n->imr & 1) && bus_master(n)) {
        n->pending = false;
        if (n->auto_mask)
            n->imr |= 1;
        vmx_msi_send(n->plat, address, data);
    }
    return true;
}

static void update_irq(struct vmxnet3 *n)
{
    bool level = !send_msi(n) && n->pending && !(n->imr & 1);

    if (level == n->irq_level)
        return;
    n->irq_level = level;
    /* PCI status bit 3: the function's INTx is asserted. */
    if (level)
        n->pci.cfg[PCI_STATUS] |= 0x08;
    else
        n->pci.cfg[PCI_STATUS] &= (uint8_t)~0x08;
    vmx_irq_set(n->plat, n->irq, level);
}

static void raise_irq(struct vmxnet3 *n)
{
    n->pending = true;
    update_irq(n);
}

/* Sets bits in DriverShared.ecr and raises the event interrupt. */
static void post_event(struct vmxnet3 *n, uint32_t bits)
{
    uint32_t ecr;

    if (!n->active || !rd32(n, n->ds_pa + VMXNET3_DS_ECR, &ecr))
        return;
    wr32(n, n->ds_pa + VMXNET3_DS_ECR, ecr | bits);
    raise_irq(n);
}

/* ICR: non-zero while the line is asserted; reading acknowledges, and
 * with autoMask also masks the vector until the driver writes IMR 0. */
static uint32_t read_icr(struct vmxnet3 *n)
{
    if (!n->irq_level)
        return 0;
    n->pending = false;
    if (n->auto_mask)
        n->imr |= 1;
    update_irq(n);
    return 1;
}

static void write_status(const struct vmxnet3 *n, uint64_t desc_pa, bool stopped, uint32_t error)
{
    uint8_t b[8] = { stopped };

    put_le32(b + 4, error);
    dma_wr(n, desc_pa + VMXNET3_Q_STOPPED, b, sizeof b);
}

static void stop_txq(struct vmxnet3 *n, struct vmxnet3_txq *t, uint32_t error)
{
    t->stopped = true;
    t->error = error;
    write_status(n, t->desc_pa, true, error);
    post_event(n, VMXNET3_ECR_TQERR);
}

static void stop_rxq(struct vmxnet3 *n, uint32_t error)
{
    n->rxq.stopped = true;
    n->rxq.error = error;
    write_status(n, n->rxq.desc_pa, true, error);
    post_event(n, VMXNET3_ECR_RQERR);
}

/* ---- activation and the DriverShared settings ---- */

/* Back to "no rings and no filters", as before ACTIVATE_DEV. */
static void forget_rings(struct vmxnet3 *n)
{
    n->active = false;
    n->ds_pa = 0;
    n->num_txq = 0;
    memset(n->txq, 0, sizeof n->txq);
    memset(&n->rxq, 0, sizeof n->rxq);
    n->features = 0;
    n->auto_mask = false;
    n->rx_mode = 0;
    memset(n->vf_table, 0, sizeof n->vf_table);
    n->num_mcast = 0;
    n->mcast_all = false;
}

/* What RESET_DEV and the VM reset share: no rings, all vectors masked. */
static void reset_state(struct vmxnet3 *n)
{
    forget_rings(n);
    n->imr = NUM_INTR_MASK;
    n->pending = false;
    n->cmd_result = 0;
    update_irq(n);
}

/* A descriptor ring of size 16-byte entries at pa: a multiple of 32, at
 * most max, all of it RAM.  An empty ring is allowed only for RX ring 1. */
static bool ring_ok(const struct vmxnet3 *n, uint64_t pa, uint32_t size, uint32_t max, bool may_be_empty)
{
    if (size == 0)
        return may_be_empty;
    return size % VMXNET3_RING_ALIGN == 0 && size <= max && is_ram(n, pa, (uint64_t)size * 16);
}

static bool setup_txq(struct vmxnet3 *n, struct vmxnet3_txq *t, uint64_t desc_pa)
{
    uint8_t d[0x50];

    if (!dma_rd(n, desc_pa, d, sizeof d))
        return false;
    *t = (struct vmxnet3_txq){
        .ring_pa = le64(d + VMXNET3_TQ_RING_PA), .comp_pa = le64(d + VMXNET3_TQ_COMP_PA),
        .desc_pa = desc_pa, .ring_size = le32(d + VMXNET3_TQ_RING_SIZE),
        .comp_size = le32(d + VMXNET3_TQ_COMP_SIZE), .gen = true, .comp_gen = true,
    };
    if (!ring_ok(n, t->ring_pa, t->ring_size, VMXNET3_RING_MAX, false) ||
        !ring_ok(n, t->comp_pa, t->comp_size, VMXNET3_RING_MAX, false))
        return false;
    write_status(n, desc_pa, false, 0);
    return true;
}

static bool setup_rxq(struct vmxnet3 *n, uint64_t desc_pa)
{
    struct vmxnet3_rxq *r = &n->rxq;
    uint8_t d[0x50];

    if (!dma_rd(n, desc_pa, d, sizeof d))
        return false;
    *r = (struct vmxnet3_rxq){
        .ring_pa = { le64(d + VMXNET3_RQ_RING0_PA), le64(d + VMXNET3_RQ_RING1_PA) },
        .comp_pa = le64(d + VMXNET3_RQ_COMP_PA), .desc_pa = desc_pa,
        .ring_size = { le32(d + VMXNET3_RQ_RING0_SIZE), le32(d + VMXNET3_RQ_RING1_SIZE) },
        .comp_size = le32(d + VMXNET3_RQ_COMP_SIZE),
        .gen = { true, true }, .comp_gen = true,
    };
    /* One completion per buffer: the ring must hold one for each. */
    if (!ring_ok(n, r->ring_pa[0], r->ring_size[0], VMXNET3_RING_MAX, false) ||
        !ring_ok(n, r->ring_pa[1], r->ring_size[1], VMXNET3_RING_MAX, true) ||
        !ring_ok(n, r->comp_pa, r->comp_size, VMXNET3_COMP_RING_MAX, false) ||
        r->comp_size < r->ring_size[0] + r->ring_size[1])
        return false;
    write_status(n, desc_pa, false, 0);
    return true;
}

static void load_features(struct vmxnet3 *n)
{
    uint8_t b[8];

    if (dma_rd(n, n->ds_pa + VMXNET3_DS_FEATURES, b, sizeof b))
        n->features = le64(b);
}

static void load_rx_mode(struct vmxnet3 *n)
{
    uint32_t mode;

    if (rd32(n, n->ds_pa + VMXNET3_DS_RX_MODE, &mode))
        n->rx_mode = mode;
}

static void load_vlan_filter(struct vmxnet3 *n)
{
    uint8_t b[sizeof n->vf_table];

    if (!dma_rd(n, n->ds_pa + VMXNET3_DS_VF_TABLE, b, sizeof b))
        return;
    for (unsigned i = 0; i < 128; i++)
        n->vf_table[i] = le32(b + 4 * i);
}

/* The driver frees the multicast table after the command, so it is
 * copied; one too long to keep lets all multicast through (Linux filters
 * again), one that is not RAM counts as empty. */
static void load_mcast(struct vmxnet3 *n)
{
    uint8_t b[16];
    unsigned count;

    n->num_mcast = 0;
    n->mcast_all = false;
    if (!dma_rd(n, n->ds_pa + VMXNET3_DS_MF_LEN, b, sizeof b))
        return;
    count = le16(b) / 6;
    if (count > VMXNET3_MAX_MCAST) {
        n->mcast_all = true;
        return;
    }
    if (count && dma_rd(n, le64(b + 4), n->mcast, (uint64_t)count * 6))
        n->num_mcast = count;
}

/* ACTIVATE_DEV: 0, or which check failed (the driver prints it). */
static uint32_t activate(struct vmxnet3 *n)
{
    uint8_t ds[VMXNET3_DS_SIZE];
    uint64_t pa = (uint64_t)n->dsah << 32 | n->dsal, qpa;
    unsigned ntx, nrx;

    forget_rings(n);
    if (!dma_rd(n, pa, ds, sizeof ds))
        return 1;
    if (le32(ds + VMXNET3_DS_MAGIC) != VMXNET3_MAGIC)
        return 2;
    ntx = ds[VMXNET3_DS_NUM_TXQ];
    nrx = ds[VMXNET3_DS_NUM_RXQ];
    qpa = le64(ds + VMXNET3_DS_QDESC_PA);
    if (ntx == 0 || ntx > VMXNET3_MAX_TX_QUEUES || nrx != 1)
        return 3;
    if (le32(ds + VMXNET3_DS_QDESC_LEN) < (ntx + nrx) * VMXNET3_QDESC_SIZE ||
        !is_ram(n, qpa, (uint64_t)(ntx + nrx) * VMXNET3_QDESC_SIZE))
        return 4;
    for (unsigned q = 0; q < ntx; q++)
        if (!setup_txq(n, &n->txq[q], qpa + (uint64_t)q * VMXNET3_QDESC_SIZE))
            return 5;
    if (!setup_rxq(n, qpa + (uint64_t)ntx * VMXNET3_QDESC_SIZE))
        return 6;
    n->ds_pa = pa;
    n->num_txq = ntx;
    n->auto_mask = ds[VMXNET3_DS_AUTO_MASK] != 0;
    load_features(n);
    load_rx_mode(n);
    load_vlan_filter(n);
    load_mcast(n);
    n->active = true;
    return 0;
}

/* GET_QUEUE_STATUS / GET_STATS: the device's view into the descriptors. */
static void write_queue_info(struct vmxnet3 *n, bool stats)
{
    uint8_t b[VMXNET3_NUM_STATS * 8];

    for (unsigned q = 0; q < n->num_txq; q++) {
        const struct vmxnet3_txq *t = &n->txq[q];
        if (!stats) {
            write_status(n, t->desc_pa, t->stopped, t->error);
            continue;
        }
        for (unsigned i = 0; i < VMXNET3_NUM_STATS; i++)
            put_le64(b + 8 * i, n->tx_stats[q][i]);
        dma_wr(n, t->desc_pa + VMXNET3_Q_STATS, b, sizeof b);
    }
    if (!stats) {
        write_status(n, n->rxq.desc_pa, n->rxq.stopped, n->rxq.error);
        return;
    }
    for (unsigned i = 0; i < VMXNET3_NUM_STATS; i++)
        put_le64(b + 8 * i, n->rx_stats[i]);
    dma_wr(n, n->rxq.desc_pa + VMXNET3_Q_STATS, b, sizeof b);
}

static uint32_t get_command(struct vmxnet3 *n, uint32_t cmd)
{
    switch (cmd) {
    case VMXNET3_CMD_GET_QUEUE_STATUS:
    case VMXNET3_CMD_GET_STATS:
        if (n->active)
            write_queue_info(n, cmd == VMXNET3_CMD_GET_STATS);
        return 0;
    case VMXNET3_CMD_GET_LINK:
        return n->link_up ? VMXNET3_LINK_UP : 0;
    case VMXNET3_CMD_GET_PERM_MAC_LO:
        return le32(n->perm_mac);
    case VMXNET3_CMD_GET_PERM_MAC_HI:
        return le16(n->perm_mac + 4);
    case VMXNET3_CMD_GET_DID_LO:
        return VMXNET3_PCI_DEVICE;
    case VMXNET3_CMD_GET_DID_HI:
        return VMXNET3_PCI_REVISION;
    case VMXNET3_CMD_GET_CONF_INTR:
        return VMXNET3_CONF_INTR;
    default:    /* extra info and the revision 3+ queries */
        return 0;
    }
}

static void command(struct vmxnet3 *n, uint32_t cmd)
{
    uint32_t result = 0;

    switch (cmd) {
    case VMXNET3_CMD_ACTIVATE_DEV:
        result = activate(n);
        break;
    case VMXNET3_CMD_QUIESCE_DEV:
        n->active = false;
        n->pending = false;
        update_irq(n);
        break;
    case VMXNET3_CMD_RESET_DEV:
        reset_state(n);
        break;
    case VMXNET3_CMD_UPDATE_RX_MODE:
    case VMXNET3_CMD_UPDATE_MAC_FILTERS:
    case VMXNET3_CMD_UPDATE_VLAN_FILTERS:
    case VMXNET3_CMD_UPDATE_FEATURE:
        if (!n->active)
            break;
        if (cmd == VMXNET3_CMD_UPDATE_RX_MODE)
            load_rx_mode(n);
        else if (cmd == VMXNET3_CMD_UPDATE_MAC_FILTERS)
            load_mcast(n);
        else if (cmd == VMXNET3_CMD_UPDATE_VLAN_FILTERS)
            load_vlan_filter(n);
        else
            load_features(n);
        break;
    default:
        /* The other SET commands (RSS, moderation, power management,
         * coalescing) configure nothing this model has. */
        result = cmd >= 0xF00D0000u ? get_command(n, cmd) : 0;
        break;
    }
    n->cmd_result = result;
}

/* ---- checksums ---- */

static uint64_t csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
    size_t i;

    for (i = 0; i + 1 < len; i += 2)
        sum += be16(p + i);
    if (i < len)
        sum += (uint64_t)p[i] << 8;
    return sum;
}

static uint16_t csum_fold(uint64_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)sum;
}

/* om = CSUM: the sum starts at start, inside the packet, and its field
 * at off lies within what it covers. */
static bool csum_fields_ok(size_t len, size_t start, size_t off)
{
    return start < len && off >= start && off + 2 <= len;
}

/* om = CSUM: the ones' complement sum from start to the end (the field
 * at off holds the driver's pseudo-header seed), complemented, at off.
 * 0 goes out as 0xFFFF, which means the same and keeps UDP's "none" free. */
static void csum_offload(uint8_t *pkt, size_t len, size_t start, size_t off)
{
    uint16_t c = (uint16_t)~csum_fold(csum_add(0, pkt + start, len - start));

    put_be16(pkt + off, c ? c : 0xFFFF);
}

/* ---- transmit ---- */

struct tx_pkt {
    uint32_t sop_dw2, sop_dw3;
    uint32_t eop;       /* index of the EOP descriptor */
    uint32_t used;      /* descriptors consumed */
    size_t len;
    bool bad;           /* a buffer that is not RAM, a bad type, too long */
};

/* Where a TSO packet's headers are, from what its first hlen bytes say. */
struct tso_hdr {
    size_t l3, l4, hlen;
    bool v6;
};

static void count_frame(uint64_t *st, const uint8_t *f, size_t len)
{
    static const uint8_t bcast[6] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
    unsigned k = !memcmp(f, bcast, 6) ? VMXNET3_STAT_BCAST_PKTS
                 : (f[0] & 1)         ? VMXNET3_STAT_MCAST_PKTS
                                      : VMXNET3_STAT_UCAST_PKTS;

    st[k]++;
    st[k + 1] += len;
}

/* To the backend; buf has 4 bytes of room past len for an 802.1Q tag,
 * which moves the headers an offload names by as much. */
static void emit(struct vmxnet3 *n, uint64_t *st, uint8_t *buf, size_t len, uint32_t sop_dw3,
                 const struct vmxnet3_offload *off)
{
    struct vmxnet3_offload moved;

    if (sop_dw3 & VMXNET3_TXD_TI) {
        memmove(buf + 16, buf + 12, len - 12);
        put_be16(buf + 12, ETH_P_8021Q);
        put_be16(buf + 14, (uint16_t)(sop_dw3 >> 16));
        len += 4;
        if (off) {
            moved = *off;
            moved.csum_start += 4;
            if (moved.hdr_len)
                moved.hdr_len += 4;
            off = &moved;
        }
    }
    count_frame(st, buf, len);
    if (n->tx)
        n->tx(n->tx_ctx, buf, len, off);
}

static bool parse_tso(const uint8_t *pkt, size_t hlen, struct tso_hdr *h)
{
    size_t off = 12;
    uint16_t type = be16(pkt + off);

    /* In-band tags (QinQ, or a tag the stack left in the data). */
    for (unsigned i = 0; i < 2 && (type == ETH_P_8021Q || type == ETH_P_8021AD); i++) {
        off += 4;
        if (off + 2 > hlen)
            return false;
        type = be16(pkt + off);
    }
    h->l3 = off + 2;
    h->hlen = hlen;
    h->v6 = type == ETH_P_IPV6;
    if (type == ETH_P_IP) {
        if (h->l3 + 20 > hlen || pkt[h->l3] >> 4 != 4 || (pkt[h->l3] & 0xF) < 5 ||
            pkt[h->l3 + 9] != IPPROTO_TCP_)
            return false;
        h->l4 = h->l3 + (size_t)(pkt[h->l3] & 0xF) * 4;
    } else if (h->v6) {
        /* Extension headers are not walked: TCP must follow at once. */
        if (h->l3 + 40 > hlen || pkt[h->l3 + 6] != IPPROTO_TCP_)
            return false;
        h->l4 = h->l3 + 40;
    } else {
        return false;
    }
    /* hlen must end exactly where the TCP header (with options) does. */
    return h->l4 + 20 <= hlen && h->l4 + (size_t)(pkt[h->l4 + 12] >> 4) * 4 == hlen;
}

/* The IP header at ip of a packet whose IP part (header included) is
 * ip_len bytes: its length field, and for IPv4 the id moved on by id_add
 * and the header checksum.  Returns the TCP pseudo-header's address sum. */
static uint64_t fix_ip_header(uint8_t *ip, const struct tso_hdr *h, size_t ip_len, unsigned id_add)
{
    if (h->v6) {
        put_be16(ip + 4, (uint16_t)(ip_len - 40));
        return csum_add(0, ip + 8, 32);
    }
    put_be16(ip + 2, (uint16_t)ip_len);
    put_be16(ip + 4, (uint16_t)(be16(ip + 4) + id_add));
    put_be16(ip + 10, 0);
    put_be16(ip + 10, (uint16_t)~csum_fold(csum_add(0, ip, h->l4 - h->l3)));
    return csum_add(0, ip + 12, 8);
}

/* One TSO segment in seg: headers fixed for index i holding chunk bytes
 * of payload that sit at payload offset off; last is the final one. */
static void fix_segment(uint8_t *seg, const struct tso_hdr *h, unsigned i, size_t off, size_t chunk, bool last)
{
    size_t tcp_len = h->hlen - h->l4 + chunk;
    uint8_t *tcp = seg + h->l4;
    uint64_t sum = fix_ip_header(seg + h->l3, h, h->hlen - h->l3 + chunk, i);

    put_be32(tcp + 4, be32(tcp + 4) + (uint32_t)off);
    if (!last)
        tcp[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
    if (i)
        tcp[13] &= (uint8_t)~TCP_CWR;
    /* The full checksum, not the driver's seed: pseudo-header + segment. */
    put_be16(tcp + 16, 0);
    sum += IPPROTO_TCP_ + tcp_len;
    put_be16(tcp + 16, (uint16_t)~csum_fold(csum_add(sum, tcp, tcp_len)));
}

/*
 * A TSO packet to a backend that segments: its IP length and header
 * checksum made those of the whole packet (the driver zeroes the IPv4
 * checksum and may leave the length to the device), and the TCP checksum
 * field the pseudo-header sum over the whole TCP length, as the backend's
 * segmentation expects (the driver's seed leaves the length out).  The
 * guest's statistics count the segments it will become.
 */
static bool tso_whole(struct vmxnet3 *n, uint64_t *st, const struct tx_pkt *p, const struct tso_hdr *h, size_t mss)
{
    size_t payload = p->len - h->hlen, tcp_len = p->len - h->l4;
    size_t segs = (payload + mss - 1) / mss;

    if (p->len - h->l3 > 0xFFFF)
        return false;
    uint64_t sum = fix_ip_header(n->txbuf + h->l3, h, p->len - h->l3, 0);
    put_be16(n->txbuf + h->l4 + 16, csum_fold(sum + IPPROTO_TCP_ + tcp_len));
    st[VMXNET3_STAT_OFFLOAD_PKTS] += segs;
    st[VMXNET3_STAT_OFFLOAD_BYTES] += payload + segs * h->hlen;
    struct vmxnet3_offload off = {
        .kind = h->v6 ? VMXNET3_TX_TSO6 : VMXNET3_TX_TSO4, .csum_start = (uint16_t)h->l4, .csum_offset = 16,
        .hdr_len = (uint16_t)h->hlen, .mss = (uint16_t)mss,
    };
    emit(n, st, n->txbuf, p->len, p->sop_dw3, &off);
    return true;
}

/* om = TSO: hlen = all headers, msscof = MSS; false drops the packet. */
static bool tso(struct vmxnet3 *n, uint64_t *st, const struct tx_pkt *p)
{
    size_t hlen = p->sop_dw3 & 0x3FF, mss = p->sop_dw2 >> 18, off = 0, payload;
    struct tso_hdr h;
    unsigned i = 0;

    if (!mss || hlen > p->len || hlen + mss > VMXNET3_MAX_FRAME || !parse_tso(n->txbuf, hlen, &h))
        return false;
    if (n->tx_offload)
        return tso_whole(n, st, p, &h, mss);
    payload = p->len - hlen;
    do {
        size_t chunk = payload - off < mss ? payload - off : mss;
        bool last = off + chunk >= payload;

        memcpy(n->segbuf, n->txbuf, hlen);
        memcpy(n->segbuf + hlen, n->txbuf + hlen + off, chunk);
        fix_segment(n->segbuf, &h, i, off, chunk, last);
        st[VMXNET3_STAT_OFFLOAD_PKTS]++;
        st[VMXNET3_STAT_OFFLOAD_BYTES] += hlen + chunk;
        emit(n, st, n->segbuf, hlen + chunk, p->sop_dw3, NULL);
        off += chunk;
        i++;
    } while (off < payload);
    return true;
}

static void tx_deliver(struct vmxnet3 *n, unsigned q, const struct tx_pkt *p)
{
    uint64_t *st = n->tx_stats[q];
    unsigned om = p->sop_dw3 >> 10 & 3;
    size_t start = p->sop_dw3 & 0x3FF, at = p->sop_dw2 >> 18;   /* om CSUM: hlen and msscof */

    if (p->bad) {
        st[VMXNET3_STAT_TX_ERROR]++;
    } else if (!n->link_up) {
        st[VMXNET3_STAT_TX_DISCARD]++;
    } else if (om == VMXNET3_OM_TSO) {
        if (!tso(n, st, p))
            st[VMXNET3_STAT_TX_ERROR]++;
    } else if (p->len < VMXNET3_ETH_HLEN || p->len > VMXNET3_MAX_FRAME ||
               (om == VMXNET3_OM_CSUM && !csum_fields_ok(p->len, start, at))) {
        st[VMXNET3_STAT_TX_ERROR]++;
    } else if (om == VMXNET3_OM_CSUM && n->tx_offload) {
        struct vmxnet3_offload off = {
            .kind = VMXNET3_TX_CSUM, .csum_start = (uint16_t)start, .csum_offset = (uint16_t)(at - start),
        };
        emit(n, st, n->txbuf, p->len, p->sop_dw3, &off);
    } else {
        if (om == VMXNET3_OM_CSUM)
            csum_offload(n->txbuf, p->len, start, at);
        /* om ENCAP exists from revision 4 only; it is sent as is. */
        emit(n, st, n->txbuf, p->len, p->sop_dw3, NULL);
    }
}

/*
 * Gathers the packet at t->next into txbuf.  1: a packet (maybe bad) and
 * the ring position moved past its EOP; 0: nothing ready; -1: the chain
 * has no EOP (the driver flips the SOP's gen last, so a ready SOP means
 * the whole chain must be there) or the ring is unreadable, and the queue
 * is stopped.  A 0 length field means 16 KiB, as in the driver.
 */
static int tx_gather(struct vmxnet3 *n, struct vmxnet3_txq *t, struct tx_pkt *p)
{
    uint32_t idx = t->next;
    bool gen = t->gen;

    for (p->used = 0; p->used < t->ring_size; p->used++) {
        uint8_t d[16];
        uint32_t dw2, dw3, blen;
        int r = read_desc(n, t->ring_pa + (uint64_t)idx * 16, VMXNET3_TXD_GEN, gen, d);

        if (r < 0) {
            stop_txq(n, t, VMXNET3_ERR_DESC);
            return -1;
        }
        if (r == 0) {
            if (p->used == 0)
                return 0;
            break;
        }
        dw2 = le32(d + 8);
        dw3 = le32(d + 12);
        if (p->used == 0) {
            p->sop_dw2 = dw2;
            p->sop_dw3 = dw3;
        }
        blen = dw2 & 0x3FFF ? dw2 & 0x3FFF : 0x4000;
        if (!p->bad) {
            if ((dw2 & VMXNET3_TXD_DTYPE) || p->len + blen > VMXNET3_MAX_TX_PKT ||
                !dma_rd(n, le64(d), n->txbuf + p->len, blen))
                p->bad = true;
            else
                p->len += blen;
        }
        p->eop = idx;
        advance(&idx, &gen, t->ring_size);
        if (dw3 & VMXNET3_TXD_EOP) {
            p->used++;
            t->next = idx;
            t->gen = gen;
            return 1;
        }
    }
    stop_txq(n, t, VMXNET3_ERR_NOEOP);
    return -1;
}

static void tx_complete(struct vmxnet3 *n, struct vmxnet3_txq *t, uint32_t eop)
{
    uint32_t dw[4] = { eop & 0xFFF, 0, 0, t->comp_gen ? VMXNET3_CD_GEN : 0 };

    write_completion(n, t->comp_pa + (uint64_t)t->comp_next * 16, dw);
    advance(&t->comp_next, &t->comp_gen, t->comp_size);
}

/* TXPROD[q]: send what is ready, at most one lap of the ring. */
static void tx_doorbell(struct vmxnet3 *n, unsigned q)
{
    struct vmxnet3_txq *t;
    uint32_t budget;
    bool sent = false;

    if (!n->active || q >= n->num_txq || !bus_master(n))
        return;
    t = &n->txq[q];
    if (t->stopped)
        return;
    for (budget = t->ring_size; budget;) {
        struct tx_pkt p = { 0 };

        if (tx_gather(n, t, &p) <= 0)
            break;
        tx_deliver(n, q, &p);
        tx_complete(n, t, p.eop);
        sent = true;
        budget = p.used < budget ? budget - p.used : 0;
    }
    if (sent)
        raise_irq(n);
}

/* ---- receive ---- */

static bool vlan_allowed(const struct vmxnet3 *n, const uint8_t *f, size_t len)
{
    unsigned vid;

    if (len < 18 || be16(f + 12) != ETH_P_8021Q)
        return true;
    vid = be16(f + 14) & 0xFFF;
    return vid == 0 || (n->vf_table[vid >> 5] >> (vid & 31) & 1);
}

static bool rx_accept(const struct vmxnet3 *n, const uint8_t *f, size_t len)
{
    static const uint8_t bcast[6] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
    uint32_t m = n->rx_mode;

    if (m & VMXNET3_RXM_PROMISC)
        return true;
    if (!vlan_allowed(n, f, len))
        return false;
    if (!memcmp(f, bcast, 6))
        return m & VMXNET3_RXM_BCAST;
    if (f[0] & 1) {
        if (m & VMXNET3_RXM_ALL_MULTI)
            return true;
        if (!(m & VMXNET3_RXM_MCAST))
            return false;
        if (n->mcast_all)
            return true;
        for (unsigned i = 0; i < n->num_mcast; i++)
            if (!memcmp(f, n->mcast[i], 6))
                return true;
        return false;
    }
    return (m & VMXNET3_RXM_UCAST) && !memcmp(f, n->mac, 6);
}

struct rx_slot {
    uint64_t addr;
    uint32_t idx, len;
    unsigned ring;
};

/* The buffers a frame will use, found before anything is written. */
struct rx_plan {
    struct rx_slot slot[VMXNET3_MAX_RX_BUFS];
    unsigned count;
    uint32_t next[2];
    bool gen[2];
    uint32_t error;     /* for -EFAULT */
};

/* The descriptor at the plan's position in ring r, if the driver gave it. */
static bool rx_ready(const struct vmxnet3 *n, const struct rx_plan *pl, unsigned r, uint64_t *addr, uint32_t *dw2)
{
    uint8_t d[16];

    if (!n->rxq.ring_size[r] ||
        read_desc(n, n->rxq.ring_pa[r] + (uint64_t)pl->next[r] * 16, VMXNET3_RXD_GEN, pl->gen[r], d) <= 0)
        return false;
    *addr = le64(d);
    *dw2 = le32(d + 8);
    return true;
}

/* Takes the buffer at ring r's position for up to *left bytes. */
static int rx_take(struct vmxnet3 *n, struct rx_plan *pl, unsigned r, uint64_t addr, uint32_t dw2, size_t *left)
{
    uint32_t blen = dw2 & 0x3FFF, use;

    if (pl->count == VMXNET3_MAX_RX_BUFS || blen == 0) {
        pl->error = VMXNET3_ERR_SMALL_BUF;
        return -EFAULT;
    }
    use = *left < blen ? (uint32_t)*left : blen;
    if (!is_ram(n, addr, use)) {
        pl->error = VMXNET3_ERR_DESC;
        return -EFAULT;
    }
    pl->slot[pl->count++] = (struct rx_slot){ .addr = addr, .idx = pl->next[r], .len = use, .ring = r };
    advance(&pl->next[r], &pl->gen[r], n->rxq.ring_size[r]);
    *left -= use;
    return 0;
}

/*
 * A HEAD buffer from ring 0 (BODY ones before it are skipped, as the
 * driver allows), then BODY buffers: ring 0's next if it is one, else
 * ring 1's.  Linux BUG()s on a HEAD buffer in mid-frame, so none is used.
 */
static int rx_plan(struct vmxnet3 *n, struct rx_plan *pl, size_t len)
{
    struct vmxnet3_rxq *r = &n->rxq;
    uint64_t addr;
    uint32_t dw2;
    int err;

    memcpy(pl->next, r->next, sizeof pl->next);
    memcpy(pl->gen, r->gen, sizeof pl->gen);
    pl->count = 0;
    for (uint32_t skipped = 0;; skipped++) {
        if (skipped == r->ring_size[0] || !rx_ready(n, pl, 0, &addr, &dw2))
            return -ENOSPC;
        if (!(dw2 & VMXNET3_RXD_BTYPE_BODY))
            break;
        advance(&pl->next[0], &pl->gen[0], r->ring_size[0]);
    }
    if ((err = rx_take(n, pl, 0, addr, dw2, &len)))
        return err;
    while (len) {
        unsigned ring = 0;

        if (!rx_ready(n, pl, 0, &addr, &dw2) || !(dw2 & VMXNET3_RXD_BTYPE_BODY)) {
            ring = 1;
            if (!rx_ready(n, pl, 1, &addr, &dw2) || !(dw2 & VMXNET3_RXD_BTYPE_BODY))
                return -ENOSPC;
        }
        if ((err = rx_take(n, pl, ring, addr, dw2, &len)))
            return err;
    }
    return 0;
}

/* Copies the frame, writes one completion per buffer, moves the rings. */
static void rx_commit(struct vmxnet3 *n, const struct rx_plan *pl, const uint8_t *data, bool ts, uint16_t tci)
{
    struct vmxnet3_rxq *r = &n->rxq;
    size_t off = 0;

    for (unsigned i = 0; i < pl->count; i++) {
        const struct rx_slot *s = &pl->slot[i];
        bool last = i + 1 == pl->count;
        /* rqID: ring 0 of queue 0 is 0, its ring 1 is 0 + numRxQueues. */
        uint32_t dw[4] = {
            (s->idx & 0xFFF) | (i == 0 ? VMXNET3_RCD_SOP : 0) | (last ? VMXNET3_RCD_EOP : 0) |
                s->ring << 16 | VMXNET3_RCD_CNC,
            0,
            s->len | (last && ts ? VMXNET3_RCD_TS | (uint32_t)tci << 16 : 0),
            VMXNET3_CDTYPE_RXCOMP << 24 | (r->comp_gen ? VMXNET3_CD_GEN : 0),
        };

        dma_wr(n, s->addr, data + off, s->len);
        off += s->len;
        write_completion(n, r->comp_pa + (uint64_t)r->comp_next * 16, dw);
        advance(&r->comp_next, &r->comp_gen, r->comp_size);
    }
    memcpy(r->next, pl->next, sizeof r->next);
    memcpy(r->gen, pl->gen, sizeof r->gen);
}

void vmxnet3_set_tx_offload(struct vmxnet3 *n, bool on)
{
    n->tx_offload = on;
}

int vmxnet3_receive(struct vmxnet3 *n, const void *frame, size_t len)
{
    const uint8_t *f = frame;
    struct rx_plan pl;
    bool ts = false;
    uint16_t tci = 0;
    int err;

    if (!f || len < VMXNET3_ETH_HLEN || len > VMXNET3_MAX_FRAME)
        return -EINVAL;
    if (!n->active || n->rxq.stopped || !n->link_up || !bus_master(n))
        return -ENETDOWN;
    if (!rx_accept(n, f, len))
        return VMXNET3_RX_FILTERED;
    if ((n->features & VMXNET3_F_RXVLAN) && len >= 18 && be16(f + 12) == ETH_P_8021Q) {
        /* Strip the tag into the completion, as the driver asked. */
        tci = be16(f + 14);
        ts = true;
        memcpy(n->rxbuf, f, 12);
        memcpy(n->rxbuf + 12, f + 16, len - 16);
        f = n->rxbuf;
        len -= 4;
    }
    err = rx_plan(n, &pl, len);
    if (err == -ENOSPC) {
        n->rx_stats[VMXNET3_STAT_RX_OUT_OF_BUF]++;
        return err;
    }
    if (err) {
        n->rx_stats[VMXNET3_STAT_RX_ERROR]++;
        stop_rxq(n, pl.error);
        return err;
    }
    rx_commit(n, &pl, f, ts, tci);
    count_frame(n->rx_stats, f, len);
    raise_irq(n);
    return 0;
}

/* ---- registers ---- */

static uint32_t vd_read(struct vmxnet3 *n, uint64_t off)
{
    switch (off) {
    case VMXNET3_REG_VRRS:  /* revision 1 only, so the version 1 ABI */
    case VMXNET3_REG_UVRS:  /* UPT version 1 */
        return 1;
    case VMXNET3_REG_DSAL:
        return n->dsal;
    case VMXNET3_REG_DSAH:
        return n->dsah;
    case VMXNET3_REG_CMD:
        return n->cmd_result;
    case VMXNET3_REG_MACL:
        return le32(n->mac);
    case VMXNET3_REG_MACH:
        return le16(n->mac + 4);
    case VMXNET3_REG_ICR:
        return read_icr(n);
    case VMXNET3_REG_ECR: {
        uint32_t ecr = 0;
        if (n->active)
            rd32(n, n->ds_pa + VMXNET3_DS_ECR, &ecr);
        return ecr;
    }
    default:
        return 0;
    }
}

static void vd_write(struct vmxnet3 *n, uint64_t off, uint32_t v)
{
    uint32_t ecr;

    switch (off) {
    case VMXNET3_REG_DSAL:
        n->dsal = v;
        break;
    case VMXNET3_REG_DSAH:
        n->dsah = v;
        break;
    case VMXNET3_REG_CMD:
        command(n, v);
        break;
    case VMXNET3_REG_MACL:
        n->macl = v;
        break;
    case VMXNET3_REG_MACH:
        put_le32(n->mac, n->macl);
        n->mac[4] = (uint8_t)v;
        n->mac[5] = (uint8_t)(v >> 8);
        break;
    case VMXNET3_REG_ECR:
        if (n->active && rd32(n, n->ds_pa + VMXNET3_DS_ECR, &ecr))
            wr32(n, n->ds_pa + VMXNET3_DS_ECR, ecr & ~v);
        break;
    default:    /* VRRS/UVRS choose the only revision there is; ICR is read-only */
        break;
    }
}

static void pt_write(struct vmxnet3 *n, uint64_t off, uint32_t v)
{
    unsigned i = (unsigned)(off / 8);

    if (off < VMXNET3_REG_TXPROD) {
        if (i < VMXNET3_MAX_INTRS) {
            n->imr = (n->imr & ~(1u << i)) | (v & 1) << i;
            update_irq(n);
        }
    } else if (off < VMXNET3_REG_RXPROD) {
        tx_doorbell(n, i - VMXNET3_REG_TXPROD / 8);
    } else if (off < VMXNET3_REG_RXPROD2) {
        /* Free RX buffers are known by their gen bits; just remember it. */
        if (i == VMXNET3_REG_RXPROD / 8)
            n->rxq.prod[0] = v;
    } else if (i == VMXNET3_REG_RXPROD2 / 8) {
        n->rxq.prod[1] = v;
    }
}

/* Registers are 32-bit at 8-byte strides; other accesses read 0 and
 * write nothing. */
static uint64_t bar_read(void *dev, unsigned bar, uint64_t off, unsigned size)
{
    struct vmxnet3 *n = dev;

    if (size != 4 || (off & 7))
        return 0;
    if (bar == VMXNET3_BAR_VD)
        return vd_read(n, off);
    if (bar == VMXNET3_BAR_PT && off < VMXNET3_MAX_INTRS * 8)
        return n->imr >> (off / 8) & 1;
    return 0;
}

static void bar_write(void *dev, unsigned bar, uint64_t off, unsigned size, uint64_t value)
{
    struct vmxnet3 *n = dev;

    if (size != 4 || (off & 7))
        return;
    if (bar == VMXNET3_BAR_VD)
        vd_write(n, off, (uint32_t)value);
    else if (bar == VMXNET3_BAR_PT)
        pt_write(n, off, (uint32_t)value);
}

static const struct pci_bar_ops vmxnet3_bar_ops = { .read = bar_read, .write = bar_write };

/* ---- life cycle ---- */

/* Power-on config space; the owner's change hook survives a VM reset. */
static void init_config(struct vmxnet3 *n)
{
    pci_config_hook hook = n->pci.written;
    void *ctx = n->pci.ctx;

    pci_function_init(&n->pci, VMXNET3_PCI_VENDOR, VMXNET3_PCI_DEVICE, VMXNET3_PCI_REVISION,
                      VMXNET3_PCI_CLASS, VMXNET3_PCI_VENDOR, VMXNET3_PCI_DEVICE);
    pci_function_set_bar(&n->pci, VMXNET3_BAR_PT, VMXNET3_BAR_SIZE, 0);
    pci_function_set_bar(&n->pci, VMXNET3_BAR_VD, VMXNET3_BAR_SIZE, 0);
    pci_function_set_irq_pin(&n->pci, 1);      /* INTA# */
    pci_function_add_msi(&n->pci, VMXNET3_MSI_CAP);
    n->pci.bar_ops = &vmxnet3_bar_ops;
    n->pci.bar_dev = n;
    n->pci.written = hook;
    n->pci.ctx = ctx;
}

void vmxnet3_reset(struct vmxnet3 *n)
{
    reset_state(n);
    memcpy(n->mac, n->perm_mac, sizeof n->mac);
    n->macl = n->dsal = n->dsah = 0;
    memset(n->tx_stats, 0, sizeof n->tx_stats);
    memset(n->rx_stats, 0, sizeof n->rx_stats);
    init_config(n);
}

static void reset_op(void *dev)
{
    vmxnet3_reset(dev);
}

static const struct vmx_device_ops vmxnet3_ops = { .reset = reset_op };

void vmxnet3_init(struct vmxnet3 *n, const uint8_t mac[6], unsigned irq, const struct vmx_platform *plat,
                  vmxnet3_tx_fn tx, void *tx_ctx)
{
    memset(n, 0, sizeof *n);
    n->device = (struct vmx_device){ .name = "vmxnet3", .ops = &vmxnet3_ops, .dev = n };
    n->plat = plat;
    n->irq = irq;
    n->tx = tx;
    n->tx_ctx = tx_ctx;
    memcpy(n->perm_mac, mac, sizeof n->perm_mac);
    n->link_up = true;
    vmxnet3_reset(n);
}

void vmxnet3_set_link(struct vmxnet3 *n, bool up)
{
    if (n->link_up == up)
        return;
    n->link_up = up;
    post_event(n, VMXNET3_ECR_LINK);
}
