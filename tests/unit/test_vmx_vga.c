/* SPDX-License-Identifier: GPL-2.0-only */
/* Host unit tests for the VGA text-mode model (vmx/devices/vga_text.c):
 * what vgacon and the remote console see of it. */
#include "check.h"

#include "../../vmx/devices/vga_text.h"

static struct vga_text vga;

static uint8_t in(uint16_t port)
{
    return (uint8_t)vmx_device_pio_read(&vga.device, port, 1);
}

static void out(uint16_t port, uint8_t v)
{
    vmx_device_pio_write(&vga.device, port, 1, v);
}

static void crtc_out(uint8_t index, uint8_t v)
{
    out(0x3D4, index);
    out(0x3D5, v);
}

/* Print s at (row, col) with attribute attr through 16-bit stores. */
static void print_at(unsigned row, unsigned col, const char *s, uint8_t attr)
{
    for (unsigned i = 0; s[i]; i++)
        vmx_device_mmio_write(&vga.device, VGA_TEXT_BASE + 2 * (row * 80 + col + i), 2,
                              (uint8_t)s[i] | (unsigned)attr << 8);
}

static bool line_is(unsigned row, const char *want)
{
    char buf[VGA_MAX_COLS + 1];

    vga_text_render_line(&vga, row, buf, sizeof buf);
    return !strcmp(buf, want);
}

static void test_claims(void)
{
    CHECK(vmx_device_claims_mmio(&vga.device, 0xB8000, 2) && vmx_device_claims_mmio(&vga.device, 0xBFFFC, 4) &&
              !vmx_device_claims_mmio(&vga.device, 0xBFFFE, 4) && !vmx_device_claims_mmio(&vga.device, 0xB7FFF, 1),
          "claims: text memory 0xB8000-0xBFFFF");
    CHECK(vmx_device_claims_port(&vga.device, 0x3D4) && vmx_device_claims_port(&vga.device, 0x3D5) &&
              vmx_device_claims_port(&vga.device, 0x3DA) && vmx_device_claims_port(&vga.device, 0x3C0) &&
              vmx_device_claims_port(&vga.device, 0x3CF) && vmx_device_claims_port(&vga.device, 0x3B4) &&
              !vmx_device_claims_port(&vga.device, 0x3DB),
          "claims: the VGA ports");
}

static void test_text(void)
{
    unsigned cols, rows;

    vga_text_geometry(&vga, &cols, &rows);
    CHECK(cols == 80 && rows == 25, "geometry: mode 3 is 80x25");
    CHECK(line_is(0, ""), "render: a blank screen is empty lines");
    print_at(0, 0, "Linux version 6.1.0-skerry", 0x07);
    print_at(24, 70, "[ OK ]", 0x1F);
    CHECK(line_is(0, "Linux version 6.1.0-skerry"), "render: row 0 as text");
    CHECK(line_is(24, "                                                                      [ OK ]"),
          "render: last row, leading spaces kept");
    CHECK_EQ(vga_text_cell(&vga, 24, 72), 'O' | 0x1F << 8, "cell: character and attribute");
    CHECK_EQ(vmx_device_mmio_read(&vga.device, VGA_TEXT_BASE, 4), 'L' | 0x07 << 8 | (uint32_t)('i' | 0x07 << 8) << 16,
             "mmio: a 32-bit read is two cells");
    vmx_device_mmio_write(&vga.device, VGA_TEXT_BASE + 160, 8, 0x0748074807480748ull);
    CHECK(line_is(1, "HHHH"), "mmio: a 64-bit store is four cells");
    print_at(2, 0, "\x01\xC4\xC4\xFF!", 0x07);
    CHECK(line_is(2, "???" " !"), "render: CP437 graphics as '?', 0xFF as space");
    {
        char small[6];

        CHECK(vga_text_render_line(&vga, 0, small, sizeof small) == 5 && !strcmp(small, "Linux"),
              "render: truncated to the buffer");
        CHECK(vga_text_render_line(&vga, 25, small, sizeof small) == 0 && !small[0], "render: past the last row is empty");
    }

    /* Scrolling by start address: row 0 shows what was row 1. */
    crtc_out(VGA_CRTC_START_HI, 0);
    crtc_out(VGA_CRTC_START_LO, 80);
    CHECK(line_is(0, "HHHH"), "start address: one line down");
    crtc_out(VGA_CRTC_START_LO, 0);

    crtc_out(0x09, 0x47);   /* 8-scan-line characters */
    vga_text_geometry(&vga, &cols, &rows);
    CHECK(cols == 80 && rows == 50, "geometry: 8-line font gives 80x50");
    crtc_out(0x09, 0x4F);
}

