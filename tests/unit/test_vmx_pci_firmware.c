/* SPDX-License-Identifier: GPL-2.0-only */
/* Host unit test for BAR assignment (vmx/devices/pci_firmware.c): BARs of
 * two functions placed aligned, apart, inside the window, decode on. */
#include "check.h"

#include "../../vmx/devices/pci_firmware.h"

static struct pci_host host;
static struct pci_function a, b;

static bool apart(uint64_t x, uint64_t xs, uint64_t y, uint64_t ys) { return x + xs <= y || y + ys <= x; }

int main(void)
{
    pci_host_init(&host, NULL);
    pci_function_init(&a, 0x15AD, 0x07C0, 2, 0x010700, 0x15AD, 0x07C0);
    pci_function_set_bar(&a, 0, 32768, 0);
    pci_function_set_bar(&a, 1, 8, PCI_BAR_IO);
    pci_function_init(&b, 0x15AD, 0x07B0, 1, 0x020000, 0x15AD, 0x07B0);
    pci_function_set_bar(&b, 0, 4096, 0);
    pci_function_set_bar(&b, 2, 1u << 20, PCI_BAR_MEM64);
    pci_host_add(&host, 0x10, 0, &a);
    pci_host_add(&host, 0x14, 0, &b);
    struct pci_window w = { 0xC0000000, 0xFEC00000, 0xC000, 0x10000 };
    CHECK_EQ(pci_firmware_assign(&host, &w), 0, "every BAR fits the window");
    uint64_t a0 = pci_bar_address(&a, 0), a1 = pci_bar_address(&a, 1);
    uint64_t b0 = pci_bar_address(&b, 0), b2 = pci_bar_address(&b, 2);
    CHECK(a0 != PCI_BAR_UNMAPPED && a1 != PCI_BAR_UNMAPPED && b0 != PCI_BAR_UNMAPPED && b2 != PCI_BAR_UNMAPPED,
          "all four decode (memory and I/O turned on)");
    CHECK(a0 % 32768 == 0 && a1 % 8 == 0 && b0 % 4096 == 0 && b2 % (1u << 20) == 0, "each aligned to its size");
    CHECK(a0 >= w.mem_base && b0 >= w.mem_base && b2 >= w.mem_base && a0 + 32768 <= w.mem_end &&
              b2 + (1u << 20) <= w.mem_end,
          "memory BARs inside the hole (%#llx %#llx %#llx)", (unsigned long long)a0, (unsigned long long)b0,
          (unsigned long long)b2);
    CHECK(a1 >= w.io_base && a1 + 8 <= w.io_end, "the I/O BAR from port %#x (%#llx)", w.io_base,
          (unsigned long long)a1);
    CHECK(apart(a0, 32768, b0, 4096) && apart(a0, 32768, b2, 1u << 20) && apart(b0, 4096, b2, 1u << 20),
          "no two memory BARs overlap");
    CHECK_EQ(b2, w.mem_base, "the largest BAR goes first, at the window's base");
    CHECK_EQ(pci_config_read(&host.bridge, PCI_BAR0, 4), 0, "the host bridge is left alone");

    struct pci_function c;
    pci_function_init(&c, 0x15AD, 0x0001, 1, 0x0200, 0x15AD, 0x0001);
    pci_function_set_bar(&c, 0, 1u << 30, 0);
    pci_host_add(&host, 0x15, 0, &c);
    struct pci_window small = { 0xC0000000, 0xC0100000, 0xC000, 0xC010 };
    CHECK_EQ(pci_firmware_assign(&host, &small), -1, "a 1 GiB BAR does not fit a 1 MiB window: -1");
    CHECK_EQ(pci_bar_address(&c, 0), PCI_BAR_UNMAPPED, "and stays unassigned");
    CHECK_DONE();
}
