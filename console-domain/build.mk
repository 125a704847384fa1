# SPDX-License-Identifier: GPL-2.0-only
# The service console: Debian's kernel and a busybox initramfs, built from
# the packages pinned in packages.lock (console-domain/README.md).  Needs
# BUILD and HOST_PACKAGES_STAMP from the top GNUmakefile.
#
#   CONSOLE_KERNEL, CONSOLE_INITRD                  cloud flavour (the console)
#   CONSOLE_KERNEL_GENERIC, CONSOLE_INITRD_GENERIC  generic flavour
#
# Each initramfs also carries Skerry's vmnix module for its kernel
# (vmnix/build.mk) and the programs in CONSOLE_PROGRAMS.
#
# Logs: build/console/<flavour>.log; unpacked packages and the initramfs tree
# under build/console/<flavour>/.

CONSOLE_DIR            := $(BUILD)/console
CONSOLE_KERNEL         := $(CONSOLE_DIR)/vmlinuz
CONSOLE_INITRD         := $(CONSOLE_DIR)/initrd.img
CONSOLE_KERNEL_GENERIC := $(CONSOLE_DIR)/vmlinuz-generic
CONSOLE_INITRD_GENERIC := $(CONSOLE_DIR)/initrd-generic.img

CONSOLE_INPUTS := console-domain/build.mk console-domain/mkconsole.sh \
    console-domain/mkcpio.py console-domain/modules.txt tools/build/fetch-debs.sh \
    console-domain/rootfs.txt console-domain/rootfs_install.py \
    $(shell find console-domain/initramfs -type f -o -type l 2>/dev/null)

# Rebuilt when a package it takes from changes (every pin but newlib's): the
# stamp's name carries a hash of those lock lines.
CONSOLE_LOCK_HASH := $(shell grep -Ev '^(newlib-source=|[[:space:]]*#)' packages.lock | sha1sum | cut -c1-12)
CONSOLE_STAMP     := $(CONSOLE_DIR)/.lock-$(CONSOLE_LOCK_HASH)

$(CONSOLE_STAMP):
	@mkdir -p $(@D) && rm -f $(CONSOLE_DIR)/.lock-* && touch $@

# The vmnix module for each flavour: VMNIX_KO_CLOUD, VMNIX_KO_GENERIC.
include console-domain/vmnix/build.mk

# Skerry's own programs in the console's /usr/sbin (Debian 12 binaries).
CONSOLE_PROGRAMS := $(VMFS_PROGRAMS) $(LIBVMK_PROGRAMS) $(VMX_BIN) $(VMWARE_CMD_BIN)

# root's password and ssh keys (console-domain/credentials.sh), remade when
# the script, the invoking user's public keys or ROOT_PASSWORD change.
CONSOLE_CREDENTIALS := $(CONSOLE_DIR)/credentials
CONSOLE_CREDENTIAL_FILES := $(addprefix $(CONSOLE_CREDENTIALS)/,root-password root-password.salt authorized_keys)
ifneq ($(ROOT_PASSWORD),)
ifneq ($(ROOT_PASSWORD),$(shell cat $(CONSOLE_CREDENTIALS)/root-password 2>/dev/null))
$(shell rm -f $(CONSOLE_CREDENTIALS)/root-password)
endif
endif
$(CONSOLE_CREDENTIAL_FILES) &: console-domain/credentials.sh $(wildcard $(HOME)/.ssh/*.pub) | $(HOST_PACKAGES_STAMP)
	@console-domain/credentials.sh $(CONSOLE_CREDENTIALS)

# console_build <work-dir> <metapackage> <vmlinuz> <initrd> <vmnix.ko>
console_build = CONSOLE_CREDENTIALS=$(CONSOLE_CREDENTIALS) SKERRY_PROGRAMS="$(CONSOLE_PROGRAMS)" \
    VMNIX_KO=$(5) console-domain/mkconsole.sh packages.lock $(BUILD)/cache/debs $(1) $(2) $(3) $(4)

$(CONSOLE_KERNEL) $(CONSOLE_INITRD) &: $(CONSOLE_STAMP) $(CONSOLE_INPUTS) $(CONSOLE_CREDENTIAL_FILES) $(HOST_PACKAGES_STAMP) \
		$(CONSOLE_PROGRAMS) $(VMNIX_KO_CLOUD)
	@$(call console_build,$(CONSOLE_DIR)/cloud,linux-image-cloud-amd64,$(CONSOLE_KERNEL),$(CONSOLE_INITRD),$(VMNIX_KO_CLOUD))

$(CONSOLE_KERNEL_GENERIC) $(CONSOLE_INITRD_GENERIC) &: $(CONSOLE_STAMP) $(CONSOLE_INPUTS) $(CONSOLE_CREDENTIAL_FILES) $(HOST_PACKAGES_STAMP) \
		$(CONSOLE_PROGRAMS) $(VMNIX_KO_GENERIC)
	@$(call console_build,$(CONSOLE_DIR)/generic,linux-image-amd64,$(CONSOLE_KERNEL_GENERIC),$(CONSOLE_INITRD_GENERIC),$(VMNIX_KO_GENERIC))

# The demo guest: the console's kernel with a busybox initramfs of its own.
GUEST_INITRD := $(BUILD)/guest/initrd.img
$(GUEST_INITRD): console-domain/guest/mkguest.sh console-domain/guest/init console-domain/guest/udhcpc.script console-domain/guest/shutdown \
		console-domain/mkcpio.py console-domain/rootfs_install.py packages.lock \
		tools/build/fetch-debs.sh $(CONSOLE_STAMP) $(HOST_PACKAGES_STAMP) $(CONSOLE_KERNEL)
	@mkdir -p $(@D)
	@echo "  GUEST   $@"
	@console-domain/guest/mkguest.sh packages.lock $(BUILD)/cache/debs $(BUILD)/guest/work \
		$$(ls -d $(CONSOLE_DIR)/cloud/pkg/lib/modules/* | head -n 1) $@

.PHONY: console
console: $(CONSOLE_KERNEL) $(CONSOLE_INITRD) $(CONSOLE_KERNEL_GENERIC) $(CONSOLE_INITRD_GENERIC)
