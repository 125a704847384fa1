/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for the x86 instruction decoder.  Every byte sequence below
 * was produced by GNU as (or gcc -O2 on Linux-style MMIO accessors) and
 * checked against objdump -d; the disassembly is in the comments.
 */
#include <arch/insn_decode.h>
#include "check.h"

#define BYTES(...)                                                         \
    .bytes = { __VA_ARGS__ }, .len = sizeof((const uint8_t[]){ __VA_ARGS__ })

#define NONE (-1)               /* no register operand / no immediate */

struct decode_case {
    const char *name;
    enum insn_mode mode;
    uint8_t bytes[16];
    size_t len;
    /* Expectations. */
    unsigned length;
    enum insn_op op;
    unsigned op_size;
    unsigned mem_size;          /* 0: same as op_size */
    int reg;                    /* GPR number, or NONE */
    bool high8;
    bool mem_is_dst;
    bool has_imm;
    uint64_t imm;
    enum insn_rep rep;
};

static const struct decode_case decode_cases[] = {
    /* Linux readl/writel/readq/writeb..., xAPIC and IOAPIC accessors. */
    { "mov %eax,(%rdx)", INSN_MODE_64, BYTES(0x89, 0x02),
      2, INSN_OP_MOV, 4, 0, X86_RAX, false, true },
    { "mov (%rax),%eax", INSN_MODE_64, BYTES(0x8b, 0x00),
      2, INSN_OP_MOV, 4, 0, X86_RAX, false, false },
    { "mov %edx,0xfffffffffee000f0", INSN_MODE_64,
      BYTES(0x89, 0x14, 0x25, 0xf0, 0x00, 0xe0, 0xfe),
      7, INSN_OP_MOV, 4, 0, X86_RDX, false, true },
    { "movl $0x12345678,0x100(%rip)", INSN_MODE_64,
      BYTES(0xc7, 0x05, 0x00, 0x01, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12),
      10, INSN_OP_MOV, 4, 0, NONE, false, true, true, 0x12345678 },
    { "mov %r8d,0x10(%rax)", INSN_MODE_64, BYTES(0x44, 0x89, 0x40, 0x10),
      4, INSN_OP_MOV, 4, 0, X86_R8, false, true },
    { "mov %r9d,0x10(%rdi) (gcc)", INSN_MODE_64,
      BYTES(0x44, 0x89, 0x4f, 0x10),
      4, INSN_OP_MOV, 4, 0, X86_R9, false, true },
    { "mov %ah,0x1(%rdi)", INSN_MODE_64, BYTES(0x88, 0x67, 0x01),
      3, INSN_OP_MOV, 1, 0, X86_RAX, true, true },
    { "mov %ax,(%rdi)", INSN_MODE_64, BYTES(0x66, 0x89, 0x07),
      3, INSN_OP_MOV, 2, 0, X86_RAX, false, true },
    { "mov %dx,-0x2(%rdi) (gcc vga)", INSN_MODE_64,
      BYTES(0x66, 0x89, 0x57, 0xfe),
      4, INSN_OP_MOV, 2, 0, X86_RDX, false, true },
    { "mov 0x8(%rdi),%rax", INSN_MODE_64, BYTES(0x48, 0x8b, 0x47, 0x08),
      4, INSN_OP_MOV, 8, 0, X86_RAX, false, false },
    { "mov %rsi,(%rdi)", INSN_MODE_64, BYTES(0x48, 0x89, 0x37),
      3, INSN_OP_MOV, 8, 0, X86_RSI, false, true },
    { "movzbl (%rdi),%eax", INSN_MODE_64, BYTES(0x0f, 0xb6, 0x07),
      3, INSN_OP_MOVZX, 4, 1, X86_RAX, false, false },
    { "movzwl (%rdi),%eax", INSN_MODE_64, BYTES(0x0f, 0xb7, 0x07),
      3, INSN_OP_MOVZX, 4, 2, X86_RAX, false, false },
    { "movzbq (%r8),%r9", INSN_MODE_64, BYTES(0x4d, 0x0f, 0xb6, 0x08),
      4, INSN_OP_MOVZX, 8, 1, X86_R9, false, false },
    { "movsbl (%rdi),%eax", INSN_MODE_64, BYTES(0x0f, 0xbe, 0x07),
      3, INSN_OP_MOVSX, 4, 1, X86_RAX, false, false },
    { "movswq (%rdi),%rax", INSN_MODE_64, BYTES(0x48, 0x0f, 0xbf, 0x07),
      4, INSN_OP_MOVSX, 8, 2, X86_RAX, false, false },
    { "movslq (%rdi),%rax", INSN_MODE_64, BYTES(0x48, 0x63, 0x07),
      3, INSN_OP_MOVSX, 8, 4, X86_RAX, false, false },
    { "rep stos %eax,%es:(%rdi)", INSN_MODE_64, BYTES(0xf3, 0xab),
      2, INSN_OP_STOS, 4, 0, X86_RAX, false, true, .rep = INSN_REP_REP },
    { "rep stos %rax,%es:(%rdi)", INSN_MODE_64, BYTES(0xf3, 0x48, 0xab),
      3, INSN_OP_STOS, 8, 0, X86_RAX, false, true, .rep = INSN_REP_REP },
    { "stos %al,%es:(%rdi)", INSN_MODE_64, BYTES(0xaa),
      1, INSN_OP_STOS, 1, 0, X86_RAX, false, true },
    { "rep movsb", INSN_MODE_64, BYTES(0xf3, 0xa4),
      2, INSN_OP_MOVS, 1, 0, NONE, false, true, .rep = INSN_REP_REP },
    { "movsl", INSN_MODE_64, BYTES(0xa5),
      1, INSN_OP_MOVS, 4, 0, NONE, false, true },
    { "movsw %fs:(%rsi),%es:(%rdi)", INSN_MODE_64, BYTES(0x64, 0x66, 0xa5),
      3, INSN_OP_MOVS, 2, 0, NONE, false, true },
    { "movabs 0xfee00020,%eax", INSN_MODE_64,
      BYTES(0xa1, 0x20, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00),
      9, INSN_OP_MOV, 4, 0, X86_RAX, false, false },
    { "movabs 0xfee00020,%ax", INSN_MODE_64,
      BYTES(0x66, 0xa1, 0x20, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00),
      10, INSN_OP_MOV, 2, 0, X86_RAX, false, false },
    { "addr32 mov 0xfee00020,%eax", INSN_MODE_64,
      BYTES(0x67, 0xa1, 0x20, 0x00, 0xe0, 0xfe),
      6, INSN_OP_MOV, 4, 0, X86_RAX, false, false },
    { "movabs %al,0xb8000", INSN_MODE_64,
      BYTES(0xa2, 0x00, 0x80, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00),
      9, INSN_OP_MOV, 1, 0, X86_RAX, false, true },
    { "movabs %rax,0xfee00000", INSN_MODE_64,
      BYTES(0x48, 0xa3, 0x00, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00),
      10, INSN_OP_MOV, 8, 0, X86_RAX, false, true },
    { "xchg %eax,(%rdi)", INSN_MODE_64, BYTES(0x87, 0x07),
      2, INSN_OP_XCHG, 4, 0, X86_RAX, false, true },
    { "xchg %eax,0xffffffffff5fc0b0", INSN_MODE_64,
      BYTES(0x87, 0x04, 0x25, 0xb0, 0xc0, 0x5f, 0xff),
      7, INSN_OP_XCHG, 4, 0, X86_RAX, false, true },
    { "xchg %cl,(%rdx)", INSN_MODE_64, BYTES(0x86, 0x0a),
      2, INSN_OP_XCHG, 1, 0, X86_RCX, false, true },
    { "lock xchg %eax,(%rdi)", INSN_MODE_64, BYTES(0xf0, 0x87, 0x07),
      3, INSN_OP_XCHG, 4, 0, X86_RAX, false, true },
    { "mov %esi,-0xa04000(%rdi)", INSN_MODE_64,
      BYTES(0x89, 0xb7, 0x00, 0xc0, 0x5f, 0xff),
      6, INSN_OP_MOV, 4, 0, X86_RSI, false, true },
    { "mov -0xa04000(%rdi),%eax", INSN_MODE_64,
      BYTES(0x8b, 0x87, 0x00, 0xc0, 0x5f, 0xff),
      6, INSN_OP_MOV, 4, 0, X86_RAX, false, false },
    /* Byte registers: REX turns 4-7 into SPL..DIL, else AH..BH. */
    { "mov %sil,(%rdi)", INSN_MODE_64, BYTES(0x40, 0x88, 0x37),
      3, INSN_OP_MOV, 1, 0, X86_RSI, false, true },
    { "mov %dil,0x1(%rsi)", INSN_MODE_64, BYTES(0x40, 0x88, 0x7e, 0x01),
      4, INSN_OP_MOV, 1, 0, X86_RDI, false, true },
    { "mov %r15b,(%rdi)", INSN_MODE_64, BYTES(0x44, 0x88, 0x3f),
      3, INSN_OP_MOV, 1, 0, X86_R15, false, true },
    { "mov (%rdi),%al", INSN_MODE_64, BYTES(0x8a, 0x07),
      2, INSN_OP_MOV, 1, 0, X86_RAX, false, false },
    { "mov 0x1(%rdi),%bh", INSN_MODE_64, BYTES(0x8a, 0x7f, 0x01),
      3, INSN_OP_MOV, 1, 0, X86_RBX, true, false },
    { "mov (%rdi),%sil", INSN_MODE_64, BYTES(0x40, 0x8a, 0x37),
      3, INSN_OP_MOV, 1, 0, X86_RSI, false, false },
    /* Immediates, sign-extended as the CPU does. */
    { "movb $0x41,(%rdi)", INSN_MODE_64, BYTES(0xc6, 0x07, 0x41),
      3, INSN_OP_MOV, 1, 0, NONE, false, true, true, 0x41 },
    { "movb $0xff,(%rdi)", INSN_MODE_64, BYTES(0xc6, 0x07, 0xff),
      3, INSN_OP_MOV, 1, 0, NONE, false, true, true, ~0ull },
    { "movq $-1,(%rdi)", INSN_MODE_64,
      BYTES(0x48, 0xc7, 0x07, 0xff, 0xff, 0xff, 0xff),
      7, INSN_OP_MOV, 8, 0, NONE, false, true, true, ~0ull },
    { "movw $0x720,(%rdi,%rsi,2)", INSN_MODE_64,
      BYTES(0x66, 0xc7, 0x04, 0x77, 0x20, 0x07),
      6, INSN_OP_MOV, 2, 0, NONE, false, true, true, 0x720 },
    { "movw $0x1234,(%rdi)", INSN_MODE_64,
      BYTES(0x66, 0xc7, 0x07, 0x34, 0x12),
      5, INSN_OP_MOV, 2, 0, NONE, false, true, true, 0x1234 },
    { "movb $0x0,(%rdi,%r12,1)", INSN_MODE_64,
      BYTES(0x42, 0xc6, 0x04, 0x27, 0x00),
      5, INSN_OP_MOV, 1, 0, NONE, false, true, true, 0 },
    /* ALU forms. */
    { "orl $0x100,(%rdi)", INSN_MODE_64,
      BYTES(0x81, 0x0f, 0x00, 0x01, 0x00, 0x00),
      6, INSN_OP_OR, 4, 0, NONE, false, true, true, 0x100 },
    { "andl $0xfffffffe,0x10(%rdi)", INSN_MODE_64,
      BYTES(0x83, 0x67, 0x10, 0xfe),
      4, INSN_OP_AND, 4, 0, NONE, false, true, true, ~1ull },
    { "addl $-1,(%rdi)", INSN_MODE_64, BYTES(0x83, 0x07, 0xff),
      3, INSN_OP_ADD, 4, 0, NONE, false, true, true, ~0ull },
    { "lock orb $1,(%rdi)", INSN_MODE_64, BYTES(0xf0, 0x80, 0x0f, 0x01),
      4, INSN_OP_OR, 1, 0, NONE, false, true, true, 1 },
    { "lock addq $0x7fffffff,(%rdi)", INSN_MODE_64,
      BYTES(0xf0, 0x48, 0x81, 0x07, 0xff, 0xff, 0xff, 0x7f),
      8, INSN_OP_ADD, 8, 0, NONE, false, true, true, 0x7fffffff },
    { "cmpb $0x3,(%rdi)", INSN_MODE_64, BYTES(0x80, 0x3f, 0x03),
      3, INSN_OP_CMP, 1, 0, NONE, false, true, true, 3 },
    { "add %eax,(%rdi)", INSN_MODE_64, BYTES(0x01, 0x07),
      2, INSN_OP_ADD, 4, 0, X86_RAX, false, true },
    { "sub (%rdi),%ecx", INSN_MODE_64, BYTES(0x2b, 0x0f),
      2, INSN_OP_SUB, 4, 0, X86_RCX, false, false },
    { "cmp %edx,(%rdi)", INSN_MODE_64, BYTES(0x39, 0x17),
      2, INSN_OP_CMP, 4, 0, X86_RDX, false, true },
    { "adc %ecx,(%rdi)", INSN_MODE_64, BYTES(0x11, 0x0f),
      2, INSN_OP_ADC, 4, 0, X86_RCX, false, true },
    { "sbb (%rdi),%dl", INSN_MODE_64, BYTES(0x1a, 0x17),
      2, INSN_OP_SBB, 1, 0, X86_RDX, false, false },
    { "sbb (%rdi),%dh", INSN_MODE_64, BYTES(0x1a, 0x37),
      2, INSN_OP_SBB, 1, 0, X86_RDX, true, false },
    { "xor %r9,0x8(%r12)", INSN_MODE_64,
      BYTES(0x4d, 0x31, 0x4c, 0x24, 0x08),
      5, INSN_OP_XOR, 8, 0, X86_R9, false, true },
    { "test %eax,(%rdi)", INSN_MODE_64, BYTES(0x85, 0x07),
      2, INSN_OP_TEST, 4, 0, X86_RAX, false, true },
    { "testl $0x1000,(%rdi)", INSN_MODE_64,
      BYTES(0xf7, 0x07, 0x00, 0x10, 0x00, 0x00),
      6, INSN_OP_TEST, 4, 0, NONE, false, true, true, 0x1000 },
    { "testb $0x80,0x5(%rdi)", INSN_MODE_64,
      BYTES(0xf6, 0x47, 0x05, 0x80),
      4, INSN_OP_TEST, 1, 0, NONE, false, true, true, ~0x7full },
    { "bt %eax,(%rdi)", INSN_MODE_64, BYTES(0x0f, 0xa3, 0x07),
      3, INSN_OP_BT, 4, 0, X86_RAX, false, true },
    { "btl $5,(%rdi)", INSN_MODE_64, BYTES(0x0f, 0xba, 0x27, 0x05),
      4, INSN_OP_BT, 4, 0, NONE, false, true, true, 5 },
    /* Prefix ordering: REX counts only right before the opcode. */
    { "rex.W; mov %ax,(%rdi)", INSN_MODE_64,
      BYTES(0x48, 0x66, 0x89, 0x07),
      4, INSN_OP_MOV, 2, 0, X86_RAX, false, true },
    { "data16 mov %rax,(%rdi)", INSN_MODE_64,
      BYTES(0x66, 0x48, 0x89, 0x07),
      4, INSN_OP_MOV, 8, 0, X86_RAX, false, true },
    { "rex; rex; mov %spl,(%rdi)", INSN_MODE_64,
      BYTES(0x40, 0x40, 0x88, 0x27),
      4, INSN_OP_MOV, 1, 0, X86_RSP, false, true },
    { "mov %ah,(%rdi)", INSN_MODE_64, BYTES(0x88, 0x27),
      2, INSN_OP_MOV, 1, 0, X86_RAX, true, true },
    { "13x data16 mov %ax,(%rdi) (15 bytes)", INSN_MODE_64,
      BYTES(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
            0x66, 0x66, 0x66, 0x89, 0x07),
      15, INSN_OP_MOV, 2, 0, X86_RAX, false, true },
    /* 32-bit protected mode. */
    { "32: mov %eax,0xfee000b0", INSN_MODE_32,
      BYTES(0xa3, 0xb0, 0x00, 0xe0, 0xfe),
      5, INSN_OP_MOV, 4, 0, X86_RAX, false, true },
    { "32: mov %ecx,0xfee00300", INSN_MODE_32,
      BYTES(0x89, 0x0d, 0x00, 0x03, 0xe0, 0xfe),
      6, INSN_OP_MOV, 4, 0, X86_RCX, false, true },
    { "32: mov %ax,(%edi)", INSN_MODE_32, BYTES(0x66, 0x89, 0x07),
      3, INSN_OP_MOV, 2, 0, X86_RAX, false, true },
    { "32: mov %dh,0x0(%ebp)", INSN_MODE_32, BYTES(0x88, 0x75, 0x00),
      3, INSN_OP_MOV, 1, 0, X86_RDX, true, true },
    { "32: rep stos %ax,%es:(%edi)", INSN_MODE_32, BYTES(0x66, 0xf3, 0xab),
      3, INSN_OP_STOS, 2, 0, X86_RAX, false, true, .rep = INSN_REP_REP },
    { "32: movl $0xdeadbeef,0x4(%esi,%ecx,4)", INSN_MODE_32,
      BYTES(0xc7, 0x44, 0x8e, 0x04, 0xef, 0xbe, 0xad, 0xde),
      8, INSN_OP_MOV, 4, 0, NONE, false, true, true, 0xffffffffdeadbeefull },
    /* 16-bit mode: real mode VGA text writes and friends. */
    { "16: mov %ax,(%bx,%si)", INSN_MODE_16, BYTES(0x89, 0x00),
      2, INSN_OP_MOV, 2, 0, X86_RAX, false, true },
    { "16: movw $0x720,(%di)", INSN_MODE_16,
      BYTES(0xc7, 0x05, 0x20, 0x07),
      4, INSN_OP_MOV, 2, 0, NONE, false, true, true, 0x720 },
    { "16: mov %eax,(%di)", INSN_MODE_16, BYTES(0x66, 0x89, 0x05),
      3, INSN_OP_MOV, 4, 0, X86_RAX, false, true },
    { "16: mov 0xb800,%ax", INSN_MODE_16, BYTES(0xa1, 0x00, 0xb8),
      3, INSN_OP_MOV, 2, 0, X86_RAX, false, false },
    { "16: mov %bx,0x1234", INSN_MODE_16, BYTES(0x89, 0x1e, 0x34, 0x12),
      4, INSN_OP_MOV, 2, 0, X86_RBX, false, true },
    { "16: rep stos %ax,%es:(%di)", INSN_MODE_16, BYTES(0xf3, 0xab),
      2, INSN_OP_STOS, 2, 0, X86_RAX, false, true, .rep = INSN_REP_REP },
    { "16: addr32 mov %eax,(%ebx,%ecx,4)", INSN_MODE_16,
      BYTES(0x67, 0x66, 0x89, 0x04, 0x8b),
      5, INSN_OP_MOV, 4, 0, X86_RAX, false, true },
    { "16: movb $0x41,%es:0x100(%bx)", INSN_MODE_16,
      BYTES(0x26, 0xc6, 0x87, 0x00, 0x01, 0x41),
      6, INSN_OP_MOV, 1, 0, NONE, false, true, true, 0x41 },
};

