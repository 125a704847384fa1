/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The capabilities one VM is built from, in the console's cspace: untyped
 * memory carved out of the console's boot untyped as child untypeds that
 * belong to the VM alone, so that revoking them at power-off gives back
 * every object and frame the VM had, whatever state it ended in, and the
 * free slots its objects go into.  Several vmware-vmx processes share the
 * cspace; a slot or memory another takes first is skipped.
 */
#ifndef SKERRY_VMX_VM_CAPS_H
#define SKERRY_VMX_VM_CAPS_H

#include <stdint.h>

#include <skerry/abi.h>

#define VM_CAPS_MAX_UNTYPED 64

struct vm_caps {
    sk_cptr_t search_from;          /* where free slots are looked for */
    struct {
        sk_cptr_t cap;
        unsigned size_bits;
        uint64_t used;              /* bytes handed out by vm_caps_retype */
    } untyped[VM_CAPS_MAX_UNTYPED];
    unsigned nr_untyped;
};

/* Start with no slots and no memory: SK_OK, or the error of SYSTEM bootinfo. */
long vm_caps_init(struct vm_caps *c);

/* n free slots in a row: the first, or 0 when the cspace has no such run.
 * They stay free until something is made in them; vm_caps_retype looks
 * again when another process took them meanwhile. */
sk_cptr_t vm_caps_free_slots(struct vm_caps *c, unsigned n);

/* The free bytes of the console's boot untyped, all together. */
uint64_t vm_caps_free_bytes(void);

/* Carve 2^size_bits bytes of the boot untyped into a child untyped of the
 * VM's: SK_OK, or SK_E_NOT_ENOUGH_MEMORY when no boot untyped has room. */
long vm_caps_add_untyped(struct vm_caps *c, unsigned size_bits);

/* Retype count objects of 2^size_bits bytes (size_bits 0: the type's own
 * size) from the first of the VM's untyped with room, into *slot..: SK_OK
 * or the vmkernel's error. */
long vm_caps_retype(struct vm_caps *c, unsigned type, unsigned size_bits, unsigned count, sk_cptr_t *slot);

/* Revoke and delete every child untyped: every object and frame made
 * from them, and every copy of their capabilities, goes with them. */
void vm_caps_release(struct vm_caps *c);

#endif
