#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Copy programs from unpacked Debian packages into a root file system,
together with every shared library they need.

    rootfs_install.py --pool DIR --root DIR PATH...

DIR given to --pool holds the packages unpacked on top of each other
(`dpkg-deb -x` of each); each PATH (absolute, as in the package) is copied
from there into the root.  Symbolic links are kept and their targets
copied too.  Then, for every ELF file copied, its program interpreter and
its DT_NEEDED libraries are looked up in the pool (in DT_RUNPATH, then the
Debian multiarch and plain library directories) and copied, recursively.
A library that is nowhere in the pool is an error: the package that has it
is missing from the lock file's library closure.

Prints one line per file copied; exit status 1 with a message on error.
"""
import argparse
import os
import shutil
import struct
import sys

LIBRARY_DIRS = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/lib", "/usr/lib"]

PT_INTERP = 3
PT_DYNAMIC = 2
DT_NEEDED = 1
DT_STRTAB = 5
DT_RUNPATH = 29
DT_RPATH = 15


class ElfError(Exception):
    pass


def elf_dependencies(data):
    """(interpreter or None, [needed sonames], [runpath dirs]) of a 64-bit
    little-endian ELF image; None if data is not such an ELF file."""
    if len(data) < 64 or data[:4] != b"\x7fELF":
        return None
    if data[4] != 2 or data[5] != 1:
        raise ElfError("not a 64-bit little-endian ELF file")
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    if phentsize < 56 or phoff + phnum * phentsize > len(data):
        raise ElfError("program headers out of the file")
    loads, interp, dynamic = [], None, None
    for i in range(phnum):
        p_type, _, p_offset, p_vaddr, _, p_filesz, _, _ = struct.unpack_from(
            "<IIQQQQQQ", data, phoff + i * phentsize)
        if p_offset + p_filesz > len(data):
            raise ElfError("segment out of the file")
        if p_type == 1:
            loads.append((p_vaddr, p_offset, p_filesz))
        elif p_type == PT_INTERP:
            interp = data[p_offset:p_offset + p_filesz].split(b"\0")[0].decode()
        elif p_type == PT_DYNAMIC:
            dynamic = (p_offset, p_filesz)
    if dynamic is None:
        return interp, [], []

    def file_offset(vaddr):
        for start, offset, size in loads:
            if start <= vaddr < start + size:
                return offset + vaddr - start
        raise ElfError("dynamic string table is not in a loaded segment")

    entries = []
    off, end = dynamic[0], dynamic[0] + dynamic[1]
    while off + 16 <= end:
        tag, val = struct.unpack_from("<qQ", data, off)
        if tag == 0:
            break
        entries.append((tag, val))
        off += 16
    strtab = [v for t, v in entries if t == DT_STRTAB]
    if not strtab:
        raise ElfError("no dynamic string table")
    base = file_offset(strtab[0])

    def string(index):
        stop = data.find(b"\0", base + index)
        if stop < 0:
            raise ElfError("unterminated dynamic string")
        return data[base + index:stop].decode()

    needed = [string(v) for t, v in entries if t == DT_NEEDED]
    runpath = []
    for t, v in entries:
        if t in (DT_RUNPATH, DT_RPATH):
            runpath += [d for d in string(v).split(":") if d and "$" not in d]
    return interp, needed, runpath


class Installer:
    def __init__(self, pool, root):
        self.pool = pool
        self.root = root
        self.done = set()

    def _pool_path(self, path):
        return os.path.join(self.pool, path.lstrip("/"))

    def copy(self, path):
        """Copy absolute `path` (a file or a chain of links) from the pool."""
        path = os.path.normpath(path)
        if path in self.done:
            return
        src = self._pool_path(path)
        # The directories leading there may be links too (usr-merge layouts).
        real_dir = os.path.realpath(os.path.dirname(src))
        if not real_dir.startswith(os.path.realpath(self.pool)):
            raise ElfError(f"{path}: leads out of the package pool")
        if not os.path.lexists(src):
            raise FileNotFoundError(path)
        self.done.add(path)
        dst = os.path.join(self.root, path.lstrip("/"))
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if os.path.islink(src):
            target = os.readlink(src)
            if os.path.lexists(dst):
                os.unlink(dst)
            os.symlink(target, dst)
            print(f"{path} -> {target}")
            resolved = target if target.startswith("/") else os.path.join(os.path.dirname(path), target)
            self.copy(resolved)
            return
        shutil.copy2(src, dst)
        print(path)
        with open(src, "rb") as f:
            data = f.read()
        try:
            deps = elf_dependencies(data)
        except ElfError as e:
            raise ElfError(f"{path}: {e}") from None
        if deps is None:
            return
        interp, needed, runpath = deps
        if interp:
            self.copy(interp)
        for soname in needed:
            self.copy(self.find_library(soname, runpath, path))

    def find_library(self, soname, runpath, user):
        for d in runpath + LIBRARY_DIRS:
            candidate = os.path.join(d, soname)
            if os.path.lexists(self._pool_path(candidate)):
                return candidate
        raise ElfError(f"{user} needs {soname}, which no package in the pool has "
                       "(pin the package that ships it with fetch-debs.sh --with-libs --lock)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pool", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("paths", nargs="+")
    args = ap.parse_args()
    inst = Installer(args.pool, args.root)
    try:
        for p in args.paths:
            if not p.startswith("/"):
                raise ElfError(f"{p}: give the absolute path inside the package")
            inst.copy(p)
    except FileNotFoundError as e:
        sys.exit(f"rootfs_install: {e.args[0]}: not in any package of the pool")
    except ElfError as e:
        sys.exit(f"rootfs_install: {e}")


if __name__ == "__main__":
    main()
