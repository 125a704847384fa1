/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a virtual serial port is connected to (serialN.fileType):
 *
 *   file      output appended to fileName; no input
 *   pipe      a Unix stream socket at fileName (a named pipe on ESX's
 *             Linux side): vmware-vmx listens there (pipe.endPoint =
 *             "server", the default) or connects to it ("client")
 *   network   telnet://[host]:port or tcp://[host]:port: vmware-vmx
 *             listens on the port (network.endPoint = "server") or
 *             connects to host:port ("client"); telnet:// speaks enough
 *             of the telnet protocol for a telnet client in character
 *             mode (RFC 854: IAC escapes, option negotiation skipped)
 *
 * One peer at a time: a server takes the next connection once its peer
 * has gone, and turns others away.  Output while no peer is connected is
 * dropped, as on a serial line with nothing plugged in; so is output a
 * peer does not read fast enough.  Input goes to the guest's UART only as
 * fast as its receive FIFO empties (the socket is not read meanwhile).
 */
#ifndef SKERRY_VMX_SERIAL_BACKEND_H
#define SKERRY_VMX_SERIAL_BACKEND_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../config/vm_config.h"

enum telnet_state { TELNET_DATA, TELNET_IAC, TELNET_OPTION, TELNET_SB, TELNET_SB_IAC };

struct serial_backend {
    enum vm_serial_type type;
    unsigned index;                 /* serialN */
    int fd;                         /* the file, or the connected peer; -1: none */
    int listen_fd;                  /* a server's socket; -1: none */
    bool telnet;
    enum telnet_state telnet_state;
    char where[VM_CONFIG_PATH_MAX]; /* the path or URI */
    uint8_t out[512];
    size_t len;
};

/* Open what cfg names for serial<index>: 0, or -1 with err. */
int serial_backend_open(struct serial_backend *s, const struct vm_serial *cfg, unsigned index, char *err,
                        size_t errlen);

/* A byte the guest sent; buffered until a newline or a full buffer. */
void serial_backend_put(struct serial_backend *s, uint8_t byte);
void serial_backend_flush(struct serial_backend *s);

/* The descriptors to wait on (at most 2): a server's socket, and the
 * peer when the guest can take input (want_input). */
unsigned serial_backend_fds(const struct serial_backend *s, bool want_input, struct pollfd *fds);

/* Take a waiting connection, and up to room bytes of the peer's input
 * into buf (telnet commands removed): the byte count. */
size_t serial_backend_input(struct serial_backend *s, uint8_t *buf, size_t room);

void serial_backend_close(struct serial_backend *s);

/* The telnet decoder alone: data bytes of in[0..len) kept in place;
 * returns how many remain. */
size_t telnet_decode(enum telnet_state *state, uint8_t *buf, size_t len);

#endif
