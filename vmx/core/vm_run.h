/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The loop that runs a started VM: each I/O request a vCPU leaves in the
 * channel's page is served on the VM's bus and completed; the device
 * models' timers are kept; the loop ends when the guest powers off or
 * resets, when the domain ends by itself (a triple fault), or when this
 * process is told to stop.
 */
#ifndef SKERRY_VMX_VM_RUN_H
#define SKERRY_VMX_VM_RUN_H

#include <signal.h>

#include "vm.h"
#include "vm_devices.h"

enum vm_end {
    VM_END_POWEROFF,            /* the guest turned itself off (ACPI S5) */
    VM_END_RESET,               /* the guest reset the machine */
    VM_END_DIED,                /* the domain ended in the vmkernel (triple fault...) */
    VM_END_STOPPED,             /* a signal: stop hard */
    VM_END_RESET_HARD,          /* a signal: reset hard */
    VM_END_ERROR,               /* the vmkernel refused to serve it */
};

/* What vmware-cmd asks of the running VM: power operations by signal,
 * the rest on the control socket (vm_control.h). */
struct vm_requests {
    volatile sig_atomic_t stop;         /* SIGTERM, SIGINT, SIGHUP: power off hard */
    volatile sig_atomic_t reset;        /* SIGUSR1: reset hard */
    volatile sig_atomic_t button;       /* SIGUSR2: press the ACPI power button */
    int control_fd;                     /* the control socket, -1: none */
};

enum vm_end vm_run(struct vm *vm, struct vm_devices *d, struct vm_requests *rq);

#endif
