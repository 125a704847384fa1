/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VMDK descriptor files: parse them, and write them exactly as ESX 3.5
 * does (createType="vmfs", RW <sectors> VMFS "<name>-flat.vmdk", the disk
 * database with geometry, adapter type and ddb.thinProvisioned for thin
 * disks).  Shared by vmkfstools and, later, vmware-vmx.
 */
#ifndef VMFS_VMDK_H
#define VMFS_VMDK_H

#include <stddef.h>
#include <stdint.h>

#define VMDK_MAX_EXTENTS 64
#define VMDK_MAX_DDB 64
#define VMDK_MAX_TEXT (64 * 1024)

struct vmdk_extent {
    char access[12];            /* RW, RDONLY, NOACCESS */
    uint64_t sectors;
    char type[16];              /* VMFS, FLAT, SPARSE, VMFSSPARSE, ZERO, VMFSRDM, VMFSRAW */
    char file[256];             /* empty for ZERO */
    uint64_t offset;            /* FLAT only, in sectors */
};

struct vmdk_ddb_entry {
    char key[64];
    char value[256];
};

struct vmdk_descriptor {
    int version;
    uint32_t cid, parent_cid;
    char create_type[32];
    char parent_hint[256];      /* parentFileNameHint, empty if none */
    struct vmdk_extent extents[VMDK_MAX_EXTENTS];
    unsigned n_extents;
    struct vmdk_ddb_entry ddb[VMDK_MAX_DDB];
    unsigned n_ddb;
};

/* 0, or -1 with a message naming the line and the problem in err. */
int vmdk_parse(const char *text, size_t len, struct vmdk_descriptor *out, char *err, size_t errlen);
/* The descriptor's text in ESX's layout; its length, or -1 if it does not fit. */
int vmdk_format(const struct vmdk_descriptor *d, char *buf, size_t size);
const char *vmdk_ddb_get(const struct vmdk_descriptor *d, const char *key);
/* Replace or append; a NULL value removes the key.  -1 if the table is full or too long. */
int vmdk_ddb_set(struct vmdk_descriptor *d, const char *key, const char *value);
/* A new disk of one VMFS extent, as `vmkfstools -c` makes it. */
void vmdk_new_vmfs_disk(struct vmdk_descriptor *d, const char *flat_name, uint64_t sectors, const char *adapter_type,
                        int thin, const uint8_t uuid[16], uint32_t cid);
uint64_t vmdk_capacity_sectors(const struct vmdk_descriptor *d);
int vmdk_adapter_valid(const char *name);

#endif
