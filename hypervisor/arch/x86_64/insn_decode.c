/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * x86 instruction decoder for MMIO emulation (see arch/insn_decode.h).
 *
 * Accepted forms (Intel operand order; Eb/Ev = ModRM r/m, Gb/Gv = ModRM
 * reg, Ib/Iz = immediate, Ob/Ov = moffs):
 *   00-3B  ADD/OR/ADC/SBB/AND/SUB/XOR/CMP  Eb,Gb  Ev,Gv  Gb,Eb  Gv,Ev
 *   63     MOVSXD Gv,Ed                   (64-bit mode only)
 *   80/81/83  ALU group 1  Eb,Ib  Ev,Iz  Ev,Ib
 *   84/85  TEST Eb,Gb  Ev,Gv       86/87  XCHG Eb,Gb  Ev,Gv
 *   88-8B  MOV Eb,Gb  Ev,Gv  Gb,Eb  Gv,Ev
 *   A0-A3  MOV AL,Ob  rAX,Ov  Ob,AL  Ov,rAX
 *   A4/A5  MOVS   AA/AB  STOS   (optionally with REP/REPNE)
 *   C6/C7 /0  MOV Eb,Ib  Ev,Iz     F6/F7 /0  TEST Eb,Ib  Ev,Iz
 *   0F A3  BT Ev,Gv   0F BA /4  BT Ev,Ib
 *   0F B6/B7  MOVZX Gv,Eb  Gv,Ew   0F BE/BF  MOVSX Gv,Eb  Gv,Ew
 * with prefixes 66 67 F0 F2 F3 26 2E 36 3E 64 65 and REX.
 */
#include <arch/insn_decode.h>

/* Shape of an opcode table entry's operands. */
enum {
    F_MODRM    = 1u << 0,   /* a ModRM byte follows the opcode */
    F_BYTE     = 1u << 1,   /* byte operands regardless of prefixes */
    F_MEM_DST  = 1u << 2,   /* the r/m operand comes first (destination) */
    F_IMM8     = 1u << 3,   /* imm8, sign-extended to the operand size */
    F_IMMZ     = 1u << 4,   /* imm16 for 16-bit operands, else imm32 */
    F_MOFFS    = 1u << 5,   /* AL/rAX and an address-size offset */
    F_STRING   = 1u << 6,   /* implicit [rSI] / [rDI] operands */
    F_SRC8     = 1u << 7,   /* MOVZX/MOVSX: memory source is a byte */
    F_SRC16    = 1u << 8,   /* ... a word */
    F_SRC32    = 1u << 9,   /* MOVSXD: at most a doubleword */
    F_ONLY64   = 1u << 10,  /* something else outside 64-bit mode */
    F_NO_REG   = 1u << 11,  /* no register operand (MOVS) */
};

/* Opcodes whose ModRM.reg field selects the operation. */
enum {
    GROUP_NONE,
    GROUP_ALU_IMM,              /* 80, 81, 83 */
    GROUP_MOV_IMM,              /* C6, C7 */
    GROUP_TEST_IMM,             /* F6, F7 */
    GROUP_BT_IMM,               /* 0F BA */
};

static const uint8_t group_ops[][8] = {
    [GROUP_ALU_IMM] = { INSN_OP_ADD, INSN_OP_OR, INSN_OP_ADC, INSN_OP_SBB,
                        INSN_OP_AND, INSN_OP_SUB, INSN_OP_XOR, INSN_OP_CMP },
    [GROUP_MOV_IMM] = { [0] = INSN_OP_MOV },
    [GROUP_TEST_IMM] = { [0] = INSN_OP_TEST },
    [GROUP_BT_IMM] = { [4] = INSN_OP_BT },
};

struct opcode_desc {
    uint8_t op;                 /* enum insn_op, or NONE for a group */
    uint8_t group;
    uint16_t flags;
};

