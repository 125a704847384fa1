/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domains and vCPUs built through capabilities (the way vmware-vmx will
 * build a VM): retype untyped memory into a domain and vCPUs, bind each
 * vCPU to the domain, map frames into its nested page tables, set the
 * registers, start it.
 *
 * The objects live in the untyped memory they were carved from and name
 * the domain by id, never by pointer: a domain can end on its own (a
 * triple fault) while capabilities to it remain, and then they find
 * nothing.  A frame capability records where it is mapped the same way.
 * Ending a domain or freeing one is deferred until the capability lock
 * is dropped (hypercall.c), since freeing takes that lock.
 */
#include <string.h>
#include <arch/npt.h>
#include <arch/svm.h>
#include <arch/svm_exit.h>
#include <arch/vmcb.h>
#include <skerry/domain.h>
#include <skerry/ioreq.h>
#include <skerry/log.h>
#include <skerry/memory.h>
#include <skerry/sched.h>
#include <skerry/vcpu.h>
#include <skerry/vdev_platform.h>
#include <public/skerry/invocations.h>
#include "cap_system.h"

struct vcpu_object {
    struct kobject obj;
    bool bound;
    bool started;
    unsigned domain_id, index;
};

_Static_assert(sizeof(struct domain_object) <= (1u << CAP_DOMAIN_BITS), "a domain object fits its memory");
_Static_assert(sizeof(struct vcpu_object) <= (1u << CAP_DOMAIN_BITS), "a vCPU object fits its memory");

/* Domains to end once the capability lock is dropped. */
#define MAX_PENDING 32
static unsigned pending[MAX_PENDING];
static unsigned nr_pending;

static void defer_release(unsigned id)
{
    if (nr_pending < MAX_PENDING)
        pending[nr_pending++] = id;
    else
        log_warn("dom%u: too many domains ending at once; it is left running", id);
}

unsigned cap_domain_take_pending(unsigned *ids, unsigned max)
{
    unsigned n = nr_pending < max ? nr_pending : max;
    memcpy(ids, pending, n * sizeof ids[0]);
    nr_pending = 0;
    return n;
}

struct kobject *cap_domain_create(unsigned type, uint64_t phys, unsigned bits)
{
    (void)bits;
    if (type == SK_OBJ_IOREQ)
        return ioreq_create(phys);
    if (type == SK_OBJ_VCPU) {
        struct vcpu_object *o = phys_to_virt(phys);
        o->obj.type = SK_OBJ_VCPU;
        return &o->obj;
    }
    const char *why;
    struct domain *d = domain_create_empty("dom", &why);
    if (!d) {
        log_warn("retype into a domain failed: %s", why);
        return NULL;
    }
    struct domain_object *o = phys_to_virt(phys);
    o->obj.type = SK_OBJ_DOMAIN;
    o->domain_id = d->id;
    return &o->obj;
}

void cap_domain_destroy(struct kobject *obj)
{
    if (obj->type == SK_OBJ_DOMAIN)
        defer_release(((struct domain_object *)obj)->domain_id);
    else if (obj->type == SK_OBJ_IOREQ)
        ioreq_destroy(obj);
}

static struct domain *object_domain(const struct cap *c)
{
    return domain_lookup(((const struct domain_object *)c->obj)->domain_id);
}

/* No vCPU of d uses a translation of what was unmapped once this returns. */
static void flush_domain_tlbs(struct domain *d)
{
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        svm_vcpu_flush_tlb(d->vcpus[i]);
}

/* What a frame-like capability maps: a frame, or a channel's shared page. */
static void frame_extent(const struct cap *c, uint64_t *base, uint64_t *size)
{
    if (c->type == SK_OBJ_IOREQ) {
        *base = ioreq_page_phys(c);
        *size = FRAME_SIZE;
    } else {
        *base = c->base;
        *size = 1ull << c->size;
    }
}

static void unmap_frame(struct cap *frame)
{
    struct domain *d = domain_lookup((unsigned)(frame->map_domain - 1));
    uint64_t base, size;
    frame_extent(frame, &base, &size);
    if (d && npt_unmap(&d->arch.npt, frame->map_gpa, size) == 0) {
        d->mapped_bytes -= size;
        flush_domain_tlbs(d);
    }
    frame->map_domain = frame->map_gpa = 0;
}

