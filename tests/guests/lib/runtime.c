/* SPDX-License-Identifier: GPL-2.0-only */
/* Test-domain runtime: console output, reporting, traps and small helpers. */
#include "guest.h"

#define DEBUG_PORT 0xE9
#define IDT_ENTRIES 256

struct idt_entry {
    uint16_t offset_lo, selector;
    uint8_t ist, type_attr;
    uint16_t offset_mid;
    uint32_t offset_hi, reserved;
} __attribute__((packed));

static struct idt_entry idt[IDT_ENTRIES] __attribute__((aligned(16)));
static guest_handler_fn handlers[IDT_ENTRIES];
volatile uint32_t guest_vector_count[256];
volatile uint64_t guest_last_error_code;
unsigned guest_nr_vcpus;
static volatile uint32_t passed, failed;
static volatile uint32_t print_lock;
extern const char guest_trap_stub_base[];
extern const uint64_t __fixup_start[], __fixup_end[];

/* ---- console ---------------------------------------------------------- */

static void put(char *buf, size_t cap, size_t *pos, char c)
{
    if (*pos + 1 < cap)
        buf[(*pos)++] = c;
}

static void put_number(char *buf, size_t cap, size_t *pos, uint64_t v, unsigned base, int width,
                       bool negative)
{
    char digits[24];
    int n = 0;
    do {
        digits[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    if (negative)
        digits[n++] = '-';
    while (n < width)
        digits[n++] = '0';
    while (n)
        put(buf, cap, pos, digits[--n]);
}

/* A small vsnprintf: %s %c %d %u %x %p with l/ll and a zero-padded width. */
static size_t format(char *buf, size_t cap, const char *fmt, va_list ap)
{
    size_t pos = 0;
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(buf, cap, &pos, *fmt);
            continue;
        }
        fmt++;
        int width = 0;
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        int longs = 0;
        while (*fmt == 'l') {
            longs++;
            fmt++;
        }
        switch (*fmt) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            while (s && *s)
                put(buf, cap, &pos, *s++);
            break;
        }
        case 'c':
            put(buf, cap, &pos, (char)va_arg(ap, int));
            break;
        case 'd': {
            int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
            put_number(buf, cap, &pos, v < 0 ? (uint64_t)-v : (uint64_t)v, 10, width, v < 0);
            break;
        }
        case 'u':
            put_number(buf, cap, &pos, longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10,
                       width, false);
            break;
        case 'x':
            put_number(buf, cap, &pos, longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16,
                       width, false);
            break;
        case 'p':
            put(buf, cap, &pos, '0');
            put(buf, cap, &pos, 'x');
            put_number(buf, cap, &pos, (uint64_t)va_arg(ap, void *), 16, width, false);
            break;
        default:
            put(buf, cap, &pos, '%');
            put(buf, cap, &pos, *fmt);
            break;
        }
    }
    buf[pos] = '\0';
    return pos;
}

static void console_write(const char *s, size_t n)
{
    while (__atomic_exchange_n(&print_lock, 1, __ATOMIC_ACQUIRE))
        pause();
    for (size_t i = 0; i < n; i++)
        outb(DEBUG_PORT, (uint8_t)s[i]);
    __atomic_store_n(&print_lock, 0, __ATOMIC_RELEASE);
}

void guest_printf(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    size_t n = format(buf, sizeof buf, fmt, ap);
    va_end(ap);
    console_write(buf, n);
}

void check(bool ok, const char *fmt, ...)
{
    char buf[256];
    size_t pos = 0;
    const char *tag = ok ? "PASS " : "FAIL ";
    while (*tag)
        buf[pos++] = *tag++;
    va_list ap;
    va_start(ap, fmt);
    pos += format(buf + pos, sizeof buf - pos - 1, fmt, ap);
    va_end(ap);
    buf[pos++] = '\n';
    console_write(buf, pos);
    atomic_inc(ok ? &passed : &failed);
}

int guest_failures(void)
{
    return (int)failed;
}

_Noreturn void guest_halt_forever(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

_Noreturn void guest_finish(void)
{
    guest_printf("RESULT %s passed=%u failed=%u\n", test_name, passed, failed);
    guest_halt_forever();
}

/* ---- traps ------------------------------------------------------------ */

void guest_set_handler(uint8_t vector, guest_handler_fn fn)
{
    handlers[vector] = fn;
}

static bool apply_fixup(struct guest_frame *f)
{
    for (const uint64_t *e = __fixup_start; e < __fixup_end; e += 2) {
        if (e[0] == f->rip) {
            f->rip = e[1];
            f->rax = f->vector;
            return true;
        }
    }
    return false;
}

void guest_trap(struct guest_frame *f);
void guest_trap(struct guest_frame *f)
{
    atomic_inc(&guest_vector_count[f->vector & 0xFF]);
    guest_last_error_code = f->error_code;
    /* RFLAGS.IF is bit 9.  The test guests raise no software interrupts: a vector above 31 is an
     * external interrupt or IPI, which must never arrive with IF clear (as
     * an interrupt delivered twice does, inside its own handler). */
    if (f->vector >= 32 && !(f->rflags & (1ul << 9)))
        check(false, "interrupt %lu delivered with interrupts off at RIP %lx", f->vector, f->rip);
    if (handlers[f->vector & 0xFF]) {
        handlers[f->vector & 0xFF](f);
        return;
    }
    if (f->vector < 32 && apply_fixup(f))
        return;
    check(false, "unexpected vector %lu at RIP %lx (error %lx)", f->vector, f->rip, f->error_code);
    guest_finish();
}

static void load_idt(void)
{
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) p = {
        sizeof idt - 1, (uint64_t)idt };
    __asm__ volatile("lidt %0" ::"m"(p));
}

