#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Model-based random test of the VMFS FUSE mount (tests/system/vmfs-model.sh).

Random operations (create, write at random offsets, overwrite, append,
truncate, ftruncate, read-back, mkdir, rmdir, unlink, rename, symlink, hard
link, chmod, stat, listdir, and populate/depopulate: hundreds of files
made in or removed from one directory) are applied to two directories: one
on our vmfs-fuse mount (the system under test) and one on tmpfs (the
model).  Every operation's outcome must agree (return value, size, data
read, or the errno's name); right after it, so must the paths it touched,
their parents, where a symlink among them leads, and every hard link of a
file among them (type, permission bits, owner, link count, size, symlink
target, directory entries, contents byte for byte); at checkpoints the two
trees are compared whole, hard-link groups included.  What differs by
nature is left out (see signature).

  model_test.py run SEED START STOP TOTAL VMFS_DIR MODEL_DIR
      operations START..STOP-1 of a run of TOTAL for SEED.  START 0 makes
      both directories (they must not exist); otherwise they are compared
      whole first (the mount was remounted in between).  The operations
      depend only on the seed, their index and the model's tree, so a run
      replays exactly.  VMFS_MODEL_TRACE=1 prints each operation to stderr.
  model_test.py compare VMFS_DIR MODEL_DIR
      compares two trees whole (used through vmfs-tools' own vmfs-fuse).

Exit status 0 when everything agreed; otherwise 1 and a description of
the first divergence on stdout: the operation's index, name and arguments
and what differed.
"""
import ctypes
import errno
import hashlib
import os
import random
import stat
import sys
import traceback

KiB, MiB = 1 << 10, 1 << 20
MAX_DEPTH = 4           # new entries only in directories at most this deep
FULL_COMPARE_LIMIT = 2 * MiB   # after an operation, larger files are compared in windows
CHECKPOINTS = 1         # whole-tree comparisons per run (besides start and end)
# Operations that change no path, type or inode (only contents, sizes and
# modes): the model's tree is not scanned again after them.
CONTENT_OPS = ('write', 'overwrite', 'append', 'truncate', 'ftruncate', 'chmod', 'read', 'stat', 'listdir')

# A small pool of names, so that operations often collide with existing
# entries (EEXIST, ENOTEMPTY, replacing renames, ...); 'A' and 'a' are two
# names.  VMFS3 names hold at most 127 bytes (statfs f_namemax = 127, where
# tmpfs takes 255: longer names are left out); two names are exactly that
# long.
NAMES = ['a', 'A', 'b', 'c', 'd', 'e', 'f', 'file.vmdk', 'with space', 'ünï', 'x' * 127, 'é' * 63 + 'x']

try:
    _libc = ctypes.CDLL(None, use_errno=True)
    _renameat2 = _libc.renameat2
    _renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
except (OSError, AttributeError):
    _renameat2 = None
AT_FDCWD, RENAME_NOREPLACE = -100, 1
CURRENT = ''    # the operation under way, for a report if the test itself fails


def rename_noreplace(src, dst):
    if _renameat2(AT_FDCWD, os.fsencode(src), AT_FDCWD, os.fsencode(dst), RENAME_NOREPLACE) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def errname(e):
    return errno.errorcode.get(e.errno, str(e.errno))


def kind_of(mode):
    if stat.S_ISREG(mode):
        return 'file'
    if stat.S_ISDIR(mode):
        return 'dir'
    if stat.S_ISLNK(mode):
        return 'symlink'
    return 'other(%o)' % stat.S_IFMT(mode)


def first_difference(pa, pb, ranges):
    """Compares two files' bytes over ranges [(off, length or None to EOF)]
    by reading both side by side (a stricter and, on 300 MiB sparse files,
    much cheaper test than comparing sha1 digests); None when equal, else
    where they differ first."""
    with open(pa, 'rb', buffering=0) as fa, open(pb, 'rb', buffering=0) as fb:
        for off, length in ranges:
            off, n = max(0, off), 0
            fa.seek(off)
            fb.seek(off)
            while length is None or n < length:
                want = MiB if length is None else min(MiB, length - n)
                x, y = fa.read(want), fb.read(want)
                if x != y:
                    k = next((i for i in range(min(len(x), len(y))) if x[i] != y[i]), min(len(x), len(y)))
                    return 'from byte %d: tmpfs %s, vmfs %s (%s)' % (
                        off + n + k, x[k:k + 8].hex() or 'EOF', y[k:k + 8].hex() or 'EOF',
                        'sha1 of the files %s, %s' % (sha1_of(pa), sha1_of(pb)))
                if not x:
                    break
                n += len(x)
    return None


def sha1_of(path):
    h = hashlib.sha1()
    with open(path, 'rb', buffering=0) as f:
        while b := f.read(MiB):
            h.update(b)
    return h.hexdigest()[:12]


def signature(root, rel, st=None):
    """What must agree about one path, but a file's contents (see
    compare_path).  Deliberately left out, as they differ by nature:
    timestamps (each filesystem stamps its own clock, VMFS keeps whole
    seconds), st_blocks (VMFS allocates 64 KiB sub-blocks and 1 MiB blocks,
    tmpfs pages), st_ino/st_dev (but which names are hard links of one file
    is compared, see link_groups), and the size of directories (VMFS's
    directory files vs tmpfs's count of entries)."""
    p = os.path.join(root, rel)
    try:
        st = st or os.lstat(p)
    except OSError as e:
        return {'exists': 'no (%s)' % errname(e)}
    k = kind_of(st.st_mode)
    s = {'exists': 'yes', 'type': k, 'perm': '%04o' % stat.S_IMODE(st.st_mode), 'uid': st.st_uid,
         'gid': st.st_gid, 'nlink': st.st_nlink}
    try:
        if k == 'file':
            s['size'] = st.st_size
        elif k == 'symlink':
            s['size'] = st.st_size
            s['target'] = os.readlink(p)
        elif k == 'dir':
            s['entries'] = sorted(os.listdir(p))
    except OSError as e:
        s['error'] = '%s reading it' % errname(e)
    return s


def compare_path(model, vmfs, rel, full=True, windows=(), stats=(None, None)):
    """None when rel agrees on both sides, else what differs.  Files are
    compared whole when full or at most FULL_COMPARE_LIMIT long; otherwise
    (after an operation, on large sparse files) their head, tail and the
    windows the operation touched: they are compared whole at checkpoints.
    stats: both sides' lstat when known already."""
    a, b = signature(model, rel, stats[0]), signature(vmfs, rel, stats[1])
    if a != b:
        return describe_diff(a, b)
    if a.get('type') != 'file':
        return None
    ranges = [(0, None)]
    if not full and a['size'] > FULL_COMPARE_LIMIT:
        ranges = [(0, MiB), (a['size'] - MiB, MiB)] + list(windows)
    try:
        d = first_difference(os.path.join(model, rel), os.path.join(vmfs, rel), ranges)
    except OSError as e:
        d = '%s reading it (%s)' % (errname(e), e.filename)
    return d and 'contents differ ' + d


def describe_diff(a, b):
    keys = [k for k in list(a) + [k for k in b if k not in a] if a.get(k) != b.get(k)]
    out = []
    for k in keys:
        va, vb = a.get(k, '(none)'), b.get(k, '(none)')
        if k == 'entries':
            va = 'only on tmpfs: %s' % sorted(set(va) - set(vb)) if isinstance(vb, list) else va
            vb = 'only on vmfs: %s' % sorted(set(vb) - set(a.get(k, []))) if isinstance(vb, list) else vb
        out.append('%s: tmpfs %s, vmfs %s' % (k, va, vb))
    return '; '.join(out)


def scan(root):
    """{relative path: lstat} for the whole tree, the root as ''."""
    out = {'': os.lstat(root)}
    todo = ['']
    while todo:
        rel = todo.pop()
        with os.scandir(os.path.join(root, rel)) as it:
            for e in it:
                r = os.path.join(rel, e.name)
                st = e.stat(follow_symlinks=False)
                out[r] = st
                if stat.S_ISDIR(st.st_mode):
                    todo.append(r)
    return out


def kinds_scan(root):
    """{relative path: (kind, inode number)} for the whole tree, from the
    directory entries alone (no stat: the model is scanned after most
    operations)."""
    out = {'': ('dir', os.lstat(root).st_ino)}
    todo = ['']
    while todo:
        rel = todo.pop()
        with os.scandir(os.path.join(root, rel)) as it:
            for e in it:
                r = rel + '/' + e.name if rel else e.name
                if e.is_symlink():
                    out[r] = ('symlink', e.inode())
                elif e.is_dir(follow_symlinks=False):
                    out[r] = ('dir', e.inode())
                    todo.append(r)
                else:
                    out[r] = ('file', e.inode())
    return out


def link_groups(tree):
    """Regular files grouped by inode: which paths are hard links of which."""
    by_ino = {}
    for rel, st in tree.items():
        if stat.S_ISREG(st.st_mode):
            by_ino.setdefault(st.st_ino, []).append(rel)
    return sorted(sorted(g) for g in by_ino.values() if len(g) > 1)


def compare_trees(vmfs, model):
    """None when identical, else what differs (first few differences)."""
    tv, tm = scan(vmfs), scan(model)
    problems = []
    missing = sorted(set(tm) - set(tv))
    extra = sorted(set(tv) - set(tm))
    if missing:
        problems.append('missing on vmfs: %s' % missing[:8])
    if extra:
        problems.append('only on vmfs: %s' % extra[:8])
    for rel in sorted(set(tm) & set(tv)):
        d = compare_path(model, vmfs, rel, stats=(tm[rel], tv[rel]))
        if d:
            problems.append('%r: %s' % (rel or '.', d))
            if len(problems) >= 6:
                break
    if not problems:
        gm, gv = link_groups(tm), link_groups(tv)
        if gm != gv:
            problems.append('hard links differ: tmpfs %s, vmfs %s' % (gm, gv))
    return '\n    '.join(problems) if problems else None


def is_bulk(rel):
    n = rel[rel.rfind('/') + 1:]
    return n[:1] == 'm' and n[1:].isdigit()


def short(rel):
    """A path for messages: long ones elided in the middle."""
    return repr(rel if len(rel) < 60 else '%s...(%d bytes)...%s' % (rel[:24], len(rel.encode()), rel[-24:]))


class Op:
    """One operation: name, arguments (printable) and data (not printed)."""

    def __init__(self, name, args, data=b'', windows=()):
        self.name, self.args, self.data, self.windows = name, args, data, windows

    def __str__(self):
        parts = []
        for k, v in self.args.items():
            v = short(v) if isinstance(v, str) else oct(v) if k == 'mode' else repr(v)
            parts.append(v if k in ('path', 'src', 'dst') else '%s=%s' % (k, v))
        if self.name in ('create', 'write', 'overwrite', 'append'):
            parts.append('data=%d bytes%s' % (len(self.data), ' (zeros)' if self.data and not any(self.data[:64]) else ''))
        return '%s(%s)' % (self.name, ', '.join(parts))


def apply(op, root):
    """Performs op under root; returns its outcome (equal on both sides)."""
    a = op.args
    j = lambda k: os.path.join(root, a[k])
    try:
        if op.name in ('create', 'write', 'overwrite', 'append', 'ftruncate'):
            flags = {'create': os.O_WRONLY | os.O_CREAT | a.get('flags', 0),
                     'write': os.O_WRONLY, 'overwrite': os.O_WRONLY | os.O_TRUNC,
                     'append': os.O_WRONLY | os.O_APPEND, 'ftruncate': os.O_WRONLY}[op.name]
            fd = os.open(j('path'), flags, a.get('mode', 0o644))
            try:
                if op.name == 'ftruncate':
                    os.ftruncate(fd, a['size'])
                    n = 0
                elif op.name == 'write':
                    n = os.pwrite(fd, op.data, a['off'])
                else:
                    n = os.write(fd, op.data) if op.data else 0
                if a.get('fsync'):
                    os.fsync(fd)
                size = os.fstat(fd).st_size
            finally:
                os.close(fd)
            return ('ok', n, 'size %d' % size)
        if op.name == 'truncate':
            os.truncate(j('path'), a['size'])
        elif op.name == 'read':
            fd = os.open(j('path'), os.O_RDONLY)
            try:
                h, got = hashlib.sha1(), 0
                while got < a['len']:
                    b = os.pread(fd, min(MiB, a['len'] - got), a['off'] + got)
                    if not b:
                        break
                    h.update(b)
                    got += len(b)
            finally:
                os.close(fd)
            return ('ok', got, h.hexdigest()[:16])
        elif op.name == 'mkdir':
            os.mkdir(j('path'), a['mode'])
        elif op.name == 'rmdir':
            os.rmdir(j('path'))
        elif op.name == 'unlink':
            os.unlink(j('path'))
        elif op.name == 'rename':
            if a.get('noreplace'):
                rename_noreplace(j('src'), j('dst'))
            else:
                os.rename(j('src'), j('dst'))
        elif op.name == 'symlink':
            os.symlink(a['target'], j('path'))
        elif op.name == 'link':
            os.link(j('src'), j('dst'), follow_symlinks=False)
        elif op.name == 'chmod':
            os.chmod(j('path'), a['mode'])
        elif op.name == 'stat':
            st = os.stat(j('path'))    # follows symlinks, unlike the checks
            return ('ok', kind_of(st.st_mode), '%04o' % stat.S_IMODE(st.st_mode),
                    st.st_size if stat.S_ISREG(st.st_mode) else '-')
        elif op.name == 'listdir':
            return ('ok', sorted(os.listdir(j('path'))))
        elif op.name == 'populate':
            for k in range(a['count']):
                fd = os.open(os.path.join(j('path'), 'm%d' % k), os.O_WRONLY | os.O_CREAT, 0o644)
                try:
                    os.write(fd, b'%d\n' % k * (k % 7))
                finally:
                    os.close(fd)
        elif op.name == 'depopulate':
            # Every every-th of the entries made by populate, from first on.
            names = sorted(n for n in os.listdir(j('path')) if is_bulk(n))
            for n in names[a['first']::a['every']]:
                os.unlink(os.path.join(j('path'), n))
            return ('ok', len(names))
        else:
            raise ValueError(op.name)
        return ('ok',)
    except OSError as e:
        return ('error', errname(e))


class Model:
    def __init__(self, seed, vmfs, model):
        self.seed, self.vmfs, self.model = seed, vmfs, model
        self.last_touch = {}
        self.outcomes = {}

    # -- picking paths from the model's tree ------------------------------
    def refresh(self):
        self.tree = kinds_scan(self.model)
        every = sorted(self.tree)
        # populate's files (m<number>) are mostly left to populate and
        # depopulate: they would crowd everything else out of the picks.
        self.bulk, self.paths = [], []
        for p in every:
            (self.bulk if is_bulk(p) else self.paths).append(p)
        self.of = {'file': [], 'dir': [], 'symlink': []}
        for p in self.paths:
            self.of[self.tree[p][0]].append(p)
        self.files = [p for p in every if self.tree[p][0] == 'file']

    def existing(self, kind=None, strict=0.85):
        """An existing entry (not the root) of the kind wanted, mostly; else
        any entry, a missing path or a path under a file (error cases)."""
        if self.bulk and self.rng.random() < 0.03:
            return self.rng.choice(self.bulk)
        r = self.rng.random()
        pool = [p for p in (self.of[kind] if kind else self.paths) if p]
        if pool and r < strict:
            return self.rng.choice(pool)
        if r < 0.95 and len(self.paths) > 1:
            return self.rng.choice(self.paths[1:])
        if r < 0.975 and self.of['file']:
            return os.path.join(self.rng.choice(self.of['file']), self.rng.choice(NAMES))
        return os.path.join(self.rng.choice(self.of['dir']), 'missing', self.rng.choice(NAMES))

    def escapes(self, rel):
        """Whether following rel (symlinks included) leaves the model's root.
        Symlink targets are relative and stay inside when made, but a symlink
        or a directory above it can be moved since: "../../x" may then lead
        out of the root, to different places on the two sides."""
        todo, stack, hops, gone = rel.split('/')[::-1], [], 0, False
        while todo:
            c = todo.pop()
            if c in ('', '.'):
                continue
            if c == '..':
                if not stack:
                    return True
                stack.pop()
                continue
            p = os.path.join(self.model, *stack, c)
            if not gone and not os.path.lexists(p):
                gone = True     # nothing below a missing name: no more symlinks
            if not gone and os.path.islink(p):
                hops += 1
                t = os.readlink(p)
                if t.startswith('/'):
                    return True
                if hops > 40:
                    return False    # ELOOP on both sides
                todo += t.split('/')[::-1]
            else:
                stack.append(c)
        return False

    def safe(self, path):
        """path, or a missing one in its place when following it would
        leave the root (see escapes)."""
        return os.path.join(os.path.dirname(path), 'missing') if self.escapes(path) else path

    def followed(self):
        """For operations that follow symlinks: a file, sometimes a symlink
        (to a file, a directory, nothing, or itself: ELOOP)."""
        return self.safe(self.existing('symlink' if self.rng.random() < 0.12 else 'file'))

    def new_path(self):
        """A name in an existing directory, new or not (names repeat)."""
        dirs = [d for d in self.of['dir'] if d.count('/') + (d != '') <= MAX_DEPTH - 1]
        return os.path.join(self.rng.choice(dirs), self.rng.choice(NAMES))

    def links_of(self, rel):
        kind, ino = self.tree.get(rel, (None, None))
        if kind != 'file':
            return []
        return [p for p in self.files if self.tree[p][1] == ino]

    # -- sizes and data ------------------------------------------------------
    def size(self, far=0.03):
        """Mostly 0..300 KiB, often on the 4 KiB / 64 KiB sub-block / 1 MiB
        block boundaries; sometimes far (a sparse file up to ~300 MiB,
        beyond the 256 blocks an inode addresses directly)."""
        r = self.rng.random()
        if r < far:
            lo, hi = self.rng.choice([(MiB, 32 * MiB), (250 * MiB, 300 * MiB), (0, 300 * MiB)])
            return self.rng.randrange(lo, hi)
        if r < 0.3:
            b = self.rng.choice([4 * KiB, 64 * KiB, 128 * KiB, 192 * KiB, MiB])
            return max(0, b + self.rng.randint(-2, 2) * self.rng.choice([1, 17, 512]))
        if r < 0.4:
            return self.rng.randint(0, 100)
        return self.rng.randint(0, 300 * KiB)

    def data(self, maxlen=128 * KiB):
        n = min(self.size(far=0), maxlen) if self.rng.random() < 0.8 else self.rng.randint(0, 300 * KiB)
        if self.rng.random() < 0.1:
            return bytes(n)
        return self.rng.randbytes(n)

    # -- operations ------------------------------------------------------------
    OPS = [('create', 12), ('write', 14), ('overwrite', 4), ('append', 6), ('truncate', 6),
           ('ftruncate', 2), ('read', 8), ('mkdir', 6), ('rmdir', 4), ('unlink', 7), ('rename', 12),
           ('symlink', 6), ('link', 5), ('chmod', 4), ('stat', 2), ('listdir', 2),
           ('populate', 0.5), ('depopulate', 0.7)]

    def gen(self):
        rng = self.rng
        name = rng.choices([n for n, _ in self.OPS], [w for _, w in self.OPS])[0]
        fsync = rng.random() < 0.1
        if name == 'create':
            flags = rng.choice([0, 0, os.O_EXCL, os.O_TRUNC])
            mode = rng.choice([0o644, 0o600, 0o666, 0o755, 0o640, 0o400])
            path = self.safe(self.new_path() if rng.random() < 0.8 else self.existing())
            return Op(name, {'path': path, 'flags': flags, 'mode': mode, 'fsync': fsync}, self.data())
        if name == 'write':
            path = self.followed()
            off = self.size()
            d = self.data()
            return Op(name, {'path': path, 'off': off, 'fsync': fsync}, d, [(off - 4 * KiB, len(d) + 8 * KiB)])
        if name in ('overwrite', 'append'):
            return Op(name, {'path': self.followed(), 'fsync': fsync}, self.data())
        if name in ('truncate', 'ftruncate'):
            size = self.size(far=0.05)
            return Op(name, {'path': self.followed(), 'size': size}, windows=[(size - 8 * KiB, 8 * KiB)])
        if name == 'read':
            path = self.followed()
            try:
                st = os.stat(os.path.join(self.model, path))
                end = st.st_size if stat.S_ISREG(st.st_mode) else 0
            except OSError:
                end = 0
            off = rng.randrange(0, end + 2) if rng.random() < 0.8 else self.size()
            return Op(name, {'path': path, 'off': off, 'len': rng.choice([1, 4 * KiB, 64 * KiB, 300 * KiB, 2 * MiB])})
        if name == 'mkdir':
            return Op(name, {'path': self.new_path(), 'mode': rng.choice([0o755, 0o700, 0o777, 0o750])})
        if name == 'rmdir':
            return Op(name, {'path': self.existing('dir')})
        if name == 'unlink':
            return Op(name, {'path': self.existing(rng.choice(['file', 'file', 'symlink']))})
        if name == 'rename':
            src = self.existing(rng.choice(['file', 'file', 'dir', 'symlink']))
            r = rng.random()
            links = self.links_of(src)
            if r < 0.1 and len(links) > 1:
                dst = rng.choice([p for p in links if p != src])      # onto its own hard link
            elif r < 0.2 and self.tree.get(src, ('',))[0] == 'dir':
                dst = os.path.join(src, rng.choice(NAMES))              # into itself
            elif r < 0.55:
                dst = self.existing(rng.choice(['file', 'dir', 'symlink']))  # onto an entry
            else:
                dst = self.new_path()
            return Op(name, {'src': src, 'dst': dst, 'noreplace': _renameat2 is not None and rng.random() < 0.1})
        if name == 'symlink':
            path = self.new_path()
            r = rng.random()
            if r < 0.6 and len(self.paths) > 1:     # relative, to an entry of the tree
                target = os.path.relpath(rng.choice(self.paths[1:]), os.path.dirname(path) or '.')
            elif r < 0.8:
                target = rng.choice(NAMES)            # dangling or a neighbour
            elif r < 0.9:
                target = os.path.basename(path)       # a loop
            elif r < 0.95:
                target = 'missing/' * rng.randint(1, 5) + 'x'
            else:
                target = 'long/' * rng.randint(20, 800) + 'x'   # up to 4 KiB, dangling
            return Op(name, {'target': target, 'path': path})
        if name == 'link':
            # Hard links of files only (and of directories, which the kernel
            # refuses with EPERM before asking the filesystem): VMFS does not
            # hard-link symlinks (EPERM), where tmpfs does.
            src = self.existing(rng.choice(['file', 'file', 'file', 'dir']), strict=0.95)
            if self.tree.get(src, ('',))[0] == 'symlink':
                src = os.path.join(os.path.dirname(src), 'missing')
            return Op(name, {'src': src, 'dst': self.new_path() if rng.random() < 0.8 else self.existing()})
        if name == 'chmod':
            mode = rng.choice([0o644, 0o600, 0o755, 0o700, 0o000, 0o777, 0o444, rng.randrange(0o1000),
                               rng.randrange(0o10000)])
            return Op(name, {'path': self.safe(self.followed() if rng.random() < 0.5 else self.existing()),
                             'mode': mode})
        if name == 'stat':
            return Op(name, {'path': self.safe(self.followed() if rng.random() < 0.5 else self.existing())})
        if name == 'listdir':
            return Op(name, {'path': self.safe(self.existing('dir'))})
        if name == 'populate' and len(self.bulk) < 800:
            # Many entries in one directory: its file outgrows a 64 KiB
            # sub-block (~460 entries of 140 bytes) and then a block.
            return Op(name, {'path': self.existing('dir', strict=0.95), 'count': rng.randint(50, 600)})
        if name in ('populate', 'depopulate'):
            return Op('depopulate', {'path': self.existing('dir', strict=0.95), 'every': rng.choice([1, 1, 2, 3]),
                                     'first': rng.randint(0, 2)})
        raise ValueError(name)

    def op_paths(self, op):
        """op's own paths, their parents and whatever a symlink in them leads to."""
        out = []
        for k in ('path', 'src', 'dst'):
            if k in op.args:
                rel = op.args[k]
                out += [rel, os.path.dirname(rel)]
                real = os.path.realpath(os.path.join(self.model, rel))
                if real.startswith(self.model + os.sep):
                    out.append(os.path.relpath(real, self.model))
        return out

    def touched(self, op, before):
        """The paths whose state op may have changed: op_paths before and
        after it, and every hard link of a file among them, before and after."""
        out = before + self.op_paths(op)
        more = []
        for rel in out:
            more += self.links_of(rel)
        seen, res = set(), []
        for rel in out + more:
            if rel not in seen:
                seen.add(rel)
                res.append(rel)
        return res

    def run(self, start, stop, total):
        trace = os.environ.get('VMFS_MODEL_TRACE') == '1'
        if start == 0:
            for d in (self.vmfs, self.model):
                os.mkdir(d, 0o755)
                os.chmod(d, 0o755)
        else:
            diff = compare_trees(self.vmfs, self.model)
            if diff:
                return 'before op %d, after the unmount and remount (or since the last checkpoint ' \
                       'before them): trees differ:\n    %s' % (start, diff)
        marks = {start + (stop - start) * k // (CHECKPOINTS + 1) for k in range(1, CHECKPOINTS + 1)}
        self.refresh()
        for i in range(start, stop):
            self.rng = random.Random('%s/%d' % (self.seed, i))
            op = self.gen()
            global CURRENT
            CURRENT = 'op %d/%d %s' % (i, total, op)
            if trace:   # in full: messages elide long names
                print('op %d %s %r%s' % (i, op.name, op.args, ' data=%d bytes' % len(op.data) if op.data else ''),
                      file=sys.stderr)
            before = self.op_paths(op)
            before += [p for rel in before for p in self.links_of(rel)]
            want = apply(op, self.model)
            got = apply(op, self.vmfs)
            if op.name not in CONTENT_OPS:
                self.refresh()
            where = 'op %d/%d %s' % (i, total, op)
            key = want[0] if want[0] == 'ok' else want[1]
            self.outcomes[key] = self.outcomes.get(key, 0) + 1
            if want != got:
                return '%s: outcome differs: tmpfs %s, vmfs %s' % (where, fmt(want), fmt(got))
            for rel in self.touched(op, before):
                self.last_touch[rel] = where
                d = compare_path(self.model, self.vmfs, rel, False, op.windows)
                if d:
                    return '%s (outcome %s): afterwards %s differs: %s' % (where, fmt(want), short(rel or '.'), d)
            # At the end of the last run; otherwise the next one starts
            # with a whole comparison, after the remount.
            if i in marks or i == total - 1:
                diff = compare_trees(self.vmfs, self.model)
                if diff:
                    return 'checkpoint after op %d: trees differ:\n    %s\n  operations that last touched ' \
                           'these paths: %s' % (i, diff, self.blame(diff))
        return None

    def blame(self, diff):
        hits = sorted({w for rel, w in self.last_touch.items() if rel and repr(rel) in diff},
                      key=lambda w: int(w.split()[1].split('/')[0]))
        return '\n    '.join(hits[-4:]) or '(none recorded)'


def fmt(outcome):
    return ' '.join(str(x) for x in outcome)


def main(argv):
    os.umask(0o022)
    if len(argv) == 7 and argv[0] == 'run':
        seed, start, stop, total = (int(x) for x in argv[1:5])
        m = Model(seed, os.path.abspath(argv[5]), os.path.abspath(argv[6]))
        why = m.run(start, stop, total)
        m.refresh()
        if why:
            print(why)
            return 1
        kinds = {k: len(v) for k, v in m.of.items()}
        tree = scan(m.model)
        big = sum(1 for p in m.files if tree[p].st_size > 256 * MiB)
        print('operations %d..%d: %s; the tree: %d files (%d over 256 MiB), %d directories, %d symlinks, '
              '%d hard-linked groups' % (start, stop - 1, ', '.join('%s %d' % kv for kv in sorted(
                  m.outcomes.items(), key=lambda kv: -kv[1])), len(m.files), big, kinds['dir'] - 1,
                  kinds['symlink'], len(link_groups(tree))))
        return 0
    if len(argv) == 3 and argv[0] == 'compare':
        diff = compare_trees(argv[1], argv[2])
        if diff:
            print('trees differ:\n    %s' % diff)
            return 1
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    try:
        sys.exit(main(sys.argv[1:]))
    except Exception:   # an I/O error scanning a tree, say: a failure too, explained
        print('model_test.py stopped%s: %s' % (CURRENT and ' at ' + CURRENT,
                                                traceback.format_exc().strip().replace('\n', '\n    ')))
        sys.exit(1)