static void test_cursor(void)
{
    unsigned row, col;
    bool visible;

    crtc_out(VGA_CRTC_CURSOR_HI, 0x00);
    crtc_out(VGA_CRTC_CURSOR_LO, 80 + 5);
    vga_text_cursor(&vga, &row, &col, &visible);
    CHECK(row == 1 && col == 5 && visible, "cursor: 0x0E/0x0F = 85 is row 1 column 5");
    out(0x3D4, VGA_CRTC_CURSOR_LO);
    CHECK_EQ(in(0x3D5), 85, "cursor: register 0x0F reads back");
    CHECK_EQ(in(0x3D4), VGA_CRTC_CURSOR_LO, "CRTC: index reads back");
    vmx_device_pio_write(&vga.device, 0x3D4, 2, 0x0E | 0x07 << 8);
    vga_text_cursor(&vga, &row, &col, &visible);
    CHECK(row == 23 && col == 37, "cursor: outw 0x3D4 sets index and value at once (0x0755)");
    vmx_device_pio_write(&vga.device, 0x3D4, 2, VGA_CRTC_CURSOR_START | 0x20 << 8);
    vga_text_cursor(&vga, &row, &col, &visible);
    CHECK(!visible, "cursor: bit 5 of register 0x0A hides it");
    crtc_out(VGA_CRTC_CURSOR_START, 0x0D);
}

static void test_registers(void)
{
    out(0x3D4, 0x01);
    out(0x3D5, 0x27);
    CHECK_EQ(in(0x3D5), 0x4F, "CRTC: registers 0-7 protected by bit 7 of 0x11");
    crtc_out(0x11, 0x0E);
    crtc_out(0x01, 0x27);
    out(0x3D4, 0x01);
    CHECK_EQ(in(0x3D5), 0x27, "CRTC: writable once protection is off");
    crtc_out(0x01, 0x4F);
    crtc_out(0x11, 0x8E);
    out(0x3D4, 0x30);
    CHECK_EQ(in(0x3D5), 0xFF, "CRTC: a register past 0x18 reads 0xFF");

    CHECK_EQ(in(0x3CC), 0x67, "misc: mode 3 value");
    out(0x3C2, 0x66);
    CHECK_EQ(in(0x3D5), 0xFF, "misc: mono select moves the CRTC off 0x3D5");
    out(0x3B4, 0x0F);
    CHECK_EQ(in(0x3B5), 85, "misc: and onto 0x3B5");
    out(0x3C2, 0x67);

    in(0x3DA);
    CHECK(((in(0x3DA) ^ in(0x3DA)) & 0x08) == 0x08, "input status: retrace bit toggles");
    in(0x3DA);      /* flip-flop to index */
    out(0x3C0, 0x30);
    out(0x3C0, 0x0C);
    CHECK_EQ(in(0x3C0), 0x30, "attribute: index (with PAS) reads back");
    CHECK_EQ(in(0x3C1), 0x0C, "attribute: data at index 0x10");
    out(0x3C0, 0x31);
    in(0x3DA);
    out(0x3C0, 0x12);
    CHECK_EQ(in(0x3C0), 0x12, "attribute: reading 0x3DA sends the next write to the index");

    out(0x3C4, 0x04);
    out(0x3C5, 0x06);
    CHECK_EQ(in(0x3C5), 0x06, "sequencer: memory mode register");
    out(0x3CE, 0x06);
    CHECK_EQ(in(0x3CF), 0x0E, "graphics: misc register in text mode");

    out(0x3C8, 0x01);
    out(0x3C9, 0x2A);
    out(0x3C9, 0x15);
    out(0x3C9, 0x7F);
    out(0x3C7, 0x01);
    CHECK_EQ(in(0x3C7), 0x03, "DAC: state after a read index");
    CHECK(in(0x3C9) == 0x2A && in(0x3C9) == 0x15 && in(0x3C9) == 0x3F, "DAC: entry 1 reads back, 6 bits");
    CHECK_EQ(in(0x3C8), 0x02, "DAC: write index advanced");
}

int main(void)
{
    vga_text_init(&vga);
    test_claims();
    test_text();
    test_cursor();
    test_registers();
    vmx_device_reset(&vga.device);
    CHECK(line_is(0, "") && vga.crtc[0x0F] == 0, "reset: blank screen, mode 3 registers");
    CHECK_DONE();
}
