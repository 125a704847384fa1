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
 *   ENOTTY  not VMNIX_IOC_INVOKE
 * Every field is 64-bit, so 32-bit callers share the layout.
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

#define VMNIX_IOC_MAGIC     'S'
#define VMNIX_IOC_INVOKE    _IOWR(VMNIX_IOC_MAGIC, 0x01, struct vmnix_invoke)

_Static_assert(sizeof(struct vmnix_invoke) == 88, "vmnix_invoke layout is part of the ABI");

#endif
