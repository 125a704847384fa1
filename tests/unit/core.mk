# SPDX-License-Identifier: GPL-2.0-only
# Host unit tests of the pure-logic core modules and of the x86-64 table
# parsers and builders (frame allocator, Multiboot, command line, log ring,
# ACPI, nested page tables, guest page walker).
UNIT_TESTS += frame_alloc multiboot cmdline log_ring acpi_parse npt guest_walk
frame_alloc_SRCS := tests/unit/test_frame_alloc.c hypervisor/core/frame_alloc.c
multiboot_SRCS := tests/unit/test_multiboot.c hypervisor/core/multiboot.c
cmdline_SRCS := tests/unit/test_cmdline.c hypervisor/core/cmdline.c
log_ring_SRCS := tests/unit/test_log_ring.c hypervisor/core/log_ring.c
acpi_parse_SRCS := tests/unit/test_acpi_parse.c hypervisor/arch/x86_64/acpi_parse.c
npt_SRCS := tests/unit/test_npt.c hypervisor/arch/x86_64/npt.c
guest_walk_SRCS := tests/unit/test_guest_walk.c hypervisor/arch/x86_64/guest_walk.c

UNIT_TESTS += cap
cap_SRCS := tests/unit/test_cap.c hypervisor/core/cap_space.c hypervisor/core/cap_untyped.c \
            hypervisor/core/cap_invoke.c
