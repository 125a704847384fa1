// SPDX-License-Identifier: GPL-2.0-only
/*
 * Opening and closing a volume: the LVM header, the FS descriptor, the
 * root directory and the four bitmap files, found the way vmfs-tools and
 * ESX find them; then, read-write, a heartbeat slot.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blkaddr.h"
#include "volume.h"

#define ROOT_ADDR 0x00000004u
#define COMMIT_AGE_US (5u * 1000000u)

int vol_fail(struct vmfs_volume *vol, int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(vol->error, sizeof vol->error, fmt, ap);
    va_end(ap);
    return -errnum;
}

const char *vmfs_error(const struct vmfs_volume *vol) { return vol->error; }

/* No machine id (the service console has none): ESX's way, the MAC
 * address of the first network interface in the last six bytes. */
static void host_uuid_from_mac(struct vmfs_uuid *u)
{
    static const char *nics[] = { "/sys/class/net/eth0/address", "/sys/class/net/vmnic0/address",
                                  "/sys/class/net/ens3/address" };
    for (size_t i = 0; i < sizeof nics / sizeof *nics; i++) {
        FILE *f = fopen(nics[i], "r");
        unsigned m[6];
        if (!f)
            continue;
        int n = fscanf(f, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]);
        fclose(f);
        if (n != 6)
            continue;
        uint32_t h = 2166136261u;
        for (int k = 0; k < 6; k++) {
            u->b[10 + k] = (uint8_t)m[k];
            h = (h ^ m[k]) * 16777619u;
        }
        memcpy(u->b, &h, 4);
        u->b[4] = 0x53, u->b[5] = 0x4b;     /* "SK" */
        return;
    }
}

/* This host's UUID: VMFS_HOST_UUID if set, else one made from the
 * machine id (stable across runs, like ESX's from its MAC address). */
int vmfs_default_host_uuid(struct vmfs_uuid *u)
{
    const char *env = getenv("VMFS_HOST_UUID");
    if (env && *env)
        return vmfs_uuid_parse(env, u);
    memset(u, 0, sizeof *u);
    FILE *f = fopen("/etc/machine-id", "r");
    char id[64] = "";
    if (f) {
        if (!fgets(id, sizeof id, f))
            id[0] = '\0';
        fclose(f);
    }
    for (unsigned i = 0; i < 16 && id[2 * i] && id[2 * i + 1]; i++) {
        unsigned byte;
        if (sscanf(id + 2 * i, "%2x", &byte) != 1)
            break;
        u->b[i] = (uint8_t)byte;
    }
    if (vmfs_uuid_is_null(u))
        host_uuid_from_mac(u);
    if (vmfs_uuid_is_null(u))
        u->b[15] = 1;
    return 0;
}

static int load_lvm(struct vmfs_volume *vol, const char *path)
{
    uint8_t raw[1024];
    if (vol->dev.size < VMFS_DATA_OFFSET)
        return vol_fail(vol, EINVAL, "%s: too small to hold a VMFS volume", path);
    int r = device_read(&vol->dev, VMFS_LVM_BASE, raw, sizeof raw);
    if (r < 0)
        return vol_fail(vol, -r, "%s: cannot read the volume header", path);
    vmfs_lvm_header_decode(&vol->lvm, raw);
    const char *why = vmfs_lvm_header_check(&vol->lvm);
    if (why)
        return vol_fail(vol, EINVAL, "%s: %s", path, why);
    vol->logical_size = vol->lvm.logical_size;
    if (vol->dev.size - VMFS_DATA_OFFSET < vol->logical_size)
        return vol_fail(vol, EINVAL, "%s: truncated volume: its header says %llu MiB, the device holds %llu MiB",
                        path, (unsigned long long)((vol->logical_size + VMFS_DATA_OFFSET) >> 20),
                        (unsigned long long)(vol->dev.size >> 20));
    return 0;
}

static int load_fs(struct vmfs_volume *vol, const char *path)
{
    uint8_t raw[512];
    int r = meta_read(vol, VMFS_FSDESC_ADDR, raw, sizeof raw);
    if (r < 0)
        return r;
    vmfs_fs_desc_decode(&vol->fs, raw);
    const char *why = vmfs_fs_desc_check(&vol->fs);
    if (why)
        return vol_fail(vol, EINVAL, "%s: %s", path, why);
    if (memcmp(&vol->fs.lvm_uuid, &vol->lvm.lvm_uuid, sizeof vol->fs.lvm_uuid) != 0)
        return vol_fail(vol, EINVAL, "%s: the file system does not belong to this logical volume (UUID mismatch)",
                        path);
    vol->block_size = vol->fs.block_size;
    return 0;
}

