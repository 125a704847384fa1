# SPDX-License-Identifier: GPL-2.0-only
# libFuzzer targets for the parsers of untrusted input (tests/fuzz/fuzz_*.c),
# built with clang 14 and AddressSanitizer + UndefinedBehaviorSanitizer.
# Included from tests/build.mk; $(BUILD) comes from the top GNUmakefile.
#
# Needs the Debian packages clang-14 and libclang-rt-14-dev (the latter has
# libclang_rt.fuzzer and the sanitizer runtimes; clang only recommends it,
# so an install with --no-install-recommends leaves it out).
#
#   make fuzz          build every target into $(BUILD)/tests/fuzz/
#   make fuzz-smoke    build them and run each briefly (tests/fuzz/run-smoke.sh)

FUZZ_CC     := clang-14
FUZZ_CFLAGS := -Itests/fuzz -std=c11 -Wall -Wextra -Werror -O1 -g -D_DEFAULT_SOURCE \
               -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
               -Ihypervisor/include -Ihypervisor/arch/x86_64/include -Ivmfs/include
FUZZ_DIR    := $(BUILD)/tests/fuzz

FUZZ_NAMES := multiboot acpi elf64 insn_decode cmdline vmfs_meta vmdk vmx_dict guest_rpc
fuzz_multiboot_SRCS   := tests/fuzz/fuzz_multiboot.c hypervisor/core/multiboot.c
fuzz_acpi_SRCS        := tests/fuzz/fuzz_acpi.c hypervisor/arch/x86_64/acpi_parse.c
fuzz_elf64_SRCS       := tests/fuzz/fuzz_elf64.c hypervisor/core/elf64.c
fuzz_insn_decode_SRCS := tests/fuzz/fuzz_insn_decode.c hypervisor/arch/x86_64/insn_decode.c \
                         hypervisor/arch/x86_64/mmio_emulate.c
fuzz_cmdline_SRCS     := tests/fuzz/fuzz_cmdline.c hypervisor/core/cmdline.c
fuzz_vmfs_meta_SRCS   := tests/fuzz/fuzz_vmfs_meta.c $(filter-out vmfs/lib/vmdk_descriptor.c,$(wildcard vmfs/lib/*.c))
fuzz_vmdk_SRCS        := tests/fuzz/fuzz_vmdk.c vmfs/lib/vmdk_descriptor.c
fuzz_vmx_dict_SRCS    := tests/fuzz/fuzz_vmx_dict.c vmx/config/vmx_dict.c vmx/config/vm_config.c
fuzz_guest_rpc_SRCS   := tests/fuzz/fuzz_guest_rpc.c vmx/devices/guest_rpc.c

FUZZ_TARGETS := $(addprefix $(FUZZ_DIR)/fuzz_,$(FUZZ_NAMES))

define fuzz_target_rule
$(FUZZ_DIR)/fuzz_$(1): $$(fuzz_$(1)_SRCS) tests/fuzz/fuzz.mk tests/fuzz/fuzz.h \
		$$(wildcard hypervisor/include/skerry/*.h hypervisor/arch/x86_64/include/arch/*.h vmfs/lib/*.h vmfs/include/vmfs/*.h) \
		| $(HOST_PACKAGES_STAMP)
	@mkdir -p $$(@D)
	@echo "  FUZZCC  $$@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -Ivmfs/lib $$(fuzz_$(1)_SRCS) -o $$@
endef
$(foreach t,$(FUZZ_NAMES),$(eval $(call fuzz_target_rule,$(t))))

.PHONY: fuzz fuzz-smoke
fuzz: $(FUZZ_TARGETS)

fuzz-smoke: $(FUZZ_TARGETS)
	@tests/fuzz/run-smoke.sh
