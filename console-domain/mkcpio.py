#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Write a directory tree as an uncompressed newc cpio archive (an initramfs).

    mkcpio.py [--mtime SECONDS] [--node PATH MODE TYPE MAJOR MINOR]... DIR >out.cpio

Every entry is owned by root (uid/gid 0) and carries the same mtime, and the
entries come in sorted order, so the same tree always gives the same bytes.
--node adds a device node that the tree cannot hold without root rights, e.g.
`--node dev/console 0600 c 5 1` (the kernel opens /dev/console before it runs
/init).  Regular files, directories and symbolic links are supported; hard
links are stored as separate files.
"""
import argparse
import os
import stat
import sys


class Writer:
    def __init__(self, out, mtime):
        self.out = out
        self.mtime = mtime
        self.ino = 1
        self.pos = 0

    def _write(self, data):
        self.out.write(data)
        self.pos += len(data)

    def _pad(self):
        if self.pos % 4:
            self._write(b"\0" * (4 - self.pos % 4))

    def entry(self, name, mode, data=b"", nlink=1, rdev=(0, 0)):
        name_b = name.encode() + b"\0"
        fields = (self.ino, mode, 0, 0, nlink, self.mtime, len(data),
                  0, 0, rdev[0], rdev[1], len(name_b), 0)
        self.ino += 1
        self._write(b"070701" + b"".join(b"%08X" % f for f in fields))
        self._write(name_b)
        self._pad()
        self._write(data)
        self._pad()

    def trailer(self):
        self.ino = 0
        self.entry("TRAILER!!!", 0)
        # The kernel does not need it, but cpio(1) pads archives to 512 bytes.
        if self.pos % 512:
            self._write(b"\0" * (512 - self.pos % 512))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mtime", type=int, default=0)
    ap.add_argument("--node", nargs=5, action="append", default=[],
                    metavar=("PATH", "MODE", "TYPE", "MAJOR", "MINOR"))
    ap.add_argument("root")
    args = ap.parse_args()

    entries = {}
    for dirpath, dirnames, filenames in os.walk(args.root):
        dirnames.sort()
        for n in dirnames + filenames:
            full = os.path.join(dirpath, n)
            entries[os.path.relpath(full, args.root)] = full
    for path, mode, kind, major, minor in args.node:
        path = path.strip("/")
        if kind not in ("c", "b"):
            sys.exit(f"mkcpio.py: --node {path}: type must be c or b")
        entries[path] = (int(mode, 8) | (stat.S_IFCHR if kind == "c" else stat.S_IFBLK),
                         int(major), int(minor))

    w = Writer(sys.stdout.buffer, args.mtime)
    # The root itself: the kernel applies its mode to / (else / stays the
    # rootfs default, world-writable).
    w.entry(".", stat.S_IFDIR | 0o755, nlink=2)
    # Sorted by path components so that a directory precedes its contents.
    for rel in sorted(entries, key=lambda p: p.split("/")):
        src = entries[rel]
        if isinstance(src, tuple):
            w.entry(rel, src[0], rdev=(src[1], src[2]))
            continue
        st = os.lstat(src)
        perm = stat.S_IMODE(st.st_mode)
        if stat.S_ISDIR(st.st_mode):
            w.entry(rel, stat.S_IFDIR | perm, nlink=2)
        elif stat.S_ISLNK(st.st_mode):
            w.entry(rel, stat.S_IFLNK | 0o777, os.readlink(src).encode())
        elif stat.S_ISREG(st.st_mode):
            with open(src, "rb") as f:
                w.entry(rel, stat.S_IFREG | perm, f.read())
        else:
            sys.exit(f"mkcpio.py: {src}: unsupported file type")
    w.trailer()


if __name__ == "__main__":
    main()
