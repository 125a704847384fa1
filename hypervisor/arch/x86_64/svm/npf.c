/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Nested page faults.  Guest RAM is mapped, so a fault means the guest
 * touched a guest-physical address that is not its RAM: an emulated
 * device page (vLAPIC, vIOAPIC) or unassigned space.  Without decode
 * assists we fetch the instruction through the guest's page tables,
 * decode it and perform it against the virtual platform.
 */
#include <string.h>
#include <arch/cpu.h>
#include <arch/guest_walk.h>
#include <arch/insn_decode.h>
#include <arch/mmio_emulate.h>
#include <arch/svm_exit.h>
#include <arch/vmcb.h>
#include <skerry/domain.h>
#include <skerry/ioreq.h>
#include <skerry/log.h>
#include <skerry/vdev_platform.h>

#define NPF_FETCH        (1ull << 4)
#define NPF_IN_PT_WALK   (1ull << 33)

static bool read_guest_u64(void *ctx, uint64_t gpa, uint64_t *value)
{
    const void *p = domain_gpa_to_host(ctx, gpa, 8);
    if (!p)
        return false;
    memcpy(value, p, 8);
    return true;
}

unsigned svm_fetch_instruction(struct vcpu *v, uint8_t *buf)
{
    struct vmcb_save *s = &v->arch.vmcb->save;
    struct guest_paging pg = { s->cr0, s->cr3, s->cr4, s->efer };
    uint64_t linear = s->cs.base + s->rip;
    if (!(s->efer & EFER_LMA) || !(s->cs.attrib & SEG_ATTR_L))
        linear &= 0xFFFFFFFF;
    unsigned n = 0;
    while (n < INSN_MAX_LENGTH) {
        uint64_t gpa;
        if (guest_linear_to_phys(&pg, linear + n, read_guest_u64, v->dom, &gpa) != WALK_OK)
            break;
        unsigned chunk = 0x1000 - (unsigned)(gpa & 0xFFF);
        if (chunk > INSN_MAX_LENGTH - n)
            chunk = INSN_MAX_LENGTH - n;
        const uint8_t *src = domain_gpa_to_host(v->dom, gpa, chunk);
        if (!src)
            break;
        memcpy(buf + n, src, chunk);
        n += chunk;
    }
    return n;
}

static enum insn_mode cpu_mode(const struct vmcb_save *s)
{
    if ((s->efer & EFER_LMA) && (s->cs.attrib & SEG_ATTR_L))
        return INSN_MODE_64;
    if (!(s->cr0 & CR0_PE))
        return INSN_MODE_16;
    return (s->cs.attrib & SEG_ATTR_DB) ? INSN_MODE_32 : INSN_MODE_16;
}

/* The bus callbacks' context: the vCPU, and whether a device model took
 * one of its accesses.  The exit handler cannot ask v->ioreq.pending
 * afterwards instead: the model, running on another CPU, may already
 * have served it. */
struct npf_bus {
    struct vcpu *v;
    bool posted;
};

/* An access a device model serves: 0 when it completed, -1 while it is
 * posted (the emulation stops; the instruction runs again once it is
 * served), 1 when no model claims it. */
static int model_access(struct npf_bus *b, unsigned dir, uint64_t gpa, unsigned size, uint64_t *val)
{
    enum ioreq_outcome o = hypercall_ioreq_access(b->v, SK_IOREQ_MMIO, dir, gpa, size, val);
    if (o == IOREQ_WAIT)
        b->posted = true;
    return o == IOREQ_WAIT ? -1 : o == IOREQ_DONE ? 0 : 1;
}

static int bus_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
    struct npf_bus *b = ctx;
    int rc = model_access(b, SK_IOREQ_READ, gpa, size, val);
    if (rc <= 0)
        return rc;
    *val = vdev_mmio_read(b->v, gpa, size);
    return 0;
}

static int bus_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
    struct npf_bus *b = ctx;
    int rc = model_access(b, SK_IOREQ_WRITE, gpa, size, &val);
    if (rc <= 0)
        return rc;
    vdev_mmio_write(b->v, gpa, size, val);
    return 0;
}

