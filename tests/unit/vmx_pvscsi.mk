# SPDX-License-Identifier: GPL-2.0-only
# Host unit test of the PVSCSI controller and the SCSI disk behind it
# (vmx/devices/pvscsi.c, scsi_disk.c), reached through the PCI host bridge
# as Linux's vmw_pvscsi reaches them.
UNIT_TESTS += vmx_pvscsi
vmx_pvscsi_SRCS := tests/unit/test_vmx_pvscsi.c vmx/devices/pvscsi.c vmx/devices/scsi_disk.c \
                   vmx/devices/pci_config.c vmx/devices/pci_host.c vmx/devices/device.c
$(BUILD)/tests/unit/vmx_pvscsi: vmx/devices/be_bytes.h vmx/devices/device.h vmx/devices/pci_config.h vmx/devices/pci_host.h \
                                vmx/devices/pvscsi.h vmx/devices/scsi_disk.h
