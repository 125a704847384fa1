/* SPDX-License-Identifier: GPL-2.0-only */
/* Reporting a failure as a message in the caller's buffer. */
#ifndef SKERRY_VMX_ERRMSG_H
#define SKERRY_VMX_ERRMSG_H

#include <stddef.h>

/* Format the message into err[0..errlen) and return -1. */
int errmsg(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
