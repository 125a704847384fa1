/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtual hardware of one VM, put together from its configuration:
 * the PCI host bridge, COM1-COM4 for serial0-serial3 (a file backend for
 * now), the CMOS/RTC, the keyboard controller, the VGA registers, the
 * ACPI PM registers, all on the VM's I/O bus; the backdoor's GuestRPC
 * channel for VMware Tools; interrupt wires that go to
 * the VM's I/O APIC through the vmkernel, power-off and reset requests.
 * Which ports and addresses the vmkernel hands to vmware-vmx: every port
 * but 0x80 (POST codes and I/O delays, nothing to emulate) and the PCI
 * hole, where BARs decode; the rest of the map is RAM or unassigned.
 */
#ifndef SKERRY_VMX_VM_DEVICES_H
#define SKERRY_VMX_VM_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <poll.h>

#include "../config/vm_config.h"
#include "../devices/acpi_pm.h"
#include "../devices/cmos_rtc.h"
#include "../devices/guest_rpc.h"
#include "../devices/i8042.h"
#include "../devices/pci_host.h"
#include "../devices/pvscsi.h"
#include "../devices/scsi_disk.h"
#include "../devices/uart16550.h"
#include "../devices/vmxnet3.h"
#include "../devices/vga_text.h"
#include "serial_backend.h"
#include "vm.h"
#include "vmdk_backend.h"
#include "vmx_bus.h"

#define VM_PCI_HOLE_START 0xC0000000ull
#define VM_PCI_HOLE_END   0xFEC00000ull     /* the I/O APIC and local APIC above */
#define VM_IRQ_LINES      24
#define VM_SCI_IRQ        9
#define VM_SCSI_IRQ       16                /* INTA# of the SCSI adapters (a PCI line: 16-23) */
#define VM_SCSI_PCI_SLOT  0x10              /* scsiN at 00:(0x10 + N).0 */
#define VM_PCI_IO_BASE    0xC000            /* I/O BARs from here */
#define VM_NIC_IRQ        17                /* INTA# of the NICs */
#define VM_NIC_PCI_SLOT   0x14              /* ethernetN at 00:(0x14 + N).0 */

enum vm_device_source {
    SRC_UART0, SRC_UART3 = SRC_UART0 + 3, SRC_CMOS, SRC_KBD, SRC_PM, SRC_PCI,
    SRC_SCSI0, SRC_SCSI3 = SRC_SCSI0 + 3, SRC_NIC0, SRC_NIC3 = SRC_NIC0 + 3, SRC_COUNT
};

/* A virtual disk: its VMDK files and the SCSI disk the adapter sees. */
struct vm_scsi_disk {
    struct vmdk_backend vmdk;
    struct scsi_disk scsi;
};

struct vm_devices;

/* Each model reaches the VM through a platform of its own, so that two
 * models on one interrupt line are told apart (the line is their OR). */
struct vm_wire {
    struct vm_devices *devices;
    unsigned source;
};

struct vm_devices {
    struct vm *vm;
    struct vm_wire wires[SRC_COUNT];
    struct vmx_platform plat[SRC_COUNT];
    uint32_t line_sources[VM_IRQ_LINES];    /* which sources assert each line */
    struct vmx_bus bus;
    struct pci_host pci;
    struct uart16550 uart[VM_CONFIG_SERIALS];
    struct serial_backend serial[VM_CONFIG_SERIALS];
    struct cmos_rtc cmos;
    struct i8042 kbd;
    struct vga_text vga;
    struct acpi_pm pm;
    struct pvscsi scsi[VM_CONFIG_SCSI];
    struct vm_scsi_disk *disk[VM_CONFIG_SCSI][VM_CONFIG_SCSI_UNITS];
    struct vmxnet3 nic[VM_CONFIG_ETHERNET];
    int tap[VM_CONFIG_ETHERNET];            /* the NIC's port on its vSwitch, -1: none */
    struct guest_rpc rpc;                   /* VMware Tools' channel */
    const struct vmx_dict *dict;            /* the .vmx (guestinfo.* keys) */
    bool poweroff, reset;       /* what the guest asked for */
};

/* 0, or -1 with err naming the device or key that failed. */
int vm_devices_init(struct vm_devices *d, struct vm *vm, const struct vm_config *cfg, char *err, size_t errlen);

/* The SSDT describing the VM's PCI bus (pci_ssdt.h) into buf: its length,
 * 0 when it does not fit. */
size_t vm_devices_pci_ssdt(const struct vm_devices *d, uint8_t *buf, size_t cap);

/* Claim the device ranges on the VM's I/O-request channel. */
long vm_devices_claim(struct vm_devices *d);

/* A backdoor call the VM's device model claimed (vm_devices_claim):
 * regs are EAX, EBX, ECX, EDX, ESI, EDI, in and out. */
void vm_devices_backdoor(struct vm_devices *d, uint32_t regs[6]);

/* The descriptors the run loop waits on for the devices (the NICs' taps,
 * the serial ports' connections): how many were put in fds (at most max). */
#define VM_DEVICES_MAX_FDS (VM_CONFIG_ETHERNET + 2 * VM_CONFIG_SERIALS)
unsigned vm_devices_fds(const struct vm_devices *d, struct pollfd *fds, unsigned max);

/* Take in what arrived on them (frames from the vSwitch to the NICs,
 * bytes and connections to the serial ports). */
void vm_devices_input(struct vm_devices *d);

/* Timers due by now; the monotonic ns of the next one (UINT64_MAX: none). */
uint64_t vm_devices_poll(struct vm_devices *d);

/* Write out what the serial ports buffered. */
void vm_devices_flush(struct vm_devices *d);
void vm_devices_close(struct vm_devices *d);

uint64_t vm_now_ns(void);

#endif
