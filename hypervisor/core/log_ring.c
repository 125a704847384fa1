/* SPDX-License-Identifier: GPL-2.0-only */
#include <skerry/log_ring.h>

void log_ring_init(struct log_ring *ring, char *buf, size_t size)
{
    ring->buf = buf;
    ring->size = size;
    ring->head = 0;
    ring->tail = 0;
}

static char ring_byte(const struct log_ring *ring, uint64_t seq)
{
    return ring->buf[seq & (ring->size - 1)];
}

/* Drop the oldest line (up to and including its newline). */
static void drop_oldest_line(struct log_ring *ring)
{
    while (ring->tail < ring->head) {
        char c = ring_byte(ring, ring->tail++);
        if (c == '\n')
            return;
    }
}

void log_ring_append(struct log_ring *ring, const char *rec, size_t len)
{
    if (len > ring->size) {             /* keep the newest part only */
        rec += len - ring->size;
        len = ring->size;
    }
    while (ring->head + len - ring->tail > ring->size)
        drop_oldest_line(ring);
    for (size_t i = 0; i < len; i++)
        ring->buf[(ring->head + i) & (ring->size - 1)] = rec[i];
    ring->head += len;
}

size_t log_ring_read(const struct log_ring *ring, uint64_t *seq, char *out, size_t cap)
{
    if (*seq < ring->tail)
        *seq = ring->tail;
    size_t n = 0;
    while (n < cap && *seq < ring->head)
        out[n++] = ring_byte(ring, (*seq)++);
    return n;
}
