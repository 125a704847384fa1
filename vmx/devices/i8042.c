/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * i8042 keyboard controller model (i8042.h).  There is no auxiliary
 * device: the aux interface test answers 0x02 ("clock line stuck high")
 * and the aux loopback command echoes its byte without the aux flag, the
 * two answers Linux's i8042 driver takes as "no mouse port", so it does
 * not wait for a mouse that never answers.
 */
#include "i8042.h"

#include <string.h>

#define CTR_DEFAULT (I8042_CTR_KBDINT | I8042_CTR_SYS | I8042_CTR_AUXDIS | I8042_CTR_XLATE)
#define OUT_DEFAULT 0xCF        /* reset inactive, A20 on, the unused bits high */

#define KBD_ACK    0xFA
#define KBD_BAT_OK 0xAA
#define KBD_RESEND 0xFE

static uint8_t ctr(const struct i8042 *k)
{
    return k->ram[0];
}

static void update_irq(struct i8042 *k)
{
    bool level = k->obf && (ctr(k) & I8042_CTR_KBDINT);

    if (level != k->irq_level) {
        k->irq_level = level;
        vmx_irq_set(k->plat, k->irq, level);
    }
}

/* Move the next waiting byte into an empty output buffer. */
static void refill(struct i8042 *k)
{
    if (k->obf)
        return;
    if (k->ctl_n) {
        k->out = k->ctl[0];
        memmove(k->ctl, k->ctl + 1, --k->ctl_n);
        k->obf = true;
    } else if (k->kbd_n && !(ctr(k) & I8042_CTR_KBDDIS)) {
        k->out = k->kbd[0];
        memmove(k->kbd, k->kbd + 1, --k->kbd_n);
        k->obf = true;
    }
    update_irq(k);
}

static void ctl_reply(struct i8042 *k, uint8_t v)
{
    if (k->ctl_n < sizeof k->ctl)
        k->ctl[k->ctl_n++] = v;
    refill(k);
}

/* The keyboard's answer to a command goes ahead of queued key bytes. */
static void kbd_reply(struct i8042 *k, const uint8_t *v, unsigned n)
{
    if (k->kbd_n + n > I8042_KBD_QUEUE)
        k->kbd_n = I8042_KBD_QUEUE - n;     /* the oldest keys give way */
    memmove(k->kbd + n, k->kbd, k->kbd_n);
    memcpy(k->kbd, v, n);
    k->kbd_n += n;
    k->kbd_last = v[n - 1];
    refill(k);
}

static void kbd_ack(struct i8042 *k)
{
    static const uint8_t ack = KBD_ACK;

    kbd_reply(k, &ack, 1);
}

static void kbd_defaults(struct i8042 *k)
{
    k->scan_set = 2;
    k->leds = 0;
    k->kbd_pending = 0;
}

/* A byte written to 0x60 with no controller command waiting. */
static void kbd_command(struct i8042 *k, uint8_t v)
{
    uint8_t reply[3] = { KBD_ACK };

    if (k->kbd_pending) {
        uint8_t cmd = k->kbd_pending;

        k->kbd_pending = 0;
        if (cmd == 0xED)
            k->leds = v & 7;
        if (cmd == 0xF0 && v == 0) {
            reply[1] = k->scan_set;
            kbd_reply(k, reply, 2);
            return;
        }
        if (cmd == 0xF0 && v <= 3)
            k->scan_set = v;
        kbd_ack(k);
        return;
    }
    switch (v) {
    case 0xED:  /* set LEDs */
    case 0xF0:  /* get or set the scancode set */
    case 0xF3:  /* set typematic rate */
        k->kbd_pending = v;
        kbd_ack(k);
        break;
    case 0xEE:  /* echo */
        reply[0] = 0xEE;
        kbd_reply(k, reply, 1);
        break;
    case 0xF2:  /* identify: an MF2 keyboard */
        reply[1] = 0xAB;
        reply[2] = i8042_translating(k) ? 0x41 : 0x83;
        kbd_reply(k, reply, 3);
        break;
    case 0xF4:
        k->scanning = true;
        kbd_ack(k);
        break;
    case 0xF5:  /* disable: defaults, stop scanning, forget queued keys */
        kbd_defaults(k);
        k->scanning = false;
        k->kbd_n = 0;
        kbd_ack(k);
        break;
    case 0xF6:
        kbd_defaults(k);
        kbd_ack(k);
        break;
    case 0xFE:
        reply[0] = k->kbd_last;
        kbd_reply(k, reply, 1);
        break;
    case 0xFF:  /* reset: ACK, then the self-test passed */
        kbd_defaults(k);
        k->scanning = true;
        k->kbd_n = 0;
        reply[1] = KBD_BAT_OK;
        kbd_reply(k, reply, 2);
        break;
    default:
        reply[0] = KBD_RESEND;
        kbd_reply(k, reply, 1);
    }
}

static void write_outport(struct i8042 *k, uint8_t v)
{
    k->outport = v & 0xCF;      /* bits 4-5 mirror the output buffer */
    if (!(v & I8042_OUT_RESET))
        vmx_reset_request(k->plat);
}

static void set_ctr(struct i8042 *k, uint8_t v)
{
    k->ram[0] = v;
    update_irq(k);
    refill(k);      /* keyboard data may flow again */
}

