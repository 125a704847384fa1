// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmnix: the service console's link to the Skerry vmkernel, named after
 * ESX's.  It finds the vmkernel (CPUID), checks that the SYSTEM capability
 * answers, and offers /dev/vmkernel (dev.c) and /proc/vmware (proc.c).
 * Under an older vmkernel, which answers no hypercall, it still loads: the
 * /proc files say so and the ioctl fails with ENOSYS.
 */
#include <linux/module.h>
#include <linux/printk.h>
#include "vmnix.h"

static void vmnix_find_vmkernel(void)
{
    struct sk_any_identify_result id;
    long err;

    vmnix_cpuid_abi = vmnix_probe_cpuid();
    if (!vmnix_cpuid_abi) {
        vmnix_state = VMNIX_NOT_SKERRY;
        pr_warn("vmnix: not running under the Skerry vmkernel; /dev/vmkernel will fail with ENODEV\n");
        return;
    }
    vmnix_state = VMNIX_NO_HYPERCALLS;      /* lets the probe through */
    err = sk_any_identify(SK_CAP_SYSTEM, &id);
    if (err == -ENOSYS) {
        pr_warn("vmnix: vmkernel ABI %u.%u answers no hypercalls (an older vmkernel)\n",
                vmnix_cpuid_abi >> 16, vmnix_cpuid_abi & 0xffff);
        return;
    }
    vmnix_state = VMNIX_READY;
    if (err != SK_OK)
        pr_warn("vmnix: identify on the SYSTEM capability (slot %u) failed: %s (%ld)\n",
                SK_CAP_SYSTEM, vmnix_error_text(err), err);
    else if (id.type != SK_OBJ_SYSTEM)
        pr_warn("vmnix: slot %u holds an object of type %llu, not SYSTEM\n",
                SK_CAP_SYSTEM, id.type);
    else
        pr_info("vmnix: vmkernel ABI %u.%u, SYSTEM capability rights %#llx\n",
                vmnix_cpuid_abi >> 16, vmnix_cpuid_abi & 0xffff, id.rights);
}

static int __init vmnix_init(void)
{
    int err;

    vmnix_find_vmkernel();
    err = vmnix_dev_init();
    if (err) {
        pr_err("vmnix: cannot register /dev/vmkernel (%d)\n", err);
        return err;
    }
    err = vmnix_proc_init();
    if (err) {
        pr_err("vmnix: cannot create /proc/vmware (%d)\n", err);
        vmnix_dev_exit();
        return err;
    }
    vmnix_events_init();              /* without it, only notification reads fail */
    return 0;
}

static void __exit vmnix_exit(void)
{
    vmnix_events_exit();
    vmnix_proc_exit();
    vmnix_dev_exit();
}

module_init(vmnix_init);
module_exit(vmnix_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Skerry service console: /dev/vmkernel and /proc/vmware");
MODULE_AUTHOR("Skerry");
