/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * GuestRPC: the VMware backdoor's MESSAGE command (30), the channel
 * VMware Tools talks to the VM over (../shared/specs/vmware-backdoor-rpc.md
 * sections 5-7; open-vm-tools' lib/message and lib/rpcOut name the guest's
 * side).  A guest opens a channel for a protocol, sends a message four
 * bytes a call, and fetches the reply the same way; each call carries
 * the channel id and its cookies.  Only the low-bandwidth path: the HB
 * bit is never offered, so a guest never uses port 0x5659.
 *
 * RPCI channels carry the guest's requests ("info-set guestinfo.ip ...",
 * "log ...", "tools.set.version ..."), answered "1 <result>" or
 * "0 <error>".  A TCLO channel is the host's commands to vmtoolsd, which
 * polls it ten times a second at most: a new one gets "reset", "ping",
 * "Capabilities_Register" and "Set_Option broadcastIP 1" (so Tools
 * reports the guest's IP address), later whatever guest_rpc_command
 * queues ("OS_Halt" for a soft power-off).  Its polls are the Tools
 * heartbeat.
 */
#ifndef SKERRY_VMX_GUEST_RPC_H
#define SKERRY_VMX_GUEST_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BDOOR_CMD_MESSAGE       30u

#define GUEST_RPC_CHANNELS      8u       /* open at once (vmtoolsd holds two) */
#define GUEST_RPC_MAX_MESSAGE   65536u   /* GUESTMSG_MAX_IN_SIZE */
#define GUEST_RPC_MAX_VARS      64u
#define GUEST_RPC_MAX_KEY       128u
#define GUEST_RPC_MAX_VALUE     4096u
#define GUEST_RPC_TCLO_QUEUE    8u

/* The values gettoolslastactive reports, as ESX's. */
enum guest_tools_status {
    TOOLS_NONE = 0,              /* never seen */
    TOOLS_OK = 1,                /* polled within the last 5 s */
    TOOLS_INTERMITTENT = 5,      /* within the last 30 s */
    TOOLS_NO_HEARTBEAT = 100,
};

struct guest_rpc_host {
    void *ctx;
    void (*log)(void *ctx, const char *text);            /* vmware.log */
    const char *(*config)(void *ctx, const char *key);   /* the .vmx's value, or NULL */
    uint64_t (*now_ns)(void *ctx);                       /* monotonic */
};

struct guest_rpc_channel {
    bool open;
    uint32_t protocol;                  /* RPCI or TCLO */
    uint32_t cookie_high, cookie_low;
    uint8_t *in;                        /* the guest's message as it arrives */
    uint32_t in_size, in_got;
    bool receiving;
    char *reply;                        /* RPCI: the reply the guest fetches next */
    uint32_t reply_size, reply_sent;
};

struct guest_rpc_var {
    char key[GUEST_RPC_MAX_KEY];        /* without "guestinfo." */
    char *value;
};

struct guest_rpc {
    struct guest_rpc_host host;
    struct guest_rpc_channel ch[GUEST_RPC_CHANNELS];
    uint32_t next_cookie;
    struct guest_rpc_var vars[GUEST_RPC_MAX_VARS];
    char *tclo[GUEST_RPC_TCLO_QUEUE];   /* host commands; [0] is being delivered */
    unsigned nr_tclo;
    uint32_t tclo_sent;                 /* bytes of tclo[0] the guest fetched */
    bool tools_seen;
    uint64_t last_poll_ns, last_beat_ns, heartbeat;
    char tools_version[32];
    unsigned nr_guest_logs;             /* "log" requests written to vmware.log */
};

void guest_rpc_init(struct guest_rpc *g, const struct guest_rpc_host *host);
void guest_rpc_close(struct guest_rpc *g);

/* One backdoor MESSAGE call: regs (EAX, EBX, ECX, EDX, ESI, EDI) in and out. */
void guest_rpc_message(struct guest_rpc *g, uint32_t regs[6]);

/* A guest variable (key without "guestinfo."): what the guest or the
 * host set, else the .vmx's guestinfo.<key>; NULL if neither. */
const char *guest_rpc_get_var(const struct guest_rpc *g, const char *key);
/* 0, or -1 when the key or value is too long or the table is full. */
int guest_rpc_set_var(struct guest_rpc *g, const char *key, const char *value);

/* Queue a TCLO command for vmtoolsd: false if Tools are not polling or
 * the queue is full. */
bool guest_rpc_command(struct guest_rpc *g, const char *command);

uint64_t guest_rpc_heartbeat(const struct guest_rpc *g);
enum guest_tools_status guest_rpc_tools_status(const struct guest_rpc *g);

#endif
