/* SPDX-License-Identifier: GPL-2.0-only */
#include <stdarg.h>
#include <stdio.h>
#include <skerry/log.h>
#include <skerry/log_ring.h>
#include <skerry/spinlock.h>
#include <skerry/time.h>
#include <skerry/percpu.h>
#include <arch/uart16550.h>

#define LOG_RING_SIZE (64 * 1024)
#define LOG_LINE_MAX  512

static char ring_buf[LOG_RING_SIZE];
static struct log_ring ring = { ring_buf, LOG_RING_SIZE, 0, 0 };
static spinlock_t log_lock = SPINLOCK_INIT;
static uint16_t log_port = COM2_PORT;
static enum log_level max_level = LOG_INFO;
static const char level_tag[] = { 'E', 'W', 'I', 'D' };

void log_init(uint16_t port)
{
    log_port = port;
    uart_init(port);
}

uint16_t log_port_base(void)
{
    return log_port;
}

void log_set_level(enum log_level level)
{
    max_level = level;
}

struct log_ring *log_ring(void)
{
    return &ring;
}

static void emit(const char *s, size_t len)
{
    log_ring_append(&ring, s, len);
    uart_write(log_port, s, len);
}

void log_write_raw(const char *s, size_t len)
{
    emit(s, len);
}

static size_t format_record(char *line, enum log_level level, const char *fmt, va_list ap)
{
    uint64_t ns = time_now_ns();
    int n = snprintf(line, LOG_LINE_MAX, "%5llu.%06llu cpu%u %c: ",
                     (unsigned long long)(ns / 1000000000),
                     (unsigned long long)(ns / 1000 % 1000000), this_cpu_id(),
                     level_tag[level]);
    n += vsnprintf(line + n, LOG_LINE_MAX - (size_t)n, fmt, ap);
    if (n > LOG_LINE_MAX - 2)
        n = LOG_LINE_MAX - 2;
    if (n > 0 && line[n - 1] != '\n')
        line[n++] = '\n';
    line[n] = '\0';
    return (size_t)n;
}

void vmk_log(enum log_level level, const char *fmt, ...)
{
    if (level > max_level)
        return;
    char line[LOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    size_t len = format_record(line, level, fmt, ap);
    va_end(ap);
    uint64_t flags = spin_lock_irqsave(&log_lock);
    emit(line, len);
    spin_unlock_irqrestore(&log_lock, flags);
}

void banner_print(const char *fmt, ...)
{
    char line[LOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    uint64_t flags = spin_lock_irqsave(&log_lock);
    uart_write(COM1_PORT, line, len);
    emit(line, len);
    spin_unlock_irqrestore(&log_lock, flags);
}

size_t log_read(uint64_t *seq, char *out, size_t cap)
{
    uint64_t flags = spin_lock_irqsave(&log_lock);
    size_t n = log_ring_read(&ring, seq, out, cap);
    spin_unlock_irqrestore(&log_lock, flags);
    return n;
}
