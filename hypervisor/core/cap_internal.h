/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared by the capability core's files (cap_space.c, cap_untyped.c, cap_invoke.c) only. */
#ifndef SKERRY_CAP_INTERNAL_H
#define SKERRY_CAP_INTERNAL_H

#include <skerry/cap.h>

extern struct cap_env cap_hooks;

/* A decoder's answer meaning "not a core invocation: ask the environment". */
#define CAP_DEFER (-1L)

static inline void *cap_memory(uint64_t phys, uint64_t len) { return cap_hooks.phys_to_ptr(phys, len); }
/* Make child the newest child of parent (parent may be NULL: a root). */
void cap_link_child(struct cte *parent, struct cte *child);

#endif