/* An I/O port capability granted to a domain: the domain's access goes
 * with it (an overlapping grant by another capability goes too: the
 * domain loses access early, never keeps it late). */
static void ungrant_ports(struct cap *io)
{
    struct domain *d = domain_lookup((unsigned)(io->map_domain - 1));
    if (d)
        svm_domain_pass_ports(d, (uint16_t)io->base, (uint32_t)io->size, false);
    io->map_domain = 0;
}

void cap_domain_unmap(struct cap *cap)
{
    if (cap->type == SK_OBJ_IOPORTS)
        ungrant_ports(cap);
    else
        unmap_frame(cap);
}

void cap_domain_finalize(struct cap *cap)
{
    if (cap->type == SK_OBJ_DOMAIN)
        defer_release(((struct domain_object *)cap->obj)->domain_id);
    else if (cap->type == SK_OBJ_IOREQ)
        ioreq_destroy(cap->obj);
    /* A vCPU object has nothing of its own: a bound vCPU goes with its domain. */
}

/* ---- DOMAIN ---- */

static long map_frame(struct domain *d, struct cte *frame_cte, const sk_word_t *a, struct cap_reply *r)
{
    struct cap *f = &frame_cte->cap;
    if (f->type != SK_OBJ_FRAME && f->type != SK_OBJ_IOREQ)
        return cap_fail(r, SK_E_INVALID_CAPABILITY, 0);
    if (a[1] & ~(uint64_t)(SK_RIGHT_READ | SK_RIGHT_WRITE) || !(a[1] & SK_RIGHT_READ))
        return cap_fail(r, SK_E_INVALID_ARGUMENT, 2);
    if ((f->rights & a[1]) != a[1])
        return cap_fail(r, SK_E_INSUFFICIENT_RIGHTS, 0);
    if (f->map_domain)
        return cap_fail(r, SK_E_DELETE_FIRST, 0);       /* this capability maps it already */
    uint64_t base, size, hpa;
    frame_extent(f, &base, &size);
    if (a[0] & (size - 1))
        return cap_fail(r, SK_E_ALIGNMENT, 1);
    if (a[0] >= VDEV_IOAPIC_BASE || size > VDEV_IOAPIC_BASE - a[0])
        return cap_fail(r, SK_E_RANGE, 1);               /* RAM lies below the platform's devices */
    for (uint64_t off = 0; off < size; off += FRAME_SIZE)
        if (npt_lookup(&d->arch.npt, a[0] + off, &hpa, NULL))
            return cap_fail(r, SK_E_DELETE_FIRST, 1);
    unsigned perms = NPT_READ | NPT_EXEC | (a[1] & SK_RIGHT_WRITE ? NPT_WRITE : 0);
    if (npt_map(&d->arch.npt, a[0], base, size, perms) < 0)
        return cap_fail(r, SK_E_NOT_ENOUGH_MEMORY, SK_NO_DETAIL);
    d->mapped_bytes += size;           /* a capability-built domain's RAM */
    f->map_domain = d->id + 1ull;
    f->map_gpa = a[0];
    return SK_OK;
}

