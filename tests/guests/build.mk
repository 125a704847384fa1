# SPDX-License-Identifier: GPL-2.0-only
# Test domains: one freestanding ELF64 per tests/guests/<name>.c, linked
# with the runtime in tests/guests/lib/.  See tests/guests/README.md.

GUEST_DIR  := $(BUILD)/tests/guests
GUEST_SRCS := $(wildcard tests/guests/*.c)
TEST_GUESTS := $(patsubst tests/guests/%.c,$(GUEST_DIR)/%.elf,$(GUEST_SRCS))
GUEST_LIB_SRCS := $(wildcard tests/guests/lib/*.c tests/guests/lib/*.S)
GUEST_LIB_OBJS := $(patsubst tests/guests/lib/%,$(GUEST_DIR)/lib/%.o,$(GUEST_LIB_SRCS))
GUEST_CFLAGS := -std=c11 -Wall -Wextra -Werror -O2 -g -ffreestanding -fno-pic -fno-pie \
                -mno-red-zone -mgeneral-regs-only -fno-stack-protector -fno-builtin \
                -fno-asynchronous-unwind-tables -Itests/guests/lib -Ihypervisor/include -MMD -MP
GUEST_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=4096 -z noexecstack \
                 --no-warn-rwx-segments -T tests/guests/lib/linker.ld

$(GUEST_DIR)/lib/%.c.o: tests/guests/lib/%.c
	@mkdir -p $(@D)
	@echo "  GUESTCC $<"
	@gcc $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_DIR)/lib/%.S.o: tests/guests/lib/%.S
	@mkdir -p $(@D)
	@echo "  GUESTAS $<"
	@gcc $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_DIR)/%.o: tests/guests/%.c
	@mkdir -p $(@D)
	@echo "  GUESTCC $<"
	@gcc $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_DIR)/%.elf: $(GUEST_DIR)/%.o $(GUEST_LIB_OBJS) tests/guests/lib/linker.ld
	@ld $(GUEST_LDFLAGS) -o $@ $< $(GUEST_LIB_OBJS)

-include $(GUEST_LIB_OBJS:.o=.d) $(TEST_GUESTS:.elf=.d)
