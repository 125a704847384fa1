/* SPDX-License-Identifier: GPL-2.0-only */
/* A virtual serial port's file, pipe or network connection (serial_backend.h). */
#define _GNU_SOURCE                      /* accept4 */
#include "serial_backend.h"
#include "errmsg.h"
#include "vm_log.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define IAC  255u
#define SB   250u
#define SE   240u
#define WILL 251u
#define DO   253u
#define OPT_ECHO 1u
#define OPT_SGA  3u                      /* suppress go-ahead: character mode */

size_t telnet_decode(enum telnet_state *state, uint8_t *buf, size_t len)
{
    size_t kept = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t b = buf[i];
        switch (*state) {
        case TELNET_DATA:
            if (b == IAC)
                *state = TELNET_IAC;
            else
                buf[kept++] = b;
            break;
        case TELNET_IAC:
            if (b == IAC) {
                buf[kept++] = b;         /* an escaped 0xFF */
                *state = TELNET_DATA;
            } else if (b == SB) {
                *state = TELNET_SB;
            } else if (b >= WILL) {
                *state = TELNET_OPTION;  /* WILL, WONT, DO, DONT: one option byte follows */
            } else {
                *state = TELNET_DATA;    /* NOP, GA, AYT...: nothing to do */
            }
            break;
        case TELNET_OPTION:
            *state = TELNET_DATA;
            break;
        case TELNET_SB:
            if (b == IAC)
                *state = TELNET_SB_IAC;
            break;
        case TELNET_SB_IAC:
            *state = b == SE ? TELNET_DATA : TELNET_SB;
            break;
        }
    }
    return kept;
}

/* "telnet://host:port" into host (empty: any) and port. */
static int split_uri(const char *uri, char *host, size_t hostcap, char *port, size_t portcap)
{
    const char *p = strstr(uri, "//") + 2, *colon = strrchr(p, ':');
    size_t hl = (size_t)(colon - p);
    if (hl >= hostcap || strlen(colon + 1) >= portcap || !colon[1])
        return -1;
    memcpy(host, p, hl);
    host[hl] = '\0';
    if (host[0] == '[' && hl >= 2 && host[hl - 1] == ']') {   /* [::1] */
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = '\0';
    }
    snprintf(port, portcap, "%s", colon + 1);
    for (const char *c = port; *c; c++)
        if (*c < '0' || *c > '9')
            return -1;
    return 0;
}

static int open_network(struct serial_backend *s, const struct vm_serial *cfg, char *err, size_t errlen)
{
    char host[128], port[16];
    if (split_uri(cfg->file_name, host, sizeof host, port, sizeof port) < 0)
        return errmsg(err, errlen, "serial%u.fileName = \"%s\": not [host]:port", s->index, cfg->file_name);
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                              .ai_flags = cfg->server ? AI_PASSIVE : 0 }, *ai = NULL;
    int rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
    if (rc != 0)
        return errmsg(err, errlen, "serial%u.fileName = \"%s\": %s", s->index, cfg->file_name, gai_strerror(rc));
    int fd = -1, e = 0;
    for (struct addrinfo *a = ai; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0)
            continue;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (cfg->server ? bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, 1) == 0
                        : connect(fd, a->ai_addr, a->ai_addrlen) == 0)
            break;
        e = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd < 0)
        return errmsg(err, errlen, "serial%u.fileName = \"%s\": cannot %s: %s", s->index, cfg->file_name,
                      cfg->server ? "listen there" : "connect", strerror(e));
    *(cfg->server ? &s->listen_fd : &s->fd) = fd;
    return 0;
}

static int open_pipe(struct serial_backend *s, const struct vm_serial *cfg, char *err, size_t errlen)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(cfg->file_name) >= sizeof sa.sun_path)
        return errmsg(err, errlen, "serial%u.fileName = \"%s\": longer than a socket path may be", s->index,
                      cfg->file_name);
    memcpy(sa.sun_path, cfg->file_name, strlen(cfg->file_name) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return errmsg(err, errlen, "serial%u: socket: %s", s->index, strerror(errno));
    struct stat st;
    /* A socket left by an earlier run is replaced; any other file is not. */
    if (cfg->server && lstat(cfg->file_name, &st) == 0 && S_ISSOCK(st.st_mode))
        unlink(cfg->file_name);
    if (cfg->server ? bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 1) < 0
                    : connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int e = errno;
        close(fd);
        return errmsg(err, errlen, "serial%u.fileName = \"%s\": cannot %s: %s", s->index, cfg->file_name,
                      cfg->server ? "make the pipe" : "connect to the pipe", strerror(e));
    }
    *(cfg->server ? &s->listen_fd : &s->fd) = fd;
    return 0;
}

