/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Virtual local APIC: a pure device model (no hardware access, no global
 * state, no locking).  The vmkernel owns one struct vlapic per vCPU,
 * serialises every call on it, and glues it to the machine:
 *
 *   - guest accesses: xAPIC MMIO -> vlapic_mmio_read/write,
 *     RDMSR/WRMSR of 0x1B, 0x6E0, 0x800-0x8FF -> vlapic_msr_read/write
 *     (a VLAPIC_GP result means "inject #GP(0)");
 *   - interrupts into this vCPU: vlapic_set_irq() for Fixed/LowestPrio,
 *     the glue's own NMI/INIT/SIPI handling for the rest;
 *   - injection: vlapic_highest_deliverable() then vlapic_ack() once the
 *     vector has been put into the VMCB;
 *   - CR8 / V_TPR: vlapic_get_cr8() / vlapic_set_cr8();
 *   - timer: before resuming the guest, program a host timer for
 *     vlapic_timer_next_event(); when it expires call vlapic_update().
 *
 * Time base: every time stamp is a value of the guest's TSC (host TSC plus
 * the VMCB TSC offset), in ticks.  Functions that need the time take it as
 * `now_tsc`; time must not go backwards between calls.
 *
 * All state lives in struct vlapic; treat its fields as private.
 */
#ifndef SKERRY_VLAPIC_H
#define SKERRY_VLAPIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* MSR numbers handled by vlapic_msr_read/write (see vlapic_handles_msr). */
#define VLAPIC_MSR_APIC_BASE     0x01Bu
#define VLAPIC_MSR_TSC_DEADLINE  0x6E0u
#define VLAPIC_MSR_X2APIC_FIRST  0x800u   /* x2APIC MSR = 0x800 + offset/16 */
#define VLAPIC_MSR_X2APIC_LAST   0x8FFu

/* IA32_APIC_BASE fields. */
#define VLAPIC_BASE_BSP          (1ull << 8)
#define VLAPIC_BASE_EXTD         (1ull << 10)   /* x2APIC enable */
#define VLAPIC_BASE_EN           (1ull << 11)   /* global (hardware) enable */
#define VLAPIC_DEFAULT_BASE      0xFEE00000ull
#define VLAPIC_MMIO_SIZE         0x1000u

/* Register offsets in the xAPIC page (x2APIC MSR = 0x800 + offset / 16). */
#define VLAPIC_REG_ID            0x020u
#define VLAPIC_REG_VERSION       0x030u
#define VLAPIC_REG_TPR           0x080u
#define VLAPIC_REG_APR           0x090u
#define VLAPIC_REG_PPR           0x0A0u
#define VLAPIC_REG_EOI           0x0B0u
#define VLAPIC_REG_RRD           0x0C0u
#define VLAPIC_REG_LDR           0x0D0u
#define VLAPIC_REG_DFR           0x0E0u
#define VLAPIC_REG_SVR           0x0F0u
#define VLAPIC_REG_ISR0          0x100u   /* ISR0..7 at 0x100 + 16 * i */
#define VLAPIC_REG_TMR0          0x180u
#define VLAPIC_REG_IRR0          0x200u
#define VLAPIC_REG_ESR           0x280u
#define VLAPIC_REG_LVT_CMCI      0x2F0u
#define VLAPIC_REG_ICR_LOW       0x300u
#define VLAPIC_REG_ICR_HIGH      0x310u   /* xAPIC only */
#define VLAPIC_REG_LVT_TIMER     0x320u
#define VLAPIC_REG_LVT_THERMAL   0x330u
#define VLAPIC_REG_LVT_PERF      0x340u
#define VLAPIC_REG_LVT_LINT0     0x350u
#define VLAPIC_REG_LVT_LINT1     0x360u
#define VLAPIC_REG_LVT_ERROR     0x370u
#define VLAPIC_REG_TIMER_INITIAL 0x380u
#define VLAPIC_REG_TIMER_CURRENT 0x390u
#define VLAPIC_REG_TIMER_DIVIDE  0x3E0u
#define VLAPIC_REG_SELF_IPI      0x3F0u   /* x2APIC only */

/*
 * Version register: version 0x14, max LVT entry 5 (timer..error).  The CMCI
 * LVT register is implemented anyway, as plain storage that only fires
 * through vlapic_deliver_lvt(), so a guest probing it does not fault.
 */
#define VLAPIC_VERSION_VALUE     0x00050014u

