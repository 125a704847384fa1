// SPDX-License-Identifier: GPL-2.0-only
/*
 * VMDK descriptors.  The grammar is line based: comments (#), blank
 * lines, `key=value` header lines (version, CID, parentCID, createType,
 * parentFileNameHint), extent lines `ACCESS SECTORS TYPE ["FILE" [OFFSET]]`
 * and disk database lines `ddb.key = "value"`.  qemu-img requires the
 * header keys written without spaces around '=' and CID before parentCID.
 */
#include "vmfs/vmdk.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINE 1024

static int fail(char *err, size_t errlen, unsigned line, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line)
        snprintf(err, errlen, "line %u: %s", line, msg);
    else
        snprintf(err, errlen, "%s", msg);
    return -1;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* A quoted string: copy it without the quotes; NULL if unterminated or too long. */
static const char *unquote(const char *s, char *out, size_t size)
{
    if (*s != '"')
        return NULL;
    const char *end = strchr(s + 1, '"');
    if (!end || (size_t)(end - s - 1) >= size)
        return NULL;
    memcpy(out, s + 1, (size_t)(end - s - 1));
    out[end - s - 1] = '\0';
    return end + 1;
}

static bool parse_u64(const char *s, uint64_t *v)
{
    if (!isdigit((unsigned char)*s))
        return false;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno || *end)
        return false;
    *v = x;
    return true;
}

static bool parse_hex32(const char *s, uint32_t *v)
{
    if (!*s || strlen(s) > 8)
        return false;
    for (const char *p = s; *p; p++)
        if (!isxdigit((unsigned char)*p))
            return false;
    *v = (uint32_t)strtoul(s, NULL, 16);
    return true;
}

static bool is_access(const char *w)
{
    return !strcmp(w, "RW") || !strcmp(w, "RDONLY") || !strcmp(w, "NOACCESS");
}

static bool valid_type(const char *t)
{
    static const char *types[] = { "VMFS", "FLAT", "SPARSE", "VMFSSPARSE", "ZERO", "VMFSRDM", "VMFSRAW",
                                   "VMFSRAWDEVICEMAP", "VMFSPASSTHROUGHRAWDEVICEMAP", "SESPARSE" };
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if (!strcmp(t, types[i]))
            return true;
    return false;
}

static int parse_extent(char *line, struct vmdk_descriptor *d, unsigned no, char *err, size_t errlen)
{
    if (d->n_extents == VMDK_MAX_EXTENTS)
        return fail(err, errlen, no, "more than %d extents", VMDK_MAX_EXTENTS);
    struct vmdk_extent *e = &d->extents[d->n_extents];
    memset(e, 0, sizeof *e);
    char *save = NULL, *access = strtok_r(line, " \t", &save), *size = strtok_r(NULL, " \t", &save),
         *type = strtok_r(NULL, " \t", &save);
    char *rest = save ? trim(save) : NULL;
    if (!access || !size || !type)
        return fail(err, errlen, no, "extent line needs access, size and type");
    snprintf(e->access, sizeof e->access, "%s", access);
    if (!parse_u64(size, &e->sectors))
        return fail(err, errlen, no, "extent size is not a number");
    if (strlen(type) >= sizeof e->type || !valid_type(type))
        return fail(err, errlen, no, "unknown extent type \"%.20s\"", type);
    snprintf(e->type, sizeof e->type, "%s", type);
    if (strcmp(type, "ZERO") != 0) {
        if (!rest || !*rest)
            return fail(err, errlen, no, "extent line names no file");
        const char *after = unquote(rest, e->file, sizeof e->file);
        if (!after || !e->file[0])
            return fail(err, errlen, no, "extent file name must be quoted, non-empty and under 256 bytes");
        char offset[32];
        snprintf(offset, sizeof offset, "%s", after);
        char *o = trim(offset);
        if (*o && !parse_u64(o, &e->offset))
            return fail(err, errlen, no, "extent offset is not a number");
        if (!strcmp(type, "FLAT") && !*o)
            return fail(err, errlen, no, "a FLAT extent needs an offset");
    }
    d->n_extents++;
    return 0;
}

