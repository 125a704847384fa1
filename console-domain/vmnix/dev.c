// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/vmkernel: root's way to the vmkernel.  One ioctl, VMNIX_IOC_INVOKE
 * (vmnix_ioctl.h), makes one invocation on a capability of the console's
 * cspace.  The node is 0600 root, and open also wants CAP_SYS_ADMIN: the
 * console's capabilities are the machine's, so a process that only got the
 * file descriptor's permissions (a setuid mistake, a chmod) still needs
 * the administrator's capability.  A second ioctl, VMNIX_IOC_BENCH, times
 * null invocations made back to back in the module (make bench).
 * VMNIX_IOC_WATCH, read() and poll() report notifications (events.c);
 * mmap maps frames the console holds (mmap.c).
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include "vmnix.h"
#include "vmnix_ioctl.h"

_Static_assert(VMNIX_NR_MRS == SK_MSG_MAX_REGS, "one mr[] slot per message register");

static int vmnix_open(struct inode *inode, struct file *file)
{
    struct vmnix_watch_list *w;

    if (!capable(CAP_SYS_ADMIN))
        return -EPERM;
    w = kzalloc(sizeof(*w), GFP_KERNEL);
    if (!w)
        return -ENOMEM;
    vmnix_watch_init(w);
    file->private_data = w;
    return nonseekable_open(inode, file);
}

static int vmnix_release(struct inode *inode, struct file *file)
{
    struct vmnix_watch_list *w = file->private_data;

    vmnix_watch_release(w);
    kfree(w);
    return 0;
}

static ssize_t vmnix_read(struct file *file, char __user *buf, size_t len, loff_t *off)
{
    return vmnix_events_read(file->private_data, buf, len, file->f_flags & O_NONBLOCK);
}

static __poll_t vmnix_poll(struct file *file, poll_table *pt)
{
    return vmnix_events_poll(file->private_data, file, pt);
}

static long vmnix_do_invoke(struct vmnix_invoke __user *uarg)
{
    struct vmnix_invoke req;
    long err;

    if (copy_from_user(&req, uarg, sizeof(req)))
        return -EFAULT;
    if (sk_msginfo_caps(req.msginfo) + sk_msginfo_length(req.msginfo) > SK_MSG_MAX_REGS)
        return -EINVAL;
    err = vmnix_hypercall(req.cptr, &req.msginfo, req.mr);
    if (err < 0)                /* -ENOSYS, -ENODEV: no invocation was made */
        return err;
    req.error = err;
    if (copy_to_user(uarg, &req, sizeof(req)))
        return -EFAULT;
    return 0;
}

/*
 * count SYSTEM null invocations in a loop, timed with the kernel's
 * monotonic clock.  Preemptible between calls (cond_resched), so a long
 * run under emulation cannot stall the console's only vCPU (a reschedule
 * then counts in the time), and a signal ends it with EINTR.
 */
static long vmnix_do_bench(struct vmnix_bench __user *uarg)
{
    struct vmnix_bench req;
    u64 i, start;
    long err = SK_OK;

    if (copy_from_user(&req, uarg, sizeof(req)))
        return -EFAULT;
    if (req.count == 0 || req.count > VMNIX_BENCH_MAX)
        return -EINVAL;
    start = ktime_get_ns();
    for (i = 0; i < req.count; i++) {
        sk_msginfo_t info = sk_msginfo_new(SK_INV_SYSTEM_NULL, 0, 0);
        sk_word_t mr[SK_MSG_MAX_REGS] = { 0 };

        err = vmnix_hypercall(SK_CAP_SYSTEM, &info, mr);
        if (err != SK_OK)
            break;
        if ((i & 1023) == 1023) {
            if (signal_pending(current)) {
                err = -EINTR;   /* a long run under emulation can be interrupted */
                break;
            }
            cond_resched();
        }
    }
    req.ns = ktime_get_ns() - start;
    if (err < 0)                /* -ENOSYS, -ENODEV, -EINTR */
        return err;
    req.count = i;
    req.error = err;
    if (copy_to_user(uarg, &req, sizeof(req)))
        return -EFAULT;
    return 0;
}

static long vmnix_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
    switch (cmd) {
    case VMNIX_IOC_INVOKE:
        return vmnix_do_invoke((struct vmnix_invoke __user *)arg);
    case VMNIX_IOC_BENCH:
        return vmnix_do_bench((struct vmnix_bench __user *)arg);
    case VMNIX_IOC_FUZZ:
        return vmnix_do_fuzz((struct vmnix_fuzz __user *)arg);
    case VMNIX_IOC_WATCH:
        return vmnix_watch(file->private_data, (struct vmnix_watch __user *)arg);
    default:
        return -ENOTTY;
    }
}

static const struct file_operations vmnix_fops = {
    .owner = THIS_MODULE,
    .open = vmnix_open,
    .release = vmnix_release,
    .read = vmnix_read,
    .poll = vmnix_poll,
    .mmap = vmnix_mmap,
    .unlocked_ioctl = vmnix_ioctl,
    .compat_ioctl = compat_ptr_ioctl,
    .llseek = no_llseek,
};

static struct miscdevice vmnix_misc = {
    .minor = MISC_DYNAMIC_MINOR,
    .name = "vmkernel",
    .fops = &vmnix_fops,
    .mode = 0600,
};

int vmnix_dev_init(void)
{
    return misc_register(&vmnix_misc);
}

void vmnix_dev_exit(void)
{
    misc_deregister(&vmnix_misc);
}
