/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target for the x86 instruction decoder
 * (arch/x86_64/insn_decode.c) and the MMIO emulation that runs what it
 * decodes (arch/x86_64/mmio_emulate.c).  Input byte 0 picks the CPU mode
 * (16-, 32- or 64-bit; the rest of that byte is ignored), the remaining
 * bytes are the instruction bytes as fetched from the guest.
 *
 * On success the length must be at most the number of bytes given and at
 * most 15, and the operand fields must be ones the emulator can index
 * with.  Every decoded instruction is then emulated three times on copies
 * of a fixed register file: against a bus whose callbacks succeed with
 * fixed values, against one whose reads fail, and against one whose
 * writes fail.  A failure must leave registers and RFLAGS as they were;
 * a success must return the instruction length or, for a REP string
 * element with more to go, 0.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arch/insn_decode.h>
#include <arch/mmio_emulate.h>
#include "fuzz.h"

struct fake_bus {
    bool fail_reads;
    bool fail_writes;
    unsigned failed;            /* callbacks that reported failure */
};

static bool valid_size(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

static int bus_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
    struct fake_bus *b = ctx;
    (void)gpa;
    FUZZ_ASSERT(valid_size(size));
    if (b->fail_reads) {
        b->failed++;
        return -1;
    }
    *val = 0x8877665544332211ull;       /* the emulator must mask it */
    return 0;
}

static int bus_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
    struct fake_bus *b = ctx;
    (void)gpa;
    FUZZ_ASSERT(valid_size(size));
    FUZZ_ASSERT(size == 8 || val >> (8 * size) == 0);
    if (b->fail_writes) {
        b->failed++;
        return -1;
    }
    return 0;
}

static int guest_access(void *ctx, enum insn_seg seg, uint64_t offset, unsigned size,
                        uint64_t *val, bool is_write)
{
    struct fake_bus *b = ctx;
    (void)offset;
    FUZZ_ASSERT(seg < INSN_NR_SEGS);
    FUZZ_ASSERT(valid_size(size));
    if (is_write ? b->fail_writes : b->fail_reads) {
        b->failed++;
        return -1;
    }
    if (!is_write)
        *val = 0xF0E0D0C0B0A09080ull;
    return 0;
}

static bool valid_reg(uint8_t r)
{
    return r < X86_NR_GPRS;
}

static void check_mem(const struct insn_mem *m)
{
    FUZZ_ASSERT(m->seg < INSN_NR_SEGS);
    FUZZ_ASSERT(m->base == INSN_NO_REG || valid_reg(m->base));
    FUZZ_ASSERT(m->index == INSN_NO_REG || valid_reg(m->index));
    FUZZ_ASSERT(valid_size(m->scale));
}

static void check_insn(const struct insn *in, size_t given, enum insn_mode mode)
{
    FUZZ_ASSERT(in->length >= 1);
    FUZZ_ASSERT(in->length <= given);
    FUZZ_ASSERT(in->length <= INSN_MAX_LENGTH);
    FUZZ_ASSERT(in->mode == mode);
    FUZZ_ASSERT(valid_size(in->op_size));
    FUZZ_ASSERT(in->addr_size == 2 || in->addr_size == 4 || in->addr_size == 8);
    FUZZ_ASSERT(in->mode == INSN_MODE_64 ? in->addr_size != 2 : in->addr_size != 8);
    if (in->has_reg) {
        FUZZ_ASSERT(valid_reg(in->reg));
        FUZZ_ASSERT(!in->reg_high8 || in->reg < 4);
    }
    FUZZ_ASSERT(valid_reg(in->rm_reg));
    if (in->has_imm)
        FUZZ_ASSERT(in->imm_size == 1 || in->imm_size == 2 || in->imm_size == 4);
    if (in->has_mem) {
        FUZZ_ASSERT(valid_size(in->mem_size));
        check_mem(&in->mem);
        if (in->op == INSN_OP_MOVS)
            check_mem(&in->src_mem);
    }
    FUZZ_ASSERT(in->seg_override <= INSN_SEG_NONE);
    FUZZ_ASSERT(!in->rex || in->mode == INSN_MODE_64);
}

