// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target for GuestRPC (vmx/devices/guest_rpc.c), what a guest
 * sends through the backdoor's MESSAGE command: the input is a series of
 * calls, six 32-bit registers each, with the host's own requests mixed in.
 * A call's status is only SUCCESS and DORECV bits; sizes offered to the
 * guest stay under the limits; nothing leaks once the VM is gone. */
#include <string.h>

#include "fuzz.h"
#include "../../vmx/devices/guest_rpc.h"

static uint64_t clock_ns;

static void host_log(void *ctx, const char *text)
{
    (void)ctx;
    FUZZ_ASSERT(strlen(text) < 512);
    for (const char *p = text; *p; p++)
        FUZZ_ASSERT(*p >= 0x20 && *p < 0x7F);      /* the log gets printable text only */
}

static const char *host_config(void *ctx, const char *key)
{
    (void)ctx;
    return strcmp(key, "guestinfo.a") == 0 ? "from the vmx" : NULL;
}

static uint64_t host_now(void *ctx)
{
    (void)ctx;
    return clock_ns;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct guest_rpc rpc;
    clock_ns = 1000000000ull;
    guest_rpc_init(&rpc, &(struct guest_rpc_host){ NULL, host_log, host_config, host_now });
    while (size >= 25) {
        uint8_t op = data[0];
        uint32_t regs[6];
        memcpy(regs, data + 1, sizeof regs);
        data += 25;
        size -= 25;
        switch (op & 7) {
        case 0:
            guest_rpc_set_var(&rpc, (op & 8) ? "a" : "ip", (op & 16) ? "x" : "");
            break;
        case 1:
            guest_rpc_command(&rpc, (op & 8) ? "OS_Halt" : "ping");
            break;
        case 2:
            clock_ns += (uint64_t)regs[0] * 1000;
            break;
        default: {
            /* Mostly well-formed MESSAGE calls, so that channels open. */
            regs[2] = (regs[2] & 0x00070000u) | BDOOR_CMD_MESSAGE;
            if (op & 8)
                regs[3] = (regs[3] & 0x00070000u) | 0x5658;
            uint32_t type = regs[2] >> 16;
            guest_rpc_message(&rpc, regs);
            uint32_t status = regs[2] >> 16;
            FUZZ_ASSERT((regs[2] & 0xFFFF) == 0 && (status & ~3u) == 0);
            if ((status & 2) && type == 3)
                FUZZ_ASSERT(regs[1] <= GUEST_RPC_MAX_MESSAGE);
            break;
        }
        }
        const char *v = guest_rpc_get_var(&rpc, "ip");
        FUZZ_ASSERT(!v || strlen(v) < GUEST_RPC_MAX_VALUE);
        FUZZ_ASSERT(guest_rpc_tools_status(&rpc) <= TOOLS_NO_HEARTBEAT);
    }
    guest_rpc_close(&rpc);
    return 0;
}
