/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VMware vmxnet3 paravirtual NIC (PCI 15ad:07b0, revision 1 ABI) as Linux's
 * vmxnet3 driver uses it with legacy INTx: BAR0 (PT) holds the interrupt
 * masks and the doorbells, BAR1 (VD) the version, driver-shared address,
 * command, MAC, ICR and ECR registers.  The driver describes its rings in
 * guest memory (the DriverShared area and the queue descriptor table); on
 * a TXPROD doorbell the device gathers TX descriptors into frames, does the
 * checksum, TSO and VLAN-insertion offloads Linux always asks for, hands
 * each frame to a backend and writes TX completions; vmxnet3_receive puts
 * a frame from the backend into the RX rings and writes RX completions.
 * Ownership of every ring slot is the generation bit.  One RX queue, up to
 * eight TX queues (the driver picks that number from its CPU count).
 */
#ifndef SKERRY_VMX_VMXNET3_H
#define SKERRY_VMX_VMXNET3_H

#include <stddef.h>

#include "device.h"
#include "pci_config.h"

#define VMXNET3_PCI_VENDOR   0x15AD
#define VMXNET3_PCI_DEVICE   0x07B0
#define VMXNET3_PCI_REVISION 1
#define VMXNET3_PCI_CLASS    0x020000   /* Ethernet controller */
#define VMXNET3_BAR_PT       0          /* 4 KiB memory */
#define VMXNET3_BAR_VD       1          /* 4 KiB memory */
#define VMXNET3_BAR_SIZE     4096

/* BAR1 (VD) registers, 32 bits each, 8 bytes apart. */
#define VMXNET3_REG_VRRS 0x00   /* device revisions: read supported, write chosen */
#define VMXNET3_REG_UVRS 0x08   /* UPT versions, likewise */
#define VMXNET3_REG_DSAL 0x10   /* DriverShared physical address, low */
#define VMXNET3_REG_DSAH 0x18   /* ... high */
#define VMXNET3_REG_CMD  0x20   /* write: command; read: its result */
#define VMXNET3_REG_MACL 0x28   /* MAC bytes 0-3 */
#define VMXNET3_REG_MACH 0x30   /* MAC bytes 4-5 in bits 15:0; a write takes MACL with it */
#define VMXNET3_REG_ICR  0x38   /* INTx cause: read non-zero if asserted, and deasserts */
#define VMXNET3_REG_ECR  0x40   /* write 1s to clear DriverShared.ecr bits */

/* BAR0 (PT) registers. */
#define VMXNET3_REG_IMR     0x000   /* + 8 * vector: 1 masks, 0 unmasks */
#define VMXNET3_REG_TXPROD  0x600   /* + 8 * queue: TX doorbell */
#define VMXNET3_REG_RXPROD  0x800   /* + 8 * queue: RX ring 0 fill index */
#define VMXNET3_REG_RXPROD2 0xA00   /* + 8 * queue: RX ring 1 fill index */

/* Commands written to CMD. */
#define VMXNET3_CMD_ACTIVATE_DEV        0xCAFE0000u
#define VMXNET3_CMD_QUIESCE_DEV         0xCAFE0001u
#define VMXNET3_CMD_RESET_DEV           0xCAFE0002u
#define VMXNET3_CMD_UPDATE_RX_MODE      0xCAFE0003u
#define VMXNET3_CMD_UPDATE_MAC_FILTERS  0xCAFE0004u
#define VMXNET3_CMD_UPDATE_VLAN_FILTERS 0xCAFE0005u
#define VMXNET3_CMD_UPDATE_FEATURE      0xCAFE0009u
#define VMXNET3_CMD_GET_QUEUE_STATUS    0xF00D0000u
#define VMXNET3_CMD_GET_STATS           0xF00D0001u
#define VMXNET3_CMD_GET_LINK            0xF00D0002u
#define VMXNET3_CMD_GET_PERM_MAC_LO     0xF00D0003u
#define VMXNET3_CMD_GET_PERM_MAC_HI     0xF00D0004u
#define VMXNET3_CMD_GET_DID_LO          0xF00D0005u
#define VMXNET3_CMD_GET_DID_HI          0xF00D0006u
#define VMXNET3_CMD_GET_DEV_EXTRA_INFO  0xF00D0007u
#define VMXNET3_CMD_GET_CONF_INTR       0xF00D0008u

