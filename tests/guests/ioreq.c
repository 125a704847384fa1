/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A device model in a test domain (module arguments "cspace untyped=8"),
 * as vmware-vmx will be one in the console: it builds a child domain,
 * claims a port and an MMIO page of it through an I/O-request channel,
 * maps the channel's shared page into itself and serves the child's
 * accesses by polling the channel's notification.  The child's code
 * (below) writes and reads the port, reads and read-modify-writes the MMIO
 * page, and reads a port and an address nobody claimed.  Then VCPU stop
 * and start, register access while stopped, the port and MSR grants, and
 * an exception injected into a child without an IDT, which ends it.
 */
#include "guest.h"
#include "hypercall.h"

const char test_name[] = "ioreq";

#define S_FRAME    40
#define S_FRAME2   41
#define S_DOM      42
#define S_VCPU     43
#define S_NTFN     44
#define S_IOREQ    45
#define S_IOREQ2   46
#define PARENT_VA  0x40000000ul       /* the child's RAM, as the model sees it */
#define SHARED_VA  0x40400000ul       /* the channel's shared page */
#define MODEL_PORT 0x5000
#define MODEL_MMIO 0x10000000ul
#define FREE_PORT  0x5100
#define FREE_MMIO  0x20000000ul

/* The child's code, copied to its 0x5000; results go to 0x6000.. */
extern const uint8_t child_code_start[], child_code_end[];
__asm__(".pushsection .rodata\n"
        "child_code_start:\n"
        "  mov $0x5000, %dx\n"
        "  mov $0x11223344, %eax\n"
        "  out %eax, %dx\n"                 /* a claimed port: write */
        "  in %dx, %eax\n"                  /* and read back */
        "  mov %eax, 0x6000\n"
        "  mov 0x10000010, %eax\n"          /* a claimed MMIO page: read */
        "  mov %eax, 0x6004\n"
        "  addl $5, 0x10000020\n"           /* read-modify-write: one read, one write */
        "  mov $0x5100, %dx\n"
        "  in %dx, %eax\n"                  /* nobody's port: all ones */
        "  mov %eax, 0x6008\n"
        "  mov 0x20000000, %eax\n"          /* nobody's address: all ones */
        "  mov %eax, 0x600c\n"
        "  movl $0x600df00d, 0x6010\n"
        "1: incq 0x6018\n"                  /* then count, for stop and start */
        "  jmp 1b\n"
        "child_code_end:\n"
        ".popsection\n");

/* The model: a 32-bit register at the port that reads back inverted, and
 * a page of 32-bit registers. */
static uint32_t port_reg;
static uint32_t mmio_regs[1024];
static unsigned served_pio_w, served_pio_r, served_mmio_r, served_mmio_w;

static void serve(volatile struct sk_ioreq *slot)
{
    if (slot->space == SK_IOREQ_PIO && slot->addr == MODEL_PORT && slot->size == 4) {
        if (slot->dir == SK_IOREQ_WRITE) {
            port_reg = (uint32_t)slot->data;
            served_pio_w++;
        } else {
            slot->data = ~port_reg;
            served_pio_r++;
        }
    } else if (slot->space == SK_IOREQ_MMIO && slot->addr - MODEL_MMIO < 4096 && slot->size == 4) {
        unsigned i = (unsigned)(slot->addr - MODEL_MMIO) / 4;
        if (slot->dir == SK_IOREQ_WRITE) {
            mmio_regs[i] = (uint32_t)slot->data;
            served_mmio_w++;
        } else {
            slot->data = mmio_regs[i];
            served_mmio_r++;
        }
    } else {
        check(false, "an access the model did not claim: space %u addr 0x%lx size %u", slot->space,
              (unsigned long)slot->addr, slot->size);
    }
}

