/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * I/O-request channels: a device model in another domain (vmware-vmx in
 * the console) serves the port and MMIO ranges it claimed for a domain.
 * An access to one fills the vCPU's slot of the channel's shared page,
 * signals the channel's notification and blocks the vCPU until the model
 * completes it (public/skerry/abi.h describes the protocol).
 *
 * The object is 8 KiB of untyped memory: this header in the first page,
 * the shared page (what the model maps) in the second.  Like the other
 * objects it names its domain by id, and the domain lists its channels,
 * so a channel whose domain ended finds nothing.  Everything here runs
 * under the capability lock (hypercall.c).
 */
#include <string.h>
#include <skerry/domain.h>
#include <skerry/ioreq.h>
#include <skerry/log.h>
#include <skerry/memory.h>
#include <skerry/vcpu.h>
#include <skerry/vdev_platform.h>
#include <public/skerry/invocations.h>
#include "cap_system.h"

#define PAGE 4096u

struct ioreq_range {
    uint8_t space;
    uint64_t first, end;          /* [first, end) */
};

struct ioreq_channel {
    struct kobject obj;
    uint64_t phys;                /* the object's base; its shared page follows */
    bool bound;
    unsigned domain_id;
    struct notification *ntfn;    /* NULL once that notification is gone */
    unsigned nr_ranges;
    struct ioreq_range ranges[SK_IOREQ_MAX_RANGES];
};
_Static_assert(sizeof(struct ioreq_channel) <= PAGE, "a channel's header fits its first page");

/* Live channels, so that a notification's end can be seen by each. */
#define MAX_CHANNELS (MAX_DOMAINS * MAX_IOREQ_PER_DOMAIN)
static struct ioreq_channel *channels[MAX_CHANNELS];

static struct sk_ioreq *shared_slots(const struct ioreq_channel *ch)
{
    return phys_to_virt(ch->phys + PAGE);
}

uint64_t ioreq_page_phys(const struct cap *c)
{
    return ((const struct ioreq_channel *)c->obj)->phys + PAGE;
}

struct kobject *ioreq_create(uint64_t phys)
{
    for (unsigned i = 0; i < MAX_CHANNELS; i++)
        if (!channels[i]) {
            struct ioreq_channel *ch = phys_to_virt(phys);
            ch->obj.type = SK_OBJ_IOREQ;
            ch->phys = phys;
            channels[i] = ch;
            return &ch->obj;
        }
    log_warn("retype into an I/O-request channel failed: %u channels exist", MAX_CHANNELS);
    return NULL;
}

/* The domain ch serves, if it is still there and still lists ch. */
static struct domain *served_domain(const struct ioreq_channel *ch, unsigned *slot)
{
    struct domain *d = ch->bound ? domain_lookup(ch->domain_id) : NULL;
    for (unsigned i = 0; d && i < MAX_IOREQ_PER_DOMAIN; i++)
        if (d->ioreq[i] == ch) {
            if (slot)
                *slot = i;
            return d;
        }
    return NULL;
}

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

/* The pending access of v completes with data (for a read). */
static void finish(struct vcpu *v, uint64_t data)
{
    struct vcpu_ioreq *io = &v->ioreq;
    struct ioreq_access *a = &io->log[io->nr_done];
    if (a->dir == SK_IOREQ_READ)
        a->data = data & size_mask(a->size);
    io->nr_done++;
    io->channel = NULL;
    __atomic_store_n(&io->pending, false, __ATOMIC_RELEASE);
    vcpu_kick(v);
}

void ioreq_destroy(struct kobject *obj)
{
    struct ioreq_channel *ch = (struct ioreq_channel *)obj;
    unsigned slot;
    struct domain *d = served_domain(ch, &slot);
    if (d) {
        d->ioreq[slot] = NULL;
        /* Accesses it had not served end as unassigned ones. */
        for (unsigned i = 0; i < d->nr_vcpus; i++)
            if (d->vcpus[i] && d->vcpus[i]->ioreq.pending && d->vcpus[i]->ioreq.channel == ch)
                finish(d->vcpus[i], ~0ull);
    }
    for (unsigned i = 0; i < MAX_CHANNELS; i++)
        if (channels[i] == ch)
            channels[i] = NULL;
}

