/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host unit tests for the round-robin scheduling policy (core/sched_rr.c)
 * through its policy object, sched_round_robin.  The policy touches only
 * the run_next link of struct vcpu, so the vCPUs here are zeroed host
 * objects.  The policy has one global queue: every test leaves it empty.
 */
#include <stdint.h>
#include <stdlib.h>
#include <skerry/domain.h>
#include <skerry/sched.h>
#include "check.h"

#define NV 8
static struct vcpu *v[NV];
static const struct sched_policy *rr = &sched_round_robin;

/* Index of a vCPU in v[], or -1 for NULL, -2 for a stranger. */
static int idx(const struct vcpu *p)
{
    if (!p)
        return -1;
    for (int i = 0; i < NV; i++)
        if (p == v[i])
            return i;
    return -2;
}

/*
 * Pick until the queue is empty (at most NV + 1 picks), writing the order
 * as a string of digits: "0123", or "" when the queue was empty.  A
 * picked vCPU with a stale run_next link shows up as '!'.
 */
static const char *drain(void)
{
    static char order[NV + 3];
    size_t n = 0;
    struct vcpu *p;
    while (n < NV + 1 && (p = rr->pick_next(0)) != NULL) {
        int i = idx(p);
        order[n++] = p->run_next ? '!' : (i >= 0 ? (char)('0' + i) : '?');
    }
    order[n] = '\0';
    return order;
}

static void enqueue_all(const char *which)
{
    for (; *which; which++)
        rr->enqueue(v[*which - '0']);
}

#define CHECK_ORDER(expected, ...)                                           \
    do {                                                                     \
        const char *got_ = drain();                                          \
        char name_[200];                                                     \
        snprintf(name_, sizeof name_, __VA_ARGS__);                          \
        CHECK(strcmp(got_, expected) == 0, "%s: order \"%s\" (got \"%s\")",  \
              name_, expected, got_);                                        \
    } while (0)

static void test_policy_object(void)
{
    CHECK(rr->name && rr->name[0], "policy has a name (\"%s\")", rr->name ? rr->name : "");
    CHECK(rr->enqueue && rr->pick_next && rr->remove && rr->timeslice_ns,
          "policy has all four operations");
    uint64_t ts = rr->timeslice_ns(v[0]);
    CHECK(ts > 0, "timeslice is positive (%llu ns)", (unsigned long long)ts);
    CHECK(ts >= 100000 && ts <= 1000000000ull, "timeslice between 100 us and 1 s");
    CHECK(rr->timeslice_ns(v[1]) == ts && rr->timeslice_ns(v[2]) == ts,
          "timeslice is the same for every vCPU");
}

static void test_empty(void)
{
    CHECK(rr->pick_next(0) == NULL, "pick from an empty queue returns NULL");
    CHECK(rr->pick_next(3) == NULL, "pick from an empty queue on CPU 3 returns NULL");
    rr->remove(v[0]);
    CHECK(rr->pick_next(0) == NULL, "remove from an empty queue keeps it empty");
}

static void test_fifo(void)
{
    enqueue_all("0123");
    CHECK_ORDER("0123", "FIFO of four");
    CHECK(rr->pick_next(0) == NULL, "queue empty after draining");

    rr->enqueue(v[5]);
    CHECK_EQ(idx(rr->pick_next(1)), 5, "single vCPU picked (CPU 1)");
    CHECK(rr->pick_next(0) == NULL, "single vCPU: empty afterwards");

    /* Enqueue after the queue went empty must not link to a stale tail. */
    rr->enqueue(v[1]);
    rr->enqueue(v[2]);
    CHECK_EQ(idx(rr->pick_next(0)), 1, "interleaved: first pick");
    rr->enqueue(v[3]);
    CHECK_EQ(idx(rr->pick_next(0)), 2, "interleaved: second pick");
    CHECK_EQ(idx(rr->pick_next(0)), 3, "interleaved: third pick");
    rr->enqueue(v[4]);
    CHECK_ORDER("4", "enqueue after the queue emptied");

    /* A stale run_next in a vCPU being enqueued is ignored. */
    v[6]->run_next = v[7];
    rr->enqueue(v[6]);
    CHECK_ORDER("6", "enqueue clears a stale run_next");
}

