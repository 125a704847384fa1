/* SPDX-License-Identifier: GPL-2.0-only */
/* The .vmx keys vmware-vmx acts on (vm_config.h). */
#include "vm_config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct reader {
    const struct vmx_dict *d;
    char dir[VM_CONFIG_PATH_MAX];       /* the .vmx file's directory, "" for the current one */
    char *err;
    size_t errlen;
};

static int fail(struct reader *r, const char *key, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    const char *value = key ? vmx_dict_get(r->d, key) : NULL;
    if (value)
        snprintf(r->err, r->errlen, "%s = \"%s\": %s", key, value, why);
    else if (key)
        snprintf(r->err, r->errlen, "%s: %s", key, why);
    else
        snprintf(r->err, r->errlen, "%s", why);
    return -1;
}

static int get_bool(struct reader *r, const char *key, bool def, bool *out)
{
    return vmx_dict_get_bool(r->d, key, def, out) == 0 ? 0 : fail(r, key, "must be TRUE or FALSE");
}

static const char *get_str(struct reader *r, const char *key, const char *def)
{
    const char *v = vmx_dict_get(r->d, key);
    return v ? v : def;
}

static int copy_str(struct reader *r, const char *key, const char *value, char *dst, size_t cap)
{
    if (strlen(value) >= cap)
        return fail(r, key, "longer than %zu characters", cap - 1);
    memcpy(dst, value, strlen(value) + 1);
    return 0;
}

/* A file name from the .vmx, absolute: relative names are the .vmx's directory's. */
static int get_path(struct reader *r, const char *key, bool required, char *dst)
{
    const char *v = vmx_dict_get(r->d, key);
    if (!v || !*v) {
        dst[0] = '\0';
        return required ? fail(r, key, v ? "empty file name" : "missing") : 0;
    }
    size_t dl = strlen(r->dir);
    int n = v[0] == '/' || !dl ? snprintf(dst, VM_CONFIG_PATH_MAX, "%s", v)
                               : snprintf(dst, VM_CONFIG_PATH_MAX, "%s%s%s", r->dir,
                                          r->dir[dl - 1] == '/' ? "" : "/", v);
    return n < VM_CONFIG_PATH_MAX ? 0 : fail(r, key, "the path is too long");
}

static int read_basics(struct reader *r, const char *vmx_path, struct vm_config *c)
{
    const char *base = strrchr(vmx_path, '/');
    base = base ? base + 1 : vmx_path;
    char def_name[sizeof c->display_name];
    snprintf(def_name, sizeof def_name, "%s", base);
    size_t n = strlen(def_name);
    if (n > 4 && strcasecmp(def_name + n - 4, ".vmx") == 0)
        def_name[n - 4] = '\0';
    if (copy_str(r, "displayName", get_str(r, "displayName", def_name), c->display_name,
                 sizeof c->display_name) < 0 ||
        copy_str(r, "guestOS", get_str(r, "guestOS", "other"), c->guest_os, sizeof c->guest_os) < 0)
        return -1;

    long long v;
    if (vmx_dict_get_int(r->d, "memsize", VM_CONFIG_MIN_MEM_MB, VM_CONFIG_MAX_MEM_MB, 32, &v) < 0 || v % 4)
        return fail(r, "memsize", "must be a multiple of 4 MB from %d to %d", VM_CONFIG_MIN_MEM_MB,
                    VM_CONFIG_MAX_MEM_MB);
    c->memsize_mb = (unsigned)v;
    if (vmx_dict_get_int(r->d, "numvcpus", 1, VM_CONFIG_MAX_VCPUS, 1, &v) < 0)
        return fail(r, "numvcpus", "must be a number from 1 to %d", VM_CONFIG_MAX_VCPUS);
    c->numvcpus = (unsigned)v;

    if (get_path(r, "skerry.kernel", false, c->kernel) < 0 || get_path(r, "skerry.initrd", false, c->initrd) < 0 ||
        copy_str(r, "skerry.cmdline", get_str(r, "skerry.cmdline", ""), c->cmdline, sizeof c->cmdline) < 0)
        return -1;
    if (!c->kernel[0])
        return fail(r, "skerry.kernel", "missing: name the guest's Linux kernel (booting from a virtual disk "
                                        "is not available yet)");
    return 0;
}

