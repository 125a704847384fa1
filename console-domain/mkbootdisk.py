#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Make the service console's boot disk: an MBR disk image with the two
boot banks, FAT32 file systems labelled BOOTBANK1 and BOOTBANK2 (as ESXi's
system image has bootbank and altbootbank), empty.  The console keeps its
configuration there (/usr/sbin/bootbank in the console).

    mkbootdisk.py --busybox PATH [--bank-mib N] IMAGE

The file systems are made by busybox's mkdosfs (the console's own busybox,
which runs on the build host too), so no root and no host tools are needed.
Refuses to overwrite an existing IMAGE.
"""
import argparse
import os
import struct
import subprocess
import sys
import tempfile

SECTOR = 512
FIRST_LBA = 2048                 # 1 MiB alignment, as fdisk does
TYPE_FAT32_LBA = 0x0C


def mbr(partitions, disk_id):
    """A DOS partition table: [(first_lba, sectors, type)]."""
    table = bytearray(SECTOR)
    struct.pack_into("<I", table, 440, disk_id)
    for i, (lba, count, ptype) in enumerate(partitions):
        # CHS fields all-ones ("use LBA"), as for any disk past 8 GiB.
        entry = struct.pack("<B3sB3sII", 0, b"\xfe\xff\xff", ptype, b"\xfe\xff\xff", lba, count)
        table[446 + 16 * i:446 + 16 * (i + 1)] = entry
    table[510:512] = b"\x55\xaa"
    return bytes(table)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--busybox", required=True)
    ap.add_argument("--bank-mib", type=int, default=40)
    ap.add_argument("image")
    args = ap.parse_args()
    if os.path.exists(args.image):
        sys.exit(f"mkbootdisk: {args.image} exists; remove it first to start from empty banks")
    if args.bank_mib < 33:
        sys.exit("mkbootdisk: a bank needs at least 33 MiB (busybox makes FAT32)")
    bank_sectors = args.bank_mib * 1024 * 1024 // SECTOR
    parts = [(FIRST_LBA + i * bank_sectors, bank_sectors, TYPE_FAT32_LBA) for i in range(2)]
    total = FIRST_LBA + 2 * bank_sectors
    tmp = args.image + ".tmp"
    with open(tmp, "wb") as disk:
        disk.truncate(total * SECTOR)
        disk.write(mbr(parts, int.from_bytes(os.urandom(4), "little")))
        for n, (lba, count, _) in enumerate(parts, 1):
            with tempfile.NamedTemporaryFile(dir=os.path.dirname(os.path.abspath(tmp))) as part:
                part.truncate(count * SECTOR)
                part.flush()
                subprocess.run([args.busybox, "mkdosfs", "-n", f"BOOTBANK{n}", part.name],
                               check=True, stdout=subprocess.DEVNULL)
                part.seek(0)
                disk.seek(lba * SECTOR)
                # Sparse: copy only the blocks mkdosfs wrote.
                while True:
                    block = part.read(1 << 20)
                    if not block:
                        break
                    if block.count(0) != len(block):
                        disk.write(block)
                    else:
                        disk.seek(len(block), os.SEEK_CUR)
    os.rename(tmp, args.image)
    print(f"{args.image}: boot disk, banks BOOTBANK1 and BOOTBANK2 of {args.bank_mib} MiB")


if __name__ == "__main__":
    main()
