# SPDX-License-Identifier: GPL-2.0-only
# Host unit tests of the SVM permission maps, the ELF64 reader of test
# domains and the round-robin scheduling policy.
UNIT_TESTS += permission_maps elf64 sched_rr
permission_maps_SRCS := tests/unit/test_permission_maps.c hypervisor/arch/x86_64/svm/permission_maps.c
elf64_SRCS := tests/unit/test_elf64.c hypervisor/core/elf64.c
sched_rr_SRCS := tests/unit/test_sched_rr.c hypervisor/core/sched_rr.c
