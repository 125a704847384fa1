/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef SKERRY_VERSION_H
#define SKERRY_VERSION_H

#define SKERRY_PRODUCT "Skerry vmkernel"
#define SKERRY_VERSION "0.1.0"

#endif
