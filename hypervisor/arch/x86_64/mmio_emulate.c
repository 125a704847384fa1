/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MMIO emulation: apply a decoded instruction to a device access (see
 * arch/mmio_emulate.h).  All bus accesses happen before any register is
 * written, so a failed access leaves the guest's registers as they were.
 */
#include <arch/mmio_emulate.h>

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static uint64_t sign_bit(unsigned size)
{
    return 1ull << (8 * size - 1);
}

static uint64_t sign_extend(uint64_t value, unsigned size)
{
    value &= size_mask(size);
    if (value & sign_bit(size))
        value |= ~size_mask(size);
    return value;
}

static uint64_t read_reg(const struct x86_gprs *gprs, uint8_t reg,
                         bool high8, unsigned size)
{
    if (high8)
        return (gprs->r[reg] >> 8) & 0xff;
    return gprs->r[reg] & size_mask(size);
}

/*
 * Architectural register write: a 32-bit destination zero-extends into
 * the whole register, 8- and 16-bit ones leave the other bits alone.
 */
static void write_reg(struct x86_gprs *gprs, uint8_t reg, bool high8,
                      unsigned size, uint64_t value)
{
    uint64_t *r = &gprs->r[reg];

    if (high8)
        *r = (*r & ~0xff00ull) | ((value & 0xff) << 8);
    else if (size >= 4)
        *r = value & size_mask(size);
    else
        *r = (*r & ~size_mask(size)) | (value & size_mask(size));
}

static int bus_read(const struct mmio_bus *bus, uint64_t gpa, unsigned size,
                    uint64_t *value)
{
    *value = 0;
    if (bus->read(bus->ctx, gpa, size, value) != 0)
        return MMIO_ERR_BUS;
    *value &= size_mask(size);
    return 0;
}

static int bus_write(const struct mmio_bus *bus, uint64_t gpa, unsigned size,
                     uint64_t value)
{
    if (bus->write(bus->ctx, gpa, size, value & size_mask(size)) != 0)
        return MMIO_ERR_BUS;
    return 0;
}

/* PF is set when the low byte of the result has an even number of ones. */
static bool low_byte_parity_even(uint64_t value)
{
    unsigned ones = 0;

    for (unsigned bit = 0; bit < 8; bit++)
        ones += (value >> bit) & 1;
    return (ones & 1) == 0;
}

static uint64_t zf_sf_pf(uint64_t result, unsigned size)
{
    uint64_t flags = 0;

    if ((result & size_mask(size)) == 0)
        flags |= MMIO_RFLAGS_ZF;
    if (result & sign_bit(size))
        flags |= MMIO_RFLAGS_SF;
    if (low_byte_parity_even(result))
        flags |= MMIO_RFLAGS_PF;
    return flags;
}

/*
 * dst OP src at the given width; returns the result and sets *flags to
 * the six arithmetic flags it produces.  The carry and overflow formulas
 * look only at the sign bit, so one expression serves every width.
 */
static uint64_t alu(enum insn_op op, uint64_t dst, uint64_t src,
                    unsigned size, uint64_t rflags, uint64_t *flags)
{
    uint64_t mask = size_mask(size), sign = sign_bit(size);
    uint64_t carry_in = 0, result;

    dst &= mask;
    src &= mask;
    if ((op == INSN_OP_ADC || op == INSN_OP_SBB) && (rflags & MMIO_RFLAGS_CF))
        carry_in = 1;
    *flags = 0;

    switch (op) {
    case INSN_OP_ADD:
    case INSN_OP_ADC:
        result = (dst + src + carry_in) & mask;
        if (((dst & src) | ((dst | src) & ~result)) & sign)
            *flags |= MMIO_RFLAGS_CF;
        if ((dst ^ result) & (src ^ result) & sign)
            *flags |= MMIO_RFLAGS_OF;
        if ((dst ^ src ^ result) & 0x10)
            *flags |= MMIO_RFLAGS_AF;
        break;
    case INSN_OP_SUB:
    case INSN_OP_SBB:
    case INSN_OP_CMP:
        result = (dst - src - carry_in) & mask;
        if (((~dst & src) | ((~dst | src) & result)) & sign)
            *flags |= MMIO_RFLAGS_CF;
        if ((dst ^ src) & (dst ^ result) & sign)
            *flags |= MMIO_RFLAGS_OF;
        if ((dst ^ src ^ result) & 0x10)
            *flags |= MMIO_RFLAGS_AF;
        break;
    case INSN_OP_OR:
        result = dst | src;
        break;
    case INSN_OP_XOR:
        result = dst ^ src;
        break;
    default:                    /* AND, TEST: CF = OF = 0, AF undefined */
        result = dst & src;
        break;
    }
    *flags |= zf_sf_pf(result, size);
    return result;
}

