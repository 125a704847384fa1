/* SPDX-License-Identifier: GPL-2.0-only */
/* GuestRPC over the backdoor's MESSAGE command (guest_rpc.h). */
#include "guest_rpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { R_EAX, R_EBX, R_ECX, R_EDX, R_ESI, R_EDI };

enum message_type {               /* ECX bits 31:16 of a MESSAGE call */
    MSG_OPEN, MSG_SENDSIZE, MSG_SENDPAYLOAD, MSG_RECVSIZE, MSG_RECVPAYLOAD, MSG_RECVSTATUS, MSG_CLOSE,
};

#define STATUS_SUCCESS  0x0001u
#define STATUS_DORECV   0x0002u
#define FLAG_COOKIE     0x80000000u
#define PROTO_RPCI      0x49435052u   /* "RPCI" */
#define PROTO_TCLO      0x4f4c4354u   /* "TCLO" */

#define NS              1000000000ull
#define GUEST_LOG_LINES 1000u          /* then the guest's "log" requests are dropped */
#define LOG_TEXT_MAX    200u

static const char *const tclo_greeting[] = { "reset", "ping", "Capabilities_Register", "Set_Option broadcastIP 1" };

void guest_rpc_init(struct guest_rpc *g, const struct guest_rpc_host *host)
{
    memset(g, 0, sizeof *g);
    g->host = *host;
    /* Cookies only tell a stale channel from a live one: the clock is enough. */
    g->next_cookie = (uint32_t)(host->now_ns(host->ctx) / 1000) | 1;
}

static void channel_free(struct guest_rpc_channel *c)
{
    free(c->in);
    free(c->reply);
    memset(c, 0, sizeof *c);
}

static void tclo_clear(struct guest_rpc *g)
{
    for (unsigned i = 0; i < g->nr_tclo; i++)
        free(g->tclo[i]);
    g->nr_tclo = 0;
    g->tclo_sent = 0;
}

void guest_rpc_close(struct guest_rpc *g)
{
    for (unsigned i = 0; i < GUEST_RPC_CHANNELS; i++)
        channel_free(&g->ch[i]);
    for (unsigned i = 0; i < GUEST_RPC_MAX_VARS; i++)
        free(g->vars[i].value);
    tclo_clear(g);
    memset(g->vars, 0, sizeof g->vars);
}

/* A log line of guest text: printable ASCII only, shortened. */
static void log_guest(struct guest_rpc *g, const char *what, const uint8_t *text, size_t len)
{
    char clean[LOG_TEXT_MAX + 4], line[LOG_TEXT_MAX + 64];
    size_t n = 0;
    for (size_t i = 0; i < len && n < LOG_TEXT_MAX; i++)
        clean[n++] = text[i] >= 0x20 && text[i] < 0x7F ? (char)text[i] : (text[i] == '\n' ? ' ' : '?');
    if (len > LOG_TEXT_MAX)
        memcpy(clean + n, "...", 3), n += 3;
    while (n && clean[n - 1] == ' ')
        n--;
    clean[n] = '\0';
    snprintf(line, sizeof line, "%s%s", what, clean);
    g->host.log(g->host.ctx, line);
}

/* ---- guest variables ---- */

static struct guest_rpc_var *find_var(const struct guest_rpc *g, const char *key)
{
    for (unsigned i = 0; i < GUEST_RPC_MAX_VARS; i++)
        if (g->vars[i].value && strcasecmp(g->vars[i].key, key) == 0)
            return (struct guest_rpc_var *)&g->vars[i];
    return NULL;
}

const char *guest_rpc_get_var(const struct guest_rpc *g, const char *key)
{
    const struct guest_rpc_var *v = find_var(g, key);
    if (v)
        return v->value;
    char name[GUEST_RPC_MAX_KEY + 16];
    if (strlen(key) >= GUEST_RPC_MAX_KEY)
        return NULL;
    snprintf(name, sizeof name, "guestinfo.%s", key);
    return g->host.config(g->host.ctx, name);
}