static int find_sysfile(struct vmfs_volume *vol, struct vmfs_inode *root, const char *name, uint32_t *addr)
{
    struct vmfs_dirent ent;
    int r = dir_find(vol, root, name, &ent, NULL);
    if (r == -ENOENT)
        return vol_fail(vol, EIO, "system file %s is missing from the root directory", name);
    if (r < 0)
        return r;
    *addr = ent.addr;
    return 0;
}

/* The bitmap files are found through the root directory, which is read
 * through a one-block .fdc.sf at the first block after the heartbeats. */
static int load_bitmaps(struct vmfs_volume *vol)
{
    uint64_t fdc_base = VMFS_SYSAREA_END / vol->block_size;
    if (fdc_base < 1)
        fdc_base = 1;
    struct vmfs_bitmap *fdc = &vol->fdc;
    memset(fdc, 0, sizeof *fdc);
    fdc->name = ".fdc.sf";
    fdc->magic = VMFS_FDC_MAGIC;
    fdc->blocks[0] = blk_fb((uint32_t)fdc_base);
    fdc->nblocks = 1;
    uint8_t raw[28];
    int r = meta_read(vol, fdc_base * vol->block_size, raw, sizeof raw);
    if (r < 0)
        return r;
    vmfs_bitmap_header_decode(&fdc->hdr, raw);
    const char *why = vmfs_bitmap_header_check(&fdc->hdr, VMFS_FD_MAX_ITEM, VMFS_FD_MAX_ENTRY);
    if (why)
        return vol_fail(vol, EIO, ".fdc.sf: %s", why);
    fdc->entries = (fdc->hdr.total_items + fdc->hdr.items_per_entry - 1) / fdc->hdr.items_per_entry;
    /* So that fb_laddr() works before .fbb.sf is known. */
    vol->fbb.hdr.total_items = (uint32_t)(vol->logical_size / vol->block_size);

    struct vmfs_inode root;
    if ((r = inode_read(vol, ROOT_ADDR, &root)) < 0)
        return r;
    if (root.type != VMFS_TYPE_DIR || root.zla != VMFS_ZLA_DIRECT)
        return vol_fail(vol, EIO, "the root directory is not a directory of file blocks");
    uint32_t fbb = 0, fdca = 0, pbc = 0, sbc = 0;
    if ((r = find_sysfile(vol, &root, ".fdc.sf", &fdca)) < 0 || (r = find_sysfile(vol, &root, ".fbb.sf", &fbb)) < 0 ||
        (r = find_sysfile(vol, &root, ".pbc.sf", &pbc)) < 0 || (r = find_sysfile(vol, &root, ".sbc.sf", &sbc)) < 0)
        return r;
    if ((r = bitmap_load(vol, &vol->fdc, fdca, VMFS_FDC_MAGIC, ".fdc.sf", VMFS_FD_MAX_ITEM, VMFS_FD_MAX_ENTRY)) < 0 ||
        (r = bitmap_load(vol, &vol->fbb, fbb, VMFS_FBB_MAGIC, ".fbb.sf", VMFS_BMP_BITS_MAX, VMFS_FB_MAX)) < 0 ||
        (r = bitmap_load(vol, &vol->pbc, pbc, VMFS_PBC_MAGIC, ".pbc.sf", VMFS_PB_MAX_ITEM, VMFS_PB_MAX_ENTRY)) < 0 ||
        (r = bitmap_load(vol, &vol->sbc, sbc, VMFS_SBC_MAGIC, ".sbc.sf", VMFS_SB_MAX_ITEM, VMFS_SB_MAX_ENTRY)) < 0)
        return r;
    if (vol->fbb.hdr.total_items > vol->logical_size / vol->block_size)
        return vol_fail(vol, EIO, ".fbb.sf counts more blocks than the volume has");
    if (vol->pbc.hdr.data_size != VMFS_PTRBLOCK_SIZE || vol->sbc.hdr.data_size != VMFS_SUBBLOCK_SIZE ||
        vol->fdc.hdr.data_size != VMFS_INODE_SIZE || vol->fbb.hdr.data_size != 0)
        return vol_fail(vol, EIO, "a bitmap file has an unexpected item size");
    return 0;
}