#define ALU_OPCODES(first, op)                                          \
    [(first) + 0] = { op, GROUP_NONE, F_MODRM | F_BYTE | F_MEM_DST },   \
    [(first) + 1] = { op, GROUP_NONE, F_MODRM | F_MEM_DST },            \
    [(first) + 2] = { op, GROUP_NONE, F_MODRM | F_BYTE },               \
    [(first) + 3] = { op, GROUP_NONE, F_MODRM }

/* Entries left zero are unsupported. */
static const struct opcode_desc one_byte_opcodes[256] = {
    ALU_OPCODES(0x00, INSN_OP_ADD),
    ALU_OPCODES(0x08, INSN_OP_OR),
    ALU_OPCODES(0x10, INSN_OP_ADC),
    ALU_OPCODES(0x18, INSN_OP_SBB),
    ALU_OPCODES(0x20, INSN_OP_AND),
    ALU_OPCODES(0x28, INSN_OP_SUB),
    ALU_OPCODES(0x30, INSN_OP_XOR),
    ALU_OPCODES(0x38, INSN_OP_CMP),
    [0x63] = { INSN_OP_MOVSX, GROUP_NONE, F_MODRM | F_SRC32 | F_ONLY64 },
    [0x80] = { INSN_OP_NONE, GROUP_ALU_IMM,
               F_MODRM | F_BYTE | F_MEM_DST | F_IMM8 },
    [0x81] = { INSN_OP_NONE, GROUP_ALU_IMM, F_MODRM | F_MEM_DST | F_IMMZ },
    [0x83] = { INSN_OP_NONE, GROUP_ALU_IMM, F_MODRM | F_MEM_DST | F_IMM8 },
    [0x84] = { INSN_OP_TEST, GROUP_NONE, F_MODRM | F_BYTE | F_MEM_DST },
    [0x85] = { INSN_OP_TEST, GROUP_NONE, F_MODRM | F_MEM_DST },
    [0x86] = { INSN_OP_XCHG, GROUP_NONE, F_MODRM | F_BYTE | F_MEM_DST },
    [0x87] = { INSN_OP_XCHG, GROUP_NONE, F_MODRM | F_MEM_DST },
    [0x88] = { INSN_OP_MOV, GROUP_NONE, F_MODRM | F_BYTE | F_MEM_DST },
    [0x89] = { INSN_OP_MOV, GROUP_NONE, F_MODRM | F_MEM_DST },
    [0x8a] = { INSN_OP_MOV, GROUP_NONE, F_MODRM | F_BYTE },
    [0x8b] = { INSN_OP_MOV, GROUP_NONE, F_MODRM },
    [0xa0] = { INSN_OP_MOV, GROUP_NONE, F_MOFFS | F_BYTE },
    [0xa1] = { INSN_OP_MOV, GROUP_NONE, F_MOFFS },
    [0xa2] = { INSN_OP_MOV, GROUP_NONE, F_MOFFS | F_BYTE | F_MEM_DST },
    [0xa3] = { INSN_OP_MOV, GROUP_NONE, F_MOFFS | F_MEM_DST },
    [0xa4] = { INSN_OP_MOVS, GROUP_NONE,
               F_STRING | F_BYTE | F_MEM_DST | F_NO_REG },
    [0xa5] = { INSN_OP_MOVS, GROUP_NONE, F_STRING | F_MEM_DST | F_NO_REG },
    [0xaa] = { INSN_OP_STOS, GROUP_NONE, F_STRING | F_BYTE | F_MEM_DST },
    [0xab] = { INSN_OP_STOS, GROUP_NONE, F_STRING | F_MEM_DST },
    [0xc6] = { INSN_OP_NONE, GROUP_MOV_IMM,
               F_MODRM | F_BYTE | F_MEM_DST | F_IMM8 },
    [0xc7] = { INSN_OP_NONE, GROUP_MOV_IMM, F_MODRM | F_MEM_DST | F_IMMZ },
    [0xf6] = { INSN_OP_NONE, GROUP_TEST_IMM,
               F_MODRM | F_BYTE | F_MEM_DST | F_IMM8 },
    [0xf7] = { INSN_OP_NONE, GROUP_TEST_IMM, F_MODRM | F_MEM_DST | F_IMMZ },
};

