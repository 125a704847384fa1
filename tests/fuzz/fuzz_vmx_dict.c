// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target for the .vmx dictionary: parse anything; what parses
 * must write back to exactly the input and parse again to the same
 * entries, and vm_config must read it as a VM or refuse it with a message
 * naming a key.  A set and a remove on what parsed must keep it parseable. */
#include <string.h>
#include <errno.h>

#include "fuzz.h"
#include "../../vmx/config/vm_config.h"
#include "../../vmx/config/vmx_dict.h"

static void same_entries(const struct vmx_dict *a, const struct vmx_dict *b)
{
    FUZZ_ASSERT(vmx_dict_count(a) == vmx_dict_count(b));
    for (size_t i = 0; i < vmx_dict_count(a); i++) {
        const char *an, *av, *bn, *bv;

        FUZZ_ASSERT(vmx_dict_entry(a, i, &an, &av) && vmx_dict_entry(b, i, &bn, &bv));
        FUZZ_ASSERT(!strcmp(an, bn) && !strcmp(av, bv));
    }
}

static struct vmx_dict *reparse(const struct vmx_dict *d, char *buf, size_t cap, long *len)
{
    struct vmx_dict *again = NULL;
    char err[160];

    *len = vmx_dict_write(d, buf, cap);
    FUZZ_ASSERT(*len >= 0 && (size_t)*len == vmx_dict_text_size(d));
    FUZZ_ASSERT(vmx_dict_parse(buf, (size_t)*len, &again, err, sizeof err) == 0);
    return again;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char text[VMX_DICT_MAX_SIZE + 2 * VMX_DICT_MAX_LINE];
    struct vmx_dict *d = NULL, *again;
    const char *name, *value;
    char err[160];
    long n;

    if (vmx_dict_parse((const char *)data, size, &d, err, sizeof err) < 0) {
        FUZZ_ASSERT(err[0] != '\0' && d == NULL);
        return 0;
    }
    again = reparse(d, text, sizeof text, &n);
    FUZZ_ASSERT((size_t)n == size && !memcmp(text, data, size));
    same_entries(d, again);
    vmx_dict_free(again);

    static struct vm_config cfg;
    char why[512] = "";
    if (vm_config_read(d, "/vmfs/volumes/ds/vm/vm.vmx", &cfg, why, sizeof why) < 0)
        FUZZ_ASSERT(why[0] != '\0');
    else
        FUZZ_ASSERT(cfg.kernel[0] == '/' && cfg.numvcpus >= 1 && cfg.numvcpus <= VM_CONFIG_MAX_VCPUS &&
                    cfg.memsize_mb % 4 == 0);

    /* Change the first entry's value to something needing escapes, drop
     * the last name: the result must still read back as it now stands. */
    if (vmx_dict_entry(d, 0, &name, &value)) {
        static char first[VMX_DICT_MAX_LINE + 1];
        int rc;

        snprintf(first, sizeof first, "%s", name);
        rc = vmx_dict_set(d, first, "a \"b\" |c\x01#");
        FUZZ_ASSERT(rc == 0 || rc == -E2BIG);
        if (rc == 0)
            FUZZ_ASSERT(!strcmp(vmx_dict_get(d, first), "a \"b\" |c\x01#"));
        vmx_dict_entry(d, vmx_dict_count(d) - 1, &name, &value);
        snprintf(first, sizeof first, "%s", name);
        FUZZ_ASSERT(vmx_dict_remove(d, first));
        FUZZ_ASSERT(vmx_dict_get(d, first) == NULL);
        again = reparse(d, text, sizeof text, &n);
        same_entries(d, again);
        vmx_dict_free(again);
    }
    vmx_dict_free(d);
    return 0;
}