static void free_volume(struct vmfs_volume *vol)
{
    free(vol->tx.buckets);
    addrset_free(&vol->tx.locks);
    free(vol->tx.undo);
    free(vol->held);
    dircache_free(vol);
    free(vol);
}

int vmfs_open(const char *device, const struct vmfs_open_options *opt, struct vmfs_volume **out, char *err,
              size_t errlen)
{
    *out = NULL;
    struct vmfs_volume *vol = calloc(1, sizeof *vol);
    if (!vol) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    bool rw = opt && opt->read_write;
    int r = device_open(&vol->dev, device, rw, err, errlen);
    if (r < 0) {
        free(vol);
        return r;
    }
    vol->no_journal = opt && opt->no_journal;
    if (opt && opt->host_uuid) {
        if (vmfs_uuid_parse(opt->host_uuid, &vol->host) < 0)
            r = vol_fail(vol, EINVAL, "bad host UUID \"%s\"", opt->host_uuid);
    } else if (vmfs_default_host_uuid(&vol->host) < 0) {
        r = vol_fail(vol, EINVAL, "bad host UUID in VMFS_HOST_UUID");
    }
    if (r == 0 && (r = load_lvm(vol, device)) == 0 && (r = load_fs(vol, device)) == 0 &&
        (r = load_bitmaps(vol)) == 0)
        r = rw ? heartbeat_claim(vol) : heartbeat_view(vol);
    if (r < 0) {
        snprintf(err, errlen, "%s", vol->error);
        meta_discard(vol);
        device_close(&vol->dev);
        free_volume(vol);
        return r;
    }
    *out = vol;
    return 0;
}

int vmfs_sync(struct vmfs_volume *vol)
{
    int r = meta_commit(vol);
    if (r == 0 && vol->dev.read_write)
        r = device_sync(&vol->dev) < 0 ? vol_fail(vol, EIO, "cannot flush the device") : 0;
    return r;
}

int vmfs_tick(struct vmfs_volume *vol)
{
    int r = 0;
    uint64_t now = vmfs_now_us();
    if (meta_pending(vol) &&
        (now - vol->tx.started_us > COMMIT_AGE_US || vol->tx.nsectors > journal_capacity(vol) / 4))
        r = meta_commit(vol);
    if (vol->hb_addr && now - vol->hb_refreshed_us > vol->hb_timeout_us / 4) {
        int h = heartbeat_refresh(vol);
        if (r == 0)
            r = h;
    }
    return r;
}

int vmfs_close(struct vmfs_volume *vol)
{
    if (!vol)
        return 0;
    int r = vol->dev.read_write ? meta_commit(vol) : 0;
    if (r < 0)
        meta_discard(vol);
    for (size_t i = 0; i < vol->nheld; i++)     /* files still open */
        unlock_object(vol, vol->held[i].laddr);
    vol->nheld = 0;
    int h = heartbeat_release(vol);
    if (r == 0)
        r = h;
    device_close(&vol->dev);
    free_volume(vol);
    return r;
}

void vmfs_host_uuid(const struct vmfs_volume *vol, char out[36]) { vmfs_uuid_format(&vol->host, out); }

int vmfs_info(struct vmfs_volume *vol, struct vmfs_info *info)
{
    memset(info, 0, sizeof *info);
    snprintf(info->label, sizeof info->label, "%s", vol->fs.label);
    vmfs_uuid_format(&vol->fs.uuid, info->fs_uuid);
    vmfs_uuid_format(&vol->lvm.lvm_uuid, info->lvm_uuid);
    info->version_major = vol->lvm.major;
    info->version_minor = vol->fs.version;
    info->mode = vol->fs.mode;
    info->block_size = vol->block_size;
    info->capacity = (uint64_t)vol->fbb.hdr.total_items * vol->block_size;
    info->total_blocks = vol->fbb.hdr.total_items;
    info->total_inodes = vol->fdc.hdr.total_items;
    info->partitions = vol->lvm.num_extents;
    uint64_t free_blocks, free_inodes;
    int r = bitmap_count_free(vol, &vol->fbb, &free_blocks);
    if (r == 0)
        r = bitmap_count_free(vol, &vol->fdc, &free_inodes);
    if (r < 0)
        return r;
    info->free_blocks = (uint32_t)free_blocks;
    info->free_inodes = (uint32_t)free_inodes;
    info->free_bytes = free_blocks * vol->block_size;
    return 0;
}