#define VMXNET3_LINK_UP   (10000u << 16 | 1)   /* GET_LINK: 10 Gb/s, up */
/* GET_CONF_INTR: type MSI (Linux tries MSI, then INTx), mask mode auto. */
#define VMXNET3_CONF_INTR 2u
#define VMXNET3_MSI_CAP   0x40  /* config-space offset of its MSI capability */

/* DriverShared layout (offsets from DSAH:DSAL). */
#define VMXNET3_DS_MAGIC        0x000
#define VMXNET3_DS_FEATURES     0x018   /* u64 UPT1 features */
#define VMXNET3_DS_QDESC_PA     0x028
#define VMXNET3_DS_QDESC_LEN    0x034
#define VMXNET3_DS_MTU          0x038
#define VMXNET3_DS_NUM_TXQ      0x03E
#define VMXNET3_DS_NUM_RXQ      0x03F
#define VMXNET3_DS_AUTO_MASK    0x050
#define VMXNET3_DS_NUM_INTRS    0x051
#define VMXNET3_DS_RX_MODE      0x078
#define VMXNET3_DS_MF_LEN       0x07C   /* u16, bytes */
#define VMXNET3_DS_MF_PA        0x080
#define VMXNET3_DS_VF_TABLE     0x088   /* 128 x u32 VLAN bitmap */
#define VMXNET3_DS_ECR          0x2B8
#define VMXNET3_DS_SIZE         0x2C0   /* what the device reads of it */
#define VMXNET3_MAGIC           0xBABEFEE1u

/* Queue descriptors: numTxQueues TX ones, then the RX ones, 256 bytes each. */
#define VMXNET3_QDESC_SIZE      256
#define VMXNET3_TQ_RING_PA      0x10
#define VMXNET3_TQ_COMP_PA      0x20
#define VMXNET3_TQ_RING_SIZE    0x38
#define VMXNET3_TQ_COMP_SIZE    0x40
#define VMXNET3_RQ_RING0_PA     0x10
#define VMXNET3_RQ_RING1_PA     0x18
#define VMXNET3_RQ_COMP_PA      0x20
#define VMXNET3_RQ_RING0_SIZE   0x38
#define VMXNET3_RQ_RING1_SIZE   0x3C
#define VMXNET3_RQ_COMP_SIZE    0x40
#define VMXNET3_Q_STOPPED       0x50    /* u8, written by the device */
#define VMXNET3_Q_ERROR         0x54    /* u32 */
#define VMXNET3_Q_STATS         0x58    /* 10 x u64 (UPT1 Tx/Rx stats) */

/* rxFilterConf.rxMode */
#define VMXNET3_RXM_UCAST     0x01
#define VMXNET3_RXM_MCAST     0x02
#define VMXNET3_RXM_BCAST     0x04
#define VMXNET3_RXM_ALL_MULTI 0x08
#define VMXNET3_RXM_PROMISC   0x10

/* uptFeatures */
#define VMXNET3_F_RXCSUM 0x1
#define VMXNET3_F_RSS    0x2
#define VMXNET3_F_RXVLAN 0x4
#define VMXNET3_F_LRO    0x8

/* DriverShared.ecr events */
#define VMXNET3_ECR_RQERR 0x1
#define VMXNET3_ECR_TQERR 0x2
#define VMXNET3_ECR_LINK  0x4

/* Queue error codes (QueueStatus.error when stopped). */
#define VMXNET3_ERR_NOEOP       0x80000000u /* a TX chain without an EOP descriptor */
#define VMXNET3_ERR_SMALL_BUF   0x80000004u /* RX buffers of length 0 or too many for a frame */
#define VMXNET3_ERR_DESC        0x80000007u /* a descriptor addressing memory that is not RAM */

