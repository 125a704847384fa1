/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vmkernel log ring: a fixed byte buffer of whole records.  When it
 * is full the oldest records are dropped.  Readers (later /proc/vmware/log
 * and vmklogger) follow a monotonically increasing byte sequence number,
 * so they can tell how much they missed.
 */
#ifndef SKERRY_LOG_RING_H
#define SKERRY_LOG_RING_H

#include <stddef.h>
#include <stdint.h>

struct log_ring {
    char *buf;
    size_t size;          /* power of two */
    uint64_t head;        /* sequence number of the next byte written */
    uint64_t tail;        /* sequence number of the oldest byte kept */
};

void log_ring_init(struct log_ring *ring, char *buf, size_t size);
/* Append one record (a line); drops whole old lines to make room. */
void log_ring_append(struct log_ring *ring, const char *rec, size_t len);
/*
 * Copy bytes starting at sequence *seq into out (at most cap bytes).
 * If *seq is older than the tail it is moved forward to the tail first.
 * Returns the number of bytes copied and advances *seq.
 */
size_t log_ring_read(const struct log_ring *ring, uint64_t *seq, char *out, size_t cap);

#endif
