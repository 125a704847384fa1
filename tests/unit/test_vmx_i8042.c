/* SPDX-License-Identifier: GPL-2.0-only */
/* Host unit tests for the i8042 keyboard controller model
 * (vmx/devices/i8042.c), in the order Linux's i8042 and atkbd probe it. */
#include "check.h"

#include "../../vmx/devices/i8042.h"

struct rig {
    struct vmx_platform plat;
    struct i8042 k;
    bool line;
    int rises;
    int resets;
};

static void rig_irq(void *ctx, unsigned line, bool level)
{
    struct rig *r = ctx;

    if (line == 1 && level && !r->line)
        r->rises++;
    r->line = level;
}

static void rig_reset(void *ctx)
{
    ((struct rig *)ctx)->resets++;
}

static void setup(struct rig *r)
{
    *r = (struct rig){0};
    r->plat = (struct vmx_platform){ .irq_set = rig_irq, .reset_request = rig_reset, .ctx = r };
    i8042_init(&r->k, 1, &r->plat);
}

static uint8_t status(struct rig *r)
{
    return (uint8_t)vmx_device_pio_read(&r->k.device, I8042_COMMAND_PORT, 1);
}

static uint8_t data(struct rig *r)
{
    return (uint8_t)vmx_device_pio_read(&r->k.device, I8042_DATA_PORT, 1);
}

static void cmd(struct rig *r, uint8_t v)
{
    vmx_device_pio_write(&r->k.device, I8042_COMMAND_PORT, 1, v);
}

static void put(struct rig *r, uint8_t v)
{
    vmx_device_pio_write(&r->k.device, I8042_DATA_PORT, 1, v);
}

/* Read n bytes, each only while OBF says one is there; -1 ends early. */
static bool reads(struct rig *r, const uint8_t *want, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (!(status(r) & I8042_STR_OBF) || data(r) != want[i])
            return false;
    return !(status(r) & I8042_STR_OBF);
}

static void test_controller(void)
{
    struct rig r;

    setup(&r);
    CHECK(vmx_device_claims_port(&r.k.device, 0x60) && vmx_device_claims_port(&r.k.device, 0x64) &&
              !vmx_device_claims_port(&r.k.device, 0x61),
          "ports: 0x60 and 0x64 only");
    CHECK_EQ(status(&r), I8042_STR_SYS | I8042_STR_UNLOCK, "status: SYS, unlocked, buffers empty");
    CHECK(!r.line, "reset: IRQ1 low");

    cmd(&r, 0xAA);
    CHECK_EQ(status(&r), I8042_STR_OBF | I8042_STR_SYS | I8042_STR_CMD | I8042_STR_UNLOCK,
             "self-test: OBF, last write a command");
    CHECK(r.line && r.rises == 1, "self-test: reply raises IRQ1");
    CHECK_EQ(data(&r), 0x55, "self-test: 0xAA answers 0x55");
    CHECK(!(status(&r) & I8042_STR_OBF) && !r.line, "self-test: read empties the buffer, IRQ1 low");
    CHECK_EQ(data(&r), 0x55, "data: an empty buffer reads its last byte again");

    cmd(&r, 0x20);
    CHECK_EQ(data(&r), 0x65, "command byte: XLATE|AUXDIS|SYS|KBDINT after power-on");
    cmd(&r, 0x60);
    put(&r, 0x47);
    CHECK_EQ(status(&r) & I8042_STR_CMD, 0, "status: A2 clear after a data write");
    cmd(&r, 0x20);
    CHECK_EQ(data(&r), 0x47, "command byte: 0x60 write reads back");
    cmd(&r, 0x7F);
    put(&r, 0x99);
    cmd(&r, 0x3F);
    CHECK_EQ(data(&r), 0x99, "controller RAM: byte 31 through 0x7F/0x3F");

    cmd(&r, 0xAB);
    CHECK_EQ(data(&r), 0x00, "keyboard interface test passes");
    cmd(&r, 0xA9);
    CHECK_EQ(data(&r), 0x02, "aux interface test: no aux port (0x02)");
    cmd(&r, 0xD3);
    put(&r, 0x5A);
    CHECK_EQ(status(&r) & (I8042_STR_OBF | I8042_STR_AUXOBF), I8042_STR_OBF,
             "aux loopback: byte back without the aux flag");
    CHECK_EQ(data(&r), 0x5A, "aux loopback: the byte");
    cmd(&r, 0xA8);
    cmd(&r, 0x20);
    CHECK_EQ(data(&r) & I8042_CTR_AUXDIS, 0, "0xA8 clears AUXDIS");
    cmd(&r, 0xA7);
    cmd(&r, 0x20);
    CHECK_EQ(data(&r) & I8042_CTR_AUXDIS, I8042_CTR_AUXDIS, "0xA7 sets AUXDIS");
}

static void test_reset_and_a20(void)
{
    struct rig r;

    setup(&r);
    CHECK(i8042_a20(&r.k), "A20: on at power-on");
    cmd(&r, 0xD0);
    CHECK_EQ(data(&r), 0xCF, "output port: reset inactive, A20 on");
    cmd(&r, 0xD1);
    put(&r, 0xCD);
    CHECK(!i8042_a20(&r.k) && r.resets == 0, "A20: 0xD1 with bit 1 clear turns it off");
    cmd(&r, 0xD1);
    put(&r, 0xCF);
    CHECK(i8042_a20(&r.k), "A20: 0xD1 with bit 1 set turns it on");
    cmd(&r, 0xDD);
    CHECK(!i8042_a20(&r.k), "A20: 0xDD off");
    cmd(&r, 0xDF);
    CHECK(i8042_a20(&r.k), "A20: 0xDF on");
    cmd(&r, 0xFF);
    CHECK_EQ(r.resets, 0, "0xFF pulses nothing");
    cmd(&r, 0xFE);
    CHECK_EQ(r.resets, 1, "0xFE pulses the reset line");
    cmd(&r, 0xD1);
    put(&r, 0xCE);
    CHECK_EQ(r.resets, 2, "0xD1 with bit 0 clear resets too");
}

