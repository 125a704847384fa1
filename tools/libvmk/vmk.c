// SPDX-License-Identifier: GPL-2.0-only
/* libvmk: /dev/vmkernel's ioctl as the generated stubs' SK_INVOKE. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "vmk.h"
#include "vmnix_ioctl.h"

_Static_assert(VMNIX_NR_MRS == SK_MSG_MAX_REGS, "one mr[] slot per message register");

static int vmk_fd = -1;

long vmk_open(void)
{
    if (vmk_fd >= 0)
        return 0;
    int fd = open(VMNIX_DEVICE, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    vmk_fd = fd;
    return 0;
}

void vmk_close(void)
{
    if (vmk_fd >= 0)
        close(vmk_fd);
    vmk_fd = -1;
}

long vmk_call(sk_cptr_t cap, sk_msginfo_t *info, sk_word_t mr[SK_MSG_MAX_REGS])
{
    struct vmnix_invoke req = { .cptr = cap, .msginfo = *info };

    if (vmk_fd < 0)
        return -EBADF;
    memcpy(req.mr, mr, sizeof req.mr);
    if (ioctl(vmk_fd, VMNIX_IOC_INVOKE, &req) < 0)
        return -errno;
    memcpy(mr, req.mr, sizeof req.mr);
    *info = req.msginfo;
    return req.error;
}

long vmk_invoke(sk_cptr_t cap, sk_msginfo_t info, sk_word_t mr[SK_MSG_MAX_REGS])
{
    return vmk_call(cap, &info, mr);
}

long vmk_bench(unsigned long long *count, unsigned long long *ns)
{
    struct vmnix_bench req = { .count = *count };

    if (vmk_fd < 0)
        return -EBADF;
    if (ioctl(vmk_fd, VMNIX_IOC_BENCH, &req) < 0)
        return -errno;
    *count = req.count;
    *ns = req.ns;
    return req.error;
}

long vmk_fuzz(struct vmnix_fuzz *req)
{
    if (vmk_fd < 0)
        return -EBADF;
    return ioctl(vmk_fd, VMNIX_IOC_FUZZ, req) < 0 ? -errno : 0;
}

long vmk_watch(sk_cptr_t notification)
{
    struct vmnix_watch req = { .cptr = notification };

    if (vmk_fd < 0)
        return -EBADF;
    if (ioctl(vmk_fd, VMNIX_IOC_WATCH, &req) < 0)
        return -errno;
    return req.error;
}

long vmk_read_events(struct vmk_event *events, unsigned max, bool nonblock)
{
    if (vmk_fd < 0)
        return -EBADF;
    int flags = fcntl(vmk_fd, F_GETFL);
    if (flags < 0 || fcntl(vmk_fd, F_SETFL, nonblock ? flags | O_NONBLOCK : flags & ~O_NONBLOCK) < 0)
        return -errno;
    ssize_t n = read(vmk_fd, events, (size_t)max * sizeof events[0]);
    return n < 0 ? -errno : (long)(n / (ssize_t)sizeof events[0]);
}

int vmk_event_fd(void)
{
    return vmk_fd;
}

static void *map(void *addr, uint64_t phys, size_t len, int flags)
{
    if (vmk_fd < 0) {
        errno = EBADF;
        return NULL;
    }
    void *p = mmap(addr, len, PROT_READ | PROT_WRITE, MAP_SHARED | flags, vmk_fd, (off_t)phys);
    return p == MAP_FAILED ? NULL : p;
}

void *vmk_map(uint64_t phys, size_t len)
{
    return map(NULL, phys, len, 0);
}

void *vmk_map_at(void *addr, uint64_t phys, size_t len)
{
    return map(addr, phys, len, MAP_FIXED);
}

static const char *const sk_errors[SK_E_NR_ERRORS] = {
    [SK_OK] = "success",
    [SK_E_INVALID_ARGUMENT] = "invalid argument to the invocation",
    [SK_E_INVALID_CAPABILITY] = "the capability slot is empty or holds the wrong type of object",
    [SK_E_ILLEGAL_OPERATION] = "the object does not support this invocation",
    [SK_E_RANGE] = "an argument is out of range",
    [SK_E_ALIGNMENT] = "an address or size is misaligned",
    [SK_E_FAILED_LOOKUP] = "a capability pointer or slot is outside the capability space",
    [SK_E_TRUNCATED_MESSAGE] = "fewer capabilities or words than the invocation needs",
    [SK_E_DELETE_FIRST] = "the destination slot is occupied",
    [SK_E_REVOKE_FIRST] = "the untyped memory still has objects carved from it",
    [SK_E_NOT_ENOUGH_MEMORY] = "the vmkernel has not enough memory",
    [SK_E_INSUFFICIENT_RIGHTS] = "the capability lacks the rights the invocation needs",
    [SK_E_BUSY] = "the object is in use",
    [SK_E_NOT_PRIVILEGED] = "the vmkernel's configuration does not allow this call",
    [SK_E_NO_SYSCALL] = "the vmkernel knows no such system call",
};

const char *vmk_strerror(long err)
{
    if (err >= 0) {
        if (err < SK_E_NR_ERRORS && sk_errors[err])
            return sk_errors[err];
        return "unknown vmkernel error code";
    }
    switch (-err) {
    case ENOSYS: return "the vmkernel does not answer hypercalls (an older vmkernel)";
    case ENODEV: return "the service console does not run under the Skerry vmkernel";
    case ENOENT: return "no " VMNIX_DEVICE " (is the vmnix module loaded?)";
    case EACCES: return VMNIX_DEVICE " is for root only";
    case EPERM:  return VMNIX_DEVICE " needs CAP_SYS_ADMIN";
    case EBADF:  return VMNIX_DEVICE " is not open (vmk_open)";
    case EINVAL: return "the message uses more than 8 message registers";
    case ENOTTY: return VMNIX_DEVICE " does not know this request (a different vmnix module?)";
    default:     return strerror((int)-err);
    }
}

_Static_assert(sizeof(struct vmk_event) == sizeof(struct vmnix_event), "vmk_event is vmnix_event");
