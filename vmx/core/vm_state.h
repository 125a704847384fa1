/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which VMs are powered on: a running vmware-vmx holds a state file for
 * its .vmx, /var/run/vmware/vmx-<hash of the .vmx's real path>.pid, with
 * its pid and the path.  vmware-cmd reads it for getstate and to signal
 * the VM; a second vmware-vmx for the same VM finds it taken.  A file
 * whose process is gone (or is not vmware-vmx) is stale and does not
 * count.  VMWARE_RUN_DIR overrides the directory (tests).
 */
#ifndef SKERRY_VMX_VM_STATE_H
#define SKERRY_VMX_VM_STATE_H

#include <stddef.h>
#include <sys/types.h>

/* The state file of the VM whose .vmx is at path: 0, or -1 with errno
 * (the .vmx does not exist...). */
int vm_state_file(const char *vmx, char *out, size_t cap);

/* The control socket beside it (vm_control.h), the same way. */
int vm_state_socket(const char *vmx, char *out, size_t cap);

/* The pid of the live vmware-vmx running the VM, or 0 when it is off. */
pid_t vm_state_running(const char *vmx);

/* Take the VM for this process: 0, or -1 with err (powered on already
 * by another vmware-vmx, or the run directory cannot be written). */
int vm_state_claim(const char *vmx, char *err, size_t errlen);

/* Give it up (the VM is off). */
void vm_state_release(const char *vmx);

#endif
