/* SPDX-License-Identifier: GPL-2.0-only */
/* A VM's virtual hardware (vm_devices.h). */
#include "vm_devices.h"
#include "errmsg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../devices/pci_firmware.h"
#include "pci_ssdt.h"
#include "vm_net.h"
#include "vm_log.h"
#include "vmk.h"

static const struct {
    uint16_t base;
    unsigned irq;
} com_ports[VM_CONFIG_SERIALS] = { { 0x3F8, 4 }, { 0x2F8, 3 }, { 0x3E8, 4 }, { 0x2E8, 3 } };

uint64_t vm_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- what the models see of the VM ---- */

static void irq_set(void *ctx, unsigned line, bool level)
{
    struct vm_wire *w = ctx;
    struct vm_devices *d = w->devices;
    if (line >= VM_IRQ_LINES)
        return;
    uint32_t before = d->line_sources[line];
    if (level)
        d->line_sources[line] |= 1u << w->source;
    else
        d->line_sources[line] &= ~(1u << w->source);
    if ((before != 0) != (d->line_sources[line] != 0)) {
        long e = vm_set_irq(d->vm, line, d->line_sources[line] != 0);
        if (e != SK_OK)
            vm_log("IRQ %u: the vmkernel refused the line change: %s", line, vmk_strerror(e));
    }
}

static void msi_send(void *ctx, uint64_t address, uint32_t data)
{
    struct vm_wire *w = ctx;
    static bool told;       /* a guest that programmed a bad message sends it again and again */
    long e = vm_send_msi(w->devices->vm, address, data);
    if (e != SK_OK && !told) {
        vm_log("MSI %#llx/%#x: the vmkernel refused it: %s", (unsigned long long)address, data, vmk_strerror(e));
        told = true;
    }
}

static uint64_t now_ns(void *ctx)
{
    (void)ctx;
    return vm_now_ns();
}

static void reset_request(void *ctx)
{
    struct vm_wire *w = ctx;
    w->devices->reset = true;
}

static void poweroff_request(void *ctx)
{
    struct vm_wire *w = ctx;
    w->devices->poweroff = true;
}

static void *guest_ram(void *ctx, uint64_t gpa, uint64_t len)
{
    struct vm_wire *w = ctx;
    struct vm *vm = w->devices->vm;
    return gpa < vm->ram_size && len <= vm->ram_size - gpa ? vm->ram + gpa : NULL;
}

/* ---- VMware Tools ---- */

static void rpc_log(void *ctx, const char *text)
{
    (void)ctx;
    vm_log("%s", text);
}

static const char *rpc_config(void *ctx, const char *key)
{
    const struct vm_devices *d = ctx;
    return d->dict ? vmx_dict_get(d->dict, key) : NULL;
}

static uint64_t rpc_now(void *ctx)
{
    (void)ctx;
    return vm_now_ns();
}

void vm_devices_backdoor(struct vm_devices *d, uint32_t regs[6])
{
    if ((regs[2] & 0xFFFF) == BDOOR_CMD_MESSAGE)
        guest_rpc_message(&d->rpc, regs);
    else
        regs[0] = 0xFFFFFFFFu;              /* not a command of ours: unsupported */
}

/* ---- serial ports ---- */

static void serial_sink(void *ctx, uint8_t byte)
{
    serial_backend_put(ctx, byte);
}

static int open_serial(struct serial_backend *s, const struct vm_serial *cfg, unsigned i, char *err, size_t errlen)
{
    if (serial_backend_open(s, cfg, i, err, errlen) < 0)
        return -1;
    if (!cfg->present)
        return 0;
    static const char *const kinds[] = { [VM_SERIAL_FILE] = "the file", [VM_SERIAL_PIPE] = "the pipe",
                                         [VM_SERIAL_NETWORK] = "the network at" };
    vm_log("serial%u: COM%u (port %#x, IRQ %u) to %s %s%s", i, i + 1, com_ports[i].base, com_ports[i].irq,
           kinds[cfg->type], cfg->file_name, cfg->type == VM_SERIAL_FILE ? "" : cfg->server ? " (server)" : " (client)");
    return 0;
}

/* ---- disks ---- */

