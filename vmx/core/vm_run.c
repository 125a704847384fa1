/* SPDX-License-Identifier: GPL-2.0-only */
/* Serving a VM's I/O requests (vm_run.h). */
#include "vm_run.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

#include "vm_control.h"
#include "vm_log.h"
#include "vmk.h"

#define ALIVE_CHECK_NS 1000000000ull        /* how often to look whether the domain still exists */

/* Serve every pending request: true if one was. */
static bool serve(struct vm *vm, struct vm_devices *d, long *err)
{
    bool any = false;
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        volatile struct sk_ioreq *rq = &vm->slots[i];
        if (__atomic_load_n(&rq->state, __ATOMIC_ACQUIRE) != SK_IOREQ_PENDING)
            continue;
        if (rq->space == SK_IOREQ_BACKDOOR) {
            uint32_t regs[SK_BDOOR_NR_REGS];
            for (unsigned k = 0; k < SK_BDOOR_NR_REGS; k++)
                regs[k] = rq->regs[k];
            vm_devices_backdoor(d, regs);
            for (unsigned k = 0; k < SK_BDOOR_NR_REGS; k++)
                rq->regs[k] = regs[k];
        } else {
            uint64_t value = rq->data;
            bool write = rq->dir == SK_IOREQ_WRITE;
            vmx_bus_access(&d->bus, rq->space == SK_IOREQ_PIO, write, rq->addr, rq->size, &value);
            if (!write)
                rq->data = value;
        }
        long e = sk_ioreq_complete(vm->ioreq, i);
        if (e != SK_OK)
            *err = e;
        any = true;
    }
    return any;
}

enum vm_end vm_run(struct vm *vm, struct vm_devices *d, struct vm_requests *rq)
{
    uint64_t next_alive = vm_now_ns() + ALIVE_CHECK_NS;
    for (;;) {
        long err = SK_OK;
        while (serve(vm, d, &err) && err == SK_OK && !d->poweroff && !d->reset)
            ;
        if (err != SK_OK) {
            vm_log("the vmkernel refused to complete an I/O request: %s", vmk_strerror(err));
            return VM_END_ERROR;
        }
        if (d->poweroff)
            return VM_END_POWEROFF;
        if (d->reset)
            return VM_END_RESET;
        if (rq->stop)
            return VM_END_STOPPED;
        if (rq->reset)
            return VM_END_RESET_HARD;
        if (rq->button) {
            rq->button = 0;
            vm_log("The power button was pressed: %s", acpi_pm_power_button(&d->pm)
                       ? "the guest was told (ACPI)" : "the guest has not enabled its ACPI power button");
        }
        vm_devices_flush(d);

        uint64_t now = vm_now_ns(), due = vm_devices_poll(d);
        if (now >= next_alive) {
            if (!vm_alive(vm))
                return VM_END_DIED;
            next_alive = now + ALIVE_CHECK_NS;
        }
        if (due > next_alive)
            due = next_alive;
        int timeout = due <= now ? 0 : (int)((due - now + 999999) / 1000000);
        struct pollfd pfd[2 + VM_DEVICES_MAX_FDS] = { { .fd = vmk_event_fd(), .events = POLLIN },
                                                      { .fd = rq->control_fd, .events = POLLIN } };
        unsigned nfds = 2 + vm_devices_fds(d, pfd + 2, VM_DEVICES_MAX_FDS);
        int n = poll(pfd, nfds, timeout);
        if (n < 0 && errno != EINTR) {
            vm_log("waiting for the VM's requests failed: %s", strerror(errno));
            return VM_END_ERROR;
        }
        if (n > 0 && (pfd[0].revents & POLLIN)) {
            struct vmk_event ev[16];
            while (vmk_read_events(ev, 16, true) > 0)
                ;                       /* the slots say what is pending */
        }
        if (n > 0 && (pfd[1].revents & POLLIN))
            vm_control_serve(rq->control_fd, d);
        if (n > 0 && nfds > 2)
            vm_devices_input(d);
    }
}
