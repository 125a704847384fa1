/* SPDX-License-Identifier: GPL-2.0-only */
/* Host unit tests for PCI configuration space and the host bridge
 * (vmx/devices/pci_config.c, pci_host.c), through ports 0xCF8/0xCFC as
 * Linux's pci_conf1 accessors and BAR sizing use them. */
#include "check.h"

#include "../../vmx/devices/pci_host.h"

static struct pci_host host;
static struct pci_function pvscsi;
static int resets, hook_calls;
static unsigned hook_offset;

static void count_reset(void *ctx)
{
    (void)ctx;
    resets++;
}

static void hook(void *ctx, struct pci_function *f, unsigned offset, unsigned size)
{
    (void)ctx;
    (void)f;
    (void)size;
    hook_calls++;
    hook_offset = offset;
}

static const struct vmx_platform plat = { .reset_request = count_reset };

/* Registers behind the BARs: reads return bar/offset/size, writes are kept. */
static unsigned bar_writes, last_bar;
static uint64_t last_offset, last_value;

static uint64_t bar_read(void *dev, unsigned bar, uint64_t offset, unsigned size)
{
    (void)dev;
    return (uint64_t)bar << 24 | offset << 4 | size;
}

static void bar_write(void *dev, unsigned bar, uint64_t offset, unsigned size, uint64_t value)
{
    (void)dev;
    (void)size;
    bar_writes++;
    last_bar = bar;
    last_offset = offset;
    last_value = value;
}

static const struct pci_bar_ops bar_ops = { .read = bar_read, .write = bar_write };

static uint32_t cfg_read(unsigned dev, unsigned fn, unsigned reg, unsigned size)
{
    vmx_device_pio_write(&host.device, PCI_CONFIG_ADDRESS, 4,
                         PCI_CONFIG_ENABLE | (uint32_t)PCI_DEVFN(dev, fn) << 8 | (reg & 0xFC));
    return vmx_device_pio_read(&host.device, (uint16_t)(PCI_CONFIG_DATA + (reg & 3)), size);
}

static void cfg_write(unsigned dev, unsigned fn, unsigned reg, unsigned size, uint32_t v)
{
    vmx_device_pio_write(&host.device, PCI_CONFIG_ADDRESS, 4,
                         PCI_CONFIG_ENABLE | (uint32_t)PCI_DEVFN(dev, fn) << 8 | (reg & 0xFC));
    vmx_device_pio_write(&host.device, (uint16_t)(PCI_CONFIG_DATA + (reg & 3)), size, v);
}

static void test_mechanism(void)
{
    CHECK(vmx_device_claims_port(&host.device, 0xCF8) && vmx_device_claims_port(&host.device, 0xCFF) &&
              !vmx_device_claims_port(&host.device, 0xD00),
          "ports: 0xCF8-0xCFF");
    vmx_device_pio_write(&host.device, PCI_CONFIG_ADDRESS, 4, 0x80FFFFFF);
    CHECK_EQ(vmx_device_pio_read(&host.device, PCI_CONFIG_ADDRESS, 4), 0x80FFFFFC,
             "0xCF8: reserved bits 30-24 and 1-0 read as zero");
    vmx_device_pio_write(&host.device, PCI_CONFIG_ADDRESS, 2, 0x1234);
    CHECK_EQ(vmx_device_pio_read(&host.device, PCI_CONFIG_ADDRESS, 4), 0x80FFFFFC,
             "0xCF8: only dword writes reach the address latch");
    vmx_device_pio_write(&host.device, PCI_CONFIG_ADDRESS, 4, 0x00000000);
    CHECK_EQ(vmx_device_pio_read(&host.device, PCI_CONFIG_DATA, 4), 0xFFFFFFFF, "enable bit clear: all ones");
    CHECK_EQ(cfg_read(5, 0, 0, 4), 0xFFFFFFFF, "absent device 00:05.0 reads 0xFFFFFFFF");
    CHECK_EQ(cfg_read(0, 1, 0, 2), 0xFFFF, "absent function 00:00.1 reads 0xFFFF");
    vmx_device_pio_write(&host.device, PCI_CONFIG_ADDRESS, 4, PCI_CONFIG_ENABLE | 1u << 16);
    CHECK_EQ(vmx_device_pio_read(&host.device, PCI_CONFIG_DATA, 4), 0xFFFFFFFF, "bus 1 does not exist");
    cfg_write(5, 0, PCI_INTERRUPT_LINE, 1, 9);
    CHECK_EQ(cfg_read(5, 0, PCI_INTERRUPT_LINE, 1), 0xFF, "absent device: writes go nowhere");
}