static void build_child(volatile uint8_t *mem)
{
    volatile uint64_t *q = (volatile uint64_t *)mem;
    q[0x1000 / 8] = 0x2003;                          /* PML4[0] -> PDPT */
    q[0x2000 / 8] = 0x3003;                          /* PDPT[0] -> PD */
    q[0x3000 / 8] = 0x83;                            /* 2 MiB at 0: its RAM */
    q[0x3000 / 8 + (MODEL_MMIO >> 21)] = MODEL_MMIO | 0x83;
    q[0x3000 / 8 + (FREE_MMIO >> 21)] = FREE_MMIO | 0x83;
    q[0x4000 / 8 + 2] = 0x00AF9A000000FFFFull;       /* GDT: 64-bit code at 0x10 */
    q[0x4000 / 8 + 3] = 0x00CF92000000FFFFull;       /* data at 0x18 */
    for (const uint8_t *p = child_code_start; p < child_code_end; p++)
        mem[0x5000 + (p - child_code_start)] = *p;
}

static void test_channel_errors(void)
{
    check(sk_ioreq_add_range(S_IOREQ, SK_IOREQ_PIO, MODEL_PORT, 1) == SK_E_ILLEGAL_OPERATION,
          "a channel claims nothing before it is bound");
    check(sk_ioreq_complete(S_IOREQ, 0) == SK_E_ILLEGAL_OPERATION, "nor completes anything");
    check(sk_ioreq_bind(S_IOREQ, SK_CAP_SELF_DOMAIN, S_NTFN) == SK_E_ILLEGAL_OPERATION,
          "a channel serves only a domain built through capabilities");
    check(sk_ioreq_bind(S_IOREQ, S_NTFN, S_NTFN) == SK_E_INVALID_CAPABILITY, "bind needs a domain");
    check(sk_ioreq_bind(S_IOREQ, S_DOM, S_DOM) == SK_E_INVALID_CAPABILITY, "and a notification");
    check(sk_ioreq_bind(S_IOREQ, S_DOM, S_NTFN) == SK_OK, "bind the channel to the child");
    check(sk_ioreq_bind(S_IOREQ, S_DOM, S_NTFN) == SK_E_DELETE_FIRST, "a channel binds once");
    check(sk_ioreq_add_range(S_IOREQ, 7, 0, 1) == SK_E_INVALID_ARGUMENT, "an unknown space");
    check(sk_ioreq_add_range(S_IOREQ, SK_IOREQ_PIO, 0xFFFF, 2) == SK_E_RANGE, "ports past 0xFFFF");
    check(sk_ioreq_add_range(S_IOREQ, SK_IOREQ_PIO, 0x10, 0) == SK_E_RANGE, "no ports");
    check(sk_ioreq_add_range(S_IOREQ, SK_IOREQ_MMIO, MODEL_MMIO + 8, 4096) == SK_E_ALIGNMENT,
          "MMIO ranges are page-aligned");
    check(sk_ioreq_add_range(S_IOREQ, SK_IOREQ_MMIO, 0xFEC00000ul, 4096) == SK_E_RANGE,
          "not over the platform's own devices");
    check(sk_ioreq_add_range(S_IOREQ, SK_IOREQ_PIO, MODEL_PORT, 4) == SK_OK, "claim 4 ports");
    check(sk_ioreq_add_range(S_IOREQ, SK_IOREQ_MMIO, MODEL_MMIO, 4096) == SK_OK, "claim an MMIO page");
    check(sk_ioreq_bind(S_IOREQ2, S_DOM, S_NTFN) == SK_OK, "a second channel for the same child");
    check(sk_ioreq_add_range(S_IOREQ2, SK_IOREQ_PIO, MODEL_PORT + 2, 1) == SK_E_DELETE_FIRST,
          "cannot claim a port another channel has");
    struct sk_ioreq_info_result info = { 0 };
    long e = sk_ioreq_info(S_IOREQ, &info);
    check(e == SK_OK && info.nr_ranges == 2 && info.pending == 0 && info.phys && !(info.phys & 0xFFF),
          "info: 2 ranges, nothing pending, a page-aligned shared page (%ld, %lu, %lu, 0x%lx)", e,
          (unsigned long)info.nr_ranges, (unsigned long)info.pending, (unsigned long)info.phys);
    check(sk_domain_map_frame(SK_CAP_SELF_DOMAIN, S_IOREQ, SHARED_VA + 8, SK_RIGHT_READ) == SK_E_ALIGNMENT,
          "the shared page maps at a page boundary");
    check(sk_domain_map_frame(SK_CAP_SELF_DOMAIN, S_IOREQ, SHARED_VA, SK_RIGHT_READ | SK_RIGHT_WRITE) == SK_OK,
          "the model maps the shared page");
}

