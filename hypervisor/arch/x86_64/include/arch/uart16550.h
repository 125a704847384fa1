/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef ARCH_UART16550_H
#define ARCH_UART16550_H

#include <stddef.h>
#include <stdint.h>

#define COM1_PORT 0x3F8
#define COM2_PORT 0x2F8
#define COM3_PORT 0x3E8
#define COM4_PORT 0x2E8

/* Program 115200 8N1, FIFOs on, no interrupts. */
void uart_init(uint16_t base);
void uart_write(uint16_t base, const char *s, size_t len);

#endif
