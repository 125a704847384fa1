# SPDX-License-Identifier: GPL-2.0-only
# Host unit tests of what boots the service console: the ACPI tables it
# sees, the bzImage setup header and the zero page with its e820 map
# (lib/boot, which vmware-vmx uses for guests too).
UNIT_TESTS += acpi_build bzimage zeropage boot_area
acpi_build_SRCS := tests/unit/test_acpi_build.c lib/boot/acpi_build.c \
                   hypervisor/arch/x86_64/acpi_parse.c
bzimage_SRCS := tests/unit/test_bzimage.c lib/boot/bzimage.c
zeropage_SRCS := tests/unit/test_zeropage.c lib/boot/zeropage.c lib/boot/bzimage.c
boot_area_SRCS := tests/unit/test_boot_area.c lib/boot/boot_area.c
