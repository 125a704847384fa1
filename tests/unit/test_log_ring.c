/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host unit tests for the vmkernel log ring (core/log_ring.c): whole-line
 * records in a power-of-two byte buffer, the oldest lines dropped when
 * full, readers following a byte sequence number.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <skerry/log_ring.h>
#include "check.h"

#define RING 32

static char store[RING + 16];         /* ring plus a guard zone */
static struct log_ring ring;

static void fresh(void)
{
    memset(store, '#', sizeof store);
    log_ring_init(&ring, store, RING);
}

static void append(const char *s)
{
    log_ring_append(&ring, s, strlen(s));
}

/* Read everything from *seq into a NUL-terminated string. */
static size_t read_all(uint64_t *seq, char *out, size_t cap)
{
    size_t n = log_ring_read(&ring, seq, out, cap - 1);
    out[n] = '\0';
    return n;
}

static bool guard_intact(void)
{
    for (size_t i = RING; i < sizeof store; i++)
        if (store[i] != '#')
            return false;
    return true;
}

static void test_empty(void)
{
    fresh();
    uint64_t seq = 0;
    char out[64];
    CHECK_EQ(read_all(&seq, out, sizeof out), 0, "empty ring reads nothing");
    CHECK_EQ(seq, 0, "empty ring: seq stays 0");
    log_ring_append(&ring, "ignored", 0);
    CHECK(ring.head == 0 && ring.tail == 0, "zero-length append changes nothing");
}

static void test_append_read(void)
{
    fresh();
    append("a\n");
    append("bb\n");
    CHECK_EQ(ring.head, 5, "head counts appended bytes");
    CHECK_EQ(ring.tail, 0, "nothing dropped yet");

    uint64_t seq = 0;
    char out[64];
    CHECK_EQ(read_all(&seq, out, sizeof out), 5, "read returns all 5 bytes");
    CHECK(strcmp(out, "a\nbb\n") == 0, "read returns the records in order");
    CHECK_EQ(seq, 5, "seq advanced to head");
    CHECK_EQ(read_all(&seq, out, sizeof out), 0, "caught-up reader reads nothing");

    append("ccc\n");
    CHECK(read_all(&seq, out, sizeof out) == 4 && strcmp(out, "ccc\n") == 0,
          "reader resumes with the new record only");

    /* Small reads continue where the last one stopped. */
    seq = 0;
    char piece[4];
    CHECK_EQ(log_ring_read(&ring, &seq, piece, 3), 3, "read capped at cap");
    CHECK(memcmp(piece, "a\nb", 3) == 0 && seq == 3, "first 3 bytes, seq 3");
    CHECK_EQ(log_ring_read(&ring, &seq, piece, 3), 3, "second read");
    CHECK(memcmp(piece, "b\nc", 3) == 0 && seq == 6, "next 3 bytes, seq 6");
    CHECK_EQ(log_ring_read(&ring, &seq, piece, 0), 0, "cap 0 reads nothing");
    CHECK_EQ(seq, 6, "cap 0 leaves seq alone");

    seq = 2;                                         /* a reader in the middle */
    CHECK(read_all(&seq, out, sizeof out) == 7 && strcmp(out, "bb\nccc\n") == 0,
          "reading from an arbitrary kept seq");
    seq = 100;
    CHECK_EQ(log_ring_read(&ring, &seq, out, 10), 0, "seq ahead of head reads nothing");
}

/* Fill exactly, then one more line: the oldest whole line goes. */
static void test_drop_whole_lines(void)
{
    fresh();
    append("0123456\n");                             /* seq  0..7  */
    append("abcdefg\n");                             /* seq  8..15 */
    append("ABCDEFG\n");                             /* seq 16..23 */
    append("hijklmn\n");                             /* seq 24..31: ring exactly full */
    CHECK_EQ(ring.tail, 0, "exactly full: nothing dropped");
    uint64_t seq = 0;
    char out[64];
    CHECK_EQ(read_all(&seq, out, sizeof out), 32, "exactly full: all 32 bytes readable");

    append("x\n");                                   /* needs 2 bytes: drop line 1 */
    CHECK_EQ(ring.tail, 8, "one whole line dropped (tail at a line start)");
    CHECK_EQ(ring.head, 34, "head 34");
    seq = 0;
    read_all(&seq, out, sizeof out);
    CHECK(strcmp(out, "abcdefg\nABCDEFG\nhijklmn\nx\n") == 0,
          "ring keeps the newest whole lines, wrapped correctly");

    append("0123456789abcdefghi\n");                 /* 20 bytes: drops 2 lines */
    CHECK_EQ(ring.tail, 24, "as many whole lines as needed are dropped");
    seq = 0;
    read_all(&seq, out, sizeof out);
    CHECK(strcmp(out, "hijklmn\nx\n0123456789abcdefghi\n") == 0, "content after second drop");
    CHECK(ring.head - ring.tail <= RING, "never more than size bytes kept");
    CHECK(guard_intact(), "no write past the ring buffer");
}

