# SPDX-License-Identifier: GPL-2.0-only
# Test programs for the VMFS system tests (tests/system/vmfs-*.sh); they
# link libvmfs and may use its internals.
VMFS_TEST_DIR := $(BUILD)/tests/vmfs-bin
VMFS_TEST_PROGRAMS := $(VMFS_TEST_DIR)/crash_workload

$(VMFS_TEST_DIR)/%: tests/vmfs/%.c $(VMFS_LIB) $(VMFS_HDRS)
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	@$(HOST_CC) $(VMFS_CFLAGS) $< $(VMFS_LIB) -o $@
