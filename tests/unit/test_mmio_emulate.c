/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for MMIO emulation: real encodings (from GNU as / gcc -O2,
 * checked with objdump -d) are decoded and run against a fake device that
 * records every access.
 */
#include <arch/mmio_emulate.h>
#include "check.h"

#define DEV_BASE 0xfee00000ull  /* gpa of the fake device's first byte */
#define DEV_SIZE 0x100
#define RAM_BASE 0x5000ull      /* guest RAM window, for MOVS */
#define RAM_SIZE 0x40
#define DECODE_FAILED 1000      /* run() result when decoding failed */

#define FLAGS_IF (1ull << 9)    /* an unrelated RFLAGS bit that must survive */

struct access {
    bool write;
    uint64_t addr;
    unsigned size;
    uint64_t value;
    enum insn_seg seg;          /* guest_access only */
};

struct fake_device {
    uint8_t regs[DEV_SIZE];
    uint8_t ram[RAM_SIZE];
    struct access log[8];
    unsigned nr_accesses;
    bool fail_reads;
    bool fail_writes;
};

static uint64_t load_le(const uint8_t *p, unsigned size)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void store_le(uint8_t *p, unsigned size, uint64_t v)
{
    for (unsigned i = 0; i < size; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void log_access(struct fake_device *dev, bool write, uint64_t addr,
                       unsigned size, uint64_t value, enum insn_seg seg)
{
    if (dev->nr_accesses < sizeof dev->log / sizeof dev->log[0])
        dev->log[dev->nr_accesses] = (struct access){ write, addr, size,
                                                      value, seg };
    dev->nr_accesses++;
}

static uint8_t *device_bytes(struct fake_device *dev, uint64_t gpa,
                             unsigned size)
{
    if (gpa < DEV_BASE || gpa + size > DEV_BASE + DEV_SIZE)
        return NULL;
    return &dev->regs[gpa - DEV_BASE];
}

static int dev_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
    struct fake_device *dev = ctx;
    uint8_t *p = device_bytes(dev, gpa, size);

    if (!p || dev->fail_reads)
        return -1;
    *val = load_le(p, size);
    log_access(dev, false, gpa, size, *val, INSN_SEG_NONE);
    return 0;
}

static int dev_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
    struct fake_device *dev = ctx;
    uint8_t *p = device_bytes(dev, gpa, size);

    if (!p || dev->fail_writes)
        return -1;
    store_le(p, size, val);
    log_access(dev, true, gpa, size, val, INSN_SEG_NONE);
    return 0;
}

/* MOVS side: segment bases are zero; the device is identity-mapped. */
static int dev_guest_access(void *ctx, enum insn_seg seg, uint64_t offset,
                            unsigned size, uint64_t *val, bool is_write)
{
    struct fake_device *dev = ctx;
    uint8_t *p = device_bytes(dev, offset, size);

    if (!p && offset >= RAM_BASE && offset + size <= RAM_BASE + RAM_SIZE)
        p = &dev->ram[offset - RAM_BASE];
    if (!p)
        return -1;
    if (is_write)
        store_le(p, size, *val);
    else
        *val = load_le(p, size);
    log_access(dev, is_write, offset, size, *val, seg);
    return 0;
}

static int run(struct fake_device *dev, struct x86_gprs *gprs,
               uint64_t *rflags, enum insn_mode mode, uint64_t gpa,
               const uint8_t *bytes, size_t len)
{
    const struct mmio_bus bus = {
        .read = dev_read, .write = dev_write, .ctx = dev,
        .guest_access = dev_guest_access,
    };
    struct insn insn;

    if (insn_decode(&insn, bytes, len, mode) != INSN_OK)
        return DECODE_FAILED;
    return mmio_emulate(&insn, gprs, rflags, &bus, gpa);
}

#define RUN(dev, gprs, rflags, mode, gpa, ...)                              \
    run(dev, gprs, rflags, mode, gpa, (const uint8_t[]){ __VA_ARGS__ },     \
        sizeof((const uint8_t[]){ __VA_ARGS__ }))

