/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vmkernel log.  Every record goes to the log ring and to the log
 * serial port (COM2 by default, never the console's port).
 */
#ifndef SKERRY_LOG_H
#define SKERRY_LOG_H

#include <stddef.h>
#include <stdint.h>

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_init(uint16_t port);
void log_set_level(enum log_level max_level);
/* The I/O base of the log's serial port (kept from every domain). */
uint16_t log_port_base(void);
void vmk_log(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Raw text to the log port and ring, no prefix (used by the purple screen). */
void log_write_raw(const char *s, size_t len);
/* Print on the boot console (COM1) as well as in the log. */
void banner_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The ring, for readers. */
struct log_ring *log_ring(void);
/* Up to cap bytes of the ring from *seq on (moved up to the oldest kept
 * byte if older), under the log's lock; advances *seq. */
size_t log_read(uint64_t *seq, char *out, size_t cap);

#define log_err(...)   vmk_log(LOG_ERR, __VA_ARGS__)
#define log_warn(...)  vmk_log(LOG_WARN, __VA_ARGS__)
#define log_info(...)  vmk_log(LOG_INFO, __VA_ARGS__)
#define log_debug(...) vmk_log(LOG_DEBUG, __VA_ARGS__)

#endif
