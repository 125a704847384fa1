# SPDX-License-Identifier: GPL-2.0-only
# Host unit test of the vmxnet3 NIC model (vmx/devices/vmxnet3.c), driven
# through the PCI host bridge as Linux's vmxnet3 driver drives it.  The
# header line rebuilds the test when one of them changes.
UNIT_TESTS += vmx_vmxnet3
vmx_vmxnet3_SRCS := tests/unit/test_vmx_vmxnet3.c vmx/devices/vmxnet3.c vmx/devices/pci_config.c \
                    vmx/devices/pci_host.c vmx/devices/device.c
$(BUILD)/tests/unit/vmx_vmxnet3: vmx/devices/be_bytes.h vmx/devices/device.h vmx/devices/pci_config.h vmx/devices/pci_host.h \
                                 vmx/devices/vmxnet3.h
