/* SPDX-License-Identifier: GPL-2.0-only */
#include <string.h>
#include <skerry/cmdline.h>

static size_t word_length(const char *p)
{
    size_t n = 0;
    while (p[n] && p[n] != ' ')
        n++;
    return n;
}

/*
 * The first word that is "key=value" (want_value) or exactly "key" (not
 * want_value); returns a pointer just past the key, or NULL.
 */
static const char *find_key(const char *cmdline, const char *key, bool want_value)
{
    size_t klen = strlen(key);
    for (const char *p = cmdline; *p;) {
        while (*p == ' ')
            p++;
        size_t wlen = word_length(p);
        if (wlen >= klen && strncmp(p, key, klen) == 0) {
            if (want_value && p[klen] == '=')
                return p + klen;
            if (!want_value && wlen == klen)
                return p + klen;
        }
        p += wlen;
    }
    return NULL;
}

bool cmdline_get(const char *cmdline, const char *key, char *out, size_t cap)
{
    const char *p = find_key(cmdline, key, true);
    if (!p || cap == 0)
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
    return find_key(cmdline, flag, false) != NULL;
}

/* Parse s[0..len): decimal or 0x-hex, optional K/M/G suffix, nothing else. */
static bool parse_size(const char *s, size_t len, uint64_t *out)
{
    const char *end = s + len;
    uint64_t v = 0;
    unsigned base = 10;
    if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    const char *start = s;
    for (; s < end; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            break;
        if (v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
    }
    if (s == start)
        return false;
    unsigned shift = 0;
    if (s < end) {
        switch (*s) {
        case 'K': case 'k': shift = 10; break;
        case 'M': case 'm': shift = 20; break;
        case 'G': case 'g': shift = 30; break;
        default: return false;
        }
        s++;
    }
    if (s != end || (shift && v > (UINT64_MAX >> shift)))
        return false;
    *out = v << shift;
    return true;
}

bool cmdline_parse_size(const char *s, uint64_t *out)
{
    return parse_size(s, strlen(s), out);
}

uint64_t cmdline_get_u64(const char *cmdline, const char *key, uint64_t fallback)
{
    const char *p = find_key(cmdline, key, true);
    uint64_t v;
    if (p && parse_size(p + 1, word_length(p + 1), &v))
        return v;
    return fallback;
}
