// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmktest: the capability invocations exercised from the service console
 * through libvmk and /dev/vmkernel, as vmware-vmx will use them: the boot
 * capabilities, SYSTEM, untyped retype and revoke, the derivation tree,
 * notifications, a domain with a vCPU and a frame built and destroyed, a
 * child domain served by a device model here (mmap of its RAM and of an
 * I/O-request channel's shared page, its notification read from
 * /dev/vmkernel), and the error codes malformed calls get.  Everything it makes is carved from
 * one boot untyped and revoked at the end, so the console's capabilities
 * are as before.  One "PASS <what>" or "FAIL <what>: <why>" line a check,
 * then "vmktest: N passed, M failed"; exit 1 on any failure.
 *
 *   vmktest           (root; run by tests/system/vmnix.sh)
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include "check_lines.h"
#include "vmk.h"
#include "vmnix_ioctl.h"


/* Expect error `want` from call `got`; the message names both. */
static void expect(long got, long want, const char *what)
{
    check(got == want, "%s: %s%s%s", what, vmk_strerror(want), got == want ? "" : ", got ",
          got == want ? "" : vmk_strerror(got));
}

/* Slots this test uses, past anything the console was given at boot. */
enum { S_NTFN = 4000, S_COPY, S_RO, S_CNODE, S_FRAME, S_DOM, S_VCPU, S_CHILD_UT, S_SPARE };
/* The device-model part's slots: 8 frames and their copies from here. */
enum { M_DOM = 4020, M_VCPU, M_NTFN, M_IOREQ, M_PORT, M_FRAMES = 4030, M_COPIES = 4040 };
enum { I_NTFN = 4060 };

/*
 * The child's code, at its 0x5000: OUT to the model's port, IN from it,
 * an MMIO write and read of the model's page, the results at 0x6000, then
 * HLT with interrupts on (with them off its domain would end).  Its RAM is eight 4 KiB frames at 0; its page tables map 1 GiB.
 */
extern const unsigned char model_child_start[], model_child_end[];
extern const unsigned char model_child2_start[], model_child2_end[];
extern const unsigned char model_child3_start[], model_child3_handler[], model_child3_end[];
__asm__(".pushsection .rodata\n"
        "model_child_start:\n"
        "  mov $0x5004, %dx\n"
        "  mov $0xabcd, %ax\n"
        "  out %ax, %dx\n"
        "  xor %eax, %eax\n"
        "  in %dx, %ax\n"
        "  mov %eax, 0x6000\n"
        "  movl $0x5a5a5a5a, 0x30000040\n"
        "  mov 0x30000044, %eax\n"
        "  mov %eax, 0x6004\n"
        "  movl $0x600df00d, 0x6008\n"
        "  sti\n"                   /* waits for an interrupt none will send */
        "1: hlt\n"
        "  jmp 1b\n"
        "model_child_end:\n"
        /* Second part, at 0x5800 (the console moves its RIP there): route
         * pin 8 of its I/O APIC to vector 0x40, then spin. */
        "model_child2_start:\n"
        "  mov $0xfec00000, %eax\n"
        "  movl $0x20, (%rax)\n"
        "  movl $0x40, 0x10(%rax)\n"
        "  movl $0x21, (%rax)\n"
        "  movl $0, 0x10(%rax)\n"
        "  movl $0x1234abcd, 0x600c\n"
        "2: pause\n"
        "  jmp 2b\n"
        "model_child2_end:\n"
        /* Third part, at 0x5C00 with its handler after it: an IDT (built by the console at 0x6200,
         * its pointer at 0x6100) whose vector 0x41 counts at 0x6010 and
         * EOIs, its local APIC enabled, pin 9 of its I/O APIC routed
         * level-triggered to 0x41. */
        "model_child3_start:\n"
        "  cli\n"
        "  mov $0x6ff0, %rsp\n"
        "  lidt 0x6100\n"
        "  mov $0xfec00000, %eax\n"
        "  movl $0x22, (%rax)\n"
        "  movl $0x8041, 0x10(%rax)\n"
        "  movl $0x23, (%rax)\n"
        "  movl $0, 0x10(%rax)\n"
        "  mov $0xfee000f0, %eax\n"    /* its local APIC on: SVR */
        "  movl $0x1ff, (%rax)\n"
        "  movl $0x600d0003, 0x6014\n"
        "  sti\n"
        "3: hlt\n"
        "  jmp 3b\n"
        "model_child3_handler:\n"
        "  incl 0x6010\n"
        "  push %rax\n"
        "  mov $0xfee000b0, %eax\n"
        "  movl $0, (%rax)\n"
        "  pop %rax\n"
        "  iretq\n"
        "model_child3_end:\n"
        ".popsection\n");

static sk_cptr_t irq_handler_for(const struct sk_system_bootinfo_result *bi, unsigned gsi);
static uint8_t cmos_read(uint8_t reg);
static void cmos_write(uint8_t reg, uint8_t value);
static bool wait_for_file(const char *path, bool want, char *line, size_t len);

/* The model: a 16-bit register at port 0x5004 that reads back plus one,
 * and an MMIO page whose word 0x44 reads as word 0x40 inverted. */
static uint32_t model_mmio[1024];
static uint16_t model_port;
static unsigned model_served;