void ioreq_notification_gone(const struct notification *n)
{
    for (unsigned i = 0; i < MAX_CHANNELS; i++)
        if (channels[i] && channels[i]->ntfn == n)
            channels[i]->ntfn = NULL;
}

/* ---- invocations ---- */

static long bind(struct ioreq_channel *ch, struct cte *const *caps, struct cap_reply *r)
{
    const struct cap *dc = &caps[0]->cap, *nc = &caps[1]->cap;
    if (dc->type != SK_OBJ_DOMAIN)
        return cap_fail(r, SK_E_INVALID_CAPABILITY, 0);
    if (nc->type != SK_OBJ_NOTIFICATION)
        return cap_fail(r, SK_E_INVALID_CAPABILITY, 1);
    if (!(dc->rights & SK_RIGHT_CONTROL))
        return cap_fail(r, SK_E_INSUFFICIENT_RIGHTS, 0);
    if (!(nc->rights & SK_RIGHT_WRITE))
        return cap_fail(r, SK_E_INSUFFICIENT_RIGHTS, 1);
    if (ch->bound)
        return cap_fail(r, SK_E_DELETE_FIRST, SK_NO_DETAIL);      /* a channel serves one domain */
    struct domain *d = domain_lookup(((const struct domain_object *)dc->obj)->domain_id);
    if (!d)
        return cap_fail(r, SK_E_INVALID_CAPABILITY, 0);
    if (!d->cap_built || d->dying)
        return cap_fail(r, SK_E_ILLEGAL_OPERATION, 0);
    for (unsigned i = 0; i < MAX_IOREQ_PER_DOMAIN; i++)
        if (!d->ioreq[i]) {
            d->ioreq[i] = ch;
            ch->bound = true;
            ch->domain_id = d->id;
            ch->ntfn = (struct notification *)nc->obj;
            return SK_OK;
        }
    return cap_fail(r, SK_E_NOT_ENOUGH_MEMORY, 0);                /* it has all it may have */
}

static bool overlaps(const struct domain *d, unsigned space, uint64_t first, uint64_t end)
{
    for (unsigned i = 0; i < MAX_IOREQ_PER_DOMAIN; i++) {
        const struct ioreq_channel *ch = d->ioreq[i];
        for (unsigned k = 0; ch && k < ch->nr_ranges; k++)
            if (ch->ranges[k].space == space && first < ch->ranges[k].end && ch->ranges[k].first < end)
                return true;
    }
    return false;
}

#define MMIO_LOW_END   VDEV_IOAPIC_BASE      /* the platform's own devices start here */
#define MMIO_HIGH_BASE (1ull << 32)
#define MMIO_HIGH_END  (1ull << 48)

