/* SPDX-License-Identifier: GPL-2.0-only */
/* vmware.log (vm_log.h). */
#include "vm_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

#define KEEP 5

static FILE *log_file;
static int also_stderr;

int vm_log_open(const char *dir, int append)
{
    char from[4096], to[4096];
    for (int i = KEEP; i >= 1 && !append; i--) {
        if (i == 1)
            snprintf(from, sizeof from, "%s/vmware.log", dir);
        else
            snprintf(from, sizeof from, "%s/vmware-%d.log", dir, i - 1);
        snprintf(to, sizeof to, "%s/vmware-%d.log", dir, i);
        rename(from, to);               /* absent files are fine */
    }
    snprintf(from, sizeof from, "%s/vmware.log", dir);
    log_file = fopen(from, append ? "a" : "w");
    if (!log_file)
        return -1;
    setvbuf(log_file, NULL, _IOLBF, 0);
    return 0;
}

void vm_log_close(void)
{
    if (log_file)
        fclose(log_file);
    log_file = NULL;
}

void vm_log_also_stderr(int on)
{
    also_stderr = on;
}

void vm_log(const char *fmt, ...)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%b %d %H:%M:%S", &tm);
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (log_file)
        fprintf(log_file, "%s.%03ld: vmx| %s\n", stamp, (long)(tv.tv_usec / 1000), msg);
    if (also_stderr || !log_file)
        fprintf(stderr, "vmware-vmx: %s\n", msg);
}
