/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Capability invocations from inside a domain that was given a cspace as
 * the console is (module arguments "cspace untyped=8 vcpus=2"): boot
 * capabilities, the SYSTEM object's facts and log, retype, the derivation
 * tree, notifications (poll, a blocking wait on vCPU 1 ended by a signal
 * from vCPU 0, delivery as an interrupt), revoke giving all memory back,
 * and the error codes a malformed call gets.
 */
#include "guest.h"
#include "hypercall.h"
#include <public/skerry/platform.h>

const char test_name[] = "hypercall";

#define NTFN_VECTOR 0x60
#define S_NTFN      40      /* slots this test uses */
#define S_COPY      41
#define S_RO        42
#define S_CNODE     43
#define S_FRAME     44
#define S_NTFN2     45
#define S_CHILD_UT  46

static volatile uint32_t ntfn_ready, ap_waiting, ap_woke;
static volatile uint64_t ap_bits;
static volatile uint32_t ntfn_interrupts;

static void ntfn_handler(struct guest_frame *f)
{
    (void)f;
    atomic_inc(&ntfn_interrupts);
    x2apic_eoi();
}

void test_ap_main(unsigned vcpu)
{
    (void)vcpu;
    struct sk_notification_wait_result w = { 0 };
    while (!ntfn_ready)
        pause();
    ap_waiting = 1;
    long e = sk_notification_wait(S_NTFN, &w);
    ap_bits = e == SK_OK ? w.bits : 0xDEAD;
    ap_woke = 1;
    guest_halt_forever();
}

static bool log_contains(const char *needle)
{
    /* Read the whole ring through log_read, keeping a window across reads. */
    static char window[512];
    size_t have = 0, nlen = strlen(needle);
    uint64_t seq = 0;
    for (unsigned rounds = 0; rounds < 20000; rounds++) {
        struct sk_system_log_read_result r;
        if (sk_system_log_read(SK_CAP_SYSTEM, seq, &r) != SK_OK || r.len == 0 || r.len > SK_LOG_READ_MAX)
            return false;
        if (have + r.len > sizeof window) {
            memcpy(window, window + have - nlen, nlen);   /* keep a possible partial match */
            have = nlen;
        }
        memcpy(window + have, &r.b0, r.len);
        have += r.len;
        for (size_t i = 0; i + nlen <= have; i++)
            if (memcmp(window + i, needle, nlen) == 0)
                return true;
        seq = r.next;
    }
    return false;
}

static void test_boot_caps(void)
{
    check(cpuid2(SKERRY_CPUID_ABI, 0).eax == SKERRY_ABI_VERSION, "CPUID 0x40000001 reports ABI 0x%x",
          SKERRY_ABI_VERSION);
    struct sk_any_identify_result id = { 0 };
    long e = sk_any_identify(SK_CAP_SELF_CNODE, &id);
    check(e == SK_OK && id.type == SK_OBJ_CNODE && id.size == 8 &&
              id.rights == (SK_RIGHT_READ | SK_RIGHT_WRITE),
          "slot 1 is its own 256-slot cspace, read-write without grant (type %lu size %lu rights %lu)", id.type,
          id.size, id.rights);
    check(sk_any_identify(SK_CAP_SELF_DOMAIN, &id) == SK_OK && id.type == SK_OBJ_DOMAIN &&
              id.rights == (SK_RIGHT_READ | SK_RIGHT_CONTROL),
          "slot 2 is its own domain, read and control, no grant");
    check(sk_any_identify(SK_CAP_SYSTEM, &id) == SK_OK && id.type == SK_OBJ_SYSTEM, "slot 3 is the system");
    struct sk_system_bootinfo_result bi = { 0 };
    e = sk_system_bootinfo(SK_CAP_SYSTEM, &bi);
    check(e == SK_OK && bi.untyped_first == SK_CAP_FIRST_BOOT &&
              bi.untyped_count == 1 && bi.first_free == SK_CAP_FIRST_BOOT + 1 && bi.ioports_count == 0,
          "bootinfo: one untyped in slot 4, no I/O ports (all emulated), first free slot 5 (%lu, %lu, %lu)", bi.untyped_first,
          bi.untyped_count, bi.first_free);
    struct sk_untyped_info_result ui = { 0 };
    e = sk_untyped_info(SK_CAP_FIRST_BOOT, &ui);
    check(e == SK_OK && ui.size_bits == 23 && ui.free_bytes == 8u << 20 && (ui.base & ((8u << 20) - 1)) == 0,
          "the untyped is 8 MiB, aligned, all free (base 0x%lx)", ui.base);
}