/* One access, checked in full. */
static void check_access(const struct fake_device *dev, unsigned i,
                         bool write, uint64_t addr, unsigned size,
                         uint64_t value, const char *name)
{
    const struct access *a = &dev->log[i];

    CHECK(i < dev->nr_accesses && a->write == write && a->addr == addr &&
          a->size == size && a->value == value,
          "%s: %s %#llx size %u value %#llx", name, write ? "write" : "read",
          (unsigned long long)addr, size, (unsigned long long)value);
}

static void test_stores(void)
{
    struct fake_device dev = { 0 };
    struct x86_gprs g = { { 0 } };
    uint64_t fl = 0;
    int rc;

    /* native_apic_mem_write(): mov %esi,-0xa04000(%rdi) */
    g.r[X86_RSI] = 0xdeadbeef12345678ull;
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE + 0xb0,
             0x89, 0xb7, 0x00, 0xc0, 0x5f, 0xff);
    CHECK_EQ(rc, 6, "apic write: advance 6");
    CHECK_EQ(dev.nr_accesses, 1, "apic write: one access");
    check_access(&dev, 0, true, DEV_BASE + 0xb0, 4, 0x12345678, "apic write");
    CHECK_EQ(g.r[X86_RSI], 0xdeadbeef12345678ull, "apic write: rsi kept");

    dev = (struct fake_device){ 0 };
    g.r[X86_RDX] = 0x00000000000000ffull;
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE + 0xf0,
             0x89, 0x14, 0x25, 0xf0, 0x00, 0xe0, 0xfe);
    CHECK_EQ(rc, 7, "mov %%edx,abs: advance 7");
    check_access(&dev, 0, true, DEV_BASE + 0xf0, 4, 0xff, "mov %%edx,abs");

    dev = (struct fake_device){ 0 };
    g.r[X86_RAX] = 0x1111111122222222ull;
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE, 0x89, 0x02);
    CHECK_EQ(rc, 2, "writel 89 02: advance 2");
    check_access(&dev, 0, true, DEV_BASE, 4, 0x22222222, "writel 89 02");

    dev = (struct fake_device){ 0 };
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE + 0x80,
             0xc7, 0x05, 0x00, 0x01, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12);
    CHECK_EQ(rc, 10, "movl $imm,rip: advance 10");
    check_access(&dev, 0, true, DEV_BASE + 0x80, 4, 0x12345678,
                 "movl $imm,rip");

    dev = (struct fake_device){ 0 };
    g.r[X86_R8] = 0xffffffff87654321ull;
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE + 0x10,
             0x44, 0x89, 0x40, 0x10);
    CHECK_EQ(rc, 4, "mov %%r8d: advance 4");
    check_access(&dev, 0, true, DEV_BASE + 0x10, 4, 0x87654321, "mov %%r8d");

    dev = (struct fake_device){ 0 };
    g.r[X86_RAX] = 0x1122334455667788ull;
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE + 1, 0x88, 0x67, 0x01);
    CHECK_EQ(rc, 3, "mov %%ah: advance 3");
    check_access(&dev, 0, true, DEV_BASE + 1, 1, 0x77, "mov %%ah (bits 15:8)");

    dev = (struct fake_device){ 0 };
    g.r[X86_RSI] = 0x5a;
    g.r[X86_RDX] = 0xa500;
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE, 0x40, 0x88, 0x37);
    check_access(&dev, 0, true, DEV_BASE, 1, 0x5a, "mov %%sil (not %%dh)");

    dev = (struct fake_device){ 0 };
    g.r[X86_RAX] = 0xffffffffffffabcdull;
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE, 0x66, 0x89, 0x07);
    CHECK_EQ(rc, 3, "writew: advance 3");
    check_access(&dev, 0, true, DEV_BASE, 2, 0xabcd, "writew");

    dev = (struct fake_device){ 0 };
    g.r[X86_RSI] = 0x0123456789abcdefull;
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE + 8, 0x48, 0x89, 0x37);
    check_access(&dev, 0, true, DEV_BASE + 8, 8, 0x0123456789abcdefull,
                 "writeq");

    dev = (struct fake_device){ 0 };
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE,
             0x48, 0xc7, 0x07, 0xff, 0xff, 0xff, 0xff);
    CHECK_EQ(rc, 7, "movq $-1: advance 7");
    check_access(&dev, 0, true, DEV_BASE, 8, ~0ull,
                 "movq $-1 (sign-extended)");

    dev = (struct fake_device){ 0 };
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE + 0xa0,
             0x66, 0xc7, 0x04, 0x77, 0x20, 0x07);
    check_access(&dev, 0, true, DEV_BASE + 0xa0, 2, 0x720, "movw $0x720");

    dev = (struct fake_device){ 0 };
    g.r[X86_RDX] = 0x0741;
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE + 0x9e,
             0x66, 0x89, 0x57, 0xfe);
    check_access(&dev, 0, true, DEV_BASE + 0x9e, 2, 0x741,
                 "vga mov %%dx,-0x2(%%rdi)");

    dev = (struct fake_device){ 0 };
    g.r[X86_RAX] = 0x4142;
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE,
             0xa2, 0x00, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00);
    CHECK_EQ(rc, 9, "movabs %%al,moffs: advance 9");
    check_access(&dev, 0, true, DEV_BASE, 1, 0x42, "movabs %%al,moffs");

    dev = (struct fake_device){ 0 };
    g.r[X86_RAX] = 0x8877665544332211ull;
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE,
             0x48, 0xa3, 0x00, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00);
    CHECK_EQ(rc, 10, "movabs %%rax,moffs: advance 10");
    check_access(&dev, 0, true, DEV_BASE, 8, 0x8877665544332211ull,
                 "movabs %%rax,moffs");

    dev = (struct fake_device){ 0 };
    g.r[X86_RAX] = 0xfeedface;
    rc = RUN(&dev, &g, &fl, INSN_MODE_32, DEV_BASE + 0xb0,
             0xa3, 0xb0, 0x00, 0xe0, 0xfe);
    CHECK_EQ(rc, 5, "32: mov %%eax,moffs32: advance 5");
    check_access(&dev, 0, true, DEV_BASE + 0xb0, 4, 0xfeedface,
                 "32: mov %%eax,moffs32");

    dev = (struct fake_device){ 0 };
    g.r[X86_RDX] = 0x3c00;
    rc = RUN(&dev, &g, &fl, INSN_MODE_32, DEV_BASE, 0x88, 0x75, 0x00);
    check_access(&dev, 0, true, DEV_BASE, 1, 0x3c, "32: mov %%dh");

    dev = (struct fake_device){ 0 };
    rc = RUN(&dev, &g, &fl, INSN_MODE_16, DEV_BASE + 0x20,
             0xc7, 0x05, 0x20, 0x07);
    CHECK_EQ(rc, 4, "16: movw $0x720,(%%di): advance 4");
    check_access(&dev, 0, true, DEV_BASE + 0x20, 2, 0x720,
                 "16: movw $0x720,(%%di)");

    CHECK_EQ(fl, 0, "stores leave rflags alone");
}

