/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domains and their vCPUs ("worlds": what the scheduler runs).  A domain
 * owns guest RAM at guest-physical 0..mem_size, its nested page tables
 * and its virtual platform (vLAPIC per vCPU, one vIOAPIC).
 */
#ifndef SKERRY_DOMAIN_H
#define SKERRY_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>
#include <arch/svm_exit_codes.h>
#include <arch/vcpu_arch.h>
#include <skerry/cap.h>
#include <skerry/spinlock.h>
#include <skerry/vioapic.h>
#include <skerry/vlapic.h>

#define MAX_DOMAINS        32
#define MAX_VCPUS_PER_DOM  8
#define DOMAIN_NAME_MAX    32
#define DEBUG_LINE_MAX     160

enum vcpu_state {
    VCPU_RUNNABLE,    /* on the run queue */
    VCPU_RUNNING,     /* on a CPU */
    VCPU_BLOCKED,     /* HLT with interrupts enabled: waits for an interrupt */
    VCPU_HALTED,      /* HLT with interrupts disabled: only NMI/INIT wake it */
    VCPU_PAUSED,      /* stopped by its domain's builder (VCPU stop) until started again */
    VCPU_DEAD,
};

struct domain;
struct vcpu;
struct console_platform;
struct ioreq_channel;

#define MAX_IOREQ_PER_DOMAIN 4
#define IOREQ_LOG_MAX        4

/*
 * A vCPU's accesses to ranges a device model serves.  An instruction that
 * makes them is run again after each one completes (it exits again at
 * once); the log replays the completed ones, in order, so that a
 * read-modify-write sees its read once and each access reaches the model
 * once.
 */
struct vcpu_ioreq {
    bool pending;                 /* posted, the model has not completed it */
    struct ioreq_channel *channel;    /* the one it is posted to */
    unsigned nr_done;             /* completed accesses of the current instruction */
    unsigned next;                /* accesses replayed in this run of it */
    struct ioreq_access {
        uint8_t space, dir, size;
        uint64_t addr, data;
    } log[IOREQ_LOG_MAX];
    uint32_t bdoor_regs[6];       /* a completed backdoor call's results (one per instruction) */
};

/* An emulated range of I/O ports (ports not passed through and not here float high). */
struct port_handler {
    uint16_t first;
    uint16_t count;
    uint32_t (*read)(struct vcpu *v, uint16_t port, unsigned size);
    void (*write)(struct vcpu *v, uint16_t port, unsigned size, uint32_t value);
};

#define MAX_PORT_HANDLERS 16
#define MAX_RAM_RANGES    32

/* Guest-physical RAM of an identity-mapped domain (host-physical == guest-physical). */
struct ram_range {
    uint64_t base;
    uint64_t end;                 /* exclusive */
};

struct vcpu {
    struct domain *dom;
    unsigned index;               /* within the domain */
    unsigned world_id;            /* system-wide */
    enum vcpu_state state;
    struct vcpu *run_next;        /* run-queue link */
    spinlock_t lapic_lock;        /* serialises vLAPIC access from other CPUs */
    struct vlapic vlapic;
    /* Work the vLAPIC asked for under lapic_lock, done after it is dropped. */
    struct vlapic_ipi ipi_outbox[4];
    unsigned nr_ipi_outbox;
    uint8_t eoi_outbox[4];
    unsigned nr_eoi_outbox;
    bool nmi_pending;
    bool awaiting_sipi;           /* an AP not started yet: outside the scheduler */
    bool init_received;           /* INIT seen, a STARTUP IPI may follow */
    int running_on;               /* pCPU id, or -1 */
    uint64_t run_ns;              /* time spent in the guest */
    uint64_t ready_ns;            /* time spent runnable but waiting */
    uint64_t state_since_ns;
    uint64_t exits[NR_EXIT_REASONS];
    struct notification *waiting_on;  /* blocked in a notification wait */
    bool pause_requested;         /* leave the CPU at the next exit and stay off it */
    struct vcpu_ioreq ioreq;      /* its accesses served by a device model (core/ioreq.c) */
    struct arch_vcpu arch;
};