static void test_system(void)
{
    struct sk_system_info_result si = { 0 };
    long e = sk_system_info(SK_CAP_SYSTEM, &si);
    check(e == SK_OK, "system info");
    check(si.abi == SKERRY_ABI_VERSION && si.nr_cpus == 2 && si.tsc_khz == tsc_khz(),
          "system info: ABI, 2 CPUs, the TSC rate CPUID reports (%lu, %lu, %lu)", si.abi, si.nr_cpus, si.tsc_khz);
    check(si.mem_total > si.mem_free && si.mem_free > 0 && si.nr_domains >= 2,
          "system info: memory %lu MiB, %lu MiB free, %lu domains", si.mem_total >> 20, si.mem_free >> 20,
          si.nr_domains);
    struct sk_domain_info_result me = { 0 };
    e = sk_domain_info(SK_CAP_SELF_DOMAIN, &me);
    check(e == SK_OK && me.nr_vcpus == 2 && me.mem_bytes == 16u << 20 &&
              me.state == SK_STATE_RUNNING,
          "its own domain: 2 vCPUs, 16 MiB, running (id %lu)", me.id);
    bool found = false;
    struct sk_system_domain_info_result d = { 0 };
    for (uint64_t i = 0; sk_system_domain_info(SK_CAP_SYSTEM, i, &d) == SK_OK; i++) {
        char name[33] = { 0 };
        memcpy(name, &d.n0, 32);
        if (d.id == me.id && memcmp(name, "hypercall", 10) == 0)
            found = true;
    }
    check(found, "the domain list names it");
    unsigned mine = 0;
    struct sk_system_world_info_result w = { 0 };
    for (uint64_t i = 0; sk_system_world_info(SK_CAP_SYSTEM, i, &w) == SK_OK; i++)
        if (w.domain == me.id) {
            mine++;
            if (w.vcpu == 0)
                check(w.state == SK_WORLD_RUNNING && w.pcpu < 2, "its vCPU 0 is running on CPU %lu", w.pcpu);
        }
    check(mine == 2, "the world list has its 2 vCPUs (%u)", mine);
    check(sk_system_world_info(SK_CAP_SYSTEM, 1u << 20, &w) == SK_E_RANGE, "a world past the last: range error");
    struct sk_system_irq_info_result irq = { 0 };
    /* Interrupt lines are the console's: with none booted, there are none. */
    check(sk_system_irq_info(SK_CAP_SYSTEM, 1u << 20, &irq) == SK_E_RANGE, "an interrupt line past the last");
    check(log_contains("hypercall: test domain, 2 vCPU(s)"), "the log ring holds the vmkernel's line about it");
    check(sk_system_null(SK_CAP_SYSTEM) == SK_OK, "the null invocation");
    check(sk_system_crash_me(SK_CAP_SYSTEM) == SK_E_NOT_PRIVILEGED,
          "crash_me is refused without the vmkernel's allow_test_panic");
    struct sk_system_dump_info_result dump = { 0 };
    e = sk_system_dump_info(SK_CAP_SYSTEM, &dump);
    check(e == SK_OK && dump.len == 0, "no crash dump from a previous boot (%lu bytes)", dump.len);
}