static const struct opcode_desc two_byte_opcodes[256] = {
    [0xa3] = { INSN_OP_BT, GROUP_NONE, F_MODRM | F_MEM_DST },
    [0xb6] = { INSN_OP_MOVZX, GROUP_NONE, F_MODRM | F_SRC8 },
    [0xb7] = { INSN_OP_MOVZX, GROUP_NONE, F_MODRM | F_SRC16 },
    [0xba] = { INSN_OP_NONE, GROUP_BT_IMM, F_MODRM | F_MEM_DST | F_IMM8 },
    [0xbe] = { INSN_OP_MOVSX, GROUP_NONE, F_MODRM | F_SRC8 },
    [0xbf] = { INSN_OP_MOVSX, GROUP_NONE, F_MODRM | F_SRC16 },
};

#define REX_B 0x1
#define REX_X 0x2
#define REX_R 0x4
#define REX_W 0x8

/* The bytes being decoded and how far we got. */
struct cursor {
    const uint8_t *bytes;
    size_t len;
    size_t pos;
};

static enum insn_status next_byte(struct cursor *c, uint8_t *byte)
{
    if (c->pos >= INSN_MAX_LENGTH)
        return INSN_ERR_TOO_LONG;
    if (c->pos >= c->len)
        return INSN_ERR_TRUNCATED;
    *byte = c->bytes[c->pos++];
    return INSN_OK;
}

/*
 * Little-endian immediate or displacement of size (0, 1, 2, 4 or 8)
 * bytes, sign-extended.
 */
static enum insn_status next_signed(struct cursor *c, unsigned size,
                                    uint64_t *value)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < size; i++) {
        uint8_t byte;
        enum insn_status st = next_byte(c, &byte);

        if (st != INSN_OK)
            return st;
        v |= (uint64_t)byte << (8 * i);
    }
    if (size > 0 && size < 8 && (v >> (8 * size - 1)) & 1)
        v |= ~0ull << (8 * size);
    *value = v;
    return INSN_OK;
}

static enum insn_status next_unsigned(struct cursor *c, unsigned size,
                                      uint64_t *value)
{
    enum insn_status st = next_signed(c, size, value);

    if (st == INSN_OK && size > 0 && size < 8)
        *value &= (1ull << (8 * size)) - 1;
    return st;
}

static bool is_segment_prefix(uint8_t byte, enum insn_seg *seg)
{
    switch (byte) {
    case 0x26: *seg = INSN_SEG_ES; return true;
    case 0x2e: *seg = INSN_SEG_CS; return true;
    case 0x36: *seg = INSN_SEG_SS; return true;
    case 0x3e: *seg = INSN_SEG_DS; return true;
    case 0x64: *seg = INSN_SEG_FS; return true;
    case 0x65: *seg = INSN_SEG_GS; return true;
    default: return false;
    }
}

/*
 * Consume legacy and REX prefixes, leaving the cursor on the opcode.
 * Returns the first opcode byte through *opcode.
 */
static enum insn_status decode_prefixes(struct insn *insn, struct cursor *c,
                                        bool *opsize_prefix,
                                        bool *addrsize_prefix,
                                        uint8_t *opcode)
{
    for (;;) {
        uint8_t byte;
        enum insn_seg seg;
        enum insn_status st = next_byte(c, &byte);

        if (st != INSN_OK)
            return st;
        if (insn->mode == INSN_MODE_64 && (byte & 0xf0) == 0x40) {
            insn->rex = byte;
            continue;
        }
        if (is_segment_prefix(byte, &seg)) {
            insn->seg_override = seg;
        } else if (byte == 0x66) {
            *opsize_prefix = true;
        } else if (byte == 0x67) {
            *addrsize_prefix = true;
        } else if (byte == 0xf0) {
            insn->lock = true;
        } else if (byte == 0xf2) {
            insn->rep = INSN_REP_REPNE;
        } else if (byte == 0xf3) {
            insn->rep = INSN_REP_REP;
        } else {
            *opcode = byte;
            return INSN_OK;
        }
        /* REX only counts immediately before the opcode. */
        insn->rex = 0;
    }
}

