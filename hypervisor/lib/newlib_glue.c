/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The system-call layer newlib expects.  This newlib (x86_64-elf, built
 * with MISSING_SYSCALL_NAMES) calls the plain POSIX names, except _exit.  The vmkernel has no files or
 * processes: stdout/stderr go to the log, sbrk grows the vmkernel heap,
 * and everything else fails cleanly with ENOSYS or EBADF.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <skerry/heap.h>
#include <skerry/log.h>
#include <skerry/panic.h>
#include <skerry/percpu.h>
#include <skerry/spinlock.h>

#undef errno
extern int errno;

static char *heap_base;
static char *heap_break;
static char *heap_limit;

void heap_init(void *base, size_t size)
{
    heap_base = heap_break = base;
    heap_limit = heap_base + size;
}

size_t heap_used_bytes(void)
{
    return (size_t)(heap_break - heap_base);
}

void *sbrk(ptrdiff_t increment)
{
    if (!heap_base || heap_break + increment > heap_limit || heap_break + increment < heap_base) {
        errno = ENOMEM;
        return (void *)-1;
    }
    char *old = heap_break;
    heap_break += increment;
    return old;
}

int write(int fd, const char *buf, int len)
{
    if (fd != 1 && fd != 2) {
        errno = EBADF;
        return -1;
    }
    log_write_raw(buf, (size_t)len);
    return len;
}

int read(int fd, char *buf, int len)
{
    (void)fd, (void)buf, (void)len;
    errno = EBADF;
    return -1;
}

int close(int fd)
{
    (void)fd;
    errno = EBADF;
    return -1;
}

int lseek(int fd, int offset, int whence)
{
    (void)fd, (void)offset, (void)whence;
    errno = ESPIPE;
    return -1;
}

int fstat(int fd, struct stat *st)
{
    if (fd < 0 || fd > 2) {
        errno = EBADF;
        return -1;
    }
    st->st_mode = S_IFCHR;
    return 0;
}

int isatty(int fd)
{
    return fd >= 0 && fd <= 2;
}

int open(const char *path, int flags, int mode)
{
    (void)path, (void)flags, (void)mode;
    errno = ENOSYS;
    return -1;
}

int getpid(void)
{
    return 1;
}

int kill(int pid, int sig)
{
    (void)pid, (void)sig;
    errno = ENOSYS;
    return -1;
}

_Noreturn void _exit(int status)
{
    panic("newlib called exit(%d) (abort or failed assert)", status);
}

/* newlib's malloc is shared by all CPUs: serialise it. Recursive per CPU. */
static spinlock_t malloc_lock = SPINLOCK_INIT;
static int malloc_lock_owner = -1;
static int malloc_lock_depth;
static uint64_t malloc_lock_flags;

struct _reent;

void __malloc_lock(struct _reent *r)
{
    (void)r;
    int me = (int)this_cpu_id();
    if (__atomic_load_n(&malloc_lock_owner, __ATOMIC_RELAXED) == me) {
        malloc_lock_depth++;
        return;
    }
    uint64_t flags = spin_lock_irqsave(&malloc_lock);
    malloc_lock_owner = me;
    malloc_lock_depth = 1;
    malloc_lock_flags = flags;
}

void __malloc_unlock(struct _reent *r)
{
    (void)r;
    if (--malloc_lock_depth)
        return;
    uint64_t flags = malloc_lock_flags;
    __atomic_store_n(&malloc_lock_owner, -1, __ATOMIC_RELAXED);
    spin_unlock_irqrestore(&malloc_lock, flags);
}