static bool child_done(volatile uint32_t *results)
{
    return results[4] == 0x600DF00D;
}

static void test_serving(volatile uint8_t *mem)
{
    volatile struct sk_ioreq *slot = (volatile struct sk_ioreq *)SHARED_VA;
    volatile uint32_t *results = (volatile uint32_t *)(mem + 0x6000);
    mmio_regs[4] = 0xCAFEBABE;
    mmio_regs[8] = 10;
    check(sk_vcpu_start(S_VCPU) == SK_OK, "start the child");
    uint64_t t0 = now_us();
    unsigned signals = 0;
    while (!child_done(results) && now_us() - t0 < 20000000) {
        struct sk_notification_poll_result p = { 0 };
        if (sk_notification_poll(S_NTFN, &p) != SK_OK || !p.bits) {
            pause();
            continue;
        }
        signals++;
        if (!(p.bits & 1) || slot[0].state != SK_IOREQ_PENDING)
            continue;
        serve(&slot[0]);
        long e = sk_ioreq_complete(S_IOREQ, 0);
        if (e != SK_OK)
            check(false, "complete: error %ld", e);
    }
    check(child_done(results), "the child ran to its end while the model served it");
    check(results[0] == ~0x11223344u, "the port read back what the model returned (0x%x)", results[0]);
    check(results[1] == 0xCAFEBABE, "the MMIO read got the model's register (0x%x)", results[1]);
    check(mmio_regs[8] == 15, "the read-modify-write reached the model's register (%u)", mmio_regs[8]);
    check(served_pio_w == 1 && served_pio_r == 1 && served_mmio_r == 2 && served_mmio_w == 1,
          "each access reached the model exactly once (port %u+%u, MMIO %u reads, %u writes)", served_pio_w,
          served_pio_r, served_mmio_r, served_mmio_w);
    check(signals >= 4, "the notification was signalled for them (%u)", signals);
    check(results[2] == 0xFFFFFFFFu && results[3] == 0xFFFFFFFFu,
          "a port and an address nobody claimed read as all ones (0x%x, 0x%x)", results[2], results[3]);
    check(slot[0].seq == 5 && slot[0].vcpu == 0, "the slot counts its 5 requests (%lu)",
          (unsigned long)slot[0].seq);
    check(sk_ioreq_complete(S_IOREQ, 0) == SK_E_ILLEGAL_OPERATION, "nothing is pending now");
    check(sk_ioreq_complete(S_IOREQ, 3) == SK_E_RANGE, "the child has no vCPU 3");
}