/*
 * C4/C5 (VEX), 62 (EVEX) and 8F (XOP) escape from the legacy opcode map.
 * Outside 64-bit mode C4/C5/62 are LES/LDS/BOUND unless the next byte
 * would be a register ModRM; 8F is POP r/m unless the byte after it has
 * map-select bits of 8 or more.  Returns INSN_OK for a legacy opcode.
 */
static enum insn_status check_vex_escape(const struct insn *insn,
                                         const struct cursor *c,
                                         uint8_t opcode)
{
    struct cursor peek = *c;
    uint8_t next;
    enum insn_status st;

    if (opcode != 0xc4 && opcode != 0xc5 && opcode != 0x62 && opcode != 0x8f)
        return INSN_OK;
    if (opcode != 0x8f && insn->mode == INSN_MODE_64)
        return INSN_ERR_VEX;
    st = next_byte(&peek, &next);
    if (st != INSN_OK)
        return st;
    if (opcode == 0x8f)
        return (next & 0x1f) >= 8 ? INSN_ERR_VEX : INSN_OK;
    return (next & 0xc0) == 0xc0 ? INSN_ERR_VEX : INSN_OK;
}

/* 16-bit ModRM addressing: fixed base/index pairs, disp8 or disp16. */
static enum insn_status decode_mem16(struct insn *insn, struct cursor *c,
                                     uint8_t mod, uint8_t rm)
{
    static const uint8_t bases[8] = {
        X86_RBX, X86_RBX, X86_RBP, X86_RBP, INSN_NO_REG, INSN_NO_REG,
        X86_RBP, X86_RBX,
    };
    static const uint8_t indexes[8] = {
        X86_RSI, X86_RDI, X86_RSI, X86_RDI, X86_RSI, X86_RDI,
        INSN_NO_REG, INSN_NO_REG,
    };
    struct insn_mem *mem = &insn->mem;
    unsigned disp_size = mod == 1 ? 1 : mod == 2 ? 2 : 0;

    mem->base = bases[rm];
    mem->index = indexes[rm];
    if (mod == 0 && rm == 6) {  /* [disp16] instead of [BP] */
        mem->base = INSN_NO_REG;
        disp_size = 2;
    }
    if (mem->base == X86_RBP && insn->seg_override == INSN_SEG_NONE)
        mem->seg = INSN_SEG_SS;
    return next_signed(c, disp_size, &mem->disp);
}

/* 32- and 64-bit ModRM addressing: optional SIB, disp8/disp32, RIP. */
static enum insn_status decode_mem32(struct insn *insn, struct cursor *c,
                                     uint8_t mod, uint8_t rm)
{
    struct insn_mem *mem = &insn->mem;
    unsigned disp_size = mod == 1 ? 1 : mod == 2 ? 4 : 0;
    uint8_t rex_b = insn->rex & REX_B ? 8 : 0;
    enum insn_status st;

    if (rm == 4) {
        uint8_t sib, index, base;

        st = next_byte(c, &sib);
        if (st != INSN_OK)
            return st;
        index = ((sib >> 3) & 7) | (insn->rex & REX_X ? 8 : 0);
        base = sib & 7;
        mem->scale = (uint8_t)(1u << (sib >> 6));
        /* Index 100b means "none"; with REX.X it is R12. */
        mem->index = index == X86_RSP ? INSN_NO_REG : index;
        if (base == 5 && mod == 0) {   /* no base, disp32 */
            mem->base = INSN_NO_REG;
            disp_size = 4;
        } else {
            mem->base = base | rex_b;
        }
    } else if (rm == 5 && mod == 0) {
        /* disp32 alone: absolute, but RIP-relative in 64-bit mode. */
        mem->base = INSN_NO_REG;
        mem->rip_relative = insn->mode == INSN_MODE_64;
        disp_size = 4;
    } else {
        mem->base = rm | rex_b;
    }
    if ((mem->base == X86_RSP || mem->base == X86_RBP) &&
        insn->seg_override == INSN_SEG_NONE)
        mem->seg = INSN_SEG_SS;
    return next_signed(c, disp_size, &mem->disp);
}

