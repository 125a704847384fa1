/* SPDX-License-Identifier: GPL-2.0-only */
/* Host unit tests for GuestRPC over the backdoor (vmx/devices/guest_rpc.c):
 * the guest's side below makes the calls open-vm-tools' lib/message does
 * (open with cookies, size then 4-byte payloads, receive then status). */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../vmx/devices/guest_rpc.h"

enum { EAX, EBX, ECX, EDX, ESI, EDI };
#define MAGIC 0x564D5868u
#define RPCI 0x49435052u
#define TCLO 0x4f4c4354u
#define COOKIE 0x80000000u
#define SUCCESS 1u
#define DORECV 2u

static struct guest_rpc rpc;
static uint64_t now = 5000000000ull;
static char last_log[512];
static int nr_logs;

static void host_log(void *ctx, const char *text)
{
    (void)ctx;
    snprintf(last_log, sizeof last_log, "%s", text);
    nr_logs++;
}

static const char *host_config(void *ctx, const char *key)
{
    (void)ctx;
    return strcmp(key, "guestinfo.fromvmx") == 0 ? "set in the .vmx" : NULL;
}

static uint64_t host_now(void *ctx)
{
    (void)ctx;
    return now;
}

struct chan { uint32_t id, hi, lo; };

/* One MESSAGE call: its status (ECX bits 31:16); regs out in r. */
static unsigned call(unsigned type, uint32_t ebx, const struct chan *c, uint32_t r[6])
{
    r[EAX] = MAGIC;
    r[EBX] = ebx;
    r[ECX] = (type << 16) | BDOOR_CMD_MESSAGE;
    r[EDX] = (c ? c->id << 16 : 0) | 0x5658;
    r[ESI] = c ? c->hi : 0;
    r[EDI] = c ? c->lo : 0;
    guest_rpc_message(&rpc, r);
    return r[ECX] >> 16;
}

static bool open_channel(uint32_t protocol, struct chan *c)
{
    uint32_t r[6];
    if (!(call(0, protocol | COOKIE, NULL, r) & SUCCESS))
        return false;
    *c = (struct chan){ r[EDX] >> 16, r[ESI], r[EDI] };
    return true;
}

static bool send_msg(const struct chan *c, const void *data, uint32_t len)
{
    uint32_t r[6];
    if (!(call(1, len, c, r) & SUCCESS))
        return false;
    for (uint32_t off = 0; off < len; off += 4) {
        uint32_t word = 0;
        memcpy(&word, (const char *)data + off, len - off < 4 ? len - off : 4);
        if (!(call(2, word, c, r) & SUCCESS))
            return false;
    }
    return true;
}

/* The reply into buf (NUL-terminated): its length, -1 on a failed call. */
static int recv_msg(const struct chan *c, char *buf, size_t cap)
{
    uint32_t r[6];
    unsigned st = call(3, 0, c, r);
    if (!(st & SUCCESS))
        return -1;
    if (!(st & DORECV)) {
        buf[0] = '\0';
        return 0;
    }
    if (r[EDX] >> 16 != 1)
        return -1;
    uint32_t size = r[EBX];
    if (size >= cap)
        return -1;
    for (uint32_t off = 0; off < size; off += 4) {
        if (!(call(4, SUCCESS, c, r) & SUCCESS) || r[EDX] >> 16 != 2)
            return -1;
        memcpy(buf + off, &r[EBX], size - off < 4 ? size - off : 4);
    }
    buf[size] = '\0';
    return (call(5, SUCCESS, c, r) & SUCCESS) ? (int)size : -1;
}

static void close_channel(const struct chan *c)
{
    uint32_t r[6];
    call(6, 0, c, r);
}

/* vmware-rpctool's way: a channel per request, the NUL sent too. */
static const char *rpctool(const char *request)
{
    static char reply[8192];
    struct chan c;
    if (!open_channel(RPCI, &c))
        return "(open failed)";
    if (!send_msg(&c, request, (uint32_t)strlen(request) + 1) || recv_msg(&c, reply, sizeof reply) < 0)
        snprintf(reply, sizeof reply, "(call failed)");
    close_channel(&c);
    return reply;
}

