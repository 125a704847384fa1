/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vCPUs and their virtual local APICs.  A vLAPIC is touched by its own
 * vCPU's exits and by other vCPUs sending it interrupts, so it is guarded
 * by lapic_lock.  Work the vLAPIC requests while locked (IPIs, EOIs of
 * level-triggered vectors) is queued and done after the lock is dropped,
 * so that no CPU ever holds two vLAPIC locks.
 */
#include <string.h>
#include <arch/cpu.h>
#include <arch/lapic.h>
#include <arch/svm.h>
#include <skerry/domain.h>
#include <skerry/log.h>
#include <skerry/memory.h>
#include <skerry/percpu.h>
#include <skerry/sched.h>
#include <skerry/time.h>
#include <skerry/vcpu.h>
#include <skerry/vdev_platform.h>

#define VCPU_FRAMES ((sizeof(struct vcpu) + FRAME_SIZE - 1) / FRAME_SIZE)

static unsigned next_world_id = 1;

static void queue_ipi(void *ctx, const struct vlapic_ipi *ipi)
{
    struct vcpu *v = ctx;
    if (v->nr_ipi_outbox < sizeof v->ipi_outbox / sizeof v->ipi_outbox[0])
        v->ipi_outbox[v->nr_ipi_outbox++] = *ipi;
    else
        log_warn("%s vcpu%u: IPI outbox full, IPI to %#x dropped", v->dom->name, v->index,
                 ipi->dest);
}

static void queue_eoi(void *ctx, uint8_t vector)
{
    struct vcpu *v = ctx;
    if (v->nr_eoi_outbox < sizeof v->eoi_outbox)
        v->eoi_outbox[v->nr_eoi_outbox++] = vector;
}

static void local_event(void *ctx, enum vlapic_delivery_mode mode, uint8_t vector)
{
    struct vcpu *v = ctx;
    if (mode == VLAPIC_DM_NMI)
        v->nmi_pending = true;
    else
        log_debug("%s vcpu%u: local APIC event mode %d vector %u ignored", v->dom->name,
                  v->index, mode, vector);
}

static const struct vlapic_ops vcpu_vlapic_ops = {
    .send_ipi = queue_ipi,
    .eoi_level = queue_eoi,
    .kick = NULL,                 /* injection is re-evaluated before every entry */
    .local_event = local_event,
};

static void vcpu_init_signal(struct vcpu *t);
static void vcpu_startup_signal(struct vcpu *t, uint8_t vector);

static void deliver_ipi(struct vcpu *from, const struct vlapic_ipi *ipi)
{
    struct domain *d = from->dom;
    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *t = d->vcpus[i];
        if (!t || !vlapic_ipi_targets(&t->vlapic, ipi, t == from))
            continue;
        switch (ipi->delivery_mode) {
        case VLAPIC_DM_FIXED:
        case VLAPIC_DM_LOWEST:
            vcpu_raise_interrupt(t, ipi->vector, ipi->level_triggered);
            break;
        case VLAPIC_DM_NMI:
            vcpu_raise_nmi(t);
            break;
        case VLAPIC_DM_INIT:
            vcpu_init_signal(t);
            break;
        case VLAPIC_DM_SIPI:
            vcpu_startup_signal(t, ipi->vector);
            break;
        default:
            log_warn("%s vcpu%u: IPI delivery mode %d to vcpu%u not supported yet",
                     d->name, from->index, ipi->delivery_mode, t->index);
            break;
        }
    }
}

/*
 * INIT and SIPI start an application processor the architectural way: a
 * vCPU created "waiting for SIPI" sits outside the scheduler until an INIT
 * then a STARTUP IPI arrive, and then starts in real mode at vector * 4 KiB.
 * An INIT to a vCPU that already runs is not supported yet.
 */
