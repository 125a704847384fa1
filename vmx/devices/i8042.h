/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The i8042 keyboard controller of a PC with a keyboard on its first port
 * and nothing on the auxiliary (mouse) port: data at 0x60, status and
 * commands at 0x64, IRQ1.  The system-reset and A20 lines of its output
 * port are here too.
 */
#ifndef SKERRY_VMX_I8042_H
#define SKERRY_VMX_I8042_H

#include <stddef.h>

#include "device.h"

#define I8042_DATA_PORT    0x60
#define I8042_COMMAND_PORT 0x64     /* status when read */

#define I8042_STR_OBF    0x01   /* output buffer full */
#define I8042_STR_IBF    0x02   /* input buffer full: never, commands run at once */
#define I8042_STR_SYS    0x04   /* system flag (command byte bit 2) */
#define I8042_STR_CMD    0x08   /* last write was to 0x64 */
#define I8042_STR_UNLOCK 0x10   /* keyboard not inhibited */
#define I8042_STR_AUXOBF 0x20   /* output buffer holds aux data: never */

#define I8042_CTR_KBDINT 0x01   /* command byte: IRQ1 on keyboard data */
#define I8042_CTR_AUXINT 0x02
#define I8042_CTR_SYS    0x04
#define I8042_CTR_KBDDIS 0x10   /* keyboard clock off */
#define I8042_CTR_AUXDIS 0x20
#define I8042_CTR_XLATE  0x40   /* translate to scancode set 1 */

#define I8042_OUT_RESET 0x01    /* output port: 0 holds the CPU in reset */
#define I8042_OUT_A20   0x02

#define I8042_KBD_QUEUE 16

struct i8042 {
    struct vmx_device device;
    const struct vmx_platform *plat;
    unsigned irq;
    uint8_t ram[32];        /* controller RAM; byte 0 is the command byte */
    uint8_t outport;
    uint8_t pending;        /* controller command waiting for its data byte */
    bool last_was_cmd;
    bool irq_level;
    /* The one-byte output buffer and what waits to go into it. */
    bool obf;
    uint8_t out;
    uint8_t ctl[4];         /* controller replies, first in */
    unsigned ctl_n;
    uint8_t kbd[I8042_KBD_QUEUE];   /* bytes the keyboard has to send */
    unsigned kbd_n;
    /* The keyboard. */
    uint8_t kbd_pending;    /* keyboard command waiting for its parameter */
    uint8_t kbd_last;       /* for 0xFE resend */
    uint8_t scan_set, leds;
    bool scanning;
};

void i8042_init(struct i8042 *k, unsigned irq, const struct vmx_platform *plat);
void i8042_reset(struct i8042 *k);

/*
 * Key presses from the remote console: scancode bytes as they should
 * appear at port 0x60 (set 1 while the command byte asks for translation,
 * see i8042_translating()).  Dropped while the keyboard is not scanning
 * (after 0xF5); at most the free part of the keyboard's 16-byte buffer is
 * taken.  Returns the bytes taken.
 */
size_t i8042_key_input(struct i8042 *k, const uint8_t *codes, size_t len);
bool i8042_translating(const struct i8042 *k);

bool i8042_a20(const struct i8042 *k);

#endif
