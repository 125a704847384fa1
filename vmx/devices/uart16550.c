/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * 16550A UART model (uart16550.h).  The receive FIFO's character timeout
 * is reported as soon as data sits below the trigger level rather than
 * four character times later: there is no line speed to wait for.
 */
#include "uart16550.h"

#include <string.h>

static bool fifo_on(const struct uart16550 *u)
{
    return u->fcr & UART_FCR_ENABLE;
}

static unsigned rx_capacity(const struct uart16550 *u)
{
    return fifo_on(u) ? UART_FIFO_SIZE : 1;
}

static unsigned rx_trigger(const struct uart16550 *u)
{
    static const unsigned level[4] = { 1, 4, 8, 14 };

    return fifo_on(u) ? level[u->fcr >> 6] : 1;
}

/* MSR bits 4-7: a connected null modem, or the MCR outputs in loopback. */
static uint8_t modem_lines(const struct uart16550 *u)
{
    if (!(u->mcr & UART_MCR_LOOP))
        return UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
    return (uint8_t)(((u->mcr & UART_MCR_RTS) ? UART_MSR_CTS : 0) |
                     ((u->mcr & UART_MCR_DTR) ? UART_MSR_DSR : 0) |
                     ((u->mcr & UART_MCR_OUT1) ? UART_MSR_RI : 0) |
                     ((u->mcr & UART_MCR_OUT2) ? UART_MSR_DCD : 0));
}

static void update_modem_lines(struct uart16550 *u)
{
    uint8_t now = modem_lines(u), changed = now ^ u->msr_lines;

    if (changed & UART_MSR_CTS)
        u->msr_delta |= UART_MSR_DCTS;
    if (changed & UART_MSR_DSR)
        u->msr_delta |= UART_MSR_DDSR;
    if ((changed & UART_MSR_RI) && !(now & UART_MSR_RI))
        u->msr_delta |= UART_MSR_TERI;   /* trailing edge only */
    if (changed & UART_MSR_DCD)
        u->msr_delta |= UART_MSR_DDCD;
    u->msr_lines = now;
}

/* The pending interrupt of highest priority, as IIR bits 0-3. */
static uint8_t pending(const struct uart16550 *u)
{
    if ((u->ier & UART_IER_RLSI) && (u->lsr_errors & UART_LSR_OE))
        return UART_IIR_RLSI;
    if ((u->ier & UART_IER_RDI) && u->rx_count >= rx_trigger(u))
        return UART_IIR_RDI;
    if ((u->ier & UART_IER_RDI) && u->rx_count)
        return UART_IIR_TIMEOUT;
    if ((u->ier & UART_IER_THRI) && u->thre_pending)
        return UART_IIR_THRI;
    if ((u->ier & UART_IER_MSI) && u->msr_delta)
        return UART_IIR_MSI;
    return UART_IIR_NO_INT;
}

static void update_irq(struct uart16550 *u)
{
    bool level = pending(u) != UART_IIR_NO_INT && (u->mcr & UART_MCR_OUT2) &&
                 !(u->mcr & UART_MCR_LOOP);

    if (level != u->irq_level) {
        u->irq_level = level;
        vmx_irq_set(u->plat, u->irq, level);
    }
}