static void vcpu_init_signal(struct vcpu *t)
{
    if (!t->awaiting_sipi) {
        log_warn("%s vcpu%u: INIT to a running vCPU is not supported; ignored", t->dom->name,
                 t->index);
        return;
    }
    uint64_t flags = spin_lock_irqsave(&t->lapic_lock);
    vlapic_init_signal(&t->vlapic);
    t->init_received = true;
    spin_unlock_irqrestore(&t->lapic_lock, flags);
}

static void vcpu_startup_signal(struct vcpu *t, uint8_t vector)
{
    if (!__atomic_exchange_n(&t->init_received, false, __ATOMIC_ACQ_REL) || !t->awaiting_sipi)
        return;                        /* SIPI without INIT, or a second SIPI: ignored */
    t->awaiting_sipi = false;
    svm_vcpu_set_real_mode(t, vector);
    log_info("%s vcpu%u: started by SIPI at %#x", t->dom->name, t->index, vector << 12);
    sched_add_vcpu(t);
}

/* Called with lapic_lock released. */
static void flush_outbox(struct vcpu *v)
{
    while (v->nr_ipi_outbox || v->nr_eoi_outbox) {
        uint64_t flags = spin_lock_irqsave(&v->lapic_lock);
        struct vlapic_ipi ipis[4];
        uint8_t eois[4];
        unsigned nipi = v->nr_ipi_outbox, neoi = v->nr_eoi_outbox;
        memcpy(ipis, v->ipi_outbox, nipi * sizeof ipis[0]);
        memcpy(eois, v->eoi_outbox, neoi);
        v->nr_ipi_outbox = v->nr_eoi_outbox = 0;
        spin_unlock_irqrestore(&v->lapic_lock, flags);
        for (unsigned i = 0; i < nipi; i++)
            deliver_ipi(v, &ipis[i]);
        for (unsigned i = 0; i < neoi; i++)
            vdev_ioapic_eoi(v->dom, eois[i]);
    }
}

struct vcpu *vcpu_create(struct domain *d, unsigned index)
{
    /* Whole frames: the FXSAVE area inside must be 16-byte aligned. */
    struct vcpu *v = frames_alloc(VCPU_FRAMES);
    if (!v)
        return NULL;
    v->dom = d;
    v->index = index;
    v->world_id = __atomic_fetch_add(&next_world_id, 1, __ATOMIC_RELAXED);
    v->running_on = -1;
    v->state = VCPU_RUNNABLE;
    spinlock_t unlocked = SPINLOCK_INIT;
    v->lapic_lock = unlocked;
    struct vlapic_config cfg = {
        .apic_id = index,
        .tsc_khz = (uint32_t)time_tsc_khz(),
        .bus_khz = VDEV_APIC_BUS_KHZ,
        .bsp = index == 0,
    };
    if (!vlapic_init(&v->vlapic, &cfg, &vcpu_vlapic_ops, v) || svm_vcpu_init(v) < 0) {
        frames_free(v, VCPU_FRAMES);
        return NULL;
    }
    return v;
}

void vcpu_destroy(struct vcpu *v)
{
    svm_vcpu_destroy(v);
    frames_free(v, VCPU_FRAMES);
}

void vcpu_update_timers(struct vcpu *v)
{
    uint64_t flags = spin_lock_irqsave(&v->lapic_lock);
    vlapic_update(&v->vlapic, rdtsc());
    spin_unlock_irqrestore(&v->lapic_lock, flags);
    flush_outbox(v);
}

uint64_t vcpu_timer_deadline_ns(struct vcpu *v)
{
    uint64_t tsc = vlapic_timer_next_event(&v->vlapic);
    return tsc == UINT64_MAX ? UINT64_MAX : time_tsc_to_ns(tsc);
}

void vcpu_raise_interrupt(struct vcpu *v, uint8_t vector, bool level)
{
    uint64_t flags = spin_lock_irqsave(&v->lapic_lock);
    vlapic_set_irq(&v->vlapic, vector, level);
    spin_unlock_irqrestore(&v->lapic_lock, flags);
    vcpu_kick(v);
}

