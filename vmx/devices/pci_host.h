/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PCI host bridge: configuration mechanism #1 (address at 0xCF8,
 * data at 0xCFC-0xCFF), one bus of 32 devices x 8 functions, the reset
 * control register at 0xCF9, and the host bridge 00:00.0 itself: an Intel
 * 440BX as VMware's virtual hardware has it.
 */
#ifndef SKERRY_VMX_PCI_HOST_H
#define SKERRY_VMX_PCI_HOST_H

#include "device.h"
#include "pci_config.h"

#define PCI_CONFIG_ADDRESS 0xCF8
#define PCI_RESET_CONTROL  0xCF9    /* byte access only */
#define PCI_CONFIG_DATA    0xCFC

#define PCI_CONFIG_ENABLE  0x80000000u
#define PCI_DEVFN(dev, fn) ((uint8_t)((dev) << 3 | (fn)))

#define PCI_440BX_VENDOR   0x8086
#define PCI_440BX_DEVICE   0x7190
#define PCI_VMWARE_VENDOR  0x15AD

struct pci_host {
    struct vmx_device device;
    const struct vmx_platform *plat;
    uint32_t address;       /* the 0xCF8 latch */
    uint8_t reset_control;
    struct pci_function *fn[256];   /* bus 0, by devfn */
    struct pci_function bridge;
};

void pci_host_init(struct pci_host *h, const struct vmx_platform *plat);
void pci_host_reset(struct pci_host *h);

/* Put f at 00:dev.fn: 0, or -1 when the slot is taken or out of range. */
int pci_host_add(struct pci_host *h, unsigned dev, unsigned fn, struct pci_function *f);

/*
 * An access to guest-physical memory (io false) or a port (io true) that
 * a function's enabled BAR decodes goes to its bar_ops: true when one
 * did, and *value holds what a read returned.  false: no BAR there, and
 * the caller answers as for unassigned space.
 */
bool pci_host_bar_access(struct pci_host *h, bool io, uint64_t addr, unsigned size, bool write, uint64_t *value);

#endif