static void rx_push(struct uart16550 *u, uint8_t byte)
{
    if (u->rx_count >= rx_capacity(u)) {
        u->lsr_errors |= UART_LSR_OE;
        return;
    }
    u->rx[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = byte;
    u->rx_count++;
}

static uint8_t rx_pop(struct uart16550 *u)
{
    uint8_t byte;

    if (!u->rx_count)
        return 0;
    byte = u->rx[u->rx_head];
    u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
    u->rx_count--;
    return byte;
}

static void rx_clear(struct uart16550 *u)
{
    u->rx_head = u->rx_count = 0;
}

void uart16550_reset(struct uart16550 *u)
{
    u->ier = u->lcr = u->mcr = u->fcr = u->scr = 0;
    u->dll = 12;    /* 9600 baud */
    u->dlm = 0;
    u->lsr_errors = u->msr_delta = 0;
    u->msr_lines = modem_lines(u);
    u->thre_pending = false;
    rx_clear(u);
    update_irq(u);
}

static uint8_t read8(void *dev, uint16_t port)
{
    struct uart16550 *u = dev;
    bool dlab = u->lcr & UART_LCR_DLAB;
    uint8_t v;

    switch ((uint16_t)(port - u->device.pio[0].base)) {
    case UART_RBR:
        if (dlab)
            return u->dll;
        v = rx_pop(u);
        break;
    case UART_IER:
        return dlab ? u->dlm : u->ier;
    case UART_IIR:
        v = pending(u);
        if (v == UART_IIR_THRI)
            u->thre_pending = false;   /* reading IIR acknowledges THRE */
        v |= fifo_on(u) ? UART_IIR_FIFO : 0;
        break;
    case UART_LCR:
        return u->lcr;
    case UART_MCR:
        return u->mcr;
    case UART_LSR:
        v = UART_LSR_THRE | UART_LSR_TEMT | u->lsr_errors | (u->rx_count ? UART_LSR_DR : 0);
        u->lsr_errors = 0;
        break;
    case UART_MSR:
        v = u->msr_lines | u->msr_delta;
        u->msr_delta = 0;
        break;
    case UART_SCR:
        return u->scr;
    default:
        return 0xFF;
    }
    update_irq(u);
    return v;
}

static void write_fcr(struct uart16550 *u, uint8_t v)
{
    /* Turning the FIFOs on or off empties them. */
    if ((v ^ u->fcr) & UART_FCR_ENABLE)
        rx_clear(u);
    if (v & UART_FCR_CLEAR_RX)
        rx_clear(u);
    u->fcr = v & (UART_FCR_ENABLE | 0xC0);   /* bits 1-2 self-clear */
    if (!fifo_on(u))
        u->fcr = 0;
}

static void write8(void *dev, uint16_t port, uint8_t v)
{
    struct uart16550 *u = dev;
    bool dlab = u->lcr & UART_LCR_DLAB;

    switch ((uint16_t)(port - u->device.pio[0].base)) {
    case UART_THR:
        if (dlab) {
            u->dll = v;
            return;
        }
        if (u->mcr & UART_MCR_LOOP)
            rx_push(u, v);
        else if (u->sink)
            u->sink(u->sink_ctx, v);
        u->thre_pending = true;     /* sent at once, THR empty again */
        break;
    case UART_IER:
        if (dlab) {
            u->dlm = v;
            return;
        }
        /* Enabling THRI while THR is empty raises it right away. */
        if ((v & UART_IER_THRI) && !(u->ier & UART_IER_THRI))
            u->thre_pending = true;
        u->ier = v & 0x0F;
        break;
    case UART_FCR:
        write_fcr(u, v);
        break;
    case UART_LCR:
        u->lcr = v;
        return;
    case UART_MCR:
        u->mcr = v & 0x1F;
        update_modem_lines(u);
        break;
    case UART_SCR:
        u->scr = v;
        return;
    default:
        return;     /* LSR and MSR are read-only */
    }
    update_irq(u);
}

size_t uart16550_rx_room(const struct uart16550 *u)
{
    return rx_capacity(u) - u->rx_count;
}

size_t uart16550_receive(struct uart16550 *u, const uint8_t *buf, size_t len)
{
    size_t stored = 0;

    if (u->mcr & UART_MCR_LOOP)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (u->rx_count < rx_capacity(u))
            stored++;
        rx_push(u, buf[i]);
    }
    update_irq(u);
    return stored;
}

static void reset_op(void *dev)
{
    uart16550_reset(dev);
}

static const struct vmx_device_ops uart_ops = {
    .pio_read8 = read8,
    .pio_write8 = write8,
    .reset = reset_op,
};

void uart16550_init(struct uart16550 *u, uint16_t base, unsigned irq,
                    const struct vmx_platform *plat, uart16550_sink_fn sink, void *sink_ctx)
{
    memset(u, 0, sizeof *u);
    u->plat = plat;
    u->irq = irq;
    u->sink = sink;
    u->sink_ctx = sink_ctx;
    u->device = (struct vmx_device){
        .name = "uart16550", .ops = &uart_ops, .dev = u,
        .pio = { { base, 8 } }, .n_pio = 1,
    };
    uart16550_reset(u);
}
