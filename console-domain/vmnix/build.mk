# SPDX-License-Identifier: GPL-2.0-only
# The vmnix kernel module, built with Kbuild against the exact Debian
# kernels the console boots (both flavours), from their headers packages
# unpacked under $(BUILD)/console/kheaders (kheaders.sh).  Included by
# console-domain/build.mk, which puts each .ko in its flavour's initramfs.
#
#   VMNIX_KO_CLOUD, VMNIX_KO_GENERIC    the modules
#
# Kbuild builds an external module in its source directory, so each
# flavour compiles a copy of the sources in $(BUILD)/obj/vmnix/<release>/.

VMNIX_SRC      := console-domain/vmnix
VMNIX_SRCS     := $(wildcard $(VMNIX_SRC)/*.c $(VMNIX_SRC)/*.h) $(VMNIX_SRC)/Kbuild
VMNIX_ABI_HDRS := $(wildcard hypervisor/include/public/skerry/*.h)
VMNIX_KHEADERS := $(BUILD)/console/kheaders

# The kernel releases the lock pins (linux-image-<release>=...).
VMNIX_RELEASE_CLOUD   := $(shell sed -n 's/^linux-image-\([0-9][^=]*-cloud-amd64\)=.*/\1/p' packages.lock | head -n 1)
VMNIX_RELEASE_GENERIC := $(shell sed -n 's/^linux-image-\([0-9][^=]*-[0-9]*-amd64\)=.*/\1/p' packages.lock | head -n 1)
VMNIX_KO_CLOUD   := $(BUILD)/obj/vmnix/$(VMNIX_RELEASE_CLOUD)/vmnix.ko
VMNIX_KO_GENERIC := $(BUILD)/obj/vmnix/$(VMNIX_RELEASE_GENERIC)/vmnix.ko

# Unpacked again when a pin changes (CONSOLE_LOCK_HASH is in the stamp's name).
VMNIX_KHEADERS_STAMP := $(VMNIX_KHEADERS)/.lock-$(CONSOLE_LOCK_HASH)
$(VMNIX_KHEADERS_STAMP): $(VMNIX_SRC)/kheaders.sh tools/build/fetch-debs.sh | $(HOST_PACKAGES_STAMP)
	@echo "  KHEADERS $(VMNIX_RELEASE_CLOUD) $(VMNIX_RELEASE_GENERIC)"
	@$(VMNIX_SRC)/kheaders.sh packages.lock $(BUILD)/cache/debs $(VMNIX_KHEADERS) \
		$(VMNIX_RELEASE_CLOUD) $(VMNIX_RELEASE_GENERIC) >/dev/null
	@touch $@

# vmnix_module <release>: W=1, and -Werror in Kbuild, so a warning fails.
define vmnix_module
$(BUILD)/obj/vmnix/$(1)/vmnix.ko: $(VMNIX_SRCS) $(VMNIX_ABI_HDRS) $(VMNIX_KHEADERS_STAMP) $(VMNIX_SRC)/build.mk
	@echo "  KBUILD  $$@"
	@rm -rf $$(@D) && mkdir -p $$(@D) && cp $(VMNIX_SRCS) $$(@D)/
	@$(MAKE) -C $(VMNIX_KHEADERS)/usr/src/linux-headers-$(1) M=$(abspath $$(@D)) W=1 \
		SKERRY_ABI_INCLUDE=$(abspath hypervisor/include/public) >$$(@D)/build.log 2>&1 || \
		{ cat $$(@D)/build.log; exit 1; }
endef
$(eval $(call vmnix_module,$(VMNIX_RELEASE_CLOUD)))
$(eval $(call vmnix_module,$(VMNIX_RELEASE_GENERIC)))

.PHONY: vmnix
vmnix: $(VMNIX_KO_CLOUD) $(VMNIX_KO_GENERIC)