/* A byte register operand without REX: numbers 4-7 are AH, CH, DH, BH. */
static void set_register(const struct insn *insn, unsigned size,
                         uint8_t num, uint8_t *reg, bool *high8)
{
    *high8 = size == 1 && insn->rex == 0 && num >= 4 && num <= 7;
    *reg = *high8 ? num - 4 : num;
}

static enum insn_status decode_modrm(struct insn *insn, struct cursor *c,
                                     const struct opcode_desc *desc)
{
    uint8_t modrm, mod, reg, rm;
    enum insn_status st = next_byte(c, &modrm);

    if (st != INSN_OK)
        return st;
    mod = modrm >> 6;
    reg = ((modrm >> 3) & 7) | (insn->rex & REX_R ? 8 : 0);
    rm = modrm & 7;

    if (desc->group != GROUP_NONE) {
        insn->op = group_ops[desc->group][reg & 7];
        if (insn->op == INSN_OP_NONE)
            return INSN_ERR_UNSUPPORTED;
    } else {
        insn->has_reg = true;
        set_register(insn, insn->op_size, reg, &insn->reg, &insn->reg_high8);
    }

    if (mod == 3) {
        set_register(insn, insn->mem_size, rm | (insn->rex & REX_B ? 8 : 0),
                     &insn->rm_reg, &insn->rm_high8);
        return INSN_OK;
    }
    insn->has_mem = true;
    if (insn->addr_size == 2)
        return decode_mem16(insn, c, mod, rm);
    return decode_mem32(insn, c, mod, rm);
}

/* String operands: destination ES:[rDI], source seg:[rSI]. */
static void set_string_operands(struct insn *insn)
{
    static const struct insn_mem none = {
        .base = INSN_NO_REG, .index = INSN_NO_REG, .scale = 1,
    };

    insn->has_mem = true;
    insn->mem = none;
    insn->mem.seg = INSN_SEG_ES;        /* not overridable */
    insn->mem.base = X86_RDI;
    if (insn->op == INSN_OP_MOVS) {
        insn->src_mem = none;
        insn->src_mem.seg = insn->seg_override != INSN_SEG_NONE ?
                            insn->seg_override : INSN_SEG_DS;
        insn->src_mem.base = X86_RSI;
    }
}

static bool is_lockable(const struct insn *insn)
{
    if (!insn->has_mem || !insn->mem_is_dst)
        return false;
    return (insn->op >= INSN_OP_ADD && insn->op <= INSN_OP_XOR) ||
           insn->op == INSN_OP_XCHG;
}

static unsigned operand_size(const struct insn *insn, bool opsize_prefix)
{
    if (insn->mode == INSN_MODE_64) {
        if (insn->rex & REX_W)
            return 8;
        return opsize_prefix ? 2 : 4;
    }
    if (opsize_prefix)
        return insn->mode == INSN_MODE_16 ? 4 : 2;
    return insn->mode;
}

static unsigned address_size(enum insn_mode mode, bool addrsize_prefix)
{
    if (!addrsize_prefix)
        return mode;
    return mode == INSN_MODE_32 ? 2 : 4;
}

