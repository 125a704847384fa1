# SPDX-License-Identifier: GPL-2.0-only
# Host unit tests of vmware-vmx's pure parts: the .vmx dictionary and the
# device models (vmx/).  The unit rule takes no extra include flags, so
# the tests include vmx headers by relative path; the header lines below
# rebuild a test when one of them changes.
UNIT_TESTS += vmx_dict
vmx_dict_SRCS := tests/unit/test_vmx_dict.c vmx/config/vmx_dict.c
$(BUILD)/tests/unit/vmx_dict: vmx/config/vmx_dict.h

VMX_DEVICE_H := vmx/devices/device.h
UNIT_TESTS += vmx_uart
vmx_uart_SRCS := tests/unit/test_vmx_uart.c vmx/devices/uart16550.c vmx/devices/device.c
$(BUILD)/tests/unit/vmx_uart: $(VMX_DEVICE_H) vmx/devices/uart16550.h
UNIT_TESTS += vmx_cmos
vmx_cmos_SRCS := tests/unit/test_vmx_cmos.c vmx/devices/cmos_rtc.c vmx/devices/device.c
$(BUILD)/tests/unit/vmx_cmos: $(VMX_DEVICE_H) vmx/devices/cmos_rtc.h
UNIT_TESTS += vmx_i8042
vmx_i8042_SRCS := tests/unit/test_vmx_i8042.c vmx/devices/i8042.c vmx/devices/device.c
$(BUILD)/tests/unit/vmx_i8042: $(VMX_DEVICE_H) vmx/devices/i8042.h
UNIT_TESTS += vmx_vga
vmx_vga_SRCS := tests/unit/test_vmx_vga.c vmx/devices/vga_text.c vmx/devices/device.c
$(BUILD)/tests/unit/vmx_vga: $(VMX_DEVICE_H) vmx/devices/vga_text.h
UNIT_TESTS += vmx_pci
vmx_pci_SRCS := tests/unit/test_vmx_pci.c vmx/devices/pci_host.c vmx/devices/pci_config.c vmx/devices/device.c
$(BUILD)/tests/unit/vmx_pci: $(VMX_DEVICE_H) vmx/devices/pci_host.h vmx/devices/pci_config.h
UNIT_TESTS += vmx_vm_config
vmx_vm_config_SRCS := tests/unit/test_vmx_vm_config.c vmx/config/vm_config.c vmx/config/vmx_dict.c
$(BUILD)/tests/unit/vmx_vm_config: vmx/config/vm_config.h vmx/config/vmx_dict.h
UNIT_TESTS += vmx_bus
vmx_bus_SRCS := tests/unit/test_vmx_bus.c vmx/core/vmx_bus.c vmx/devices/uart16550.c vmx/devices/vga_text.c \
                vmx/devices/pci_host.c vmx/devices/pci_config.c vmx/devices/device.c
$(BUILD)/tests/unit/vmx_bus: vmx/core/vmx_bus.h $(VMX_DEVICE_H) vmx/devices/pci_host.h vmx/devices/pci_config.h
UNIT_TESTS += vmx_acpi_pm
vmx_acpi_pm_SRCS := tests/unit/test_vmx_acpi_pm.c vmx/devices/acpi_pm.c vmx/devices/device.c
$(BUILD)/tests/unit/vmx_acpi_pm: $(VMX_DEVICE_H) vmx/devices/acpi_pm.h
UNIT_TESTS += vmx_linux_loader
vmx_linux_loader_SRCS := tests/unit/test_vmx_linux_loader.c vmx/core/linux_loader.c vmx/core/errmsg.c lib/boot/acpi_build.c \
                         lib/boot/boot_area.c lib/boot/bzimage.c lib/boot/zeropage.c
$(BUILD)/tests/unit/vmx_linux_loader: vmx/core/linux_loader.h
UNIT_TESTS += vmx_vmdk_backend
vmx_vmdk_backend_SRCS := tests/unit/test_vmx_vmdk_backend.c vmx/core/vmdk_backend.c vmx/core/errmsg.c \
                         vmfs/lib/vmdk_descriptor.c
$(BUILD)/tests/unit/vmx_vmdk_backend: vmx/core/vmdk_backend.h vmfs/include/vmfs/vmdk.h
UNIT_TESTS += vmx_pci_firmware
vmx_pci_firmware_SRCS := tests/unit/test_vmx_pci_firmware.c vmx/devices/pci_firmware.c vmx/devices/pci_host.c \
                         vmx/devices/pci_config.c vmx/devices/device.c
$(BUILD)/tests/unit/vmx_pci_firmware: vmx/devices/pci_firmware.h vmx/devices/pci_host.h vmx/devices/pci_config.h
UNIT_TESTS += vmx_pci_ssdt
vmx_pci_ssdt_SRCS := tests/unit/test_vmx_pci_ssdt.c vmx/core/pci_ssdt.c
$(BUILD)/tests/unit/vmx_pci_ssdt: vmx/core/pci_ssdt.h
UNIT_TESTS += vmx_guest_rpc
vmx_guest_rpc_SRCS := tests/unit/test_vmx_guest_rpc.c vmx/devices/guest_rpc.c
$(BUILD)/tests/unit/vmx_guest_rpc: vmx/devices/guest_rpc.h
UNIT_TESTS += vmx_serial_backend
vmx_serial_backend_SRCS := tests/unit/test_vmx_serial_backend.c vmx/core/serial_backend.c vmx/core/errmsg.c \
                           vmx/core/vm_log.c
$(BUILD)/tests/unit/vmx_serial_backend: vmx/core/serial_backend.h vmx/config/vm_config.h
