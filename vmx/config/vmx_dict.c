/* SPDX-License-Identifier: GPL-2.0-only */
/* The .vmx dictionary: parse, look up, change and write back (vmx_dict.h). */
#include "vmx_dict.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

enum eol { EOL_NONE, EOL_LF, EOL_CRLF };

struct vmx_line {
    char *raw;          /* the line as read or rewritten, without its end */
    size_t len;
    enum eol eol;
    char *name;         /* NULL for a blank or comment line */
    char *value;        /* decoded */
    size_t val_off;     /* the value as written in raw, quotes included */
    size_t val_len;
};

struct vmx_dict {
    bool bom;           /* the file began with a UTF-8 byte order mark */
    enum eol new_eol;   /* how appended lines end: as the file's first line */
    struct vmx_line *lines;
    size_t n, cap;
    size_t entries;
};

static const char bom_bytes[3] = { '\xEF', '\xBB', '\xBF' };

static void say(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (!errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Name bytes: printable ASCII but the few that end or quote a token. */
static bool is_name_char(unsigned char c)
{
    return c > 0x20 && c < 0x7F && c != '=' && c != '"' && c != '#' && c != '|';
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool must_escape(unsigned char c)
{
    return c == '"' || c == '|' || c == 0x7F || (c < 0x20 && c != '\t');
}

long vmx_dict_encode(const char *value, char *buf, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;

    for (const unsigned char *p = (const unsigned char *)value; *p; p++)
        n += must_escape(*p) ? 3 : 1;
    if (n >= cap)
        return -E2BIG;
    n = 0;
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        if (must_escape(*p)) {
            buf[n++] = '|';
            buf[n++] = hex[*p >> 4];
            buf[n++] = hex[*p & 15];
        } else {
            buf[n++] = (char)*p;
        }
    }
    buf[n] = '\0';
    return (long)n;
}

/* Decode |XX escapes of s[0..len) into a new string.  A '|' without two hex
 * digits after it stands for itself; |00 is refused (values are C strings). */
static char *decode(const char *s, size_t len, char *why, size_t whylen)
{
    char *out = malloc(len + 1);
    size_t n = 0;

    if (!out) {
        say(why, whylen, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < len; i++) {
        int hi, lo;

        if (s[i] == '|' && i + 2 < len && (hi = hex_digit(s[i + 1])) >= 0 &&
            (lo = hex_digit(s[i + 2])) >= 0) {
            if (!hi && !lo) {
                free(out);
                say(why, whylen, "escape |00 (NUL) in value");
                return NULL;
            }
            out[n++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            out[n++] = s[i];
        }
    }
    out[n] = '\0';
    return out;
}

static void line_clear(struct vmx_line *ln)
{
    free(ln->raw);
    free(ln->name);
    free(ln->value);
    *ln = (struct vmx_line){0};
}

/* Parse one line (without its end) into ln, which owns copies afterwards.
 * On failure -1 and why says what was expected. */
static int parse_line(const char *s, size_t len, struct vmx_line *ln, char *why, size_t whylen)
{
    size_t i = 0, name_start, name_end, val_start, val_end;
    const char *vs;
    size_t vlen;

    *ln = (struct vmx_line){0};
    if (memchr(s, '\0', len)) {
        say(why, whylen, "NUL byte in line");
        return -1;
    }
    while (i < len && is_blank(s[i]))
        i++;
    if (i < len && s[i] != '#') {
        name_start = i;
        while (i < len && !is_blank(s[i]) && s[i] != '=') {
            if (!is_name_char((unsigned char)s[i])) {
                say(why, whylen, "invalid character 0x%02X in name", (unsigned char)s[i]);
                return -1;
            }
            i++;
        }
        name_end = i;
        if (name_end == name_start) {
            say(why, whylen, "expected a name before '='");
            return -1;
        }
        while (i < len && is_blank(s[i]))
            i++;
        if (i == len || s[i] != '=') {
            say(why, whylen, "expected '=' after name");
            return -1;
        }
        i++;
        while (i < len && is_blank(s[i]))
            i++;
        val_start = i;
        if (i < len && s[i] == '"') {
            const char *close = memchr(s + i + 1, '"', len - i - 1);

            if (!close) {
                say(why, whylen, "unterminated quoted value");
                return -1;
            }
            vs = s + i + 1;
            vlen = (size_t)(close - vs);
            i = (size_t)(close - s) + 1;
        } else {
            while (i < len && !is_blank(s[i]) && s[i] != '#') {
                if (s[i] == '"') {
                    say(why, whylen, "'\"' inside an unquoted value");
                    return -1;
                }
                i++;
            }
            if (i == val_start) {
                say(why, whylen, "expected a value after '='");
                return -1;
            }
            vs = s + val_start;
            vlen = i - val_start;
        }
        val_end = i;
        while (i < len && is_blank(s[i]))
            i++;
        if (i < len && s[i] != '#') {
            say(why, whylen, "unexpected text after value");
            return -1;
        }
        ln->value = decode(vs, vlen, why, whylen);
        if (!ln->value)
            return -1;
        ln->name = strndup(s + name_start, name_end - name_start);
        ln->val_off = val_start;
        ln->val_len = val_end - val_start;
    }
    ln->raw = malloc(len + 1);
    if (!ln->raw || (ln->value && !ln->name)) {
        line_clear(ln);
        say(why, whylen, "out of memory");
        return -1;
    }
    memcpy(ln->raw, s, len);
    ln->raw[len] = '\0';
    ln->len = len;
    return 0;
}

struct vmx_dict *vmx_dict_new(void)
{
    struct vmx_dict *d = calloc(1, sizeof *d);

    if (d)
        d->new_eol = EOL_LF;
    return d;
}

void vmx_dict_free(struct vmx_dict *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++)
        line_clear(&d->lines[i]);
    free(d->lines);
    free(d);
}

/* Room for one more line. */
static int grow(struct vmx_dict *d)
{
    struct vmx_line *l;
    size_t cap;

    if (d->n < d->cap)
        return 0;
    cap = d->cap ? d->cap * 2 : 32;
    l = realloc(d->lines, cap * sizeof *l);
    if (!l)
        return -ENOMEM;
    d->lines = l;
    d->cap = cap;
    return 0;
}

int vmx_dict_parse(const char *text, size_t len, struct vmx_dict **out, char *err, size_t errlen)
{
    struct vmx_dict *d;
    size_t pos = 0, lineno = 0;
    char why[128];

    if (len > VMX_DICT_MAX_SIZE) {
        say(err, errlen, "file larger than %u bytes", VMX_DICT_MAX_SIZE);
        return -1;
    }
    d = vmx_dict_new();
    if (!d) {
        say(err, errlen, "out of memory");
        return -1;
    }
    if (len >= 3 && !memcmp(text, bom_bytes, 3)) {
        d->bom = true;
        pos = 3;
    }
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t body = end - pos;
        struct vmx_line *ln;

        lineno++;
        if (lineno > VMX_DICT_MAX_LINES) {
            say(err, errlen, "line %zu: more than %u lines", lineno, VMX_DICT_MAX_LINES);
            goto fail;
        }
        if (grow(d) < 0) {
            say(err, errlen, "line %zu: out of memory", lineno);
            goto fail;
        }
        ln = &d->lines[d->n];
        if (nl && body && text[end - 1] == '\r')
            body--;
        if (body > VMX_DICT_MAX_LINE) {
            say(err, errlen, "line %zu: longer than %u bytes", lineno, VMX_DICT_MAX_LINE);
            goto fail;
        }
        if (parse_line(text + pos, body, ln, why, sizeof why) < 0) {
            say(err, errlen, "line %zu: %s", lineno, why);
            goto fail;
        }
        ln->eol = !nl ? EOL_NONE : body < end - pos ? EOL_CRLF : EOL_LF;
        d->n++;
        if (ln->name && ++d->entries > VMX_DICT_MAX_ENTRIES) {
            say(err, errlen, "line %zu: more than %u entries", lineno, VMX_DICT_MAX_ENTRIES);
            goto fail;
        }
        if (d->n == 1 && ln->eol != EOL_NONE)
            d->new_eol = ln->eol;
        pos = nl ? end + 1 : len;
    }
    *out = d;
    return 0;
fail:
    vmx_dict_free(d);
    return -1;
}

int vmx_dict_load(const char *path, struct vmx_dict **out, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t n;
    char why[192];
    int rc;

    if (!f) {
        say(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    buf = malloc(VMX_DICT_MAX_SIZE + 1);
    if (!buf) {
        fclose(f);
        say(err, errlen, "%s: out of memory", path);
        return -1;
    }
    n = fread(buf, 1, VMX_DICT_MAX_SIZE + 1, f);
    if (ferror(f)) {
        say(err, errlen, "%s: read error", path);
        rc = -1;
    } else {
        rc = vmx_dict_parse(buf, n, out, why, sizeof why);
        if (rc < 0)
            say(err, errlen, "%s: %s", path, why);
    }
    free(buf);
    fclose(f);
    return rc;
}

/* The line index of the last line setting name, or -1. */
static long find(const struct vmx_dict *d, const char *name)
{
    for (size_t i = d->n; i-- > 0;)
        if (d->lines[i].name && !strcasecmp(d->lines[i].name, name))
            return (long)i;
    return -1;
}

const char *vmx_dict_get(const struct vmx_dict *d, const char *name)
{
    long i = find(d, name);

    return i < 0 ? NULL : d->lines[i].value;
}

static bool valid_name(const char *name)
{
    if (!*name)
        return false;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (!is_name_char(*p))
            return false;
    return true;
}

/* Replace the value token of ln with "enc" (enc_len bytes). */
static int rewrite_value(struct vmx_line *ln, const char *enc, size_t enc_len, const char *value)
{
    size_t tail = ln->len - ln->val_off - ln->val_len;
    size_t len = ln->val_off + enc_len + 2 + tail;
    char *raw, *v;

    if (len > VMX_DICT_MAX_LINE)
        return -E2BIG;
    raw = malloc(len + 1);
    v = strdup(value);
    if (!raw || !v) {
        free(raw);
        free(v);
        return -ENOMEM;
    }
    memcpy(raw, ln->raw, ln->val_off);
    raw[ln->val_off] = '"';
    memcpy(raw + ln->val_off + 1, enc, enc_len);
    raw[ln->val_off + 1 + enc_len] = '"';
    memcpy(raw + ln->val_off + enc_len + 2, ln->raw + ln->val_off + ln->val_len, tail);
    raw[len] = '\0';
    free(ln->raw);
    free(ln->value);
    ln->raw = raw;
    ln->len = len;
    ln->value = v;
    ln->val_len = enc_len + 2;
    return 0;
}

/* Append `name = "enc"` as a new last line. */
static int append(struct vmx_dict *d, const char *name, const char *enc, size_t enc_len,
                  const char *value)
{
    size_t name_len = strlen(name);
    struct vmx_line ln = {0};
    size_t len = name_len + 3 + enc_len + 2;

    if (len > VMX_DICT_MAX_LINE)
        return -E2BIG;
    if (d->entries >= VMX_DICT_MAX_ENTRIES || d->n >= VMX_DICT_MAX_LINES)
        return -E2BIG;
    if (grow(d) < 0)
        return -ENOMEM;
    ln.raw = malloc(len + 1);
    ln.name = strdup(name);
    ln.value = strdup(value);
    if (!ln.raw || !ln.name || !ln.value) {
        line_clear(&ln);
        return -ENOMEM;
    }
    snprintf(ln.raw, len + 1, "%s = \"%.*s\"", name, (int)enc_len, enc);
    ln.len = len;
    ln.val_off = name_len + 3;
    ln.val_len = enc_len + 2;
    ln.eol = d->new_eol;
    /* The old last line gets an end so the new one starts a line. */
    if (d->n && d->lines[d->n - 1].eol == EOL_NONE)
        d->lines[d->n - 1].eol = d->new_eol;
    d->lines[d->n++] = ln;
    d->entries++;
    return 0;
}

int vmx_dict_set(struct vmx_dict *d, const char *name, const char *value)
{
    char *enc;
    long i, enc_len;
    int rc;

    if (!valid_name(name))
        return -EINVAL;
    i = find(d, name);
    if (i >= 0 && !strcmp(d->lines[i].value, value))
        return 0;   /* keep the line as written */
    enc = malloc(VMX_DICT_MAX_LINE + 1);
    if (!enc)
        return -ENOMEM;
    enc_len = vmx_dict_encode(value, enc, VMX_DICT_MAX_LINE + 1);
    if (enc_len < 0)
        rc = -E2BIG;
    else if (i < 0)
        rc = append(d, name, enc, (size_t)enc_len, value);
    else
        rc = rewrite_value(&d->lines[i], enc, (size_t)enc_len, value);
    free(enc);
    return rc;
}

bool vmx_dict_remove(struct vmx_dict *d, const char *name)
{
    size_t kept = 0;
    bool removed = false;

    for (size_t i = 0; i < d->n; i++) {
        struct vmx_line *ln = &d->lines[i];

        if (ln->name && !strcasecmp(ln->name, name)) {
            line_clear(ln);
            d->entries--;
            removed = true;
        } else {
            d->lines[kept++] = *ln;
        }
    }
    d->n = kept;
    return removed;
}

int vmx_dict_get_bool(const struct vmx_dict *d, const char *name, bool def, bool *out)
{
    const char *v = vmx_dict_get(d, name);

    if (!v) {
        *out = def;
        return 0;
    }
    if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcmp(v, "1")) {
        *out = true;
        return 0;
    }
    if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcmp(v, "0")) {
        *out = false;
        return 0;
    }
    return -EINVAL;
}

int vmx_dict_get_int(const struct vmx_dict *d, const char *name, long long min, long long max,
                     long long def, long long *out)
{
    const char *v = vmx_dict_get(d, name);
    const char *p;
    bool neg = false;
    unsigned long long mag = 0;
    unsigned base = 10;
    int digits = 0;

    if (!v) {
        *out = def;
        return 0;
    }
    p = v;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    for (; *p; p++, digits++) {
        int dig = hex_digit(*p);

        if (dig < 0 || (unsigned)dig >= base)
            return -EINVAL;
        if (mag > (UINT64_MAX - (unsigned)dig) / base)
            return -ERANGE;
        mag = mag * base + (unsigned)dig;
    }
    if (!digits)
        return -EINVAL;
    if (neg ? mag > (unsigned long long)INT64_MAX + 1 : mag > (unsigned long long)INT64_MAX)
        return -ERANGE;
    {
        long long val = neg ? (long long)(0 - mag) : (long long)mag;

        if (val < min || val > max)
            return -ERANGE;
        *out = val;
    }
    return 0;
}

int vmx_dict_set_bool(struct vmx_dict *d, const char *name, bool value)
{
    return vmx_dict_set(d, name, value ? "TRUE" : "FALSE");
}

int vmx_dict_set_int(struct vmx_dict *d, const char *name, long long value)
{
    char buf[24];

    snprintf(buf, sizeof buf, "%lld", value);
    return vmx_dict_set(d, name, buf);
}

size_t vmx_dict_count(const struct vmx_dict *d)
{
    return d->entries;
}

bool vmx_dict_entry(const struct vmx_dict *d, size_t i, const char **name, const char **value)
{
    for (size_t l = 0; l < d->n; l++) {
        if (!d->lines[l].name)
            continue;
        if (i-- == 0) {
            *name = d->lines[l].name;
            *value = d->lines[l].value;
            return true;
        }
    }
    return false;
}

static size_t eol_len(enum eol e)
{
    return e == EOL_CRLF ? 2 : e == EOL_LF ? 1 : 0;
}

size_t vmx_dict_text_size(const struct vmx_dict *d)
{
    size_t n = d->bom ? 3 : 0;

    for (size_t i = 0; i < d->n; i++)
        n += d->lines[i].len + eol_len(d->lines[i].eol);
    return n;
}

long vmx_dict_write(const struct vmx_dict *d, char *buf, size_t cap)
{
    size_t n = 0;

    if (vmx_dict_text_size(d) > cap)
        return -E2BIG;
    if (d->bom) {
        memcpy(buf, bom_bytes, 3);
        n = 3;
    }
    for (size_t i = 0; i < d->n; i++) {
        const struct vmx_line *ln = &d->lines[i];

        memcpy(buf + n, ln->raw, ln->len);
        n += ln->len;
        if (ln->eol == EOL_CRLF)
            buf[n++] = '\r';
        if (ln->eol != EOL_NONE)
            buf[n++] = '\n';
    }
    return (long)n;
}

static int write_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t w = write(fd, buf, len);

        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += w;
        len -= (size_t)w;
    }
    return 0;
}