static void test_host_bridge(void)
{
    CHECK_EQ(cfg_read(0, 0, PCI_VENDOR_ID, 4), 0x71908086, "00:00.0: Intel 440BX (8086:7190)");
    CHECK_EQ(cfg_read(0, 0, PCI_DEVICE_ID, 2), 0x7190, "00:00.0: word read at 0xCFE");
    CHECK_EQ(cfg_read(0, 0, 0x01, 1), 0x80, "00:00.0: byte read at 0xCFD");
    CHECK_EQ(cfg_read(0, 0, PCI_REVISION_ID, 4), 0x06000001, "00:00.0: class host bridge, revision 1");
    CHECK_EQ(cfg_read(0, 0, PCI_SUBSYS_VENDOR, 4), 0x197615AD, "00:00.0: subsystem VMware 15ad:1976");
    CHECK_EQ(cfg_read(0, 0, PCI_HEADER_TYPE, 1), 0x00, "00:00.0: header type 0, single function");
    CHECK_EQ(cfg_read(0, 0, PCI_STATUS, 2), 0x0200, "00:00.0: status medium DEVSEL");
    cfg_write(0, 0, PCI_VENDOR_ID, 4, 0x12345678);
    CHECK_EQ(cfg_read(0, 0, PCI_VENDOR_ID, 4), 0x71908086, "ids are read-only");
    cfg_write(0, 0, 0x59, 1, 0x30);
    CHECK_EQ(cfg_read(0, 0, 0x59, 1), 0x30, "440BX PAM0 (0x59) takes writes");
    cfg_write(0, 0, 0x40, 4, 0xFFFFFFFF);
    CHECK_EQ(cfg_read(0, 0, 0x40, 4), 0, "below the chipset registers: read-only zero");
    cfg_write(0, 0, PCI_BAR0, 4, 0xFFFFFFFF);
    CHECK_EQ(cfg_read(0, 0, PCI_BAR0, 4), 0, "host bridge: no BAR0");
}

