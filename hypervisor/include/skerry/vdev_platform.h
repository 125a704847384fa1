/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtual platform every domain sees: CPUID and MSR policy, the
 * VMware identity and backdoor, the vLAPIC/vIOAPIC MMIO pages, the debug
 * console port and "unassigned" behaviour for everything else.
 */
#ifndef SKERRY_VDEV_PLATFORM_H
#define SKERRY_VDEV_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>
#include <arch/cpu.h>
#include <arch/regs.h>
#include <public/skerry/platform.h>

struct domain;
struct vcpu;
struct port_handler;

#define VDEV_APIC_BUS_KHZ    1000000u     /* 1 GHz, the rate QEMU and KVM present */
#define VDEV_LAPIC_BASE      0xFEE00000ull
#define VDEV_IOAPIC_BASE     0xFEC00000ull
#define VDEV_DEBUG_PORT      SKERRY_DEBUG_CONSOLE_PORT
#define VMWARE_BACKDOOR_PORT SKERRY_BACKDOOR_PORT
#define VMWARE_BACKDOOR_MAGIC SKERRY_BACKDOOR_MAGIC

void vdev_platform_init(struct domain *d);
/* The debug console on port 0xE9 (test domains). */
extern const struct port_handler vdev_debug_port;
/* The console's PCI configuration ports 0xCF8 and 0xCFC (MSI/MSI-X hidden). */
extern const struct port_handler vdev_pci_config_ports[2];
/* The console's PIC/ELCR/PIT stand-ins and logged reset / ACPI sleep ports. */
int console_legacy_init(struct domain *d, uint16_t pm1a_cnt);
void vdev_ioapic_eoi(struct domain *d, uint8_t vector);
void vdev_ioapic_set_irq(struct domain *d, unsigned pin, bool asserted);
/* An interrupt message to d's local APICs (an MSI, an I/O APIC pin's
 * redirection): true if one accepted it. */
bool vdev_deliver_interrupt(struct domain *d, uint8_t dest, bool logical, uint8_t vector, uint8_t delivery_mode,
                            bool level);

void vdev_cpuid(struct vcpu *v, uint32_t leaf, uint32_t subleaf, struct cpuid_regs *out);
/* 0, or -1 when the guest must get #GP. */
int vdev_msr_read(struct vcpu *v, uint32_t msr, uint64_t *value);
int vdev_msr_write(struct vcpu *v, uint32_t msr, uint64_t value);

/* Port I/O the vmkernel emulates (all ports not passed through). */
uint32_t vdev_port_read(struct vcpu *v, uint16_t port, unsigned size);
void vdev_port_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t value);
/* MMIO at a guest-physical address that is not RAM. */
uint64_t vdev_mmio_read(struct vcpu *v, uint64_t gpa, unsigned size);
void vdev_mmio_write(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t value);

/* The VMware backdoor: one call with the guest's registers (port or VMMCALL). */
void vmware_backdoor_call(struct vcpu *v, struct x86_gprs *regs);

#endif