int guest_rpc_set_var(struct guest_rpc *g, const char *key, const char *value)
{
    size_t klen = strlen(key), vlen = strlen(value);
    if (klen == 0 || klen >= GUEST_RPC_MAX_KEY || vlen >= GUEST_RPC_MAX_VALUE)
        return -1;
    struct guest_rpc_var *v = find_var(g, key);
    for (unsigned i = 0; !v && i < GUEST_RPC_MAX_VARS; i++)
        if (!g->vars[i].value)
            v = &g->vars[i];
    char *copy = v ? strdup(value) : NULL;
    if (!copy)
        return -1;
    free(v->value);
    memcpy(v->key, key, klen + 1);
    v->value = copy;
    return 0;
}

/* ---- TCLO: the host's commands to vmtoolsd ---- */

bool guest_rpc_command(struct guest_rpc *g, const char *command)
{
    if (guest_rpc_tools_status(g) != TOOLS_OK || g->nr_tclo == GUEST_RPC_TCLO_QUEUE)
        return false;
    char *copy = strdup(command);
    if (!copy)
        return false;
    g->tclo[g->nr_tclo++] = copy;
    return true;
}

static void tclo_pop(struct guest_rpc *g)
{
    if (!g->nr_tclo)
        return;
    free(g->tclo[0]);
    memmove(g->tclo, g->tclo + 1, (g->nr_tclo - 1) * sizeof g->tclo[0]);
    g->nr_tclo--;
    g->tclo_sent = 0;
}

/* A TCLO channel opened: vmtoolsd (re)starts, and is greeted as by ESX. */
static void tclo_opened(struct guest_rpc *g)
{
    tclo_clear(g);
    for (unsigned i = 0; i < sizeof tclo_greeting / sizeof tclo_greeting[0]; i++) {
        char *copy = strdup(tclo_greeting[i]);
        if (copy)
            g->tclo[g->nr_tclo++] = copy;
    }
    g->tools_seen = true;
}

static void tools_polled(struct guest_rpc *g)
{
    uint64_t now = g->host.now_ns(g->host.ctx);
    g->last_poll_ns = now;
    if (!g->heartbeat || now - g->last_beat_ns >= NS) {
        g->heartbeat++;
        g->last_beat_ns = now;
    }
}

uint64_t guest_rpc_heartbeat(const struct guest_rpc *g)
{
    return g->heartbeat;
}

enum guest_tools_status guest_rpc_tools_status(const struct guest_rpc *g)
{
    if (!g->tools_seen)
        return TOOLS_NONE;
    uint64_t quiet = g->host.now_ns(g->host.ctx) - g->last_poll_ns;
    if (!g->heartbeat)
        quiet = UINT64_MAX;
    return quiet <= 5 * NS ? TOOLS_OK : quiet <= 30 * NS ? TOOLS_INTERMITTENT : TOOLS_NO_HEARTBEAT;
}

/* ---- RPCI: the guest's requests ---- */

static bool starts(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(s, prefix, n) == 0;
}

static void set_reply(struct guest_rpc_channel *c, const char *status, const char *text)
{
    size_t n = strlen(status) + strlen(text);
    c->reply = malloc(n + 1);
    if (!c->reply)
        return;                          /* the guest finds no reply: its call fails */
    snprintf(c->reply, n + 1, "%s%s", status, text);
    c->reply_size = (uint32_t)n;
    c->reply_sent = 0;
}

/* "guestinfo.<key>[ <value>]" of an info-get or info-set: the key into
 * key (without the prefix), the rest in *value.  false if malformed. */
static bool guestinfo_key(const char *arg, char *key, const char **value)
{
    if (strncasecmp(arg, "guestinfo.", 10) != 0)
        return false;
    arg += 10;
    size_t n = strcspn(arg, " ");
    if (n == 0 || n >= GUEST_RPC_MAX_KEY)
        return false;
    memcpy(key, arg, n);
    key[n] = '\0';
    *value = arg[n] ? arg + n + 1 : arg + n;
    return true;
}