/* "server" (the default) or "client". */
static int get_endpoint(struct reader *r, const char *key, bool *server)
{
    const char *v = get_str(r, key, "server");
    if (strcasecmp(v, "server") && strcasecmp(v, "client"))
        return fail(r, key, "must be \"server\" or \"client\"");
    *server = strcasecmp(v, "server") == 0;
    return 0;
}

static int read_serial(struct reader *r, unsigned i, struct vm_serial *s)
{
    char key[64], key2[64];
    snprintf(key, sizeof key, "serial%u.present", i);
    if (get_bool(r, key, false, &s->present) < 0)
        return -1;
    if (!s->present)
        return 0;
    snprintf(key, sizeof key, "serial%u.fileType", i);
    const char *type = get_str(r, key, "file");
    snprintf(key2, sizeof key2, "serial%u.fileName", i);
    if (strcasecmp(type, "file") == 0) {
        s->type = VM_SERIAL_FILE;
        return get_path(r, key2, true, s->file_name);
    }
    if (strcasecmp(type, "pipe") == 0) {
        s->type = VM_SERIAL_PIPE;
        snprintf(key, sizeof key, "serial%u.pipe.endPoint", i);
        return get_path(r, key2, true, s->file_name) < 0 ? -1 : get_endpoint(r, key, &s->server);
    }
    if (strcasecmp(type, "network") == 0) {
        s->type = VM_SERIAL_NETWORK;
        const char *uri = get_str(r, key2, "");
        if (strncasecmp(uri, "telnet://", 9) && strncasecmp(uri, "tcp://", 6))
            return fail(r, key2, "must be a telnet://[host]:port or tcp://[host]:port URI");
        if (!strchr(strstr(uri, "//") + 2, ':'))
            return fail(r, key2, "has no port");
        snprintf(key, sizeof key, "serial%u.network.endPoint", i);
        return copy_str(r, key2, uri, s->file_name, sizeof s->file_name) < 0 ? -1
                                                                              : get_endpoint(r, key, &s->server);
    }
    return fail(r, key, "must be \"file\", \"pipe\" or \"network\" (a host serial device is not available)");
}

static int read_disk(struct reader *r, unsigned bus, unsigned unit, bool adapter, struct vm_disk *disk)
{
    char key[64];
    snprintf(key, sizeof key, "scsi%u:%u.present", bus, unit);
    if (get_bool(r, key, false, &disk->present) < 0)
        return -1;
    if (!disk->present)
        return 0;
    if (!adapter)
        return fail(r, key, "the disk's adapter scsi%u is not present", bus);
    if (unit == VM_CONFIG_SCSI_ADAPTER_UNIT)
        return fail(r, key, "unit %u is the SCSI adapter's own ID", unit);
    snprintf(key, sizeof key, "scsi%u:%u.deviceType", bus, unit);
    const char *type = get_str(r, key, "scsi-hardDisk");
    if (strcasecmp(type, "scsi-hardDisk") && strcasecmp(type, "disk"))
        return fail(r, key, "only \"scsi-hardDisk\" is available");
    snprintf(key, sizeof key, "scsi%u:%u.fileName", bus, unit);
    return get_path(r, key, true, disk->file_name);
}

static int read_scsi(struct reader *r, unsigned bus, struct vm_scsi *s)
{
    char key[64];
    snprintf(key, sizeof key, "scsi%u.present", bus);
    if (get_bool(r, key, false, &s->present) < 0)
        return -1;
    if (s->present) {
        snprintf(key, sizeof key, "scsi%u.virtualDev", bus);
        const char *dev = vmx_dict_get(r->d, key);
        if (!dev || strcasecmp(dev, "pvscsi"))
            return fail(r, key, "only \"pvscsi\" (VMware Paravirtual SCSI) is emulated");
        s->virtual_dev = VM_SCSI_PVSCSI;
    }
    for (unsigned u = 0; u < VM_CONFIG_SCSI_UNITS; u++)
        if (read_disk(r, bus, u, s->present, &s->unit[u]) < 0)
            return -1;
    return 0;
}

