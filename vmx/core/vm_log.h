/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vmware.log beside the .vmx file, as ESX keeps it: each line stamped
 * "Dec 06 20:23:15.123: vmx| ", the previous runs' logs kept as
 * vmware-1.log .. vmware-5.log (the newest is -1).  What a VM's life
 * records: power on and off, its configuration, devices, guest errors.
 */
#ifndef SKERRY_VMX_VM_LOG_H
#define SKERRY_VMX_VM_LOG_H

/* Rotate and open dir/vmware.log (append: carry on with it, as after a
 * guest reset): 0, or -1 with errno. */
int vm_log_open(const char *dir, int append);
void vm_log_close(void);

/* One line (a trailing newline is added); to stderr as well when asked. */
void vm_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vm_log_also_stderr(int on);

#endif