static void test_objects(void)
{
    const sk_cptr_t ut = SK_CAP_FIRST_BOOT;
    check(sk_untyped_retype(ut, SK_OBJ_NOTIFICATION, 0, S_NTFN, 1) == SK_OK, "retype a notification");
    check(sk_cnode_mint(SK_CAP_SELF_CNODE, S_RO, S_NTFN, SK_RIGHT_READ, 0) == SK_OK, "mint a read-only copy");
    check(sk_notification_signal(S_RO, 1) == SK_E_INSUFFICIENT_RIGHTS, "it cannot signal");
    check(sk_cnode_mint(SK_CAP_SELF_CNODE, S_COPY, S_NTFN, SK_RIGHTS_ALL, 0x100) == SK_OK, "mint a badged one");
    check(sk_notification_signal(S_COPY, 0x1) == SK_OK, "signal through it");
    struct sk_notification_poll_result p = { 0 };
    long e = sk_notification_poll(S_NTFN, &p);
    check(e == SK_OK && p.bits == 0x101, "poll sees badge and bits (0x%lx)", p.bits);
    check(sk_notification_signal(S_NTFN, 0x4) == SK_OK, "signal again");
    struct sk_notification_wait_result w = { 0 };
    check(sk_notification_wait(S_NTFN, &w) == SK_OK && w.bits == 0x4, "a wait with bits pending returns at once");

    /* A blocking wait on vCPU 1, ended by a signal from here. */
    ntfn_ready = 1;
    uint64_t t0 = now_us();
    while (!ap_waiting && now_us() - t0 < 5000000)
        pause();
    delay_us(200000);
    check(ap_waiting && !ap_woke, "vCPU 1 is blocked in its wait");
    check(sk_notification_signal(S_NTFN, 0x80) == SK_OK, "signal it");
    t0 = now_us();
    while (!ap_woke && now_us() - t0 < 5000000)
        pause();
    check(ap_woke && ap_bits == 0x80, "vCPU 1's wait returned the bits (0x%lx)", ap_bits);

    /* Delivery as an interrupt on this vCPU. */
    x2apic_enable();
    guest_set_handler(NTFN_VECTOR, ntfn_handler);
    check(sk_notification_bind_vector(S_NTFN, 7) == SK_E_RANGE, "vectors below 32 are refused");
    check(sk_notification_bind_vector(S_NTFN, NTFN_VECTOR) == SK_OK, "bind it to a vector");
    sti();
    check(sk_notification_signal(S_NTFN, 0x2) == SK_OK, "signal");
    t0 = now_us();
    while (!ntfn_interrupts && now_us() - t0 < 2000000)
        pause();
    cli();
    check(ntfn_interrupts == 1, "the signal arrived as one interrupt (%u)", ntfn_interrupts);
    sk_notification_poll(S_NTFN, &p);

    /* Other objects, and the tree. */
    check(sk_untyped_retype(ut, SK_OBJ_CNODE, 4, S_CNODE, 1) == SK_OK, "retype a 16-slot cnode");
    check(sk_cnode_copy(S_CNODE, 1, S_COPY) == SK_OK, "copy a capability into it");
    check(sk_untyped_retype(ut, SK_OBJ_FRAME, 12, S_FRAME, 1) == SK_OK, "retype a frame");
    struct sk_frame_info_result fi = { 0 };
    struct sk_untyped_info_result ui = { 0 };
    sk_untyped_info(ut, &ui);
    e = sk_frame_info(S_FRAME, &fi);
    check(e == SK_OK && fi.size == 4096 && fi.phys >= ui.base &&
              fi.phys < ui.base + (8u << 20),
          "the frame lies in the untyped (0x%lx)", fi.phys);
    check(sk_untyped_retype(ut, SK_OBJ_UNTYPED, 20, S_CHILD_UT, 1) == SK_OK, "retype a 1 MiB child untyped");
    check(sk_untyped_retype(S_CHILD_UT, SK_OBJ_NOTIFICATION, 0, S_NTFN2, 1) == SK_OK, "and a notification from it");
    check(sk_cnode_delete(SK_CAP_SELF_CNODE, S_CHILD_UT) == SK_E_REVOKE_FIRST, "the child untyped: revoke first");
    check(sk_untyped_retype(ut, SK_OBJ_FRAME, 21, 60, 4) == SK_E_NOT_ENOUGH_MEMORY, "8 MiB more is too much");
    check(sk_cnode_revoke(SK_CAP_SELF_CNODE, ut) == SK_OK, "revoke the untyped");
    struct sk_any_identify_result id = { 0 };
    check(sk_any_identify(S_NTFN, &id) == SK_E_INVALID_CAPABILITY && sk_any_identify(S_NTFN2, &id) ==
              SK_E_INVALID_CAPABILITY && sk_any_identify(S_FRAME, &id) == SK_E_INVALID_CAPABILITY,
          "everything carved from it is gone");
    check(sk_untyped_info(ut, &ui) == SK_OK && ui.free_bytes == 8u << 20, "all 8 MiB are free again");
    check(sk_cnode_delete(SK_CAP_SELF_CNODE, ut) == SK_E_ILLEGAL_OPERATION, "a boot untyped cannot be deleted");
}

