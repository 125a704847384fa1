/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VMware PVSCSI (PCI 15ad:07c0), the paravirtual SCSI controller Linux's
 * vmw_pvscsi drives: a 32 KiB register BAR (BAR0, memory), commands
 * written word by word to COMMAND/COMMAND_DATA, request and completion
 * rings in guest pages announced by SETUP_RINGS, kicks that make the
 * device run every queued request, INTx on INTR_STATUS & INTR_MASK.
 * Targets 0..PVSCSI_MAX_TARGETS-1 on bus 0 are SCSI disks (scsi_disk.h),
 * LUN 0 each.  Requests complete synchronously within the kick.  The
 * interrupt is INTx, or an MSI once the driver enables it (Linux's
 * vmw_pvscsi does when the platform has MSI).
 */
#ifndef SKERRY_VMX_PVSCSI_H
#define SKERRY_VMX_PVSCSI_H

#include "device.h"
#include "pci_config.h"
#include "scsi_disk.h"

#define PVSCSI_VENDOR     0x15AD
#define PVSCSI_DEVICE     0x07C0
#define PVSCSI_REVISION   0x02
#define PVSCSI_CLASS      0x010700     /* mass storage, serial attached SCSI */
#define PVSCSI_BAR_SIZE   0x8000       /* PVSCSI_MEM_SPACE_SIZE: 8 pages */
#define PVSCSI_MSI_CAP    0x40         /* config-space offset of its MSI capability */

/* Registers: 32-bit, offsets in BAR0. */
#define PVSCSI_REG_COMMAND        0x0000
#define PVSCSI_REG_COMMAND_DATA   0x0004
#define PVSCSI_REG_COMMAND_STATUS 0x0008
#define PVSCSI_REG_INTR_STATUS    0x100C
#define PVSCSI_REG_INTR_MASK      0x2010
#define PVSCSI_REG_KICK_NON_RW_IO 0x3014
#define PVSCSI_REG_DEBUG          0x3018
#define PVSCSI_REG_KICK_RW_IO     0x4018

enum pvscsi_command {
    PVSCSI_CMD_ADAPTER_RESET = 1,
    PVSCSI_CMD_ISSUE_SCSI = 2,
    PVSCSI_CMD_SETUP_RINGS = 3,
    PVSCSI_CMD_RESET_BUS = 4,
    PVSCSI_CMD_RESET_DEVICE = 5,
    PVSCSI_CMD_ABORT_CMD = 6,
    PVSCSI_CMD_CONFIG = 7,
    PVSCSI_CMD_SETUP_MSG_RING = 8,
    PVSCSI_CMD_DEVICE_UNPLUG = 9,
    PVSCSI_CMD_SETUP_REQCALLTHRESHOLD = 10,
};

/* COMMAND_STATUS values. */
#define PVSCSI_STATUS_OK        0x00000000u
#define PVSCSI_STATUS_FAILED    0xFFFFFFFFu    /* -1: failed or not supported */
#define PVSCSI_STATUS_NEED_DATA 0xFFFFFFFEu    /* -2: more COMMAND_DATA words due */

#define PVSCSI_INTR_CMPL_0    0x1
#define PVSCSI_INTR_CMPL_1    0x2
#define PVSCSI_INTR_MSG_0     0x4
#define PVSCSI_INTR_MSG_1     0x8
#define PVSCSI_INTR_ALL       0xF

/* Request flags. */
#define PVSCSI_FLAG_CMD_WITH_SG_LIST    0x01
#define PVSCSI_FLAG_CMD_OUT_OF_BAND_CDB 0x02
#define PVSCSI_FLAG_CMD_DIR_NONE        0x04
#define PVSCSI_FLAG_CMD_DIR_TOHOST      0x08
#define PVSCSI_FLAG_CMD_DIR_TODEVICE    0x10

