/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A pvpanic device for the console (QEMU's "QEMU0001" interface, which
 * Linux drives with its pvpanic-mmio module): an I/O port the kernel
 * writes when it panics.  The vmkernel answers it with a diagnostic in its
 * log -- the console's registers at the moment of the panic -- so that a
 * console crash is never silent.  The device is described to the console
 * by a small SSDT, built here byte by byte.
 */
#include <string.h>
#include <skerry/domain.h>
#include <skerry/log.h>
#include <skerry/pvpanic.h>

#define PVPANIC_PANICKED     (1u << 0)
#define PVPANIC_CRASH_LOADED (1u << 1)

/*
 * Scope (\_SB) { Device (PEVT) { Name (_HID, "QEMU0001") Name (_STA, 0x0F)
 *   Name (_CRS, ResourceTemplate () { IO (Decode16, 0x505, 0x505, 1, 1) }) } }
 * AML (ACPI 6.5 chapter 20); the port bytes are patched in at PORT_AT.
 */
static const uint8_t ssdt_body[] = {
    0x10, 0x36, '\\', '_', 'S', 'B', '_',                  /* Scope, PkgLength 54 */
    0x5B, 0x82, 0x2E, 'P', 'E', 'V', 'T',                  /* Device, PkgLength 46 */
    0x08, '_', 'H', 'I', 'D', 0x0D, 'Q', 'E', 'M', 'U', '0', '0', '0', '1', 0x00,
    0x08, '_', 'S', 'T', 'A', 0x0A, 0x0F,
    0x08, '_', 'C', 'R', 'S', 0x11, 0x0D, 0x0A, 0x0A,      /* Buffer, PkgLength 13, size 10 */
    0x47, 0x01, 0x05, 0x05, 0x05, 0x05, 0x01, 0x01,        /* IO descriptor */
    0x79, 0x00,                                            /* end tag */
};
#define PORT_AT (sizeof ssdt_body - 8)                     /* min, max in the IO descriptor */
#define ACPI_HEADER_LEN 36

size_t pvpanic_ssdt(uint8_t *out, size_t cap, uint16_t port)
{
    size_t len = ACPI_HEADER_LEN + sizeof ssdt_body;
    if (cap < len)
        return 0;
    memset(out, 0, ACPI_HEADER_LEN);
    memcpy(out, "SSDT", 4);
    out[4] = (uint8_t)len;
    out[8] = 2;                                            /* revision */
    memcpy(out + 10, "SKERRY", 6);
    memcpy(out + 16, "SKERRYPV", 8);
    out[24] = 1;
    memcpy(out + 28, "SKRY", 4);
    out[32] = 1;
    memcpy(out + ACPI_HEADER_LEN, ssdt_body, sizeof ssdt_body);
    uint8_t *io = out + ACPI_HEADER_LEN + PORT_AT;
    io[0] = io[2] = (uint8_t)port;
    io[1] = io[3] = (uint8_t)(port >> 8);
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += out[i];
    out[9] = (uint8_t)-sum;
    return len;
}

static uint32_t pvpanic_read(struct vcpu *v, uint16_t port, unsigned size)
{
    (void)v, (void)port, (void)size;
    return PVPANIC_PANICKED | PVPANIC_CRASH_LOADED;        /* events we understand */
}

static void pvpanic_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t value)
{
    (void)port, (void)size;
    const struct vmcb_save *s = &v->arch.vmcb->save;
    if (value & PVPANIC_PANICKED)
        log_err("dom%u %s: KERNEL PANIC reported by vcpu%u (pvpanic): RIP %#llx RSP %#llx "
                "CR3 %#llx RFLAGS %#llx; see the console's own log for the message",
                v->dom->id, v->dom->name, v->index, (unsigned long long)s->rip,
                (unsigned long long)s->rsp, (unsigned long long)s->cr3,
                (unsigned long long)s->rflags);
    if (value & PVPANIC_CRASH_LOADED)
        log_warn("dom%u %s: vcpu%u reports a crash kernel was loaded", v->dom->id,
                 v->dom->name, v->index);
}

int pvpanic_attach(struct domain *d, uint16_t port)
{
    struct port_handler h = { .first = port, .count = 1, .read = pvpanic_read,
                              .write = pvpanic_write };
    return domain_add_port_handler(d, &h);
}