static void test_rpci(void)
{
    CHECK_STR_EQ(rpctool("info-set guestinfo.ip 192.168.75.172"), "1 ", "info-set: success");
    CHECK_STR_EQ(guest_rpc_get_var(&rpc, "ip"), "192.168.75.172", "the host reads what the guest set");
    CHECK_STR_EQ(rpctool("info-get guestinfo.ip"), "1 192.168.75.172", "info-get returns it");
    CHECK_STR_EQ(rpctool("info-get guestinfo.IP"), "1 192.168.75.172", "keys are case-insensitive");
    CHECK_STR_EQ(rpctool("info-set guestinfo.ip 10.0.0.9"), "1 ", "set again");
    CHECK_STR_EQ(guest_rpc_get_var(&rpc, "ip"), "10.0.0.9", "the new value replaces the old");
    CHECK_STR_EQ(rpctool("info-get guestinfo.fromvmx"), "1 set in the .vmx", "a .vmx guestinfo key reads");
    CHECK_STR_EQ(rpctool("info-get guestinfo.nothing"), "0 No value found", "a missing key: error reply");
    CHECK_STR_EQ(rpctool("info-set guestinfo.empty "), "1 ", "an empty value can be set");
    CHECK_STR_EQ(rpctool("info-get guestinfo.empty"), "1 ", "and reads back empty");
    CHECK_STR_EQ(rpctool("info-set other.key 1"), "0 Invalid key", "only guestinfo. keys");
    CHECK_STR_EQ(rpctool("info-set guestinfo. x"), "0 Invalid key", "an empty key is refused");
    CHECK_STR_EQ(rpctool("no-such-command"), "0 Unknown command", "unknown: RPCI's wording");
    CHECK_STR_EQ(rpctool("tools.capability.statechange "), "1 ", "capabilities are accepted");

    CHECK_EQ(guest_rpc_set_var(&rpc, "fromhost", "host value"), 0, "the host sets a variable (setguestinfo)");
    CHECK_STR_EQ(rpctool("info-get guestinfo.fromhost"), "1 host value", "the guest reads it");

    int before = nr_logs;
    CHECK_STR_EQ(rpctool("log toolbox: Version: 12.2.0\n\x01"), "1 ", "log: success");
    CHECK_EQ(nr_logs, before + 1, "one line in vmware.log");
    CHECK_STR_EQ(last_log, "Guest: toolbox: Version: 12.2.0 ?", "control characters do not reach the log");
    CHECK_STR_EQ(rpctool("tools.set.versiontype 12352 4"), "1 ", "tools.set.versiontype: success");
    CHECK_STR_EQ(last_log, "Tools: version 12352", "the version is logged");
    CHECK_STR_EQ(rpc.tools_version, "12352", "and kept");

    /* Without the trailing NUL, as vmtoolsd's capability calls. */
    struct chan c;
    char reply[256];
    CHECK(open_channel(RPCI, &c), "open");
    CHECK(send_msg(&c, "info-get guestinfo.ip", 21), "a request without a NUL");
    CHECK_EQ(recv_msg(&c, reply, sizeof reply), 10, "its reply: 10 bytes");
    CHECK_STR_EQ(reply, "1 10.0.0.9", "the same answer");
    CHECK_EQ(recv_msg(&c, reply, sizeof reply), 0, "fetched once: nothing more to receive");
    /* A reply not fetched is dropped by the next request. */
    CHECK(send_msg(&c, "info-get guestinfo.nothing", 26), "a request");
    CHECK(send_msg(&c, "info-get guestinfo.fromhost", 27), "another before fetching the first reply");
    CHECK_EQ(recv_msg(&c, reply, sizeof reply), 12, "the second's reply");
    CHECK_STR_EQ(reply, "1 host value", "only the second's");
    CHECK(send_msg(&c, "", 0), "an empty request");
    CHECK_EQ(recv_msg(&c, reply, sizeof reply), 17, "is answered");
    CHECK_STR_EQ(reply, "0 Unknown command", "as an unknown command");
    close_channel(&c);
}

