/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VGA text-mode model (vga_text.h).  Only what a text console uses has an
 * effect: the CRTC geometry, start address and cursor registers, and the
 * misc register's colour/mono port select.  Graphics modes, fonts and the
 * planar memory layout are not modelled; the other registers just hold
 * what is written.
 */
#include "vga_text.h"

#include <string.h>

/* Mode 3 (80x25 colour text) CRTC values, as the BIOS sets them. */
static const uint8_t crtc_mode3[25] = {
    0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00,
    0x00, 0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF,
};

#define MISC_COLOR 0x01     /* misc output: CRTC at 0x3Dx, not 0x3Bx */
#define CRTC_PROTECT 0x80   /* register 0x11: registers 0-7 read-only */

void vga_text_reset(struct vga_text *v)
{
    memset(v->mem, 0, sizeof v->mem);
    for (size_t i = 0; i < sizeof v->mem; i += 2)
        v->mem[i + 1] = 0x07;   /* light grey on black */
    v->misc = 0x67;
    memcpy(v->crtc, crtc_mode3, sizeof v->crtc);
    v->crtc_index = v->seq_index = v->gc_index = v->attr_index = 0;
    memset(v->seq, 0, sizeof v->seq);
    memset(v->gc, 0, sizeof v->gc);
    memset(v->attr, 0, sizeof v->attr);
    v->seq[1] = 0x00;
    v->seq[3] = 0x00;
    v->seq[4] = 0x02;
    v->gc[5] = 0x10;
    v->gc[6] = 0x0E;        /* text: B8000 window, odd/even */
    v->attr[0x10] = 0x0C;
    v->attr_flip = false;
    v->dac_read = v->dac_write = v->dac_step = v->dac_state = 0;
    memset(v->dac, 0, sizeof v->dac);
    v->pel_mask = 0xFF;
    v->retrace = false;
}

static bool crtc_port(const struct vga_text *v, uint16_t port, uint16_t color, uint16_t mono)
{
    return port == ((v->misc & MISC_COLOR) ? color : mono);
}

/* Red, green, blue, then the next entry. */
static void dac_step(struct vga_text *v, uint8_t *entry)
{
    if (++v->dac_step == 3) {
        v->dac_step = 0;
        (*entry)++;
    }
}

static uint8_t read8(void *dev, uint16_t port)
{
    struct vga_text *v = dev;

    if (crtc_port(v, port, 0x3D4, 0x3B4))
        return v->crtc_index;
    if (crtc_port(v, port, 0x3D5, 0x3B5))
        return v->crtc_index < sizeof v->crtc ? v->crtc[v->crtc_index] : 0xFF;
    if (crtc_port(v, port, 0x3DA, 0x3BA)) {
        /* Input status 1: reading resets the attribute flip-flop; the
         * retrace bits toggle so that polling loops finish. */
        v->attr_flip = false;
        v->retrace = !v->retrace;
        return v->retrace ? 0x09 : 0x00;
    }
    switch (port) {
    case 0x3C0:
        return v->attr_index;
    case 0x3C1:
        return (v->attr_index & 0x1F) < sizeof v->attr ? v->attr[v->attr_index & 0x1F] : 0xFF;
    case 0x3C2:
        return 0x10;        /* input status 0: switch sense */
    case 0x3C4:
        return v->seq_index;
    case 0x3C5:
        return v->seq_index < sizeof v->seq ? v->seq[v->seq_index] : 0xFF;
    case 0x3C6:
        return v->pel_mask;
    case 0x3C7:
        return v->dac_state;
    case 0x3C8:
        return v->dac_write;
    case 0x3C9: {
        uint8_t c = v->dac[v->dac_read][v->dac_step];

        dac_step(v, &v->dac_read);
        return c;
    }
    case 0x3CA:
        return 0x00;        /* feature control */
    case 0x3CC:
        return v->misc;
    case 0x3CE:
        return v->gc_index;
    case 0x3CF:
        return v->gc_index < sizeof v->gc ? v->gc[v->gc_index] : 0xFF;
    default:
        return 0xFF;
    }
}

static void write_crtc(struct vga_text *v, uint8_t value)
{
    uint8_t i = v->crtc_index;

    if (i >= sizeof v->crtc)
        return;
    if (i <= 7 && (v->crtc[0x11] & CRTC_PROTECT)) {
        if (i == 7)     /* only the line compare bit stays writable */
            v->crtc[7] = (uint8_t)((v->crtc[7] & ~0x10) | (value & 0x10));
        return;
    }
    v->crtc[i] = value;
}

