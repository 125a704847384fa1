// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmfs-fuse's request loop, in one thread.  After each request it keeps
 * reading the device for a short while before it sleeps: a program
 * creating many small files sends its next request within microseconds,
 * and finding it awake saves a wake-up of this thread (an inter-processor
 * interrupt, on a virtual machine an exit) for each of them.
 * The benchmark's null file system runs the same loop.
 */
#define FUSE_USE_VERSION 35
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "fuse_loop.h"

#define SPIN_NS 50000u

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int fuse_spin_loop(struct fuse_session *se)
{
    int fd = fuse_session_fd(se);
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return fuse_session_loop(se);
    struct fuse_buf buf = { .mem = NULL };
    uint64_t last = 0;
    int r = 0;
    while (!fuse_session_exited(se)) {
        r = fuse_session_receive_buf(se, &buf);
        if (r == -EAGAIN) {
            if (now_ns() - last > SPIN_NS) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                poll(&p, 1, -1);
                last = now_ns();
            }
            r = 0;
            continue;
        }
        if (r == -EINTR) {
            r = 0;
            continue;
        }
        if (r <= 0)
            break;
        fuse_session_process_buf(se, &buf);
        last = now_ns();
    }
    free(buf.mem);
    fuse_session_reset(se);
    return r < 0 ? r : 0;
}
