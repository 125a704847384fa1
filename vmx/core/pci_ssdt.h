/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The SSDT that tells a guest's ACPI about its PCI bus, as a PC BIOS's
 * DSDT does: \_SB.PCI0, a PNP0A03 host bridge for bus 0 with the windows
 * its devices decode in (_CRS: the bus numbers, the 0xCF8 configuration
 * ports, I/O below and above them, the PCI hole) and the routing of each
 * slot's INTA#-INTD# to an I/O APIC input (_PRT).  Without it Linux,
 * which takes PCI from ACPI when there is ACPI, finds no PCI bus at all.
 * AML per ACPI 6.5 chapters 19 and 20, resource descriptors 6.4.
 */
#ifndef SKERRY_VMX_PCI_SSDT_H
#define SKERRY_VMX_PCI_SSDT_H

#include <stddef.h>
#include <stdint.h>

#define PCI_SSDT_MAX_ROUTES 32

struct pci_ssdt_config {
    uint64_t mem_base, mem_end;     /* the PCI hole: [base, end) */
    struct {
        uint8_t slot;               /* device number on bus 0 */
        uint8_t gsi;                /* I/O APIC input of its INTA#..INTD# */
    } route[PCI_SSDT_MAX_ROUTES];
    unsigned nr_routes;
};

/* The table into buf (at most cap bytes): its length, or 0 when it does
 * not fit or the configuration is invalid. */
size_t pci_ssdt_build(uint8_t *buf, size_t cap, const struct pci_ssdt_config *c);

#endif
