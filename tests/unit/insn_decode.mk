# SPDX-License-Identifier: GPL-2.0-only
# Host unit tests for the x86 instruction decoder and MMIO emulation.
UNIT_TESTS += insn_decode mmio_emulate
insn_decode_SRCS := tests/unit/test_insn_decode.c hypervisor/arch/x86_64/insn_decode.c
mmio_emulate_SRCS := tests/unit/test_mmio_emulate.c hypervisor/arch/x86_64/mmio_emulate.c hypervisor/arch/x86_64/insn_decode.c
