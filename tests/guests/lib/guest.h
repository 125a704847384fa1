/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The runtime of Skerry's test domains (in the way Xen's XTF tests are
 * built): a 64-bit freestanding guest that checks one mechanism from the
 * inside and reports "PASS"/"FAIL" lines on the debug console (port 0xE9,
 * which the vmkernel copies into its log), then a "RESULT" line.
 *
 * A test provides test_main() (run on vCPU 0) and may provide
 * test_ap_main() for the other vCPUs.
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

extern const char test_name[];
void test_main(void);
void test_ap_main(unsigned vcpu);

extern unsigned guest_nr_vcpus;

/* Output */
void guest_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Report the result and stop this vCPU for good (interrupts off, HLT). */
_Noreturn void guest_finish(void);
_Noreturn void guest_halt_forever(void);
int guest_failures(void);

/* Traps: a handler per vector; returns to the interrupted code. */
struct guest_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rdi, rsi, rbp, rbx, rdx, rcx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;
};
typedef void (*guest_handler_fn)(struct guest_frame *f);
void guest_set_handler(uint8_t vector, guest_handler_fn fn);
/* Count of each exception/interrupt vector taken so far (this domain). */
extern volatile uint32_t guest_vector_count[256];
extern volatile uint64_t guest_last_error_code;

/*
 * Instructions that may fault: run them through these helpers; on a fault
 * the exception vector is returned (and the instruction skipped), else -1.
 */
int safe_rdmsr(uint32_t msr, uint64_t *value);
int safe_wrmsr(uint32_t msr, uint64_t value);

/*
 * SSE state checks: XMM8..XMM15 = seed + 0..7 (low quadwords).  Guest C
 * code is built without SSE, so nothing else touches them;
 * guest_sse_enable() sets CR4.OSFXSR first.
 */
void guest_sse_enable(void);
void guest_xmm_load(uint64_t seed);
/* true if any of them changed since (and then loads them again) */
bool guest_xmm_recheck(uint64_t seed);

/* CPU helpers */
struct cpuid_result { uint32_t eax, ebx, ecx, edx; };
struct cpuid_result cpuid2(uint32_t leaf, uint32_t subleaf);
static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}
static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint16_t inw(uint16_t port) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void pause(void) { __asm__ volatile("pause" ::: "memory"); }
/* Enable interrupts and halt until one arrives (STI's shadow covers HLT). */
static inline void sti_hlt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }
uint64_t rdmsr(uint32_t msr);
void wrmsr(uint32_t msr, uint64_t value);

/* Time from the TSC, using the rate the hypervisor reports (CPUID 0x40000010). */
uint64_t tsc_khz(void);
uint64_t now_us(void);
void delay_us(uint64_t us);

/* Local APIC in x2APIC mode. */
#define X2APIC_MSR(reg) (0x800u + ((reg) >> 4))
void x2apic_enable(void);
void x2apic_eoi(void);

/* Atomics */
static inline void atomic_inc(volatile uint32_t *p) { __atomic_fetch_add(p, 1, __ATOMIC_SEQ_CST); }

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

#endif
