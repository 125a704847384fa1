/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The SYSTEM object (the vmkernel's facts, its log ring, the statistics
 * /proc/vmware shows) and DOMAIN objects.  Arguments were checked against
 * the invocation table by the decoder; what is checked here is what only
 * the object knows.  Results are what public/skerry/invocations.h names.
 */
#include <string.h>
#include <skerry/crash_dump.h>
#include <skerry/domain.h>
#include <skerry/irq_passthrough.h>
#include <skerry/log.h>
#include <skerry/memory.h>
#include <skerry/panic.h>
#include <skerry/percpu.h>
#include <skerry/time.h>
#include <public/skerry/invocations.h>
#include <public/skerry/platform.h>
#include "cap_system.h"

/* n bytes into words, little-endian (the byte order of the x86 words). */
static void pack_bytes(sk_word_t *words, unsigned nwords, const char *bytes, size_t n)
{
    memset(words, 0, nwords * sizeof words[0]);
    memcpy(words, bytes, n < nwords * sizeof words[0] ? n : nwords * sizeof words[0]);
}

static uint64_t world_state(enum vcpu_state s)
{
    switch (s) {
    case VCPU_RUNNABLE: return SK_WORLD_READY;
    case VCPU_RUNNING:  return SK_WORLD_RUNNING;
    case VCPU_BLOCKED:  return SK_WORLD_WAITING;
    case VCPU_HALTED:   return SK_WORLD_HALTED;
    case VCPU_PAUSED:   return SK_WORLD_STOPPED;
    default:            return SK_WORLD_DEAD;
    }
}

long cap_system_invoke(struct hypercall_ctx *ctx, uint64_t label, const sk_word_t *a, struct cap_reply *r)
{
    switch (label) {
    case SK_INV_SYSTEM_INFO:
        r->mr[0] = SKERRY_ABI_VERSION;
        r->mr[1] = nr_cpus_online;
        r->mr[2] = time_tsc_khz();
        r->mr[3] = memory_total_bytes();
        r->mr[4] = memory_free_bytes();
        r->mr[5] = domains_count();
        return SK_OK;
    case SK_INV_SYSTEM_LOG_READ: {
        uint64_t seq = a[0];
        char buf[SK_LOG_READ_MAX];
        size_t n = log_read(&seq, buf, sizeof buf);
        r->mr[0] = seq;
        r->mr[1] = n;
        pack_bytes(&r->mr[2], 6, buf, n);
        return SK_OK;
    }
    case SK_INV_SYSTEM_WORLD_INFO: {
        struct world_summary w;
        if (a[0] > UINT32_MAX || !world_summary_at((unsigned)a[0], &w))
            return cap_fail(r, SK_E_RANGE, 0);
        r->mr[0] = w.world_id;
        r->mr[1] = w.domain_id;
        r->mr[2] = w.vcpu_index;
        r->mr[3] = w.run_ns;
        r->mr[4] = w.ready_ns;
        r->mr[5] = world_state(w.state);
        r->mr[6] = w.pcpu < 0 ? SK_NO_CPU : (uint64_t)w.pcpu;
        return SK_OK;
    }
    case SK_INV_SYSTEM_DOMAIN_INFO: {
        struct domain_summary d;
        if (a[0] > UINT32_MAX || !domain_summary_at((unsigned)a[0], &d))
            return cap_fail(r, SK_E_RANGE, 0);
        r->mr[0] = d.id;
        r->mr[1] = d.nr_vcpus;
        r->mr[2] = d.mem_bytes;
        size_t len = 0;
        while (len < sizeof d.name && d.name[len])
            len++;
        pack_bytes(&r->mr[3], 4, d.name, len);
        return SK_OK;
    }
    case SK_INV_SYSTEM_IRQ_INFO: {
        struct irq_line_info l;
        if (a[0] > UINT32_MAX || !irq_passthrough_line((unsigned)a[0], &l))
            return cap_fail(r, SK_E_RANGE, 0);
        r->mr[0] = a[0];
        r->mr[1] = l.count;
        r->mr[2] = l.kept ? 0 : l.vector;      /* 0: the vmkernel keeps the line */
        return SK_OK;
    }
    case SK_INV_SYSTEM_BOOTINFO: {
        const struct boot_layout *b = hypercall_boot_layout(ctx->vcpu->dom);
        r->mr[0] = b->first_free;
        r->mr[1] = b->untyped_first;
        r->mr[2] = b->untyped_count;
        r->mr[3] = b->irq_first;
        r->mr[4] = b->irq_count;
        r->mr[5] = b->ioports_first;
        r->mr[6] = b->ioports_count;
        return SK_OK;
    }
    case SK_INV_SYSTEM_NULL:
        return SK_OK;
    case SK_INV_SYSTEM_DUMP_INFO: {
        uint32_t len, sum;
        crash_dump_saved(&len, &sum);
        r->mr[0] = len;
        r->mr[1] = sum;
        return SK_OK;
    }
    case SK_INV_SYSTEM_DUMP_READ: {
        uint32_t len, sum;
        const char *dump = crash_dump_saved(&len, &sum);
        if (a[0] > len)
            return cap_fail(r, SK_E_RANGE, 0);
        size_t n = len - a[0] < SK_LOG_READ_MAX ? len - a[0] : SK_LOG_READ_MAX;
        r->mr[0] = n;
        pack_bytes(&r->mr[1], 6, dump ? dump + a[0] : "", n);
        return SK_OK;
    }
    case SK_INV_SYSTEM_DUMP_CLEAR:
        crash_dump_clear();
        return SK_OK;
    case SK_INV_SYSTEM_CRASH_ME:
        /* As ESX's vsish crashMe: for testing the purple screen and dump. */
        if (!crash_dump_test_panic_allowed())
            return cap_fail(r, SK_E_NOT_PRIVILEGED, SK_NO_DETAIL);   /* the vmkernel was not told to allow it */
        panic("crash_me: dom%u %s asked for a purple screen (allow_test_panic)", ctx->vcpu->dom->id,
              ctx->vcpu->dom->name);
    default:
        return SK_E_ILLEGAL_OPERATION;
    }
}
