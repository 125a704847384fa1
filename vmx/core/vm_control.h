/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vmware-cmd's requests to a running VM that a signal cannot carry: a
 * Unix stream socket beside the VM's state file (vm_state_socket), one
 * request line and one reply line a connection.  Requests:
 *
 *   getguestinfo <key>            "0 <value>"  (the guest's, the host's or the .vmx's guestinfo.<key>)
 *   setguestinfo <key> <value>    "0 "
 *   getheartbeat                  "0 <count>"  (VMware Tools' heartbeats)
 *   gettoolslastactive            "0 <0|1|5|100>"
 *   tools <TCLO command>          "0 "         (OS_Halt, OS_Reboot: queued for VMware Tools)
 *
 * A failure replies "<code> <reason>" with a non-zero code (the VMControl
 * error number vmware-cmd then prints).  Only root reaches the socket.
 */
#ifndef SKERRY_VMX_VM_CONTROL_H
#define SKERRY_VMX_VM_CONTROL_H

#include <stddef.h>

#include "vm_devices.h"

#define VM_CONTROL_MAX_LINE 8192

/* The listening socket for the VM at vmx (non-blocking): its fd, or -1
 * with err. */
int vm_control_open(const char *vmx, char *err, size_t errlen);

/* Answer the connections waiting on fd. */
void vm_control_serve(int fd, struct vm_devices *d);

/* Close fd and remove the socket. */
void vm_control_close(int fd, const char *vmx);

#endif