long cap_domain_invoke(struct hypercall_ctx *ctx, struct cap *c, uint64_t label, struct cte *const *caps,
                       const sk_word_t *a, struct cap_reply *r)
{
    (void)ctx;
    struct domain *d = object_domain(c);
    if (!d)
        return cap_fail(r, SK_E_INVALID_CAPABILITY, SK_NO_DETAIL);   /* it has ended */
    switch (label) {
    case SK_INV_DOMAIN_INFO:
        r->mr[0] = d->id;
        r->mr[1] = d->nr_vcpus;
        r->mr[2] = domain_ram_bytes(d);
        r->mr[3] = d->dying ? SK_STATE_DYING : d->nr_vcpus_alive ? SK_STATE_RUNNING : SK_STATE_STOPPED;
        return SK_OK;
    case SK_INV_DOMAIN_SET_NAME:
        if (!d->cap_built)
            return cap_fail(r, SK_E_ILLEGAL_OPERATION, SK_NO_DETAIL);
        memset(d->name, 0, sizeof d->name);
        memcpy(d->name, a, sizeof d->name - 1);
        for (size_t i = 0; i < sizeof d->name && d->name[i]; i++)
            if (d->name[i] < 0x21 || d->name[i] > 0x7E)
                d->name[i] = '_';           /* it appears in the log and /proc/vmware */
        return SK_OK;
    case SK_INV_DOMAIN_MAP_FRAME:
        if (d->dying)
            return cap_fail(r, SK_E_ILLEGAL_OPERATION, SK_NO_DETAIL);
        /* The console owns machine memory 1:1: a frame appears where it is. */
        if (d->identity_mapped && caps[0]->cap.type == SK_OBJ_FRAME && a[0] != caps[0]->cap.base)
            return cap_fail(r, SK_E_INVALID_ARGUMENT, 1);
        if (d->identity_mapped && caps[0]->cap.type == SK_OBJ_IOREQ && a[0] != ioreq_page_phys(&caps[0]->cap))
            return cap_fail(r, SK_E_INVALID_ARGUMENT, 1);
        return map_frame(d, caps[0], a, r);
    case SK_INV_DOMAIN_UNMAP_FRAME: {
        struct cap *f = &caps[0]->cap;
        if (f->type != SK_OBJ_FRAME && f->type != SK_OBJ_IOREQ)
            return cap_fail(r, SK_E_INVALID_CAPABILITY, 0);
        if (f->map_domain != d->id + 1ull)
            return cap_fail(r, SK_E_INVALID_ARGUMENT, 0);    /* not mapped here by this capability */
        unmap_frame(f);
        return SK_OK;
    }
    case SK_INV_DOMAIN_DESTROY:
        if (!d->cap_built)
            return cap_fail(r, SK_E_ILLEGAL_OPERATION, SK_NO_DETAIL);
        defer_release(d->id);
        return SK_OK;
    case SK_INV_DOMAIN_GRANT_IOPORTS: {
        struct cap *io = &caps[0]->cap;
        if (io->type != SK_OBJ_IOPORTS)
            return cap_fail(r, SK_E_INVALID_CAPABILITY, 0);
        if (!(io->rights & SK_RIGHT_GRANT))
            return cap_fail(r, SK_E_INSUFFICIENT_RIGHTS, 0);
        if (!d->cap_built || d->dying)
            return cap_fail(r, SK_E_ILLEGAL_OPERATION, SK_NO_DETAIL);   /* the console has its own */
        if (io->map_domain)
            return cap_fail(r, SK_E_DELETE_FIRST, 0);   /* granted already: copy it to grant twice */
        svm_domain_pass_ports(d, (uint16_t)io->base, (uint32_t)io->size, true);
        io->map_domain = d->id + 1ull;
        return SK_OK;
    }
    case SK_INV_DOMAIN_GRANT_MSR:
        if (!d->cap_built || d->dying)
            return cap_fail(r, SK_E_ILLEGAL_OPERATION, SK_NO_DETAIL);
        if (a[0] > 0xFFFFFFFFull)
            return cap_fail(r, SK_E_RANGE, 0);
        if (a[1] & ~(uint64_t)(SK_RIGHT_READ | SK_RIGHT_WRITE))
            return cap_fail(r, SK_E_INVALID_ARGUMENT, 1);
        if (svm_domain_pass_msr(d, (uint32_t)a[0], a[1] & SK_RIGHT_READ, a[1] & SK_RIGHT_WRITE) < 0)
            return cap_fail(r, SK_E_INVALID_ARGUMENT, a[1] & SK_RIGHT_WRITE ? 1 : 0);
        return SK_OK;
    case SK_INV_DOMAIN_ASSIGN_IRQ:
        return cap_irq_assign(d, &caps[0]->cap, r);
    case SK_INV_DOMAIN_SET_IRQ_LINE:
        return cap_irq_set_line(d, a, r);
    case SK_INV_DOMAIN_SEND_MSI:
        return cap_irq_send_msi(d, a, r);
    default:
        return cap_fail(r, SK_E_ILLEGAL_OPERATION, SK_NO_DETAIL);
    }
}

/* ---- VCPU ---- */