static int open_disk(struct vm_devices *d, unsigned bus, unsigned unit, const char *path, char *err, size_t errlen)
{
    /* Aligned as its chunk buffer asks (scsi_disk.h). */
    struct vm_scsi_disk *disk = aligned_alloc(_Alignof(struct vm_scsi_disk), sizeof *disk);
    if (disk)
        memset(disk, 0, sizeof *disk);
    else
        return errmsg(err, errlen, "scsi%u:%u: out of memory", bus, unit);
    char why[1024];
    if (vmdk_backend_open(&disk->vmdk, path, why, sizeof why) < 0) {
        free(disk);
        return errmsg(err, errlen, "scsi%u:%u.fileName: %s", bus, unit, why);
    }
    struct scsi_disk_backend be = { vmdk_backend_read, vmdk_backend_write, vmdk_backend_flush, disk->vmdk.size,
                                    &disk->vmdk };
    char serial[32];
    snprintf(serial, sizeof serial, "vmx-scsi%u:%u", bus, unit);
    if (scsi_disk_init(&disk->scsi, &be, serial) < 0 || pvscsi_attach(&d->scsi[bus], unit, &disk->scsi) < 0) {
        vmdk_backend_close(&disk->vmdk);
        free(disk);
        return errmsg(err, errlen, "scsi%u:%u.fileName = \"%s\": the disk is smaller than one block", bus, unit,
                      path);
    }
    d->disk[bus][unit] = disk;
    vm_log("scsi%u:%u: %s, %llu MB", bus, unit, path, (unsigned long long)(disk->vmdk.size >> 20));
    return 0;
}

static int add_scsi(struct vm_devices *d, const struct vm_scsi *cfg, unsigned bus, char *err, size_t errlen)
{
    pvscsi_init(&d->scsi[bus], VM_SCSI_IRQ, &d->plat[SRC_SCSI0 + bus]);
    if (pci_host_add(&d->pci, VM_SCSI_PCI_SLOT + bus, 0, &d->scsi[bus].pci) < 0)
        return errmsg(err, errlen, "scsi%u: PCI slot %#x is taken", bus, VM_SCSI_PCI_SLOT + bus);
    for (unsigned u = 0; u < VM_CONFIG_SCSI_UNITS; u++)
        if (cfg->unit[u].present && open_disk(d, bus, u, cfg->unit[u].file_name, err, errlen) < 0)
            return -1;
    return 0;
}

/* ---- NICs ---- */

struct nic_port {
    struct vm_devices *d;
    unsigned i;
};
static struct nic_port nic_ports[VM_CONFIG_ETHERNET];

static void nic_tx(void *ctx, const void *frame, size_t len, const struct vmxnet3_offload *off)
{
    static const uint8_t gso_type[] = {
        [VMXNET3_TX_PLAIN] = VIRTIO_NET_HDR_GSO_NONE, [VMXNET3_TX_CSUM] = VIRTIO_NET_HDR_GSO_NONE,
        [VMXNET3_TX_TSO4] = VIRTIO_NET_HDR_GSO_TCPV4, [VMXNET3_TX_TSO6] = VIRTIO_NET_HDR_GSO_TCPV6,
    };
    struct nic_port *p = ctx;
    struct virtio_net_hdr h = { 0 };
    if (off && off->kind != VMXNET3_TX_PLAIN) {
        h = (struct virtio_net_hdr){ .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .gso_type = gso_type[off->kind],
                                     .csum_start = off->csum_start, .csum_offset = off->csum_offset };
        if (h.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
            h.hdr_len = off->hdr_len;
            h.gso_size = off->mss;
        }
    }
    int fd = p->d->tap[p->i];
    /* A full tap queue drops the frame, as a congested switch port would. */
    if (fd >= 0 && vm_net_send(fd, frame, len, &h) < 0 && errno != EAGAIN)
        vm_log("ethernet%u: sending a frame failed: %s", p->i, strerror(errno));
}

static int add_nic(struct vm_devices *d, const struct vm_ethernet *cfg, unsigned i, char *err, size_t errlen)
{
    const char *bridge = vm_net_bridge(cfg->network_name);
    if (!bridge)
        return errmsg(err, errlen, "ethernet%u.networkName = \"%s\": no such port group (there is \"VM Network\" "
                      "on vSwitch0)", i, cfg->network_name);
    char name[16], why[256];
    snprintf(name, sizeof name, "vmnic%u.%u", (unsigned)d->vm->dom_id, i);
    if ((d->tap[i] = vm_net_open(name, bridge, why, sizeof why)) < 0)
        return errmsg(err, errlen, "ethernet%u: %s", i, why);
    nic_ports[i] = (struct nic_port){ d, i };
    vmxnet3_init(&d->nic[i], cfg->mac, VM_NIC_IRQ, &d->plat[SRC_NIC0 + i], nic_tx, &nic_ports[i]);
    vmxnet3_set_tx_offload(&d->nic[i], true);
    d->nic[i].pci.cfg[PCI_INTERRUPT_LINE] = VM_NIC_IRQ;    /* as a BIOS records the routing */
    if (pci_host_add(&d->pci, VM_NIC_PCI_SLOT + i, 0, &d->nic[i].pci) < 0)
        return errmsg(err, errlen, "ethernet%u: PCI slot %#x is taken", i, VM_NIC_PCI_SLOT + i);
    vmxnet3_set_link(&d->nic[i], true);
    vm_log("ethernet%u: vmxnet3 at PCI 00:%02x.0, IRQ %u, MAC %02x:%02x:%02x:%02x:%02x:%02x, on \"%s\" (%s, port %s)",
           i, VM_NIC_PCI_SLOT + i, VM_NIC_IRQ, cfg->mac[0], cfg->mac[1], cfg->mac[2], cfg->mac[3], cfg->mac[4],
           cfg->mac[5], cfg->network_name, bridge, name);
    return 0;
}

