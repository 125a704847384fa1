/* SPDX-License-Identifier: GPL-2.0-only */
/* Whole reads and writes on a descriptor, through short counts and EINTR
 * (shared by vmware-vmx and vmware-cmd). */
#ifndef SKERRY_VMX_FD_IO_H
#define SKERRY_VMX_FD_IO_H

#include <stddef.h>

/* Read until len bytes, end of file or an error (errno then set): the
 * bytes read. */
size_t fd_read_full(int fd, void *buf, size_t len);

/* Write all len bytes: 0, or -1 with errno when a write fails. */
int fd_write_full(int fd, const void *buf, size_t len);

#endif
