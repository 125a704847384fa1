/* SPDX-License-Identifier: GPL-2.0-only */
/* The VMware backdoor commands Linux uses at boot, by port and by VMMCALL. */
#include "guest.h"

const char test_name[] = "backdoor";

#define MAGIC 0x564D5868u
#define PORT  0x5658u

struct bd { uint64_t ax, bx, cx, dx, si, di; };

static struct bd bd_port(uint32_t cmd, uint32_t bx, uint32_t magic)
{
    struct bd r = { magic, bx, cmd, PORT, 0x5151, 0xD1D1 };
    __asm__ volatile("inl %%dx, %%eax"
                     : "+a"(r.ax), "+b"(r.bx), "+c"(r.cx), "+d"(r.dx), "+S"(r.si), "+D"(r.di));
    return r;
}

static struct bd bd_vmmcall(uint32_t cmd, uint32_t bx)
{
    struct bd r = { MAGIC, bx, cmd, 0, 0x5151, 0xD1D1 };
    __asm__ volatile("vmmcall"
                     : "+a"(r.ax), "+b"(r.bx), "+c"(r.cx), "+d"(r.dx), "+S"(r.si), "+D"(r.di));
    return r;
}

void test_main(void)
{
    struct bd r = bd_port(10, 0, MAGIC);
    check(r.bx == MAGIC, "GETVERSION returns the magic in EBX (%lx)", r.bx);
    check(r.ax == 6, "GETVERSION returns version 6 in EAX (%lx)", r.ax);
    check(r.cx == 2, "GETVERSION reports product type ESX (2) (%lx)", r.cx);

    r = bd_port(45, 0xFFFFFFFF, MAGIC);
    uint64_t hz = r.ax | r.bx << 32;
    check(hz == tsc_khz() * 1000, "GETHZ reports the TSC in Hz matching CPUID (%lu)", hz);
    check(r.cx == 1000000000u, "GETHZ reports the APIC bus at 1 GHz (%lu)", r.cx);

    r = bd_port(68, 0, MAGIC);
    check((r.ax & (1u << 3)) && !(r.ax & (1u << 31)),
          "GETVCPU_INFO allows legacy x2APIC and is valid (%lx)", r.ax);

    r = bd_port(91, 0, MAGIC);
    check((uint32_t)r.ax == 0xFFFFFFFFu, "STEALCLOCK answers not available (%lx)", r.ax);

    r = bd_port(0x7777, 0x1234, MAGIC);
    check((uint32_t)r.ax == 0xFFFFFFFFu, "an unknown command answers EAX=0xffffffff");
    check(r.bx == 0x1234 && r.si == 0x5151 && r.di == 0xD1D1,
          "an unknown command leaves the other registers alone");

    r = bd_port(10, 0, 0x12345678);
    check((uint32_t)r.ax == 0xFFFFFFFFu && r.bx == 0, "a wrong magic is refused harmlessly");

    check(cpuid2(0x40000010, 0).ecx & 1, "CPUID 0x40000010 advertises the VMMCALL backdoor");
    r = bd_vmmcall(10, 0);
    check(r.bx == MAGIC && r.ax == 6, "GETVERSION works through VMMCALL too");
    r = bd_vmmcall(45, 0xFFFFFFFF);
    check((r.ax | r.bx << 32) == tsc_khz() * 1000, "GETHZ works through VMMCALL too");
}