static void model_serve(volatile struct sk_ioreq *rq)
{
    model_served++;
    if (rq->space == SK_IOREQ_PIO && rq->addr == 0x5004 && rq->size == 2) {
        if (rq->dir == SK_IOREQ_WRITE)
            model_port = (uint16_t)rq->data;
        else
            rq->data = (uint16_t)(model_port + 1);
    } else if (rq->space == SK_IOREQ_MMIO && rq->addr - 0x30000000u < 4096 && rq->size == 4) {
        unsigned i = (unsigned)(rq->addr - 0x30000000u) / 4;
        if (rq->dir == SK_IOREQ_WRITE)
            model_mmio[i] = (uint32_t)rq->data;
        else
            rq->data = i == 0x44 / 4 ? ~model_mmio[0x40 / 4] : model_mmio[i];
    } else {
        check(false, "an access the model did not claim (space %u, %#llx, %u bytes)", rq->space,
              (unsigned long long)rq->addr, rq->size);
    }
}

/* The console's IRQ handler capability for a GSI, or 0. */
static sk_cptr_t irq_handler_for(const struct sk_system_bootinfo_result *bi, unsigned gsi)
{
    for (sk_cptr_t s = bi->irq_first; s < bi->irq_first + bi->irq_count; s++) {
        struct sk_irq_handler_info_result hi = { 0 };
        if (sk_irq_handler_info(s, &hi) == SK_OK && hi.gsi == gsi)
            return s;
    }
    return 0;
}

/* The CMOS RTC's registers, through the ports the console owns. */
static uint8_t cmos_read(uint8_t reg)
{
    outb(reg, 0x70);
    return inb(0x71);
}

static void cmos_write(uint8_t reg, uint8_t value)
{
    outb(reg, 0x70);
    outb(value, 0x71);
}

/*
 * An IRQ handler capability: the RTC's line (GSI 8, which the console's
 * kernel leaves alone) bound to a notification, its periodic interrupt
 * switched on through the RTC's ports, each interrupt read as an event,
 * then the line given back.
 */
static void test_irq_handler(const struct sk_system_bootinfo_result *bi, sk_cptr_t ut)
{
    sk_cptr_t rtc = irq_handler_for(bi, 8);
    check(rtc != 0, "irq: a handler capability for GSI 8 among the %llu it got", (unsigned long long)bi->irq_count);
    if (!rtc || ioperm(0x70, 2, 1) != 0) {
        check(false, "irq: the RTC's ports (%s)", strerror(errno));
        return;
    }
    struct sk_irq_handler_info_result before = { 0 }, after = { 0 };
    sk_irq_handler_info(rtc, &before);
    expect(sk_irq_handler_ack(rtc), SK_E_ILLEGAL_OPERATION, "irq: ack before it is bound");
    expect(sk_untyped_retype(ut, SK_OBJ_NOTIFICATION, 0, I_NTFN, 1), SK_OK, "irq: a notification");
    expect(sk_irq_handler_bind(rtc, I_NTFN), SK_OK, "irq: bind GSI 8 to it");
    expect(sk_irq_handler_bind(rtc, SK_CAP_SYSTEM), SK_E_INVALID_CAPABILITY, "irq: bind to something else");
    expect(vmk_watch(I_NTFN), SK_OK, "irq: watch the notification");
    uint8_t reg_a = cmos_read(0x0A), reg_b = cmos_read(0x0B);
    cmos_write(0x0A, (uint8_t)((reg_a & 0xF0) | 0x0D));     /* 8 Hz */
    cmos_read(0x0C);
    cmos_write(0x0B, reg_b | 0x40);                           /* periodic interrupt on */
    unsigned got = 0;
    for (int i = 0; i < 20 && got < 3; i++) {
        struct pollfd pfd = { .fd = vmk_event_fd(), .events = POLLIN };
        if (poll(&pfd, 1, 2000) != 1)
            break;
        struct vmk_event ev[4];
        long n = vmk_read_events(ev, 4, true);
        for (long k = 0; k < n; k++)
            if (ev[k].notification == I_NTFN && ev[k].bits == 1u << 8)
                got++;
        cmos_read(0x0C);                                      /* the RTC's next one may come */
        sk_irq_handler_ack(rtc);
    }
    cmos_write(0x0B, reg_b & (uint8_t)~0x40);
    cmos_write(0x0A, reg_a);
    cmos_read(0x0C);
    check(got >= 3, "irq: the RTC's interrupts arrived as events on the notification (%u)", got);
    sk_irq_handler_info(rtc, &after);
    check(after.count >= before.count + got, "irq: the line counted them (%llu, then %llu)",
          (unsigned long long)before.count, (unsigned long long)after.count);
    expect(sk_irq_handler_ack(rtc), SK_OK, "irq: ack");
    expect(sk_cnode_delete(SK_CAP_SELF_CNODE, I_NTFN), SK_OK, "irq: delete the notification: the line goes back");
    expect(sk_irq_handler_ack(rtc), SK_E_ILLEGAL_OPERATION, "irq: nothing bound now");
    ioperm(0x70, 2, 0);
}

/* Wait up to 3 s for path to exist (want) or not; its first line into line. */
static bool wait_for_file(const char *path, bool want, char *line, size_t len)
{
    for (int i = 0; i < 30; i++) {
        FILE *f = fopen(path, "r");
        if (f && want && line && !fgets(line, (int)len, f))
            line[0] = '\0';
        if (f)
            fclose(f);
        if ((f != NULL) == want) {
            if (line)
                line[strcspn(line, "\n")] = '\0';
            return true;
        }
        struct timespec ts = { 0, 100000000 };
        nanosleep(&ts, NULL);
    }
    return false;
}

