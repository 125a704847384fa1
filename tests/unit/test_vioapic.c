/* SPDX-License-Identifier: GPL-2.0-only */
/* Host unit tests for the virtual I/O APIC model (hypervisor/vdev/vioapic.c). */
#include "check.h"

#include <skerry/vioapic.h>

#define BASE VIOAPIC_DEFAULT_BASE

/* What the deliver callback saw, and what it answers. */
struct recorder {
    int messages;
    uint8_t dest, vector, mode;
    bool logical, level;
    bool refuse;    /* pretend no local APIC accepts */
};

static bool rec_deliver(void *ctx, uint8_t dest, bool dest_logical, uint8_t vector,
                        uint8_t delivery_mode, bool level_triggered)
{
    struct recorder *rec = ctx;

    rec->messages++;
    rec->dest = dest;
    rec->logical = dest_logical;
    rec->vector = vector;
    rec->mode = delivery_mode;
    rec->level = level_triggered;
    return !rec->refuse;
}

static const struct vioapic_ops rec_ops = { .deliver = rec_deliver };

static void setup(struct vioapic *io, struct recorder *rec)
{
    *rec = (struct recorder){0};
    vioapic_init(io, BASE, 2, &rec_ops, rec);
}

static uint32_t read_reg(struct vioapic *io, uint32_t index)
{
    vioapic_mmio_write(io, BASE + VIOAPIC_IOREGSEL, 4, index);
    return (uint32_t)vioapic_mmio_read(io, BASE + VIOAPIC_IOWIN, 4);
}

static void write_reg(struct vioapic *io, uint32_t index, uint32_t value)
{
    vioapic_mmio_write(io, BASE + VIOAPIC_IOREGSEL, 4, index);
    vioapic_mmio_write(io, BASE + VIOAPIC_IOWIN, 4, value);
}

static uint32_t rte_low(struct vioapic *io, unsigned pin)
{
    return read_reg(io, VIOAPIC_INDEX_REDIR0 + 2 * pin);
}

static void program_pin(struct vioapic *io, unsigned pin, uint32_t low, uint8_t dest)
{
    write_reg(io, VIOAPIC_INDEX_REDIR0 + 2 * pin + 1, (uint32_t)dest << 24);
    write_reg(io, VIOAPIC_INDEX_REDIR0 + 2 * pin, low);
}

static bool remote_irr(struct vioapic *io, unsigned pin)
{
    return (rte_low(io, pin) & VIOAPIC_RTE_REMOTE_IRR) != 0;
}

#define LEVEL   ((uint32_t)VIOAPIC_RTE_LEVEL)
#define MASKED  ((uint32_t)VIOAPIC_RTE_MASKED)
#define LOGICAL ((uint32_t)VIOAPIC_RTE_LOGICAL)

static void test_registers(void)
{
    struct vioapic io;
    struct recorder rec;
    bool all_masked = true;

    setup(&io, &rec);
    CHECK_EQ(read_reg(&io, VIOAPIC_INDEX_ID), 2u << 24, "regs: ID from init");
    CHECK_EQ(read_reg(&io, VIOAPIC_INDEX_VERSION), 0x001F0020, "regs: version 0x20, 32 pins");
    CHECK_EQ(read_reg(&io, VIOAPIC_INDEX_ARB), 2u << 24, "regs: ARB mirrors the id");
    for (unsigned pin = 0; pin < VIOAPIC_NUM_PINS; pin++)
        all_masked &= rte_low(&io, pin) == MASKED &&
                      read_reg(&io, VIOAPIC_INDEX_REDIR0 + 2 * pin + 1) == 0;
    CHECK(all_masked, "regs: every entry resets masked and zero");
    CHECK_EQ(vioapic_mmio_read(&io, BASE + VIOAPIC_IOREGSEL, 4), VIOAPIC_INDEX_REDIR0 + 2 * VIOAPIC_NUM_PINS - 1,
             "regs: IOREGSEL reads back");

    write_reg(&io, VIOAPIC_INDEX_ID, 0xFFFFFFFF);
    CHECK_EQ(read_reg(&io, VIOAPIC_INDEX_ID), 0x0F000000, "regs: ID keeps bits 27:24");
    write_reg(&io, VIOAPIC_INDEX_VERSION, 0);
    CHECK_EQ(read_reg(&io, VIOAPIC_INDEX_VERSION), 0x001F0020, "regs: version read-only");
    CHECK_EQ(read_reg(&io, 0x50), 0, "regs: index past the table reads 0");

    write_reg(&io, VIOAPIC_INDEX_REDIR0 + 2 * 5, 0xFFFFFFFF);
    CHECK_EQ(rte_low(&io, 5), 0x0001AFFF,
             "regs: delivery status and Remote-IRR are read-only");
    write_reg(&io, VIOAPIC_INDEX_REDIR0 + 2 * 5 + 1, 0xFFFFFFFF);
    CHECK_EQ(read_reg(&io, VIOAPIC_INDEX_REDIR0 + 2 * 5 + 1), 0xFFFF0000,
             "regs: high half keeps destination and EDID");
    CHECK_EQ(vioapic_redirection(&io, 5), 0xFFFF00000001AFFFull, "regs: 64-bit view");

    vioapic_mmio_write(&io, BASE + VIOAPIC_IOREGSEL, 1, VIOAPIC_INDEX_VERSION);
    CHECK_EQ(vioapic_mmio_read(&io, BASE + VIOAPIC_IOWIN + 2, 1), 0x1F,
             "regs: byte IOREGSEL write, byte IOWIN read");
    CHECK_EQ(vioapic_mmio_read(&io, BASE + VIOAPIC_EOI, 4), 0, "regs: EOI register reads 0");
    CHECK(vioapic_mmio_contains(&io, BASE + 0xFFC, 4) &&
          !vioapic_mmio_contains(&io, BASE + 0xFFE, 4) &&
          !vioapic_mmio_contains(&io, BASE - 4, 4), "regs: MMIO window bounds");
}