static void test_loads(void)
{
    struct fake_device dev = { 0 };
    struct x86_gprs g = { { 0 } };
    uint64_t fl = 0;
    int rc;

    /* native_apic_mem_read(): 32-bit loads zero-extend to 64 bits. */
    store_le(&dev.regs[0x30], 4, 0x00050014);
    g.r[X86_RAX] = ~0ull;
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE + 0x30,
             0x8b, 0x87, 0x00, 0xc0, 0x5f, 0xff);
    CHECK_EQ(rc, 6, "apic read: advance 6");
    check_access(&dev, 0, false, DEV_BASE + 0x30, 4, 0x50014, "apic read");
    CHECK_EQ(g.r[X86_RAX], 0x50014, "apic read: eax zero-extended");

    g.r[X86_RAX] = ~0ull;
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE + 0x30, 0x8b, 0x00);
    CHECK_EQ(g.r[X86_RAX], 0x50014, "readl 8b 00: eax zero-extended");

    store_le(&dev.regs[0], 8, 0x8877665544332211ull);
    g.r[X86_RAX] = 0xffffffffffffffffull;
    RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE, 0x66, 0x8b, 0x07);
    CHECK_EQ(g.r[X86_RAX], 0xffffffffffff2211ull, "readw: bits 63:16 kept");

    g.r[X86_RAX] = 0xffffffffffffffffull;
    RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE, 0x8a, 0x07);
    CHECK_EQ(g.r[X86_RAX], 0xffffffffffffff11ull, "readb: bits 63:8 kept");

    dev.regs[1] = 0xab;
    g.r[X86_RAX] = 0x1122334455667788ull;
    RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE + 1, 0x8a, 0x67, 0x01);
    CHECK_EQ(g.r[X86_RAX], 0x112233445566ab88ull, "mov 1(%%rdi),%%ah");

    g.r[X86_RBX] = 0x1122334455667788ull;
    RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE + 1, 0x8a, 0x7f, 0x01);
    CHECK_EQ(g.r[X86_RBX], 0x112233445566ab88ull, "mov 1(%%rdi),%%bh");

    g.r[X86_RSI] = 0x1122334455667788ull;
    g.r[X86_RDX] = 0;
    RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE + 1, 0x40, 0x8a, 0x37);
    CHECK(g.r[X86_RSI] == 0x11223344556677abull && g.r[X86_RDX] == 0,
          "mov (%%rdi),%%sil: low byte of rsi, dh untouched");

    g.r[X86_RAX] = 0;
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE, 0x48, 0x8b, 0x47, 0x08);
    CHECK_EQ(rc, 4, "readq: advance 4");
    CHECK_EQ(g.r[X86_RAX], 0x887766554433ab11ull, "readq: 64-bit value");

    dev.regs[0x40] = 0x80;
    dev.regs[0x41] = 0x80;
    g.r[X86_RAX] = ~0ull;
    RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE + 0x40, 0x0f, 0xb6, 0x07);
    CHECK_EQ(g.r[X86_RAX], 0x80, "movzbl: zero-extended to 64");

    g.r[X86_RAX] = ~0ull;
    RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE + 0x40, 0x0f, 0xb7, 0x07);
    CHECK_EQ(g.r[X86_RAX], 0x8080, "movzwl: zero-extended to 64");

    g.r[X86_RAX] = 0x1234567800000000ull;
    RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE + 0x40, 0x0f, 0xbe, 0x07);
    CHECK_EQ(g.r[X86_RAX], 0xffffff80,
             "movsbl: sign-extended to 32, then zero-extended");

    g.r[X86_RAX] = 0;
    RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE + 0x40,
        0x48, 0x0f, 0xbf, 0x07);
    CHECK_EQ(g.r[X86_RAX], 0xffffffffffff8080ull, "movswq: sign-extended");

    store_le(&dev.regs[0x50], 4, 0x80000000);
    RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE + 0x50, 0x48, 0x63, 0x07);
    CHECK_EQ(g.r[X86_RAX], 0xffffffff80000000ull, "movslq: sign-extended");

    store_le(&dev.regs[0x20], 4, 0xcafef00d);
    g.r[X86_RAX] = ~0ull;
    dev.nr_accesses = 0;
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE + 0x20,
             0xa1, 0x20, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00);
    CHECK_EQ(rc, 9, "movabs moffs,%%eax: advance 9");
    check_access(&dev, 0, false, DEV_BASE + 0x20, 4, 0xcafef00d,
                 "movabs moffs,%%eax");
    CHECK_EQ(g.r[X86_RAX], 0xcafef00d, "movabs moffs,%%eax: zero-extended");

    g.r[X86_RAX] = 0xffffffffffff0000ull;
    rc = RUN(&dev, &g, &fl, INSN_MODE_16, DEV_BASE + 0x20, 0xa1, 0x00, 0xb8);
    CHECK_EQ(rc, 3, "16: mov moffs16,%%ax: advance 3");
    CHECK_EQ(g.r[X86_RAX], 0xfffffffffffff00dull, "16: mov moffs16,%%ax");

    CHECK_EQ(fl, 0, "loads leave rflags alone");
}

