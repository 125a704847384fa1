/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VMware backdoor commands Linux uses at boot (see the backdoor spec):
 * GETVERSION, GETHZ, GETVCPU_INFO and STEALCLOCK.  Unknown commands and a
 * wrong magic answer EAX = 0xFFFFFFFF and change nothing else.
 */
#include <skerry/domain.h>
#include <skerry/time.h>
#include <skerry/vdev_platform.h>

enum backdoor_cmd {
    BDOOR_GETVERSION = 10,
    BDOOR_GETHZ = 45,
    BDOOR_GETVCPU_INFO = 68,
    BDOOR_STEALCLOCK = 91,
};

#define BDOOR_VERSION          6      /* what vmtoolsd requires */
#define BDOOR_PRODUCT_ESX      2
#define VCPU_INFO_LEGACY_X2APIC (1u << 3)
#define BDOOR_UNSUPPORTED      0xFFFFFFFFu

static void set32(struct x86_gprs *r, enum x86_gpr reg, uint32_t value)
{
    r->r[reg] = value;                 /* 32-bit results are zero-extended */
}

void vmware_backdoor_call(struct vcpu *v, struct x86_gprs *r)
{
    (void)v;
    uint32_t cmd = (uint32_t)r->r[X86_RCX] & 0xFFFF;
    if ((uint32_t)r->r[X86_RAX] != VMWARE_BACKDOOR_MAGIC) {
        set32(r, X86_RAX, BDOOR_UNSUPPORTED);
        return;
    }
    switch (cmd) {
    case BDOOR_GETVERSION:
        set32(r, X86_RAX, BDOOR_VERSION);
        set32(r, X86_RBX, VMWARE_BACKDOOR_MAGIC);
        set32(r, X86_RCX, BDOOR_PRODUCT_ESX);
        break;
    case BDOOR_GETHZ: {
        uint64_t tsc_hz = time_tsc_khz() * 1000;
        set32(r, X86_RAX, (uint32_t)tsc_hz);
        set32(r, X86_RBX, (uint32_t)(tsc_hz >> 32));
        set32(r, X86_RCX, VDEV_APIC_BUS_KHZ * 1000u);
        break;
    }
    case BDOOR_GETVCPU_INFO:
        set32(r, X86_RAX, VCPU_INFO_LEGACY_X2APIC);
        break;
    case BDOOR_STEALCLOCK:
    default:
        set32(r, X86_RAX, BDOOR_UNSUPPORTED);
        break;
    }
}
