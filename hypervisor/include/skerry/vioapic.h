/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Virtual I/O APIC: 24 pins, version 0x20 (ICH9-like, with the EOI
 * register).  A pure device model (no hardware access, no global state,
 * no locking: the caller serialises calls on one struct vioapic).
 *
 * Glue contract:
 *   - guest MMIO inside [base, base + VIOAPIC_MMIO_SIZE) goes to
 *     vioapic_mmio_read/write (addresses are guest-physical);
 *   - device models drive the input lines with vioapic_set_irq();
 *   - the vLAPIC eoi_level callback calls vioapic_eoi();
 *   - messages leave through ops->deliver, which the glue routes to vLAPICs
 *     (vlapic_match_destination with x2apic_format = false).
 *
 * Pin semantics (82093AA datasheet, "Redirection Table"):
 *   - `level` passed to vioapic_set_irq is the logical state "asserted";
 *     the polarity bit (13) is stored for the guest but not applied.
 *   - Edge pins send one message per rising edge while unmasked; an edge
 *     seen while masked is lost.
 *   - Level pins send while asserted, unmasked and Remote-IRR clear, and set
 *     Remote-IRR when a local APIC accepted the message.  An EOI with the
 *     pin's vector clears Remote-IRR and re-sends if still asserted.  The
 *     line state is remembered while masked: unmasking an asserted level
 *     pin sends.  Switching a pin to edge clears Remote-IRR (Linux relies
 *     on this on IOAPICs without an EOI register).
 *   - SMI, NMI, INIT and ExtINT entries always behave as edge-triggered
 *     (the datasheet allows only edge for them); reserved delivery modes
 *     (3, 6) send nothing.
 *   - Delivery status (bit 12) always reads 0: sending is synchronous.
 */
#ifndef SKERRY_VIOAPIC_H
#define SKERRY_VIOAPIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VIOAPIC_NUM_PINS        32u   /* 24 device lines and 8 event lines (abi.h) */
#define VIOAPIC_VERSION         0x20u
#define VIOAPIC_DEFAULT_BASE    0xFEC00000ull
#define VIOAPIC_MMIO_SIZE       0x1000u

/* MMIO registers, offsets from the base. */
#define VIOAPIC_IOREGSEL        0x00u
#define VIOAPIC_IOWIN           0x10u
#define VIOAPIC_EOI             0x40u

/* Indirect registers, selected through IOREGSEL. */
#define VIOAPIC_INDEX_ID        0x00u
#define VIOAPIC_INDEX_VERSION   0x01u
#define VIOAPIC_INDEX_ARB       0x02u
#define VIOAPIC_INDEX_REDIR0    0x10u   /* pin p: low 0x10 + 2p, high + 1 */

/* Redirection table entry bits. */
#define VIOAPIC_RTE_VECTOR_MASK     0xFFull
#define VIOAPIC_RTE_MODE_SHIFT      8
#define VIOAPIC_RTE_LOGICAL         (1ull << 11)
#define VIOAPIC_RTE_DELIVERY_STATUS (1ull << 12)   /* read-only, always 0 */
#define VIOAPIC_RTE_ACTIVE_LOW      (1ull << 13)
#define VIOAPIC_RTE_REMOTE_IRR      (1ull << 14)   /* read-only */
#define VIOAPIC_RTE_LEVEL           (1ull << 15)
#define VIOAPIC_RTE_MASKED          (1ull << 16)
#define VIOAPIC_RTE_DEST_SHIFT      56

/*
 * Callback into the glue (may be NULL: nothing is ever accepted).
 * deliver sends one interrupt message.  dest is the 8-bit destination
 * (physical APIC id or logical mask), delivery_mode the SDM encoding (0
 * Fixed, 1 LowestPrio, 2 SMI, 4 NMI, 5 INIT, 7 ExtINT, as in
 * enum vlapic_delivery_mode).  Return true if at least one local APIC
 * accepted it; for a level pin Remote-IRR is only set then, and a refused
 * message is retried on the next assert of the line or write of the entry.
 */
struct vioapic_ops {
    bool (*deliver)(void *ctx, uint8_t dest, bool dest_logical, uint8_t vector,
                    uint8_t delivery_mode, bool level_triggered);
};

/* Private state; use the functions below. */
struct vioapic {
    uint64_t base;
    const struct vioapic_ops *ops;
    void *ctx;
    uint32_t id;                 /* ID register value (bits 27:24) */
    uint32_t ioregsel;
    uint32_t line_asserted;      /* input line state, one bit per pin */
    uint64_t redir[VIOAPIC_NUM_PINS];
};

/*
 * Reset: all entries masked and zero, lines deasserted.  base is the
 * guest-physical MMIO base (VIOAPIC_DEFAULT_BASE usually), id the 4-bit
 * IOAPIC id.  ops (may be NULL) must outlive io.
 */
void vioapic_init(struct vioapic *io, uint64_t base, uint8_t id,
                  const struct vioapic_ops *ops, void *ctx);

/* Does [gpa, gpa + size) fall inside this IOAPIC's MMIO window? */
bool vioapic_mmio_contains(const struct vioapic *io, uint64_t gpa, unsigned size);

/*
 * Guest MMIO.  Registers occupy bytes 0-3 of their 16-byte slot; reads of
 * 1, 2, 4 or 8 bytes return the register bytes covered and 0 elsewhere
 * (the EOI register is write-only and reads 0).  Writes: IOREGSEL accepts
 * 1, 2 or 4 bytes at offset 0; IOWIN and EOI need 4 bytes at their
 * offset; everything else is ignored.  Indirect registers that do not
 * exist read 0 and ignore writes; VERSION and ARB are read-only.
 */
uint64_t vioapic_mmio_read(struct vioapic *io, uint64_t gpa, unsigned size);
void vioapic_mmio_write(struct vioapic *io, uint64_t gpa, unsigned size,
                        uint32_t value);

/* Drive input line `pin` (asserted = true).  Pins >= 24 are ignored. */
void vioapic_set_irq(struct vioapic *io, unsigned pin, bool asserted);

/* End of interrupt for `vector`: clear Remote-IRR, re-send if asserted. */
void vioapic_eoi(struct vioapic *io, uint8_t vector);

/* Current redirection entry of `pin` (0 for pins >= 24), for the glue. */
uint64_t vioapic_redirection(const struct vioapic *io, unsigned pin);

#endif