static void test_xchg(void)
{
    struct fake_device dev = { 0 };
    struct x86_gprs g = { { 0 } };
    uint64_t fl = 0;
    int rc;

    store_le(&dev.regs[0xb0], 4, 0x1111);
    g.r[X86_RAX] = 0xffffffff00002222ull;
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE + 0xb0, 0x87, 0x07);
    CHECK_EQ(rc, 2, "xchg %%eax: advance 2");
    CHECK_EQ(dev.nr_accesses, 2, "xchg %%eax: read then write");
    check_access(&dev, 0, false, DEV_BASE + 0xb0, 4, 0x1111, "xchg %%eax");
    check_access(&dev, 1, true, DEV_BASE + 0xb0, 4, 0x2222, "xchg %%eax");
    CHECK_EQ(g.r[X86_RAX], 0x1111, "xchg %%eax: old value, zero-extended");

    dev = (struct fake_device){ 0 };
    dev.regs[0] = 0x11;
    g.r[X86_RCX] = 0xaabbccdd;
    RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE, 0x86, 0x0a);
    CHECK(dev.regs[0] == 0xdd && g.r[X86_RCX] == 0xaabbcc11,
          "xchg %%cl: byte swapped, rest of rcx kept");
}

static void test_alu(void)
{
    struct fake_device dev = { 0 };
    struct x86_gprs g = { { 0 } };
    const uint64_t arith = MMIO_RFLAGS_ARITH;
    uint64_t fl;
    int rc;

    /* orl $0x100,(%rdi) */
    store_le(&dev.regs[0], 4, 1);
    fl = FLAGS_IF | MMIO_RFLAGS_CF | MMIO_RFLAGS_OF | MMIO_RFLAGS_ZF;
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE,
             0x81, 0x0f, 0x00, 0x01, 0x00, 0x00);
    CHECK_EQ(rc, 6, "orl: advance 6");
    check_access(&dev, 1, true, DEV_BASE, 4, 0x101, "orl: read-modify-write");
    CHECK_EQ(fl, FLAGS_IF, "orl: CF/OF/ZF cleared, PF clear, IF kept");

    /* andl $0xfffffffe,0x10(%rdi) */
    dev = (struct fake_device){ 0 };
    store_le(&dev.regs[0x10], 4, 1);
    fl = 0;
    RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE + 0x10, 0x83, 0x67, 0x10, 0xfe);
    CHECK_EQ(load_le(&dev.regs[0x10], 4), 0, "andl $-2: result 0");
    CHECK_EQ(fl, MMIO_RFLAGS_ZF | MMIO_RFLAGS_PF, "andl $-2: ZF PF");

    /* add %eax,(%rdi): 0xffffffff + 1 */
    dev = (struct fake_device){ 0 };
    store_le(&dev.regs[0], 4, 0xffffffff);
    g.r[X86_RAX] = 1;
    fl = 0;
    RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE, 0x01, 0x07);
    CHECK_EQ(load_le(&dev.regs[0], 4), 0, "add wrap: result 0");
    CHECK_EQ(fl, MMIO_RFLAGS_CF | MMIO_RFLAGS_ZF | MMIO_RFLAGS_PF |
                 MMIO_RFLAGS_AF, "add wrap: CF ZF PF AF");

    /* add %eax,(%rdi): 0x7fffffff + 1 overflows */
    store_le(&dev.regs[0], 4, 0x7fffffff);
    fl = 0;
    RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE, 0x01, 0x07);
    CHECK_EQ(fl, MMIO_RFLAGS_OF | MMIO_RFLAGS_SF | MMIO_RFLAGS_AF |
                 MMIO_RFLAGS_PF, "add overflow: OF SF AF PF");

    /* sub (%rdi),%ecx: 1 - 2, register destination zero-extends */
    store_le(&dev.regs[0], 4, 2);
    g.r[X86_RCX] = 0xaaaaaaaa00000001ull;
    fl = 0;
    dev.nr_accesses = 0;
    RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE, 0x2b, 0x0f);
    CHECK_EQ(g.r[X86_RCX], 0xffffffff, "sub to ecx: zero-extended");
    CHECK_EQ(dev.nr_accesses, 1, "sub to ecx: memory only read");
    CHECK_EQ(fl & arith, MMIO_RFLAGS_CF | MMIO_RFLAGS_SF | MMIO_RFLAGS_AF |
                         MMIO_RFLAGS_PF, "sub 1-2: CF SF AF PF");

    /* cmp %edx,(%rdi): equal, no write */
    store_le(&dev.regs[0], 4, 5);
    g.r[X86_RDX] = 5;
    fl = MMIO_RFLAGS_CF;
    dev.nr_accesses = 0;
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE, 0x39, 0x17);
    CHECK_EQ(rc, 2, "cmp: advance 2");
    CHECK_EQ(dev.nr_accesses, 1, "cmp: read only");
    CHECK_EQ(fl, MMIO_RFLAGS_ZF | MMIO_RFLAGS_PF, "cmp equal: ZF PF");

    /* cmpb $0x3,(%rdi): 2 - 3 */
    dev.regs[0] = 2;
    fl = 0;
    dev.nr_accesses = 0;
    RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE, 0x80, 0x3f, 0x03);
    CHECK_EQ(dev.nr_accesses, 1, "cmpb: read only");
    CHECK_EQ(fl, MMIO_RFLAGS_CF | MMIO_RFLAGS_SF | MMIO_RFLAGS_AF |
                 MMIO_RFLAGS_PF, "cmpb 2-3: CF SF AF PF");

    /* testl $0x1000,(%rdi) */
    store_le(&dev.regs[0], 4, 0x1000);
    fl = MMIO_RFLAGS_CF | MMIO_RFLAGS_ZF;
    dev.nr_accesses = 0;
    RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE,
        0xf7, 0x07, 0x00, 0x10, 0x00, 0x00);
    CHECK_EQ(dev.nr_accesses, 1, "testl: read only");
    CHECK_EQ(fl, MMIO_RFLAGS_PF, "testl bit set: ZF CF clear");
    store_le(&dev.regs[0], 4, 0x0fff);
    RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE,
        0xf7, 0x07, 0x00, 0x10, 0x00, 0x00);
    CHECK_EQ(fl & MMIO_RFLAGS_ZF, MMIO_RFLAGS_ZF, "testl bit clear: ZF");

    /* testb $0x80,0x5(%rdi) */
    dev.regs[5] = 0x80;
    fl = 0;
    RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE + 5, 0xf6, 0x47, 0x05, 0x80);
    CHECK_EQ(fl, MMIO_RFLAGS_SF, "testb $0x80: SF");

    /* adc %ecx,(%rdi) with CF set: 1 + 1 + 1 */
    store_le(&dev.regs[0], 4, 1);
    g.r[X86_RCX] = 1;
    fl = MMIO_RFLAGS_CF;
    RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE, 0x11, 0x0f);
    CHECK_EQ(load_le(&dev.regs[0], 4), 3, "adc: carry in");
    CHECK_EQ(fl, MMIO_RFLAGS_PF, "adc: no carry out, PF");

    /* sbb (%rdi),%dh with CF set: 5 - 3 - 1 into bits 15:8 of rdx */
    dev.regs[0] = 3;
    g.r[X86_RDX] = 0x12340500;
    fl = MMIO_RFLAGS_CF;
    RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE, 0x1a, 0x37);
    CHECK_EQ(g.r[X86_RDX], 0x12340100, "sbb into %%dh");

    /* lock orb $1,(%rdi) */
    dev.regs[0] = 0x80;
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE, 0xf0, 0x80, 0x0f, 0x01);
    CHECK(rc == 4 && dev.regs[0] == 0x81, "lock orb: 0x81, advance 4");

    /* xor %r9,0x8(%r12) */
    store_le(&dev.regs[8], 8, 0xffff0000ffff0000ull);
    g.r[X86_R9] = 0xffffffffffffffffull;
    RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE + 8,
        0x4d, 0x31, 0x4c, 0x24, 0x08);
    CHECK_EQ(load_le(&dev.regs[8], 8), 0x0000ffff0000ffffull, "xorq");
}

