/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VMware configuration dictionary (.vmx, esx.conf): `name = "value"`
 * lines, case-insensitive names, `#` comments, `|XX` hex escapes in values.
 *
 * A dictionary keeps every line of the file as it was read, so writing an
 * unchanged dictionary reproduces the file byte for byte; set() rewrites
 * only the value of the line it changes, new names go at the end, remove()
 * drops whole lines.  vmx/README.md describes the grammar.
 */
#ifndef SKERRY_VMX_DICT_H
#define SKERRY_VMX_DICT_H

#include <stdbool.h>
#include <stddef.h>

#define VMX_DICT_MAX_LINE    4096       /* bytes in one line, without its end */
#define VMX_DICT_MAX_ENTRIES 4096       /* name = value lines */
#define VMX_DICT_MAX_LINES   16384      /* all lines, comments included */
#define VMX_DICT_MAX_SIZE    (1u << 20) /* bytes in the whole file */

struct vmx_dict;

/* An empty dictionary (NULL when out of memory). */
struct vmx_dict *vmx_dict_new(void);
void vmx_dict_free(struct vmx_dict *d);

/*
 * Parse len bytes of text.  On success *out is a new dictionary and 0 is
 * returned; on failure -1, *out is left alone and err holds a message such
 * as "line 7: expected '=' after name".
 */
int vmx_dict_parse(const char *text, size_t len, struct vmx_dict **out, char *err, size_t errlen);

/* Read and parse a file; errors are prefixed with the path. */
int vmx_dict_load(const char *path, struct vmx_dict **out, char *err, size_t errlen);

/* The decoded value of name (any case), or NULL.  A name given twice is
 * the later line's value, as VMware reads it. */
const char *vmx_dict_get(const struct vmx_dict *d, const char *name);

/*
 * Set name to value: an existing line keeps its name, spacing and comment
 * and gets the new value (quoted, escaped); a new name is appended as
 * `name = "value"`.  0, or -EINVAL for a name that could not be parsed
 * back, -E2BIG when a limit would be passed, -ENOMEM.
 */
int vmx_dict_set(struct vmx_dict *d, const char *name, const char *value);

/* Remove every line setting name; false when there was none. */
bool vmx_dict_remove(struct vmx_dict *d, const char *name);

/*
 * Typed getters: 0 with *out set (to def when name is absent), or -EINVAL
 * when the value is not of the type, -ERANGE when outside [min, max].
 * Booleans: TRUE/FALSE, YES/NO in any case, 1/0.  Integers: decimal with
 * an optional sign, or 0x hex.
 */
int vmx_dict_get_bool(const struct vmx_dict *d, const char *name, bool def, bool *out);
int vmx_dict_get_int(const struct vmx_dict *d, const char *name, long long min, long long max,
                     long long def, long long *out);
int vmx_dict_set_bool(struct vmx_dict *d, const char *name, bool value);  /* "TRUE"/"FALSE" */
int vmx_dict_set_int(struct vmx_dict *d, const char *name, long long value);

/* The name = value lines in file order (duplicates included). */
size_t vmx_dict_count(const struct vmx_dict *d);
bool vmx_dict_entry(const struct vmx_dict *d, size_t i, const char **name, const char **value);

/* The size of the written text in bytes. */
size_t vmx_dict_text_size(const struct vmx_dict *d);

/* Write the text into buf: its length, or -E2BIG (nothing written) when
 * cap is smaller than vmx_dict_text_size(). */
long vmx_dict_write(const struct vmx_dict *d, char *buf, size_t cap);

/*
 * Write the text to path atomically: a temporary file beside it, fsync,
 * rename over path.  An existing file's permission bits are kept.
 */
int vmx_dict_save(const struct vmx_dict *d, const char *path, char *err, size_t errlen);

/* The |XX form of value as a writer emits it: `"`, `|`, 0x7F and control
 * characters but tab escaped.  The length, or -E2BIG when cap is short. */
long vmx_dict_encode(const char *value, char *buf, size_t cap);

#endif
