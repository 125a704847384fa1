/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A 16550A UART (COM1 at 0x3F8/IRQ4 on a PC): divisor latch, 16-byte
 * receive FIFO with trigger levels, IER/IIR/LSR/MSR, loopback, scratch.
 * Transmission is instant: a byte written to THR goes straight to the
 * sink, so THR and the transmitter always read empty.
 */
#ifndef SKERRY_VMX_UART16550_H
#define SKERRY_VMX_UART16550_H

#include <stddef.h>

#include "device.h"

#define UART_RBR 0   /* receive buffer (read, DLAB 0) */
#define UART_THR 0   /* transmit holding (write, DLAB 0) */
#define UART_DLL 0   /* divisor latch low (DLAB 1) */
#define UART_IER 1   /* interrupt enable (DLAB 0) */
#define UART_DLM 1   /* divisor latch high (DLAB 1) */
#define UART_IIR 2   /* interrupt identification (read) */
#define UART_FCR 2   /* FIFO control (write) */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define UART_IER_RDI  0x01  /* received data available */
#define UART_IER_THRI 0x02  /* THR empty */
#define UART_IER_RLSI 0x04  /* receiver line status */
#define UART_IER_MSI  0x08  /* modem status */

#define UART_IIR_NO_INT 0x01
#define UART_IIR_MSI    0x00
#define UART_IIR_THRI   0x02
#define UART_IIR_RDI    0x04
#define UART_IIR_RLSI   0x06
#define UART_IIR_TIMEOUT 0x0C
#define UART_IIR_FIFO   0xC0  /* FIFOs enabled (16550A) */

#define UART_FCR_ENABLE   0x01
#define UART_FCR_CLEAR_RX 0x02
#define UART_FCR_CLEAR_TX 0x04

#define UART_LCR_DLAB 0x80

#define UART_MCR_DTR  0x01
#define UART_MCR_RTS  0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08  /* gates the interrupt line on a PC */
#define UART_MCR_LOOP 0x10

#define UART_LSR_DR   0x01
#define UART_LSR_OE   0x02
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40

#define UART_MSR_DCTS 0x01
#define UART_MSR_DDSR 0x02
#define UART_MSR_TERI 0x04
#define UART_MSR_DDCD 0x08
#define UART_MSR_CTS  0x10
#define UART_MSR_DSR  0x20
#define UART_MSR_RI   0x40
#define UART_MSR_DCD  0x80

#define UART_FIFO_SIZE 16

typedef void (*uart16550_sink_fn)(void *ctx, uint8_t byte);

struct uart16550 {
    struct vmx_device device;
    const struct vmx_platform *plat;
    unsigned irq;
    uart16550_sink_fn sink;
    void *sink_ctx;

    uint8_t ier, lcr, mcr, fcr, scr, dll, dlm;
    uint8_t lsr_errors;     /* sticky LSR bits, cleared by reading LSR */
    uint8_t msr_delta;      /* MSR bits 0-3, cleared by reading MSR */
    uint8_t msr_lines;      /* MSR bits 4-7 as last seen */
    bool thre_pending;      /* a THR-empty interrupt not yet acknowledged */
    bool irq_level;
    uint8_t rx[UART_FIFO_SIZE];
    unsigned rx_head, rx_count;
};

/* A UART at base (8 ports) on interrupt line irq; sink gets each byte sent. */
void uart16550_init(struct uart16550 *u, uint16_t base, unsigned irq,
                    const struct vmx_platform *plat, uart16550_sink_fn sink, void *sink_ctx);
void uart16550_reset(struct uart16550 *u);

/* Free space in the receive FIFO (1 deep with FIFOs off). */
size_t uart16550_rx_room(const struct uart16550 *u);

/*
 * Bytes arriving on the line.  A source with flow control sends at most
 * rx_room() bytes; what does not fit is lost and sets overrun (LSR OE),
 * as on a real line.  Ignored in loopback mode.  Returns bytes stored.
 */
size_t uart16550_receive(struct uart16550 *u, const uint8_t *buf, size_t len);

#endif
