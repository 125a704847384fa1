/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A VGA in text mode, as the remote console needs it: the text buffer at
 * 0xB8000-0xBFFFF (MMIO), the CRTC at 0x3D4/0x3D5 (0x3B4/0x3B5 when the
 * misc output register selects mono), and the misc, sequencer, graphics,
 * attribute and DAC ports kept as registers so drivers can program them.
 */
#ifndef SKERRY_VMX_VGA_TEXT_H
#define SKERRY_VMX_VGA_TEXT_H

#include <stddef.h>

#include "device.h"

#define VGA_TEXT_BASE 0xB8000
#define VGA_TEXT_SIZE 0x8000

#define VGA_CRTC_CURSOR_START 0x0A  /* bit 5: cursor off */
#define VGA_CRTC_START_HI     0x0C
#define VGA_CRTC_START_LO     0x0D
#define VGA_CRTC_CURSOR_HI    0x0E
#define VGA_CRTC_CURSOR_LO    0x0F

#define VGA_MAX_COLS 132
#define VGA_MAX_ROWS 60

struct vga_text {
    struct vmx_device device;
    uint8_t mem[VGA_TEXT_SIZE];     /* character, attribute pairs */
    uint8_t misc;
    uint8_t crtc_index, crtc[25];
    uint8_t seq_index, seq[5];
    uint8_t gc_index, gc[9];
    uint8_t attr_index, attr[21];
    bool attr_flip;                 /* next 0x3C0 write is data */
    uint8_t dac_read, dac_write, dac_step, dac_state;
    uint8_t dac[256][3];
    uint8_t pel_mask;
    bool retrace;                   /* toggles on each input status read */
};

void vga_text_init(struct vga_text *v);
void vga_text_reset(struct vga_text *v);

/* The screen as the CRTC lays it out: columns and rows (capped at
 * VGA_MAX_COLS x VGA_MAX_ROWS). */
void vga_text_geometry(const struct vga_text *v, unsigned *cols, unsigned *rows);

/* Character and attribute at (row, col) of the displayed page. */
uint16_t vga_text_cell(const struct vga_text *v, unsigned row, unsigned col);

/* The cursor cell and whether it is shown. */
void vga_text_cursor(const struct vga_text *v, unsigned *row, unsigned *col, bool *visible);

/*
 * Row `row` as text: printable ASCII as it is, 0x00 and 0xFF as spaces,
 * other code page 437 bytes as '?', trailing spaces dropped.  Returns the
 * length written into buf (NUL-terminated, truncated to cap - 1).
 */
size_t vga_text_render_line(const struct vga_text *v, unsigned row, char *buf, size_t cap);

#endif
