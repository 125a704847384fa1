/* SPDX-License-Identifier: GPL-2.0-only */
/* Host unit tests for the 16550A UART model (vmx/devices/uart16550.c),
 * driven the way Linux's 8250 driver probes and uses COM1. */
#include "check.h"

#include "../../vmx/devices/uart16550.h"

#define COM1 0x3F8

struct rig {
    struct vmx_platform plat;
    struct uart16550 u;
    bool line;          /* IRQ4 as last driven */
    int rises;
    unsigned last_irq;
    char out[64];
    size_t n_out;
};

static void rig_irq(void *ctx, unsigned line, bool level)
{
    struct rig *r = ctx;

    r->last_irq = line;
    if (level && !r->line)
        r->rises++;
    r->line = level;
}

static void rig_sink(void *ctx, uint8_t byte)
{
    struct rig *r = ctx;

    if (r->n_out < sizeof r->out - 1)
        r->out[r->n_out++] = (char)byte;
}

static void setup(struct rig *r)
{
    *r = (struct rig){0};
    r->plat = (struct vmx_platform){ .irq_set = rig_irq, .ctx = r };
    uart16550_init(&r->u, COM1, 4, &r->plat, rig_sink, r);
}

static uint8_t in(struct rig *r, unsigned reg)
{
    return (uint8_t)vmx_device_pio_read(&r->u.device, (uint16_t)(COM1 + reg), 1);
}

static void out(struct rig *r, unsigned reg, uint8_t v)
{
    vmx_device_pio_write(&r->u.device, (uint16_t)(COM1 + reg), 1, v);
}

static void test_reset_state(void)
{
    struct rig r;

    setup(&r);
    CHECK(vmx_device_claims_port(&r.u.device, 0x3F8) && vmx_device_claims_port(&r.u.device, 0x3FF) &&
              !vmx_device_claims_port(&r.u.device, 0x400) && !vmx_device_claims_port(&r.u.device, 0x3F7),
          "reset: claims 0x3F8-0x3FF");
    CHECK_EQ(in(&r, UART_IER), 0x00, "reset: IER 0");
    CHECK_EQ(in(&r, UART_IIR), 0x01, "reset: IIR no interrupt, FIFOs off");
    CHECK_EQ(in(&r, UART_LCR), 0x00, "reset: LCR 0");
    CHECK_EQ(in(&r, UART_MCR), 0x00, "reset: MCR 0");
    CHECK_EQ(in(&r, UART_LSR), 0x60, "reset: LSR THRE|TEMT, no data");
    CHECK_EQ(in(&r, UART_MSR), 0xB0, "reset: MSR DCD|DSR|CTS (a connected line)");
    CHECK(!r.line, "reset: interrupt line low");
}

static void test_probe(void)
{
    struct rig r;

    setup(&r);
    out(&r, UART_SCR, 0xA5);
    CHECK_EQ(in(&r, UART_SCR), 0xA5, "probe: scratch register holds 0xA5");
    out(&r, UART_SCR, 0x5A);
    CHECK_EQ(in(&r, UART_SCR), 0x5A, "probe: scratch register holds 0x5A");
    out(&r, UART_IER, 0xFF);
    CHECK_EQ(in(&r, UART_IER), 0x0F, "probe: IER keeps only bits 0-3");
    out(&r, UART_IER, 0);

    out(&r, UART_LCR, UART_LCR_DLAB | 0x03);
    out(&r, UART_DLL, 0x01);
    out(&r, UART_DLM, 0x00);
    CHECK_EQ(in(&r, UART_DLL), 0x01, "DLAB: DLL reads back (115200 baud)");
    CHECK_EQ(in(&r, UART_DLM), 0x00, "DLAB: DLM reads back");
    out(&r, UART_THR, 'X');
    CHECK_EQ(r.n_out, 0, "DLAB: a write to offset 0 is not transmitted");
    out(&r, UART_LCR, 0x03);
    CHECK_EQ(in(&r, UART_LCR), 0x03, "DLAB: LCR 8N1 reads back");
    CHECK_EQ(in(&r, UART_IER), 0x00, "DLAB: offset 1 is IER again, unchanged by DLM");

    out(&r, UART_FCR, UART_FCR_ENABLE);
    CHECK_EQ(in(&r, UART_IIR) & 0xC0, 0xC0, "FIFO: IIR bits 6-7 set, a 16550A");
    out(&r, UART_FCR, 0);
    CHECK_EQ(in(&r, UART_IIR) & 0xC0, 0x00, "FIFO: off again");

    /* Linux's loopback check: MCR = LOOP | OUT2 | RTS must read MSR 0x90. */
    out(&r, UART_MCR, UART_MCR_LOOP | 0x0A);
    CHECK_EQ(in(&r, UART_MSR), 0x90 | UART_MSR_DDSR, "loopback: MSR CTS|DCD from RTS|OUT2, DSR dropped");
    CHECK_EQ(in(&r, UART_MSR), 0x90, "loopback: reading MSR cleared the delta");
    out(&r, UART_MCR, UART_MCR_LOOP | UART_MCR_DTR | UART_MCR_OUT1);
    CHECK_EQ(in(&r, UART_MSR), 0x60 | UART_MSR_DCTS | UART_MSR_DDCD | UART_MSR_DDSR,
             "loopback: DTR->DSR, OUT1->RI with deltas");
    out(&r, UART_MCR, UART_MCR_LOOP);
    CHECK_EQ(in(&r, UART_MSR), UART_MSR_DDSR | UART_MSR_TERI, "loopback: RI falling sets TERI");

    out(&r, UART_THR, 'L');
    CHECK_EQ(r.n_out, 0, "loopback: transmitted byte does not reach the line");
    CHECK_EQ(in(&r, UART_LSR) & UART_LSR_DR, UART_LSR_DR, "loopback: byte received");
    CHECK_EQ(in(&r, UART_RBR), 'L', "loopback: RBR holds the byte sent");
    CHECK_EQ(uart16550_receive(&r.u, (const uint8_t *)"z", 1), 0, "loopback: line input ignored");
    out(&r, UART_MCR, 0);
}