static long add_range(struct ioreq_channel *ch, const sk_word_t *a, struct cap_reply *r)
{
    struct domain *d = served_domain(ch, NULL);
    if (!d)
        return cap_fail(r, SK_E_ILLEGAL_OPERATION, SK_NO_DETAIL);  /* bind it first */
    uint64_t first = a[1], count = a[2];
    if (a[0] == SK_IOREQ_PIO) {
        if (count == 0 || first > 0xFFFF || count > 0x10000 - first)
            return cap_fail(r, SK_E_RANGE, count == 0 || first <= 0xFFFF ? 2 : 1);
    } else if (a[0] == SK_IOREQ_MMIO) {
        if ((first | count) & (PAGE - 1))
            return cap_fail(r, SK_E_ALIGNMENT, first & (PAGE - 1) ? 1 : 2);
        bool low = first < MMIO_LOW_END && count && count <= MMIO_LOW_END - first;
        bool high = first >= MMIO_HIGH_BASE && first < MMIO_HIGH_END && count && count <= MMIO_HIGH_END - first;
        if (!low && !high)
            return cap_fail(r, SK_E_RANGE, 1);
    } else if (a[0] == SK_IOREQ_BACKDOOR) {
        if (count == 0 || first > 0xFFFF || count > 0x10000 - first)
            return cap_fail(r, SK_E_RANGE, count == 0 || first <= 0xFFFF ? 2 : 1);
    } else {
        return cap_fail(r, SK_E_INVALID_ARGUMENT, 0);
    }
    if (overlaps(d, (unsigned)a[0], first, first + count))
        return cap_fail(r, SK_E_DELETE_FIRST, 1);                  /* claimed already */
    if (ch->nr_ranges == SK_IOREQ_MAX_RANGES)
        return cap_fail(r, SK_E_NOT_ENOUGH_MEMORY, SK_NO_DETAIL);
    ch->ranges[ch->nr_ranges++] = (struct ioreq_range){ (uint8_t)a[0], first, first + count };
    return SK_OK;
}

static long complete(struct ioreq_channel *ch, const sk_word_t *a, struct cap_reply *r)
{
    struct domain *d = served_domain(ch, NULL);
    if (!d)
        return cap_fail(r, SK_E_ILLEGAL_OPERATION, SK_NO_DETAIL);
    if (a[0] >= d->nr_vcpus || !d->vcpus[a[0]])
        return cap_fail(r, SK_E_RANGE, 0);
    struct vcpu *v = d->vcpus[a[0]];
    if (!v->ioreq.pending || v->ioreq.channel != ch)
        return cap_fail(r, SK_E_ILLEGAL_OPERATION, 0);             /* nothing of ours pending */
    struct sk_ioreq *slot = &shared_slots(ch)[a[0]];
    uint64_t data = slot->data;        /* read once: the model may still write it */
    if (v->ioreq.log[v->ioreq.nr_done].space == SK_IOREQ_BACKDOOR)
        memcpy(v->ioreq.bdoor_regs, slot->regs, sizeof v->ioreq.bdoor_regs);
    slot->state = SK_IOREQ_IDLE;
    finish(v, data);
    return SK_OK;
}

long ioreq_invoke(struct cap *c, uint64_t label, struct cte *const *caps, const sk_word_t *a,
                  struct cap_reply *r)
{
    struct ioreq_channel *ch = (struct ioreq_channel *)c->obj;
    switch (label) {
    case SK_INV_IOREQ_BIND:
        return bind(ch, caps, r);
    case SK_INV_IOREQ_ADD_RANGE:
        return add_range(ch, a, r);
    case SK_INV_IOREQ_COMPLETE:
        return complete(ch, a, r);
    case SK_INV_IOREQ_INFO: {
        struct domain *d = served_domain(ch, NULL);
        uint64_t pending = 0;
        for (unsigned i = 0; d && i < d->nr_vcpus; i++)
            if (d->vcpus[i] && d->vcpus[i]->ioreq.pending && d->vcpus[i]->ioreq.channel == ch)
                pending |= 1ull << i;
        r->mr[0] = ch->phys + PAGE;
        r->mr[1] = d ? d->id : SK_NO_DETAIL;
        r->mr[2] = ch->nr_ranges;
        r->mr[3] = pending;
        return SK_OK;
    }
    default:
        return cap_fail(r, SK_E_ILLEGAL_OPERATION, SK_NO_DETAIL);
    }
}

/* ---- a vCPU's access ---- */

