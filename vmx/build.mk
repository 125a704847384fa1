# SPDX-License-Identifier: GPL-2.0-only
# vmware-vmx, the per-VM process of the service console: a Debian 12
# binary on libvmk (as the console's other programs), with the device
# models and lib/boot's Linux loader.  The console build puts it in /usr/sbin.

VMX_BIN  := $(BIN)/vmware-vmx
VMX_SRCS := vmx/vmware-vmx.c $(wildcard vmx/config/*.c vmx/core/*.c vmx/devices/*.c) \
            lib/boot/acpi_build.c lib/boot/boot_area.c lib/boot/bzimage.c lib/boot/zeropage.c \
            vmfs/lib/vmdk_descriptor.c
VMX_HDRS := $(wildcard vmx/*/*.h lib/boot/include/boot/*.h) vmfs/include/vmfs/vmdk.h

$(VMX_BIN): $(VMX_SRCS) $(VMX_HDRS) $(LIBVMK_LIB) $(LIBVMK_HDRS) vmx/build.mk
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	@$(HOST_CC) $(LIBVMK_CFLAGS) -Ivmx -Ilib/boot/include -Ivmfs/include $(VMX_SRCS) $(LIBVMK_LIB) -o $@

# vmware-cmd (tools/): power operations on registered VMs; it reads the
# state files vmware-vmx keeps (vmx/core/vm_state.c).
VMWARE_CMD_BIN  := $(BIN)/vmware-cmd
VMWARE_CMD_SRCS := tools/vmware-cmd.c vmx/core/vm_state.c vmx/core/errmsg.c vmx/core/fd_io.c

$(VMWARE_CMD_BIN): $(VMWARE_CMD_SRCS) vmx/core/vm_state.h vmx/core/errmsg.h vmx/core/fd_io.h vmx/build.mk | $(HOST_PACKAGES_STAMP)
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	@$(HOST_CC) -std=c11 -Wall -Wextra -Werror -O2 -g -D_DEFAULT_SOURCE $(VMWARE_CMD_SRCS) -o $@