static void test_stop_start(volatile uint8_t *mem)
{
    volatile uint64_t *counter = (volatile uint64_t *)(mem + 0x6018);
    uint64_t c0 = *counter, t0 = now_us();
    while (*counter == c0 && now_us() - t0 < 5000000)
        pause();
    check(*counter != c0, "the child counts");
    check(sk_vcpu_read_reg(S_VCPU, SK_REG_RIP, &(struct sk_vcpu_read_reg_result){ 0 }) == SK_E_BUSY,
          "a running vCPU's registers are not readable");
    check(sk_vcpu_stop(S_VCPU) == SK_OK, "stop the child's vCPU");
    /* It leaves its CPU at its next exit. */
    struct sk_vcpu_read_reg_result rip = { 0 };
    t0 = now_us();
    long e;
    while ((e = sk_vcpu_read_reg(S_VCPU, SK_REG_RIP, &rip)) == SK_E_BUSY && now_us() - t0 < 5000000)
        pause();
    check(e == SK_OK && rip.value >= 0x5000 && rip.value < 0x5000 + (uint64_t)(child_code_end - child_code_start),
          "stopped, its RIP is in its code (0x%lx)", (unsigned long)rip.value);
    uint64_t c1 = *counter;
    uint64_t t1 = now_us();
    while (now_us() - t1 < 200000)
        pause();
    check(*counter == c1, "stopped, it no longer counts");
    check(sk_vcpu_stop(S_VCPU) == SK_OK, "stopping it again changes nothing");
    check(sk_vcpu_write_reg(S_VCPU, SK_REG_RAX, 0x1234) == SK_OK, "write a register while it is stopped");
    check(sk_vcpu_start(S_VCPU) == SK_OK, "start it again");
    t1 = now_us();
    while (*counter == c1 && now_us() - t1 < 5000000)
        pause();
    check(*counter != c1, "started again, it counts again");
    check(sk_vcpu_start(S_VCPU) == SK_E_BUSY, "a running vCPU cannot be started");
}

static void test_grants(void)
{
    check(sk_domain_grant_msr(S_DOM, 0x10, SK_RIGHT_READ) == SK_OK, "pass the TSC's reads to the child");
    check(sk_domain_grant_msr(S_DOM, 0x10, 0) == SK_OK, "and trap them again");
    check(sk_domain_grant_msr(S_DOM, 0x10, SK_RIGHT_READ | SK_RIGHT_WRITE) == SK_E_INVALID_ARGUMENT,
          "never an MSR's writes");
    check(sk_domain_grant_msr(S_DOM, 0xC0000080, SK_RIGHT_READ) == SK_E_INVALID_ARGUMENT, "nor EFER");
    check(sk_domain_grant_msr(S_DOM, 1ull << 32, SK_RIGHT_READ) == SK_E_RANGE, "MSR numbers are 32-bit");
    check(sk_domain_grant_msr(SK_CAP_SELF_DOMAIN, 0x10, SK_RIGHT_READ) == SK_E_ILLEGAL_OPERATION,
          "only for a domain built through capabilities");
    check(sk_domain_grant_ioports(S_DOM, S_NTFN) == SK_E_INVALID_CAPABILITY, "grant_ioports needs ports");
}

static void test_exception(void)
{
    struct sk_system_info_result before = { 0 }, after = { 0 };
    check(sk_vcpu_inject(S_VCPU, 6, SK_EVENT_EXCEPTION, 0) == SK_E_BUSY,
          "an exception goes only into a stopped vCPU");
    check(sk_vcpu_stop(S_VCPU) == SK_OK, "stop it");
    uint64_t t0 = now_us();
    while (sk_vcpu_read_reg(S_VCPU, SK_REG_RIP, &(struct sk_vcpu_read_reg_result){ 0 }) == SK_E_BUSY &&
           now_us() - t0 < 5000000)
        pause();
    check(sk_vcpu_inject(S_VCPU, 2, SK_EVENT_EXCEPTION, 0) == SK_E_RANGE, "vector 2 is the NMI's type");
    check(sk_vcpu_inject(S_VCPU, 32, SK_EVENT_EXCEPTION, 0) == SK_E_RANGE, "exceptions are 0-31");
    check(sk_vcpu_inject(S_VCPU, 6, SK_EVENT_EXCEPTION, 5) == SK_E_INVALID_ARGUMENT, "#UD has no error code");
    check(sk_vcpu_inject(S_VCPU, 6, SK_EVENT_EXCEPTION, 0) == SK_OK, "inject #UD");
    check(sk_vcpu_inject(S_VCPU, 13, SK_EVENT_EXCEPTION, 0) == SK_E_DELETE_FIRST, "one at a time");
    struct sk_domain_info_result di = { 0 };
    sk_domain_info(S_DOM, &di);
    uint64_t child = di.id;
    sk_system_info(SK_CAP_SYSTEM, &before);
    check(sk_vcpu_start(S_VCPU) == SK_OK, "start it: with no IDT the #UD becomes a triple fault");
    t0 = now_us();
    long e;
    while ((e = sk_domain_info(S_DOM, &di)) == SK_OK && now_us() - t0 < 5000000)
        pause();
    check(e == SK_E_INVALID_CAPABILITY, "the child ended (%ld)", e);
    /* Other test domains may end meanwhile: the child's own id is what
     * must leave the domain table, and the count must have fallen. */
    t0 = now_us();
    while (sk_domain_listed(SK_CAP_SYSTEM, child) && now_us() - t0 < 5000000)
        pause();
    sk_system_info(SK_CAP_SYSTEM, &after);
    check(!sk_domain_listed(SK_CAP_SYSTEM, child) && after.nr_domains < before.nr_domains,
          "domain %lu left the domain table (%lu domains, then %lu)", (unsigned long)child,
          (unsigned long)before.nr_domains, (unsigned long)after.nr_domains);
    check(sk_ioreq_complete(S_IOREQ, 0) == SK_E_ILLEGAL_OPERATION, "its channel serves nobody now");
}