static uint64_t *reg_slot(struct vcpu *v, uint64_t reg)
{
    struct vmcb_save *s = &v->arch.vmcb->save;
    switch (reg) {
    case SK_REG_RIP:    return &s->rip;
    case SK_REG_RFLAGS: return &s->rflags;
    case SK_REG_CR0:    return &s->cr0;
    case SK_REG_CR3:    return &s->cr3;
    case SK_REG_CR4:    return &s->cr4;
    case SK_REG_EFER:   return &s->efer;
    default:
        /* SK_REG_* follow x86's order; RSP and RAX enter from here too. */
        return reg <= SK_REG_R15 ? &v->arch.gprs.r[reg] : NULL;
    }
}

/* Not started yet, or stopped and off its CPU: its registers are in memory. */
static bool off_cpu(const struct vcpu_object *o, const struct vcpu *v)
{
    return !o->started || (v->pause_requested && v->state == VCPU_PAUSED);
}

/* Exceptions that push an error code (SDM vol. 3, table 6-1). */
#define ERROR_CODE_EXCEPTIONS ((1u << 8) | (1u << 10) | (1u << 11) | (1u << 12) | (1u << 13) | \
                               (1u << 14) | (1u << 17) | (1u << 21) | (1u << 29) | (1u << 30))
/* Vectors that are not exceptions to inject: NMI (its own type) and the reserved ones. */
#define NOT_INJECTABLE ((1u << 2) | (1u << 9) | (1u << 15) | (0x3Fu << 22) | (1u << 31))

/* An exception, as a debugger would: only into a vCPU that is off its CPU. */
static long inject_exception(const struct vcpu_object *o, struct vcpu *v, const sk_word_t *a,
                             struct cap_reply *r)
{
    if (a[0] > 31 || (NOT_INJECTABLE >> a[0] & 1))
        return cap_fail(r, SK_E_RANGE, 0);
    bool has_error = ERROR_CODE_EXCEPTIONS >> a[0] & 1;
    if (a[2] > 0xFFFFFFFFull || (!has_error && a[2]))
        return cap_fail(r, SK_E_INVALID_ARGUMENT, 2);
    if (!off_cpu(o, v))
        return cap_fail(r, SK_E_BUSY, SK_NO_DETAIL);
    if (v->arch.pending_exception)
        return cap_fail(r, SK_E_DELETE_FIRST, SK_NO_DETAIL);     /* one is queued already */
    svm_inject_exception(v, (uint8_t)a[0], has_error, (uint32_t)a[2]);
    return SK_OK;
}