static void test_bt(void)
{
    struct fake_device dev = { 0 };
    struct x86_gprs g = { { 0 } };
    uint64_t fl;

    store_le(&dev.regs[0], 4, 0x2);
    g.r[X86_RAX] = 33;          /* bit 1 of the addressed dword */
    fl = MMIO_RFLAGS_ZF;
    RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE, 0x0f, 0xa3, 0x07);
    CHECK_EQ(fl, MMIO_RFLAGS_ZF | MMIO_RFLAGS_CF, "bt %%eax: CF set, ZF kept");

    store_le(&dev.regs[0], 4, 0x20);
    fl = 0;
    dev.nr_accesses = 0;
    RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE, 0x0f, 0xba, 0x27, 0x05);
    CHECK_EQ(fl, MMIO_RFLAGS_CF, "btl $5: bit set");
    CHECK_EQ(dev.nr_accesses, 1, "btl $5: read only");
    store_le(&dev.regs[0], 4, 0x10);
    RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE, 0x0f, 0xba, 0x27, 0x05);
    CHECK_EQ(fl, 0, "btl $5: bit clear");
}

static void test_strings(void)
{
    struct fake_device dev = { 0 };
    struct x86_gprs g = { { 0 } };
    uint64_t fl = 0;
    int rc;

    g.r[X86_RAX] = 0x41;
    g.r[X86_RDI] = DEV_BASE;
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE, 0xaa);
    CHECK_EQ(rc, 1, "stosb: advance 1");
    check_access(&dev, 0, true, DEV_BASE, 1, 0x41, "stosb");
    CHECK_EQ(g.r[X86_RDI], DEV_BASE + 1, "stosb: rdi + 1");

    /* rep stosl: one element per call, RIP stays until rcx hits 0. */
    dev = (struct fake_device){ 0 };
    g.r[X86_RAX] = 0xdeadbeef;
    g.r[X86_RDI] = DEV_BASE + 0x10;
    g.r[X86_RCX] = 2;
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE + 0x10, 0xf3, 0xab);
    CHECK_EQ(rc, 0, "rep stosl: re-execute while rcx != 0");
    CHECK(g.r[X86_RCX] == 1 && g.r[X86_RDI] == DEV_BASE + 0x14,
          "rep stosl: rcx 1, rdi + 4");
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE + 0x14, 0xf3, 0xab);
    CHECK_EQ(rc, 2, "rep stosl: last element advances RIP");
    CHECK_EQ(g.r[X86_RCX], 0, "rep stosl: rcx 0");
    check_access(&dev, 1, true, DEV_BASE + 0x14, 4, 0xdeadbeef,
                 "rep stosl second element");
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE + 0x18, 0xf3, 0xab);
    CHECK(rc == 2 && dev.nr_accesses == 2,
          "rep stosl with rcx 0: no access, advance");

    /* DF set: rdi moves down. */
    g.r[X86_RDI] = DEV_BASE + 0x20;
    fl = MMIO_RFLAGS_DF;
    RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE + 0x20, 0xab);
    CHECK_EQ(g.r[X86_RDI], DEV_BASE + 0x1c, "stosl with DF: rdi - 4");
    fl = 0;

    /* 16-bit rep stosw: DI and CX wrap at 16 bits, upper bits kept. */
    dev = (struct fake_device){ 0 };
    g.r[X86_RAX] = 0x0720;
    g.r[X86_RDI] = 0xdead0000fffeull;
    g.r[X86_RCX] = 0xffff0002ull;
    rc = RUN(&dev, &g, &fl, INSN_MODE_16, DEV_BASE, 0xf3, 0xab);
    CHECK_EQ(rc, 0, "16: rep stosw: re-execute");
    CHECK_EQ(g.r[X86_RDI], 0xdead00000000ull, "16: rep stosw: di wraps");
    CHECK_EQ(g.r[X86_RCX], 0xffff0001ull, "16: rep stosw: cx - 1");
    check_access(&dev, 0, true, DEV_BASE, 2, 0x720, "16: rep stosw");

    /* addr32 rep stosl in 64-bit mode: EDI wraps and zero-extends. */
    g.r[X86_RDI] = 0x1fffffffcull;
    g.r[X86_RCX] = 0x100000001ull;  /* ECX = 1 */
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE, 0x67, 0xf3, 0xab);
    CHECK_EQ(rc, 3, "addr32 rep stosl: ecx 1 -> done");
    CHECK(g.r[X86_RDI] == 0 && g.r[X86_RCX] == 0,
          "addr32 rep stosl: edi/ecx written as 32-bit registers");

    /* rep movsb from RAM to the device. */
    dev = (struct fake_device){ 0 };
    dev.ram[0] = 0x5a;
    g.r[X86_RSI] = RAM_BASE;
    g.r[X86_RDI] = DEV_BASE + 0x40;
    g.r[X86_RCX] = 5;
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE + 0x40, 0xf3, 0xa4);
    CHECK_EQ(rc, 0, "rep movsb: re-execute");
    CHECK_EQ(dev.nr_accesses, 2, "rep movsb: one read, one write");
    CHECK(dev.log[0].seg == INSN_SEG_DS && dev.log[1].seg == INSN_SEG_ES,
          "rep movsb: source DS, destination ES");
    CHECK_EQ(dev.regs[0x40], 0x5a, "rep movsb: byte copied to device");
    CHECK(g.r[X86_RSI] == RAM_BASE + 1 && g.r[X86_RDI] == DEV_BASE + 0x41 &&
          g.r[X86_RCX] == 4, "rep movsb: rsi, rdi + 1, rcx - 1");

    /* movsl from the device to RAM. */
    dev = (struct fake_device){ 0 };
    store_le(&dev.regs[0x60], 4, 0x01020304);
    g.r[X86_RSI] = DEV_BASE + 0x60;
    g.r[X86_RDI] = RAM_BASE + 8;
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE + 0x60, 0xa5);
    CHECK_EQ(rc, 1, "movsl: advance 1");
    CHECK_EQ(load_le(&dev.ram[8], 4), 0x01020304, "movsl: dword to RAM");

    /* movsw %fs:(%rsi): the override reaches the callback. */
    dev = (struct fake_device){ 0 };
    g.r[X86_RSI] = DEV_BASE;
    g.r[X86_RDI] = RAM_BASE;
    RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE, 0x64, 0x66, 0xa5);
    CHECK(dev.log[0].seg == INSN_SEG_FS && dev.log[0].size == 2,
          "movsw %%fs: source segment FS, 2 bytes");
}

