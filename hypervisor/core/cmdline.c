/* SPDX-License-Identifier: GPL-2.0-only */
#include <string.h>
#include <skerry/cmdline.h>

/* Find the word "key" or "key=..." and return a pointer past the key. */
static const char *find_key(const char *cmdline, const char *key)
{
    size_t klen = strlen(key);
    for (const char *p = cmdline; *p;) {
        while (*p == ' ')
            p++;
        if (strncmp(p, key, klen) == 0 && (p[klen] == '=' || p[klen] == ' ' || p[klen] == '\0'))
            return p + klen;
        while (*p && *p != ' ')
            p++;
    }
    return NULL;
}

bool cmdline_get(const char *cmdline, const char *key, char *out, size_t cap)
{
    const char *p = find_key(cmdline, key);
    if (!p || *p != '=' || cap == 0)
        return false;
    p++;
    size_t n = 0;
    while (p[n] && p[n] != ' ' && n + 1 < cap) {
        out[n] = p[n];
        n++;
    }
    out[n] = '\0';
    return true;
}

bool cmdline_has_flag(const char *cmdline, const char *flag)
{
    const char *p = find_key(cmdline, flag);
    return p && *p != '=';
}

bool cmdline_parse_size(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    const char *start = s;
    for (;; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            break;
        if (v > (UINT64_MAX - d) / (uint64_t)base)
            return false;
        v = v * (uint64_t)base + d;
    }
    if (s == start)
        return false;
    unsigned shift = 0;
    switch (*s) {
    case 'K': case 'k': shift = 10; s++; break;
    case 'M': case 'm': shift = 20; s++; break;
    case 'G': case 'g': shift = 30; s++; break;
    default: break;
    }
    if (*s != '\0' || (shift && v > (UINT64_MAX >> shift)))
        return false;
    *out = v << shift;
    return true;
}

uint64_t cmdline_get_u64(const char *cmdline, const char *key, uint64_t fallback)
{
    char buf[32];
    uint64_t v;
    if (cmdline_get(cmdline, key, buf, sizeof buf) && cmdline_parse_size(buf, &v))
        return v;
    return fallback;
}