/* Where the console's kernel code is (/proc/iomem, as root): its own RAM. */
static uint64_t console_kernel_code(void)
{
    FILE *f = fopen("/proc/iomem", "r");
    char line[160];
    unsigned long long start = 0;
    while (f && fgets(line, sizeof line, f))
        if (strstr(line, ": Kernel code") && sscanf(line, " %llx-", &start) == 1)
            break;
    if (f)
        fclose(f);
    return start & ~0xFFFull;
}

/*
 * vmware-vmx's way, from the console: a domain whose RAM the console maps
 * (frames mapped into the console, then mmap), an I/O-request channel
 * whose shared page the console maps, its notification watched on
 * /dev/vmkernel, and the child's accesses served from read() events.
 */
/* Stop the child, wait until it is off its CPU, and move its RIP. */
static void stop_and_move(sk_cptr_t vcpu, uint64_t rip, const char *what)
{
    char name[80];
    snprintf(name, sizeof name, "%s: stop the child", what);
    expect(sk_vcpu_stop(vcpu), SK_OK, name);
    struct sk_vcpu_read_reg_result r = { 0 };
    long e = SK_E_BUSY;
    for (int i = 0; i < 50 && (e = sk_vcpu_read_reg(vcpu, SK_REG_RIP, &r)) == SK_E_BUSY; i++) {
        struct timespec ts = { 0, 100000000 };
        nanosleep(&ts, NULL);
    }
    check(e == SK_OK, "%s: stopped, its RIP reads (%#llx)", what, (unsigned long long)r.value);
    snprintf(name, sizeof name, "%s: move its RIP to %#llx", what, (unsigned long long)rip);
    expect(sk_vcpu_write_reg(vcpu, SK_REG_RIP, rip), SK_OK, name);
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };
    nanosleep(&ts, NULL);
}

/*
 * The RTC's line assigned to the child, which routes pin 8 of its I/O APIC
 * (the second part of its code, reached by stopping it and moving its
 * RIP): the RTC's periodic interrupts are counted on the line while the
 * child owns it, and the line comes back to the console after.
 */
static void test_assign_irq(const struct sk_system_bootinfo_result *bi, volatile unsigned char *ram)
{
    sk_cptr_t rtc = irq_handler_for(bi, 8);
    volatile uint32_t *results = (volatile uint32_t *)(ram + 0x6000);
    volatile uint64_t *q = (volatile uint64_t *)ram;
    q[0x2000 / 8 + 3] = 0x7003;                          /* PDPT[3] -> a PD for 3-4 GiB */
    q[0x7000 / 8 + (0xFEC00000u >> 21 & 511)] = 0xFEC00000u | 0x83;
    memcpy((void *)(ram + 0x5800), model_child2_start, (size_t)(model_child2_end - model_child2_start));
    stop_and_move(M_VCPU, 0x5800, "assign");
    expect(sk_domain_assign_irq(M_DOM, M_NTFN), SK_E_INVALID_CAPABILITY, "assign: an IRQ handler is needed");
    expect(sk_domain_assign_irq(M_DOM, rtc), SK_OK, "assign: GSI 8 to the child");
    expect(sk_irq_handler_bind(rtc, M_NTFN), SK_E_BUSY, "assign: a line a domain owns cannot be bound");
    expect(sk_domain_set_irq_line(M_DOM, 8, 1), SK_E_BUSY, "assign: nor driven by a device model");
    expect(sk_vcpu_start(M_VCPU), SK_OK, "assign: start it again");
    for (int i = 0; i < 50 && results[3] != 0x1234ABCD; i++) {
        struct timespec ts = { 0, 100000000 };
        nanosleep(&ts, NULL);
    }
    check(results[3] == 0x1234ABCD, "assign: the child routed pin 8 of its I/O APIC");
    if (!rtc || ioperm(0x70, 2, 1) != 0)
        return;
    struct sk_irq_handler_info_result before = { 0 }, after = { 0 };
    sk_irq_handler_info(rtc, &before);
    uint8_t reg_a = cmos_read(0x0A), reg_b = cmos_read(0x0B);
    cmos_write(0x0A, (uint8_t)((reg_a & 0xF0) | 0x0D));      /* 8 Hz */
    cmos_read(0x0C);
    cmos_write(0x0B, reg_b | 0x40);
    for (int i = 0; i < 10; i++) {
        struct timespec ts = { 0, 150000000 };
        nanosleep(&ts, NULL);
        cmos_read(0x0C);                                      /* the next one may come */
    }
    cmos_write(0x0B, reg_b & (uint8_t)~0x40);
    cmos_write(0x0A, reg_a);
    cmos_read(0x0C);
    ioperm(0x70, 2, 0);
    sk_irq_handler_info(rtc, &after);
    check(after.count >= before.count + 3, "assign: the RTC's interrupts went to the child's line (%llu, then %llu)",
          (unsigned long long)before.count, (unsigned long long)after.count);
    expect(sk_domain_assign_irq(SK_CAP_SELF_DOMAIN, rtc), SK_OK, "assign: GSI 8 back to the console");
}

/*
 * DOMAIN set_irq_line, as vmware-vmx drives a device's wire: the child
 * routes pin 9 level-triggered; while the line is asserted its handler
 * runs again after each EOI, and once deasserted it stops.
 */