static void test_edge(void)
{
    struct vioapic io;
    struct recorder rec;

    setup(&io, &rec);
    program_pin(&io, 4, 0x34 | LOGICAL | (1u << 8), 0x0C);    /* lowest prio */
    vioapic_set_irq(&io, 4, true);
    CHECK(rec.messages == 1 && rec.vector == 0x34 && rec.dest == 0x0C && rec.logical &&
          rec.mode == 1 && !rec.level, "edge: rising edge sends the programmed message");
    vioapic_set_irq(&io, 4, true);
    CHECK_EQ(rec.messages, 1, "edge: held line sends nothing more");
    vioapic_set_irq(&io, 4, false);
    vioapic_set_irq(&io, 4, true);
    CHECK_EQ(rec.messages, 2, "edge: next rising edge sends again");
    CHECK(!remote_irr(&io, 4), "edge: no Remote-IRR");

    program_pin(&io, 6, 0x36 | MASKED, 0);
    vioapic_set_irq(&io, 6, true);
    CHECK_EQ(rec.messages, 2, "edge: masked pin sends nothing");
    program_pin(&io, 6, 0x36, 0);
    CHECK_EQ(rec.messages, 2, "edge: an edge seen while masked is lost");

    program_pin(&io, 7, 0x02 | (4u << 8) | LEVEL, 0);    /* NMI, level bit set */
    vioapic_set_irq(&io, 7, true);
    CHECK(rec.messages == 3 && rec.mode == 4 && !rec.level && !remote_irr(&io, 7),
          "edge: NMI entries behave as edge-triggered");
    vioapic_set_irq(&io, 32, true);
    CHECK_EQ(rec.messages, 3, "edge: pin 32 does not exist");
}

static void test_level(void)
{
    struct vioapic io;
    struct recorder rec;

    setup(&io, &rec);
    program_pin(&io, 10, 0x3A | LEVEL, 1);
    CHECK_EQ(rec.messages, 0, "level: programming an idle pin sends nothing");
    vioapic_set_irq(&io, 10, true);
    CHECK(rec.messages == 1 && rec.level && rec.vector == 0x3A, "level: assert sends");
    CHECK(remote_irr(&io, 10), "level: Remote-IRR set on delivery");
    vioapic_set_irq(&io, 10, true);
    CHECK_EQ(rec.messages, 1, "level: no resend while Remote-IRR is set");

    vioapic_eoi(&io, 0x3B);
    CHECK(rec.messages == 1 && remote_irr(&io, 10), "level: EOI of another vector ignored");
    vioapic_eoi(&io, 0x3A);
    CHECK(rec.messages == 2 && remote_irr(&io, 10),
          "level: EOI with line still asserted re-sends");
    vioapic_set_irq(&io, 10, false);
    vioapic_mmio_write(&io, BASE + VIOAPIC_EOI, 4, 0x3A);
    CHECK(rec.messages == 2 && !remote_irr(&io, 10),
          "level: EOI register clears Remote-IRR, no resend when deasserted");

    /* Masked: the level is remembered and sent on unmask. */
    program_pin(&io, 11, 0x3B | LEVEL | MASKED, 1);
    vioapic_set_irq(&io, 11, true);
    CHECK_EQ(rec.messages, 2, "level: masked pin sends nothing");
    program_pin(&io, 11, 0x3B | LEVEL, 1);
    CHECK(rec.messages == 3 && rec.vector == 0x3B && remote_irr(&io, 11),
          "level: unmasking an asserted line sends");

    write_reg(&io, VIOAPIC_INDEX_REDIR0 + 2 * 11, 0x3B | LEVEL);
    CHECK(rec.messages == 3 && remote_irr(&io, 11), "level: rewrite keeps Remote-IRR");
    write_reg(&io, VIOAPIC_INDEX_REDIR0 + 2 * 11, 0x3B | MASKED);
    CHECK(!remote_irr(&io, 11), "level: switching to edge clears Remote-IRR");

    /* Nobody accepted: Remote-IRR stays clear and the next assert retries. */
    program_pin(&io, 12, 0x3C | LEVEL, 1);
    rec.refuse = true;
    vioapic_set_irq(&io, 12, true);
    CHECK(rec.messages == 4 && !remote_irr(&io, 12), "level: refused message leaves Remote-IRR clear");
    rec.refuse = false;
    vioapic_set_irq(&io, 12, true);
    CHECK(rec.messages == 5 && remote_irr(&io, 12), "level: retried on the next assert");

    /* Two level pins sharing a vector: one EOI releases both. */
    program_pin(&io, 13, 0x3C | LEVEL, 1);
    vioapic_set_irq(&io, 13, true);
    vioapic_set_irq(&io, 12, false);
    vioapic_eoi(&io, 0x3C);
    CHECK(!remote_irr(&io, 12) && remote_irr(&io, 13) && rec.messages == 7,
          "level: shared vector EOI clears both, re-sends the asserted one");
}

int main(void)
{
    test_registers();
    test_edge();
    test_level();
    CHECK_DONE();
}