/* The data byte of a controller command written to 0x64 before it. */
static void command_data(struct i8042 *k, uint8_t cmd, uint8_t v)
{
    if (cmd >= 0x60 && cmd <= 0x7F) {
        if (cmd == 0x60)
            set_ctr(k, v);
        else
            k->ram[cmd & 0x1F] = v;
        return;
    }
    switch (cmd) {
    case 0xD1:
        write_outport(k, v);
        break;
    case 0xD2:  /* as if the keyboard sent it */
        kbd_reply(k, &v, 1);
        break;
    case 0xD3:  /* aux loopback: no aux port, so it comes back as keyboard data */
        ctl_reply(k, v);
        break;
    default:    /* 0xD4: to the aux device, which is absent */
        break;
    }
}

static void controller_command(struct i8042 *k, uint8_t cmd)
{
    k->pending = 0;
    if (cmd >= 0x20 && cmd <= 0x3F) {
        ctl_reply(k, k->ram[cmd & 0x1F]);
        return;
    }
    if ((cmd >= 0x60 && cmd <= 0x7F) || (cmd >= 0xD1 && cmd <= 0xD4)) {
        k->pending = cmd;
        return;
    }
    if (cmd >= 0xF0) {      /* pulse the output lines whose bits are 0 */
        if (!(cmd & I8042_OUT_RESET))
            vmx_reset_request(k->plat);
        return;
    }
    switch (cmd) {
    case 0xA7:
        set_ctr(k, ctr(k) | I8042_CTR_AUXDIS);
        break;
    case 0xA8:
        set_ctr(k, ctr(k) & (uint8_t)~I8042_CTR_AUXDIS);
        break;
    case 0xA9:
        ctl_reply(k, 0x02);
        break;
    case 0xAA:  /* self-test */
        set_ctr(k, ctr(k) | I8042_CTR_SYS);
        ctl_reply(k, 0x55);
        break;
    case 0xAB:  /* keyboard interface test */
        ctl_reply(k, 0x00);
        break;
    case 0xAD:
        set_ctr(k, ctr(k) | I8042_CTR_KBDDIS);
        break;
    case 0xAE:
        set_ctr(k, ctr(k) & (uint8_t)~I8042_CTR_KBDDIS);
        break;
    case 0xC0:  /* input port: keyboard not inhibited, no jumper */
        ctl_reply(k, 0xA0);
        break;
    case 0xD0:
        ctl_reply(k, (uint8_t)(k->outport | (k->obf ? 0x10 : 0)));
        break;
    case 0xDD:
        k->outport &= (uint8_t)~I8042_OUT_A20;
        break;
    case 0xDF:
        k->outport |= I8042_OUT_A20;
        break;
    default:
        break;      /* unknown commands are ignored */
    }
}

void i8042_reset(struct i8042 *k)
{
    memset(k->ram, 0, sizeof k->ram);
    k->ram[0] = CTR_DEFAULT;
    k->outport = OUT_DEFAULT;
    k->pending = 0;
    k->last_was_cmd = false;
    k->obf = false;
    k->out = 0;
    k->ctl_n = k->kbd_n = 0;
    kbd_defaults(k);
    k->kbd_last = 0;
    k->scanning = true;
    update_irq(k);
}

static uint8_t read8(void *dev, uint16_t port)
{
    struct i8042 *k = dev;
    uint8_t v;

    if (port == I8042_COMMAND_PORT)
        return (uint8_t)((k->obf ? I8042_STR_OBF : 0) | (ctr(k) & I8042_CTR_SYS) |
                         (k->last_was_cmd ? I8042_STR_CMD : 0) | I8042_STR_UNLOCK);
    if (port != I8042_DATA_PORT)
        return 0xFF;
    v = k->out;     /* an empty buffer reads its last byte again */
    if (k->obf) {
        k->obf = false;
        update_irq(k);      /* drop the line so the next byte is a new edge */
        refill(k);
    }
    return v;
}

static void write8(void *dev, uint16_t port, uint8_t v)
{
    struct i8042 *k = dev;

    if (port == I8042_COMMAND_PORT) {
        k->last_was_cmd = true;
        controller_command(k, v);
    } else if (port == I8042_DATA_PORT) {
        uint8_t cmd = k->pending;

        k->last_was_cmd = false;
        k->pending = 0;
        if (cmd)
            command_data(k, cmd, v);
        else
            kbd_command(k, v);
    }
}

size_t i8042_key_input(struct i8042 *k, const uint8_t *codes, size_t len)
{
    size_t n = 0;

    if (!k->scanning)
        return 0;
    while (n < len && k->kbd_n < I8042_KBD_QUEUE) {
        k->kbd[k->kbd_n++] = codes[n++];
        refill(k);
    }
    return n;
}

bool i8042_translating(const struct i8042 *k)
{
    return ctr(k) & I8042_CTR_XLATE;
}

bool i8042_a20(const struct i8042 *k)
{
    return k->outport & I8042_OUT_A20;
}

static void reset_op(void *dev)
{
    i8042_reset(dev);
}

static const struct vmx_device_ops i8042_ops = {
    .pio_read8 = read8,
    .pio_write8 = write8,
    .reset = reset_op,
};

void i8042_init(struct i8042 *k, unsigned irq, const struct vmx_platform *plat)
{
    memset(k, 0, sizeof *k);
    k->plat = plat;
    k->irq = irq;
    k->device = (struct vmx_device){
        .name = "i8042", .ops = &i8042_ops, .dev = k,
        .pio = { { I8042_DATA_PORT, 1 }, { I8042_COMMAND_PORT, 1 } }, .n_pio = 2,
    };
    i8042_reset(k);
}