struct domain {
    unsigned id;
    char name[DOMAIN_NAME_MAX];
    bool dying;                   /* set once; its vCPUs stop at their next exit */
    char end_reason[128];
    uint64_t mem_size;            /* bytes of RAM at guest-physical 0 */
    uint64_t *ram_frames;         /* host address of each 2 MiB chunk of RAM */
    unsigned nr_vcpus;
    unsigned nr_vcpus_alive;
    struct vcpu *vcpus[MAX_VCPUS_PER_DOM];
    struct vioapic vioapic;
    spinlock_t ioapic_lock;
    char debug_line[DEBUG_LINE_MAX];   /* port 0xE9 output being assembled */
    unsigned debug_len;
    struct port_handler ports[MAX_PORT_HANDLERS];
    unsigned nr_ports;
    /* Identity-mapped domains (the console) own machine RAM 1:1 instead of ram_frames. */
    bool identity_mapped;
    struct ram_range ram[MAX_RAM_RANGES];
    unsigned nr_ram;
    struct console_platform *console;  /* console-only devices and state */
    struct cnode *cspace;         /* its capabilities, or NULL: it holds none */
    /* Built through capabilities (cap_domain.c): RAM is the frames mapped
     * into its nested page tables, vCPUs are bound one by one. */
    bool cap_built;
    uint64_t mapped_bytes;
    struct ioreq_channel *ioreq[MAX_IOREQ_PER_DOMAIN];   /* device models serving it */
    struct arch_domain arch;
};

struct domain_config {
    const char *name;
    uint64_t mem_size;            /* RAM at guest-physical 0 (0 for identity-mapped) */
    unsigned nr_vcpus;
    /* Identity-mapped: these machine RAM ranges, everything else mapped 1:1
     * except the holes (the vmkernel's memory, emulated device pages). */
    const struct ram_range *identity_ram;
    unsigned nr_identity_ram;
    const struct ram_range *identity_holes;
    unsigned nr_identity_holes;
    uint64_t identity_map_end;    /* map [0, this) */
};

/* Emulate ports [first, first+count) for d; -1 if the table is full. */
int domain_add_port_handler(struct domain *d, const struct port_handler *h);

/* A domain with no RAM and no vCPU yet, for the capability interface. */
struct domain *domain_create_empty(const char *name, const char **why);
/* The live domain with this id, or NULL.  Callers hold the capability
 * lock, which keeps it from being freed (free_domain takes it first). */
struct domain *domain_lookup(unsigned id);
/* Its last capability went: end it (and free it now if no vCPU ever ran). */
void domain_release(struct domain *d);
/* A bound vCPU of a capability-built domain starts: it counts as alive. */
void domain_vcpu_started(struct domain *d);

/* Create a domain with zeroed RAM; NULL (with *why) if it cannot be built. */
struct domain *domain_create(const struct domain_config *cfg, const char **why);
/* Host pointer for guest-physical address gpa spanning len bytes of RAM, or NULL. */
void *domain_gpa_to_host(struct domain *d, uint64_t gpa, uint64_t len);
/* End a domain: logs the reason and stops its vCPUs (from any CPU). */
void domain_kill(struct domain *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Called by the scheduler when a vCPU of a dying domain has stopped. */
void domain_vcpu_stopped(struct vcpu *v);
/* Log run/ready time and exits by reason of every live domain's vCPUs. */
void domains_log_stats(void);
/* Domains alive, plus one while boot is still creating them. */
unsigned domains_alive(void);
/* Boot has created every domain: drop its reference. */
void domains_boot_done(void);
struct domain *domain_by_index(unsigned i);

/* Copies for the statistics hypercalls, taken under the domains' lock. */
struct domain_summary {
    unsigned id, nr_vcpus;
    uint64_t mem_bytes;
    bool dying;
    char name[DOMAIN_NAME_MAX];
};
struct world_summary {
    unsigned world_id, domain_id, vcpu_index;
    enum vcpu_state state;
    int pcpu;                     /* -1 when not on a CPU */
    uint64_t run_ns, ready_ns;
};
/* The i-th live domain / world (in table order); false past the last. */
bool domain_summary_at(unsigned i, struct domain_summary *out);
bool world_summary_at(unsigned i, struct world_summary *out);
unsigned domains_count(void);
/* Its RAM: what it was given, or the frames mapped into it. */
uint64_t domain_ram_bytes(const struct domain *d);
uint64_t guest_tsc_now(const struct vcpu *v);

#endif