static void test_irq_line(volatile unsigned char *ram)
{
    volatile uint32_t *results = (volatile uint32_t *)(ram + 0x6000);
    volatile uint64_t *q = (volatile uint64_t *)ram;
    q[0x7000 / 8 + (0xFEE00000u >> 21 & 511)] = 0xFEE00000u | 0x83;     /* the local APIC */
    memcpy((void *)(ram + 0x5C00), model_child3_start, (size_t)(model_child3_end - model_child3_start));
    uint64_t handler = 0x5C00 + (uint64_t)(model_child3_handler - model_child3_start), gate = 0x6200 + 0x41 * 16;
    q[gate / 8] = (handler & 0xFFFF) | 0x10ull << 16 | 0x8Eull << 40 | (handler >> 16 & 0xFFFF) << 48;
    q[gate / 8 + 1] = handler >> 32;
    *(volatile uint16_t *)(ram + 0x6100) = 256 * 16 - 1;
    *(volatile uint64_t *)(ram + 0x6102) = 0x6200;
    results[4] = 0;
    expect(sk_domain_set_irq_line(SK_CAP_SELF_DOMAIN, 5, 1), SK_E_ILLEGAL_OPERATION,
           "irq line: not for the console's own domain");
    expect(sk_domain_set_irq_line(M_DOM, SK_EVENT_GSI_FIRST, 1), SK_E_RANGE, "irq line: GSI 24 is an event line");
    expect(sk_domain_set_irq_line(M_DOM, 9, 2), SK_E_INVALID_ARGUMENT, "irq line: a level is 0 or 1");
    stop_and_move(M_VCPU, 0x5C00, "irq line");
    expect(sk_vcpu_start(M_VCPU), SK_OK, "irq line: start it again");
    for (int i = 0; i < 50 && results[5] != 0x600D0003; i++)
        sleep_ms(100);
    check(results[5] == 0x600D0003 && results[4] == 0, "irq line: the child routed pin 9 and took nothing yet");
    expect(sk_domain_set_irq_line(M_DOM, 9, 1), SK_OK, "irq line: assert pin 9");
    for (int i = 0; i < 50 && results[4] < 2; i++)
        sleep_ms(100);
    expect(sk_domain_set_irq_line(M_DOM, 9, 0), SK_OK, "irq line: deassert it");
    uint32_t taken = results[4];
    check(taken >= 2, "irq line: a level-triggered line interrupts again after each EOI while asserted (%u)", taken);
    sleep_ms(300);
    uint32_t later = results[4];
    check(later <= taken + 1, "irq line: and stops once deasserted (%u, then %u)", taken, later);

    /* DOMAIN send_msi, as a PCI function's MSI capability writes it: the
     * same handler's vector, once (edge), and bad messages refused. */
    uint32_t before = results[4];
    expect(sk_domain_send_msi(M_DOM, 0xFEE00000u, 0x41), SK_OK, "msi: vector 0x41 to APIC 0");
    for (int i = 0; i < 50 && results[4] == before; i++)
        sleep_ms(100);
    sleep_ms(200);
    check(results[4] == before + 1, "msi: the child took it once (%u, then %u)", before, results[4]);
    expect(sk_domain_send_msi(M_DOM, 0xFEE05000u, 0x41), SK_OK, "msi: to an APIC ID no vCPU has");
    expect(sk_domain_send_msi(M_DOM, 0xFEC00000u, 0x41), SK_E_INVALID_ARGUMENT,
           "msi: an address outside the local APICs' window");
    expect(sk_domain_send_msi(M_DOM, 0xFEE00000u, 0x0F), SK_E_INVALID_ARGUMENT, "msi: vector 15");
    expect(sk_domain_send_msi(M_DOM, 0xFEE00000u, 0x541), SK_E_INVALID_ARGUMENT, "msi: INIT delivery");
    expect(sk_domain_send_msi(M_DOM, 0xFEE00000u, 0x8041), SK_E_INVALID_ARGUMENT, "msi: level-triggered");
    expect(sk_domain_send_msi(SK_CAP_SELF_DOMAIN, 0xFEE00000u, 0x41), SK_E_ILLEGAL_OPERATION,
           "msi: not for the console's own domain");
    sleep_ms(300);
    check(results[4] == before + 1, "msi: none of those reached the child (%u)", results[4]);
}