/*
 * A child domain built through capabilities, as vmx will build a VM: one
 * 2 MiB frame holds its page tables, GDT and code; the parent writes them
 * through its own mapping of the frame, then maps a copy of the frame
 * capability into the child at 0 and starts its one vCPU in long mode.
 * The child prints on the debug port and leaves a marker in the shared
 * frame; revoking the untyped ends it.
 */
#define S_DOM      50
#define S_VCPU     51
#define S_BIG      52
#define S_BIG2     53
#define PARENT_VA  0x40000000ul       /* where the parent maps the frame */

static const uint8_t child_code[] = {
    0x66, 0xBA, 0xE9, 0x00,                         /* mov dx, 0xE9 */
    0x48, 0xBE, 0x00, 0x51, 0, 0, 0, 0, 0, 0,       /* mov rsi, 0x5100 */
    0x8A, 0x06,                                     /* 1: mov al, [rsi] */
    0x84, 0xC0,                                     /* test al, al */
    0x74, 0x06,                                     /* jz 2f */
    0xEE,                                           /* out dx, al */
    0x48, 0xFF, 0xC6,                               /* inc rsi */
    0xEB, 0xF4,                                     /* jmp 1b */
    0xC7, 0x04, 0x25, 0x00, 0x60, 0, 0,             /* 2: mov dword [0x6000], */
    0x0D, 0xF0, 0x0D, 0x60,                         /*    0x600DF00D */
    0xFB, 0xF4, 0xEB, 0xFD,                         /* sti; 3: hlt; jmp 3b */
};

