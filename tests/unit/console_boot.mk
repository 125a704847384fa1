# SPDX-License-Identifier: GPL-2.0-only
# Host unit tests of what boots the service console: the ACPI tables it
# sees (vdev), the bzImage setup header and the zero page with its e820 map.
UNIT_TESTS += acpi_build bzimage zeropage
acpi_build_SRCS := tests/unit/test_acpi_build.c hypervisor/vdev/acpi_build.c \
                   hypervisor/arch/x86_64/acpi_parse.c
bzimage_SRCS := tests/unit/test_bzimage.c hypervisor/core/bzimage.c
zeropage_SRCS := tests/unit/test_zeropage.c hypervisor/core/zeropage.c hypervisor/core/bzimage.c
