/* SPDX-License-Identifier: GPL-2.0-only */
#include <stdbool.h>
#include <arch/ioapic.h>
#include <arch/trap.h>
#include <skerry/domain.h>
#include <skerry/irq_passthrough.h>
#include <skerry/log.h>
#include <skerry/percpu.h>
#include <skerry/vdev_platform.h>

#define PASSTHROUGH_VECTOR_BASE 0x30
#define MAX_PASSTHROUGH_GSIS    VIOAPIC_NUM_PINS

#define REDIR_VECTOR(e)     ((uint8_t)((e) & 0xFF))
#define REDIR_ACTIVE_LOW(e) (((e) >> 13) & 1)
#define REDIR_LEVEL(e)      (((e) >> 15) & 1)
#define REDIR_MASKED(e)     (((e) >> 16) & 1)

struct passthrough_line {
    bool routed;              /* physical line programmed (unmasked by the owner) */
    bool diverted;            /* to an IRQ handler object instead of the owner */
    bool awaiting_ack;        /* a diverted level line, masked until acknowledged */
    bool level;
    bool in_service;          /* level line delivered, waiting for the owner's EOI */
    uint8_t guest_vector;
    uint64_t count;           /* interrupts taken */
    struct domain *owner;     /* the console, or the domain it was assigned to */
};

static struct domain *console;     /* the lines' owner at boot */
static void (*divert_handler)(unsigned gsi);
static uint64_t kept;
static unsigned nr_lines;
static struct passthrough_line lines[MAX_PASSTHROUGH_GSIS];

static void line_interrupt(struct trap_frame *f)
{
    unsigned gsi = (unsigned)f->vector - PASSTHROUGH_VECTOR_BASE;
    if (gsi >= nr_lines)
        return;
    struct domain *d = lines[gsi].owner;
    if (!d || d->dying)
        return;
    __atomic_add_fetch(&lines[gsi].count, 1, __ATOMIC_RELAXED);
    if (lines[gsi].diverted) {
        if (lines[gsi].level) {
            ioapic_mask_gsi(gsi, true);      /* until the handler's holder acknowledges it */
            lines[gsi].awaiting_ack = true;
        }
        divert_handler(gsi);
        return;
    }
    if (lines[gsi].level) {
        ioapic_mask_gsi(gsi, true);
        lines[gsi].in_service = true;
        vdev_ioapic_set_irq(d, gsi, true);
    } else {
        vdev_ioapic_set_irq(d, gsi, true);
        vdev_ioapic_set_irq(d, gsi, false);
    }
}

void irq_passthrough_init(struct domain *d, uint64_t kept_gsis)
{
    console = d;
    kept = kept_gsis;
    nr_lines = ioapic_nr_gsis();
    if (nr_lines > MAX_PASSTHROUGH_GSIS)
        nr_lines = MAX_PASSTHROUGH_GSIS;
    for (unsigned gsi = 0; gsi < nr_lines; gsi++) {
        lines[gsi].owner = d;
        irq_register((uint8_t)(PASSTHROUGH_VECTOR_BASE + gsi), line_interrupt);
    }
    log_info("dom%u %s: owns IOAPIC lines 0-%u except mask %#llx", d->id, d->name,
             nr_lines - 1, (unsigned long long)kept);
}

void irq_passthrough_sync(struct domain *d)
{
    for (unsigned gsi = 0; gsi < nr_lines; gsi++) {
        if ((kept >> gsi & 1) || lines[gsi].diverted || lines[gsi].owner != d)
            continue;
        uint64_t e = vioapic_redirection(&d->vioapic, gsi);
        struct passthrough_line *l = &lines[gsi];
        bool want = !REDIR_MASKED(e);
        if (!want && !l->routed)
            continue;
        l->level = REDIR_LEVEL(e);
        l->guest_vector = REDIR_VECTOR(e);
        l->routed = want;
        /* The physical line is delivered to the BSP; the vIOAPIC then
         * routes it to whichever console vCPU the entry names. */
        ioapic_route_gsi(gsi, (uint8_t)(PASSTHROUGH_VECTOR_BASE + gsi), pcpus[0].apic_id,
                         l->level, REDIR_ACTIVE_LOW(e), !want || l->in_service);
    }
}