/* The non-memory source operand: immediate or register. */
static uint64_t other_operand(const struct insn *insn,
                              const struct x86_gprs *gprs)
{
    if (insn->has_imm)
        return insn->imm & size_mask(insn->op_size);
    return read_reg(gprs, insn->reg, insn->reg_high8, insn->op_size);
}

/* MOV, MOVZX, MOVSX(D): a plain load or store. */
static int emulate_move(const struct insn *insn, struct x86_gprs *gprs,
                        const struct mmio_bus *bus, uint64_t gpa)
{
    uint64_t value;
    int err;

    if (insn->mem_is_dst)
        return bus_write(bus, gpa, insn->mem_size, other_operand(insn, gprs));

    err = bus_read(bus, gpa, insn->mem_size, &value);
    if (err)
        return err;
    if (insn->op == INSN_OP_MOVSX)
        value = sign_extend(value, insn->mem_size);
    write_reg(gprs, insn->reg, insn->reg_high8, insn->op_size, value);
    return 0;
}

/* Read-modify-write, or read-only for CMP and TEST. */
static int emulate_alu(const struct insn *insn, struct x86_gprs *gprs,
                       uint64_t *rflags, const struct mmio_bus *bus,
                       uint64_t gpa)
{
    unsigned size = insn->op_size;
    uint64_t mem, result, flags;
    bool writes_back = insn->op != INSN_OP_CMP && insn->op != INSN_OP_TEST;
    int err = bus_read(bus, gpa, size, &mem);

    if (err)
        return err;
    if (insn->mem_is_dst) {
        result = alu(insn->op, mem, other_operand(insn, gprs), size, *rflags,
                     &flags);
        if (writes_back) {
            err = bus_write(bus, gpa, size, result);
            if (err)
                return err;
        }
    } else {
        result = alu(insn->op, read_reg(gprs, insn->reg, insn->reg_high8, size),
                     mem, size, *rflags, &flags);
        if (writes_back)
            write_reg(gprs, insn->reg, insn->reg_high8, size, result);
    }
    *rflags = (*rflags & ~MMIO_RFLAGS_ARITH) | flags;
    return 0;
}

/*
 * BT: CF = the selected bit.  A register bit offset can select a word
 * outside the addressed one; gpa is then the word the CPU accessed, and
 * the offset modulo the operand width picks the bit within it.
 */
static int emulate_bt(const struct insn *insn, const struct x86_gprs *gprs,
                      uint64_t *rflags, const struct mmio_bus *bus,
                      uint64_t gpa)
{
    unsigned size = insn->op_size;
    unsigned bit = (unsigned)(other_operand(insn, gprs) & (8 * size - 1));
    uint64_t mem;
    int err = bus_read(bus, gpa, size, &mem);

    if (err)
        return err;
    if ((mem >> bit) & 1)
        *rflags |= MMIO_RFLAGS_CF;
    else
        *rflags &= ~MMIO_RFLAGS_CF;
    return 0;
}