static void test_child_domain(void)
{
    const sk_cptr_t ut = SK_CAP_FIRST_BOOT;
    struct sk_system_info_result before = { 0 }, after = { 0 };
    check(sk_untyped_retype(ut, SK_OBJ_FRAME, 21, S_BIG, 1) == SK_OK, "child: a 2 MiB frame");
    check(sk_domain_map_frame(SK_CAP_SELF_DOMAIN, S_BIG, PARENT_VA + 0x1000, SK_RIGHT_READ) == SK_E_ALIGNMENT,
          "child: a 2 MiB frame maps only at a 2 MiB boundary");
    check(sk_domain_map_frame(SK_CAP_SELF_DOMAIN, S_BIG, 0, SK_RIGHT_READ) == SK_E_DELETE_FIRST,
          "child: not over the parent's own RAM");
    check(sk_domain_map_frame(SK_CAP_SELF_DOMAIN, S_BIG, PARENT_VA, SK_RIGHT_READ | SK_RIGHT_WRITE) == SK_OK,
          "child: the parent maps the frame into itself");
    sk_system_info(SK_CAP_SYSTEM, &before);         /* (after its own nested page tables grew) */
    check(sk_untyped_retype(ut, SK_OBJ_DOMAIN, 0, S_DOM, 1) == SK_OK, "child: retype a domain");
    check(sk_untyped_retype(ut, SK_OBJ_VCPU, 0, S_VCPU, 1) == SK_OK, "child: retype a vCPU");
    check(sk_domain_map_frame(SK_CAP_SELF_DOMAIN, S_BIG, PARENT_VA + (2u << 20), SK_RIGHT_READ) == SK_E_DELETE_FIRST,
          "child: a frame capability maps once");
    volatile uint8_t *mem = (volatile uint8_t *)PARENT_VA;
    bool zero = true;
    for (unsigned i = 0; i < (2u << 20); i += 4096)
        zero &= mem[i] == 0;
    check(zero, "child: the new frame reads as zeros");
    volatile uint64_t *q = (volatile uint64_t *)PARENT_VA;
    q[0x1000 / 8] = 0x2003;                         /* PML4[0] -> PDPT */
    q[0x2000 / 8] = 0x3003;                         /* PDPT[0] -> PD */
    q[0x3000 / 8] = 0x83;                           /* PD[0]: 2 MiB at 0 */
    q[0x4000 / 8 + 2] = 0x00AF9A000000FFFFull;      /* GDT: 64-bit code at 0x10 */
    q[0x4000 / 8 + 3] = 0x00CF92000000FFFFull;      /* data at 0x18 */
    for (unsigned i = 0; i < sizeof child_code; i++)
        mem[0x5000 + i] = child_code[i];
    const char msg[] = "child says hello\n";
    for (unsigned i = 0; i < sizeof msg; i++)
        mem[0x5100 + i] = (uint8_t)msg[i];

    check(sk_cnode_copy(SK_CAP_SELF_CNODE, S_BIG2, S_BIG) == SK_OK, "child: copy the frame capability");
    check(sk_domain_map_frame(S_DOM, S_BIG2, 0, SK_RIGHT_READ | SK_RIGHT_WRITE) == SK_OK,
          "child: map the copy into the child at 0");
    const char name[32] = "child";
    const uint64_t *nw = (const uint64_t *)name;
    check(sk_domain_set_name(S_DOM, nw[0], nw[1], nw[2], nw[3]) == SK_OK, "child: name it");
    check(sk_vcpu_start(S_VCPU) == SK_E_INVALID_CAPABILITY, "child: an unbound vCPU cannot start");
    check(sk_vcpu_bind(S_VCPU, S_DOM, 1) == SK_E_RANGE, "child: vCPUs are bound in order");
    check(sk_vcpu_bind(S_VCPU, S_DOM, 0) == SK_OK, "child: bind the vCPU as its vCPU 0");
    check(sk_vcpu_long_mode(S_VCPU, 0x5000, 0x1234, 0x4000, 0x1F) == SK_E_ALIGNMENT, "child: CR3 must be aligned");
    check(sk_vcpu_long_mode(S_VCPU, 0x5000, 0x1000, 0x4000, 0x1F) == SK_OK, "child: long mode at 0x5000");
    check(sk_vcpu_write_reg(S_VCPU, SK_REG_CR0, 0) == SK_E_INVALID_ARGUMENT, "child: CR0 is not written directly");
    check(sk_vcpu_write_reg(S_VCPU, SK_REG_RBX, 0x1234) == SK_OK, "child: write RBX");
    struct sk_vcpu_read_reg_result reg = { 0 };
    long e = sk_vcpu_read_reg(S_VCPU, SK_REG_RIP, &reg);
    check(e == SK_OK && reg.value == 0x5000, "child: RIP reads back 0x5000 (0x%lx)", reg.value);
    struct sk_domain_info_result di = { 0 };
    e = sk_domain_info(S_DOM, &di);
    check(e == SK_OK && di.nr_vcpus == 1 && di.mem_bytes == 2u << 20 && di.state == SK_STATE_STOPPED,
          "child: 1 vCPU, 2 MiB, not started (%lu, %lu, %lu)", di.nr_vcpus, di.mem_bytes, di.state);
    check(sk_vcpu_start(S_VCPU) == SK_OK, "child: start it");
    check(sk_vcpu_start(S_VCPU) == SK_E_BUSY, "child: a started vCPU cannot start again");
    check(sk_vcpu_write_reg(S_VCPU, SK_REG_RBX, 0) == SK_E_BUSY, "child: nor have its registers written");
    volatile uint32_t *marker = (volatile uint32_t *)(PARENT_VA + 0x6000);
    uint64_t t0 = now_us();
    while (*marker != 0x600DF00D && now_us() - t0 < 10000000)
        pause();
    check(*marker == 0x600DF00D, "child: it ran and wrote its marker into the shared frame");
    e = sk_domain_info(S_DOM, &di);
    check(e == SK_OK && di.state == SK_STATE_RUNNING, "child: its domain is running");

    check(sk_cnode_revoke(SK_CAP_SELF_CNODE, ut) == SK_OK, "child: revoke the untyped it was made from");
    check(sk_domain_info(S_DOM, &di) == SK_E_INVALID_CAPABILITY, "child: its capability is gone");
    struct sk_untyped_info_result ui = { 0 };
    e = sk_untyped_info(ut, &ui);
    check(e == SK_OK && ui.free_bytes == 8u << 20, "child: all 8 MiB of untyped are free again");
    /* The child's vCPU stops at its next exit; then its structures are
     * freed.  The other test domains may end meanwhile and give their
     * memory back too, so the free count can only be checked not to have
     * fallen; the system test compares the exact total once all ended. */
    t0 = now_us();
    bool gone;
    do {
        gone = !sk_domain_listed(SK_CAP_SYSTEM, di.id);
        sk_system_info(SK_CAP_SYSTEM, &after);
    } while ((!gone || after.mem_free < before.mem_free) && now_us() - t0 < 5000000);
    check(gone, "child: domain %lu has left the domain table", di.id);
    check(after.mem_free >= before.mem_free, "child: the vmkernel's free memory is back to at least %lu KiB (%lu)",
          before.mem_free >> 10, after.mem_free >> 10);
}

