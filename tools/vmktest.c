// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmktest: the capability invocations exercised from the service console
 * through libvmk and /dev/vmkernel, as vmware-vmx will use them: the boot
 * capabilities, SYSTEM, untyped retype and revoke, the derivation tree,
 * notifications, a domain with a vCPU and a frame built and destroyed, and
 * the error codes malformed calls get.  Everything it makes is carved from
 * one boot untyped and revoked at the end, so the console's capabilities
 * are as before.  One "PASS <what>" or "FAIL <what>: <why>" line a check,
 * then "vmktest: N passed, M failed"; exit 1 on any failure.
 *
 *   vmktest           (root; run by tests/system/vmnix.sh)
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vmk.h"

static unsigned passed, failed;

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(bool ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s ", ok ? "PASS" : "FAIL");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    ok ? passed++ : failed++;
}

/* Expect error `want` from call `got`; the message names both. */
static void expect(long got, long want, const char *what)
{
    check(got == want, "%s: %s%s%s", what, vmk_strerror(want), got == want ? "" : ", got ",
          got == want ? "" : vmk_strerror(got));
}

/* Slots this test uses, past anything the console was given at boot. */
enum { S_NTFN = 4000, S_COPY, S_RO, S_CNODE, S_FRAME, S_DOM, S_VCPU, S_CHILD_UT, S_SPARE };

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
              bi.first_free == bi.ioports_first + bi.ioports_count && bi.first_free < S_NTFN,
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

    /* Everything back. */
    expect(sk_cnode_revoke(SK_CAP_SELF_CNODE, ut), SK_OK, "revoke the untyped");
    expect(sk_untyped_info(ut, &ui), SK_OK, "untyped info again");
    check(ui.free_bytes == ut_size, "all of it is free again");
    expect(sk_any_identify(S_NTFN, &id), SK_E_INVALID_CAPABILITY, "what it made is gone");
    printf("vmktest: %u passed, %u failed\n", passed, failed);
    vmk_close();
    return failed ? 1 : 0;
}