static void test_decode_cases(void)
{
    for (size_t i = 0; i < sizeof decode_cases / sizeof decode_cases[0]; i++) {
        const struct decode_case *t = &decode_cases[i];
        struct insn insn;
        enum insn_status st = insn_decode(&insn, t->bytes, t->len, t->mode);

        CHECK_EQ(st, INSN_OK, "%s: decodes", t->name);
        if (st != INSN_OK)
            continue;
        CHECK_EQ(insn.length, t->length, "%s: length", t->name);
        CHECK_EQ(insn.op, t->op, "%s: op", t->name);
        CHECK_EQ(insn.op_size, t->op_size, "%s: operand size", t->name);
        CHECK_EQ(insn.mem_size, t->mem_size ? t->mem_size : t->op_size,
                 "%s: memory size", t->name);
        CHECK_EQ(insn.has_reg ? insn.reg : NONE, t->reg, "%s: register",
                 t->name);
        CHECK_EQ(insn.reg_high8, t->high8, "%s: high-byte register", t->name);
        CHECK_EQ(insn.has_mem, true, "%s: has memory operand", t->name);
        CHECK_EQ(insn.mem_is_dst, t->mem_is_dst, "%s: memory is destination",
                 t->name);
        CHECK_EQ(insn.has_imm, t->has_imm, "%s: has immediate", t->name);
        if (t->has_imm)
            CHECK_EQ(insn.imm, t->imm, "%s: immediate", t->name);
        CHECK_EQ(insn.rep, t->rep, "%s: rep prefix", t->name);
    }
}