static int parse_header(const char *key, char *value, struct vmdk_descriptor *d, unsigned no, char *err,
                        size_t errlen, unsigned *seen)
{
    if (!strcmp(key, "version")) {
        uint64_t v;
        if (!parse_u64(value, &v) || v < 1 || v > 3)
            return fail(err, errlen, no, "unsupported version \"%.16s\"", value);
        d->version = (int)v;
        *seen |= 1;
    } else if (!strcmp(key, "CID")) {
        if (!parse_hex32(value, &d->cid))
            return fail(err, errlen, no, "CID is not 8 hexadecimal digits");
        *seen |= 2;
    } else if (!strcmp(key, "parentCID")) {
        if (!parse_hex32(value, &d->parent_cid))
            return fail(err, errlen, no, "parentCID is not 8 hexadecimal digits");
        *seen |= 4;
    } else if (!strcmp(key, "createType")) {
        if (!unquote(value, d->create_type, sizeof d->create_type))
            return fail(err, errlen, no, "createType must be a quoted word");
        *seen |= 8;
    } else if (!strcmp(key, "parentFileNameHint")) {
        if (!unquote(value, d->parent_hint, sizeof d->parent_hint))
            return fail(err, errlen, no, "parentFileNameHint must be quoted");
    }
    /* Other header keys (encoding, isNativeSnapshot, ...) are ignored. */
    return 0;
}

int vmdk_parse(const char *text, size_t len, struct vmdk_descriptor *d, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    if (len > VMDK_MAX_TEXT)
        return fail(err, errlen, 0, "descriptor too large (%zu bytes; at most %d)", len, VMDK_MAX_TEXT);
    if (memchr(text, '\0', len))
        return fail(err, errlen, 0, "not a VMDK descriptor (binary data)");
    unsigned seen = 0, no = 0;
    bool first = true;
    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        no++;
        if (n >= MAX_LINE)
            return fail(err, errlen, no, "line longer than %d bytes", MAX_LINE - 1);
        char buf[MAX_LINE];
        memcpy(buf, text + pos, n);
        buf[n] = '\0';
        pos += n + 1;
        char *line = trim(buf);
        if (!*line || *line == '#')
            continue;
        if (first && strncmp(line, "version=", 8) != 0)
            return fail(err, errlen, no, "not a VMDK descriptor (it must start with version=)");
        first = false;
        char word[16];
        sscanf(line, "%15s", word);
        int r;
        if (is_access(word)) {
            r = parse_extent(line, d, no, err, errlen);
        } else if (!strncmp(line, "ddb.", 4)) {
            char *eq = strchr(line, '=');
            if (!eq)
                return fail(err, errlen, no, "disk database line without '='");
            *eq = '\0';
            char *key = trim(line), value[256];
            if (!unquote(trim(eq + 1), value, sizeof value))
                return fail(err, errlen, no, "disk database value must be quoted and under 256 bytes");
            if (strlen(key) >= sizeof d->ddb[0].key || vmdk_ddb_set(d, key, value) < 0)
                return fail(err, errlen, no, "disk database key too long or too many keys");
            r = 0;
        } else {
            char *eq = strchr(line, '=');
            if (!eq)
                return fail(err, errlen, no, "unrecognised line \"%.40s\"", line);
            *eq = '\0';
            r = parse_header(trim(line), trim(eq + 1), d, no, err, errlen, &seen);
            if (r == 0 && !strcmp(trim(line), "parentCID") && !(seen & 2))
                return fail(err, errlen, no, "parentCID comes before CID");
        }
        if (r < 0)
            return r;
    }
    if (first)
        return fail(err, errlen, 0, "not a VMDK descriptor (empty)");
    if (!(seen & 2))
        return fail(err, errlen, 0, "missing CID");
    if (!(seen & 4))
        return fail(err, errlen, 0, "missing parentCID");
    if (!(seen & 8))
        return fail(err, errlen, 0, "missing createType");
    if (d->n_extents == 0)
        return fail(err, errlen, 0, "no extent");
    return 0;
}

int vmdk_format(const struct vmdk_descriptor *d, char *buf, size_t size)
{
    size_t n = 0;
#define OUT(...)                                                              \
    do {                                                                      \
        int w_ = snprintf(buf + n, n < size ? size - n : 0, __VA_ARGS__);     \
        if (w_ < 0)                                                           \
            return -1;                                                        \
        n += (size_t)w_;                                                      \
    } while (0)
    OUT("# Disk DescriptorFile\nversion=%d\nCID=%08" PRIx32 "\nparentCID=%08" PRIx32 "\n", d->version ? d->version : 1,
        d->cid, d->parent_cid);
    OUT("createType=\"%s\"\n", d->create_type);
    if (d->parent_hint[0])
        OUT("parentFileNameHint=\"%s\"\n", d->parent_hint);
    OUT("\n# Extent description\n");
    for (unsigned i = 0; i < d->n_extents; i++) {
        const struct vmdk_extent *e = &d->extents[i];
        OUT("%s %" PRIu64 " %s", e->access, e->sectors, e->type);
        if (e->file[0])
            OUT(" \"%s\"", e->file);
        if (!strcmp(e->type, "FLAT") || e->offset)
            OUT(" %" PRIu64, e->offset);
        OUT("\n");
    }
    OUT("\n# The Disk Data Base \n#DDB\n\n");
    for (unsigned i = 0; i < d->n_ddb; i++)
        OUT("%s = \"%s\"\n", d->ddb[i].key, d->ddb[i].value);
#undef OUT
    return n < size ? (int)n : -1;
}