int vmx_dict_save(const struct vmx_dict *d, const char *path, char *err, size_t errlen)
{
    size_t size = vmx_dict_text_size(d);
    size_t tmp_len = strlen(path) + 32;
    char *buf = malloc(size ? size : 1);
    char *tmp = malloc(tmp_len);
    mode_t mode = 0644;
    struct stat st;
    int fd = -1, rc = -1;

    if (!buf || !tmp) {
        say(err, errlen, "%s: out of memory", path);
        goto out;
    }
    vmx_dict_write(d, buf, size);
    if (!stat(path, &st))
        mode = st.st_mode & 07777;
    snprintf(tmp, tmp_len, "%s.tmp.%ld", path, (long)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0) {
        say(err, errlen, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    /* open() applies the umask; the kept mode should not lose bits to it. */
    if (fchmod(fd, mode) < 0 || write_all(fd, buf, size) < 0 || fsync(fd) < 0) {
        say(err, errlen, "%s: %s", tmp, strerror(errno));
        goto out_unlink;
    }
    if (close(fd) < 0) {
        fd = -1;
        say(err, errlen, "%s: %s", tmp, strerror(errno));
        goto out_unlink;
    }
    fd = -1;
    if (rename(tmp, path) < 0) {
        say(err, errlen, "%s: %s", path, strerror(errno));
        goto out_unlink;
    }
    rc = 0;
    goto out;
out_unlink:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
out:
    free(buf);
    free(tmp);
    return rc;
}