/* Long-running wrap: many lines of varying length, compared with a model. */
static void test_wraparound_model(void)
{
    fresh();
    static char history[8192];
    size_t hlen = 0;
    unsigned bad_content = 0, bad_boundary = 0, bad_size = 0;
    for (unsigned i = 0; i < 500; i++) {
        char line[24];
        unsigned n = 1 + (i * 7) % 13;               /* 1..13 payload bytes */
        for (unsigned j = 0; j < n; j++)
            line[j] = (char)('a' + (i + j) % 26);
        line[n] = '\n';
        log_ring_append(&ring, line, n + 1);
        memcpy(history + hlen, line, n + 1);
        hlen += n + 1;

        uint64_t seq = 0;
        char out[RING + 1];
        size_t got = read_all(&seq, out, sizeof out);
        bad_size += got != ring.head - ring.tail || ring.head != hlen || got > RING;
        /* What is kept is exactly the newest bytes of everything logged... */
        bad_content += memcmp(out, history + hlen - got, got) != 0;
        /* ...starting at a line boundary, and dropping only what had to go. */
        bad_boundary += got < hlen && history[hlen - got - 1] != '\n';
        size_t prev_line_start = hlen - got;
        if (prev_line_start > 0) {
            size_t p = prev_line_start - 1;          /* newline ending the dropped line */
            while (p > 0 && history[p - 1] != '\n')
                p--;
            bad_boundary += hlen - p <= RING;        /* that line would have fitted */
        }
    }
    CHECK_EQ(bad_size, 0, "wrap: kept length = head - tail <= size, head = bytes logged");
    CHECK_EQ(bad_content, 0, "wrap: kept bytes are the newest bytes logged");
    CHECK_EQ(bad_boundary, 0, "wrap: kept data starts at a line, only the needed lines dropped");
    CHECK(guard_intact(), "wrap: no write past the ring buffer");
}

/* A reader that fell behind the tail jumps forward and can tell how much it lost. */
static void test_reader_behind_tail(void)
{
    fresh();
    uint64_t seq = 0;
    char out[64];
    append("first line\n");                          /* 11 */
    CHECK_EQ(read_all(&seq, out, 5), 4, "slow reader read 4 bytes");
    CHECK_EQ(seq, 4, "slow reader at seq 4");
    append("second line\n");                         /* 12 */
    append("third line, long\n");                    /* 17: drops "first line\n" */
    CHECK_EQ(ring.tail, 11, "first line dropped");
    uint64_t before = seq;
    size_t n = read_all(&seq, out, sizeof out);
    CHECK_EQ(n, 29, "reader gets what is kept");
    CHECK(strcmp(out, "second line\nthird line, long\n") == 0,
          "reader restarts at the oldest kept line");
    CHECK_EQ(seq, ring.head, "reader caught up to head");
    CHECK_EQ(seq - before - n, 7, "reader can compute the 7 bytes it missed");
}

/* A record longer than the whole ring keeps its newest part. */
static void test_oversized_record(void)
{
    fresh();
    append("old\n");
    char big[3 * RING];
    for (size_t i = 0; i < sizeof big - 1; i++)
        big[i] = (char)('A' + i % 26);
    big[sizeof big - 1] = '\n';
    log_ring_append(&ring, big, sizeof big);
    CHECK_EQ(ring.head - ring.tail, RING, "oversized record fills the ring exactly");
    uint64_t seq = 0;
    char out[RING + 1];
    CHECK_EQ(read_all(&seq, out, sizeof out), RING, "reader gets size bytes");
    CHECK(memcmp(out, big + sizeof big - RING, RING) == 0,
          "the newest size bytes of the record are kept");
    CHECK(strstr(out, "old") == NULL, "older records are gone");
    CHECK(guard_intact(), "oversized: no write past the ring buffer");

    append("next\n");
    seq = 0;
    read_all(&seq, out, sizeof out);
    CHECK(strcmp(out, "next\n") == 0,
          "after an oversized record (one line), the next record drops it whole");

    /* Exactly ring-sized record. */
    fresh();
    append("zz\n");
    char exact[RING];
    memset(exact, 'e', RING - 1);
    exact[RING - 1] = '\n';
    log_ring_append(&ring, exact, RING);
    seq = 0;
    CHECK(read_all(&seq, out, sizeof out) == RING && memcmp(out, exact, RING) == 0,
          "a record of exactly size bytes is kept whole");
}

int main(void)
{
    test_empty();
    test_append_read();
    test_drop_whole_lines();
    test_wraparound_model();
    test_reader_behind_tail();
    test_oversized_record();
    CHECK_DONE();
}