void vcpu_raise_nmi(struct vcpu *v)
{
    __atomic_store_n(&v->nmi_pending, true, __ATOMIC_RELEASE);
    vcpu_kick(v);
}

int vcpu_pending_interrupt(struct vcpu *v)
{
    uint64_t flags = spin_lock_irqsave(&v->lapic_lock);
    int vec = vlapic_highest_deliverable(&v->vlapic);
    spin_unlock_irqrestore(&v->lapic_lock, flags);
    return vec;
}

void vcpu_ack_interrupt(struct vcpu *v, uint8_t vector)
{
    uint64_t flags = spin_lock_irqsave(&v->lapic_lock);
    vlapic_ack(&v->vlapic, vector);
    spin_unlock_irqrestore(&v->lapic_lock, flags);
}

bool vcpu_has_wake_event(struct vcpu *v)
{
    /* An access a device model serves ends only with its completion. */
    if (__atomic_load_n(&v->ioreq.pending, __ATOMIC_ACQUIRE))
        return false;
    if (v->ioreq.nr_done)
        return true;
    /* A maskable interrupt ends HLT only if the guest has IF set (SDM: HLT). */
    bool if_set = (v->arch.vmcb->save.rflags & RFLAGS_IF) != 0;
    /* A notification wait ends when the notification has bits (the
     * object's memory stays mapped, so a stale read only wakes early). */
    struct notification *n = __atomic_load_n(&v->waiting_on, __ATOMIC_ACQUIRE);
    if (n && __atomic_load_n(&n->bits, __ATOMIC_RELAXED))
        return true;
    return v->nmi_pending || (if_set && vcpu_pending_interrupt(v) >= 0);
}

void vcpu_kick(struct vcpu *v)
{
    sched_kick(v);
}

uint64_t vcpu_lapic_mmio_read(struct vcpu *v, uint32_t offset, unsigned size)
{
    uint64_t flags = spin_lock_irqsave(&v->lapic_lock);
    uint64_t val = vlapic_mmio_read(&v->vlapic, offset, size, rdtsc());
    spin_unlock_irqrestore(&v->lapic_lock, flags);
    flush_outbox(v);
    return val;
}

void vcpu_lapic_mmio_write(struct vcpu *v, uint32_t offset, unsigned size, uint32_t value)
{
    uint64_t flags = spin_lock_irqsave(&v->lapic_lock);
    vlapic_mmio_write(&v->vlapic, offset, size, value, rdtsc());
    spin_unlock_irqrestore(&v->lapic_lock, flags);
    flush_outbox(v);
}

int vcpu_lapic_msr_read(struct vcpu *v, uint32_t msr, uint64_t *value)
{
    uint64_t flags = spin_lock_irqsave(&v->lapic_lock);
    enum vlapic_status st = vlapic_msr_read(&v->vlapic, msr, value, rdtsc());
    spin_unlock_irqrestore(&v->lapic_lock, flags);
    flush_outbox(v);
    return st == VLAPIC_OK ? 0 : -1;
}

int vcpu_lapic_msr_write(struct vcpu *v, uint32_t msr, uint64_t value)
{
    uint64_t flags = spin_lock_irqsave(&v->lapic_lock);
    enum vlapic_status st = vlapic_msr_write(&v->vlapic, msr, value, rdtsc());
    spin_unlock_irqrestore(&v->lapic_lock, flags);
    flush_outbox(v);
    return st == VLAPIC_OK ? 0 : -1;
}

void vcpu_lapic_sync_cr8(struct vcpu *v, uint8_t tpr)
{
    uint64_t flags = spin_lock_irqsave(&v->lapic_lock);
    if (vlapic_get_cr8(&v->vlapic) != tpr)
        vlapic_set_cr8(&v->vlapic, tpr);
    spin_unlock_irqrestore(&v->lapic_lock, flags);
}

uint8_t vcpu_lapic_cr8(struct vcpu *v)
{
    return vlapic_get_cr8(&v->vlapic);
}