/* Decodes bytes (which must succeed) for the address tests. */
static struct insn decode_ok(const uint8_t *bytes, size_t len,
                             enum insn_mode mode, const char *name)
{
    struct insn insn = { 0 };
    enum insn_status st = insn_decode(&insn, bytes, len, mode);

    CHECK_EQ(st, INSN_OK, "%s: decodes", name);
    return insn;
}

#define DECODE(mode, name, ...)                                             \
    decode_ok((const uint8_t[]){ __VA_ARGS__ },                             \
              sizeof((const uint8_t[]){ __VA_ARGS__ }), mode, name)

static void test_addresses(void)
{
    struct x86_gprs g = { { 0 } };
    uint64_t bases[INSN_NR_SEGS] = { 0 };
    struct insn insn;

    insn = DECODE(INSN_MODE_64, "sib disp32 only",
                  0x89, 0x14, 0x25, 0xf0, 0x00, 0xe0, 0xfe);
    CHECK_EQ(insn.mem.base, INSN_NO_REG, "sib disp32: no base");
    CHECK_EQ(insn.mem.index, INSN_NO_REG, "sib disp32: no index");
    CHECK_EQ(insn_effective_address(&insn, &insn.mem, &g, 0),
             0xfffffffffee000f0ull, "sib disp32: address sign-extended");

    insn = DECODE(INSN_MODE_64, "rip-relative",
                  0xc7, 0x05, 0x00, 0x01, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12);
    CHECK(insn.mem.rip_relative, "rip-relative: flagged");
    CHECK_EQ(insn_effective_address(&insn, &insn.mem, &g,
                                    0xffffffff81000000ull),
             0xffffffff8100010aull, "rip-relative: next rip + disp");

    insn = DECODE(INSN_MODE_64, "eip-relative", 0x67, 0x89, 0x05, 0x10, 0x00,
                  0x00, 0x00);
    CHECK_EQ(insn.addr_size, 4, "eip-relative: address size 4");
    CHECK_EQ(insn_effective_address(&insn, &insn.mem, &g, 0xfffffff0ull), 0x7,
             "eip-relative: wraps at 4 GiB");

    g.r[X86_RDI] = 0x300;
    insn = DECODE(INSN_MODE_64, "apic write",
                  0x89, 0xb7, 0x00, 0xc0, 0x5f, 0xff);
    CHECK_EQ(insn_effective_address(&insn, &insn.mem, &g, 0),
             0xffffffffff5fc300ull, "apic write: rdi + disp32");

    g.r[X86_R12] = 3;
    insn = DECODE(INSN_MODE_64, "r12 index", 0x42, 0x89, 0x04, 0xa5, 0x10,
                  0x00, 0x00, 0x00);
    CHECK_EQ(insn.mem.index, X86_R12, "r12 index: REX.X index 100b is r12");
    CHECK_EQ(insn_effective_address(&insn, &insn.mem, &g, 0), 0x1c,
             "r12 index: 3 * 4 + 0x10");

    g.r[X86_R12] = 0x1000;
    g.r[X86_R13] = 2;
    insn = DECODE(INSN_MODE_64, "r12+r13*8", 0x43, 0x89, 0x4c, 0xec, 0x10);
    CHECK_EQ(insn_effective_address(&insn, &insn.mem, &g, 0), 0x1020,
             "r12+r13*8: 0x1000 + 16 + 0x10");

    g.r[X86_R13] = 0xfee00000;
    insn = DECODE(INSN_MODE_64, "r13 base", 0x41, 0x89, 0x45, 0x00);
    CHECK_EQ(insn.mem.base, X86_R13, "r13 base: mod 1 needs disp8");
    CHECK_EQ(insn_effective_address(&insn, &insn.mem, &g, 0), 0xfee00000,
             "r13 base: address");

    g.r[X86_RDI] = 0xffffffff00001234ull;
    insn = DECODE(INSN_MODE_64, "addr32", 0x67, 0x89, 0x07);
    CHECK_EQ(insn_effective_address(&insn, &insn.mem, &g, 0), 0x1234,
             "addr32: truncated to 32 bits");

    insn = DECODE(INSN_MODE_64, "moffs64", 0xa1, 0x20, 0x00, 0xe0, 0xfe, 0x00,
                  0x00, 0x00, 0x00);
    CHECK_EQ(insn_effective_address(&insn, &insn.mem, &g, 0), 0xfee00020,
             "moffs64: address");

    insn = DECODE(INSN_MODE_64, "rbp base", 0x89, 0x45, 0x10);
    CHECK_EQ(insn.mem.seg, INSN_SEG_SS, "rbp base: default segment SS");
    insn = DECODE(INSN_MODE_64, "rsp base", 0x89, 0x04, 0x24);
    CHECK_EQ(insn.mem.seg, INSN_SEG_SS, "rsp base: default segment SS");
    insn = DECODE(INSN_MODE_64, "es override", 0x26, 0x8b, 0x03);
    CHECK_EQ(insn.seg_override, INSN_SEG_ES, "es override: reported");
    CHECK_EQ(insn.mem.seg, INSN_SEG_ES, "es override: effective");

    g.r[X86_RBX] = 0x2000;
    bases[INSN_SEG_ES] = 0x5000;
    CHECK_EQ(insn_linear_address(&insn, &insn.mem, &g, 0, bases), 0x2000,
             "es override: base ignored in 64-bit mode");

    bases[INSN_SEG_GS] = 0xffff888000000000ull;
    insn = DECODE(INSN_MODE_64, "gs override", 0x65, 0x89, 0x04, 0x25, 0x10,
                  0x00, 0x00, 0x00);
    CHECK_EQ(insn.mem.seg, INSN_SEG_GS, "gs override: segment");
    CHECK_EQ(insn_linear_address(&insn, &insn.mem, &g, 0, bases),
             0xffff888000000010ull, "gs override: linear address");

    g.r[X86_RSI] = 0x100;
    g.r[X86_RDI] = 0x200;
    insn = DECODE(INSN_MODE_64, "movsw fs", 0x64, 0x66, 0xa5);
    CHECK_EQ(insn.src_mem.seg, INSN_SEG_FS, "movsw fs: source segment FS");
    CHECK_EQ(insn.mem.seg, INSN_SEG_ES, "movsw fs: destination stays ES");
    CHECK_EQ(insn_effective_address(&insn, &insn.src_mem, &g, 0), 0x100,
             "movsw fs: source rsi");
    CHECK_EQ(insn_effective_address(&insn, &insn.mem, &g, 0), 0x200,
             "movsw fs: destination rdi");

    insn = DECODE(INSN_MODE_32, "32: absolute disp32", 0x89, 0x0d, 0x00, 0x03,
                  0xe0, 0xfe);
    CHECK(!insn.mem.rip_relative, "32: disp32 is absolute, not rip-relative");
    CHECK_EQ(insn_effective_address(&insn, &insn.mem, &g, 0x1000), 0xfee00300,
             "32: absolute address");

    bases[INSN_SEG_DS] = 0xfffff000;
    insn = DECODE(INSN_MODE_32, "32: ds base", 0x89, 0x43, 0x10);
    CHECK_EQ(insn_linear_address(&insn, &insn.mem, &g, 0, bases), 0x1010,
             "32: linear address wraps at 4 GiB");

    g.r[X86_RBX] = 0xfff0;
    g.r[X86_RSI] = 0x20;
    insn = DECODE(INSN_MODE_16, "16: bx+si", 0x89, 0x00);
    CHECK_EQ(insn.mem.seg, INSN_SEG_DS, "16: bx+si segment DS");
    CHECK_EQ(insn_effective_address(&insn, &insn.mem, &g, 0), 0x10,
             "16: bx+si wraps at 64 KiB");

    g.r[X86_RBP] = 0x100;
    insn = DECODE(INSN_MODE_16, "16: bp+disp8", 0x88, 0x46, 0x10);
    CHECK_EQ(insn.mem.seg, INSN_SEG_SS, "16: bp-based segment SS");
    CHECK_EQ(insn_effective_address(&insn, &insn.mem, &g, 0), 0x110,
             "16: bp+disp8");

    g.r[X86_RDI] = 0x4;
    insn = DECODE(INSN_MODE_16, "16: bp+di-2", 0x88, 0x5b, 0xfe);
    CHECK_EQ(insn_effective_address(&insn, &insn.mem, &g, 0), 0x102,
             "16: bp+di+disp8 negative");

    insn = DECODE(INSN_MODE_16, "16: disp16", 0x89, 0x1e, 0x34, 0x12);
    CHECK_EQ(insn.mem.base, INSN_NO_REG, "16: mod 0 rm 6 has no base");
    CHECK_EQ(insn_effective_address(&insn, &insn.mem, &g, 0), 0x1234,
             "16: disp16");

    g.r[X86_RBX] = 0x1000;
    g.r[X86_RCX] = 4;
    insn = DECODE(INSN_MODE_16, "16: addr32 sib", 0x67, 0x66, 0x89, 0x04,
                  0x8b);
    CHECK_EQ(insn.addr_size, 4, "16: addr32 address size");
    CHECK_EQ(insn_effective_address(&insn, &insn.mem, &g, 0), 0x1010,
             "16: addr32 ebx+ecx*4");

    bases[INSN_SEG_ES] = 0xb8000;
    g.r[X86_RBX] = 0x20;
    insn = DECODE(INSN_MODE_16, "16: es override", 0x26, 0xc6, 0x87, 0x00,
                  0x01, 0x41);
    CHECK_EQ(insn_linear_address(&insn, &insn.mem, &g, 0, bases), 0xb8120,
             "16: es:0x100(%%bx) linear");
}

