# SPDX-License-Identifier: GPL-2.0-only
# Host unit tests of VMFS3's on-disk structures and block addresses, and of
# VMDK descriptors.
UNIT_TESTS += vmfs_ondisk vmdk_descriptor
vmfs_ondisk_SRCS := tests/unit/test_vmfs_ondisk.c vmfs/lib/format.c
vmdk_descriptor_SRCS := tests/unit/test_vmdk_descriptor.c vmfs/lib/vmdk_descriptor.c