static void test_keyboard(void)
{
    struct rig r;
    static const uint8_t ack_bat[] = { 0xFA, 0xAA };
    static const uint8_t id_xlate[] = { 0xFA, 0xAB, 0x41 };
    static const uint8_t id_raw[] = { 0xFA, 0xAB, 0x83 };
    static const uint8_t ack2[] = { 0xFA, 0xFA };
    static const uint8_t set2[] = { 0xFA, 0xFA, 0x02 };
    static const uint8_t ack[] = { 0xFA };

    setup(&r);
    put(&r, 0xFF);
    CHECK(reads(&r, ack_bat, 2), "keyboard reset 0xFF: 0xFA then 0xAA");
    CHECK_EQ(r.rises, 2, "keyboard reset: one IRQ1 edge per byte");
    put(&r, 0xF4);
    CHECK(reads(&r, ack, 1), "0xF4 enable: 0xFA");
    put(&r, 0xF2);
    CHECK(reads(&r, id_xlate, 3), "0xF2 identify: FA AB 41 while translating");
    cmd(&r, 0x60);
    put(&r, 0x05);
    put(&r, 0xF2);
    CHECK(reads(&r, id_raw, 3), "0xF2 identify: FA AB 83 untranslated");
    put(&r, 0xED);
    put(&r, 0x07);
    CHECK(reads(&r, ack2, 2) && r.k.leds == 7, "0xED LEDs: ACK, ACK, all three on");
    put(&r, 0xF0);
    put(&r, 0x00);
    CHECK(reads(&r, set2, 3), "0xF0 0: ACK, ACK and set 2");
    put(&r, 0xEE);
    CHECK_EQ(data(&r), 0xEE, "0xEE echo");
    put(&r, 0x12);
    CHECK_EQ(data(&r), 0xFE, "unknown command: 0xFE resend");
    cmd(&r, 0xD2);
    put(&r, 0x1C);
    CHECK_EQ(data(&r), 0x1C, "0xD2: byte appears as keyboard data");
}

static void test_keys(void)
{
    struct rig r;
    static const uint8_t a_press[] = { 0x1E, 0x9E };
    static const uint8_t order[] = { 0x1E, 0xFA, 0x9E };
    uint8_t many[20];

    setup(&r);
    CHECK_EQ(i8042_translating(&r.k), 1, "translation on: keys go in as set 1");
    CHECK_EQ(i8042_key_input(&r.k, a_press, 2), 2, "keys: 'a' make and break taken");
    CHECK(r.line && r.rises == 1, "keys: IRQ1 raised");
    CHECK_EQ(data(&r), 0x1E, "keys: make code first");
    CHECK(r.line && r.rises == 2, "keys: next byte is a new IRQ1 edge");
    CHECK_EQ(data(&r), 0x9E, "keys: break code");
    CHECK(!r.line && !(status(&r) & I8042_STR_OBF), "keys: drained");

    /* An ACK goes ahead of key bytes not yet in the output buffer. */
    i8042_key_input(&r.k, a_press, 2);
    put(&r, 0xF4);
    CHECK(reads(&r, order, 3), "keys: 0x1E, then the ACK, then 0x9E");

    cmd(&r, 0xAD);
    i8042_key_input(&r.k, a_press, 1);
    CHECK(!(status(&r) & I8042_STR_OBF) && !r.line, "0xAD: keyboard disabled holds its bytes");
    cmd(&r, 0xAE);
    CHECK(status(&r) & I8042_STR_OBF && r.line, "0xAE: enabled again, the byte arrives");
    CHECK_EQ(data(&r), 0x1E, "0xAE: the held byte");

    cmd(&r, 0x60);
    put(&r, 0x64);
    i8042_key_input(&r.k, a_press, 1);
    CHECK(status(&r) & I8042_STR_OBF && !r.line, "KBDINT off: OBF without IRQ1");
    data(&r);

    put(&r, 0xF5);
    data(&r);
    CHECK_EQ(i8042_key_input(&r.k, a_press, 2), 0, "0xF5: keys dropped while not scanning");
    put(&r, 0xF4);
    data(&r);
    memset(many, 0x10, sizeof many);
    CHECK_EQ(i8042_key_input(&r.k, many, 20), 17, "buffer: output byte plus 16 queued");

    vmx_device_reset(&r.k.device);
    CHECK(!(status(&r) & I8042_STR_OBF) && !r.line, "reset: buffers cleared, IRQ1 low");
    cmd(&r, 0x20);
    CHECK_EQ(data(&r), 0x65, "reset: command byte back to default");
    CHECK_EQ(vmx_device_pio_read(&r.k.device, 0x61, 1), 0xFF, "port 0x61 not decoded here");
}

int main(void)
{
    test_controller();
    test_reset_and_a20();
    test_keyboard();
    test_keys();
    CHECK_DONE();
}
