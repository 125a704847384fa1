/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Lazy FPU/SSE switching.  The vmkernel's own code is built without SSE,
 * but newlib may use it, and each vCPU owns its x87/SSE state.  Host mode
 * runs with CR0.TS set: the first FPU instruction in the vmkernel traps
 * (#NM), the live guest state is saved, and the vmkernel proceeds.  Before
 * VMRUN the vCPU's state is reloaded only if something else used the FPU.
 * When the vCPU leaves the CPU its state is saved: it may run next on
 * another CPU, whose FXRSTOR must see it (and this CPU must not later take
 * its stale registers for the vCPU's).
 * Guests are not offered XSAVE/AVX (CPUID policy), so FXSAVE covers all.
 */
#ifndef ARCH_FPU_H
#define ARCH_FPU_H

#include <stdbool.h>
#include <stdint.h>

struct fpu_state {
    uint8_t fxsave_area[512];
} __attribute__((aligned(16)));

void fpu_init_cpu(void);
void fpu_state_init(struct fpu_state *s);
/* #NM in the vmkernel: park the live guest state; true if handled. */
bool fpu_claim_for_host(void);
/* Just before VMRUN: make s the live FPU state and re-arm CR0.TS. */
void fpu_switch_to_guest(struct fpu_state *s);
/* The vCPU leaves this CPU: save s if it is live here. */
void fpu_switch_from_guest(struct fpu_state *s);
/* Forget a state that is being freed. */
void fpu_release(struct fpu_state *s);

#endif