static struct ioreq_channel *claimant(const struct domain *d, unsigned space, uint64_t addr, unsigned size)
{
    for (unsigned i = 0; i < MAX_IOREQ_PER_DOMAIN; i++) {
        struct ioreq_channel *ch = d->ioreq[i];
        for (unsigned k = 0; ch && k < ch->nr_ranges; k++)
            if (ch->ranges[k].space == space && addr >= ch->ranges[k].first && addr < ch->ranges[k].end) {
                if (space != SK_IOREQ_BACKDOOR && addr + size > ch->ranges[k].end)
                    return NULL;          /* straddles the end: unassigned, as on a real bus */
                return ch;
            }
    }
    return NULL;
}

/* Post an access to its model, or replay it once completed; regs only
 * for a backdoor call. */
static enum ioreq_outcome post_or_replay(struct vcpu *v, unsigned space, unsigned dir, uint64_t addr,
                                         unsigned size, uint64_t *data, const uint32_t *regs)
{
    struct vcpu_ioreq *io = &v->ioreq;
    struct ioreq_channel *ch = claimant(v->dom, space, addr, size);
    if (!ch)
        return IOREQ_UNCLAIMED;
    if (io->pending)
        return IOREQ_WAIT;                /* not completed yet (a spurious wake-up) */
    unsigned k = io->next++;
    if (k < io->nr_done) {
        const struct ioreq_access *done = &io->log[k];
        if (done->space == space && done->dir == dir && done->addr == addr && done->size == size) {
            if (dir == SK_IOREQ_READ)
                *data = done->data;
            return IOREQ_DONE;
        }
        /* Not the instruction that made them: start afresh. */
        io->nr_done = 0;
        k = 0;
        io->next = 1;
    }
    if (k >= IOREQ_LOG_MAX || !ch->ntfn) {
        if (k >= IOREQ_LOG_MAX)
            log_warn("dom%u vcpu%u: more than %u device-model accesses in one instruction; "
                     "treated as unassigned", v->dom->id, v->index, IOREQ_LOG_MAX);
        return IOREQ_UNCLAIMED;           /* no model listens: unassigned */
    }
    uint64_t value = dir == SK_IOREQ_WRITE ? *data & size_mask(size) : 0;
    io->log[k] = (struct ioreq_access){ (uint8_t)space, (uint8_t)dir, (uint8_t)size, addr, value };
    io->nr_done = k;
    io->channel = ch;
    struct sk_ioreq *slot = &shared_slots(ch)[v->index];
    slot->addr = addr;
    slot->data = value;
    slot->space = (uint8_t)space;
    slot->dir = (uint8_t)dir;
    slot->size = (uint8_t)size;
    slot->vcpu = (uint8_t)v->index;
    if (regs) {
        memcpy(slot->regs, regs, sizeof slot->regs);
        /* Until the model answers: what a backdoor without the command says. */
        memcpy(io->bdoor_regs, regs, sizeof io->bdoor_regs);
        io->bdoor_regs[SK_BDOOR_EAX] = 0xFFFFFFFFu;
    }
    slot->seq++;
    __atomic_store_n(&slot->state, SK_IOREQ_PENDING, __ATOMIC_RELEASE);
    __atomic_store_n(&io->pending, true, __ATOMIC_RELEASE);
    ch->ntfn->bits |= 1ull << v->index;
    hypercall_notify(ch->ntfn);
    return IOREQ_WAIT;
}

enum ioreq_outcome ioreq_access(struct vcpu *v, unsigned space, unsigned dir, uint64_t addr, unsigned size,
                                uint64_t *data)
{
    return post_or_replay(v, space, dir, addr, size, data, NULL);
}

enum ioreq_outcome ioreq_backdoor(struct vcpu *v, uint32_t regs[6])
{
    uint64_t unused = 0;
    uint64_t command = regs[SK_BDOOR_ECX] & 0xFFFF;
    enum ioreq_outcome o = post_or_replay(v, SK_IOREQ_BACKDOOR, SK_IOREQ_READ, command, 4, &unused, regs);
    if (o == IOREQ_DONE)
        memcpy(regs, v->ioreq.bdoor_regs, sizeof v->ioreq.bdoor_regs);
    return o;
}