/* SVR bits. */
#define VLAPIC_SVR_ENABLE        (1u << 8)

/* LVT bits. */
#define VLAPIC_LVT_MASKED        (1u << 16)
#define VLAPIC_LVT_LEVEL         (1u << 15)
#define VLAPIC_LVT_TIMER_ONESHOT  (0u << 17)
#define VLAPIC_LVT_TIMER_PERIODIC (1u << 17)
#define VLAPIC_LVT_TIMER_TSC_DEADLINE (2u << 17)

/* ESR bits the model can raise. */
#define VLAPIC_ESR_SEND_ILLEGAL_VECTOR  (1u << 5)
#define VLAPIC_ESR_RECV_ILLEGAL_VECTOR  (1u << 6)
#define VLAPIC_ESR_ILLEGAL_REGISTER     (1u << 7)

/* Bounds on the clock configuration (keeps all timer arithmetic in 64 bits). */
#define VLAPIC_MAX_KHZ           ((1u << 24) - 1)   /* ~16.7 GHz */

/* Result of an MSR access; VLAPIC_GP means the glue injects #GP(0). */
enum vlapic_status {
    VLAPIC_OK = 0,
    VLAPIC_GP = 1,
};

/* Delivery modes, with their SDM encoding (ICR, LVT, IOAPIC RTE). */
enum vlapic_delivery_mode {
    VLAPIC_DM_FIXED = 0,
    VLAPIC_DM_LOWEST = 1,
    VLAPIC_DM_SMI = 2,
    VLAPIC_DM_NMI = 4,
    VLAPIC_DM_INIT = 5,
    VLAPIC_DM_SIPI = 6,      /* ICR only: start-up */
    VLAPIC_DM_EXTINT = 7,    /* LVT/IOAPIC only: ask the 8259 for the vector */
};

/* ICR destination shorthand, with its SDM encoding (ICR bits 19:18). */
enum vlapic_shorthand {
    VLAPIC_SH_NONE = 0,
    VLAPIC_SH_SELF = 1,
    VLAPIC_SH_ALL_INCL_SELF = 2,
    VLAPIC_SH_ALL_EXCL_SELF = 3,
};

/* The local vector table entries (index for vlapic_deliver_lvt). */
enum vlapic_lvt {
    VLAPIC_LVT_TIMER,
    VLAPIC_LVT_THERMAL,
    VLAPIC_LVT_PERF,
    VLAPIC_LVT_LINT0,
    VLAPIC_LVT_LINT1,
    VLAPIC_LVT_ERROR,
    VLAPIC_LVT_CMCI,
    VLAPIC_LVT_COUNT
};

/*
 * An IPI decoded from an ICR write, handed to ops->send_ipi.  The glue
 * routes it: for every candidate vLAPIC, vlapic_ipi_targets() tells whether
 * it is addressed; Fixed goes to vlapic_set_irq() (LowestPrio: to one of
 * the targets, e.g. the one with the lowest vlapic_get_ppr()), NMI, INIT,
 * SIPI and SMI are the glue's business.  Sent IPIs always have "level =
 * assert": INIT level de-assert is dropped, as on Pentium 4 and later.
 */
struct vlapic_ipi {
    uint32_t source_id;          /* sender's APIC id (x2APIC id or xAPIC ID) */
    uint32_t dest;               /* 8-bit xAPIC or 32-bit x2APIC destination */
    bool x2apic_format;          /* dest is in x2APIC format (sender in x2APIC) */
    bool dest_logical;           /* destination mode: logical (else physical) */
    enum vlapic_shorthand shorthand;  /* if not NONE, dest is meaningless */
    enum vlapic_delivery_mode delivery_mode;
    uint8_t vector;              /* Fixed/Lowest: vector; SIPI: start page */
    bool level_triggered;        /* trigger mode (Fixed: sets the target TMR) */
};

/*
 * Callbacks into the glue; each one may be NULL (then nothing happens).
 * They run after the model's state is consistent, so they may call back
 * into any vLAPIC, including the calling one (e.g. an all-including IPI).
 */
struct vlapic_ops {
    /* The guest wrote the ICR (or issued a non-local IPI): route it. */
    void (*send_ipi)(void *ctx, const struct vlapic_ipi *ipi);
    /* EOI of a level-triggered vector (TMR set): tell the vIOAPIC. */
    void (*eoi_level)(void *ctx, uint8_t vector);
    /* A vector may have become deliverable: re-evaluate injection (and
     * wake/kick the vCPU if it is halted or running elsewhere). */
    void (*kick)(void *ctx);
    /* An unmasked LVT entry fired with a non-Fixed delivery mode (NMI,
     * SMI, INIT or ExtINT); vector is the LVT vector field. */
    void (*local_event)(void *ctx, enum vlapic_delivery_mode mode,
                        uint8_t vector);
};