static void test_transmit(void)
{
    struct rig r;

    setup(&r);
    out(&r, UART_LCR, 0x03);
    out(&r, UART_MCR, UART_MCR_OUT2 | UART_MCR_RTS | UART_MCR_DTR);
    for (const char *p = "boot ok\n"; *p; p++) {
        CHECK_EQ(in(&r, UART_LSR) & UART_LSR_THRE, UART_LSR_THRE, "tx: THRE before '%c'", *p == '\n' ? 'n' : *p);
        out(&r, UART_THR, (uint8_t)*p);
    }
    CHECK(r.n_out == 8 && !memcmp(r.out, "boot ok\n", 8), "tx: sink got \"boot ok\\n\"");
    CHECK(!r.line, "tx: no interrupt with IER 0");

    out(&r, UART_IER, UART_IER_THRI);
    CHECK(r.line && r.rises == 1 && r.last_irq == 4, "THRE: enabling THRI with THR empty raises IRQ4");
    CHECK_EQ(in(&r, UART_IIR), UART_IIR_THRI, "THRE: IIR 0x02");
    CHECK_EQ(in(&r, UART_IIR), UART_IIR_NO_INT, "THRE: reading IIR acknowledged it");
    CHECK(!r.line, "THRE: line low after acknowledge");
    out(&r, UART_THR, '!');
    CHECK(r.line && r.rises == 2, "THRE: raised again once the byte is sent");
    out(&r, UART_IER, 0);
    CHECK(!r.line, "THRE: masking IER drops the line");
    CHECK_EQ(in(&r, UART_IIR), UART_IIR_NO_INT, "THRE: IIR none when masked");

    /* OUT2 gates the line to the interrupt controller on a PC. */
    out(&r, UART_MCR, UART_MCR_DTR | UART_MCR_RTS);
    out(&r, UART_IER, UART_IER_THRI);
    CHECK(!r.line, "OUT2: pending THRE without OUT2 keeps the line low");
    CHECK_EQ(in(&r, UART_IIR), UART_IIR_THRI, "OUT2: but IIR shows it");
    out(&r, UART_THR, '.');
    out(&r, UART_MCR, UART_MCR_OUT2);
    CHECK(r.line, "OUT2: setting OUT2 lets it through");

    /* Word access: LCR and MCR written by one outw, like split ISA cycles. */
    vmx_device_pio_write(&r.u.device, COM1 + UART_LCR, 2, 0x0B03);
    CHECK(in(&r, UART_LCR) == 0x03 && in(&r, UART_MCR) == 0x0B, "outw: LCR and MCR");
    CHECK_EQ(vmx_device_pio_read(&r.u.device, COM1 + UART_SCR, 2) >> 8, 0xFF,
             "inw at 0x3FF: the byte past the UART reads 0xFF");
}

