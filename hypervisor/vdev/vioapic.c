/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Virtual I/O APIC (82093AA datasheet, ICH9 version 0x20 with the EOI
 * register).  See skerry/vioapic.h for the pin semantics and the contract
 * with the glue.
 */
#include <skerry/vioapic.h>

#define ID_WRITABLE        0x0F000000u
#define IOREGSEL_WRITABLE  0xFFu
/* Vector, delivery mode, destination mode, polarity, trigger, mask. */
#define RTE_LOW_WRITABLE   0x0001AFFFu
/* Destination (63:56) and ICH9's extended destination id (55:48, unused). */
#define RTE_HIGH_WRITABLE  0xFFFF0000u
#define MAX_REDIR_INDEX    (VIOAPIC_NUM_PINS - 1)

#define DM_FIXED   0u
#define DM_LOWEST  1u

/* ---- redirection entries ------------------------------------------------- */

static uint32_t rte_delivery_mode(uint64_t rte)
{
    return (uint32_t)(rte >> VIOAPIC_RTE_MODE_SHIFT) & 7u;
}

static uint8_t rte_vector(uint64_t rte)
{
    return (uint8_t)(rte & VIOAPIC_RTE_VECTOR_MASK);
}

/* Only Fixed and LowestPrio can be level-triggered (datasheet). */
static bool rte_is_level(uint64_t rte)
{
    uint32_t mode = rte_delivery_mode(rte);

    return (rte & VIOAPIC_RTE_LEVEL) && (mode == DM_FIXED || mode == DM_LOWEST);
}

static bool rte_mode_is_valid(uint64_t rte)
{
    uint32_t mode = rte_delivery_mode(rte);

    return mode != 3u && mode != 6u;
}

static bool line_is_asserted(const struct vioapic *io, unsigned pin)
{
    return (io->line_asserted >> pin) & 1u;
}

/* ---- sending ------------------------------------------------------------- */

static bool send_message(struct vioapic *io, unsigned pin)
{
    uint64_t rte = io->redir[pin];

    if (!rte_mode_is_valid(rte) || !io->ops || !io->ops->deliver)
        return false;
    return io->ops->deliver(io->ctx, (uint8_t)(rte >> VIOAPIC_RTE_DEST_SHIFT),
                            (rte & VIOAPIC_RTE_LOGICAL) != 0, rte_vector(rte),
                            (uint8_t)rte_delivery_mode(rte), rte_is_level(rte));
}

/*
 * Send a level pin's interrupt if it is due.  Remote-IRR is set before the
 * callback so that the state is final while the glue runs, and dropped
 * again if nobody accepted the message.
 */
static void service_level_pin(struct vioapic *io, unsigned pin)
{
    uint64_t rte = io->redir[pin];

    if (!rte_is_level(rte) || !line_is_asserted(io, pin) ||
        (rte & (VIOAPIC_RTE_MASKED | VIOAPIC_RTE_REMOTE_IRR)))
        return;
    io->redir[pin] |= VIOAPIC_RTE_REMOTE_IRR;
    if (!send_message(io, pin))
        io->redir[pin] &= ~VIOAPIC_RTE_REMOTE_IRR;
}

void vioapic_set_irq(struct vioapic *io, unsigned pin, bool asserted)
{
    if (pin >= VIOAPIC_NUM_PINS)
        return;

    bool was_asserted = line_is_asserted(io, pin);
    uint64_t rte = io->redir[pin];

    if (asserted)
        io->line_asserted |= 1u << pin;
    else
        io->line_asserted &= ~(1u << pin);

    if (rte_is_level(rte))
        service_level_pin(io, pin);
    else if (asserted && !was_asserted && !(rte & VIOAPIC_RTE_MASKED))
        send_message(io, pin);
}

/* Clear every matching Remote-IRR first, then re-send what is still due. */
void vioapic_eoi(struct vioapic *io, uint8_t vector)
{
    uint32_t cleared = 0;

    for (unsigned pin = 0; pin < VIOAPIC_NUM_PINS; pin++) {
        uint64_t rte = io->redir[pin];

        if ((rte & VIOAPIC_RTE_REMOTE_IRR) && rte_vector(rte) == vector) {
            io->redir[pin] = rte & ~VIOAPIC_RTE_REMOTE_IRR;
            cleared |= 1u << pin;
        }
    }
    for (unsigned pin = 0; pin < VIOAPIC_NUM_PINS; pin++) {
        if ((cleared >> pin) & 1u)
            service_level_pin(io, pin);
    }
}

uint64_t vioapic_redirection(const struct vioapic *io, unsigned pin)
{
    return pin < VIOAPIC_NUM_PINS ? io->redir[pin] : 0;
}

/* ---- indirect registers -------------------------------------------------- */

static bool index_is_redirection(uint32_t index)
{
    return index >= VIOAPIC_INDEX_REDIR0 &&
           index < VIOAPIC_INDEX_REDIR0 + 2 * VIOAPIC_NUM_PINS;
}

