/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef ARCH_PURPLE_SCREEN_H
#define ARCH_PURPLE_SCREEN_H

#include <stdbool.h>
#include <arch/trap.h>

_Noreturn void purple_screen_trap(const struct trap_frame *f);
_Noreturn void purple_screen_follower(void);
bool panic_in_progress(void);

#endif
