/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One VM as vmware-vmx holds it through libvmk: a domain with its vCPUs,
 * RAM made of 2 MiB frames from the VM's own untyped memory (mapped into
 * the guest from address 0 and, through /dev/vmkernel, into this process
 * as one contiguous view), an I/O-request channel whose shared page this
 * process reads, and the notification that says a vCPU has a request.
 */
#ifndef SKERRY_VMX_VM_H
#define SKERRY_VMX_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm_caps.h"

#define VM_MAX_VCPUS 8

struct vm {
    struct vm_caps caps;
    sk_cptr_t dom, ntfn, ioreq;
    sk_cptr_t vcpu[VM_MAX_VCPUS];
    unsigned nr_vcpus;
    uint64_t dom_id;
    uint8_t *ram;                   /* guest-physical 0 .. ram_size */
    uint64_t ram_size;
    volatile struct sk_ioreq *slots;    /* the channel's shared page */
    uint64_t ioreq_phys;
};

/*
 * Make the domain named name with ram_size bytes of RAM (a multiple of
 * 2 MiB) and nr_vcpus vCPUs, not started.  0, or -1 with err saying what
 * failed; everything made so far is given back.
 */
int vm_create(struct vm *vm, const char *name, uint64_t ram_size, unsigned nr_vcpus, char *err, size_t errlen);

/* Serve a range of the VM's accesses through the channel: ports, guest-
 * physical addresses or backdoor commands [first, first + count) (space
 * SK_IOREQ_PIO, _MMIO or _BACKDOOR): SK_OK or the vmkernel's error. */
long vm_claim(struct vm *vm, unsigned space, uint64_t first, uint64_t count);

/* The other vCPUs waiting for INIT-SIPI, then vCPU 0 into 64-bit mode at
 * rip (paging at cr3, the GDT at gdt), rsi set, started. */
long vm_start(struct vm *vm, uint64_t rip, uint64_t cr3, uint64_t gdt, uint64_t gdt_limit, uint64_t rsi);

/* Is the domain still there (false once it ended, e.g. on a triple fault)? */
bool vm_alive(struct vm *vm);

/* Drive interrupt line gsi of the VM's I/O APIC. */
long vm_set_irq(struct vm *vm, unsigned gsi, bool level);

/* A message-signalled interrupt to the VM's local APICs. */
long vm_send_msi(struct vm *vm, uint64_t address, uint32_t data);

/* End the domain and give back all of its memory and objects. */
void vm_destroy(struct vm *vm);

#endif
