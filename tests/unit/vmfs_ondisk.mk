# SPDX-License-Identifier: GPL-2.0-only
# Host unit tests of VMFS3's on-disk structures and block addresses, and of
# VMDK descriptors; libvmfs helpers (CRC-32, address sets).
UNIT_TESTS += vmfs_ondisk vmfs_helpers vmdk_descriptor
vmfs_ondisk_SRCS := tests/unit/test_vmfs_ondisk.c vmfs/lib/format.c
vmfs_helpers_SRCS := tests/unit/test_vmfs_helpers.c vmfs/lib/crc32.c vmfs/lib/addrset.c
vmdk_descriptor_SRCS := tests/unit/test_vmdk_descriptor.c vmfs/lib/vmdk_descriptor.c
