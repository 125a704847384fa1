# SPDX-License-Identifier: GPL-2.0-only
# Host unit tests (tests/unit/*.mk register them) and test domains.

UNIT_TESTS :=
include $(wildcard tests/unit/*.mk)

UNIT_TEST_DIR := $(BUILD)/tests/unit
UNIT_TEST_BINS := $(addprefix $(UNIT_TEST_DIR)/,$(UNIT_TESTS))
UNIT_CFLAGS := $(HOST_CFLAGS) -Ihypervisor/include -Ihypervisor/arch/x86_64/include -Itests/unit -Ivmfs/include -Ilib/boot/include

define unit_test_rule
$(UNIT_TEST_DIR)/$(1): $$($(1)_SRCS) $$(wildcard hypervisor/include/skerry/*.h hypervisor/arch/x86_64/include/arch/*.h lib/boot/include/boot/*.h) tests/unit/check.h
	@mkdir -p $$(@D)
	@echo "  HOSTCC  $$@"
	@$(HOST_CC) $(UNIT_CFLAGS) $$($(1)_SRCS) -o $$@
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_test_rule,$(t))))

include tests/guests/build.mk
include tests/fuzz/fuzz.mk
include tests/vmfs/build.mk
