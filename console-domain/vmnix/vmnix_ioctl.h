/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * /dev/vmkernel's interface, shared by the vmnix module and libvmk
 * (tools/libvmk).  One ioctl makes one vmkernel invocation: the caller fills
 * cptr, msginfo and the message registers; on return msginfo is the reply's
 * message info, mr[] the results and error the vmkernel's SK_OK or SK_E_*
 * code (skerry/abi.h).  The ioctl itself fails only when no invocation was
 * made:
 *   EFAULT  the argument is not readable/writable memory
 *   EINVAL  msginfo asks for more than SK_MSG_MAX_REGS message registers
 *   ENOSYS  the vmkernel does not answer hypercalls (an older vmkernel)
 *   ENODEV  the console does not run under the Skerry vmkernel
 *   ENOTTY  not one of the VMNIX_IOC_* below
 * Every field is 64-bit, so 32-bit callers share the layout.
 *
 * VMNIX_IOC_BENCH times count null invocations (SYSTEM null, VMMCALL after
 * VMMCALL in the module, no user/kernel crossing in between) and returns
 * the elapsed nanoseconds: the in-kernel half of make bench's null
 * invocation figure.  count is 1..VMNIX_BENCH_MAX (EINVAL otherwise);
 * error is the first invocation's failure (the loop stops there), and
 * ENOSYS/ENODEV as for INVOKE; EINTR when a signal cut the loop short.
 */
#ifndef VMNIX_IOCTL_H
#define VMNIX_IOCTL_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define VMNIX_DEVICE        "/dev/vmkernel"
#define VMNIX_NR_MRS        8

struct vmnix_invoke {
    __u64 cptr;               /* in: the capability invoked (a dom0 cspace slot) */
    __u64 msginfo;            /* in: label, caps, length; out: the reply's */
    __u64 mr[VMNIX_NR_MRS];   /* in: arguments; out: results (or the error's detail) */
    __s64 error;              /* out: SK_OK or SK_E_* */
};

struct vmnix_bench {
    __u64 count;              /* in: how many null invocations; out: how many were made */
    __u64 ns;                 /* out: their total time */
    __s64 error;              /* out: SK_OK or the SK_E_* that stopped the loop */
};
#define VMNIX_BENCH_MAX     10000000u

/*
 * VMNIX_IOC_WATCH makes a notification of the console's cspace readable on
 * this file: the vmnix module binds it to its event line, and read()
 * returns struct vmnix_event records (the notification and the bits
 * signalled on it since the last read; the bits are taken), blocking
 * unless O_NONBLOCK (then EAGAIN); poll() reports POLLIN when one is
 * pending.  error is the vmkernel's answer to the binding (SK_E_BUSY: a
 * notification bound elsewhere).  EEXIST: watched already; ENOSPC: more
 * than VMNIX_WATCH_MAX; ENODEV: the module has no event line.  read()
 * with nothing watched fails with ENOENT, with a buffer smaller than one
 * record with EINVAL.  Closing the file unbinds them.
 *
 * mmap(offset = a physical address) maps memory the console was given
 * through capabilities (a frame or an I/O-request channel's shared page,
 * mapped into the console with DOMAIN map_frame first); never the
 * console's own RAM (EPERM).  Shared, page-aligned.
 */
/*
 * VMNIX_IOC_FUZZ makes count (1..VMNIX_FUZZ_MAX) random invocations from
 * the module (fuzz.c says what is random and what is kept from the
 * console's own capabilities): slots first..first+slots-1 of the
 * console's cspace are the sandbox (at least 24; the first holds an
 * untyped), seed the generator.  Out: how many were made, their time,
 * how many ended with each error code, how many returned a code outside
 * the ABI (strange) or a reply of the wrong length (bad_length).  EINTR:
 * a signal cut it short.
 */
struct vmnix_fuzz {
    __u64 seed, count, first, slots;
    __u64 ns;
    __u64 by_error[16];
    __u64 strange, bad_length;
};
#define VMNIX_FUZZ_MAX      100000000u

struct vmnix_watch {
    __u64 cptr;               /* in: a notification */
    __s64 error;              /* out: SK_OK or SK_E_* */
};
struct vmnix_event {
    __u64 cptr;
    __u64 bits;
};
#define VMNIX_WATCH_MAX     16u

#define VMNIX_IOC_MAGIC     'S'
#define VMNIX_IOC_INVOKE    _IOWR(VMNIX_IOC_MAGIC, 0x01, struct vmnix_invoke)
#define VMNIX_IOC_BENCH     _IOWR(VMNIX_IOC_MAGIC, 0x02, struct vmnix_bench)
#define VMNIX_IOC_WATCH     _IOWR(VMNIX_IOC_MAGIC, 0x03, struct vmnix_watch)
#define VMNIX_IOC_FUZZ      _IOWR(VMNIX_IOC_MAGIC, 0x04, struct vmnix_fuzz)

_Static_assert(sizeof(struct vmnix_invoke) == 88, "vmnix_invoke layout is part of the ABI");
_Static_assert(sizeof(struct vmnix_bench) == 24, "vmnix_bench layout is part of the ABI");
_Static_assert(sizeof(struct vmnix_fuzz) == 184, "vmnix_fuzz layout is part of the ABI");
_Static_assert(sizeof(struct vmnix_watch) == 16 && sizeof(struct vmnix_event) == 16,
               "vmnix_watch and vmnix_event layouts are part of the ABI");

#endif
