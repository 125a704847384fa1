# SPDX-License-Identifier: GPL-2.0-only
# Host unit tests of the virtual interrupt controllers (hypervisor/vdev).
UNIT_TESTS += vlapic vioapic
vlapic_SRCS := tests/unit/test_vlapic.c hypervisor/vdev/vlapic.c
vioapic_SRCS := tests/unit/test_vioapic.c hypervisor/vdev/vioapic.c
