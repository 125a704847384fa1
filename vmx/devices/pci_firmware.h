/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a PC's firmware does for PCI before the OS runs, done by vmware-vmx
 * since its guests boot without a BIOS: every function's BARs get
 * addresses (memory BARs in the PCI hole, I/O BARs from a port base, each
 * aligned to its size, larger ones first), memory and I/O decoding is
 * turned on, and the interrupt line register says which ISA/IOAPIC line
 * INTA# is wired to (Linux uses it when ACPI gives no routing).
 */
#ifndef SKERRY_VMX_PCI_FIRMWARE_H
#define SKERRY_VMX_PCI_FIRMWARE_H

#include <stdint.h>

#include "pci_host.h"

struct pci_window {
    uint64_t mem_base, mem_end;     /* [base, end) for memory BARs */
    uint32_t io_base, io_end;       /* [base, end) for I/O BARs */
};

/* Assign every BAR of every function but the host bridge: 0, or -1 when
 * the window is too small (what did not fit stays unassigned). */
int pci_firmware_assign(struct pci_host *h, const struct pci_window *w);

#endif
