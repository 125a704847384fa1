/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Virtual local APIC (Intel SDM vol. 3A, chapter "Advanced Programmable
 * Interrupt Controller").  Pure state machine; see skerry/vlapic.h for the
 * contract with the vmkernel glue.
 *
 * Register state is kept in its architectural form and every derived
 * value (PPR, timer current count) is computed when read, so there is no
 * cached state to keep coherent.
 */
#include <skerry/vlapic.h>

#define FIRST_LEGAL_VECTOR      16u
#define X2APIC_BROADCAST        0xFFFFFFFFu
#define XAPIC_BROADCAST         0xFFu
#define DEFAULT_PHYS_ADDR_BITS  52u

/* A periodic timer this far behind restarts from "now" (see vlapic.h). */
#define MAX_MISSED_PERIODS      64u

#define LVT_VECTOR_MASK         0xFFu
#define LVT_MODE_SHIFT          8
#define LVT_TIMER_MODE_MASK     (3u << 17)

#define ICR_VECTOR_MASK         0xFFu
#define ICR_MODE_SHIFT          8
#define ICR_LOGICAL             (1u << 11)
#define ICR_LEVEL_ASSERT        (1u << 14)
#define ICR_TRIGGER_LEVEL       (1u << 15)
#define ICR_SHORTHAND_SHIFT     18
/* Writable ICR low bits: vector, mode, dest mode, level, trigger, shorthand. */
#define ICR_LOW_WRITABLE        0x000CCFFFu
#define XAPIC_ICR_HIGH_WRITABLE 0xFF000000u

#define XAPIC_LDR_WRITABLE      0xFF000000u
#define DFR_RESERVED_ONES       0x0FFFFFFFu
#define DFR_MODEL_FLAT          0xFu
#define DFR_MODEL_CLUSTER       0x0u
/* Vector, software enable and focus-disable (Linux sets bit 9). */
#define SVR_WRITABLE            0x3FFu
#define SVR_RESET               0xFFu
#define DIVIDE_WRITABLE         0xBu

/* Which LVT bits software may write (SDM figure "Local Vector Table"). */
static const uint32_t lvt_writable[VLAPIC_LVT_COUNT] = {
    [VLAPIC_LVT_TIMER]   = 0x000700FFu,   /* vector, mask, timer mode */
    [VLAPIC_LVT_THERMAL] = 0x000107FFu,   /* vector, delivery mode, mask */
    [VLAPIC_LVT_PERF]    = 0x000107FFu,
    [VLAPIC_LVT_LINT0]   = 0x0001A7FFu,   /* + polarity, trigger mode */
    [VLAPIC_LVT_LINT1]   = 0x0001A7FFu,
    [VLAPIC_LVT_ERROR]   = 0x000100FFu,   /* vector, mask */
    [VLAPIC_LVT_CMCI]    = 0x000107FFu,
};

/* ---- small helpers ------------------------------------------------------- */

static bool hw_enabled(const struct vlapic *vl)
{
    return (vl->apic_base & VLAPIC_BASE_EN) != 0;
}

static bool in_x2apic_mode(const struct vlapic *vl)
{
    return (vl->apic_base & VLAPIC_BASE_EXTD) != 0;
}

static bool sw_enabled(const struct vlapic *vl)
{
    return hw_enabled(vl) && (vl->svr & VLAPIC_SVR_ENABLE);
}

static uint64_t add_saturating(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* ---- 256-bit vector maps (IRR, ISR, TMR) --------------------------------- */

static bool vector_test(const uint32_t *map, unsigned vector)
{
    return (map[vector / 32] >> (vector % 32)) & 1u;
}

static void vector_set(uint32_t *map, unsigned vector)
{
    map[vector / 32] |= 1u << (vector % 32);
}

static void vector_clear(uint32_t *map, unsigned vector)
{
    map[vector / 32] &= ~(1u << (vector % 32));
}

/* Highest set vector, or -1 if the map is empty. */
static int vector_highest(const uint32_t *map)
{
    for (int word = 7; word >= 0; word--) {
        if (map[word])
            return word * 32 + 31 - __builtin_clz(map[word]);
    }
    return -1;
}

/* ---- priorities ---------------------------------------------------------- */

static uint32_t compute_ppr(const struct vlapic *vl)
{
    uint32_t tpr = vl->tpr & 0xFFu;
    int isrv = vector_highest(vl->isr);
    uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xF0u;

    return (tpr & 0xF0u) >= isr_class ? tpr : isr_class;
}

int vlapic_highest_deliverable(const struct vlapic *vl)
{
    if (!hw_enabled(vl))
        return -1;
    int vector = vector_highest(vl->irr);
    if (vector < 0 || ((uint32_t)vector & 0xF0u) <= (compute_ppr(vl) & 0xF0u))
        return -1;
    return vector;
}

static void kick_if_deliverable(struct vlapic *vl)
{
    if (vl->ops && vl->ops->kick && vlapic_highest_deliverable(vl) >= 0)
        vl->ops->kick(vl->ctx);
}

/* ---- acceptance, errors, EOI --------------------------------------------- */

static void accept_vector(struct vlapic *vl, uint8_t vector, bool level)
{
    vector_set(vl->irr, vector);
    if (level)
        vector_set(vl->tmr, vector);
    else
        vector_clear(vl->tmr, vector);
}

static bool deliver_lvt_entry(struct vlapic *vl, enum vlapic_lvt lvt);

/*
 * Log errors for the next ESR write to latch.  A newly seen error also
 * raises the LVT error interrupt; if that vector is itself illegal this
 * recurses once to log "received illegal vector", then stops because the
 * bit is no longer new.
 */
static void raise_error(struct vlapic *vl, uint32_t bits)
{
    uint32_t new_bits = bits & ~vl->esr_pending;

    vl->esr_pending |= bits;
    if (new_bits)
        deliver_lvt_entry(vl, VLAPIC_LVT_ERROR);
}

bool vlapic_set_irq(struct vlapic *vl, uint8_t vector, bool level_triggered)
{
    if (!sw_enabled(vl))
        return false;
    if (vector < FIRST_LEGAL_VECTOR) {
        raise_error(vl, VLAPIC_ESR_RECV_ILLEGAL_VECTOR);
        return false;
    }
    accept_vector(vl, vector, level_triggered);
    kick_if_deliverable(vl);
    return true;
}

bool vlapic_ack(struct vlapic *vl, uint8_t vector)
{
    if (!vector_test(vl->irr, vector))
        return false;
    vector_clear(vl->irr, vector);
    vector_set(vl->isr, vector);
    return true;
}

static void process_eoi(struct vlapic *vl)
{
    int vector = vector_highest(vl->isr);

    if (vector < 0)
        return;
    vector_clear(vl->isr, (unsigned)vector);
    if (vector_test(vl->tmr, (unsigned)vector) && vl->ops && vl->ops->eoi_level)
        vl->ops->eoi_level(vl->ctx, (uint8_t)vector);
    kick_if_deliverable(vl);
}

/* ---- local vector table -------------------------------------------------- */

static bool lvt_has_delivery_mode(enum vlapic_lvt lvt)
{
    return lvt != VLAPIC_LVT_TIMER && lvt != VLAPIC_LVT_ERROR;
}

static bool lvt_mode_is_valid(uint32_t mode)
{
    return mode == VLAPIC_DM_FIXED || mode == VLAPIC_DM_SMI ||
           mode == VLAPIC_DM_NMI || mode == VLAPIC_DM_INIT ||
           mode == VLAPIC_DM_EXTINT;
}

static bool deliver_lvt_entry(struct vlapic *vl, enum vlapic_lvt lvt)
{
    uint32_t entry = vl->lvt[lvt];
    uint8_t vector = (uint8_t)(entry & LVT_VECTOR_MASK);
    uint32_t mode = lvt_has_delivery_mode(lvt)
                        ? (entry >> LVT_MODE_SHIFT) & 7u : VLAPIC_DM_FIXED;

    if (!sw_enabled(vl) || (entry & VLAPIC_LVT_MASKED) || !lvt_mode_is_valid(mode))
        return false;
    if (mode != VLAPIC_DM_FIXED) {
        if (vl->ops && vl->ops->local_event)
            vl->ops->local_event(vl->ctx, (enum vlapic_delivery_mode)mode, vector);
        return true;
    }
    if (vector < FIRST_LEGAL_VECTOR) {
        raise_error(vl, VLAPIC_ESR_RECV_ILLEGAL_VECTOR);
        return false;
    }
    accept_vector(vl, vector, false);
    kick_if_deliverable(vl);
    return true;
}

bool vlapic_deliver_lvt(struct vlapic *vl, enum vlapic_lvt lvt)
{
    if ((unsigned)lvt >= VLAPIC_LVT_COUNT)
        return false;
    return deliver_lvt_entry(vl, lvt);
}

/* Register offset -> LVT index, or VLAPIC_LVT_COUNT if not an LVT. */
static enum vlapic_lvt lvt_from_offset(uint32_t reg)
{
    if (reg == VLAPIC_REG_LVT_CMCI)
        return VLAPIC_LVT_CMCI;
    if (reg >= VLAPIC_REG_LVT_TIMER && reg <= VLAPIC_REG_LVT_ERROR)
        return (enum vlapic_lvt)((reg - VLAPIC_REG_LVT_TIMER) >> 4);
    return VLAPIC_LVT_COUNT;
}

static void mask_all_lvts(struct vlapic *vl)
{
    for (unsigned i = 0; i < VLAPIC_LVT_COUNT; i++)
        vl->lvt[i] |= VLAPIC_LVT_MASKED;
}

/* ---- timer ---------------------------------------------------------------
 *
 * One APIC timer count lasts divide * tsc_khz / bus_khz TSC ticks.  To stay
 * exact, durations are handled "scaled": multiplied by bus_khz, so that a
 * count of N is N * divide * tsc_khz scaled ticks, an integer below 2^63
 * (N < 2^32, divide <= 2^7, tsc_khz < 2^24).  The armed expiry is kept as
 * timer_whole + timer_frac / bus_khz; the interrupt fires at the first
 * whole tick not before it.
 */

static uint32_t timer_mode(const struct vlapic *vl)
{
    return vl->lvt[VLAPIC_LVT_TIMER] & LVT_TIMER_MODE_MASK;
}

/* Divide configuration register -> divisor (SDM encoding of bits 3,1:0). */
static uint32_t divide_value(uint32_t config)
{
    uint32_t code = (config & 3u) | ((config >> 1) & 4u);

    return code == 7u ? 1u : 2u << code;
}

static uint64_t scaled_ticks_per_count(const struct vlapic *vl)
{
    return (uint64_t)divide_value(vl->timer_divide_config) * vl->cfg.tsc_khz;
}

static uint64_t counts_to_scaled_ticks(const struct vlapic *vl, uint32_t counts)
{
    return counts * scaled_ticks_per_count(vl);
}

/* Arm the timer to expire `scaled` scaled ticks after whole + frac/bus. */
static void timer_arm_after(struct vlapic *vl, uint64_t whole, uint64_t frac,
                            uint64_t scaled)
{
    uint64_t bus = vl->cfg.bus_khz;

    frac += scaled % bus;
    whole = add_saturating(whole, scaled / bus);
    if (frac >= bus) {
        frac -= bus;
        whole = add_saturating(whole, 1);
    }
    vl->timer_whole = whole;
    vl->timer_frac = frac;
    vl->timer_armed = true;
}

static void timer_start_countdown(struct vlapic *vl, uint32_t counts,
                                  uint64_t now_tsc)
{
    if (counts == 0)
        vl->timer_armed = false;
    else
        timer_arm_after(vl, now_tsc, 0, counts_to_scaled_ticks(vl, counts));
}

static uint64_t timer_fire_tsc(const struct vlapic *vl)
{
    return add_saturating(vl->timer_whole, vl->timer_frac != 0);
}

/* Next period boundary after an expiry: exact, so periods never drift. */
static void timer_reload_periodic(struct vlapic *vl, uint64_t now_tsc)
{
    uint64_t period = counts_to_scaled_ticks(vl, vl->timer_initial);

    for (unsigned missed = 0; now_tsc >= timer_fire_tsc(vl); missed++) {
        if (missed == MAX_MISSED_PERIODS) {
            timer_arm_after(vl, now_tsc, 0, period);
            break;
        }
        timer_arm_after(vl, vl->timer_whole, vl->timer_frac, period);
    }
}

/* Fire the timer if it expired at or before now_tsc. */
static void timer_catch_up(struct vlapic *vl, uint64_t now_tsc)
{
    if (!vl->timer_armed || now_tsc < timer_fire_tsc(vl))
        return;

    switch (timer_mode(vl)) {
    case VLAPIC_LVT_TIMER_PERIODIC:
        timer_reload_periodic(vl, now_tsc);
        break;
    case VLAPIC_LVT_TIMER_TSC_DEADLINE:
        vl->tsc_deadline_msr = 0;    /* SDM: firing clears the MSR */
        vl->timer_armed = false;
        break;
    default:
        vl->timer_armed = false;
        break;
    }
    deliver_lvt_entry(vl, VLAPIC_LVT_TIMER);
}

void vlapic_update(struct vlapic *vl, uint64_t now_tsc)
{
    timer_catch_up(vl, now_tsc);
}

uint64_t vlapic_timer_next_event(const struct vlapic *vl)
{
    if (!vl->timer_armed || !sw_enabled(vl) ||
        (vl->lvt[VLAPIC_LVT_TIMER] & VLAPIC_LVT_MASKED))
        return UINT64_MAX;
    return timer_fire_tsc(vl);
}

/*
 * Counts left, rounded up: the register only drops once a whole count has
 * elapsed.  Callers have run timer_catch_up, so now_tsc is before the
 * firing tick and thus not after timer_whole.
 */
static uint32_t timer_current_count(const struct vlapic *vl, uint64_t now_tsc)
{
    uint64_t bus = vl->cfg.bus_khz;
    uint64_t per_count = scaled_ticks_per_count(vl);

    if (!vl->timer_armed || timer_mode(vl) == VLAPIC_LVT_TIMER_TSC_DEADLINE)
        return 0;
    if (now_tsc > vl->timer_whole)
        return 1;    /* only the fraction of a tick before firing is left */
    uint64_t whole_left = vl->timer_whole - now_tsc;
    if (whole_left > (UINT64_MAX >> 1) / bus)
        return vl->timer_initial;    /* time went backwards; be safe */
    uint64_t counts = (whole_left * bus + vl->timer_frac + per_count - 1) / per_count;
    return counts > vl->timer_initial ? vl->timer_initial : (uint32_t)counts;
}

static void timer_disarm_all(struct vlapic *vl)
{
    vl->timer_armed = false;
    vl->timer_initial = 0;
    vl->tsc_deadline_msr = 0;
}

static void write_timer_initial(struct vlapic *vl, uint32_t value, uint64_t now_tsc)
{
    if (timer_mode(vl) == VLAPIC_LVT_TIMER_TSC_DEADLINE)
        return;    /* SDM: ignored in TSC-deadline mode */
    vl->timer_initial = value;
    timer_start_countdown(vl, value, now_tsc);
}

/* A new divisor applies to the counts still left, from now on. */
static void write_timer_divide(struct vlapic *vl, uint32_t value, uint64_t now_tsc)
{
    uint32_t left = timer_current_count(vl, now_tsc);
    bool counting = vl->timer_armed &&
                    timer_mode(vl) != VLAPIC_LVT_TIMER_TSC_DEADLINE;

    vl->timer_divide_config = value & DIVIDE_WRITABLE;
    if (counting)
        timer_start_countdown(vl, left, now_tsc);
}

static void write_tsc_deadline(struct vlapic *vl, uint64_t value)
{
    if (!hw_enabled(vl) || timer_mode(vl) != VLAPIC_LVT_TIMER_TSC_DEADLINE)
        return;    /* SDM: writes ignored outside TSC-deadline mode */
    vl->tsc_deadline_msr = value;
    vl->timer_armed = value != 0;
    vl->timer_whole = value;
    vl->timer_frac = 0;
}

/* Mode bits 18:17 = 3 is reserved; it is stored as TSC-deadline. */
static uint32_t normalise_lvt_timer(uint32_t value)
{
    if (value & VLAPIC_LVT_TIMER_TSC_DEADLINE)
        value &= ~VLAPIC_LVT_TIMER_PERIODIC;
    return value;
}

static void write_lvt(struct vlapic *vl, enum vlapic_lvt lvt, uint32_t value)
{
    value &= lvt_writable[lvt];
    if (!sw_enabled(vl))
        value |= VLAPIC_LVT_MASKED;    /* SDM: masks stick while disabled */
    if (lvt == VLAPIC_LVT_TIMER) {
        value = normalise_lvt_timer(value);
        if ((value & LVT_TIMER_MODE_MASK) != timer_mode(vl))
            timer_disarm_all(vl);      /* SDM: changing mode disarms */
    }
    vl->lvt[lvt] = value;
}

/* ---- IDs and destinations ------------------------------------------------ */

static uint32_t x2apic_ldr(uint32_t x2apic_id)
{
    return ((x2apic_id >> 4) << 16) | (1u << (x2apic_id & 0xFu));
}

uint32_t vlapic_id(const struct vlapic *vl)
{
    return in_x2apic_mode(vl) ? vl->cfg.apic_id : vl->xapic_id;
}

static bool match_logical_xapic(const struct vlapic *vl, uint32_t dest)
{
    uint32_t logical_id = vl->ldr >> 24;

    switch (vl->dfr >> 28) {
    case DFR_MODEL_FLAT:
        return (dest & logical_id) != 0;
    case DFR_MODEL_CLUSTER:
        return (dest >> 4) == (logical_id >> 4) && (dest & logical_id & 0xFu) != 0;
    default:
        return false;
    }
}

static bool match_logical_x2apic(const struct vlapic *vl, uint32_t dest)
{
    return (dest >> 16) == (vl->ldr >> 16) && (dest & vl->ldr & 0xFFFFu) != 0;
}

bool vlapic_match_destination(const struct vlapic *vl, uint32_t dest,
                              bool logical, bool x2apic_format)
{
    if (!hw_enabled(vl))
        return false;
    if (x2apic_format ? dest == X2APIC_BROADCAST : dest == XAPIC_BROADCAST)
        return true;
    if (!x2apic_format)
        dest &= 0xFFu;
    if (!logical)
        return dest == vlapic_id(vl);
    if (in_x2apic_mode(vl))
        return match_logical_x2apic(vl, dest);
    return match_logical_xapic(vl, dest);
}

bool vlapic_ipi_targets(const struct vlapic *target,
                        const struct vlapic_ipi *ipi, bool target_is_sender)
{
    switch (ipi->shorthand) {
    case VLAPIC_SH_SELF:
        return target_is_sender && hw_enabled(target);
    case VLAPIC_SH_ALL_INCL_SELF:
        return hw_enabled(target);
    case VLAPIC_SH_ALL_EXCL_SELF:
        return !target_is_sender && hw_enabled(target);
    default:
        return vlapic_match_destination(target, ipi->dest, ipi->dest_logical,
                                        ipi->x2apic_format);
    }
}

/* ---- IPIs ---------------------------------------------------------------- */

static struct vlapic_ipi decode_icr(const struct vlapic *vl)
{
    uint32_t low = vl->icr_low;
    struct vlapic_ipi ipi = {
        .source_id = vlapic_id(vl),
        .dest = in_x2apic_mode(vl) ? vl->icr_high : vl->icr_high >> 24,
        .x2apic_format = in_x2apic_mode(vl),
        .dest_logical = (low & ICR_LOGICAL) != 0,
        .shorthand = (enum vlapic_shorthand)((low >> ICR_SHORTHAND_SHIFT) & 3u),
        .delivery_mode = (enum vlapic_delivery_mode)((low >> ICR_MODE_SHIFT) & 7u),
        .vector = (uint8_t)(low & ICR_VECTOR_MASK),
        .level_triggered = (low & ICR_TRIGGER_LEVEL) != 0,
    };
    return ipi;
}

/* Filters what the hardware would not send; logs illegal vectors. */
static bool ipi_is_sendable(struct vlapic *vl, const struct vlapic_ipi *ipi)
{
    switch (ipi->delivery_mode) {
    case VLAPIC_DM_FIXED:
    case VLAPIC_DM_LOWEST:
        if (ipi->vector < FIRST_LEGAL_VECTOR) {
            raise_error(vl, VLAPIC_ESR_SEND_ILLEGAL_VECTOR);
            return false;
        }
        return true;
    case VLAPIC_DM_INIT:
        /* INIT level de-assert: not supported since the Pentium 4. */
        return !(ipi->level_triggered && !(vl->icr_low & ICR_LEVEL_ASSERT));
    case VLAPIC_DM_SMI:
    case VLAPIC_DM_NMI:
    case VLAPIC_DM_SIPI:
        return true;
    default:
        return false;    /* reserved encodings (3, 7) */
    }
}

/* The delivery-status bit (12) is never set: sending completes at once. */
static void write_icr(struct vlapic *vl, uint32_t low, uint32_t high)
{
    vl->icr_low = low & ICR_LOW_WRITABLE;
    vl->icr_high = in_x2apic_mode(vl) ? high : high & XAPIC_ICR_HIGH_WRITABLE;

    struct vlapic_ipi ipi = decode_icr(vl);
    if (ipi_is_sendable(vl, &ipi) && vl->ops && vl->ops->send_ipi)
        vl->ops->send_ipi(vl->ctx, &ipi);
}

static void write_self_ipi(struct vlapic *vl, uint8_t vector)
{
    if (vector < FIRST_LEGAL_VECTOR) {
        raise_error(vl, VLAPIC_ESR_SEND_ILLEGAL_VECTOR);
        return;
    }
    vlapic_set_irq(vl, vector, false);
}

/* ---- register file ------------------------------------------------------- */

static bool in_vector_map(uint32_t reg, uint32_t first)
{
    return reg >= first && reg < first + 8 * 16;
}

/*
 * Read the register at 16-byte aligned `reg`.  Returns false if no
 * readable register lives there in the current mode.
 */
static bool reg_read(struct vlapic *vl, uint32_t reg, uint64_t now_tsc,
                     uint32_t *value)
{
    bool x2 = in_x2apic_mode(vl);
    enum vlapic_lvt lvt = lvt_from_offset(reg);

    if (lvt != VLAPIC_LVT_COUNT) {
        *value = vl->lvt[lvt];
        return true;
    }
    if (in_vector_map(reg, VLAPIC_REG_ISR0)) {
        *value = vl->isr[(reg - VLAPIC_REG_ISR0) >> 4];
        return true;
    }
    if (in_vector_map(reg, VLAPIC_REG_TMR0)) {
        *value = vl->tmr[(reg - VLAPIC_REG_TMR0) >> 4];
        return true;
    }
    if (in_vector_map(reg, VLAPIC_REG_IRR0)) {
        *value = vl->irr[(reg - VLAPIC_REG_IRR0) >> 4];
        return true;
    }

    switch (reg) {
    case VLAPIC_REG_ID:            *value = x2 ? vl->cfg.apic_id
                                               : vl->xapic_id << 24; break;
    case VLAPIC_REG_VERSION:       *value = VLAPIC_VERSION_VALUE; break;
    case VLAPIC_REG_TPR:           *value = vl->tpr; break;
    case VLAPIC_REG_PPR:           *value = compute_ppr(vl); break;
    case VLAPIC_REG_LDR:           *value = vl->ldr; break;
    case VLAPIC_REG_SVR:           *value = vl->svr; break;
    case VLAPIC_REG_ESR:           *value = vl->esr; break;
    case VLAPIC_REG_ICR_LOW:       *value = vl->icr_low; break;
    case VLAPIC_REG_TIMER_INITIAL: *value = vl->timer_initial; break;
    case VLAPIC_REG_TIMER_CURRENT: *value = timer_current_count(vl, now_tsc); break;
    case VLAPIC_REG_TIMER_DIVIDE:  *value = vl->timer_divide_config; break;
    /* xAPIC-only registers; APR, RRD and EOI read as 0 there. */
    case VLAPIC_REG_APR:
    case VLAPIC_REG_RRD:
    case VLAPIC_REG_EOI:           *value = 0; return !x2;
    case VLAPIC_REG_DFR:           *value = vl->dfr; return !x2;
    case VLAPIC_REG_ICR_HIGH:      *value = vl->icr_high; return !x2;
    default:                       return false;
    }
    return true;
}

enum write_result {
    WRITE_DONE,
    WRITE_READ_ONLY,    /* xAPIC: silently ignored; x2APIC: #GP */
    WRITE_RESERVED,     /* xAPIC: ESR illegal register; x2APIC: #GP */
    WRITE_BAD_VALUE,    /* x2APIC only: #GP */
};

static bool is_read_only(uint32_t reg)
{
    return reg == VLAPIC_REG_VERSION || reg == VLAPIC_REG_PPR ||
           reg == VLAPIC_REG_APR || reg == VLAPIC_REG_RRD ||
           reg == VLAPIC_REG_TIMER_CURRENT ||
           in_vector_map(reg, VLAPIC_REG_ISR0) ||
           in_vector_map(reg, VLAPIC_REG_TMR0) ||
           in_vector_map(reg, VLAPIC_REG_IRR0);
}

static void write_svr(struct vlapic *vl, uint32_t value)
{
    vl->svr = value & SVR_WRITABLE;
    if (!(vl->svr & VLAPIC_SVR_ENABLE))
        mask_all_lvts(vl);
    kick_if_deliverable(vl);
}

/* ESR writes latch the errors seen since the previous write. */
static void write_esr(struct vlapic *vl)
{
    vl->esr = vl->esr_pending;
    vl->esr_pending = 0;
}

static void write_tpr(struct vlapic *vl, uint32_t value)
{
    vl->tpr = value & 0xFFu;
    kick_if_deliverable(vl);
}

/*
 * Write the 32-bit register at 16-byte aligned `reg` (not the x2APIC ICR,
 * which is one 64-bit MSR).  Validates before changing anything.
 */
static enum write_result reg_write(struct vlapic *vl, uint32_t reg,
                                   uint32_t value, uint64_t now_tsc)
{
    bool x2 = in_x2apic_mode(vl);
    enum vlapic_lvt lvt = lvt_from_offset(reg);

    if (lvt != VLAPIC_LVT_COUNT) {
        write_lvt(vl, lvt, value);
        return WRITE_DONE;
    }
    if (is_read_only(reg))
        return x2 && (reg == VLAPIC_REG_APR || reg == VLAPIC_REG_RRD)
                   ? WRITE_RESERVED : WRITE_READ_ONLY;

    switch (reg) {
    case VLAPIC_REG_ID:
        if (x2)
            return WRITE_READ_ONLY;
        vl->xapic_id = value >> 24;
        break;
    case VLAPIC_REG_TPR:
        write_tpr(vl, value);
        break;
    case VLAPIC_REG_EOI:
        if (x2 && value != 0)
            return WRITE_BAD_VALUE;
        process_eoi(vl);
        break;
    case VLAPIC_REG_LDR:
        if (x2)
            return WRITE_READ_ONLY;
        vl->ldr = value & XAPIC_LDR_WRITABLE;
        break;
    case VLAPIC_REG_DFR:
        if (x2)
            return WRITE_RESERVED;
        vl->dfr = value | DFR_RESERVED_ONES;
        break;
    case VLAPIC_REG_SVR:
        write_svr(vl, value);
        break;
    case VLAPIC_REG_ESR:
        if (x2 && value != 0)
            return WRITE_BAD_VALUE;
        write_esr(vl);
        break;
    case VLAPIC_REG_ICR_LOW:
        if (x2)
            return WRITE_RESERVED;
        write_icr(vl, value, vl->icr_high);
        break;
    case VLAPIC_REG_ICR_HIGH:
        if (x2)
            return WRITE_RESERVED;
        vl->icr_high = value & XAPIC_ICR_HIGH_WRITABLE;
        break;
    case VLAPIC_REG_TIMER_INITIAL:
        write_timer_initial(vl, value, now_tsc);
        break;
    case VLAPIC_REG_TIMER_DIVIDE:
        write_timer_divide(vl, value, now_tsc);
        break;
    case VLAPIC_REG_SELF_IPI:
        if (!x2)
            return WRITE_RESERVED;
        write_self_ipi(vl, (uint8_t)(value & 0xFFu));
        break;
    default:
        return WRITE_RESERVED;
    }
    return WRITE_DONE;
}

/* ---- xAPIC MMIO ---------------------------------------------------------- */

static bool mmio_decoded(const struct vlapic *vl, uint32_t offset, unsigned size)
{
    return hw_enabled(vl) && !in_x2apic_mode(vl) &&
           offset < VLAPIC_MMIO_SIZE && size <= VLAPIC_MMIO_SIZE - offset;
}

static bool is_aligned_dword(uint32_t offset, unsigned size)
{
    return size == 4 && (offset & 0xFu) == 0;
}

/* Byte `offset` of the page: registers fill bytes 0-3 of their slot. */
static uint8_t mmio_read_byte(struct vlapic *vl, uint32_t offset, uint64_t now_tsc)
{
    uint32_t value;
    uint32_t byte = offset & 0xFu;

    if (byte >= 4 || !reg_read(vl, offset & ~0xFu, now_tsc, &value))
        return 0;
    return (uint8_t)(value >> (8 * byte));
}

uint64_t vlapic_mmio_read(struct vlapic *vl, uint32_t offset, unsigned size,
                          uint64_t now_tsc)
{
    uint64_t result = 0;
    uint32_t unused;

    if ((size != 1 && size != 2 && size != 4 && size != 8) ||
        !mmio_decoded(vl, offset, size))
        return 0;
    timer_catch_up(vl, now_tsc);
    if (is_aligned_dword(offset, size) && !reg_read(vl, offset, now_tsc, &unused))
        raise_error(vl, VLAPIC_ESR_ILLEGAL_REGISTER);
    for (unsigned i = 0; i < size; i++)
        result |= (uint64_t)mmio_read_byte(vl, offset + i, now_tsc) << (8 * i);
    return result;
}

void vlapic_mmio_write(struct vlapic *vl, uint32_t offset, unsigned size,
                       uint32_t value, uint64_t now_tsc)
{
    if (!is_aligned_dword(offset, size) || !mmio_decoded(vl, offset, size))
        return;
    timer_catch_up(vl, now_tsc);
    if (reg_write(vl, offset, value, now_tsc) == WRITE_RESERVED)
        raise_error(vl, VLAPIC_ESR_ILLEGAL_REGISTER);
    timer_catch_up(vl, now_tsc);
}

/* ---- MSRs ---------------------------------------------------------------- */

enum apic_mode { MODE_DISABLED, MODE_XAPIC, MODE_X2APIC, MODE_INVALID };

static enum apic_mode apic_mode_of(uint64_t apic_base)
{
    bool en = apic_base & VLAPIC_BASE_EN, extd = apic_base & VLAPIC_BASE_EXTD;

    if (!en)
        return extd ? MODE_INVALID : MODE_DISABLED;
    return extd ? MODE_X2APIC : MODE_XAPIC;
}

static uint64_t apic_base_reserved_bits(const struct vlapic *vl)
{
    unsigned bits = vl->cfg.phys_addr_bits ? vl->cfg.phys_addr_bits
                                           : DEFAULT_PHYS_ADDR_BITS;
    uint64_t address = (((uint64_t)1 << bits) - 1) & ~(uint64_t)0xFFF;

    return ~(address | VLAPIC_BASE_BSP | VLAPIC_BASE_EXTD | VLAPIC_BASE_EN);
}

/* SDM "x2APIC State Transitions": only these mode changes are legal. */
static bool mode_transition_allowed(enum apic_mode from, enum apic_mode to)
{
    if (to == MODE_INVALID)
        return false;
    if (from == MODE_X2APIC && to == MODE_XAPIC)
        return false;
    if (from == MODE_DISABLED && to == MODE_X2APIC)
        return false;
    return true;
}

static void reset_registers(struct vlapic *vl);

static enum vlapic_status write_apic_base(struct vlapic *vl, uint64_t value)
{
    enum apic_mode from = apic_mode_of(vl->apic_base);
    enum apic_mode to = apic_mode_of(value);

    if ((value & apic_base_reserved_bits(vl)) || !mode_transition_allowed(from, to))
        return VLAPIC_GP;

    /* BSP is read-only: it reflects the configuration. */
    value &= ~VLAPIC_BASE_BSP;
    vl->apic_base = value | (vl->cfg.bsp ? VLAPIC_BASE_BSP : 0);

    if (to == MODE_DISABLED && from != MODE_DISABLED) {
        /* Register state is lost; the xAPIC/x2APIC id survives. */
        reset_registers(vl);
    } else if (to == MODE_X2APIC && from == MODE_XAPIC) {
        /* The hardware id comes back; the logical id is derived from it. */
        vl->xapic_id = vl->cfg.apic_id & 0xFFu;
        vl->ldr = x2apic_ldr(vl->cfg.apic_id);
    }
    return VLAPIC_OK;
}

bool vlapic_handles_msr(uint32_t msr)
{
    return msr == VLAPIC_MSR_APIC_BASE || msr == VLAPIC_MSR_TSC_DEADLINE ||
           (msr >= VLAPIC_MSR_X2APIC_FIRST && msr <= VLAPIC_MSR_X2APIC_LAST);
}

static bool x2apic_msr_accessible(const struct vlapic *vl, uint32_t msr)
{
    return msr >= VLAPIC_MSR_X2APIC_FIRST && msr <= VLAPIC_MSR_X2APIC_LAST &&
           in_x2apic_mode(vl);
}

static uint32_t x2apic_msr_to_reg(uint32_t msr)
{
    return (msr - VLAPIC_MSR_X2APIC_FIRST) << 4;
}

enum vlapic_status vlapic_msr_read(struct vlapic *vl, uint32_t msr,
                                   uint64_t *value, uint64_t now_tsc)
{
    uint32_t reg_value;

    *value = 0;
    timer_catch_up(vl, now_tsc);
    if (msr == VLAPIC_MSR_APIC_BASE) {
        *value = vl->apic_base;
        return VLAPIC_OK;
    }
    if (msr == VLAPIC_MSR_TSC_DEADLINE) {
        if (timer_mode(vl) == VLAPIC_LVT_TIMER_TSC_DEADLINE)
            *value = vl->tsc_deadline_msr;
        return VLAPIC_OK;
    }
    if (!x2apic_msr_accessible(vl, msr))
        return VLAPIC_GP;

    uint32_t reg = x2apic_msr_to_reg(msr);
    if (reg == VLAPIC_REG_ICR_LOW) {
        *value = (uint64_t)vl->icr_high << 32 | vl->icr_low;
        return VLAPIC_OK;
    }
    if (!reg_read(vl, reg, now_tsc, &reg_value))
        return VLAPIC_GP;
    *value = reg_value;
    return VLAPIC_OK;
}

static enum vlapic_status write_x2apic_msr(struct vlapic *vl, uint32_t msr,
                                          uint64_t value, uint64_t now_tsc)
{
    uint32_t reg = x2apic_msr_to_reg(msr);

    if (!x2apic_msr_accessible(vl, msr))
        return VLAPIC_GP;
    if (reg == VLAPIC_REG_ICR_LOW) {
        write_icr(vl, (uint32_t)value, (uint32_t)(value >> 32));
        return VLAPIC_OK;
    }
    if (value >> 32)
        return VLAPIC_GP;    /* bits 63:32 are reserved outside the ICR */
    return reg_write(vl, reg, (uint32_t)value, now_tsc) == WRITE_DONE
               ? VLAPIC_OK : VLAPIC_GP;
}

enum vlapic_status vlapic_msr_write(struct vlapic *vl, uint32_t msr,
                                    uint64_t value, uint64_t now_tsc)
{
    enum vlapic_status status = VLAPIC_OK;

    timer_catch_up(vl, now_tsc);
    if (msr == VLAPIC_MSR_APIC_BASE)
        status = write_apic_base(vl, value);
    else if (msr == VLAPIC_MSR_TSC_DEADLINE)
        write_tsc_deadline(vl, value);
    else
        status = write_x2apic_msr(vl, msr, value, now_tsc);
    timer_catch_up(vl, now_tsc);    /* a deadline in the past fires now */
    return status;
}

/* ---- CR8 and state queries ----------------------------------------------- */

uint8_t vlapic_get_cr8(const struct vlapic *vl)
{
    return (uint8_t)((vl->tpr >> 4) & 0xFu);
}

bool vlapic_set_cr8(struct vlapic *vl, uint64_t value)
{
    if (value > 15)
        return false;
    write_tpr(vl, (uint32_t)value << 4);
    return true;
}

uint8_t vlapic_get_ppr(const struct vlapic *vl)
{
    return (uint8_t)compute_ppr(vl);
}

bool vlapic_enabled(const struct vlapic *vl)
{
    return hw_enabled(vl);
}

bool vlapic_sw_enabled(const struct vlapic *vl)
{
    return sw_enabled(vl);
}

bool vlapic_x2apic_mode(const struct vlapic *vl)
{
    return in_x2apic_mode(vl);
}

uint64_t vlapic_mmio_base(const struct vlapic *vl)
{
    return vl->apic_base & ~(uint64_t)0xFFF & ~apic_base_reserved_bits(vl);
}

/* ---- reset --------------------------------------------------------------- */

/* SDM "Local APIC State After Power-Up or Reset", minus id and APIC_BASE. */
static void reset_registers(struct vlapic *vl)
{
    vl->tpr = 0;
    vl->ldr = in_x2apic_mode(vl) ? x2apic_ldr(vl->cfg.apic_id) : 0;
    vl->dfr = 0xFFFFFFFFu;
    vl->svr = SVR_RESET;
    for (unsigned i = 0; i < 8; i++) {
        vl->isr[i] = 0;
        vl->tmr[i] = 0;
        vl->irr[i] = 0;
    }
    vl->esr = 0;
    vl->esr_pending = 0;
    vl->icr_low = 0;
    vl->icr_high = 0;
    for (unsigned i = 0; i < VLAPIC_LVT_COUNT; i++)
        vl->lvt[i] = VLAPIC_LVT_MASKED;
    vl->timer_divide_config = 0;
    timer_disarm_all(vl);
    vl->timer_whole = 0;
    vl->timer_frac = 0;
}

static bool config_is_valid(const struct vlapic_config *cfg)
{
    return cfg->tsc_khz >= 1 && cfg->tsc_khz <= VLAPIC_MAX_KHZ &&
           cfg->bus_khz >= 1 && cfg->bus_khz <= VLAPIC_MAX_KHZ &&
           cfg->apic_id != X2APIC_BROADCAST &&
           (cfg->phys_addr_bits == 0 ||
            (cfg->phys_addr_bits >= 32 && cfg->phys_addr_bits <= 52));
}

bool vlapic_init(struct vlapic *vl, const struct vlapic_config *cfg,
                 const struct vlapic_ops *ops, void *ctx)
{
    if (!config_is_valid(cfg))
        return false;
    vl->cfg = *cfg;
    vl->ops = ops;
    vl->ctx = ctx;
    vl->apic_base = VLAPIC_DEFAULT_BASE | VLAPIC_BASE_EN |
                    (cfg->bsp ? VLAPIC_BASE_BSP : 0);
    vl->xapic_id = cfg->apic_id & 0xFFu;
    vl->tsc_deadline_msr = 0;
    reset_registers(vl);
    return true;
}

void vlapic_init_signal(struct vlapic *vl)
{
    reset_registers(vl);
}