void irq_passthrough_eoi(struct domain *d, uint8_t vector)
{
    for (unsigned gsi = 0; gsi < nr_lines; gsi++)
        if (lines[gsi].owner == d && lines[gsi].in_service && lines[gsi].guest_vector == vector)
            vioapic_set_irq(&d->vioapic, gsi, false);
}

void irq_passthrough_after_eoi(struct domain *d, uint8_t vector)
{
    for (unsigned gsi = 0; gsi < nr_lines; gsi++) {
        struct passthrough_line *l = &lines[gsi];
        if (l->owner == d && l->in_service && l->guest_vector == vector) {
            l->in_service = false;
            if (l->routed)
                ioapic_mask_gsi(gsi, false);
        }
    }
}

bool irq_passthrough_line(unsigned gsi, struct irq_line_info *out)
{
    if (gsi >= nr_lines)
        return false;
    *out = (struct irq_line_info){ .count = __atomic_load_n(&lines[gsi].count, __ATOMIC_RELAXED),
                                   .vector = (uint8_t)(PASSTHROUGH_VECTOR_BASE + gsi),
                                   .routed = lines[gsi].routed, .kept = (kept >> gsi) & 1 };
    return true;
}

/*
 * A line whose interrupts go to handler (an IRQ handler object bound to a
 * notification) instead of the owner's vIOAPIC, programmed with the
 * platform's defaults: ISA lines edge-triggered active high, PCI lines
 * (16 and up) level-triggered active low.  undivert gives it back.
 */
bool irq_passthrough_divert(unsigned gsi, void (*handler)(unsigned gsi))
{
    if (gsi >= nr_lines || (kept >> gsi & 1))
        return false;
    struct passthrough_line *l = &lines[gsi];
    divert_handler = handler;
    l->diverted = true;
    if (l->in_service && l->owner)
        vdev_ioapic_set_irq(l->owner, gsi, false);   /* the owner's pending one is withdrawn */
    l->in_service = false;
    l->level = gsi >= 16;
    ioapic_route_gsi(gsi, (uint8_t)(PASSTHROUGH_VECTOR_BASE + gsi), pcpus[0].apic_id, l->level, l->level,
                     l->awaiting_ack);
    return true;
}

void irq_passthrough_undivert(unsigned gsi)
{
    if (gsi >= nr_lines || !lines[gsi].diverted)
        return;
    lines[gsi].diverted = lines[gsi].awaiting_ack = false;
    lines[gsi].routed = false;
    ioapic_mask_gsi(gsi, true);
    if (lines[gsi].owner)
        irq_passthrough_sync(lines[gsi].owner);   /* as the owner last programmed it */
}

/* Line gsi's interrupts go to d's I/O APIC from now on (the console's
 * again when d is the console, or when d ends). */
bool irq_passthrough_assign(unsigned gsi, struct domain *d)
{
    if (gsi >= nr_lines || (kept >> gsi & 1) || lines[gsi].diverted)
        return false;
    struct passthrough_line *l = &lines[gsi];
    if (l->in_service && l->owner)
        vdev_ioapic_set_irq(l->owner, gsi, false);
    l->in_service = l->routed = false;
    ioapic_mask_gsi(gsi, true);
    l->owner = d;
    irq_passthrough_sync(d);                 /* as d's I/O APIC has it now */
    return true;
}

struct domain *irq_passthrough_line_owner(unsigned gsi)
{
    return gsi < nr_lines ? lines[gsi].owner : NULL;
}

void irq_passthrough_domain_ended(struct domain *d)
{
    for (unsigned gsi = 0; gsi < nr_lines; gsi++)
        if (lines[gsi].owner == d && d != console)
            irq_passthrough_assign(gsi, console);
}

bool irq_passthrough_ack(unsigned gsi)
{
    if (gsi >= nr_lines || !lines[gsi].diverted)
        return false;
    if (lines[gsi].awaiting_ack) {
        lines[gsi].awaiting_ack = false;
        ioapic_mask_gsi(gsi, false);
    }
    return true;
}

struct domain *irq_passthrough_owner(void)
{
    return console;
}
