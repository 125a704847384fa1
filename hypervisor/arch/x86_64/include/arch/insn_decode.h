/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Table-driven decoder for the x86 instructions a guest uses to touch
 * memory-mapped I/O.  SVM under QEMU TCG has neither decode assists nor
 * nRIP save, so on a nested page fault the vmkernel fetches the guest's
 * instruction bytes itself and decodes them here: what the instruction
 * does, how wide the access is, which register it uses and how long it
 * is (to advance RIP).
 *
 * Only the forms listed in insn_decode.c are accepted; anything else is
 * refused with an error rather than guessed at.  Pure C11, no libc: it
 * builds freestanding in the vmkernel and on the host for unit tests.
 */
#ifndef ARCH_INSN_DECODE_H
#define ARCH_INSN_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <arch/regs.h>

/* The architectural limit: longer instructions raise #GP. */
#define INSN_MAX_LENGTH 15

/* Marks an absent base or index register in struct insn_mem. */
#define INSN_NO_REG 0xff

/* Default operand and address size of the code segment, in bytes. */
enum insn_mode {
    INSN_MODE_16 = 2,           /* CS.D = 0 (real mode, 16-bit protected) */
    INSN_MODE_32 = 4,           /* CS.D = 1, CS.L = 0 */
    INSN_MODE_64 = 8,           /* CS.L = 1 (long mode) */
};

/* insn_decode() results; all failures are negative. */
enum insn_status {
    INSN_OK = 0,
    INSN_ERR_TRUNCATED = -1,    /* the buffer ended before the instruction */
    INSN_ERR_TOO_LONG = -2,     /* more than 15 bytes: #GP on hardware */
    INSN_ERR_UNSUPPORTED = -3,  /* opcode or form not in the tables */
    INSN_ERR_VEX = -4,          /* VEX, EVEX or XOP encoded */
    INSN_ERR_INVALID = -5,      /* would raise #UD, e.g. LOCK on a MOV */
};

enum insn_op {
    INSN_OP_NONE = 0,
    /* The eight classic ALU operations, in their ModRM.reg / opcode order. */
    INSN_OP_ADD,
    INSN_OP_OR,
    INSN_OP_ADC,
    INSN_OP_SBB,
    INSN_OP_AND,
    INSN_OP_SUB,
    INSN_OP_XOR,
    INSN_OP_CMP,
    INSN_OP_TEST,
    INSN_OP_BT,
    INSN_OP_MOV,
    INSN_OP_MOVZX,
    INSN_OP_MOVSX,              /* also MOVSXD (63) */
    INSN_OP_XCHG,
    INSN_OP_MOVS,
    INSN_OP_STOS,
};

/* Segment registers in their x86 encoding (as in the sreg ModRM field). */
enum insn_seg {
    INSN_SEG_ES, INSN_SEG_CS, INSN_SEG_SS, INSN_SEG_DS, INSN_SEG_FS,
    INSN_SEG_GS,
    INSN_NR_SEGS,
    INSN_SEG_NONE = INSN_NR_SEGS, /* no segment override prefix */
};

enum insn_rep {
    INSN_REP_NONE,
    INSN_REP_REP,               /* F3: REP / REPE */
    INSN_REP_REPNE,             /* F2: REPNE (acts as REP for MOVS/STOS) */
};

/*
 * A memory operand: seg:[base + index * scale + disp], or for RIP-relative
 * operands seg:[next RIP + disp].  base and index are GPR numbers
 * (enum x86_gpr) or INSN_NO_REG.
 */
struct insn_mem {
    enum insn_seg seg;          /* effective segment: override or default */
    uint8_t base;
    uint8_t index;
    uint8_t scale;              /* 1, 2, 4 or 8 */
    bool rip_relative;
    uint64_t disp;              /* sign-extended (two's complement); moffs */
};

struct insn {
    enum insn_mode mode;
    uint8_t length;             /* total bytes, prefixes included */
    enum insn_op op;
    uint8_t opcode;             /* last opcode byte */
    bool two_byte;              /* opcode was 0F xx */

    /* Prefixes. */
    uint8_t rex;                /* the REX byte in effect, or 0 */
    enum insn_rep rep;
    bool lock;
    enum insn_seg seg_override; /* INSN_SEG_NONE without an override */

    uint8_t op_size;            /* operand size; MOVZX/MOVSX: destination */
    uint8_t addr_size;          /* 2, 4 or 8 */

    /*
     * The register operand (ModRM.reg, or the implied AL/rAX of the moffs
     * forms and STOS).  With reg_high8 the operand is AH/CH/DH/BH: bits
     * 15:8 of GPR reg (0-3), which a byte operand with register number
     * 4-7 means when the instruction has no REX prefix.
     */
    bool has_reg;
    uint8_t reg;
    bool reg_high8;

    bool has_imm;
    uint8_t imm_size;           /* bytes in the encoding */
    uint64_t imm;               /* sign-extended to 64 bits, as the CPU does */

    /*
     * The memory operand.  mem_is_dst: memory is the destination (first)
     * operand; CMP, TEST and BT only read it even so.  mem_size is the
     * width of the memory access (differs from op_size for MOVZX/MOVSX).
     * For MOVS and STOS mem is the destination ES:[rDI]; src_mem is the
     * source seg:[rSI] of MOVS.
     */
    bool has_mem;
    bool mem_is_dst;
    uint8_t mem_size;
    struct insn_mem mem;
    struct insn_mem src_mem;

    /* Register-only ModRM form (mod = 3): the r/m register, as for reg. */
    uint8_t rm_reg;
    bool rm_high8;
};

/*
 * Decode one instruction from bytes[0..len) in the given mode.  len may
 * be shorter than 15 when the fetch stopped at an unmapped page; then
 * INSN_ERR_TRUNCATED says more bytes were needed.  On success fills *out
 * and returns INSN_OK; on failure *out is unspecified.
 */
enum insn_status insn_decode(struct insn *out, const uint8_t *bytes,
                             size_t len, enum insn_mode mode);

/*
 * The effective address (offset within mem->seg) of a memory operand of a
 * decoded instruction, wrapped to the address size.  rip is the address
 * of the instruction itself; RIP-relative operands are relative to the
 * next one.
 */
uint64_t insn_effective_address(const struct insn *insn,
                                const struct insn_mem *mem,
                                const struct x86_gprs *gprs, uint64_t rip);

/*
 * The linear address of a memory operand: segment base plus effective
 * address.  seg_base[] is indexed by enum insn_seg; in 64-bit mode only
 * the FS and GS bases are used, outside it the sum wraps at 4 GiB.
 * Limit and access-rights checks are the caller's business.
 */
uint64_t insn_linear_address(const struct insn *insn,
                             const struct insn_mem *mem,
                             const struct x86_gprs *gprs, uint64_t rip,
                             const uint64_t seg_base[INSN_NR_SEGS]);

#endif
