/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Carry out a decoded guest instruction (arch/insn_decode.h) whose memory
 * operand hit an emulated MMIO page: perform the access through a bus of
 * callbacks and update the guest's registers and arithmetic flags exactly
 * as the CPU would have.
 */
#ifndef ARCH_MMIO_EMULATE_H
#define ARCH_MMIO_EMULATE_H

#include <stdbool.h>
#include <stdint.h>

#include <arch/insn_decode.h>
#include <arch/regs.h>

/* RFLAGS bits the emulation reads or writes. */
#define MMIO_RFLAGS_CF (1ull << 0)
#define MMIO_RFLAGS_PF (1ull << 2)
#define MMIO_RFLAGS_AF (1ull << 4)
#define MMIO_RFLAGS_ZF (1ull << 6)
#define MMIO_RFLAGS_SF (1ull << 7)
#define MMIO_RFLAGS_DF (1ull << 10)
#define MMIO_RFLAGS_OF (1ull << 11)
#define MMIO_RFLAGS_ARITH (MMIO_RFLAGS_CF | MMIO_RFLAGS_PF | MMIO_RFLAGS_AF | \
                           MMIO_RFLAGS_ZF | MMIO_RFLAGS_SF | MMIO_RFLAGS_OF)

/*
 * Where the accesses go.  Callbacks return 0 on success, anything else on
 * failure.  size is 1, 2, 4 or 8; values are zero-extended.
 *
 * read/write access the emulated device at a guest-physical address.
 *
 * guest_access is needed only by MOVS, which has two memory operands, one
 * or both of them MMIO: it is called with the segment and effective
 * address of each side (source read first, then destination write), and
 * the caller translates them and sends each to RAM or to the device.
 * Leave it NULL if the caller does not handle MOVS; MOVS then fails with
 * MMIO_ERR_NEEDS_GUEST_MEMORY.  (It comes after ctx so that the first
 * three members keep the order of the original interface.)
 */
struct mmio_bus {
    int (*read)(void *ctx, uint64_t gpa, unsigned size, uint64_t *val);
    int (*write)(void *ctx, uint64_t gpa, unsigned size, uint64_t val);
    void *ctx;
    int (*guest_access)(void *ctx, enum insn_seg seg, uint64_t offset,
                        unsigned size, uint64_t *val, bool is_write);
};

/* mmio_emulate() failures (it returns >= 0 on success). */
enum mmio_error {
    MMIO_ERR_NO_MEMORY_OPERAND = -1,   /* register-only form */
    MMIO_ERR_UNSUPPORTED = -2,         /* not an operation emulated here */
    MMIO_ERR_BUS = -3,                 /* a bus callback failed */
    MMIO_ERR_NEEDS_GUEST_MEMORY = -4,  /* MOVS without bus->guest_access */
};

/*
 * Perform insn, whose memory operand is at guest-physical address gpa (the
 * nested page fault address; for BT with a register bit offset, the
 * address of the word actually accessed).  Updates gprs and the CF, PF,
 * AF, ZF, SF and OF bits of *rflags (reading CF for ADC/SBB and DF for
 * string instructions); other RFLAGS bits are left alone.
 *
 * Returns the number of bytes to advance RIP (the instruction length), or
 * 0 after one element of a REP MOVS/STOS with more to go: RIP stays put and
 * the guest re-executes the instruction for the next element.  Returns a
 * negative enum mmio_error on failure, with registers untouched.
 */
int mmio_emulate(const struct insn *insn, struct x86_gprs *gprs,
                 uint64_t *rflags, const struct mmio_bus *bus, uint64_t gpa);

#endif