static void rpci_request(struct guest_rpc *g, struct guest_rpc_channel *c, char *text, size_t len)
{
    while (len && text[len - 1] == '\0')
        len--;                           /* vmtoolsd sends the terminating NUL */
    text[len] = '\0';
    char key[GUEST_RPC_MAX_KEY];
    const char *value;
    if (starts(text, len, "info-set ")) {
        if (strlen(text) != len || !guestinfo_key(text + 9, key, &value))
            set_reply(c, "0 ", "Invalid key");
        else if (guest_rpc_set_var(g, key, value) < 0)
            set_reply(c, "0 ", "Value too long or too many variables");
        else
            set_reply(c, "1 ", "");
    } else if (starts(text, len, "info-get ")) {
        const char *v = NULL;
        if (strlen(text) == len && guestinfo_key(text + 9, key, &value) && !*value)
            v = guest_rpc_get_var(g, key);
        set_reply(c, v ? "1 " : "0 ", v ? v : "No value found");
    } else if (starts(text, len, "log ")) {
        if (g->nr_guest_logs < GUEST_LOG_LINES)
            log_guest(g, "Guest: ", (const uint8_t *)text + 4, len - 4);
        else if (g->nr_guest_logs == GUEST_LOG_LINES)
            g->host.log(g->host.ctx, "Guest: further log lines are dropped");
        if (g->nr_guest_logs <= GUEST_LOG_LINES)
            g->nr_guest_logs++;
        set_reply(c, "1 ", "");
    } else if (starts(text, len, "tools.set.version ") || starts(text, len, "tools.set.versiontype ")) {
        const char *v = strchr(text, ' ') + 1;
        size_t n = strcspn(v, " ");
        if (n >= sizeof g->tools_version)
            n = sizeof g->tools_version - 1;
        if (strncmp(g->tools_version, v, n) != 0 || g->tools_version[n]) {
            memcpy(g->tools_version, v, n);
            g->tools_version[n] = '\0';
            log_guest(g, "Tools: version ", (const uint8_t *)g->tools_version, n);
        }
        set_reply(c, "1 ", "");
    } else if (starts(text, len, "tools.os.statechange.status ")) {
        log_guest(g, "Tools: power operation status ", (const uint8_t *)text + 28, len - 28);
        set_reply(c, "1 ", "");
    } else if (starts(text, len, "tools.capability.") || starts(text, len, "vmx.capability.") ||
               starts(text, len, "SetGuestInfo ")) {
        set_reply(c, "1 ", "");          /* noted; nothing here acts on them yet */
    } else {
        set_reply(c, "0 ", "Unknown command");
    }
}

/* A whole message from the guest on channel c. */
static void message_in(struct guest_rpc *g, struct guest_rpc_channel *c)
{
    free(c->reply);
    c->reply = NULL;                     /* a reply not fetched is stale now */
    c->reply_size = c->reply_sent = 0;
    if (c->protocol == PROTO_RPCI)
        rpci_request(g, c, (char *)c->in, c->in_size);
    else if (c->in_size >= 5 && memcmp(c->in, "ERROR", 5) == 0)
        log_guest(g, "Tools: ", c->in, c->in_size);   /* vmtoolsd refused a command */
    free(c->in);
    c->in = NULL;
    c->receiving = false;
}

/* ---- the MESSAGE call ---- */

/* What the guest fetches next on c: the RPCI reply or the TCLO command. */
static const char *outgoing(struct guest_rpc *g, struct guest_rpc_channel *c, uint32_t **sent, uint32_t *size)
{
    if (c->protocol == PROTO_TCLO) {
        if (!g->nr_tclo)
            return NULL;
        *sent = &g->tclo_sent;
        *size = (uint32_t)strlen(g->tclo[0]);
        return g->tclo[0];
    }
    if (!c->reply)
        return NULL;
    *sent = &c->reply_sent;
    *size = c->reply_size;
    return c->reply;
}

static void done_outgoing(struct guest_rpc *g, struct guest_rpc_channel *c)
{
    if (c->protocol == PROTO_TCLO) {
        tclo_pop(g);
        return;
    }
    free(c->reply);
    c->reply = NULL;
    c->reply_size = c->reply_sent = 0;
}