long cap_vcpu_invoke(struct hypercall_ctx *ctx, struct cap *c, uint64_t label, struct cte *const *caps,
                     const sk_word_t *a, struct cap_reply *r)
{
    (void)ctx;
    struct vcpu_object *o = (struct vcpu_object *)c->obj;
    if (label == SK_INV_VCPU_BIND) {
        if (o->bound)
            return cap_fail(r, SK_E_DELETE_FIRST, SK_NO_DETAIL);
        const struct cap *dc = &caps[0]->cap;
        if (dc->type != SK_OBJ_DOMAIN)
            return cap_fail(r, SK_E_INVALID_CAPABILITY, 0);
        if (!(dc->rights & SK_RIGHT_CONTROL))
            return cap_fail(r, SK_E_INSUFFICIENT_RIGHTS, 0);
        struct domain *d = object_domain(dc);
        if (!d)
            return cap_fail(r, SK_E_INVALID_CAPABILITY, 0);
        if (!d->cap_built || d->dying)
            return cap_fail(r, SK_E_ILLEGAL_OPERATION, 0);
        if (a[0] != d->nr_vcpus || a[0] >= MAX_VCPUS_PER_DOM)
            return cap_fail(r, SK_E_RANGE, 1);                   /* vCPUs are bound in order */
        struct vcpu *v = vcpu_create(d, (unsigned)a[0]);
        if (!v)
            return cap_fail(r, SK_E_NOT_ENOUGH_MEMORY, SK_NO_DETAIL);
        v->state = VCPU_DEAD;            /* to the scheduler, until started */
        d->vcpus[a[0]] = v;
        d->nr_vcpus++;
        *o = (struct vcpu_object){ .obj = o->obj, .bound = true, .domain_id = d->id, .index = (unsigned)a[0] };
        return SK_OK;
    }
    struct domain *d = o->bound ? domain_lookup(o->domain_id) : NULL;
    if (!d)
        return cap_fail(r, SK_E_INVALID_CAPABILITY, SK_NO_DETAIL);  /* unbound, or its domain ended */
    struct vcpu *v = d->vcpus[o->index];
    switch (label) {
    case SK_INV_VCPU_READ_REG:
    case SK_INV_VCPU_WRITE_REG: {
        if (!off_cpu(o, v))
            return cap_fail(r, SK_E_BUSY, SK_NO_DETAIL);          /* its registers are the CPU's */
        uint64_t *slot = reg_slot(v, a[0]);
        if (!slot)
            return cap_fail(r, SK_E_INVALID_ARGUMENT, 0);
        if (label == SK_INV_VCPU_READ_REG) {
            r->mr[0] = *slot;
            return SK_OK;
        }
        /* Control registers change only through long_mode: a bad one would
         * make VMRUN refuse the guest state. */
        if (a[0] >= SK_REG_CR0)
            return cap_fail(r, SK_E_INVALID_ARGUMENT, 0);
        *slot = a[0] == SK_REG_RFLAGS ? (a[1] & 0x3F7FD7ull) | 0x2 : a[1];
        return SK_OK;
    }
    case SK_INV_VCPU_LONG_MODE:
        if (!off_cpu(o, v))
            return cap_fail(r, SK_E_BUSY, SK_NO_DETAIL);
        if (a[1] & 0xFFF || a[1] >> 52)
            return cap_fail(r, SK_E_ALIGNMENT, 1);
        if (a[3] > 0xFFFF || a[3] < 0x1F)
            return cap_fail(r, SK_E_RANGE, 3);                    /* room for its CS 0x10 and DS 0x18 */
        svm_vcpu_set_long_mode(v, a[0], a[1], a[2], (uint16_t)a[3]);
        return SK_OK;
    case SK_INV_VCPU_START:
        if (d->dying)
            return cap_fail(r, SK_E_ILLEGAL_OPERATION, SK_NO_DETAIL);
        if (o->started) {
            if (!v->pause_requested)
                return cap_fail(r, SK_E_BUSY, SK_NO_DETAIL);      /* running already */
            sched_resume(v);
            return SK_OK;
        }
        o->started = true;
        domain_vcpu_started(d);
        sched_add_vcpu(v);
        log_info("dom%u %s: vcpu%u started at RIP %#llx", d->id, d->name, v->index,
                 (unsigned long long)v->arch.vmcb->save.rip);
        return SK_OK;
    case SK_INV_VCPU_START_AP:
        if (d->dying)
            return cap_fail(r, SK_E_ILLEGAL_OPERATION, SK_NO_DETAIL);
        if (o->index == 0)
            return cap_fail(r, SK_E_INVALID_ARGUMENT, SK_NO_DETAIL);  /* the BSP starts with start */
        if (o->started)
            return cap_fail(r, SK_E_BUSY, SK_NO_DETAIL);
        o->started = true;
        domain_vcpu_started(d);
        v->awaiting_sipi = true;            /* the scheduler gets it with the SIPI */
        v->state = VCPU_HALTED;
        log_info("dom%u %s: vcpu%u waits for INIT and SIPI", d->id, d->name, v->index);
        return SK_OK;
    case SK_INV_VCPU_STOP:
        if (!o->started || d->dying)
            return cap_fail(r, SK_E_ILLEGAL_OPERATION, SK_NO_DETAIL);  /* nothing runs */
        sched_pause(v);
        return SK_OK;
    case SK_INV_VCPU_INJECT:
        if (a[1] == SK_EVENT_NMI) {
            vcpu_raise_nmi(v);
            return SK_OK;
        }
        if (a[1] == SK_EVENT_EXCEPTION)
            return inject_exception(o, v, a, r);
        if (a[1] != SK_EVENT_EXTINT)
            return cap_fail(r, SK_E_INVALID_ARGUMENT, 1);
        if (a[0] < 32 || a[0] > 255)
            return cap_fail(r, SK_E_RANGE, 0);
        vcpu_raise_interrupt(v, (uint8_t)a[0], false);
        return SK_OK;
    default:
        return cap_fail(r, SK_E_ILLEGAL_OPERATION, SK_NO_DETAIL);
    }
}
