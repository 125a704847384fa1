/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The purple screen: the full diagnostic of a fatal vmkernel error
 * (reason, CPU, registers, faulting address, backtrace), printed on the
 * boot console and the log port; then all CPUs halt for good.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <arch/cpu.h>
#include <arch/lapic.h>
#include <arch/trap.h>
#include <arch/uart16550.h>
#include <skerry/crash_dump.h>
#include <skerry/log.h>
#include <skerry/memory.h>
#include <skerry/panic.h>
#include <skerry/percpu.h>
#include <skerry/time.h>

#define MAX_BACKTRACE 16

static const char *const exception_names[32] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
    "#BR bound range", "#UD invalid opcode", "#NM device not available",
    "#DF double fault", "coprocessor overrun", "#TS invalid TSS", "#NP segment not present",
    "#SS stack fault", "#GP general protection", "#PF page fault", "reserved 15",
    "#MF x87 error", "#AC alignment check", "#MC machine check", "#XM SIMD error",
    "#VE virtualization", "#CP control protection", "reserved 22", "reserved 23",
    "reserved 24", "reserved 25", "reserved 26", "reserved 27", "#HV injection",
    "#VC VMM communication", "#SX security", "reserved 31",
};

static volatile int panicking;

bool panic_in_progress(void)
{
    return panicking != 0;
}

/* Straight to both serial ports, ignoring the log lock a dying CPU may hold. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    uart_write(COM1_PORT, line, len);
    log_write_raw(line, len);
}

static bool plausible_frame(uint64_t rbp)
{
    return rbp && !(rbp & 7) && rbp < memory_max_pa() && rbp > 0x1000;
}

static void backtrace_from(uint64_t rbp)
{
    say("Backtrace (resolve with addr2line -e build/vmkernel.elf):\n");
    for (int depth = 0; depth < MAX_BACKTRACE && plausible_frame(rbp); depth++) {
        const uint64_t *frame = (const uint64_t *)(uintptr_t)rbp;
        uint64_t ret = frame[1];
        if (ret < (uint64_t)(uintptr_t)__image_start || ret >= (uint64_t)(uintptr_t)__image_end)
            break;
        say("  #%d %#018llx\n", depth, (unsigned long long)ret);
        if (frame[0] <= rbp)            /* frames must move up the stack */
            break;
        rbp = frame[0];
    }
}

static void stop_other_cpus(void)
{
    lapic_send_nmi_all_others();
}

_Noreturn static void halt_forever(void)
{
    for (;;) {
        irq_disable();
        cpu_halt();
    }
}

static void header(void)
{
    uint64_t ns = time_now_ns();
    say("\n======================= SKERRY PURPLE SCREEN =======================\n");
    say("vmkernel fatal error on cpu%u (APIC %u) at %llu.%06llu s\n", this_cpu_id(),
        this_cpu()->apic_id, (unsigned long long)(ns / 1000000000),
        (unsigned long long)(ns / 1000 % 1000000));
}

static void control_registers(void)
{
    say("CR0 %016llx CR2 %016llx CR3 %016llx CR4 %016llx\n",
        (unsigned long long)read_cr0(), (unsigned long long)read_cr2(),
        (unsigned long long)read_cr3(), (unsigned long long)read_cr4());
    say("EFER %016llx\n", (unsigned long long)rdmsr(MSR_EFER));
}

_Noreturn void purple_screen_trap(const struct trap_frame *f)
{
    irq_disable();
    if (__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST))
        halt_forever();
    stop_other_cpus();
    header();
    say("Exception %llu (%s), error code %#llx\n", (unsigned long long)f->vector,
        f->vector < 32 ? exception_names[f->vector] : "interrupt",
        (unsigned long long)f->error_code);
    if (f->vector == 14)
        say("Faulting address (CR2) %#llx: %s %s in %s mode\n", (unsigned long long)read_cr2(),
            f->error_code & 1 ? "protection violation" : "page not present",
            f->error_code & 2 ? "on write" : (f->error_code & 16 ? "on fetch" : "on read"),
            f->error_code & 4 ? "user" : "supervisor");
    say("RIP %04llx:%016llx RSP %04llx:%016llx RFLAGS %08llx\n", (unsigned long long)f->cs,
        (unsigned long long)f->rip, (unsigned long long)f->ss, (unsigned long long)f->rsp,
        (unsigned long long)f->rflags);
    say("RAX %016llx RBX %016llx RCX %016llx RDX %016llx\n", (unsigned long long)f->rax,
        (unsigned long long)f->rbx, (unsigned long long)f->rcx, (unsigned long long)f->rdx);
    say("RSI %016llx RDI %016llx RBP %016llx R8  %016llx\n", (unsigned long long)f->rsi,
        (unsigned long long)f->rdi, (unsigned long long)f->rbp, (unsigned long long)f->r8);
    say("R9  %016llx R10 %016llx R11 %016llx R12 %016llx\n", (unsigned long long)f->r9,
        (unsigned long long)f->r10, (unsigned long long)f->r11, (unsigned long long)f->r12);
    say("R13 %016llx R14 %016llx R15 %016llx\n", (unsigned long long)f->r13,
        (unsigned long long)f->r14, (unsigned long long)f->r15);
    control_registers();
    say("  #- %#018llx (faulting instruction)\n", (unsigned long long)f->rip);
    backtrace_from(f->rbp);
    say("The system has halted.  See the vmkernel log for what led here.\n");
    crash_dump_write_and_maybe_reset();
    halt_forever();
}

_Noreturn void panic(const char *fmt, ...)
{
    irq_disable();
    if (__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST))
        halt_forever();
    stop_other_cpus();
    header();
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    say("PANIC: %s\n", msg);
    control_registers();
    backtrace_from((uint64_t)(uintptr_t)__builtin_frame_address(0));
    say("The system has halted.  See the vmkernel log for what led here.\n");
    crash_dump_write_and_maybe_reset();
    halt_forever();
}

/* Other CPUs arrive here through the panic NMI and stay. */
_Noreturn void purple_screen_follower(void)
{
    halt_forever();
}
