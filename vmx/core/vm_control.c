/* SPDX-License-Identifier: GPL-2.0-only */
/* vmware-cmd's control socket of a running VM (vm_control.h). */
#define _GNU_SOURCE                      /* accept4 */
#include "vm_control.h"
#include "errmsg.h"
#include "fd_io.h"
#include "vm_log.h"
#include "vm_state.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define REQUEST_WAIT_MS 500      /* a client that connects and says nothing is dropped */
#define MAX_PER_ROUND   8        /* connections answered before the VM's I/O again */

/* VMControl error numbers, as vmware-cmd prints them. */
enum { CTL_OK = 0, CTL_UNKNOWN = 1, CTL_BAD_ARGS = 3, CTL_BAD_STATE = 8 };

static int socket_address(const char *vmx, struct sockaddr_un *sa)
{
    char path[PATH_MAX];
    if (vm_state_socket(vmx, path, sizeof path) < 0)
        return -1;
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sa->sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(sa->sun_path, path, strlen(path) + 1);
    return 0;
}

int vm_control_open(const char *vmx, char *err, size_t errlen)
{
    struct sockaddr_un sa;
    if (socket_address(vmx, &sa) < 0)
        return errmsg(err, errlen, "the control socket of %s: %s", vmx, strerror(errno));
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return errmsg(err, errlen, "socket: %s", strerror(errno));
    unlink(sa.sun_path);                 /* ours: the state file was claimed first */
    mode_t old = umask(077);
    int r = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    umask(old);
    if (r < 0 || listen(fd, 8) < 0) {
        errmsg(err, errlen, "%s: %s", sa.sun_path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

void vm_control_close(int fd, const char *vmx)
{
    struct sockaddr_un sa;
    if (fd < 0)
        return;
    close(fd);
    if (socket_address(vmx, &sa) == 0)
        unlink(sa.sun_path);
}

static void reply_with(char *reply, size_t cap, int code, const char *text)
{
    snprintf(reply, cap, "%d %s", code, text);
}

/* One request line (no newline) against d: the reply (no newline) into reply. */
static void handle_request(struct vm_devices *d, const char *request, char *reply, size_t cap)
{
    char verb[32] = "", key[GUEST_RPC_MAX_KEY + 1] = "";
    int used = 0;
    sscanf(request, "%31s%n", verb, &used);
    const char *rest = request + used;
    rest += *rest == ' ';
    if (strcmp(verb, "getheartbeat") == 0 && !*rest) {
        snprintf(reply, cap, "0 %llu", (unsigned long long)guest_rpc_heartbeat(&d->rpc));
    } else if (strcmp(verb, "gettoolslastactive") == 0 && !*rest) {
        snprintf(reply, cap, "0 %d", (int)guest_rpc_tools_status(&d->rpc));
    } else if (strcmp(verb, "getguestinfo") == 0 || strcmp(verb, "setguestinfo") == 0) {
        size_t n = strcspn(rest, " ");
        if (n == 0 || n > GUEST_RPC_MAX_KEY - 1) {
            reply_with(reply, cap, CTL_BAD_ARGS, "Invalid arguments: a guestinfo variable name of 1 to 127 characters");
            return;
        }
        memcpy(key, rest, n);
        key[n] = '\0';
        const char *value = rest[n] ? rest + n + 1 : NULL;
        if (verb[0] == 'g') {
            const char *v = value ? NULL : guest_rpc_get_var(&d->rpc, key);
            if (value)
                reply_with(reply, cap, CTL_BAD_ARGS, "Invalid arguments: getguestinfo takes one variable name");
            else
                snprintf(reply, cap, "0 %s", v ? v : "");
        } else if (!value) {
            reply_with(reply, cap, CTL_BAD_ARGS, "Invalid arguments: setguestinfo takes a name and a value");
        } else if (guest_rpc_set_var(&d->rpc, key, value) < 0) {
            reply_with(reply, cap, CTL_UNKNOWN, "Unknown error: the value is too long or there are too many "
                                                "guestinfo variables");
        } else {
            vm_log("Guest variable guestinfo.%s set by the host", key);
            reply_with(reply, cap, CTL_OK, "");
        }
    } else if (strcmp(verb, "tools") == 0 && *rest) {
        if (guest_rpc_command(&d->rpc, rest))
            reply_with(reply, cap, CTL_OK, "");
        else
            reply_with(reply, cap, CTL_BAD_STATE, "Invalid operation for virtual machine's current state: "
                                                  "VMware Tools are not running in the guest");
    } else {
        reply_with(reply, cap, CTL_BAD_ARGS, "Invalid arguments: unknown request");
    }
}

/* One connection: read its line, answer it. */
static void answer(int c, struct vm_devices *d)
{
    char request[VM_CONTROL_MAX_LINE + 1], reply[VM_CONTROL_MAX_LINE + 64];
    size_t got = 0;
    while (got < VM_CONTROL_MAX_LINE && !memchr(request, '\n', got)) {
        struct pollfd p = { .fd = c, .events = POLLIN };
        if (poll(&p, 1, REQUEST_WAIT_MS) <= 0)
            return;
        ssize_t n = read(c, request + got, VM_CONTROL_MAX_LINE - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    char *nl = memchr(request, '\n', got);
    if (!nl) {
        reply_with(reply, sizeof reply, CTL_BAD_ARGS, "Invalid arguments: the request is too long");
    } else {
        *nl = '\0';
        if (strlen(request) != (size_t)(nl - request))
            reply_with(reply, sizeof reply, CTL_BAD_ARGS, "Invalid arguments: a NUL in the request");
        else
            handle_request(d, request, reply, sizeof reply);
    }
    size_t len = strlen(reply);
    reply[len++] = '\n';
    fd_write_full(c, reply, len);        /* a client that went away misses its answer */
}

void vm_control_serve(int fd, struct vm_devices *d)
{
    for (int i = 0; i < MAX_PER_ROUND; i++) {
        int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
            return;                      /* EAGAIN: no one else waits */
        answer(c, d);
        close(c);
    }
}