static void test_errors(void)
{
    sk_word_t mr[SK_MSG_MAX_REGS] = { 0 };
    check(sk_vmmcall(0x12345678, 0, 0, mr, 0) == SK_E_NO_SYSCALL, "an unknown system call");
    check(sk_any_identify(4096, 0) == SK_E_FAILED_LOOKUP, "a cptr past the cspace");
    check(sk_any_identify(0, 0) == SK_E_FAILED_LOOKUP, "cptr 0");
    check(sk_any_identify(200, 0) == SK_E_INVALID_CAPABILITY, "an empty slot");
    check(sk_untyped_retype(SK_CAP_SYSTEM, SK_OBJ_FRAME, 12, 50, 1) == SK_E_ILLEGAL_OPERATION,
          "an untyped invocation on the system");
    check(sk_domain_destroy(SK_CAP_SELF_DOMAIN) == SK_E_ILLEGAL_OPERATION, "it cannot destroy itself");
    check(sk_cnode_mint(SK_CAP_SELF_CNODE, 50, SK_CAP_SYSTEM, 0x30, 0) == SK_E_INVALID_ARGUMENT, "unknown rights");
    check(sk_cnode_copy(SK_CAP_SELF_CNODE, 50, SK_CAP_SELF_CNODE) == SK_E_INSUFFICIENT_RIGHTS,
          "its own cspace cannot be copied (no grant)");
    check(sk_cnode_copy(SK_CAP_SELF_CNODE, SK_CAP_SYSTEM, SK_CAP_SYSTEM) == SK_E_DELETE_FIRST, "an occupied slot");
    sk_msginfo_t out;
    mr[0] = 50;
    long e = sk_vmmcall(SK_SYS_INVOKE, SK_CAP_SELF_CNODE, sk_msginfo_new(SK_INV_CNODE_COPY, 0, 1), mr, &out);
    check(e == SK_E_TRUNCATED_MESSAGE && sk_msginfo_length(out) == 1 && mr[0] == SK_NO_DETAIL,
          "too few words: truncated message, one reply word (%ld)", e);
    mr[0] = 50, mr[1] = 9999;
    e = sk_vmmcall(SK_SYS_INVOKE, SK_CAP_SELF_CNODE, sk_msginfo_new(SK_INV_CNODE_COPY, 0, 2), mr, &out);
    check(e == SK_E_FAILED_LOOKUP && mr[0] == 1, "a bad source slot: the error names register 1 (%lu)", mr[0]);
    struct sk_any_identify_result id = { 0 };
    check(sk_any_identify(50, &id) == SK_E_INVALID_CAPABILITY, "and none of the refused calls made anything");
}

void test_main(void)
{
    if (guest_nr_vcpus < 2) {
        check(false, "this test needs vcpus=2 (has %u)", guest_nr_vcpus);
        return;
    }
    test_boot_caps();
    test_system();
    test_objects();
    test_child_domain();
    test_errors();
}
