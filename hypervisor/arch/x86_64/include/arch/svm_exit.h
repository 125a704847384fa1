/* SPDX-License-Identifier: GPL-2.0-only */
/* #VMEXIT handling, called by the run loop with GIF set. */
#ifndef ARCH_SVM_EXIT_H
#define ARCH_SVM_EXIT_H

#include <stdbool.h>
#include <stdint.h>
#include <arch/svm.h>

struct vcpu;

/* What the run loop does after an exit was handled. */
enum exit_action {
    EXIT_RESUME,      /* re-enter the guest */
    EXIT_BLOCK,       /* the vCPU waits for an interrupt */
    EXIT_HALT,        /* halted with interrupts off */
    EXIT_STOP,        /* the domain was killed */
};

enum exit_action svm_handle_exit(struct vcpu *v);
enum exit_action svm_handle_npf(struct vcpu *v);
/* A VMware backdoor call by an instruction of insn_length bytes (backdoor_exit.c). */
enum exit_action svm_backdoor_call(struct vcpu *v, unsigned insn_length);
/* A #GP: a CPL3 backdoor IN is made as the call; anything else is the guest's. */
enum exit_action svm_handle_gp(struct vcpu *v);
/* A triple fault: the domain ends. */
enum exit_action svm_handle_shutdown(struct vcpu *v);
/* Queue an exception for the next entry. */
void svm_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error);
void svm_skip_instruction(struct vcpu *v, unsigned length);
/* Queue events for the next entry (GIF clear). */
void svm_inject_events(struct vcpu *v);
/* After an exit: acknowledge the interrupt posted by V_IRQ if the guest took it. */
void svm_sync_posted_interrupt(struct vcpu *v);
/* Fetch up to 15 instruction bytes at the guest's RIP; returns the count. */
unsigned svm_fetch_instruction(struct vcpu *v, uint8_t *buf);
const char *svm_exit_reason_name(unsigned reason);

#endif