static void test_bad_calls(void)
{
    uint32_t r[6];
    struct chan c, bad;
    CHECK(open_channel(RPCI, &c), "open");
    CHECK(c.hi != 0 || c.lo != 0, "cookies are given");
    bad = c;
    bad.lo ^= 1;
    CHECK_EQ(call(1, 4, &bad, r) & SUCCESS, 0, "a wrong cookie: refused");
    bad = c;
    bad.id = GUEST_RPC_CHANNELS;
    CHECK_EQ(call(1, 4, &bad, r) & SUCCESS, 0, "a channel id out of range: refused");
    bad.id = 0xFFFF;
    CHECK_EQ(call(1, 4, &bad, r) & SUCCESS, 0, "id 0xFFFF: refused");
    CHECK_EQ(call(2, 0x41414141, &c, r) & SUCCESS, 0, "a payload before its size: refused");
    CHECK_EQ(call(1, GUEST_RPC_MAX_MESSAGE + 1, &c, r) & SUCCESS, 0, "a message over 64 KiB: refused");
    CHECK_EQ(call(1, 0xFFFFFFFFu, &c, r) & SUCCESS, 0, "a 4 GiB message: refused");
    CHECK_EQ(call(4, SUCCESS, &c, r) & SUCCESS, 0, "a payload to receive with nothing pending: refused");
    CHECK_EQ(call(5, SUCCESS, &c, r) & SUCCESS, 0, "a receive status with nothing pending: refused");
    CHECK_EQ(call(7, 0, &c, r) & SUCCESS, 0, "an unknown message type: refused");
    CHECK_EQ(call(0, 0x12345678, NULL, r) & SUCCESS, 0, "an unknown protocol: refused");
    CHECK_STR_EQ(rpctool("info-get guestinfo.ip"), "1 10.0.0.9", "the channel still works after all that");
    /* Receiving past the end of a reply. */
    char reply[64];
    CHECK(send_msg(&c, "info-get guestinfo.ip", 21), "request");
    CHECK_EQ(call(3, 0, &c, r), SUCCESS | DORECV, "a reply is there");
    CHECK_EQ(r[EBX], 10, "of 10 bytes");
    for (int i = 0; i < 3; i++)
        call(4, SUCCESS, &c, r);
    CHECK_EQ(call(4, SUCCESS, &c, r) & SUCCESS, 0, "a fourth word of a 10-byte reply: refused");
    CHECK_EQ(call(5, SUCCESS, &c, r) & SUCCESS, SUCCESS, "the status ends it");
    CHECK_EQ(recv_msg(&c, reply, sizeof reply), 0, "nothing left");
    close_channel(&c);
    CHECK_EQ(call(1, 4, &c, r) & SUCCESS, 0, "a closed channel: refused");

    /* Every channel taken, then one given back. */
    struct chan all[GUEST_RPC_CHANNELS];
    bool opened = true;
    for (unsigned i = 0; i < GUEST_RPC_CHANNELS; i++)
        opened = opened && open_channel(RPCI, &all[i]);
    CHECK(opened, "%u channels open at once", GUEST_RPC_CHANNELS);
    CHECK(!open_channel(RPCI, &c), "one more: refused");
    close_channel(&all[3]);
    CHECK(open_channel(RPCI, &c), "after a close: opens");
    CHECK_EQ(c.id, all[3].id, "in the slot given back");
    CHECK(c.hi != all[3].hi || c.lo != all[3].lo, "with new cookies: the old holder is refused");
    for (unsigned i = 0; i < GUEST_RPC_CHANNELS; i++)
        close_channel(i == 3 ? &c : &all[i]);

    /* The variable table and its limits. */
    char key[GUEST_RPC_MAX_KEY + 1], *big = malloc(GUEST_RPC_MAX_VALUE + 1);
    memset(key, 'k', GUEST_RPC_MAX_KEY);
    key[GUEST_RPC_MAX_KEY] = '\0';
    CHECK_EQ(guest_rpc_set_var(&rpc, key, "v"), -1, "a key of %u bytes: refused", GUEST_RPC_MAX_KEY);
    memset(big, 'v', GUEST_RPC_MAX_VALUE);
    big[GUEST_RPC_MAX_VALUE] = '\0';
    CHECK_EQ(guest_rpc_set_var(&rpc, "big", big), -1, "a value of %u bytes: refused", GUEST_RPC_MAX_VALUE);
    CHECK(guest_rpc_get_var(&rpc, "big") == NULL, "and not stored");
    free(big);
    int set = 0;
    for (unsigned i = 0; i < GUEST_RPC_MAX_VARS + 5; i++) {
        char name[16];
        snprintf(name, sizeof name, "v%u", i);
        set += guest_rpc_set_var(&rpc, name, "x") == 0;
    }
    CHECK_EQ(set, GUEST_RPC_MAX_VARS - 3, "the table holds %u variables (3 were set before)", GUEST_RPC_MAX_VARS);
    CHECK_STR_EQ(rpctool("info-set guestinfo.onemore 1"), "0 Value too long or too many variables",
                 "the guest is told when it is full");
    CHECK_EQ(guest_rpc_set_var(&rpc, "ip", "10.0.0.10"), 0, "an existing variable can still change");
}