bool vm_config_parse_mac(const char *text, uint8_t mac[6])
{
    unsigned b[6];
    char end;
    if (strlen(text) != 17 ||
        sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &end) != 6)
        return false;
    for (unsigned i = 0; i < 6; i++) {
        if (text[3 * i + 2] != (i < 5 ? ':' : '\0'))
            return false;
        mac[i] = (uint8_t)b[i];
    }
    return true;
}

static int read_mac(struct reader *r, const char *key, bool is_static, struct vm_ethernet *e)
{
    const char *v = vmx_dict_get(r->d, key);
    if (!v) {
        if (is_static)
            return fail(r, key, "missing: addressType \"static\" needs an address");
        return 0;                       /* vmx generates one and writes it back */
    }
    if (!vm_config_parse_mac(v, e->mac))
        return fail(r, key, "not a MAC address of the form 00:50:56:xx:xx:xx");
    if (e->mac[0] & 1)
        return fail(r, key, "a multicast address cannot be a NIC's");
    /* VMware's range for manually assigned addresses. */
    if (is_static && (e->mac[0] != 0x00 || e->mac[1] != 0x50 || e->mac[2] != 0x56 || e->mac[3] > 0x3F))
        return fail(r, key, "a static address must be from 00:50:56:00:00:00 to 00:50:56:3F:FF:FF");
    e->has_mac = true;
    return 0;
}

static int read_ethernet(struct reader *r, unsigned i, struct vm_ethernet *e)
{
    char key[64];
    snprintf(key, sizeof key, "ethernet%u.present", i);
    if (get_bool(r, key, false, &e->present) < 0)
        return -1;
    if (!e->present)
        return 0;
    snprintf(key, sizeof key, "ethernet%u.virtualDev", i);
    const char *dev = vmx_dict_get(r->d, key);
    if (!dev || strcasecmp(dev, "vmxnet3"))
        return fail(r, key, "only \"vmxnet3\" is emulated");
    snprintf(key, sizeof key, "ethernet%u.networkName", i);
    if (copy_str(r, key, get_str(r, key, "VM Network"), e->network_name, sizeof e->network_name) < 0)
        return -1;
    snprintf(key, sizeof key, "ethernet%u.addressType", i);
    const char *type = get_str(r, key, "generated");
    if (strcasecmp(type, "generated") && strcasecmp(type, "static") && strcasecmp(type, "vpx"))
        return fail(r, key, "must be \"generated\", \"static\" or \"vpx\"");
    e->static_mac = strcasecmp(type, "static") == 0;
    snprintf(key, sizeof key, e->static_mac ? "ethernet%u.address" : "ethernet%u.generatedAddress", i);
    return read_mac(r, key, e->static_mac, e);
}

int vm_config_read(const struct vmx_dict *d, const char *vmx_path, struct vm_config *out, char *err, size_t errlen)
{
    struct reader r = { .d = d, .err = err, .errlen = errlen };
    memset(out, 0, sizeof *out);
    out->dict = d;
    const char *slash = strrchr(vmx_path, '/');
    if (slash) {
        size_t n = slash == vmx_path ? 1 : (size_t)(slash - vmx_path);
        if (n >= sizeof r.dir)
            return fail(&r, NULL, "%s: the path is too long", vmx_path);
        memcpy(r.dir, vmx_path, n);
        r.dir[n] = '\0';
    }
    if (read_basics(&r, vmx_path, out) < 0)
        return -1;
    for (unsigned i = 0; i < VM_CONFIG_SERIALS; i++)
        if (read_serial(&r, i, &out->serial[i]) < 0)
            return -1;
    for (unsigned i = 0; i < VM_CONFIG_SCSI; i++)
        if (read_scsi(&r, i, &out->scsi[i]) < 0)
            return -1;
    for (unsigned i = 0; i < VM_CONFIG_ETHERNET; i++)
        if (read_ethernet(&r, i, &out->ethernet[i]) < 0)
            return -1;
    return 0;
}
