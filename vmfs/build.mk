# SPDX-License-Identifier: GPL-2.0-only
# VMFS3: libvmfs and its programs (vmfs/README.md).  Host programs land in
# $(BIN): vmkfstools, vmfs-fuse, vmfs-fsck.  They are plain Debian 12
# binaries, so the same files run in the service console.

VMFS_CFLAGS := -std=c11 -Wall -Wextra -Werror -O2 -g -D_DEFAULT_SOURCE -Ivmfs/include -Ivmfs/lib
VMFS_OBJ    := $(BUILD)/obj/vmfs
VMFS_LIB    := $(VMFS_OBJ)/libvmfs.a
VMFS_HDRS   := $(wildcard vmfs/include/vmfs/*.h vmfs/lib/*.h)
VMFS_LIB_SRCS := $(wildcard vmfs/lib/*.c)
VMFS_LIB_OBJS := $(patsubst vmfs/lib/%.c,$(VMFS_OBJ)/%.o,$(VMFS_LIB_SRCS))

VMFS_PROGRAMS := $(BIN)/vmkfstools $(BIN)/vmfs-fuse $(BIN)/vmfs-fsck

$(VMFS_OBJ)/%.o: vmfs/lib/%.c $(VMFS_HDRS) vmfs/build.mk | $(HOST_PACKAGES_STAMP)
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	@$(HOST_CC) $(VMFS_CFLAGS) -c $< -o $@

$(VMFS_LIB): $(VMFS_LIB_OBJS)
	@rm -f $@
	@ar rcs $@ $^

$(BIN)/vmkfstools: vmfs/tools/vmkfstools.c $(wildcard vmfs/tools/*.h) $(VMFS_LIB) $(VMFS_HDRS)
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	@$(HOST_CC) $(VMFS_CFLAGS) $(filter %.c,$^) $(VMFS_LIB) -o $@

$(BIN)/vmfs-fsck: vmfs/tools/vmfs-fsck.c $(VMFS_LIB) $(VMFS_HDRS)
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	@$(HOST_CC) $(VMFS_CFLAGS) $(filter %.c,$^) $(VMFS_LIB) -o $@

$(BIN)/vmfs-fuse: vmfs/tools/vmfs-fuse.c vmfs/tools/fuse_loop.c vmfs/tools/fuse_loop.h $(VMFS_LIB) $(VMFS_HDRS) \
		| $(HOST_PACKAGES_STAMP)
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	@$(HOST_CC) $(VMFS_CFLAGS) $$(pkg-config --cflags fuse3) $(filter %.c,$^) $(VMFS_LIB) \
		$$(pkg-config --libs fuse3) -lpthread -o $@

.PHONY: vmfs
vmfs: $(VMFS_PROGRAMS)
