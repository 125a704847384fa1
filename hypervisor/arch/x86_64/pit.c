/* SPDX-License-Identifier: GPL-2.0-only */
/* PIT channel 2, used only as a reference clock at boot. */
#include <arch/io.h>
#include <arch/pit.h>

#define PIT_HZ        1193182u
#define PIT_CH2_DATA  0x42
#define PIT_MODE      0x43
#define PORT_B        0x61     /* bit 0: channel 2 gate, bit 5: channel 2 output */

void pit_wait_us(uint32_t us)
{
    uint32_t ticks = (uint32_t)((uint64_t)us * PIT_HZ / 1000000);
    if (ticks > 0xFFFF)
        ticks = 0xFFFF;
    uint8_t b = inb(PORT_B);
    outb(PORT_B, (b & ~0x02) | 0x01);       /* gate on, speaker off */
    outb(PIT_MODE, 0xB0);                    /* ch2, lo/hi, mode 0, binary */
    outb(PIT_CH2_DATA, ticks & 0xFF);
    outb(PIT_CH2_DATA, ticks >> 8);
    while (!(inb(PORT_B) & 0x20))
        ;
    outb(PORT_B, b);
}