/* MOVS with one side in RAM and one in MMIO: each side, by segment:offset. */
static int access_one(struct npf_bus *b, uint64_t linear, unsigned size, uint64_t *val,
                      bool is_write)
{
    struct vcpu *v = b->v;
    struct vmcb_save *s = &v->arch.vmcb->save;
    struct guest_paging pg = { s->cr0, s->cr3, s->cr4, s->efer };
    uint64_t gpa;
    if (guest_linear_to_phys(&pg, linear, read_guest_u64, v->dom, &gpa) != WALK_OK)
        return -1;
    uint8_t *ram = domain_gpa_to_host(v->dom, gpa, size);
    if (ram && is_write)
        memcpy(ram, val, size);
    else if (ram)
        memcpy(val, ram, size);
    else if (is_write)
        return bus_write(b, gpa, size, *val);
    else
        return bus_read(b, gpa, size, val);
    return 0;
}

static int bus_guest_access(void *ctx, enum insn_seg seg, uint64_t offset, unsigned size,
                            uint64_t *val, bool is_write)
{
    struct npf_bus *b = ctx;
    struct vmcb_save *s = &b->v->arch.vmcb->save;
    const struct vmcb_segment *segs[INSN_NR_SEGS] = { &s->es, &s->cs, &s->ss, &s->ds, &s->fs, &s->gs };
    bool long_mode = (s->efer & EFER_LMA) && (s->cs.attrib & SEG_ATTR_L);
    uint64_t base = (!long_mode || seg == INSN_SEG_FS || seg == INSN_SEG_GS) ? segs[seg]->base : 0;
    uint64_t linear = base + offset;
    if (!long_mode)
        linear &= 0xFFFFFFFF;
    if ((linear & 0xFFF) + size <= 0x1000)
        return access_one(b, linear, size, val, is_write);
    /* Crossing a page: byte by byte, each page translated on its own. */
    uint8_t bytes[8];
    if (is_write)
        memcpy(bytes, val, size);
    for (unsigned i = 0; i < size; i++) {
        uint64_t byte = bytes[i];
        if (access_one(b, linear + i, 1, &byte, is_write) < 0)
            return -1;
        bytes[i] = (uint8_t)byte;
    }
    if (!is_write) {
        *val = 0;
        memcpy(val, bytes, size);
    }
    return 0;
}

static void log_bytes(char *out, size_t cap, const uint8_t *bytes, unsigned n)
{
    static const char hex[] = "0123456789abcdef";
    size_t pos = 0;
    for (unsigned i = 0; i < n && pos + 4 < cap; i++) {
        out[pos++] = hex[bytes[i] >> 4];
        out[pos++] = hex[bytes[i] & 15];
        out[pos++] = ' ';
    }
    out[pos] = '\0';
}

enum exit_action svm_handle_npf(struct vcpu *v)
{
    struct vmcb *vmcb = v->arch.vmcb;
    uint64_t info = vmcb->control.exit_info1;
    uint64_t gpa = vmcb->control.exit_info2;
    if (info & (NPF_FETCH | NPF_IN_PT_WALK)) {
        domain_kill(v->dom, "vcpu%u %s guest-physical %#llx, which is not RAM (RIP %#llx)",
                    v->index, info & NPF_FETCH ? "executed from" : "keeps page tables at",
                    (unsigned long long)gpa, (unsigned long long)vmcb->save.rip);
        return EXIT_STOP;
    }
    uint8_t bytes[INSN_MAX_LENGTH];
    unsigned n = svm_fetch_instruction(v, bytes);
    struct insn insn;
    enum insn_status st = insn_decode(&insn, bytes, n, cpu_mode(&vmcb->save));
    int rc = MMIO_ERR_UNSUPPORTED;
    struct npf_bus b = { .v = v };
    if (st == INSN_OK) {
        struct mmio_bus bus = { .read = bus_read, .write = bus_write, .ctx = &b,
                                .guest_access = bus_guest_access };
        rc = mmio_emulate(&insn, &v->arch.gprs, &vmcb->save.rflags, &bus, gpa);
    }
    /* A device model serves it (or already has): run it again then, the
     * scheduler keeps the vCPU runnable once the access is done. */
    if (rc < 0 && b.posted)
        return EXIT_BLOCK;
    if (rc < 0) {
        char hex[3 * INSN_MAX_LENGTH + 1];
        log_bytes(hex, sizeof hex, bytes, n);
        domain_kill(v->dom, "vcpu%u: cannot emulate the MMIO access to %#llx at RIP %#llx "
                    "(decode %d, emulate %d; bytes %s)", v->index, (unsigned long long)gpa,
                    (unsigned long long)vmcb->save.rip, st, rc, hex);
        return EXIT_STOP;
    }
    ioreq_instruction_done(v);
    if (rc > 0)
        svm_skip_instruction(v, (unsigned)rc);
    return EXIT_RESUME;
}