static void test_device_model(sk_cptr_t ut, const struct sk_system_bootinfo_result *bi)
{
    struct sk_frame_info_result fi = { 0 };
    expect(sk_untyped_retype(ut, SK_OBJ_FRAME, 12, M_FRAMES, 8), SK_OK, "model: eight 4 KiB frames");
    expect(sk_frame_info(M_FRAMES, &fi), SK_OK, "model: the first frame's address");
    errno = 0;
    check(vmk_map(fi.phys, 8 * 4096) != NULL || errno != EPERM, "model: frames are not the console's RAM");
    uint64_t kernel = console_kernel_code();
    check(kernel && vmk_map(kernel, 4096) == NULL && errno == EPERM,
          "model: the console's own RAM (its kernel at %#llx) cannot be mapped (%s)", (unsigned long long)kernel,
          strerror(errno));
    bool ok = true;
    for (unsigned i = 0; i < 8; i++) {
        struct sk_frame_info_result f = { 0 };
        ok &= sk_frame_info(M_FRAMES + i, &f) == SK_OK && f.phys == fi.phys + i * 4096ull;
        ok &= sk_cnode_copy(SK_CAP_SELF_CNODE, M_COPIES + i, M_FRAMES + i) == SK_OK;
        ok &= sk_domain_map_frame(SK_CAP_SELF_DOMAIN, M_FRAMES + i, f.phys, SK_RIGHT_READ | SK_RIGHT_WRITE) == SK_OK;
    }
    check(ok, "model: the frames are contiguous and mapped into the console");
    volatile unsigned char *ram = vmk_map(fi.phys, 8 * 4096);
    check(ram != NULL, "model: mmap them (%s)", ram ? "ok" : strerror(errno));
    if (!ram)
        return;
    bool zero = true;
    for (unsigned i = 0; i < 8 * 4096; i++)
        zero &= ram[i] == 0;
    check(zero, "model: they read as zeros");
    volatile uint64_t *q = (volatile uint64_t *)ram;
    q[0x1000 / 8] = 0x2003;                             /* PML4[0] -> PDPT */
    q[0x2000 / 8] = 0x3003;                             /* PDPT[0] -> PD */
    for (unsigned i = 0; i < 512; i++)
        q[0x3000 / 8 + i] = ((uint64_t)i << 21) | 0x83;  /* 1 GiB in 2 MiB pages */
    q[0x4000 / 8 + 2] = 0x00AF9A000000FFFFull;          /* GDT: 64-bit code at 0x10 */
    q[0x4000 / 8 + 3] = 0x00CF92000000FFFFull;
    memcpy((void *)(ram + 0x5000), model_child_start, (size_t)(model_child_end - model_child_start));

    expect(sk_untyped_retype(ut, SK_OBJ_DOMAIN, 0, M_DOM, 1), SK_OK, "model: retype the child");
    expect(sk_untyped_retype(ut, SK_OBJ_VCPU, 0, M_VCPU, 1), SK_OK, "model: its vCPU");
    expect(sk_untyped_retype(ut, SK_OBJ_NOTIFICATION, 0, M_NTFN, 1), SK_OK, "model: a notification");
    expect(sk_untyped_retype(ut, SK_OBJ_IOREQ, 0, M_IOREQ, 1), SK_OK, "model: an I/O-request channel");
    ok = true;
    for (unsigned i = 0; i < 8; i++)
        ok &= sk_domain_map_frame(M_DOM, M_COPIES + i, i * 4096ull, SK_RIGHT_READ | SK_RIGHT_WRITE) == SK_OK;
    check(ok, "model: the frames' copies are the child's RAM at 0");
    const char name[32] = "vmktest-child";
    sk_word_t nw[4];
    memcpy(nw, name, sizeof nw);
    expect(sk_domain_set_name(M_DOM, nw[0], nw[1], nw[2], nw[3]), SK_OK, "model: name the child");
    expect(sk_vcpu_bind(M_VCPU, M_DOM, 0), SK_OK, "model: bind its vCPU");
    expect(sk_vcpu_long_mode(M_VCPU, 0x5000, 0x1000, 0x4000, 0x1F), SK_OK, "model: long mode at 0x5000");
    expect(sk_ioreq_bind(M_IOREQ, M_DOM, M_NTFN), SK_OK, "model: bind the channel");
    expect(sk_ioreq_add_range(M_IOREQ, SK_IOREQ_PIO, 0x5004, 2), SK_OK, "model: claim ports 0x5004-0x5005");
    expect(sk_ioreq_add_range(M_IOREQ, SK_IOREQ_MMIO, 0x30000000, 4096), SK_OK, "model: claim an MMIO page");
    expect(sk_ioreq_add_range(M_IOREQ, SK_IOREQ_BACKDOOR, 30, 1), SK_OK, "model: claim backdoor command 30");
    expect(sk_ioreq_add_range(M_IOREQ, SK_IOREQ_BACKDOOR, 29, 2), SK_E_DELETE_FIRST,
           "model: a backdoor command claimed already");
    expect(sk_ioreq_add_range(M_IOREQ, SK_IOREQ_BACKDOOR, 40, 0), SK_E_RANGE, "model: no backdoor commands");
    expect(sk_ioreq_add_range(M_IOREQ, SK_IOREQ_BACKDOOR, 0x10000, 1), SK_E_RANGE,
           "model: a backdoor command past 0xFFFF");
    expect(sk_ioreq_add_range(M_IOREQ, SK_IOREQ_BACKDOOR, 0xFFFF, 2), SK_E_RANGE,
           "model: backdoor commands running past 0xFFFF");
    expect(sk_ioreq_add_range(M_IOREQ, SK_IOREQ_BACKDOOR + 1, 0, 1), SK_E_INVALID_ARGUMENT, "model: an unknown space");
    struct sk_ioreq_info_result ii = { 0 };
    expect(sk_ioreq_info(M_IOREQ, &ii), SK_OK, "model: channel info");
    expect(sk_ioreq_add_range(M_IOREQ, SK_IOREQ_MMIO, 0x30001008, 4096), SK_E_ALIGNMENT,
           "model: an MMIO range off a page boundary");
    expect(sk_domain_map_frame(SK_CAP_SELF_DOMAIN, M_IOREQ, ii.phys, SK_RIGHT_READ | SK_RIGHT_WRITE), SK_OK,
           "model: map its shared page into the console");
    volatile struct sk_ioreq *slots = vmk_map(ii.phys, 4096);
    check(slots != NULL, "model: mmap the shared page (%s)", slots ? "ok" : strerror(errno));
    expect(vmk_watch(M_NTFN), SK_OK, "model: watch the notification");
    expect(vmk_watch(M_NTFN), -EEXIST, "model: watch it twice");
    struct vmk_event ev[4];
    expect(vmk_read_events(ev, 4, true), -EAGAIN, "model: nothing to read yet");
    char small[8];
    int err = read(vmk_event_fd(), small, sizeof small) < 0 ? errno : 0;
    check(err == EINVAL, "model: a read smaller than one event: EINVAL (%s)", strerror(err));
    err = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, vmk_event_fd(), (off_t)ii.phys) == MAP_FAILED ? errno : 0;
    check(err == EINVAL, "model: a private mapping: EINVAL (%s)", strerror(err));
    if (!slots)
        return;

    expect(sk_vcpu_start(M_VCPU), SK_OK, "model: start the child");
    expect(sk_vcpu_start(M_VCPU), SK_E_BUSY, "model: start it again while it runs");
    expect(sk_vcpu_start_ap(M_VCPU), SK_E_INVALID_ARGUMENT, "model: start_ap is for vCPUs other than vCPU 0");
    volatile uint32_t *results = (volatile uint32_t *)(ram + 0x6000);
    unsigned events = 0;
    while (results[2] != 0x600DF00D) {
        struct pollfd pfd = { .fd = vmk_event_fd(), .events = POLLIN };
        if (poll(&pfd, 1, 20000) != 1)
            break;                                       /* 20 s without an event */
        long n = vmk_read_events(ev, 4, false);
        for (long i = 0; i < n; i++) {
            events++;
            if (ev[i].notification == M_NTFN && (ev[i].bits & 1) && slots[0].state == SK_IOREQ_PENDING) {
                model_serve(&slots[0]);
                sk_ioreq_complete(M_IOREQ, 0);
            }
        }
    }
    check(results[2] == 0x600DF00D, "model: the child ran to its end, served through poll() and read()");
    check(results[0] == 0xABCE, "model: its IN got the model's answer (%#x)", results[0]);
    check(model_mmio[0x40 / 4] == 0x5A5A5A5A && results[1] == ~0x5A5A5A5Au,
          "model: its MMIO write reached the model and its read got the answer (%#x)", results[1]);
    check(model_served == 4 && events >= 4, "model: 4 accesses served, %u events read", events);
    struct sk_domain_info_result di = { 0 };
    expect(sk_domain_info(M_DOM, &di), SK_OK, "model: the child's info");
    char path[64], line[160] = "";
    snprintf(path, sizeof path, "/proc/vmware/vm/%llu/names", (unsigned long long)di.id);
    check(wait_for_file(path, true, line, sizeof line) && strstr(line, "displayName=\"vmktest-child\""),
          "model: %s appears, naming it (%s)", path, line);

    /* The other DOMAIN and VCPU invocations on the running child. */
    expect(sk_domain_grant_msr(M_DOM, 0x10, SK_RIGHT_READ), SK_OK, "model: pass the TSC's reads to the child");
    expect(sk_domain_grant_msr(M_DOM, 0xC0000080, SK_RIGHT_READ), SK_E_INVALID_ARGUMENT, "model: but not EFER's");
    expect(sk_ioports_split(bi->ioports_first, SK_CAP_SELF_CNODE, M_PORT, 0, 1), SK_OK,
           "model: split one port off the console's first I/O port range");
    expect(sk_domain_grant_ioports(M_DOM, M_PORT), SK_OK, "model: grant that port to the child");
    expect(sk_domain_grant_ioports(M_DOM, M_PORT), SK_E_DELETE_FIRST, "model: a port capability grants once");
    expect(sk_cnode_delete(SK_CAP_SELF_CNODE, M_PORT), SK_OK, "model: delete it: the grant goes with it");
    expect(sk_vcpu_inject(M_VCPU, 0x41, SK_EVENT_EXTINT, 0), SK_OK, "model: inject an interrupt (it waits: IF is 0)");
    expect(sk_vcpu_inject(M_VCPU, 6, SK_EVENT_EXCEPTION, 0), SK_E_BUSY, "model: an exception only when stopped");
    expect(sk_notification_bind_line(M_NTFN, 23), SK_E_RANGE, "model: GSI 23 is not an event line");
    test_assign_irq(bi, ram);
    test_irq_line(ram);

    /* Destroying the child and revoking give everything back. */
    expect(sk_domain_destroy(M_DOM), SK_OK, "model: destroy the child");
    check(wait_for_file(path, false, NULL, 0), "model: and goes when the child is destroyed");
    expect(sk_ioreq_complete(M_IOREQ, 0), SK_E_ILLEGAL_OPERATION, "model: the channel serves nobody now");
    munmap((void *)slots, 4096);
    munmap((void *)ram, 8 * 4096);
}