static void emulate(const struct insn *in, bool fail_reads, bool fail_writes)
{
    struct fake_bus b = { .fail_reads = fail_reads, .fail_writes = fail_writes };
    struct mmio_bus bus = {
        .read = bus_read, .write = bus_write, .ctx = &b, .guest_access = guest_access,
    };
    struct x86_gprs regs, before;
    for (unsigned i = 0; i < X86_NR_GPRS; i++)
        regs.r[i] = 0x0123456789ABCDEFull * (i + 1) ^ (uint64_t)i << 60;
    regs.r[X86_RCX] = fail_reads ? 0 : 3;       /* REP count: finished, or more to go */
    uint64_t rflags = 0x202 | (fail_writes ? MMIO_RFLAGS_DF | MMIO_RFLAGS_CF : 0);
    uint64_t rflags_before = rflags;
    before = regs;

    int rc = mmio_emulate(in, &regs, &rflags, &bus, 0xFEE00000ull);
    if (rc < 0) {
        FUZZ_ASSERT(rc >= MMIO_ERR_NEEDS_GUEST_MEMORY);
        FUZZ_ASSERT(memcmp(&regs, &before, sizeof regs) == 0);
        FUZZ_ASSERT(rflags == rflags_before);
        FUZZ_ASSERT(rc != MMIO_ERR_BUS || b.failed > 0);
        if (!in->has_mem)
            FUZZ_ASSERT(rc == MMIO_ERR_NO_MEMORY_OPERAND);
        return;
    }
    FUZZ_ASSERT(in->has_mem);
    FUZZ_ASSERT(rc == in->length ||
                (rc == 0 && in->rep != INSN_REP_NONE &&
                 (in->op == INSN_OP_MOVS || in->op == INSN_OP_STOS)));
    /* Only the arithmetic flags may change. */
    FUZZ_ASSERT(((rflags ^ rflags_before) & ~MMIO_RFLAGS_ARITH) == 0);
    /* A callback that failed must have failed the emulation. */
    FUZZ_ASSERT(b.failed == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum insn_mode modes[3] = { INSN_MODE_16, INSN_MODE_32, INSN_MODE_64 };
    struct insn in;

    if (size < 1)
        return 0;
    enum insn_mode mode = modes[data[0] % 3];
    const uint8_t *bytes = data + 1;
    size_t len = size - 1;

    memset(&in, 0xCC, sizeof in);
    enum insn_status st = insn_decode(&in, bytes, len, mode);
    if (st != INSN_OK) {
        FUZZ_ASSERT(st >= INSN_ERR_INVALID && st <= INSN_ERR_TRUNCATED);
        if (len >= INSN_MAX_LENGTH)
            FUZZ_ASSERT(st != INSN_ERR_TRUNCATED);
        return 0;
    }
    check_insn(&in, len, mode);

    /* Decoding only the bytes it claimed gives the same instruction. */
    struct insn again;
    memset(&again, 0x33, sizeof again);
    FUZZ_ASSERT(insn_decode(&again, bytes, in.length, mode) == INSN_OK);
    FUZZ_ASSERT(again.length == in.length && again.op == in.op && again.has_mem == in.has_mem);
    /* One byte fewer is truncated. */
    FUZZ_ASSERT(insn_decode(&again, bytes, in.length - 1u, mode) == INSN_ERR_TRUNCATED);

    if (in.has_mem) {
        static const uint64_t seg_base[INSN_NR_SEGS] = {
            0x1000, 0x2000, 0x3000, 0x4000, 0xFFFFFFFF00000000ull, 0x123456789000ull,
        };
        struct x86_gprs regs;
        for (unsigned i = 0; i < X86_NR_GPRS; i++)
            regs.r[i] = ~0ull - i;
        uint64_t ea = insn_effective_address(&in, &in.mem, &regs, 0xFFFFFFFFFFFFFFF0ull);
        if (in.addr_size < 8)
            FUZZ_ASSERT(ea >> (8 * in.addr_size) == 0);
        uint64_t la = insn_linear_address(&in, &in.mem, &regs, 0x7FF0, seg_base);
        if (mode != INSN_MODE_64)
            FUZZ_ASSERT(la <= 0xFFFFFFFFull);
    }

    emulate(&in, false, false);
    emulate(&in, true, false);
    emulate(&in, false, true);
    return 0;
}
