// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmkbench: the round-trip cost of a null invocation (SYSTEM null) from the
 * service console, against getppid() in the same console, for make bench.
 *
 *   vmkbench [N]      N round trips of each kind (default 20000)
 *
 * ioctl:   N invocations from user space, each its own VMNIX_IOC_INVOKE
 *          (syscall, module, VMMCALL, back), timed here with
 *          clock_gettime(CLOCK_MONOTONIC);
 * vmmcall: N invocations made back to back inside the module
 *          (VMNIX_IOC_BENCH), timed by the module with the same clock;
 * getppid: N getppid() system calls, the cheapest real syscall, timed here.
 * Each kind runs once to warm up (N/10), then once measured.  Prints one
 * line of nanoseconds per round trip and the ratios; exit 1 on an error.
 * Absolute figures mean little under emulation: compare the ratios.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "vmk.h"

static unsigned long long now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

/* N user-space invocations: ns per round trip, or -1 with the error said. */
static double time_ioctl(unsigned long long n)
{
    unsigned long long t0 = now_ns();

    for (unsigned long long i = 0; i < n; i++) {
        long e = sk_system_null(SK_CAP_SYSTEM);
        if (e != SK_OK) {
            fprintf(stderr, "vmkbench: system_null failed: %s (%ld)\n", vmk_strerror(e), e);
            return -1;
        }
    }
    return (double)(now_ns() - t0) / (double)n;
}

static double time_vmmcall(unsigned long long n)
{
    unsigned long long count = n, ns = 0;
    long e = vmk_bench(&count, &ns);

    if (e == -EINVAL) {
        fprintf(stderr, "vmkbench: the module refuses %llu calls (1..10000000)\n", n);
        return -1;
    }
    if (e != SK_OK || count != n) {
        fprintf(stderr, "vmkbench: the module's loop stopped after %llu of %llu calls: %s (%ld)\n",
                count, n, vmk_strerror(e), e);
        return -1;
    }
    return (double)ns / (double)n;
}

static double time_getppid(unsigned long long n)
{
    volatile pid_t sink = 0;    /* keeps the calls from being dropped */
    unsigned long long t0 = now_ns();

    for (unsigned long long i = 0; i < n; i++)
        sink += getppid();
    (void)sink;
    return (double)(now_ns() - t0) / (double)n;
}

int main(int argc, char **argv)
{
    unsigned long long n = 20000;
    char *end;

    if (argc > 2 || (argc == 2 && ((n = strtoull(argv[1], &end, 10)) == 0 || *end || n > 10000000))) {
        fprintf(stderr, "usage: vmkbench [N]   (1..10000000 round trips of each kind, default 20000)\n");
        return 2;
    }
    long e = vmk_open();
    if (e != 0) {
        fprintf(stderr, "vmkbench: %s\n", vmk_strerror(e));
        return 1;
    }
    unsigned long long warm = n / 10 ? n / 10 : 1;
    if (time_ioctl(warm) < 0 || time_vmmcall(warm) < 0)
        return 1;
    time_getppid(warm);

    double io = time_ioctl(n), vm = time_vmmcall(n), pp = time_getppid(n);
    if (io < 0 || vm < 0)
        return 1;
    if (pp <= 0)
        pp = 1e-9;              /* a clock too coarse to see it: avoid dividing by 0 */
    printf("null invocation: ioctl %.0f ns, vmmcall %.0f ns, getppid %.0f ns; "
           "ratios ioctl/getppid %.1f, vmmcall/getppid %.1f (%llu each)\n",
           io, vm, pp, io / pp, vm / pp, n);
    return 0;
}