static int emulate_xchg(const struct insn *insn, struct x86_gprs *gprs,
                        const struct mmio_bus *bus, uint64_t gpa)
{
    unsigned size = insn->op_size;
    uint64_t old;
    int err = bus_read(bus, gpa, size, &old);

    if (err)
        return err;
    err = bus_write(bus, gpa, size,
                    read_reg(gprs, insn->reg, insn->reg_high8, size));
    if (err)
        return err;
    write_reg(gprs, insn->reg, insn->reg_high8, size, old);
    return 0;
}

/*
 * One element of STOS or MOVS.  Returns the RIP advance: the length when
 * the instruction is finished, 0 when a REP count remains.
 */
static int emulate_string(const struct insn *insn, struct x86_gprs *gprs,
                          const uint64_t *rflags, const struct mmio_bus *bus,
                          uint64_t gpa)
{
    unsigned size = insn->op_size, addr_size = insn->addr_size;
    uint64_t step = (*rflags & MMIO_RFLAGS_DF) ? 0 - (uint64_t)size : size;
    uint64_t count = gprs->r[X86_RCX] & size_mask(addr_size);
    bool rep = insn->rep != INSN_REP_NONE;
    uint64_t value;
    int err;

    if (rep && count == 0)
        return insn->length;

    if (insn->op == INSN_OP_STOS) {
        err = bus_write(bus, gpa, size, read_reg(gprs, X86_RAX, false, size));
        if (err)
            return err;
    } else {
        uint64_t src = insn_effective_address(insn, &insn->src_mem, gprs, 0);
        uint64_t dst = insn_effective_address(insn, &insn->mem, gprs, 0);

        if (!bus->guest_access)
            return MMIO_ERR_NEEDS_GUEST_MEMORY;
        value = 0;
        if (bus->guest_access(bus->ctx, insn->src_mem.seg, src, size, &value,
                              false) != 0)
            return MMIO_ERR_BUS;
        value &= size_mask(size);
        if (bus->guest_access(bus->ctx, insn->mem.seg, dst, size, &value,
                              true) != 0)
            return MMIO_ERR_BUS;
        /* Index registers wrap at the address size, like the address. */
        write_reg(gprs, X86_RSI, false, addr_size, gprs->r[X86_RSI] + step);
    }
    write_reg(gprs, X86_RDI, false, addr_size, gprs->r[X86_RDI] + step);

    if (rep) {
        write_reg(gprs, X86_RCX, false, addr_size, count - 1);
        if (count - 1 != 0)
            return 0;
    }
    return insn->length;
}

int mmio_emulate(const struct insn *insn, struct x86_gprs *gprs,
                 uint64_t *rflags, const struct mmio_bus *bus, uint64_t gpa)
{
    int err;

    if (!insn->has_mem)
        return MMIO_ERR_NO_MEMORY_OPERAND;

    switch (insn->op) {
    case INSN_OP_MOV:
    case INSN_OP_MOVZX:
    case INSN_OP_MOVSX:
        err = emulate_move(insn, gprs, bus, gpa);
        break;
    case INSN_OP_ADD:
    case INSN_OP_OR:
    case INSN_OP_ADC:
    case INSN_OP_SBB:
    case INSN_OP_AND:
    case INSN_OP_SUB:
    case INSN_OP_XOR:
    case INSN_OP_CMP:
    case INSN_OP_TEST:
        err = emulate_alu(insn, gprs, rflags, bus, gpa);
        break;
    case INSN_OP_BT:
        err = emulate_bt(insn, gprs, rflags, bus, gpa);
        break;
    case INSN_OP_XCHG:
        err = emulate_xchg(insn, gprs, bus, gpa);
        break;
    case INSN_OP_MOVS:
    case INSN_OP_STOS:
        return emulate_string(insn, gprs, rflags, bus, gpa);
    default:
        return MMIO_ERR_UNSUPPORTED;
    }
    return err ? err : insn->length;
}
