/* SPDX-License-Identifier: GPL-2.0-only */
/* The guest's PCI host bridge in AML (pci_ssdt.h). */
#include "pci_ssdt.h"

#include <stdbool.h>
#include <string.h>

#include <boot/le_bytes.h>

#define AML_ZERO        0x00
#define AML_NAME        0x08
#define AML_BYTE        0x0A
#define AML_WORD        0x0B
#define AML_DWORD       0x0C
#define AML_SCOPE       0x10
#define AML_BUFFER      0x11
#define AML_PACKAGE     0x12
#define AML_EXT         0x5B
#define AML_DEVICE      0x82        /* after AML_EXT */
#define AML_ROOT        0x5C        /* '\' */

#define HEADER_LEN 36

/* A growing AML byte string with an overflow flag, so that building
 * never writes past the caller's buffer. */
struct aml {
    uint8_t *p;
    size_t len, cap;
    bool overflow;
};

static void emit(struct aml *a, const void *bytes, size_t n)
{
    if (a->overflow || n > a->cap - a->len) {
        a->overflow = true;
        return;
    }
    memcpy(a->p + a->len, bytes, n);
    a->len += n;
}

static void emit_byte(struct aml *a, uint8_t b) { emit(a, &b, 1); }

/* PkgLength (20.2.4) for a body of n bytes: how many bytes it takes. */
static size_t pkglen_size(size_t n)
{
    return n + 1 < 0x40 ? 1 : n + 2 < 0x1000 ? 2 : 3;
}

/*
 * Open a package-like construct: the opcode bytes, then room for its
 * PkgLength; close_pkg fills the length in once the body is written.
 * The body is built after a 3-byte gap and moved down when the length
 * needs fewer bytes.
 */
static size_t open_pkg(struct aml *a, const uint8_t *op, size_t oplen)
{
    emit(a, op, oplen);
    size_t at = a->len;
    emit(a, "\0\0\0", 3);
    return at;
}

static void close_pkg(struct aml *a, size_t at)
{
    if (a->overflow)
        return;
    size_t body = a->len - at - 3, k = pkglen_size(body), total = body + k;
    memmove(a->p + at + k, a->p + at + 3, body);
    if (k == 1) {
        a->p[at] = (uint8_t)total;
    } else {
        a->p[at] = (uint8_t)((k - 1) << 6 | (total & 0x0F));
        a->p[at + 1] = (uint8_t)(total >> 4);
        if (k == 3)
            a->p[at + 2] = (uint8_t)(total >> 12);
    }
    a->len = at + k + body;
}

static void emit_integer(struct aml *a, uint32_t v)
{
    uint8_t b[5];
    if (v == 0) {
        emit_byte(a, AML_ZERO);
    } else if (v <= 0xFF) {
        b[0] = AML_BYTE, b[1] = (uint8_t)v;
        emit(a, b, 2);
    } else {
        b[0] = AML_DWORD;
        put32(b + 1, v);
        emit(a, b, 5);
    }
}

static void emit_name(struct aml *a, const char seg[4])
{
    emit_byte(a, AML_NAME);
    emit(a, seg, 4);
}

/* Word address space descriptor (6.4.3.5.3): bus numbers or I/O. */
static void word_range(struct aml *a, uint8_t type, uint8_t type_flags, uint16_t min, uint16_t max)
{
    uint8_t d[16] = { 0x88, 13, 0, type, 0x0C /* producer, MinFixed, MaxFixed */, type_flags };
    put16(d + 8, min);
    put16(d + 10, max);
    put16(d + 14, (uint16_t)(max - min + 1));
    emit(a, d, sizeof d);
}

/* DWord memory descriptor (6.4.3.5.2): read-write, cacheable. */
static void dword_memory(struct aml *a, uint32_t min, uint32_t max)
{
    uint8_t d[26] = { 0x87, 23, 0, 0 /* memory */, 0x0C, 0x03 /* RW, cacheable */ };
    put32(d + 10, min);
    put32(d + 14, max);
    put32(d + 22, max - min + 1);
    emit(a, d, sizeof d);
}