/* Host adapter status (completion hostStatus) values the model reports. */
#define PVSCSI_BTSTAT_SUCCESS    0x00
#define PVSCSI_BTSTAT_SELTIMEO   0x11  /* no such target: Linux DID_BAD_TARGET */
#define PVSCSI_BTSTAT_DATARUN    0x12  /* data overrun */
#define PVSCSI_BTSTAT_INVPARAM   0x1A  /* bad request, SG list or DMA address */
#define PVSCSI_BTSTAT_SENSFAILED 0x1B  /* sense buffer not writable */
#define PVSCSI_BTSTAT_BADMSG     0x1D  /* data direction the request forbade */

/* Shared-memory layouts. */
#define PVSCSI_PAGE_SIZE       4096
#define PVSCSI_MAX_RING_PAGES  32
#define PVSCSI_REQ_DESC_SIZE   128
#define PVSCSI_CMP_DESC_SIZE   32
#define PVSCSI_SG_ELEM_SIZE    16
#define PVSCSI_MAX_SG_ELEMS    (PVSCSI_PAGE_SIZE / PVSCSI_SG_ELEM_SIZE)

/* RingsState field offsets. */
#define PVSCSI_RS_REQ_PROD      0x00
#define PVSCSI_RS_REQ_CONS      0x04
#define PVSCSI_RS_REQ_LOG2      0x08
#define PVSCSI_RS_CMP_PROD      0x0C
#define PVSCSI_RS_CMP_CONS      0x10
#define PVSCSI_RS_CMP_LOG2      0x14

/* CONFIG: the controller page Linux reads for its number of targets. */
#define PVSCSI_CONFIG_PAGE_CONTROLLER    0x1958
#define PVSCSI_CONFIG_CONTROLLER_ADDRESS 0x2120
#define PVSCSI_CONFIG_NUM_PHYS_OFFSET    0x1D8
#define PVSCSI_CONFIG_CONTROLLER_SIZE    0x1E0

#define PVSCSI_MAX_TARGETS 64
#define PVSCSI_CMD_MAX_WORDS 132    /* SETUP_RINGS, the longest descriptor */

/* One guest-memory piece of a request's data buffer. */
struct pvscsi_segment {
    uint64_t addr, len;
};

struct pvscsi {
    struct vmx_device device;       /* no ranges: the registers are behind BAR0 */
    struct pci_function pci;
    const struct vmx_platform *plat;
    unsigned irq;
    bool irq_level;
    struct scsi_disk *target[PVSCSI_MAX_TARGETS];

    uint32_t intr_status, intr_mask;
    uint32_t cmd_status;
    uint32_t cmd;                   /* collecting data for this command, 0: none */
    unsigned cmd_words, cmd_need;
    uint32_t cmd_data[PVSCSI_CMD_MAX_WORDS];

    bool rings_valid;
    uint64_t rings_state;           /* guest-physical addresses */
    uint64_t req_page[PVSCSI_MAX_RING_PAGES], cmp_page[PVSCSI_MAX_RING_PAGES];
    unsigned req_log2, cmp_log2;    /* entries = 1 << log2 */
    uint32_t req_cons, cmp_prod;    /* free-running, as the guest sees them */

    /* The data buffer of the request being run. */
    struct pvscsi_segment seg[PVSCSI_MAX_SG_ELEMS];
    unsigned nseg;
};

/*
 * A controller driving PCI interrupt line irq (INTA#) through plat.  Add it
 * to the bus with pci_host_add(host, dev, 0, &s->pci) and attach disks.
 */
void pvscsi_init(struct pvscsi *s, unsigned irq, const struct vmx_platform *plat);

/* Power-on state: config space, registers, no rings; disks stay attached. */
void pvscsi_reset(struct pvscsi *s);

/* Put disk at target (bus 0, LUN 0): 0, or -1 when out of range or taken. */
int pvscsi_attach(struct pvscsi *s, unsigned target, struct scsi_disk *disk);

#endif