static void test_receive(void)
{
    struct rig r;
    uint8_t buf[20];

    setup(&r);
    out(&r, UART_MCR, UART_MCR_OUT2);
    out(&r, UART_IER, UART_IER_RDI);
    CHECK(!r.line, "rx: no data, no interrupt");
    CHECK_EQ(uart16550_rx_room(&r.u), 1, "rx: FIFOs off hold one byte");
    CHECK_EQ(uart16550_receive(&r.u, (const uint8_t *)"x", 1), 1, "rx: one byte stored");
    CHECK(r.line, "rx: IRQ4 raised");
    CHECK_EQ(in(&r, UART_IIR), UART_IIR_RDI, "rx: IIR 0x04 data available");
    CHECK_EQ(in(&r, UART_LSR), 0x61, "rx: LSR DR");
    CHECK_EQ(in(&r, UART_RBR), 'x', "rx: RBR 'x'");
    CHECK(!r.line && in(&r, UART_IIR) == UART_IIR_NO_INT && in(&r, UART_LSR) == 0x60,
          "rx: drained, line low, DR clear");

    CHECK_EQ(uart16550_receive(&r.u, (const uint8_t *)"ab", 2), 1, "overrun: second byte lost");
    out(&r, UART_IER, UART_IER_RDI | UART_IER_RLSI);
    CHECK_EQ(in(&r, UART_IIR), UART_IIR_RLSI, "overrun: line status has priority (IIR 0x06)");
    CHECK_EQ(in(&r, UART_LSR), 0x63, "overrun: LSR OE|DR");
    CHECK_EQ(in(&r, UART_LSR), 0x61, "overrun: reading LSR cleared OE");
    CHECK_EQ(in(&r, UART_IIR), UART_IIR_RDI, "overrun: data interrupt next");
    CHECK_EQ(in(&r, UART_RBR), 'a', "overrun: the first byte kept");

    /* FIFO with trigger level 8. */
    out(&r, UART_FCR, 0x80 | UART_FCR_ENABLE);
    CHECK_EQ(uart16550_rx_room(&r.u), 16, "FIFO: 16 bytes of room");
    uart16550_receive(&r.u, (const uint8_t *)"0123", 4);
    CHECK_EQ(in(&r, UART_IIR), UART_IIR_FIFO | UART_IIR_TIMEOUT, "FIFO: below trigger gives timeout (0xCC)");
    CHECK(r.line, "FIFO: timeout raises the line");
    uart16550_receive(&r.u, (const uint8_t *)"4567", 4);
    CHECK_EQ(in(&r, UART_IIR), UART_IIR_FIFO | UART_IIR_RDI, "FIFO: trigger level reached (0xC4)");
    for (int i = 0; i < 8; i++)
        buf[i] = in(&r, UART_RBR);
    CHECK(!memcmp(buf, "01234567", 8), "FIFO: bytes in order");
    CHECK_EQ(in(&r, UART_IIR), UART_IIR_FIFO | UART_IIR_NO_INT, "FIFO: empty, no interrupt (0xC1)");
    CHECK(!r.line, "FIFO: line low when empty");

    memset(buf, 'q', sizeof buf);
    CHECK_EQ(uart16550_receive(&r.u, buf, 20), 16, "FIFO: 16 of 20 stored");
    CHECK_EQ(in(&r, UART_LSR), 0x63, "FIFO: overrun flagged");
    out(&r, UART_FCR, 0x80 | UART_FCR_ENABLE | UART_FCR_CLEAR_RX);
    CHECK_EQ(in(&r, UART_LSR), 0x60, "FIFO: FCR clear-RX empties it");
    CHECK_EQ(in(&r, UART_IIR), 0xC1, "FIFO: clear bits self-clear, FIFO still on");

    uart16550_receive(&r.u, (const uint8_t *)"abc", 3);
    out(&r, UART_FCR, 0);
    CHECK_EQ(in(&r, UART_LSR), 0x60, "FIFO: turning FIFOs off empties them");
}

static void test_modem_interrupt(void)
{
    struct rig r;

    setup(&r);
    out(&r, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
    in(&r, UART_MSR);
    out(&r, UART_IER, UART_IER_MSI);
    CHECK_EQ(in(&r, UART_IIR), UART_IIR_NO_INT, "MSI: no change, nothing pending");
    out(&r, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2 | UART_MCR_RTS);
    CHECK_EQ(in(&r, UART_IIR), UART_IIR_MSI, "MSI: RTS toggle in loopback gives IIR 0x00");
    CHECK(!r.line, "MSI: loopback keeps the external line low");
    CHECK_EQ(in(&r, UART_MSR), UART_MSR_CTS | UART_MSR_DCD | UART_MSR_DCTS, "MSI: MSR DCTS");
    CHECK_EQ(in(&r, UART_IIR), UART_IIR_NO_INT, "MSI: reading MSR acknowledged it");
}

static void test_device_reset(void)
{
    struct rig r;

    setup(&r);
    out(&r, UART_LCR, 0x83);
    out(&r, UART_DLL, 1);
    out(&r, UART_LCR, 0x03);
    out(&r, UART_MCR, UART_MCR_OUT2);
    out(&r, UART_IER, UART_IER_THRI);
    out(&r, UART_FCR, 1);
    out(&r, UART_SCR, 7);
    CHECK(r.line, "reset: line high before");
    vmx_device_reset(&r.u.device);
    CHECK(!r.line, "reset: line low after");
    CHECK(in(&r, UART_IER) == 0 && in(&r, UART_IIR) == 1 && in(&r, UART_LCR) == 0 && in(&r, UART_MCR) == 0 &&
              in(&r, UART_SCR) == 0,
          "reset: registers back to power-on values");
    out(&r, UART_LCR, 0x80);
    CHECK_EQ(in(&r, UART_DLL), 12, "reset: divisor 12 (9600 baud)");
}

int main(void)
{
    test_reset_state();
    test_probe();
    test_transmit();
    test_receive();
    test_modem_interrupt();
    test_device_reset();
    CHECK_DONE();
}