static void emit_crs(struct aml *a, const struct pci_ssdt_config *c)
{
    uint8_t res[128];
    struct aml r = { res, 0, sizeof res, false };
    word_range(&r, 2, 0, 0, 0xFF);                          /* bus numbers 0-255 */
    static const uint8_t cf8[] = { 0x47, 0x01, 0xF8, 0x0C, 0xF8, 0x0C, 0x01, 0x08 };
    emit(&r, cf8, sizeof cf8);                               /* the configuration ports */
    word_range(&r, 1, 0x03, 0x0000, 0x0CF7);                 /* I/O around them */
    word_range(&r, 1, 0x03, 0x0D00, 0xFFFF);
    dword_memory(&r, (uint32_t)c->mem_base, (uint32_t)(c->mem_end - 1));
    static const uint8_t end[] = { 0x79, 0x00 };
    emit(&r, end, sizeof end);
    emit_name(a, "_CRS");
    static const uint8_t buffer[] = { AML_BUFFER };
    size_t at = open_pkg(a, buffer, 1);
    emit_integer(a, (uint32_t)r.len);
    emit(a, res, r.len);
    close_pkg(a, at);
}

/* _PRT: for each slot, pins INTA#..INTD# (0-3) to one GSI. */
static void emit_prt(struct aml *a, const struct pci_ssdt_config *c)
{
    static const uint8_t package[] = { AML_PACKAGE };
    emit_name(a, "_PRT");
    size_t at = open_pkg(a, package, 1);
    emit_byte(a, (uint8_t)(c->nr_routes * 4));
    for (unsigned i = 0; i < c->nr_routes; i++)
        for (uint32_t pin = 0; pin < 4; pin++) {
            size_t e = open_pkg(a, package, 1);
            emit_byte(a, 4);
            uint8_t addr[5] = { AML_DWORD };
            put32(addr + 1, (uint32_t)c->route[i].slot << 16 | 0xFFFF);
            emit(a, addr, 5);
            emit_integer(a, pin);
            emit_byte(a, AML_ZERO);                  /* source 0: the index is a GSI */
            emit_integer(a, c->route[i].gsi);
            close_pkg(a, e);
        }
    close_pkg(a, at);
}

size_t pci_ssdt_build(uint8_t *buf, size_t cap, const struct pci_ssdt_config *c)
{
    if (cap < HEADER_LEN || c->nr_routes > PCI_SSDT_MAX_ROUTES || c->mem_base >= c->mem_end ||
        c->mem_end > 0x100000000ull || c->nr_routes * 4 > 0xFF)
        return 0;
    for (unsigned i = 0; i < c->nr_routes; i++)
        if (c->route[i].slot >= 32)
            return 0;
    struct aml a = { buf, HEADER_LEN, cap, false };
    static const uint8_t scope[] = { AML_SCOPE };
    size_t sb = open_pkg(&a, scope, 1);
    static const uint8_t root_sb[] = { AML_ROOT, '_', 'S', 'B', '_' };
    emit(&a, root_sb, sizeof root_sb);
    static const uint8_t device[] = { AML_EXT, AML_DEVICE };
    size_t dev = open_pkg(&a, device, 2);
    emit(&a, "PCI0", 4);
    emit_name(&a, "_HID");
    static const uint8_t pnp0a03[] = { AML_DWORD, 0x41, 0xD0, 0x0A, 0x03 };     /* EisaId("PNP0A03") */
    emit(&a, pnp0a03, sizeof pnp0a03);
    emit_name(&a, "_UID");
    emit_integer(&a, 0);
    emit_name(&a, "_BBN");
    emit_integer(&a, 0);
    emit_crs(&a, c);
    emit_prt(&a, c);
    close_pkg(&a, dev);
    close_pkg(&a, sb);
    if (a.overflow)
        return 0;

    memcpy(buf, "SSDT", 4);
    put32(buf + 4, (uint32_t)a.len);
    buf[8] = 2;                                      /* revision: 64-bit integers */
    buf[9] = 0;
    memcpy(buf + 10, "SKERRY", 6);
    memcpy(buf + 16, "VMXPCI0 ", 8);
    put32(buf + 24, 1);
    memcpy(buf + 28, "SKRY", 4);
    put32(buf + 32, 1);
    uint8_t sum = 0;
    for (size_t i = 0; i < a.len; i++)
        sum = (uint8_t)(sum + buf[i]);
    buf[9] = (uint8_t)-sum;
    return a.len;
}