enum insn_status insn_decode(struct insn *out, const uint8_t *bytes,
                             size_t len, enum insn_mode mode)
{
    struct cursor c = { .bytes = bytes, .len = len, .pos = 0 };
    struct insn insn = {
        .mode = mode,
        .seg_override = INSN_SEG_NONE,
        .mem = { .base = INSN_NO_REG, .index = INSN_NO_REG, .scale = 1 },
        .src_mem = { .base = INSN_NO_REG, .index = INSN_NO_REG, .scale = 1 },
    };
    const struct opcode_desc *desc;
    bool opsize_prefix = false, addrsize_prefix = false;
    uint8_t opcode;
    enum insn_status st;

    if (mode != INSN_MODE_16 && mode != INSN_MODE_32 && mode != INSN_MODE_64)
        return INSN_ERR_INVALID;

    st = decode_prefixes(&insn, &c, &opsize_prefix, &addrsize_prefix,
                         &opcode);
    if (st != INSN_OK)
        return st;
    st = check_vex_escape(&insn, &c, opcode);
    if (st != INSN_OK)
        return st;
    if (opcode == 0x0f) {
        st = next_byte(&c, &opcode);
        if (st != INSN_OK)
            return st;
        insn.two_byte = true;
        desc = &two_byte_opcodes[opcode];
    } else {
        desc = &one_byte_opcodes[opcode];
    }
    if (desc->op == INSN_OP_NONE && desc->group == GROUP_NONE)
        return INSN_ERR_UNSUPPORTED;
    if ((desc->flags & F_ONLY64) && mode != INSN_MODE_64)
        return INSN_ERR_UNSUPPORTED;

    insn.opcode = opcode;
    insn.op = desc->op;
    insn.addr_size = (uint8_t)address_size(mode, addrsize_prefix);
    insn.op_size = (uint8_t)(desc->flags & F_BYTE ? 1 :
                             operand_size(&insn, opsize_prefix));
    insn.mem_size = insn.op_size;
    if (desc->flags & F_SRC8)
        insn.mem_size = 1;
    else if (desc->flags & F_SRC16)
        insn.mem_size = 2;
    else if ((desc->flags & F_SRC32) && insn.op_size > 4)
        insn.mem_size = 4;
    insn.mem_is_dst = desc->flags & F_MEM_DST;
    if (insn.seg_override != INSN_SEG_NONE)
        insn.mem.seg = insn.seg_override;
    else
        insn.mem.seg = INSN_SEG_DS;

    if (desc->flags & F_MODRM) {
        st = decode_modrm(&insn, &c, desc);
    } else if (desc->flags & F_MOFFS) {
        insn.has_mem = true;
        insn.has_reg = true;
        insn.reg = X86_RAX;
        st = next_unsigned(&c, insn.addr_size, &insn.mem.disp);
    } else {
        set_string_operands(&insn);
        insn.has_reg = !(desc->flags & F_NO_REG);
        insn.reg = X86_RAX;
    }
    if (st != INSN_OK)
        return st;

    if (desc->flags & (F_IMM8 | F_IMMZ)) {
        insn.has_imm = true;
        insn.imm_size = desc->flags & F_IMM8 ? 1 : insn.op_size == 2 ? 2 : 4;
        st = next_signed(&c, insn.imm_size, &insn.imm);
        if (st != INSN_OK)
            return st;
    }

    if (insn.lock && !is_lockable(&insn))
        return INSN_ERR_INVALID;

    insn.length = (uint8_t)c.pos;
    *out = insn;
    return INSN_OK;
}

static uint64_t address_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

uint64_t insn_effective_address(const struct insn *insn,
                                const struct insn_mem *mem,
                                const struct x86_gprs *gprs, uint64_t rip)
{
    uint64_t ea = mem->disp;

    if (mem->rip_relative)
        ea += rip + insn->length;
    if (mem->base != INSN_NO_REG)
        ea += gprs->r[mem->base];
    if (mem->index != INSN_NO_REG)
        ea += gprs->r[mem->index] * mem->scale;
    return ea & address_mask(insn->addr_size);
}

uint64_t insn_linear_address(const struct insn *insn,
                             const struct insn_mem *mem,
                             const struct x86_gprs *gprs, uint64_t rip,
                             const uint64_t seg_base[INSN_NR_SEGS])
{
    uint64_t ea = insn_effective_address(insn, mem, gprs, rip);

    if (insn->mode == INSN_MODE_64) {
        if (mem->seg == INSN_SEG_FS || mem->seg == INSN_SEG_GS)
            return ea + seg_base[mem->seg];
        return ea;
    }
    return (ea + seg_base[mem->seg]) & 0xffffffffull;
}