static uint32_t read_indirect(const struct vioapic *io, uint32_t index)
{
    if (index_is_redirection(index)) {
        uint64_t rte = io->redir[(index - VIOAPIC_INDEX_REDIR0) / 2];
        return (index & 1u) ? (uint32_t)(rte >> 32) : (uint32_t)rte;
    }
    switch (index) {
    case VIOAPIC_INDEX_ID:
        return io->id;
    case VIOAPIC_INDEX_VERSION:
        return (MAX_REDIR_INDEX << 16) | VIOAPIC_VERSION;
    case VIOAPIC_INDEX_ARB:
        return io->id;    /* the arbitration id is loaded from the APIC id */
    default:
        return 0;
    }
}

static void write_redirection_low(struct vioapic *io, unsigned pin, uint32_t value)
{
    uint64_t rte = io->redir[pin];

    rte = (rte & ~(uint64_t)RTE_LOW_WRITABLE) | (value & RTE_LOW_WRITABLE);
    if (!rte_is_level(rte))
        rte &= ~VIOAPIC_RTE_REMOTE_IRR;
    io->redir[pin] = rte;
    service_level_pin(io, pin);    /* e.g. unmasking an asserted line */
}

static void write_redirection_high(struct vioapic *io, unsigned pin, uint32_t value)
{
    uint64_t rte = io->redir[pin] & 0xFFFFFFFFull;

    io->redir[pin] = rte | (uint64_t)(value & RTE_HIGH_WRITABLE) << 32;
}

static void write_indirect(struct vioapic *io, uint32_t index, uint32_t value)
{
    if (index_is_redirection(index)) {
        unsigned pin = (index - VIOAPIC_INDEX_REDIR0) / 2;

        if (index & 1u)
            write_redirection_high(io, pin, value);
        else
            write_redirection_low(io, pin, value);
    } else if (index == VIOAPIC_INDEX_ID) {
        io->id = value & ID_WRITABLE;
    }
}

/* ---- MMIO ---------------------------------------------------------------- */

bool vioapic_mmio_contains(const struct vioapic *io, uint64_t gpa, unsigned size)
{
    return gpa >= io->base && gpa - io->base < VIOAPIC_MMIO_SIZE &&
           size <= VIOAPIC_MMIO_SIZE - (gpa - io->base);
}

/* The 32-bit register in the slot at `offset`, 0 if none is readable. */
static uint32_t read_slot(const struct vioapic *io, uint32_t offset)
{
    switch (offset) {
    case VIOAPIC_IOREGSEL:
        return io->ioregsel;
    case VIOAPIC_IOWIN:
        return read_indirect(io, io->ioregsel);
    default:
        return 0;    /* includes the write-only EOI register */
    }
}

uint64_t vioapic_mmio_read(struct vioapic *io, uint64_t gpa, unsigned size)
{
    uint64_t result = 0;

    if ((size != 1 && size != 2 && size != 4 && size != 8) ||
        !vioapic_mmio_contains(io, gpa, size))
        return 0;

    uint32_t offset = (uint32_t)(gpa - io->base);
    for (unsigned i = 0; i < size; i++) {
        uint32_t byte_offset = offset + i;
        uint32_t byte = byte_offset & 0xFu;

        if (byte < 4) {
            uint32_t reg = read_slot(io, byte_offset & ~0xFu);
            result |= (uint64_t)((reg >> (8 * byte)) & 0xFFu) << (8 * i);
        }
    }
    return result;
}

void vioapic_mmio_write(struct vioapic *io, uint64_t gpa, unsigned size,
                        uint32_t value)
{
    if (!vioapic_mmio_contains(io, gpa, size))
        return;

    uint32_t offset = (uint32_t)(gpa - io->base);
    if (offset == VIOAPIC_IOREGSEL && (size == 1 || size == 2 || size == 4)) {
        io->ioregsel = value & IOREGSEL_WRITABLE;
        return;
    }
    if (size != 4)
        return;
    if (offset == VIOAPIC_IOWIN)
        write_indirect(io, io->ioregsel, value);
    else if (offset == VIOAPIC_EOI)
        vioapic_eoi(io, (uint8_t)(value & 0xFFu));
}

/* ---- reset --------------------------------------------------------------- */

void vioapic_init(struct vioapic *io, uint64_t base, uint8_t id,
                  const struct vioapic_ops *ops, void *ctx)
{
    io->base = base;
    io->ops = ops;
    io->ctx = ctx;
    io->id = ((uint32_t)id << 24) & ID_WRITABLE;
    io->ioregsel = 0;
    io->line_asserted = 0;
    for (unsigned pin = 0; pin < VIOAPIC_NUM_PINS; pin++)
        io->redir[pin] = VIOAPIC_RTE_MASKED;
}