static unsigned open_channel(struct guest_rpc *g, uint32_t regs[6])
{
    uint32_t protocol = regs[R_EBX] & ~FLAG_COOKIE;
    if (protocol != PROTO_RPCI && protocol != PROTO_TCLO)
        return 0;
    for (unsigned id = 0; id < GUEST_RPC_CHANNELS; id++) {
        struct guest_rpc_channel *c = &g->ch[id];
        if (c->open)
            continue;
        c->open = true;
        c->protocol = protocol;
        if (regs[R_EBX] & FLAG_COOKIE) {
            c->cookie_high = g->next_cookie = g->next_cookie * 1103515245u + 12345u;
            c->cookie_low = g->next_cookie = g->next_cookie * 1103515245u + 12345u;
        }
        regs[R_EDX] = (id << 16) | (regs[R_EDX] & 0xFFFF);
        regs[R_ESI] = c->cookie_high;
        regs[R_EDI] = c->cookie_low;
        if (protocol == PROTO_TCLO)
            tclo_opened(g);
        return STATUS_SUCCESS;
    }
    return 0;                            /* all taken */
}

/* One call on an open channel: its status bits. */
static unsigned channel_call(struct guest_rpc *g, struct guest_rpc_channel *c, unsigned type, uint32_t regs[6])
{
    uint32_t *sent, size;
    const char *out;
    switch (type) {
    case MSG_SENDSIZE:
        if (regs[R_EBX] > GUEST_RPC_MAX_MESSAGE)
            return 0;
        free(c->in);
        c->in = malloc(regs[R_EBX] + 1u);          /* + 1: RPCI text ends in a NUL here */
        if (!c->in)
            return 0;
        c->in_size = regs[R_EBX];
        c->in_got = 0;
        c->receiving = true;
        if (c->in_size == 0)
            message_in(g, c);
        return STATUS_SUCCESS;
    case MSG_SENDPAYLOAD: {
        if (!c->receiving)
            return 0;
        uint32_t n = c->in_size - c->in_got < 4 ? c->in_size - c->in_got : 4;
        for (uint32_t i = 0; i < n; i++)
            c->in[c->in_got + i] = (uint8_t)(regs[R_EBX] >> (8 * i));
        c->in_got += n;
        if (c->in_got == c->in_size)
            message_in(g, c);
        return STATUS_SUCCESS;
    }
    case MSG_RECVSIZE:
        if (c->protocol == PROTO_TCLO)
            tools_polled(g);
        out = outgoing(g, c, &sent, &size);
        if (!out)
            return STATUS_SUCCESS;                 /* nothing for the guest */
        *sent = 0;
        regs[R_EDX] = (MSG_SENDSIZE << 16) | (regs[R_EDX] & 0xFFFF);
        regs[R_EBX] = size;
        return STATUS_SUCCESS | STATUS_DORECV;
    case MSG_RECVPAYLOAD: {
        out = outgoing(g, c, &sent, &size);
        if (!out || regs[R_EBX] != STATUS_SUCCESS || *sent >= size)
            return 0;
        uint32_t word = 0, n = size - *sent < 4 ? size - *sent : 4;
        for (uint32_t i = 0; i < n; i++)
            word |= (uint32_t)(uint8_t)out[*sent + i] << (8 * i);
        *sent += n;
        regs[R_EDX] = (MSG_SENDPAYLOAD << 16) | (regs[R_EDX] & 0xFFFF);
        regs[R_EBX] = word;
        return STATUS_SUCCESS;
    }
    case MSG_RECVSTATUS:
        if (!outgoing(g, c, &sent, &size))
            return 0;
        done_outgoing(g, c);                       /* fetched, or the guest gave up on it */
        return regs[R_EBX] == STATUS_SUCCESS ? STATUS_SUCCESS : 0;
    case MSG_CLOSE:
        channel_free(c);
        return STATUS_SUCCESS;
    default:
        return 0;
    }
}

void guest_rpc_message(struct guest_rpc *g, uint32_t regs[6])
{
    unsigned type = regs[R_ECX] >> 16, status;
    if (type == MSG_OPEN) {
        status = open_channel(g, regs);
    } else {
        unsigned id = regs[R_EDX] >> 16;
        struct guest_rpc_channel *c = id < GUEST_RPC_CHANNELS ? &g->ch[id] : NULL;
        if (c && c->open && c->cookie_high == regs[R_ESI] && c->cookie_low == regs[R_EDI])
            status = channel_call(g, c, type, regs);
        else
            status = 0;                            /* no such channel, or not the opener's */
    }
    regs[R_ECX] = status << 16;
}
