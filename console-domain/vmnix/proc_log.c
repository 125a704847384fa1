// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/vmware/log: the vmkernel's log ring, read 48 bytes a hypercall
 * (system_log_read).  The seq_file position is the ring's byte sequence
 * number, so a read resumes where the last one stopped; a position the
 * ring has already dropped moves forward to its oldest byte (the vmkernel
 * does that).  Root only: the log may name what root alone should see.
 */
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include "vmnix.h"

#define LOG_CHUNK   48      /* b0..b5 */

struct log_iter {
    long err;               /* of the first read, shown once instead of the log */
    u64 next;               /* sequence number after this chunk */
    size_t len;
    char bytes[LOG_CHUNK];
};

/* Read the chunk at seq into it; false at the end of the log or on an error. */
static bool log_chunk(struct log_iter *it, u64 seq)
{
    struct sk_system_log_read_result r;
    const u64 *w = &r.b0;
    size_t i;

    it->err = sk_system_log_read(SK_CAP_SYSTEM, seq, &r);
    if (it->err != SK_OK || r.len == 0)
        return false;
    it->len = r.len < LOG_CHUNK ? r.len : LOG_CHUNK;
    it->next = r.next;
    for (i = 0; i < it->len; i++)
        it->bytes[i] = (char)(w[i / 8] >> (8 * (i % 8)));
    return true;
}

static void *log_start(struct seq_file *m, loff_t *pos)
{
    struct log_iter *it = m->private;

    if (*pos == LLONG_MAX)
        return NULL;
    if (log_chunk(it, *pos))
        return it;
    /* An error on the very first read is worth one line of its own. */
    return (*pos == 0 && it->err != SK_OK) ? it : NULL;
}

static void *log_next(struct seq_file *m, void *v, loff_t *pos)
{
    struct log_iter *it = v;

    if (it->err != SK_OK) {
        *pos = LLONG_MAX;
        return NULL;
    }
    *pos = it->next;
    cond_resched();
    return log_chunk(it, *pos) ? it : NULL;
}

static void log_stop(struct seq_file *m, void *v)
{
}

static int log_show(struct seq_file *m, void *v)
{
    struct log_iter *it = v;

    if (it->err != SK_OK)
        seq_printf(m, "vmnix: %s\n", vmnix_error_text(it->err));
    else
        seq_write(m, it->bytes, it->len);
    return 0;
}

static const struct seq_operations log_ops = {
    .start = log_start,
    .next = log_next,
    .stop = log_stop,
    .show = log_show,
};

int vmnix_proc_log_init(struct proc_dir_entry *dir)
{
    return proc_create_seq_private("log", 0400, dir, &log_ops, sizeof(struct log_iter), NULL)
        ? 0 : -ENOMEM;
}