int main(void)
{
    long opened = vmk_open();
    if (opened < 0) {
        fprintf(stderr, "vmktest: /dev/vmkernel: %s\n", vmk_strerror(opened));
        return 1;
    }
    struct sk_system_bootinfo_result bi = { 0 };
    expect(sk_system_bootinfo(SK_CAP_SYSTEM, &bi), SK_OK, "bootinfo");
    check(bi.untyped_count >= 1 && bi.untyped_first == SK_CAP_FIRST_BOOT && bi.ioports_count >= 1 &&
              bi.irq_first == bi.ioports_first + bi.ioports_count && bi.first_free == bi.irq_first + bi.irq_count &&
              bi.first_free < S_NTFN,
          "bootinfo: %llu untyped from slot %llu, %llu I/O port ranges, first free slot %llu",
          (unsigned long long)bi.untyped_count, (unsigned long long)bi.untyped_first,
          (unsigned long long)bi.ioports_count, (unsigned long long)bi.first_free);
    struct sk_any_identify_result id = { 0 };
    expect(sk_any_identify(SK_CAP_SELF_CNODE, &id), SK_OK, "identify its cspace");
    check(id.type == SK_OBJ_CNODE && id.size == SK_DOM0_CSPACE_BITS, "its cspace is a %u-slot cnode",
          1u << SK_DOM0_CSPACE_BITS);
    struct sk_ioports_info_result io = { 0 };
    expect(sk_ioports_info(bi.ioports_first, &io), SK_OK, "the first I/O port range");
    check(io.count >= 1 && io.first + io.count <= 0x10000, "it is ports %#llx-%#llx",
          (unsigned long long)io.first, (unsigned long long)(io.first + io.count - 1));
    struct sk_domain_info_result me = { 0 };
    expect(sk_domain_info(SK_CAP_SELF_DOMAIN, &me), SK_OK, "its own domain");
    check(me.id == 0 && me.state == SK_STATE_RUNNING, "it is domain 0, running");
    struct sk_system_info_result si = { 0 };
    expect(sk_system_info(SK_CAP_SYSTEM, &si), SK_OK, "system info");
    expect(sk_system_null(SK_CAP_SYSTEM), SK_OK, "system null");
    struct sk_system_domain_info_result sdi = { 0 };
    expect(sk_system_domain_info(SK_CAP_SYSTEM, 0, &sdi), SK_OK, "system domain_info 0");
    check(sdi.id == 0 && sdi.nr_vcpus >= 1, "the first domain is the console (%llu)", (unsigned long long)sdi.id);
    struct sk_system_irq_info_result sii = { 0 };
    expect(sk_system_irq_info(SK_CAP_SYSTEM, 8, &sii), SK_OK, "system irq_info 8");
    check(sii.gsi == 8, "it describes GSI 8");

    /* Retype from the last boot untyped (the smallest). */
    sk_cptr_t ut = bi.untyped_first + bi.untyped_count - 1;
    struct sk_untyped_info_result ui = { 0 };
    expect(sk_untyped_info(ut, &ui), SK_OK, "untyped info");
    uint64_t ut_size = 1ull << ui.size_bits;
    check(ui.free_bytes == ut_size, "the untyped in slot %llu is all free (%llu MiB)", (unsigned long long)ut,
          (unsigned long long)(ut_size >> 20));
    expect(sk_untyped_retype(ut, SK_OBJ_NOTIFICATION, 0, S_NTFN, 1), SK_OK, "retype a notification");
    expect(sk_cnode_mint(SK_CAP_SELF_CNODE, S_RO, S_NTFN, SK_RIGHT_READ, 0), SK_OK, "mint it read-only");
    expect(sk_notification_signal(S_RO, 1), SK_E_INSUFFICIENT_RIGHTS, "signal through the read-only one");
    expect(sk_cnode_mint(SK_CAP_SELF_CNODE, S_COPY, S_NTFN, SK_RIGHTS_ALL, 0x40), SK_OK, "mint a badged one");
    expect(sk_notification_signal(S_COPY, 2), SK_OK, "signal through it");
    struct sk_notification_wait_result w = { 0 };
    expect(sk_notification_wait(S_NTFN, &w), SK_OK, "wait with bits pending");
    check(w.bits == 0x42, "the wait returned the badge and the bits (%#llx)", (unsigned long long)w.bits);
    struct sk_notification_poll_result p = { 0 };
    expect(sk_notification_poll(S_NTFN, &p), SK_OK, "poll");
    check(p.bits == 0, "nothing left to poll");
    expect(sk_untyped_retype(ut, SK_OBJ_CNODE, 4, S_CNODE, 1), SK_OK, "retype a cnode");
    expect(sk_cnode_copy(S_CNODE, 1, S_COPY), SK_OK, "copy a capability into it");
    expect(sk_cnode_move(S_CNODE, 2, S_RO), SK_E_INSUFFICIENT_RIGHTS, "move one without grant into it");
    struct sk_cnode_find_free_result ff = { 0 };
    expect(sk_cnode_find_free(S_CNODE, 1, &ff), SK_OK, "find a free slot in it");
    check(ff.slot == 2, "its first free slot is 2 (%llu)", (unsigned long long)ff.slot);

    /* A domain with one vCPU and one frame: built, never started, destroyed. */
    expect(sk_untyped_retype(ut, SK_OBJ_FRAME, 12, S_FRAME, 1), SK_OK, "retype a frame");
    struct sk_frame_info_result fi = { 0 };
    expect(sk_frame_info(S_FRAME, &fi), SK_OK, "frame info");
    check(fi.size == 4096 && fi.phys >= ui.base && fi.phys < ui.base + ut_size, "the frame lies in the untyped");
    expect(sk_untyped_retype(ut, SK_OBJ_DOMAIN, 0, S_DOM, 1), SK_OK, "retype a domain");
    expect(sk_untyped_retype(ut, SK_OBJ_VCPU, 0, S_VCPU, 1), SK_OK, "retype a vCPU");
    expect(sk_domain_map_frame(S_DOM, S_FRAME, 0x1001000, SK_RIGHT_READ | SK_RIGHT_WRITE), SK_OK,
           "map the frame into the domain");
    expect(sk_domain_map_frame(S_DOM, S_FRAME, 0x2000000, SK_RIGHT_READ), SK_E_DELETE_FIRST,
           "map the same capability again");
    expect(sk_domain_map_frame(SK_CAP_SELF_DOMAIN, S_FRAME, fi.phys, SK_RIGHT_READ), SK_E_DELETE_FIRST,
           "map it into the console too (it is mapped already)");
    expect(sk_vcpu_bind(S_VCPU, S_DOM, 0), SK_OK, "bind the vCPU");
    expect(sk_vcpu_write_reg(S_VCPU, SK_REG_RIP, 0x1001000), SK_OK, "write its RIP");
    struct sk_vcpu_read_reg_result reg = { 0 };
    expect(sk_vcpu_read_reg(S_VCPU, SK_REG_RIP, &reg), SK_OK, "read its RIP");
    check(reg.value == 0x1001000, "RIP reads back");
    struct sk_domain_info_result di = { 0 };
    expect(sk_domain_info(S_DOM, &di), SK_OK, "the new domain's info");
    check(di.nr_vcpus == 1 && di.mem_bytes == 4096 && di.state == SK_STATE_STOPPED,
          "1 vCPU, 4 KiB, not started");
    expect(sk_domain_unmap_frame(S_DOM, S_FRAME), SK_OK, "unmap the frame");
    expect(sk_domain_destroy(S_DOM), SK_OK, "destroy the domain");
    expect(sk_vcpu_start(S_VCPU), SK_E_INVALID_CAPABILITY, "its vCPU is gone with it");
    test_device_model(ut, &bi);
    test_irq_handler(&bi, ut);

    /* The errors a malformed call gets. */
    expect(sk_any_identify(S_SPARE, &id), SK_E_INVALID_CAPABILITY, "an empty slot");
    expect(sk_any_identify(1u << SK_DOM0_CSPACE_BITS, &id), SK_E_FAILED_LOOKUP, "a slot past the cspace");
    expect(sk_untyped_retype(SK_CAP_SYSTEM, SK_OBJ_FRAME, 12, S_SPARE, 1), SK_E_ILLEGAL_OPERATION,
           "an untyped invocation on the system");
    expect(sk_untyped_retype(ut, SK_OBJ_FRAME, 13, S_SPARE, 1), SK_E_INVALID_ARGUMENT, "an 8 KiB frame");
    expect(sk_untyped_retype(ut, SK_OBJ_FRAME, 12, S_SPARE, 0), SK_E_RANGE, "zero objects");
    expect(sk_untyped_retype(ut, SK_OBJ_FRAME, 12, S_NTFN, 1), SK_E_DELETE_FIRST, "into an occupied slot");
    expect(sk_untyped_retype(ut, SK_OBJ_UNTYPED, ui.size_bits, S_SPARE, 1), SK_E_NOT_ENOUGH_MEMORY,
           "a child as big as the untyped, now partly carved");
    expect(sk_untyped_retype(ut, SK_OBJ_UNTYPED, 20, S_CHILD_UT, 1), SK_OK, "a 1 MiB child untyped");
    expect(sk_cnode_delete(SK_CAP_SELF_CNODE, ut), SK_E_REVOKE_FIRST, "delete an untyped with objects");
    expect(sk_vcpu_long_mode(S_VCPU, 0, 0x123, 0, 0x1F), SK_E_INVALID_CAPABILITY,
           "long_mode on a vCPU whose domain ended");
    expect(sk_domain_map_frame(SK_CAP_SELF_DOMAIN, S_FRAME, fi.phys + 4096, SK_RIGHT_READ), SK_E_INVALID_ARGUMENT,
           "map a frame into the console elsewhere than its own address");
    expect(sk_notification_bind_vector(S_NTFN, 8), SK_E_RANGE, "bind a notification to vector 8");
    expect(sk_system_world_info(SK_CAP_SYSTEM, 1u << 30, NULL), SK_E_RANGE, "a world past the last");
    sk_word_t mr[SK_MSG_MAX_REGS] = { 50 };
    sk_msginfo_t info = sk_msginfo_new(SK_INV_CNODE_COPY, 0, 1);
    expect(vmk_call(SK_CAP_SELF_CNODE, &info, mr), SK_E_TRUNCATED_MESSAGE, "a copy with one word");
    check(sk_msginfo_length(info) == 1 && mr[0] == SK_NO_DETAIL, "its reply is one word, no register to blame");

    /* The device's own errors: no invocation made. */
    int err = ioctl(vmk_event_fd(), VMNIX_IOC_INVOKE, (void *)8) < 0 ? errno : 0;
    check(err == EFAULT, "an invoke ioctl with a bad pointer: EFAULT (%s)", strerror(err));
    err = ioctl(vmk_event_fd(), _IO('S', 0x7F), 0) < 0 ? errno : 0;
    check(err == ENOTTY, "an unknown ioctl: ENOTTY (%s)", strerror(err));

    /* Everything back. */
    expect(sk_cnode_revoke(SK_CAP_SELF_CNODE, ut), SK_OK, "revoke the untyped");
    expect(sk_untyped_info(ut, &ui), SK_OK, "untyped info again");
    check(ui.free_bytes == ut_size, "all of it is free again");
    expect(sk_any_identify(S_NTFN, &id), SK_E_INVALID_CAPABILITY, "what it made is gone");
    printf("vmktest: %u passed, %u failed\n", passed, failed);
    vmk_close();
    return failed ? 1 : 0;
}