static void test_errors(void)
{
    struct fake_device dev = { 0 };
    struct x86_gprs g = { { 0 } };
    const struct mmio_bus no_guest_access = {
        .read = dev_read, .write = dev_write, .ctx = &dev,
    };
    struct insn insn;
    uint64_t fl = 0;
    int rc;

    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE, 0x89, 0xc0);
    CHECK_EQ(rc, MMIO_ERR_NO_MEMORY_OPERAND, "mov %%eax,%%eax: refused");

    g.r[X86_RSI] = RAM_BASE;
    g.r[X86_RDI] = DEV_BASE;
    insn_decode(&insn, (const uint8_t[]){ 0xa4 }, 1, INSN_MODE_64);
    rc = mmio_emulate(&insn, &g, &fl, &no_guest_access, DEV_BASE);
    CHECK_EQ(rc, MMIO_ERR_NEEDS_GUEST_MEMORY,
             "movsb without guest_access: needs guest memory");
    CHECK(g.r[X86_RSI] == RAM_BASE && g.r[X86_RDI] == DEV_BASE,
          "movsb without guest_access: registers untouched");

    dev.fail_reads = true;
    g.r[X86_RAX] = 0x1234;
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE, 0x8b, 0x00);
    CHECK_EQ(rc, MMIO_ERR_BUS, "failed read: bus error");
    CHECK_EQ(g.r[X86_RAX], 0x1234, "failed read: eax untouched");

    dev.fail_reads = false;
    dev.fail_writes = true;
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE, 0x87, 0x07);
    CHECK_EQ(rc, MMIO_ERR_BUS, "xchg with failed write: bus error");
    CHECK_EQ(g.r[X86_RAX], 0x1234, "xchg with failed write: eax untouched");

    fl = MMIO_RFLAGS_CF;
    rc = RUN(&dev, &g, &fl, INSN_MODE_64, DEV_BASE, 0x01, 0x07);
    CHECK(rc == MMIO_ERR_BUS && fl == MMIO_RFLAGS_CF,
          "add with failed write: bus error, rflags untouched");
}

int main(void)
{
    test_stores();
    test_loads();
    test_xchg();
    test_alu();
    test_bt();
    test_strings();
    test_errors();
    CHECK_DONE();
}