static void build_idt(void)
{
    for (unsigned v = 0; v < IDT_ENTRIES; v++) {
        uint64_t h = (uint64_t)(guest_trap_stub_base + v * 16);
        idt[v] = (struct idt_entry){ (uint16_t)h, 0x10, 0, 0x8E, (uint16_t)(h >> 16),
                                     (uint32_t)(h >> 32), 0 };
    }
}

/* ---- helpers ---------------------------------------------------------- */

void guest_sse_enable(void)
{
    uint64_t cr4;
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    __asm__ volatile("mov %0, %%cr4" ::"r"(cr4 | (1ul << 9)));    /* OSFXSR */
}

void guest_xmm_load(uint64_t seed)
{
    __asm__ volatile("movq %0, %%xmm8\n\tinc %0\n\tmovq %0, %%xmm9\n\tinc %0\n\t"
                     "movq %0, %%xmm10\n\tinc %0\n\tmovq %0, %%xmm11\n\tinc %0\n\t"
                     "movq %0, %%xmm12\n\tinc %0\n\tmovq %0, %%xmm13\n\tinc %0\n\t"
                     "movq %0, %%xmm14\n\tinc %0\n\tmovq %0, %%xmm15"
                     : "+r"(seed));
}

static unsigned xmm_changed(uint64_t seed)
{
    uint64_t v[8];
    __asm__ volatile("movq %%xmm8, %0\n\tmovq %%xmm9, %1\n\tmovq %%xmm10, %2\n\t"
                     "movq %%xmm11, %3\n\tmovq %%xmm12, %4\n\tmovq %%xmm13, %5\n\t"
                     "movq %%xmm14, %6\n\tmovq %%xmm15, %7"
                     : "=r"(v[0]), "=r"(v[1]), "=r"(v[2]), "=r"(v[3]),
                       "=r"(v[4]), "=r"(v[5]), "=r"(v[6]), "=r"(v[7]));
    unsigned bad = 0;
    for (unsigned i = 0; i < 8; i++)
        bad += v[i] != seed + i;
    return bad;
}

bool guest_xmm_recheck(uint64_t seed)
{
    if (!xmm_changed(seed))
        return false;
    guest_xmm_load(seed);
    return true;
}

struct cpuid_result cpuid2(uint32_t leaf, uint32_t subleaf)
{
    struct cpuid_result r;
    __asm__ volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
                     : "a"(leaf), "c"(subleaf));
    return r;
}

uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}

void wrmsr(uint32_t msr, uint64_t value)
{
    __asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
}

static uint64_t cached_tsc_khz;

uint64_t tsc_khz(void)
{
    if (!cached_tsc_khz)
        cached_tsc_khz = cpuid2(0x40000010, 0).eax;
    return cached_tsc_khz ? cached_tsc_khz : 1000000;
}

uint64_t now_us(void)
{
    return rdtsc() * 1000 / tsc_khz();
}

void delay_us(uint64_t us)
{
    uint64_t end = now_us() + us;
    while (now_us() < end)
        pause();
}

void x2apic_enable(void)
{
    wrmsr(0x1B, rdmsr(0x1B) | (1u << 11) | (1u << 10));
    wrmsr(X2APIC_MSR(0xF0), 0x1FF);          /* SVR: enabled, spurious vector 0xFF */
}

void x2apic_eoi(void)
{
    wrmsr(X2APIC_MSR(0xB0), 0);
}

void *memset(void *d, int c, size_t n)
{
    uint8_t *p = d;
    while (n--)
        *p++ = (uint8_t)c;
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    uint8_t *p = d;
    const uint8_t *q = s;
    while (n--)
        *p++ = *q++;
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *p = a, *q = b;
    for (; n; n--, p++, q++)
        if (*p != *q)
            return *p - *q;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

__attribute__((weak)) void test_ap_main(unsigned vcpu)
{
    (void)vcpu;
    guest_halt_forever();
}

static volatile uint32_t idt_ready;

void guest_runtime_start(uint64_t vcpu, uint64_t nr_vcpus);
void guest_runtime_start(uint64_t vcpu, uint64_t nr_vcpus)
{
    if (vcpu == 0) {
        guest_nr_vcpus = (unsigned)nr_vcpus;
        build_idt();
        __atomic_store_n(&idt_ready, 1, __ATOMIC_RELEASE);
        load_idt();
        test_main();
        guest_finish();
    }
    while (!__atomic_load_n(&idt_ready, __ATOMIC_ACQUIRE))
        pause();
    load_idt();
    test_ap_main((unsigned)vcpu);
    guest_halt_forever();
}
