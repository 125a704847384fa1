/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VM's I/O bus as vmware-vmx serves it: each port or MMIO access the
 * vmkernel hands over (an I/O request) goes to the device model that
 * claims it, else to the PCI function whose BAR decodes it, else it is
 * unassigned: a read gives all ones and a write goes nowhere, as on a PC.
 * Pure C over device.h and pci_host.h, so it runs in host unit tests.
 */
#ifndef SKERRY_VMX_BUS_H
#define SKERRY_VMX_BUS_H

#include <stdbool.h>
#include <stdint.h>

#include "../devices/device.h"
#include "../devices/pci_host.h"

#define VMX_BUS_MAX_DEVICES 32

struct vmx_bus {
    const struct vmx_device *devices[VMX_BUS_MAX_DEVICES];
    unsigned nr_devices;
    struct pci_host *pci;           /* NULL: no PCI bus */
    uint64_t unassigned;            /* accesses nothing claimed */
};

void vmx_bus_init(struct vmx_bus *b, struct pci_host *pci);

/* Add a model: 0, or -1 when the bus is full or one of its port or MMIO
 * ranges overlaps a model already on it. */
int vmx_bus_add(struct vmx_bus *b, const struct vmx_device *d);

/*
 * One access: io for a port (size 1, 2 or 4), else guest-physical memory
 * (size 1, 2, 4 or 8).  A write takes *value; a read leaves its result
 * there, masked to size bytes.  false when nothing claimed it.
 */
bool vmx_bus_access(struct vmx_bus *b, bool io, bool write, uint64_t addr, unsigned size, uint64_t *value);

/* Reset every model on the bus and the PCI host (a VM reset). */
void vmx_bus_reset(struct vmx_bus *b);

#endif