void test_main(void)
{
    const sk_cptr_t ut = SK_CAP_FIRST_BOOT;
    check(sk_untyped_retype(ut, SK_OBJ_FRAME, 21, S_FRAME, 1) == SK_OK, "a 2 MiB frame for the child's RAM");
    check(sk_domain_map_frame(SK_CAP_SELF_DOMAIN, S_FRAME, PARENT_VA, SK_RIGHT_READ | SK_RIGHT_WRITE) == SK_OK,
          "the model maps it");
    volatile uint8_t *mem = (volatile uint8_t *)PARENT_VA;
    build_child(mem);
    check(sk_untyped_retype(ut, SK_OBJ_DOMAIN, 0, S_DOM, 1) == SK_OK &&
          sk_untyped_retype(ut, SK_OBJ_VCPU, 0, S_VCPU, 1) == SK_OK &&
          sk_untyped_retype(ut, SK_OBJ_NOTIFICATION, 0, S_NTFN, 1) == SK_OK,
          "a domain, a vCPU and a notification");
    check(sk_untyped_retype(ut, SK_OBJ_IOREQ, 1, S_IOREQ, 1) == SK_E_INVALID_ARGUMENT,
          "a channel has one size");
    check(sk_untyped_retype(ut, SK_OBJ_IOREQ, 0, S_IOREQ, 2) == SK_OK, "two I/O-request channels");
    check(sk_cnode_copy(SK_CAP_SELF_CNODE, S_FRAME2, S_FRAME) == SK_OK &&
          sk_domain_map_frame(S_DOM, S_FRAME2, 0, SK_RIGHT_READ | SK_RIGHT_WRITE) == SK_OK &&
          sk_vcpu_bind(S_VCPU, S_DOM, 0) == SK_OK &&
          sk_vcpu_long_mode(S_VCPU, 0x5000, 0x1000, 0x4000, 0x1F) == SK_OK,
          "the child's RAM mapped, its vCPU bound and in long mode");
    const char name[32] = "ioreq-child";
    const uint64_t *nw = (const uint64_t *)name;
    check(sk_domain_set_name(S_DOM, nw[0], nw[1], nw[2], nw[3]) == SK_OK, "name it");
    check(sk_vcpu_stop(S_VCPU) == SK_E_ILLEGAL_OPERATION, "a vCPU not started cannot be stopped");
    test_channel_errors();
    test_serving(mem);
    test_stop_start(mem);
    test_grants();
    test_exception();
    check(sk_cnode_revoke(SK_CAP_SELF_CNODE, ut) == SK_OK, "revoke everything carved from the untyped");
    struct sk_untyped_info_result ui = { 0 };
    check(sk_untyped_info(ut, &ui) == SK_OK && ui.free_bytes == 8u << 20, "all 8 MiB are free again");
}
