# SPDX-License-Identifier: GPL-2.0-only
# libvmk (the vmkernel's invocations through /dev/vmkernel) and the console
# programs built on it.  Plain Debian 12 binaries, as VMFS's: the console
# build copies LIBVMK_PROGRAMS into the console's /usr/sbin.

LIBVMK_CFLAGS := -std=c11 -Wall -Wextra -Werror -O2 -g -D_DEFAULT_SOURCE \
              -Itools/libvmk -Ihypervisor/include/public -Iconsole-domain/vmnix
LIBVMK_OBJ    := $(BUILD)/obj/libvmk
LIBVMK_LIB    := $(LIBVMK_OBJ)/libvmk.a
LIBVMK_HDRS   := tools/libvmk/vmk.h tools/check_lines.h console-domain/vmnix/vmnix_ioctl.h \
              $(wildcard hypervisor/include/public/skerry/*.h)

LIBVMK_PROGRAMS := $(BIN)/vmklogger $(BIN)/vmkcall $(BIN)/vmkdump $(BIN)/vmkbench $(BIN)/vmktest $(BIN)/vmkfuzz

$(LIBVMK_OBJ)/vmk.o: tools/libvmk/vmk.c $(LIBVMK_HDRS) tools/libvmk/build.mk | $(HOST_PACKAGES_STAMP)
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	@$(HOST_CC) $(LIBVMK_CFLAGS) -c $< -o $@

$(LIBVMK_LIB): $(LIBVMK_OBJ)/vmk.o
	@rm -f $@
	@ar rcs $@ $^

$(LIBVMK_PROGRAMS): $(BIN)/%: tools/%.c $(LIBVMK_LIB) $(LIBVMK_HDRS)
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	@$(HOST_CC) $(LIBVMK_CFLAGS) $< $(LIBVMK_LIB) -o $@

.PHONY: libvmk
libvmk: $(LIBVMK_LIB) $(LIBVMK_PROGRAMS)