struct vlapic_config {
    uint32_t apic_id;      /* x2APIC id; the xAPIC ID is its low 8 bits */
    uint32_t tsc_khz;      /* guest TSC frequency, 1..VLAPIC_MAX_KHZ */
    uint32_t bus_khz;      /* APIC bus (timer input) frequency, 1..MAX_KHZ */
    bool bsp;              /* sets IA32_APIC_BASE.BSP */
    uint8_t phys_addr_bits; /* MAXPHYADDR for APIC_BASE checks; 0 = 52 */
};

/* Private state; use the functions below. */
struct vlapic {
    struct vlapic_config cfg;
    const struct vlapic_ops *ops;
    void *ctx;

    uint64_t apic_base;
    uint32_t xapic_id;           /* 8-bit xAPIC ID (register bits 31:24) */
    uint32_t tpr, ldr, dfr, svr;
    uint32_t isr[8], tmr[8], irr[8];
    uint32_t esr;                /* value software reads */
    uint32_t esr_pending;        /* errors since the last ESR write */
    uint32_t icr_low, icr_high;
    uint32_t lvt[VLAPIC_LVT_COUNT];
    uint32_t timer_initial;
    uint32_t timer_divide_config;
    uint64_t tsc_deadline_msr;

    /* Armed timer: expiry at timer_whole + timer_frac / bus_khz TSC ticks. */
    bool timer_armed;
    uint64_t timer_whole;
    uint64_t timer_frac;
};

/*
 * Power-on reset with the given configuration.  ops (which may be NULL)
 * must outlive vl.  Returns false, leaving vl unusable, if the frequencies
 * are out of range or the APIC id does not fit the model.
 */
bool vlapic_init(struct vlapic *vl, const struct vlapic_config *cfg,
                 const struct vlapic_ops *ops, void *ctx);

/* INIT signal: registers reset, APIC id and IA32_APIC_BASE (mode) kept. */
void vlapic_init_signal(struct vlapic *vl);

/* ---- guest accesses ------------------------------------------------------ */

/*
 * xAPIC MMIO.  offset is relative to the APIC page (0..0xFFF).  Registers
 * sit in bytes 0-3 of each 16-byte slot.  Reads of 1, 2, 4 or 8 bytes
 * return the register bytes they cover and 0 for every other byte (bytes
 * 4-15 of a slot, reserved slots, write-only registers).  Writes take
 * effect only when 4 bytes wide at a 16-byte aligned offset; anything else
 * is ignored (model-specific per SDM 10.4.1).  An aligned 4-byte access to
 * a reserved slot sets ESR "illegal register address".  When the APIC is
 * disabled or in x2APIC mode, reads return 0 and writes are ignored.
 */
uint64_t vlapic_mmio_read(struct vlapic *vl, uint32_t offset, unsigned size,
                          uint64_t now_tsc);
void vlapic_mmio_write(struct vlapic *vl, uint32_t offset, unsigned size,
                       uint32_t value, uint64_t now_tsc);

/* True for the MSRs vlapic_msr_read/write implement. */
bool vlapic_handles_msr(uint32_t msr);

/*
 * RDMSR/WRMSR of IA32_APIC_BASE, IA32_TSC_DEADLINE and the x2APIC range.
 * x2APIC MSRs outside x2APIC mode, reserved or absent registers (e.g. DFR,
 * ICR2 0x831), reads of write-only and writes of read-only registers, set
 * bits 63:32 (except ICR), non-zero EOI/ESR writes and invalid APIC_BASE
 * values or transitions all return VLAPIC_GP without changing state.
 * IA32_TSC_DEADLINE reads 0 and ignores writes unless the timer is in
 * TSC-deadline mode.
 */
enum vlapic_status vlapic_msr_read(struct vlapic *vl, uint32_t msr,
                                   uint64_t *value, uint64_t now_tsc);
enum vlapic_status vlapic_msr_write(struct vlapic *vl, uint32_t msr,
                                    uint64_t value, uint64_t now_tsc);

