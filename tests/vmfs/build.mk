# SPDX-License-Identifier: GPL-2.0-only
# Test programs for the VMFS system tests (tests/system/vmfs-*.sh); they
# link libvmfs and may use its internals.
VMFS_TEST_DIR := $(BUILD)/tests/vmfs-bin
VMFS_TEST_PROGRAMS := $(VMFS_TEST_DIR)/crash_workload $(VMFS_TEST_DIR)/fuse_null

$(VMFS_TEST_DIR)/%: tests/vmfs/%.c $(VMFS_LIB) $(VMFS_HDRS)
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	@$(HOST_CC) $(VMFS_CFLAGS) $< $(VMFS_LIB) -o $@

# The benchmark's floor: a FUSE file system that keeps nothing, served by
# vmfs-fuse's request loop.
$(VMFS_TEST_DIR)/fuse_null: tests/vmfs/fuse_null.c vmfs/tools/fuse_loop.c vmfs/tools/fuse_loop.h | $(HOST_PACKAGES_STAMP)
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	@$(HOST_CC) $(VMFS_CFLAGS) $$(pkg-config --cflags fuse3) $(filter %.c,$^) $$(pkg-config --libs fuse3) -o $@
