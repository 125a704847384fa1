/* SPDX-License-Identifier: GPL-2.0-only */
/* Polled 16550 UART driver for the vmkernel log and the boot banner. */
#include <arch/io.h>
#include <arch/cpu.h>
#include <arch/uart16550.h>

enum {
    UART_THR = 0, UART_DLL = 0, UART_IER = 1, UART_DLM = 1, UART_FCR = 2,
    UART_LCR = 3, UART_MCR = 4, UART_LSR = 5,
};
#define LSR_THR_EMPTY 0x20
#define LCR_DLAB      0x80

void uart_init(uint16_t base)
{
    outb(base + UART_IER, 0x00);
    outb(base + UART_LCR, LCR_DLAB);
    outb(base + UART_DLL, 1);           /* 115200 baud */
    outb(base + UART_DLM, 0);
    outb(base + UART_LCR, 0x03);        /* 8N1 */
    outb(base + UART_FCR, 0x07);        /* enable and clear FIFOs */
    outb(base + UART_MCR, 0x03);        /* DTR, RTS */
}

static void uart_putc(uint16_t base, char c)
{
    /* Bounded wait: a missing UART must not hang the vmkernel. */
    for (int spins = 0; spins < 100000; spins++) {
        if (inb(base + UART_LSR) & LSR_THR_EMPTY)
            break;
        cpu_relax();
    }
    outb(base + UART_THR, (uint8_t)c);
}

void uart_write(uint16_t base, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n')
            uart_putc(base, '\r');
        uart_putc(base, s[i]);
    }
}
