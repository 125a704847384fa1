// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target for VMDK descriptors: parse anything; what parses must
 * format and parse again to the same descriptor. */
#include <string.h>

#include "fuzz.h"
#include "vmfs/vmdk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct vmdk_descriptor d, again;
    static char text[VMDK_MAX_TEXT];
    char err[256];
    if (vmdk_parse((const char *)data, size, &d, err, sizeof err) < 0) {
        FUZZ_ASSERT(err[0] != '\0');
        return 0;
    }
    int n = vmdk_format(&d, text, sizeof text);
    if (n < 0)
        return 0;
    FUZZ_ASSERT(vmdk_parse(text, (size_t)n, &again, err, sizeof err) == 0);
    FUZZ_ASSERT(again.n_extents == d.n_extents && again.n_ddb == d.n_ddb && again.cid == d.cid &&
                vmdk_capacity_sectors(&again) == vmdk_capacity_sectors(&d));
    return 0;
}
