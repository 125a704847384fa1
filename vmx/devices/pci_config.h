/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The 256-byte configuration space of one PCI function: a type-0 header
 * whose registers are read-only except the bits a write mask allows, the
 * write-1-to-clear status bits, and base address registers that answer
 * sizing (all ones written reads back the size mask and type bits).
 */
#ifndef SKERRY_VMX_PCI_CONFIG_H
#define SKERRY_VMX_PCI_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_CFG_SIZE 256

#define PCI_VENDOR_ID      0x00
#define PCI_DEVICE_ID      0x02
#define PCI_COMMAND        0x04
#define PCI_STATUS         0x06
#define PCI_REVISION_ID    0x08
#define PCI_CLASS_PROG     0x09
#define PCI_CACHE_LINE     0x0C
#define PCI_LATENCY        0x0D
#define PCI_HEADER_TYPE    0x0E
#define PCI_BAR0           0x10
#define PCI_SUBSYS_VENDOR  0x2C
#define PCI_SUBSYS_ID      0x2E
#define PCI_ROM_ADDRESS    0x30
#define PCI_CAPABILITY_LIST 0x34
#define PCI_INTERRUPT_LINE 0x3C
#define PCI_INTERRUPT_PIN  0x3D

#define PCI_COMMAND_IO     0x0001
#define PCI_COMMAND_MEMORY 0x0002
#define PCI_COMMAND_MASTER 0x0004
#define PCI_COMMAND_WMASK  0x0547   /* I/O, memory, master, parity, SERR, INTx off */
#define PCI_STATUS_W1C     0xF900   /* the error bits */
#define PCI_STATUS_CAP_LIST 0x0010  /* a capability list at PCI_CAPABILITY_LIST */

/* The MSI capability (64-bit address, one message): offsets within it. */
#define PCI_CAP_ID_MSI       0x05
#define PCI_MSI_FLAGS        2
#define PCI_MSI_ADDRESS_LO   4
#define PCI_MSI_ADDRESS_HI   8
#define PCI_MSI_DATA         12
#define PCI_MSI_CAP_SIZE     16
#define PCI_MSI_FLAGS_ENABLE 0x0001
#define PCI_MSI_FLAGS_64BIT  0x0080

#define PCI_BAR_IO       0x01
#define PCI_BAR_MEM64    0x04
#define PCI_BAR_PREFETCH 0x08
#define PCI_NUM_BARS     6
#define PCI_BAR_UNMAPPED UINT64_MAX

struct pci_function;

/* Called after a guest write changed config space (BARs, command...). */
typedef void (*pci_config_hook)(void *ctx, struct pci_function *f, unsigned offset, unsigned size);

/* A device's registers behind its BARs; offset is from the BAR's base,
 * size 1, 2 or 4 for I/O and up to 8 for memory. */
struct pci_bar_ops {
    uint64_t (*read)(void *dev, unsigned bar, uint64_t offset, unsigned size);
    void (*write)(void *dev, unsigned bar, uint64_t offset, unsigned size, uint64_t value);
};

struct pci_function {
    const struct pci_bar_ops *bar_ops;      /* NULL: no registers behind the BARs */
    void *bar_dev;
    uint8_t cfg[PCI_CFG_SIZE];
    uint8_t wmask[PCI_CFG_SIZE];    /* bits a write may change */
    uint8_t w1c[PCI_CFG_SIZE];      /* bits a write of 1 clears */
    uint64_t bar_size[PCI_NUM_BARS];
    pci_config_hook written;
    void *ctx;
    uint8_t msi_cap;                /* offset of the MSI capability, 0: none */
};

/* A type-0 header: ids, revision, 24-bit class code, subsystem ids. */
void pci_function_init(struct pci_function *f, uint16_t vendor, uint16_t device, uint8_t revision,
                       uint32_t class_code, uint16_t subsys_vendor, uint16_t subsys_id);

/*
 * BAR n of size bytes (a power of two, at least 16 for memory, 4 for I/O)
 * with flags PCI_BAR_IO, or PCI_BAR_MEM64 (taking n + 1 as well) and
 * PCI_BAR_PREFETCH.  -1 for a bad size or slot.
 */
int pci_function_set_bar(struct pci_function *f, unsigned n, uint64_t size, uint8_t flags);

/* INTA#..INTD# as 1..4; the interrupt line register becomes writable. */
void pci_function_set_irq_pin(struct pci_function *f, uint8_t pin);

/*
 * An MSI capability at offset off (4-aligned, past the header) heading the
 * capability list: one message, a 64-bit address, no per-vector masking.
 * The guest's driver programs it and sets its enable bit; INTx is then off
 * (PCI 3.0, 6.8.1).  -1 for a bad offset or a second one.
 */
int pci_function_add_msi(struct pci_function *f, uint8_t off);

/* Whether the guest enabled MSI: the function's interrupts are messages
 * then (sent only while it is a bus master, a message being a memory
 * write), never INTx. */
bool pci_msi_enabled(const struct pci_function *f);

/* pci_msi_enabled, with the message the guest programmed. */
bool pci_msi_message(const struct pci_function *f, uint64_t *address, uint32_t *data);

/* size 1, 2 or 4 at offset; an access past the end reads all ones. */
uint32_t pci_config_read(const struct pci_function *f, unsigned offset, unsigned size);
void pci_config_write(struct pci_function *f, unsigned offset, unsigned size, uint32_t value);

/* Where BAR n decodes, or PCI_BAR_UNMAPPED (no BAR, zero, decode off). */
uint64_t pci_bar_address(const struct pci_function *f, unsigned n);

#endif