static void test_requeue(void)
{
    enqueue_all("012");
    struct vcpu *p = rr->pick_next(0);
    CHECK(p == v[0] && p->run_next == NULL, "picked vCPU comes off with run_next cleared");
    rr->enqueue(p);                              /* its slice ended */
    CHECK_ORDER("120", "re-enqueued vCPU goes to the back");

    /* Full round robin: three rounds of pick-and-requeue. */
    enqueue_all("012");
    char order[16];
    size_t n = 0;
    for (int round = 0; round < 9; round++) {
        struct vcpu *q = rr->pick_next(0);
        order[n++] = q ? (char)('0' + idx(q)) : '-';
        if (q)
            rr->enqueue(q);
    }
    order[n] = '\0';
    CHECK(strcmp(order, "012012012") == 0, "three rounds pick 012012012 (got %s)", order);
    CHECK_ORDER("012", "queue after three rounds");
}

static void test_remove(void)
{
    enqueue_all("0123");
    rr->remove(v[0]);
    CHECK(v[0]->run_next == NULL, "removed head has run_next cleared");
    CHECK_ORDER("123", "remove head");

    enqueue_all("0123");
    rr->remove(v[2]);
    CHECK(v[2]->run_next == NULL, "removed middle has run_next cleared");
    CHECK_ORDER("013", "remove middle");

    enqueue_all("0123");
    rr->remove(v[3]);
    rr->enqueue(v[4]);                           /* must follow the new tail 2 */
    CHECK_ORDER("0124", "remove tail then enqueue");

    enqueue_all("0123");
    rr->remove(v[5]);
    CHECK_ORDER("0123", "remove a vCPU not in the queue");

    enqueue_all("3");
    rr->remove(v[3]);
    CHECK(rr->pick_next(0) == NULL, "remove the only vCPU empties the queue");
    rr->enqueue(v[1]);
    rr->enqueue(v[2]);
    CHECK_ORDER("12", "enqueue after removing the only vCPU");

    enqueue_all("012");
    rr->remove(v[0]);
    rr->remove(v[1]);
    rr->remove(v[2]);
    CHECK(rr->pick_next(0) == NULL, "remove all three head first: empty");
    rr->enqueue(v[5]);
    CHECK_ORDER("5", "enqueue after removing all head first");

    enqueue_all("012");
    rr->remove(v[2]);
    rr->remove(v[1]);
    rr->remove(v[0]);
    CHECK(rr->pick_next(0) == NULL, "remove all three tail first: empty");
    rr->enqueue(v[6]);
    CHECK_ORDER("6", "enqueue after removing all tail first");

    enqueue_all("01");
    rr->remove(v[1]);
    rr->remove(v[1]);                            /* twice: second is a no-op */
    CHECK_ORDER("0", "removing twice is harmless");

    enqueue_all("0123");
    rr->remove(v[2]);
    rr->enqueue(v[2]);
    CHECK_ORDER("0132", "removed vCPU re-enqueued goes to the back");

    enqueue_all("01234567");
    rr->remove(v[7]);
    rr->remove(v[0]);
    rr->remove(v[4]);
    rr->enqueue(v[0]);
    CHECK_ORDER("123560", "eight vCPUs, mixed removes and re-enqueue");
}

int main(void)
{
    for (int i = 0; i < NV; i++) {
        v[i] = calloc(1, sizeof *v[i]);
        if (!v[i])
            return 2;
        v[i]->index = (unsigned)i;
        v[i]->world_id = 100u + (unsigned)i;
        v[i]->running_on = -1;
    }
    test_policy_object();
    test_empty();
    test_fifo();
    test_requeue();
    test_remove();
    for (int i = 0; i < NV; i++)
        free(v[i]);
    CHECK_DONE();
}