int serial_backend_open(struct serial_backend *s, const struct vm_serial *cfg, unsigned index, char *err,
                        size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->fd = s->listen_fd = -1;
    s->index = index;
    if (!cfg->present)
        return 0;
    s->type = cfg->type;
    snprintf(s->where, sizeof s->where, "%s", cfg->file_name);
    int r;
    if (cfg->type == VM_SERIAL_FILE) {
        s->fd = open(cfg->file_name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        r = s->fd < 0 ? errmsg(err, errlen, "serial%u.fileName = \"%s\": %s", index, cfg->file_name,
                               strerror(errno)) : 0;
    } else if (cfg->type == VM_SERIAL_PIPE) {
        r = open_pipe(s, cfg, err, errlen);
    } else {
        s->telnet = strncasecmp(cfg->file_name, "telnet://", 9) == 0;
        r = open_network(s, cfg, err, errlen);
    }
    if (r < 0)
        return -1;
    if (s->fd >= 0 && s->type != VM_SERIAL_FILE)
        fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK);
    if (s->listen_fd >= 0)
        fcntl(s->listen_fd, F_SETFL, fcntl(s->listen_fd, F_GETFL) | O_NONBLOCK);
    return 0;
}

static void disconnect(struct serial_backend *s, const char *why)
{
    vm_log("serial%u: %s %s", s->index, s->where, why);
    close(s->fd);
    s->fd = -1;
    s->telnet_state = TELNET_DATA;
}

static void write_all(struct serial_backend *s, const uint8_t *buf, size_t len)
{
    size_t off = 0;
    while (s->fd >= 0 && off < len) {
        ssize_t n = write(s->fd, buf + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;                       /* a slow peer loses output, not the VM its time */
        if (n <= 0) {
            if (s->type == VM_SERIAL_FILE)
                break;                   /* a full disk loses output, not the VM */
            disconnect(s, "disconnected");
            break;
        }
        off += (size_t)n;
    }
}

void serial_backend_flush(struct serial_backend *s)
{
    if (!s->telnet) {
        write_all(s, s->out, s->len);
    } else {
        uint8_t esc[2 * sizeof s->out];
        size_t n = 0;
        for (size_t i = 0; i < s->len; i++) {
            esc[n++] = s->out[i];
            if (s->out[i] == IAC)
                esc[n++] = IAC;          /* a data 0xFF is doubled */
        }
        write_all(s, esc, n);
    }
    s->len = 0;
}

void serial_backend_put(struct serial_backend *s, uint8_t byte)
{
    if (s->len == sizeof s->out)
        serial_backend_flush(s);
    s->out[s->len++] = byte;
    /* A file gets whole lines; a peer sees each keystroke's echo at once
     * (the run loop flushes after every round of requests). */
    if (byte == '\n')
        serial_backend_flush(s);
}

unsigned serial_backend_fds(const struct serial_backend *s, bool want_input, struct pollfd *fds)
{
    unsigned n = 0;
    if (s->listen_fd >= 0)
        fds[n++] = (struct pollfd){ .fd = s->listen_fd, .events = POLLIN };
    if (s->fd >= 0 && s->type != VM_SERIAL_FILE && want_input)
        fds[n++] = (struct pollfd){ .fd = s->fd, .events = POLLIN };
    return n;
}

static void take_connection(struct serial_backend *s)
{
    int c = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (c < 0)
        return;
    if (s->fd >= 0) {
        static const char busy[] = "The serial port is in use by another connection.\r\n";
        if (write(c, busy, sizeof busy - 1) < 0) {
            /* it is going away anyway */
        }
        close(c);
        return;
    }
    s->fd = c;
    s->telnet_state = TELNET_DATA;
    vm_log("serial%u: %s connected", s->index, s->where);
    if (s->telnet) {
        /* The server echoes and the line is in character mode, as a
         * telnet client expects of a console. */
        static const uint8_t hello[] = { IAC, WILL, OPT_ECHO, IAC, WILL, OPT_SGA, IAC, DO, OPT_SGA };
        write_all(s, hello, sizeof hello);
    }
}

size_t serial_backend_input(struct serial_backend *s, uint8_t *buf, size_t room)
{
    if (s->listen_fd >= 0)
        take_connection(s);
    if (s->fd < 0 || s->type == VM_SERIAL_FILE || room == 0)
        return 0;
    ssize_t n = read(s->fd, buf, room);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        disconnect(s, n == 0 ? "disconnected" : "failed");
        return 0;
    }
    if (n < 0)
        return 0;
    return s->telnet ? telnet_decode(&s->telnet_state, buf, (size_t)n) : (size_t)n;
}

void serial_backend_close(struct serial_backend *s)
{
    serial_backend_flush(s);
    if (s->fd >= 0)
        close(s->fd);
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
        if (s->type == VM_SERIAL_PIPE)
            unlink(s->where);            /* the pipe goes with its VM */
    }
    s->fd = s->listen_fd = -1;
}