/* vmtoolsd's TCLO loop: send the last result, receive the next command. */
static int tclo_poll(const struct chan *c, const char *result, char *cmd, size_t cap)
{
    if (!send_msg(c, result, (uint32_t)strlen(result)))
        return -1;
    return recv_msg(c, cmd, cap);
}

static void test_tclo(void)
{
    char cmd[256];
    struct chan t;
    CHECK_EQ(guest_rpc_tools_status(&rpc), TOOLS_NONE, "no Tools yet: gettoolslastactive 0");
    CHECK_EQ(guest_rpc_heartbeat(&rpc), 0, "no heartbeat");
    CHECK(!guest_rpc_command(&rpc, "OS_Halt"), "no command can be queued without Tools");
    CHECK(open_channel(TCLO, &t), "vmtoolsd opens its TCLO channel");
    CHECK_EQ(tclo_poll(&t, "", cmd, sizeof cmd), 5, "first poll: a command");
    CHECK_STR_EQ(cmd, "reset", "reset first, as ESX");
    CHECK_EQ(guest_rpc_tools_status(&rpc), TOOLS_OK, "polling: gettoolslastactive 1");
    CHECK_EQ(guest_rpc_heartbeat(&rpc), 1, "heartbeat 1");
    CHECK(tclo_poll(&t, "OK ATR toolbox", cmd, sizeof cmd) > 0 && strcmp(cmd, "ping") == 0, "then ping");
    CHECK(tclo_poll(&t, "OK ", cmd, sizeof cmd) > 0 && strcmp(cmd, "Capabilities_Register") == 0,
          "then Capabilities_Register");
    CHECK(tclo_poll(&t, "OK ", cmd, sizeof cmd) > 0 && strcmp(cmd, "Set_Option broadcastIP 1") == 0,
          "then broadcastIP");
    CHECK_EQ(tclo_poll(&t, "OK ", cmd, sizeof cmd), 0, "then nothing");
    CHECK_EQ(guest_rpc_heartbeat(&rpc), 1, "polls within a second: one heartbeat");
    now += 1000000000ull;
    CHECK_EQ(tclo_poll(&t, "", cmd, sizeof cmd), 0, "a poll a second later");
    CHECK_EQ(guest_rpc_heartbeat(&rpc), 2, "heartbeat 2");
    CHECK(guest_rpc_command(&rpc, "OS_Halt"), "the host queues OS_Halt");
    CHECK(tclo_poll(&t, "", cmd, sizeof cmd) > 0 && strcmp(cmd, "OS_Halt") == 0, "the guest gets it");
    int before = nr_logs;
    CHECK_EQ(tclo_poll(&t, "ERROR State change already in progress", cmd, sizeof cmd), 0, "its reply");
    CHECK_EQ(nr_logs, before + 1, "an ERROR reply is logged");
    CHECK_STR_EQ(last_log, "Tools: ERROR State change already in progress", "with its text");
    now += 10000000000ull;
    CHECK_EQ(guest_rpc_tools_status(&rpc), TOOLS_INTERMITTENT, "quiet for 10 s: 5");
    now += 30000000000ull;
    CHECK_EQ(guest_rpc_tools_status(&rpc), TOOLS_NO_HEARTBEAT, "quiet for 40 s: 100");
    CHECK(!guest_rpc_command(&rpc, "OS_Halt"), "no command for Tools that stopped polling");
    CHECK_EQ(tclo_poll(&t, "", cmd, sizeof cmd), 0, "it polls again");
    CHECK_EQ(guest_rpc_tools_status(&rpc), TOOLS_OK, "back to 1");
    close_channel(&t);
}

int main(void)
{
    guest_rpc_init(&rpc, &(struct guest_rpc_host){ NULL, host_log, host_config, host_now });
    test_rpci();
    test_bad_calls();
    test_tclo();
    guest_rpc_close(&rpc);
    CHECK_DONE();
}