static void test_register_forms(void)
{
    struct insn insn;

    insn = DECODE(INSN_MODE_64, "mov %eax,%eax", 0x89, 0xc0);
    CHECK_EQ(insn.length, 2, "mov %%eax,%%eax: length");
    CHECK(!insn.has_mem, "mov %%eax,%%eax: no memory operand");

    insn = DECODE(INSN_MODE_64, "movzbl %ah,%esi", 0x0f, 0xb6, 0xf4);
    CHECK(insn.rm_reg == X86_RAX && insn.rm_high8,
          "movzbl %%ah,%%esi: r/m is AH");
    CHECK(insn.reg == X86_RSI && !insn.reg_high8,
          "movzbl %%ah,%%esi: destination is ESI");
}

struct error_case {
    const char *name;
    enum insn_mode mode;
    uint8_t bytes[16];
    size_t len;
    enum insn_status status;
};

static const struct error_case error_cases[] = {
    { "empty buffer", INSN_MODE_64, .len = 0, .status = INSN_ERR_TRUNCATED },
    { "prefix only", INSN_MODE_64, BYTES(0x66), INSN_ERR_TRUNCATED },
    { "rex only", INSN_MODE_64, BYTES(0x48), INSN_ERR_TRUNCATED },
    { "0f only", INSN_MODE_64, BYTES(0x0f), INSN_ERR_TRUNCATED },
    { "no modrm", INSN_MODE_64, BYTES(0x89), INSN_ERR_TRUNCATED },
    { "no sib", INSN_MODE_64, BYTES(0x89, 0x14), INSN_ERR_TRUNCATED },
    { "short disp32", INSN_MODE_64, BYTES(0x89, 0x14, 0x25, 0xf0, 0x00),
      INSN_ERR_TRUNCATED },
    { "short imm32", INSN_MODE_64,
      BYTES(0xc7, 0x05, 0x00, 0x01, 0x00, 0x00, 0x78, 0x56),
      INSN_ERR_TRUNCATED },
    { "short moffs64", INSN_MODE_64, BYTES(0xa1, 0x20, 0x00, 0xe0, 0xfe),
      INSN_ERR_TRUNCATED },
    { "32: c4 alone", INSN_MODE_32, BYTES(0xc4), INSN_ERR_TRUNCATED },
    { "14x data16 (16 bytes)", INSN_MODE_64,
      BYTES(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
            0x66, 0x66, 0x66, 0x66, 0x89, 0x07),
      INSN_ERR_TOO_LONG },
    { "vzeroupper", INSN_MODE_64, BYTES(0xc5, 0xf8, 0x77), INSN_ERR_VEX },
    { "vbroadcastss (%rdi)", INSN_MODE_64,
      BYTES(0xc4, 0xe2, 0x79, 0x18, 0x07), INSN_ERR_VEX },
    { "evex vmovups (%rdi),%zmm0", INSN_MODE_64,
      BYTES(0x62, 0xf1, 0x7c, 0x48, 0x10, 0x07), INSN_ERR_VEX },
    { "xop vprotb", INSN_MODE_64, BYTES(0x8f, 0xe8, 0x78, 0xc0, 0xc8, 0x00),
      INSN_ERR_VEX },
    { "32: vzeroupper", INSN_MODE_32, BYTES(0xc5, 0xf8, 0x77), INSN_ERR_VEX },
    { "32: les (%eax),%eax", INSN_MODE_32, BYTES(0xc4, 0x00),
      INSN_ERR_UNSUPPORTED },
    { "ud2", INSN_MODE_64, BYTES(0x0f, 0x0b), INSN_ERR_UNSUPPORTED },
    { "nop", INSN_MODE_64, BYTES(0x90), INSN_ERR_UNSUPPORTED },
    { "incl (%rdi)", INSN_MODE_64, BYTES(0xff, 0x07), INSN_ERR_UNSUPPORTED },
    { "notl (%rdi)", INSN_MODE_64, BYTES(0xf7, 0x17), INSN_ERR_UNSUPPORTED },
    { "btsl $1,(%rdi)", INSN_MODE_64, BYTES(0x0f, 0xba, 0x2f, 0x01),
      INSN_ERR_UNSUPPORTED },
    { "xabort $1", INSN_MODE_64, BYTES(0xc6, 0xf8, 0x01),
      INSN_ERR_UNSUPPORTED },
    { "pop (%rdi)", INSN_MODE_64, BYTES(0x8f, 0x07), INSN_ERR_UNSUPPORTED },
    { "call", INSN_MODE_64, BYTES(0xe8, 0xfb, 0xff, 0xff, 0xff),
      INSN_ERR_UNSUPPORTED },
    { "movabs $imm64,%rax", INSN_MODE_64,
      BYTES(0x48, 0xb8, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00),
      INSN_ERR_UNSUPPORTED },
    { "0f 38 map", INSN_MODE_64, BYTES(0x0f, 0x38, 0x00, 0x07),
      INSN_ERR_UNSUPPORTED },
    { "32: inc %eax (not REX)", INSN_MODE_32, BYTES(0x40),
      INSN_ERR_UNSUPPORTED },
    { "32: arpl (not MOVSXD)", INSN_MODE_32, BYTES(0x63, 0x00),
      INSN_ERR_UNSUPPORTED },
    { "lock mov", INSN_MODE_64, BYTES(0xf0, 0x89, 0x07), INSN_ERR_INVALID },
    { "lock add to register", INSN_MODE_64, BYTES(0xf0, 0x01, 0xc0),
      INSN_ERR_INVALID },
    { "lock cmp", INSN_MODE_64, BYTES(0xf0, 0x39, 0x07), INSN_ERR_INVALID },
    { "lock bt", INSN_MODE_64, BYTES(0xf0, 0x0f, 0xa3, 0x07),
      INSN_ERR_INVALID },
    { "lock stos", INSN_MODE_64, BYTES(0xf0, 0xab), INSN_ERR_INVALID },
};

static void test_errors(void)
{
    for (size_t i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
        const struct error_case *t = &error_cases[i];
        struct insn insn;

        CHECK_EQ(insn_decode(&insn, t->bytes, t->len, t->mode), t->status,
                 "%s: rejected", t->name);
    }
}

/* A 15-byte buffer holding a short instruction: the tail is ignored. */
static void test_long_buffer(void)
{
    const uint8_t bytes[INSN_MAX_LENGTH] = { 0x8b, 0x00, 0x0f, 0x0b };
    struct insn insn;

    CHECK_EQ(insn_decode(&insn, bytes, sizeof bytes, INSN_MODE_64), INSN_OK,
             "trailing bytes: decodes");
    CHECK_EQ(insn.length, 2, "trailing bytes: length 2");
}

int main(void)
{
    test_decode_cases();
    test_addresses();
    test_register_forms();
    test_errors();
    test_long_buffer();
    CHECK_DONE();
}