/* Bytes COMi's receive FIFO can take (0 for a port the VM does not have). */
static size_t serial_room(const struct vm_devices *d, unsigned i)
{
    return d->uart[i].device.name ? uart16550_rx_room(&d->uart[i]) : 0;
}

unsigned vm_devices_fds(const struct vm_devices *d, struct pollfd *fds, unsigned max)
{
    unsigned n = 0;
    for (unsigned i = 0; i < VM_CONFIG_ETHERNET && n < max; i++)
        if (d->tap[i] >= 0)
            fds[n++] = (struct pollfd){ .fd = d->tap[i], .events = POLLIN };
    for (unsigned i = 0; i < VM_CONFIG_SERIALS && n + 2 <= max; i++)
        n += serial_backend_fds(&d->serial[i], serial_room(d, i) > 0, fds + n);
    return n;
}

void vm_devices_input(struct vm_devices *d)
{
    static uint8_t frame[VMXNET3_MAX_FRAME];
    for (unsigned i = 0; i < VM_CONFIG_SERIALS; i++) {
        uint8_t buf[UART_FIFO_SIZE];
        size_t room = serial_room(d, i);
        size_t n = serial_backend_input(&d->serial[i], buf, room < sizeof buf ? room : sizeof buf);
        if (n)
            uart16550_receive(&d->uart[i], buf, n);
    }
    for (unsigned i = 0; i < VM_CONFIG_ETHERNET; i++)
        /* A bounded batch per NIC, so that one busy port cannot starve the VM's I/O. */
        for (int k = 0; d->tap[i] >= 0 && k < 64; k++) {
            ssize_t n = vm_net_receive(d->tap[i], frame, sizeof frame);
            if (n <= 0)
                break;
            vmxnet3_receive(&d->nic[i], frame, (size_t)n);    /* a full ring drops it, as a NIC does */
        }
}

/* ---- assembly ---- */

static int add(struct vm_devices *d, const struct vmx_device *dev, char *err, size_t errlen)
{
    return vmx_bus_add(&d->bus, dev) == 0 ? 0 : errmsg(err, errlen, "%s: its ports overlap another device's", dev->name);
}

