// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmklogger: relays the vmkernel's log ring to syslog, the service
 * console's /var/log/vmkernel as on ESX.  Reads the ring from its oldest line (log_read from sequence 0),
 * then asks again every second, and sends each line to syslog as
 * "vmkernel: <line>" with facility local6; /etc/syslog.conf files local6
 * in /var/log/vmkernel and local6.warning and above also in
 * /var/log/vmkwarning.  The level comes from the line's tag (the vmkernel's
 * format, hypervisor/core/log.c: "<sec>.<usec> cpu<N> <E|W|I|D>: text"):
 * E is err, W warning, I info, D debug; lines without a tag (the banner)
 * are notices.
 *
 *   vmklogger      (no options) runs in the foreground until killed;
 *                  S90vmware starts it with start-stop-daemon.
 *
 * Exit status 1 when /dev/vmkernel cannot be opened or the vmkernel does
 * not answer hypercalls; the reason goes to syslog and stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include "vmk.h"

#define LINE_MAX_BYTES  1024    /* the vmkernel's lines are at most 512 */
#define POLL_SECONDS    1

static char line[LINE_MAX_BYTES];
static size_t line_len;

/* The syslog priority a vmkernel line asks for. */
static int line_priority(const char *s)
{
    const char *p = strstr(s, " cpu");

    if (!p)
        return LOG_NOTICE;
    p += 4;
    if (*p < '0' || *p > '9')
        return LOG_NOTICE;
    while (*p >= '0' && *p <= '9')
        p++;
    if (p[0] != ' ' || p[2] != ':')
        return LOG_NOTICE;
    switch (p[1]) {
    case 'E': return LOG_ERR;
    case 'W': return LOG_WARNING;
    case 'I': return LOG_INFO;
    case 'D': return LOG_DEBUG;
    default:  return LOG_NOTICE;
    }
}

static void flush_line(void)
{
    line[line_len] = '\0';
    if (line_len > 0)
        syslog(line_priority(line), "%s", line);
    line_len = 0;
}

static void add_bytes(const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (b[i] == '\n')
            flush_line();
        else if (line_len < sizeof line - 1)
            line[line_len++] = b[i];
    }
}

static void sleep_poll(void)
{
    struct timespec ts = { .tv_sec = POLL_SECONDS };

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

int main(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "usage: vmklogger (no options)\n");
        return 2;
    }
    openlog("vmkernel", LOG_NDELAY, LOG_LOCAL6);
    long e = vmk_open();
    if (e != 0) {
        fprintf(stderr, "vmklogger: %s\n", vmk_strerror(e));
        syslog(LOG_ERR, "vmklogger: cannot open %s: %s", "/dev/vmkernel", vmk_strerror(e));
        return 1;
    }

    sk_word_t seq = 0;
    long last_error = SK_OK;
    for (;;) {
        struct sk_system_log_read_result r;
        e = sk_system_log_read(SK_CAP_SYSTEM, seq, &r);
        if (e == -ENOSYS || e == -ENODEV) {
            fprintf(stderr, "vmklogger: %s\n", vmk_strerror(e));
            syslog(LOG_ERR, "vmklogger: %s", vmk_strerror(e));
            return 1;
        }
        if (e != SK_OK) {
            /* Say it once, keep trying: the vmkernel may recover. */
            if (e != last_error)
                syslog(LOG_ERR, "vmklogger: log_read at %llu failed: %s (%ld)",
                       (unsigned long long)seq, vmk_strerror(e), e);
            last_error = e;
            sleep_poll();
            continue;
        }
        last_error = SK_OK;
        if (r.len == 0) {
            sleep_poll();
            continue;
        }
        size_t len = r.len < 48 ? (size_t)r.len : 48;
        /*
         * The ring dropped lines before we read them: the start moved on.
         * (From 0, at start, that is only the ring's age.)
         */
        if (seq != 0 && r.next - len > seq) {
            if (line_len > 0)
                add_bytes("\n", 1);     /* the rest of that line is gone */
            syslog(LOG_WARNING, "vmklogger: %llu bytes of the vmkernel log were lost before they were read",
                   (unsigned long long)(r.next - len - seq));
        }
        const sk_word_t w[6] = { r.b0, r.b1, r.b2, r.b3, r.b4, r.b5 };
        char bytes[48];
        for (size_t i = 0; i < len; i++)
            bytes[i] = (char)(w[i / 8] >> (8 * (i % 8)));
        add_bytes(bytes, len);
        seq = r.next;
    }
}