const char *vmdk_ddb_get(const struct vmdk_descriptor *d, const char *key)
{
    for (unsigned i = 0; i < d->n_ddb; i++)
        if (!strcmp(d->ddb[i].key, key))
            return d->ddb[i].value;
    return NULL;
}

int vmdk_ddb_set(struct vmdk_descriptor *d, const char *key, const char *value)
{
    if (strlen(key) >= sizeof d->ddb[0].key || (value && strlen(value) >= sizeof d->ddb[0].value))
        return -1;
    for (unsigned i = 0; i < d->n_ddb; i++) {
        if (strcmp(d->ddb[i].key, key))
            continue;
        if (value) {
            snprintf(d->ddb[i].value, sizeof d->ddb[i].value, "%s", value);
        } else {
            memmove(&d->ddb[i], &d->ddb[i + 1], (d->n_ddb - i - 1) * sizeof d->ddb[0]);
            d->n_ddb--;
        }
        return 0;
    }
    if (!value)
        return 0;
    if (d->n_ddb == VMDK_MAX_DDB)
        return -1;
    snprintf(d->ddb[d->n_ddb].key, sizeof d->ddb[0].key, "%s", key);
    snprintf(d->ddb[d->n_ddb].value, sizeof d->ddb[0].value, "%s", value);
    d->n_ddb++;
    return 0;
}

int vmdk_adapter_valid(const char *name)
{
    return name && (!strcmp(name, "buslogic") || !strcmp(name, "lsilogic") || !strcmp(name, "ide"));
}

void vmdk_new_vmfs_disk(struct vmdk_descriptor *d, const char *flat_name, uint64_t sectors, const char *adapter_type,
                        int thin, const uint8_t uuid[16], uint32_t cid)
{
    memset(d, 0, sizeof *d);
    d->version = 1;
    d->cid = cid;
    d->parent_cid = 0xffffffffu;
    snprintf(d->create_type, sizeof d->create_type, "vmfs");
    struct vmdk_extent *e = &d->extents[d->n_extents++];
    snprintf(e->access, sizeof e->access, "RW");
    e->sectors = sectors;
    snprintf(e->type, sizeof e->type, "VMFS");
    snprintf(e->file, sizeof e->file, "%s", flat_name);

    /* SCSI disks: 64 heads of 32 sectors under 1 GiB, else 255 of 63, as
     * ESX computes them; IDE: 16 of 63 with at most 16383 cylinders. */
    bool ide = adapter_type && !strcmp(adapter_type, "ide");
    unsigned heads = ide ? 16 : sectors < 2097152 ? 64 : 255, spt = ide ? 63 : sectors < 2097152 ? 32 : 63;
    uint64_t cylinders = sectors / ((uint64_t)heads * spt);
    if (ide && cylinders > 16383)
        cylinders = 16383;
    char v[96];
    vmdk_ddb_set(d, "ddb.virtualHWVersion", "4");
    snprintf(v, sizeof v, "%02x %02x %02x %02x %02x %02x %02x %02x-%02x %02x %02x %02x %02x %02x %02x %02x", uuid[0],
             uuid[1], uuid[2], uuid[3], uuid[4], uuid[5], uuid[6], uuid[7], uuid[8], uuid[9], uuid[10], uuid[11],
             uuid[12], uuid[13], uuid[14], uuid[15]);
    vmdk_ddb_set(d, "ddb.uuid", v);
    snprintf(v, sizeof v, "%" PRIu64, cylinders);
    vmdk_ddb_set(d, "ddb.geometry.cylinders", v);
    snprintf(v, sizeof v, "%u", heads);
    vmdk_ddb_set(d, "ddb.geometry.heads", v);
    snprintf(v, sizeof v, "%u", spt);
    vmdk_ddb_set(d, "ddb.geometry.sectors", v);
    vmdk_ddb_set(d, "ddb.adapterType", adapter_type ? adapter_type : "buslogic");
    if (thin)
        vmdk_ddb_set(d, "ddb.thinProvisioned", "1");
}

uint64_t vmdk_capacity_sectors(const struct vmdk_descriptor *d)
{
    uint64_t total = 0;
    for (unsigned i = 0; i < d->n_extents; i++)
        total += d->extents[i].sectors;
    return total;
}