int vm_devices_init(struct vm_devices *d, struct vm *vm, const struct vm_config *cfg, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    d->vm = vm;
    d->dict = cfg->dict;
    guest_rpc_init(&d->rpc, &(struct guest_rpc_host){ d, rpc_log, rpc_config, rpc_now });
    for (unsigned i = 0; i < SRC_COUNT; i++) {
        d->wires[i] = (struct vm_wire){ d, i };
        d->plat[i] = (struct vmx_platform){ .irq_set = irq_set, .now_ns = now_ns, .reset_request = reset_request,
                                            .poweroff_request = poweroff_request, .guest_ram = guest_ram,
                                            .msi_send = msi_send,
                                            .ctx = &d->wires[i] };
    }
    for (unsigned i = 0; i < VM_CONFIG_SERIALS; i++)
        d->serial[i].fd = d->serial[i].listen_fd = -1;
    for (unsigned i = 0; i < VM_CONFIG_ETHERNET; i++)
        d->tap[i] = -1;
    pci_host_init(&d->pci, &d->plat[SRC_PCI]);
    vmx_bus_init(&d->bus, &d->pci);
    for (unsigned i = 0; i < VM_CONFIG_SERIALS; i++) {
        if (open_serial(&d->serial[i], &cfg->serial[i], i, err, errlen) < 0)
            return -1;
        if (!cfg->serial[i].present)
            continue;
        uart16550_init(&d->uart[i], com_ports[i].base, com_ports[i].irq, &d->plat[SRC_UART0 + i], serial_sink,
                       &d->serial[i]);
        if (add(d, &d->uart[i].device, err, errlen) < 0)
            return -1;
    }
    cmos_rtc_init(&d->cmos, 8, &d->plat[SRC_CMOS], (int64_t)time(NULL));
    cmos_rtc_set_memory(&d->cmos, vm->ram_size, 0);
    i8042_init(&d->kbd, 1, &d->plat[SRC_KBD]);
    vga_text_init(&d->vga);
    acpi_pm_init(&d->pm, VM_SCI_IRQ, &d->plat[SRC_PM]);
    if (add(d, &d->cmos.device, err, errlen) < 0 || add(d, &d->kbd.device, err, errlen) < 0 ||
        add(d, &d->vga.device, err, errlen) < 0 || add(d, &d->pm.device, err, errlen) < 0)
        return -1;
    for (unsigned i = 0; i < VM_CONFIG_SCSI; i++)
        if (cfg->scsi[i].present && add_scsi(d, &cfg->scsi[i], i, err, errlen) < 0)
            return -1;
    for (unsigned i = 0; i < VM_CONFIG_ETHERNET; i++)
        if (cfg->ethernet[i].present && add_nic(d, &cfg->ethernet[i], i, err, errlen) < 0)
            return -1;
    const struct pci_window w = { VM_PCI_HOLE_START, VM_PCI_HOLE_END, VM_PCI_IO_BASE, 0x10000 };
    if (pci_firmware_assign(&d->pci, &w) < 0)
        return errmsg(err, errlen, "the PCI devices' registers do not fit the PCI hole");
    for (unsigned i = 0; i < VM_CONFIG_SCSI; i++)
        if (cfg->scsi[i].present)
            vm_log("scsi%u: PVSCSI at PCI 00:%02x.0, registers at %#llx, IRQ %u", i, VM_SCSI_PCI_SLOT + i,
                   (unsigned long long)pci_bar_address(&d->scsi[i].pci, 0), VM_SCSI_IRQ);
    return 0;
}

size_t vm_devices_pci_ssdt(const struct vm_devices *d, uint8_t *buf, size_t cap)
{
    struct pci_ssdt_config c = { .mem_base = VM_PCI_HOLE_START, .mem_end = VM_PCI_HOLE_END };
    for (unsigned dev = 1; dev < 32 && c.nr_routes < PCI_SSDT_MAX_ROUTES; dev++) {
        const struct pci_function *f = d->pci.fn[PCI_DEVFN(dev, 0)];
        if (f && f->cfg[PCI_INTERRUPT_PIN]) {
            c.route[c.nr_routes].slot = (uint8_t)dev;
            c.route[c.nr_routes].gsi = f->cfg[PCI_INTERRUPT_LINE];
            c.nr_routes++;
        }
    }
    return pci_ssdt_build(buf, cap, &c);
}

long vm_devices_claim(struct vm_devices *d)
{
    long e = vm_claim(d->vm, SK_IOREQ_PIO, 0, 0x80);
    if (e == SK_OK)
        e = vm_claim(d->vm, SK_IOREQ_PIO, 0x81, 0x10000 - 0x81);
    if (e == SK_OK)
        e = vm_claim(d->vm, SK_IOREQ_MMIO, VM_PCI_HOLE_START, VM_PCI_HOLE_END - VM_PCI_HOLE_START);
    if (e == SK_OK)
        e = vm_claim(d->vm, SK_IOREQ_BACKDOOR, BDOOR_CMD_MESSAGE, 1);   /* the rest is the vmkernel's */
    return e;
}

uint64_t vm_devices_poll(struct vm_devices *d)
{
    cmos_rtc_poll(&d->cmos);
    return cmos_rtc_next_event_ns(&d->cmos);
}

void vm_devices_flush(struct vm_devices *d)
{
    for (unsigned i = 0; i < VM_CONFIG_SERIALS; i++)
        serial_backend_flush(&d->serial[i]);
}

void vm_devices_close(struct vm_devices *d)
{
    vm_devices_flush(d);
    guest_rpc_close(&d->rpc);
    for (unsigned i = 0; i < VM_CONFIG_SERIALS; i++)
        serial_backend_close(&d->serial[i]);
    for (unsigned i = 0; i < VM_CONFIG_ETHERNET; i++)
        if (d->tap[i] >= 0) {
            close(d->tap[i]);               /* the tap leaves the vSwitch with it */
            d->tap[i] = -1;
        }
    for (unsigned b = 0; b < VM_CONFIG_SCSI; b++)
        for (unsigned u = 0; u < VM_CONFIG_SCSI_UNITS; u++)
            if (d->disk[b][u]) {
                vmdk_backend_flush(&d->disk[b][u]->vmdk);
                vmdk_backend_close(&d->disk[b][u]->vmdk);
                free(d->disk[b][u]);
                d->disk[b][u] = NULL;
            }
}