static void test_bars(void)
{
    pci_function_init(&pvscsi, PCI_VMWARE_VENDOR, 0x07C0, 0x02, 0x010700, PCI_VMWARE_VENDOR, 0x07C0);
    CHECK_EQ(pci_function_set_bar(&pvscsi, 0, 8, PCI_BAR_IO), 0, "set_bar: I/O 8 bytes");
    CHECK_EQ(pci_function_set_bar(&pvscsi, 1, 32768, 0), 0, "set_bar: memory 32 KiB");
    CHECK_EQ(pci_function_set_bar(&pvscsi, 2, 1u << 20, PCI_BAR_MEM64 | PCI_BAR_PREFETCH), 0,
             "set_bar: 64-bit prefetchable 1 MiB");
    CHECK_EQ(pci_function_set_bar(&pvscsi, 5, 4096, PCI_BAR_MEM64), (unsigned long long)-1,
             "set_bar: a 64-bit BAR5 has no upper half");
    CHECK_EQ(pci_function_set_bar(&pvscsi, 4, 3000, 0), (unsigned long long)-1, "set_bar: size not a power of two");
    pci_function_set_irq_pin(&pvscsi, 1);
    pvscsi.written = hook;
    CHECK_EQ(pci_host_add(&host, 0x10, 0, &pvscsi), 0, "add: 00:10.0");
    CHECK_EQ(pci_host_add(&host, 0x10, 0, &pvscsi), (unsigned long long)-1, "add: slot taken");
    CHECK_EQ(pci_host_add(&host, 32, 0, &pvscsi), (unsigned long long)-1, "add: device 32 out of range");

    CHECK_EQ(cfg_read(0x10, 0, PCI_VENDOR_ID, 4), 0x07C015AD, "00:10.0: VMware PVSCSI 15ad:07c0");
    CHECK_EQ(cfg_read(0x10, 0, PCI_REVISION_ID, 4), 0x01070002, "00:10.0: class SAS 0x0107, revision 2");
    CHECK_EQ(cfg_read(0x10, 0, PCI_BAR0, 4), 0x00000001, "BAR0: I/O type bit");
    CHECK_EQ(cfg_read(0x10, 0, PCI_BAR0 + 8, 4), 0x0000000C, "BAR2: 64-bit prefetchable type bits");

    /* Sizing as Linux's __pci_read_base does: all ones, read, restore. */
    for (unsigned i = 0; i < 6; i++)
        cfg_write(0x10, 0, PCI_BAR0 + 4 * i, 4, 0xFFFFFFFF);
    CHECK_EQ(cfg_read(0x10, 0, PCI_BAR0, 4), 0x0000FFF9, "sizing: I/O 8 bytes reads 0xFFF9 (16-bit decode)");
    CHECK_EQ(cfg_read(0x10, 0, PCI_BAR0 + 4, 4), 0xFFFF8000, "sizing: memory 32 KiB reads 0xFFFF8000");
    CHECK_EQ(cfg_read(0x10, 0, PCI_BAR0 + 8, 4), 0xFFF0000C, "sizing: 1 MiB low half 0xFFF0000C");
    CHECK_EQ(cfg_read(0x10, 0, PCI_BAR0 + 12, 4), 0xFFFFFFFF, "sizing: 64-bit high half all ones");
    CHECK_EQ(cfg_read(0x10, 0, PCI_BAR0 + 16, 4), 0, "sizing: unused BAR4 reads 0");
    CHECK_EQ(cfg_read(0x10, 0, PCI_ROM_ADDRESS, 4), 0, "no expansion ROM");

    cfg_write(0x10, 0, PCI_BAR0, 4, 0x1000);
    cfg_write(0x10, 0, PCI_BAR0 + 4, 4, 0xFEBF0000);
    cfg_write(0x10, 0, PCI_BAR0 + 8, 4, 0xE0000000);
    cfg_write(0x10, 0, PCI_BAR0 + 12, 4, 0x1);
    CHECK_EQ(cfg_read(0x10, 0, PCI_BAR0, 4), 0x1001, "assign: BAR0 0x1000 keeps its I/O bit");
    CHECK_EQ(pci_bar_address(&pvscsi, 0), PCI_BAR_UNMAPPED, "decode: off until the command register allows");
    cfg_write(0x10, 0, PCI_COMMAND, 2, 0xFFFF);
    CHECK_EQ(cfg_read(0x10, 0, PCI_COMMAND, 2), PCI_COMMAND_WMASK, "command: only the writable bits stick");
    CHECK_EQ(hook_calls > 0 && hook_offset == PCI_COMMAND, 1, "hook: told of the command write");
    CHECK_EQ(pci_bar_address(&pvscsi, 0), 0x1000, "decode: BAR0 at I/O 0x1000");
    CHECK_EQ(pci_bar_address(&pvscsi, 1), 0xFEBF0000, "decode: BAR1 at 0xFEBF0000");
    CHECK_EQ(pci_bar_address(&pvscsi, 2), 0x1E0000000ull, "decode: BAR2/3 at 0x1_E000_0000");
    CHECK_EQ(pci_bar_address(&pvscsi, 3), PCI_BAR_UNMAPPED, "decode: BAR3 is BAR2's upper half");
    pvscsi.bar_ops = &bar_ops;
    uint64_t v = 0;
    CHECK_EQ(pci_host_bar_access(&host, false, 0xFEBF0010, 4, false, &v) && v == (1u << 24 | 0x10 << 4 | 4), 1,
             "BAR access: memory 0xFEBF0010 reads BAR1 offset 0x10");
    CHECK_EQ(pci_host_bar_access(&host, true, 0x1004, 2, false, &v) && v == (0x4 << 4 | 2), 1,
             "BAR access: port 0x1004 reads BAR0 offset 4");
    v = 0xABCD;
    CHECK_EQ(pci_host_bar_access(&host, false, 0x1E0000008ull, 8, true, &v) && bar_writes == 1 && last_bar == 2 &&
                 last_offset == 8 && last_value == 0xABCD,
             1, "BAR access: a write to the 64-bit BAR2 reaches it at offset 8");
    CHECK_EQ(pci_host_bar_access(&host, false, 0xFEBF7FFE, 4, false, &v), 0,
             "BAR access: one that runs past the BAR's end is not the device's");
    CHECK_EQ(pci_host_bar_access(&host, false, 0x1000, 4, false, &v), 0,
             "BAR access: memory at the I/O BAR's address is not the device's");
    CHECK_EQ(pci_host_bar_access(&host, true, 0x1008, 1, false, &v), 0, "BAR access: port past the 8 I/O bytes");
    cfg_write(0x10, 0, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    CHECK_EQ(pci_host_bar_access(&host, true, 0x1004, 2, false, &v), 0,
             "BAR access: none at port 0x1004 once I/O decode is off");
    CHECK_EQ(pci_bar_address(&pvscsi, 0), PCI_BAR_UNMAPPED, "decode: I/O off, memory still on");
    CHECK_EQ(pci_bar_address(&pvscsi, 1), 0xFEBF0000, "decode: memory BAR still decodes");

    cfg_write(0x10, 0, PCI_INTERRUPT_LINE, 2, 0x030B);
    CHECK_EQ(cfg_read(0x10, 0, PCI_INTERRUPT_LINE, 2), 0x010B, "interrupt line writable, pin INTA# read-only");

    pvscsi.cfg[PCI_STATUS + 1] |= 0x30;     /* target and master abort seen */
    cfg_write(0x10, 0, PCI_STATUS, 2, 0x2000);
    CHECK_EQ(cfg_read(0x10, 0, PCI_STATUS, 2), 0x1000, "status: writing 1 clears only that error bit");
    hook_calls = 0;
    cfg_write(0x10, 0, PCI_STATUS, 2, 0x0000);
    CHECK_EQ(cfg_read(0x10, 0, PCI_STATUS, 2), 0x1000, "status: writing 0 leaves it");
    CHECK_EQ(hook_calls, 0, "hook: not told of a write that changed nothing");
    CHECK_EQ(pci_config_read(&pvscsi, 0xFE, 4), 0xFFFF0000, "config read past 0xFF: all ones");

    /* A dword access at 0xCFD only has three bytes in the data window. */
    vmx_device_pio_write(&host.device, PCI_CONFIG_ADDRESS, 4, PCI_CONFIG_ENABLE | PCI_DEVFN(0, 0) << 8);
    CHECK_EQ(vmx_device_pio_read(&host.device, PCI_CONFIG_DATA + 1, 4), 0xFF719080,
             "0xCFD dword: the byte past 0xCFF reads 0xFF");
}

static void test_reset_control(void)
{
    vmx_device_pio_write(&host.device, PCI_RESET_CONTROL, 1, 0x02);
    CHECK_EQ(resets, 0, "0xCF9: SYS_RST alone does not reset");
    CHECK_EQ(vmx_device_pio_read(&host.device, PCI_RESET_CONTROL, 1), 0x02, "0xCF9: reads back");
    vmx_device_pio_write(&host.device, PCI_RESET_CONTROL, 1, 0x02 | 0x04);
    CHECK_EQ(resets, 1, "0xCF9: RST_CPU 0 -> 1 resets (Linux reboot=pci writes 0x02 then 0x06)");
    CHECK_EQ(vmx_device_pio_read(&host.device, PCI_RESET_CONTROL, 1) & 0x04, 0, "0xCF9: RST_CPU self-clears");
    vmx_device_reset(&host.device);
    CHECK_EQ(cfg_read(0, 0, 0x59, 1), 0, "reset: 440BX registers back to zero");
    CHECK_EQ(cfg_read(0x10, 0, PCI_VENDOR_ID, 4), 0x07C015AD, "reset: devices stay on the bus");
}

int main(void)
{
    pci_host_init(&host, &plat);
    test_mechanism();
    test_host_bridge();
    test_bars();
    test_reset_control();
    CHECK_DONE();
}
