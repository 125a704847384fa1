/* SPDX-License-Identifier: GPL-2.0-only */
/* Host unit tests for vmware-vmx's I/O bus (vmx/core/vmx_bus.c): requests
 * routed to the UART, the VGA text memory and a PCI function's BARs, the
 * rest unassigned, overlapping models refused. */
#include "check.h"

#include <string.h>

#include "../../vmx/core/vmx_bus.h"
#include "../../vmx/devices/uart16550.h"
#include "../../vmx/devices/vga_text.h"

static struct vmx_bus bus;
static struct pci_host pci;
static struct uart16550 com1, com1_again;
static struct vga_text vga;
static struct pci_function nic;
static char sent[16];
static unsigned nsent;
static uint64_t bar_last_offset, bar_last_value;

static void sink(void *ctx, uint8_t byte)
{
    (void)ctx;
    if (nsent < sizeof sent)
        sent[nsent++] = (char)byte;
}

static uint64_t bar_read(void *dev, unsigned bar, uint64_t offset, unsigned size)
{
    (void)dev;
    (void)size;
    return 0xA5A5A5A5A5A5A500ull | bar << 4 | (offset & 0xF);
}

static void bar_write(void *dev, unsigned bar, uint64_t offset, unsigned size, uint64_t value)
{
    (void)dev;
    (void)bar;
    (void)size;
    bar_last_offset = offset;
    bar_last_value = value;
}

static const struct pci_bar_ops bar_ops = { .read = bar_read, .write = bar_write };

static uint64_t access(bool io, bool write, uint64_t addr, unsigned size, uint64_t value, bool *claimed)
{
    *claimed = vmx_bus_access(&bus, io, write, addr, size, &value);
    return value;
}

static void pci_cfg_write(unsigned reg, uint32_t v)
{
    uint64_t a = PCI_CONFIG_ENABLE | (uint32_t)PCI_DEVFN(3, 0) << 8 | reg, x = v;
    vmx_bus_access(&bus, true, true, PCI_CONFIG_ADDRESS, 4, &a);
    vmx_bus_access(&bus, true, true, PCI_CONFIG_DATA, 4, &x);
}

int main(void)
{
    bool claimed;
    pci_host_init(&pci, NULL);
    vmx_bus_init(&bus, &pci);
    uart16550_init(&com1, 0x3F8, 4, NULL, sink, NULL);
    uart16550_init(&com1_again, 0x3F8, 4, NULL, sink, NULL);
    vga_text_init(&vga);
    CHECK_EQ(vmx_bus_add(&bus, &com1.device), 0, "add COM1");
    CHECK_EQ(vmx_bus_add(&bus, &vga.device), 0, "add the VGA text console");
    CHECK_EQ(vmx_bus_add(&bus, &com1_again.device), (unsigned long long)-1, "a second model on COM1's ports: refused");

    access(true, true, 0x3F8, 1, 'o', &claimed);
    CHECK(claimed, "OUT 0x3F8: COM1's");
    access(true, true, 0x3F8, 1, 'k', &claimed);
    CHECK(nsent == 2 && memcmp(sent, "ok", 2) == 0, "COM1 sent the bytes written to its THR");
    uint64_t lsr = access(true, false, 0x3FD, 1, 0, &claimed);
    CHECK(claimed && (lsr & 0x60) == 0x60, "IN 0x3FD: COM1's line status, THR empty (%#llx)",
          (unsigned long long)lsr);

    access(false, true, 0xB8000, 2, 0x0741, &claimed);
    CHECK(claimed, "a write to 0xB8000: the VGA text memory's");
    CHECK_EQ(access(false, false, 0xB8000, 2, 0, &claimed), 0x0741, "it reads back 'A' on grey");
    CHECK_EQ(access(false, false, 0xB8000, 8, 0, &claimed) & 0xFFFF, 0x0741, "an 8-byte read of it too");

    CHECK_EQ(access(true, false, 0x2F8, 1, 0, &claimed), 0xFF, "IN 0x2F8 (no COM2): all ones");
    CHECK(!claimed, "and unclaimed");
    CHECK_EQ(access(true, false, 0x2F8, 4, 0, &claimed), 0xFFFFFFFFull, "a dword IN of nothing: 32 ones");
    CHECK_EQ(access(false, false, 0xE0000000, 8, 0, &claimed), ~0ull, "MMIO of nothing: all ones");
    CHECK_EQ(access(false, false, 0xE0000000, 3, 0, &claimed) && claimed, 0, "a 3-byte access: nobody's");
    CHECK_EQ(access(true, false, 0xFFFF, 2, 0, &claimed) && claimed, 0, "a word at port 0xFFFF runs past the ports");
    uint64_t before = bus.unassigned;
    access(true, true, 0x2F8, 1, 0x55, &claimed);
    CHECK_EQ(bus.unassigned, before + 1, "an unassigned write is counted");

    pci_function_init(&nic, 0x15AD, 0x07B0, 1, 0x020000, 0x15AD, 0x07B0);
    pci_function_set_bar(&nic, 0, 4096, 0);
    nic.bar_ops = &bar_ops;
    CHECK_EQ(pci_host_add(&pci, 3, 0, &nic), 0, "a PCI function at 00:03.0");
    CHECK_EQ(access(false, false, 0xFEB00004, 4, 0, &claimed) && claimed, 0, "its BAR unassigned, nothing there");
    pci_cfg_write(PCI_BAR0, 0xFEB00000);
    pci_cfg_write(PCI_COMMAND, PCI_COMMAND_MEMORY);
    CHECK_EQ(access(false, false, 0xFEB00004, 4, 0, &claimed), 0xA5A5A504, "a read of BAR0 + 4 reaches the function");
    CHECK(claimed, "and is claimed");
    access(false, true, 0xFEB00010, 2, 0x12345678, &claimed);
    CHECK(claimed && bar_last_offset == 0x10 && bar_last_value == 0x5678,
          "a 2-byte write at BAR0 + 0x10 arrives as 0x5678 (%#llx)", (unsigned long long)bar_last_value);
    pci_cfg_write(PCI_COMMAND, 0);
    access(false, false, 0xFEB00004, 4, 0, &claimed);
    CHECK(!claimed, "memory decode off: the BAR is gone");

    vga_text_init(&vga);
    struct vga_text vga2;
    vga_text_init(&vga2);
    CHECK_EQ(vmx_bus_add(&bus, &vga2.device), (unsigned long long)-1, "a second text console over 0xB8000: refused");
    access(false, true, 0xB8000, 2, 0x0742, &claimed);
    vmx_bus_reset(&bus);
    CHECK_EQ(access(false, false, 0xB8000, 2, 0, &claimed) == 0x0742, 0,
             "a bus reset resets the models (text memory cleared)");
    CHECK_DONE();
}
