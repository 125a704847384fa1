# SPDX-License-Identifier: GPL-2.0-only
# The vmkernel: build/vmkernel.elf, an ELF32 container around x86-64 code
# (QEMU's Multiboot loader only accepts 32-bit ELF files).

include hypervisor/lib/newlib.mk

VMK_OBJ_DIR := $(BUILD)/obj/hypervisor
VMKERNEL_ELF := $(BUILD)/vmkernel.elf
VMKERNEL_ELF64 := $(BUILD)/obj/vmkernel64.elf

VMK_SRCS := $(wildcard hypervisor/arch/x86_64/*.c hypervisor/arch/x86_64/*/*.c \
                       hypervisor/core/*.c hypervisor/vdev/*.c hypervisor/lib/*.c \
                       lib/boot/*.c)
VMK_ASM  := $(wildcard hypervisor/arch/x86_64/*.S hypervisor/arch/x86_64/*/*.S)
VMK_OBJS := $(patsubst %.c,$(VMK_OBJ_DIR)/%.o,$(VMK_SRCS)) \
            $(patsubst %.S,$(VMK_OBJ_DIR)/%.o,$(VMK_ASM))

# The vmkernel's own code never touches SSE (see arch/fpu.h), keeps frame
# pointers for the purple-screen backtrace and runs identity-mapped low.
VMK_CFLAGS := -std=c11 -Wall -Wextra -Werror -O2 -g -ffreestanding -fno-pic -fno-pie \
              -mno-red-zone -mgeneral-regs-only -mcmodel=small -fno-stack-protector \
              -fno-omit-frame-pointer -fno-asynchronous-unwind-tables -fno-builtin-malloc \
              -nostdinc -isystem $(NEWLIB_INCLUDE) -isystem $(shell gcc -print-file-name=include) \
              -Ihypervisor/include -Ihypervisor/arch/x86_64/include -Ilib/boot/include -MMD -MP
VMK_ASFLAGS := -Ihypervisor/arch/x86_64/include -MMD -MP
VMK_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments \
               -T hypervisor/arch/x86_64/linker.ld

$(VMK_OBJ_DIR)/%.o: %.c $(NEWLIB_LIBC)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@gcc $(VMK_CFLAGS) -c $< -o $@

$(VMK_OBJ_DIR)/%.o: %.S
	@mkdir -p $(@D)
	@echo "  AS      $<"
	@gcc $(VMK_ASFLAGS) -c $< -o $@

$(VMKERNEL_ELF64): $(VMK_OBJS) $(NEWLIB_LIBC) hypervisor/arch/x86_64/linker.ld
	@echo "  LD      $@"
	@ld $(VMK_LDFLAGS) -o $@ $(VMK_OBJS) $(NEWLIB_LIBC)

$(VMKERNEL_ELF): $(VMKERNEL_ELF64)
	@objcopy -O elf32-i386 $< $@

-include $(VMK_OBJS:.o=.d)

# The invocations header is generated from its one description (and kept
# in git, so that the console's module and libvmk build without Python);
# tests/system/abi-generated.sh checks that it is current.
ABI_DESC := hypervisor/abi/invocations.txt
ABI_HDR  := hypervisor/include/public/skerry/invocations.h
.PHONY: abi
abi:
	@python3 hypervisor/abi/gen_invocations.py $(ABI_DESC) $(ABI_HDR)
	@echo "  GEN     $(ABI_HDR)"
