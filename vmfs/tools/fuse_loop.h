/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMFS_FUSE_LOOP_H
#define VMFS_FUSE_LOOP_H

#include <fuse_lowlevel.h>

/* Serves the session's requests in this one thread until it exits
 * (requests in order, no hand-offs): 0, or a negative errno. */
int fuse_spin_loop(struct fuse_session *se);

#endif
