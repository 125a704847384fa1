/* SPDX-License-Identifier: GPL-2.0-only */
/* vmnix's internal interfaces: the hypercall, the device, /proc/vmware. */
#ifndef VMNIX_H
#define VMNIX_H

#include <linux/list.h>
#include <linux/types.h>
#include "skerry/abi.h"

/* How the console can reach the vmkernel (decided once, at load). */
enum vmnix_state {
    VMNIX_NOT_SKERRY,       /* no Skerry vmkernel: VMMCALL would #UD */
    VMNIX_NO_HYPERCALLS,    /* an older vmkernel: every invocation gives -ENOSYS */
    VMNIX_READY,            /* the SYSTEM capability answers */
};
extern enum vmnix_state vmnix_state;
extern u32 vmnix_cpuid_abi;     /* CPUID 0x40000001 EAX (0 without Skerry) */

/* The vmkernel's answer for "no such hypercall" (RAX = -ENOSYS). */
#define VMNIX_RAX_ENOSYS    (-38L)

/*
 * One invocation: *info in, the reply's message info out.  Returns the
 * vmkernel's error code (SK_OK, SK_E_*), -ENOSYS when the vmkernel does not
 * answer hypercalls and -ENODEV when there is no Skerry vmkernel (then no
 * VMMCALL is made).
 */
long vmnix_hypercall(sk_cptr_t cap, sk_msginfo_t *info, sk_word_t mr[SK_MSG_MAX_REGS]);
/* The same with another system call number in RAX (the fuzzer's). */
long vmnix_syscall(u64 call, sk_cptr_t cap, sk_msginfo_t *info, sk_word_t mr[SK_MSG_MAX_REGS]);
long vmnix_invoke(sk_cptr_t cap, sk_msginfo_t info, sk_word_t mr[SK_MSG_MAX_REGS]);
u32 vmnix_probe_cpuid(void);

/* The generated stubs (sk_system_info(), ...) call vmnix_invoke. */
#define SK_INVOKE(cap, info, mr) vmnix_invoke((cap), (info), (mr))
#include "skerry/invocations.h"

/* A line saying why an invocation failed, for /proc/vmware files. */
const char *vmnix_error_text(long err);

/* events.c: notifications as read()/poll() events on a /dev/vmkernel file. */
struct vmnix_watch;
struct file;
struct poll_table_struct;
struct vmnix_watch_list {
    struct list_head node;
    unsigned int count;
    u64 cptr[16];             /* VMNIX_WATCH_MAX */
    u64 bits[16];
};
int vmnix_events_init(void);
void vmnix_events_exit(void);
void vmnix_watch_init(struct vmnix_watch_list *w);
void vmnix_watch_release(struct vmnix_watch_list *w);
long vmnix_watch(struct vmnix_watch_list *w, struct vmnix_watch __user *uarg);
ssize_t vmnix_events_read(struct vmnix_watch_list *w, char __user *ubuf, size_t len, bool nonblock);
__poll_t vmnix_events_poll(struct vmnix_watch_list *w, struct file *file, struct poll_table_struct *pt);

/* fuzz.c */
struct vmnix_fuzz;
long vmnix_do_fuzz(struct vmnix_fuzz __user *uarg);

/* mmap.c */
struct vm_area_struct;
int vmnix_mmap(struct file *file, struct vm_area_struct *vma);

int vmnix_dev_init(void);
void vmnix_dev_exit(void);
int vmnix_proc_init(void);
void vmnix_proc_exit(void);
struct proc_dir_entry;
int vmnix_proc_log_init(struct proc_dir_entry *dir);

/* proc.c's domain table, for proc_vm.c. */
#define VMNIX_MAX_DOMAINS   256
#define VMNIX_NAME_LEN      32      /* domain_info's n0..n3 */
struct vmnix_domain {
    u64 id, nr_vcpus, mem_bytes;
    char name[VMNIX_NAME_LEN + 1];
};
struct seq_file;
struct vmnix_domain *vmnix_domain_table(int *n, long *err);   /* kfree() it */
void vmnix_failed(struct seq_file *m, const char *what, long err);
/* The table, or NULL after saying in m why there is none. */
struct vmnix_domain *vmnix_domain_table_for(struct seq_file *m, int *n);
void vmnix_proc_vm_init(struct proc_dir_entry *vm);
void vmnix_proc_vm_exit(void);

#endif
