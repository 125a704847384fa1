/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A VM NIC's port on a virtual switch of the service console: a tap
 * interface (named vmnic<domain>.<n>, up, non-blocking) put into the Linux
 * bridge that stands for the port group's vSwitch.  The one port group
 * so far is "VM Network" on vSwitch0, which S90vmware makes.  Frames on
 * the tap carry a virtio-net header (IFF_VNET_HDR): a NIC's TSO packet
 * goes to the console's kernel whole, to be delivered or cut there, and
 * checksums are left to it; no offloads are enabled the other way, so
 * what the tap hands us is finished.
 */
#ifndef SKERRY_VMX_VM_NET_H
#define SKERRY_VMX_VM_NET_H

#include <linux/virtio_net.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define VM_NET_BRIDGE "vSwitch0"

/* The bridge of a port group: its name, or NULL for an unknown one. */
const char *vm_net_bridge(const char *network_name);

/* A tap called name in bridge: its descriptor, or -1 with err. */
int vm_net_open(const char *name, const char *bridge, char *err, size_t errlen);

/* One frame out, with what the kernel is to finish in it: the bytes
 * written (header included), or -1 with errno (EAGAIN: the queue is full). */
ssize_t vm_net_send(int fd, const void *frame, size_t len, const struct virtio_net_hdr *h);

/* One frame in, into frame (max bytes): its length without the header,
 * 0 when none is waiting, or -1 with errno. */
ssize_t vm_net_receive(int fd, void *frame, size_t max);

/* A MAC for a NIC without one, ESX's way: 00:0c:29 and three bytes from
 * the .vmx's path and the NIC's number (so the same VM keeps it). */
void vm_net_generate_mac(const char *vmx_path, unsigned nic, uint8_t mac[6]);

#endif