/* CR8 <-> TPR[7:4] (SVM V_TPR).  set_cr8 returns false if value > 15. */
uint8_t vlapic_get_cr8(const struct vlapic *vl);
bool vlapic_set_cr8(struct vlapic *vl, uint64_t value);

/* ---- interrupts ---------------------------------------------------------- */

/*
 * Accept a Fixed/LowestPrio interrupt: sets IRR, and TMR if level
 * triggered (clears it if edge).  Vectors 0-15 are refused and set ESR
 * "received illegal vector".  Refused too while the APIC is disabled or
 * software-disabled (SVR[8] = 0).  Returns whether the vector was accepted;
 * calls ops->kick if it is now deliverable.
 */
bool vlapic_set_irq(struct vlapic *vl, uint8_t vector, bool level_triggered);

/*
 * Highest IRR vector whose priority class is above the PPR's, or -1 when
 * nothing can be delivered now (or the APIC is disabled).
 */
int vlapic_highest_deliverable(const struct vlapic *vl);

/*
 * The glue injected `vector` (a value from vlapic_highest_deliverable):
 * move it from IRR to ISR.  Returns false if it was not pending.
 */
bool vlapic_ack(struct vlapic *vl, uint8_t vector);

/*
 * Deliver one event through an LVT entry (LINT0/1 pin activity, perf
 * counter overflow, thermal, CMCI...).  Fixed mode sets IRR (as an edge:
 * the LINT remote-IRR flag is not modelled); NMI, SMI, INIT and ExtINT go
 * to ops->local_event.  Returns false if the entry is masked or the APIC
 * is disabled (then LINT0/LINT1 act as the plain INTR/NMI pins: glue).
 */
bool vlapic_deliver_lvt(struct vlapic *vl, enum vlapic_lvt lvt);

/* ---- timer --------------------------------------------------------------- */

/*
 * Process everything that became due at or before now_tsc: fires expired
 * timers (IRR for the LVT timer vector unless masked; ops->kick).  Every
 * access function taking now_tsc does this first, so calling it is only
 * needed when the host timer for vlapic_timer_next_event() expires.
 *
 * Periodic mode reloads from the exact previous expiry (no drift).  If
 * several periods passed since the last call the interrupt is raised once
 * (IRR is a single bit); after 64 missed periods the schedule restarts
 * one period after now_tsc instead of catching up.
 */
void vlapic_update(struct vlapic *vl, uint64_t now_tsc);

/*
 * TSC value at which vlapic_update() has work to do, or UINT64_MAX when
 * the timer is disarmed or its expiry cannot be observed by the guest
 * (LVT timer masked, APIC software- or hardware-disabled).  May change
 * after any call that takes now_tsc: re-read it before resuming the guest.
 */
uint64_t vlapic_timer_next_event(const struct vlapic *vl);

/* ---- state for the glue -------------------------------------------------- */

bool vlapic_enabled(const struct vlapic *vl);        /* APIC_BASE.EN */
bool vlapic_sw_enabled(const struct vlapic *vl);     /* EN and SVR[8] */
bool vlapic_x2apic_mode(const struct vlapic *vl);
uint64_t vlapic_mmio_base(const struct vlapic *vl);  /* APIC page address */
uint32_t vlapic_id(const struct vlapic *vl);         /* current APIC id */
uint8_t vlapic_get_ppr(const struct vlapic *vl);

/*
 * Is this vLAPIC addressed by `dest`?  x2apic_format: dest is a 32-bit
 * x2APIC destination (else an 8-bit xAPIC one, e.g. from the IOAPIC).
 * Physical: dest equals the APIC id, or broadcast (0xFF / 0xFFFFFFFF).
 * Logical, xAPIC LDR/DFR: flat model (bitmap AND of LDR[31:24]) or
 * cluster model (cluster nibble equal, member bits AND); 0xFF broadcast.
 * Logical in x2APIC mode: cluster dest[31:16] equal, dest[15:0] AND
 * LDR[15:0].  An 8-bit 0xFF reaches an x2APIC-mode vLAPIC too.
 * Always false while the APIC is hardware-disabled.
 */
bool vlapic_match_destination(const struct vlapic *vl, uint32_t dest,
                              bool logical, bool x2apic_format);

/*
 * Is `target` a recipient of `ipi`?  Applies the shorthand (the glue says
 * whether target is the sender) and otherwise vlapic_match_destination.
 */
bool vlapic_ipi_targets(const struct vlapic *target,
                        const struct vlapic_ipi *ipi, bool target_is_sender);

#endif