/* Descriptor bits (dword 2 and 3 of the 16-byte descriptors). */
#define VMXNET3_TXD_GEN     (1u << 14)      /* dword 2 */
#define VMXNET3_TXD_DTYPE   (1u << 16)
#define VMXNET3_TXD_EOP     (1u << 12)      /* dword 3 */
#define VMXNET3_TXD_CQ      (1u << 13)
#define VMXNET3_TXD_TI      (1u << 15)
#define VMXNET3_OM_NONE 0
#define VMXNET3_OM_ENCAP 1
#define VMXNET3_OM_CSUM 2
#define VMXNET3_OM_TSO  3
#define VMXNET3_RXD_BTYPE_BODY (1u << 14)   /* dword 2; 0 is a HEAD buffer */
#define VMXNET3_RXD_GEN        (1u << 31)
#define VMXNET3_RCD_EOP     (1u << 14)      /* dword 0 */
#define VMXNET3_RCD_SOP     (1u << 15)
#define VMXNET3_RCD_CNC     (1u << 30)
#define VMXNET3_RCD_TS      (1u << 15)      /* dword 2 */
#define VMXNET3_CD_GEN      (1u << 31)      /* dword 3 of both completions */
#define VMXNET3_CDTYPE_RXCOMP 3

#define VMXNET3_MAX_TX_QUEUES  8
#define VMXNET3_MAX_INTRS      25
#define VMXNET3_RING_ALIGN     32       /* ring sizes are multiples of this */
#define VMXNET3_RING_MAX       4096
#define VMXNET3_COMP_RING_MAX  8192     /* RX completion ring */
#define VMXNET3_MAX_MCAST      32       /* more filters than this: all multicast */
#define VMXNET3_MAX_FRAME      9022     /* MTU 9000 + Ethernet header + two VLAN tags */
#define VMXNET3_MAX_TX_PKT     65536    /* a TSO packet before segmentation */
#define VMXNET3_MAX_RX_BUFS    16       /* RX buffers one frame may span */
#define VMXNET3_ETH_HLEN       14

/* vmxnet3_receive: the frame did not pass the receive filter. */
#define VMXNET3_RX_FILTERED 1

/* UPT1 statistics, in the order the queue descriptors hold them. */
#define VMXNET3_STAT_OFFLOAD_PKTS  0    /* TX: TSO segments; RX: LRO (never) */
#define VMXNET3_STAT_OFFLOAD_BYTES 1
#define VMXNET3_STAT_UCAST_PKTS    2
#define VMXNET3_STAT_UCAST_BYTES   3
#define VMXNET3_STAT_MCAST_PKTS    4
#define VMXNET3_STAT_MCAST_BYTES   5
#define VMXNET3_STAT_BCAST_PKTS    6
#define VMXNET3_STAT_BCAST_BYTES   7
#define VMXNET3_STAT_TX_ERROR      8    /* pktsTxError: malformed, dropped */
#define VMXNET3_STAT_TX_DISCARD    9    /* pktsTxDiscard: link down */
#define VMXNET3_STAT_RX_OUT_OF_BUF 8    /* pktsRxOutOfBuf */
#define VMXNET3_STAT_RX_ERROR      9    /* pktsRxError */
#define VMXNET3_NUM_STATS          10

/*
 * What a frame handed to the backend leaves to it, when the backend takes
 * offloads (vmxnet3_set_tx_offload): the fields of virtio-net's header.
 * CSUM: the ones' complement sum from csum_start to the end goes at
 * csum_start + csum_offset (which holds the pseudo-header sum).  TSO4 and
 * TSO6: a TCP packet of up to 64 KiB to cut into segments of mss payload
 * bytes after hdr_len bytes of headers, each checksummed as for CSUM; its
 * IP length and header checksum are already those of the whole packet.
 */
enum vmxnet3_tx_kind { VMXNET3_TX_PLAIN, VMXNET3_TX_CSUM, VMXNET3_TX_TSO4, VMXNET3_TX_TSO6 };

struct vmxnet3_offload {
    enum vmxnet3_tx_kind kind;
    uint16_t csum_start, csum_offset;
    uint16_t hdr_len, mss;
};

/* off is NULL for a frame that is complete as it is. */
typedef void (*vmxnet3_tx_fn)(void *ctx, const void *frame, size_t len, const struct vmxnet3_offload *off);

