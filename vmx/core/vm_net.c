/* SPDX-License-Identifier: GPL-2.0-only */
/* A NIC's tap on a vSwitch bridge (vm_net.h). */
#define _GNU_SOURCE
#include "vm_net.h"
#include "errmsg.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

const char *vm_net_bridge(const char *network_name)
{
    return strcasecmp(network_name, "VM Network") == 0 ? VM_NET_BRIDGE : NULL;
}

int vm_net_open(const char *name, const char *bridge, char *err, size_t errlen)
{
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return errmsg(err, errlen, "/dev/net/tun: %s", strerror(errno));
    struct ifreq ifr = { 0 };
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int e = errno;
        close(fd);
        return errmsg(err, errlen, "tap %s: %s", name, strerror(e));
    }
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq up = { 0 };
    snprintf(up.ifr_name, sizeof up.ifr_name, "%s", name);
    int r = s < 0 ? -1 : ioctl(s, SIOCGIFFLAGS, &up);
    if (r == 0) {
        up.ifr_flags |= IFF_UP;
        r = ioctl(s, SIOCSIFFLAGS, &up);
    }
    const char *what = "bring it up";
    if (r == 0) {
        struct ifreq br = { 0 };
        snprintf(br.ifr_name, sizeof br.ifr_name, "%s", bridge);
        br.ifr_ifindex = (int)if_nametoindex(name);
        what = "add it to the virtual switch";
        r = br.ifr_ifindex ? ioctl(s, SIOCBRADDIF, &br) : -1;
    }
    int e = errno;
    if (s >= 0)
        close(s);
    if (r < 0) {
        close(fd);
        return errmsg(err, errlen, "tap %s: could not %s %s: %s", name, what, bridge,
                      e == ENODEV ? "no such virtual switch" : strerror(e));
    }
    return fd;
}

ssize_t vm_net_send(int fd, const void *frame, size_t len, const struct virtio_net_hdr *h)
{
    struct iovec iov[2] = { { (void *)h, sizeof *h }, { (void *)frame, len } };
    return writev(fd, iov, 2);
}

ssize_t vm_net_receive(int fd, void *frame, size_t max)
{
    struct virtio_net_hdr h;
    struct iovec iov[2] = { { &h, sizeof h }, { frame, max } };
    ssize_t n = readv(fd, iov, 2);
    if (n < 0)
        return errno == EAGAIN ? 0 : -1;
    return n < (ssize_t)sizeof h ? 0 : n - (ssize_t)sizeof h;
}

void vm_net_generate_mac(const char *vmx_path, unsigned nic, uint8_t mac[6])
{
    uint32_t h = 2166136261u;
    for (const char *p = vmx_path; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    h = (h ^ nic) * 16777619u;
    mac[0] = 0x00, mac[1] = 0x0C, mac[2] = 0x29;
    mac[3] = (uint8_t)(h >> 16), mac[4] = (uint8_t)(h >> 8), mac[5] = (uint8_t)h;
}
