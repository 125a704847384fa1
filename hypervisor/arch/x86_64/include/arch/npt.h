/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Nested page tables: guest-physical to host-physical, in the host's
 * long-mode format with U/S set everywhere (NPT walks are user accesses).
 * Table memory comes from callbacks so the builder is unit-testable.
 */
#ifndef ARCH_NPT_H
#define ARCH_NPT_H

#include <stdbool.h>
#include <stdint.h>

#define NPT_READ  (1u << 0)
#define NPT_WRITE (1u << 1)
#define NPT_EXEC  (1u << 2)
#define NPT_RWX   (NPT_READ | NPT_WRITE | NPT_EXEC)

struct npt_ops {
    /* A zeroed 4 KiB table: returns its pointer, stores its physical address. */
    uint64_t *(*alloc_table)(void *ctx, uint64_t *pa);
    uint64_t *(*table_at)(void *ctx, uint64_t pa);
    void (*free_table)(void *ctx, uint64_t *table);
};

struct npt {
    uint64_t *root;
    uint64_t root_pa;
    const struct npt_ops *ops;
    void *ctx;
};

int npt_init(struct npt *npt, const struct npt_ops *ops, void *ctx);
/*
 * Map [gpa, gpa+size) to [hpa, hpa+size).  All three must be 4 KiB
 * aligned; 2 MiB pages are used where both addresses allow.  Fails (-1)
 * without mapping anything if a table cannot be allocated (tables already
 * added stay, empty and harmless).
 */
int npt_map(struct npt *npt, uint64_t gpa, uint64_t hpa, uint64_t size, unsigned perms);
/* Translate gpa; false if unmapped. */
/* Remove the mappings of [gpa, gpa+size): -1 (and nothing removed) if a
 * page is not mapped or a large page lies only partly inside.  The caller
 * flushes the TLBs. */
int npt_unmap(struct npt *npt, uint64_t gpa, uint64_t size);
bool npt_lookup(const struct npt *npt, uint64_t gpa, uint64_t *hpa, unsigned *perms);
/* Free every table (not the mapped memory). */
void npt_destroy(struct npt *npt);

#endif