struct vmxnet3_txq {
    uint64_t ring_pa, comp_pa, desc_pa;
    uint32_t ring_size, comp_size;
    uint32_t next, comp_next;       /* device's positions */
    bool gen, comp_gen;
    bool stopped;
    uint32_t error;
};

struct vmxnet3_rxq {
    uint64_t ring_pa[2], comp_pa, desc_pa;
    uint32_t ring_size[2], comp_size;
    uint32_t next[2], comp_next;
    bool gen[2], comp_gen;
    uint32_t prod[2];               /* last RXPROD/RXPROD2 value (informational) */
    bool stopped;
    uint32_t error;
};

struct vmxnet3 {
    struct vmx_device device;       /* for the VM reset; registers are behind the BARs */
    struct pci_function pci;
    const struct vmx_platform *plat;
    unsigned irq;
    vmxnet3_tx_fn tx;
    void *tx_ctx;
    bool tx_offload;                /* the backend checksums and segments */

    uint8_t perm_mac[6], mac[6];
    uint32_t macl;                  /* MACL as written, taken by the next MACH write */
    uint32_t dsal, dsah, cmd_result;
    bool link_up;

    /* Set by ACTIVATE_DEV from the DriverShared area. */
    bool active;
    uint64_t ds_pa;
    unsigned num_txq;
    struct vmxnet3_txq txq[VMXNET3_MAX_TX_QUEUES];
    struct vmxnet3_rxq rxq;
    uint64_t features;
    bool auto_mask;
    uint32_t rx_mode;
    uint32_t vf_table[128];
    uint8_t mcast[VMXNET3_MAX_MCAST][6];
    unsigned num_mcast;
    bool mcast_all;                 /* the table was too long to keep */

    /* INTx: every cause goes to vector 0, the only one INTx has. */
    uint32_t imr;                   /* bit per vector, 1 = masked */
    bool pending, irq_level;

    uint64_t tx_stats[VMXNET3_MAX_TX_QUEUES][VMXNET3_NUM_STATS];
    uint64_t rx_stats[VMXNET3_NUM_STATS];

    uint8_t txbuf[VMXNET3_MAX_TX_PKT + 4];      /* gathered packet (+ a VLAN tag) */
    uint8_t segbuf[VMXNET3_MAX_FRAME + 4];      /* one TSO segment (+ a VLAN tag) */
    uint8_t rxbuf[VMXNET3_MAX_FRAME];           /* a received frame with its tag stripped */
};

/*
 * A vmxnet3 with permanent MAC mac on interrupt line irq (INTA#).  Frames
 * the guest sends go to tx.  Put n->pci on a bus with pci_host_add.
 */
void vmxnet3_init(struct vmxnet3 *n, const uint8_t mac[6], unsigned irq, const struct vmx_platform *plat,
                  vmxnet3_tx_fn tx, void *tx_ctx);

/*
 * Whether the backend finishes checksums and cuts TSO packets itself (a
 * tap with virtio-net headers does, in the console's kernel): the model
 * then hands them over whole, with a struct vmxnet3_offload; otherwise it
 * does both and the backend gets finished frames.  Off after init.
 */
void vmxnet3_set_tx_offload(struct vmxnet3 *n, bool on);

/* The VM's reset: power-on state, config space included (the link stays). */
void vmxnet3_reset(struct vmxnet3 *n);

/*
 * A frame from the network (len bytes, starting at the Ethernet header).
 * 0: it is in the guest's RX ring, completions written, interrupt raised.
 * VMXNET3_RX_FILTERED: not for this NIC (receive filter); dropped.
 * -ENOSPC: no free RX buffer; dropped and counted (pktsRxOutOfBuf).
 * -ENETDOWN: the device is not active, its RX queue stopped or the link down.
 * -EINVAL: shorter than an Ethernet header or longer than VMXNET3_MAX_FRAME.
 * -EFAULT: the guest's RX descriptors are unusable; the queue is stopped
 * with an error and the driver told through the event interrupt (RQERR).
 */
int vmxnet3_receive(struct vmxnet3 *n, const void *frame, size_t len);

/* The host's link state; a change raises the link event when active. */
void vmxnet3_set_link(struct vmxnet3 *n, bool up);

#endif
