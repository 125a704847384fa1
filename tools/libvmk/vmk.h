/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libvmk: the vmkernel's invocations for service-console programs, through
 * the vmnix module's /dev/vmkernel (root only).
 *
 *     if ((e = vmk_open()) != 0) { fprintf(stderr, "%s\n", vmk_strerror(e)); ... }
 *     struct sk_system_info_result si;
 *     long e = sk_system_info(SK_CAP_SYSTEM, &si);
 *
 * Every stub of skerry/invocations.h is available and returns SK_OK, an
 * SK_E_* code from the vmkernel (>= 0) or a negative errno when no
 * invocation could be made (-ENOSYS: the vmkernel answers no hypercalls;
 * -ENODEV: no vmkernel; -EBADF: vmk_open() was not called).  vmk_strerror()
 * describes both kinds.  One process-wide descriptor; not thread-safe to
 * open and close while other threads invoke.
 */
#ifndef VMK_H
#define VMK_H

#include <stdbool.h>
#include <stddef.h>
#include <skerry/abi.h>

/* Open /dev/vmkernel: 0, or a negative errno (-EACCES, -EPERM, -ENOENT...). */
long vmk_open(void);
void vmk_close(void);

/* One invocation: the generated stubs call it through SK_INVOKE. */
long vmk_invoke(sk_cptr_t cap, sk_msginfo_t info, sk_word_t mr[SK_MSG_MAX_REGS]);
/* The same, with *info replaced by the reply's message info (its length:
 * how many of mr[] are results, or on an error the detail in mr[0]). */
long vmk_call(sk_cptr_t cap, sk_msginfo_t *info, sk_word_t mr[SK_MSG_MAX_REGS]);

/* Time *count null invocations made back to back inside the vmnix module
 * (VMNIX_IOC_BENCH, 1..10,000,000): SK_OK with *ns their total time and
 * *count how many were made, an SK_E_* that stopped the loop, or a
 * negative errno. */
long vmk_bench(unsigned long long *count, unsigned long long *ns);

/* Random invocations from inside the vmnix module (VMNIX_IOC_FUZZ, see
 * vmnix_ioctl.h): 0 with the results in *req, or a negative errno. */
struct vmnix_fuzz;
long vmk_fuzz(struct vmnix_fuzz *req);

/* Make a notification readable (VMNIX_IOC_WATCH): SK_OK, an SK_E_* code
 * from binding it, or a negative errno (-EEXIST, -ENOSPC, -ENODEV). */
long vmk_watch(sk_cptr_t notification);
/* The notifications signalled since the last read and their bits: up to
 * max records, blocking until one comes unless nonblock (-EAGAIN then);
 * how many, or a negative errno (-ENOENT: none watched, -EINTR). */
struct vmk_event {
    sk_cptr_t notification;
    sk_word_t bits;
};
long vmk_read_events(struct vmk_event *events, unsigned max, bool nonblock);
/* The descriptor to poll() for POLLIN (an event to read). */
int vmk_event_fd(void);
/* Map len bytes at physical address phys that the console holds through
 * capabilities (a frame, an I/O-request channel's shared page), after
 * DOMAIN map_frame put it into the console; NULL with errno (EPERM: the
 * console's own RAM). */
void *vmk_map(uint64_t phys, size_t len);
/* The same at a fixed address of this process (MAP_FIXED over what was
 * there, e.g. a PROT_NONE reservation): addr, or NULL with errno. */
void *vmk_map_at(void *addr, uint64_t phys, size_t len);

/* What an SK_E_* code (>= 0) or a negative errno means, in words. */
const char *vmk_strerror(long err);

#define SK_INVOKE(cap, info, mr) vmk_invoke((cap), (info), (mr))
#include <skerry/invocations.h>

#endif