static void write8(void *dev, uint16_t port, uint8_t value)
{
    struct vga_text *v = dev;

    if (crtc_port(v, port, 0x3D4, 0x3B4)) {
        v->crtc_index = value & 0x3F;
        return;
    }
    if (crtc_port(v, port, 0x3D5, 0x3B5)) {
        write_crtc(v, value);
        return;
    }
    switch (port) {
    case 0x3C0:
        if (!v->attr_flip)
            v->attr_index = value & 0x3F;
        else if ((v->attr_index & 0x1F) < sizeof v->attr)
            v->attr[v->attr_index & 0x1F] = value;
        v->attr_flip = !v->attr_flip;
        break;
    case 0x3C2:
        v->misc = value;
        break;
    case 0x3C4:
        v->seq_index = value & 0x07;
        break;
    case 0x3C5:
        if (v->seq_index < sizeof v->seq)
            v->seq[v->seq_index] = value;
        break;
    case 0x3C6:
        v->pel_mask = value;
        break;
    case 0x3C7:
        v->dac_read = value;
        v->dac_step = 0;
        v->dac_state = 0x03;
        break;
    case 0x3C8:
        v->dac_write = value;
        v->dac_step = 0;
        v->dac_state = 0x00;
        break;
    case 0x3C9:
        v->dac[v->dac_write][v->dac_step] = value & 0x3F;
        dac_step(v, &v->dac_write);
        break;
    case 0x3CE:
        v->gc_index = value & 0x0F;
        break;
    case 0x3CF:
        if (v->gc_index < sizeof v->gc)
            v->gc[v->gc_index] = value;
        break;
    default:
        break;
    }
}

static uint64_t mmio_read(void *dev, uint64_t addr, unsigned size)
{
    const struct vga_text *v = dev;
    uint64_t off = addr - VGA_TEXT_BASE, val = 0;

    for (unsigned i = 0; i < size && i < 8; i++)
        val |= (uint64_t)(off + i < VGA_TEXT_SIZE ? v->mem[off + i] : 0xFF) << (8 * i);
    return val;
}

static void mmio_write(void *dev, uint64_t addr, unsigned size, uint64_t value)
{
    struct vga_text *v = dev;
    uint64_t off = addr - VGA_TEXT_BASE;

    for (unsigned i = 0; i < size && i < 8; i++)
        if (off + i < VGA_TEXT_SIZE)
            v->mem[off + i] = (uint8_t)(value >> (8 * i));
}

void vga_text_geometry(const struct vga_text *v, unsigned *cols, unsigned *rows)
{
    const uint8_t *c = v->crtc;
    unsigned vde = c[0x12] | (c[7] & 0x02) << 7 | (c[7] & 0x40) << 3;
    unsigned char_height = (c[0x09] & 0x1F) + 1;

    *cols = c[0x01] + 1u;
    *rows = (vde + 1) / char_height;
    if (*cols > VGA_MAX_COLS)
        *cols = VGA_MAX_COLS;
    if (*rows > VGA_MAX_ROWS)
        *rows = VGA_MAX_ROWS;
}

/* The cell index of the displayed page's start and the row pitch. */
static unsigned start_cell(const struct vga_text *v)
{
    return (unsigned)v->crtc[VGA_CRTC_START_HI] << 8 | v->crtc[VGA_CRTC_START_LO];
}

static unsigned pitch_cells(const struct vga_text *v)
{
    return v->crtc[0x13] * 2u;     /* the offset register counts words */
}

uint16_t vga_text_cell(const struct vga_text *v, unsigned row, unsigned col)
{
    unsigned cell = (start_cell(v) + row * pitch_cells(v) + col) % (VGA_TEXT_SIZE / 2);

    return (uint16_t)(v->mem[2 * cell] | v->mem[2 * cell + 1] << 8);
}

void vga_text_cursor(const struct vga_text *v, unsigned *row, unsigned *col, bool *visible)
{
    unsigned pos = (unsigned)v->crtc[VGA_CRTC_CURSOR_HI] << 8 | v->crtc[VGA_CRTC_CURSOR_LO];
    unsigned rel = pos - start_cell(v), pitch = pitch_cells(v);

    if (pos < start_cell(v) || !pitch) {
        *row = *col = 0;
        *visible = false;
        return;
    }
    *row = rel / pitch;
    *col = rel % pitch;
    *visible = !(v->crtc[VGA_CRTC_CURSOR_START] & 0x20);
}

size_t vga_text_render_line(const struct vga_text *v, unsigned row, char *buf, size_t cap)
{
    unsigned cols, rows;
    size_t n = 0, end = 0;

    if (!cap)
        return 0;
    vga_text_geometry(v, &cols, &rows);
    for (unsigned col = 0; row < rows && col < cols && n + 1 < cap; col++) {
        uint8_t ch = (uint8_t)vga_text_cell(v, row, col);

        if (ch == 0x00 || ch == 0xFF)
            ch = ' ';
        else if (ch < 0x20 || ch > 0x7E)
            ch = '?';
        buf[n++] = (char)ch;
        if (ch != ' ')
            end = n;
    }
    buf[end] = '\0';
    return end;
}

static void reset_op(void *dev)
{
    vga_text_reset(dev);
}

static const struct vmx_device_ops vga_ops = {
    .pio_read8 = read8,
    .pio_write8 = write8,
    .mmio_read = mmio_read,
    .mmio_write = mmio_write,
    .reset = reset_op,
};

void vga_text_init(struct vga_text *v)
{
    memset(v, 0, sizeof *v);
    v->device = (struct vmx_device){
        .name = "vga_text", .ops = &vga_ops, .dev = v,
        .pio = { { 0x3B4, 2 }, { 0x3BA, 1 }, { 0x3C0, 16 }, { 0x3D4, 7 } }, .n_pio = 4,
        .mmio_base = VGA_TEXT_BASE, .mmio_size = VGA_TEXT_SIZE,
    };
    vga_text_reset(v);
}
