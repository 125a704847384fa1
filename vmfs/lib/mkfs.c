// SPDX-License-Identifier: GPL-2.0-only
/*
 * Creating a VMFS3 volume (vmkfstools -C): the LVM header with its
 * segment table, the FS descriptor, free heartbeat slots, and the system
 * files laid out as ESX 3.5 lays them out: .vh.sf over the first 4 MiB,
 * .fdc.sf right after it (its first block holds the root and system
 * inodes), then the root directory, .fbb.sf, .pbc.sf and .sbc.sf.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "blkaddr.h"
#include "endian.h"
#include "volume.h"

int vmfs_default_host_uuid(struct vmfs_uuid *u);

struct sysfile {
    const char *name;
    uint32_t addr;
    struct vmfs_bitmap_header hdr;
    uint32_t magic;
    uint64_t size;
    uint32_t first_block, nblocks;
};

static uint64_t round_up(uint64_t v, uint64_t m) { return (v + m - 1) / m * m; }
static uint64_t clamp(uint64_t v, uint64_t lo, uint64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

static void geometry(struct sysfile *f, uint32_t magic, uint32_t per_entry, uint32_t item_size, uint64_t items)
{
    f->magic = magic;
    f->hdr.items_per_entry = per_entry;
    f->hdr.entries_per_area = 32;
    f->hdr.header_size = 64 * 1024;
    f->hdr.data_size = item_size;
    f->hdr.area_size = 32 * VMFS_BMP_ENTRY_SIZE + 32 * per_entry * item_size;
    f->hdr.total_items = (uint32_t)items;
    f->hdr.area_count = (uint32_t)((items + 32ull * per_entry - 1) / (32ull * per_entry));
    f->size = vmfs_bitmap_file_size(&f->hdr);
}

static void new_uuid(struct vmfs_uuid *u, const struct vmfs_uuid *host)
{
    /* time, random, then the host's last six bytes (ESX: its MAC address) */
    uint64_t now = vmfs_now_us();
    uint8_t rnd[6] = { 0 };
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        memcpy(rnd, &now, sizeof rnd);
    put_le32(u->b, 0, (uint32_t)(now / 1000000u));
    put_le32(u->b, 4, (uint32_t)(now % 1000000u) ^ get_le32(rnd, 0));
    memcpy(u->b + 8, rnd + 4, 2);
    memcpy(u->b + 10, host->b + 10, 6);
}

struct mkfs {
    struct vmfs_device dev;
    uint64_t block_size, nblocks, logical_size;
    struct sysfile vh, fdc, root, fbb, pbc, sbc;
    uint32_t used_blocks;
    char *err;
    size_t errlen;
};

static int lwrite(struct mkfs *m, uint64_t laddr, const void *buf, size_t len)
{
    int r = device_write(&m->dev, VMFS_DATA_OFFSET + laddr, buf, len);
    if (r < 0)
        snprintf(m->err, m->errlen, "cannot write the device: %s", strerror(-r));
    return r;
}

/* Write zeros over [laddr, laddr+len) where the device does not already
 * read as zeros (a fresh image file costs nothing, a used disk is cleaned). */
static int lzero(struct mkfs *m, uint64_t laddr, uint64_t len)
{
    const size_t chunk = 1 * MiB;
    uint8_t *buf = malloc(chunk), *zero = calloc(1, chunk);
    int r = buf && zero ? 0 : -ENOMEM;
    for (uint64_t off = 0; r == 0 && off < len; off += chunk) {
        size_t n = (size_t)(len - off < chunk ? len - off : chunk);
        r = device_read(&m->dev, VMFS_DATA_OFFSET + laddr + off, buf, n);
        if (r == 0 && memcmp(buf, zero, n) != 0)
            r = lwrite(m, laddr + off, zero, n);
    }
    free(buf);
    free(zero);
    return r;
}

static uint64_t file_laddr(const struct mkfs *m, const struct sysfile *f, uint64_t off)
{
    return (uint64_t)f->first_block * m->block_size + off;
}

static void lock_header(uint8_t *buf, uint32_t magic, uint64_t pos)
{
    struct vmfs_lock l = { .magic = magic, .pos = pos };
    vmfs_lock_encode(&l, buf);
}

/* Header and every bitmap entry of a bitmap file; `used` first items allocated. */
static int write_bitmap(struct mkfs *m, const struct sysfile *f, uint32_t used)
{
    uint8_t *hdr = calloc(1, f->hdr.header_size);
    if (!hdr)
        return -ENOMEM;
    vmfs_bitmap_header_encode(&f->hdr, hdr);
    int r = lwrite(m, file_laddr(m, f, 0), hdr, f->hdr.header_size);
    free(hdr);
    uint32_t entries = (f->hdr.total_items + f->hdr.items_per_entry - 1) / f->hdr.items_per_entry;
    uint8_t raw[VMFS_BMP_ENTRY_SIZE];
    for (uint32_t e = 0; r == 0 && e < f->hdr.area_count * f->hdr.entries_per_area; e++) {
        uint64_t off = vmfs_bitmap_entry_offset(&f->hdr, e);
        if (e >= entries) {
            memset(raw, 0, sizeof raw);
        } else {
            struct vmfs_bitmap_entry be = { .id = e };
            uint32_t first = e * f->hdr.items_per_entry;
            be.total = e + 1 < entries ? f->hdr.items_per_entry : f->hdr.total_items - first;
            be.lock.magic = f->magic;
            be.lock.pos = file_laddr(m, f, off);
            bool any = false;
            for (uint32_t i = 0; i < be.total; i++) {
                if (first + i < used)
                    continue;
                be.bits[i / 8] |= (uint8_t)(1u << (i % 8));
                if (!any)
                    be.first_free = i, any = true;
                be.free++;
            }
            vmfs_bitmap_entry_encode(&be, raw);
        }
        r = lwrite(m, file_laddr(m, f, off), raw, sizeof raw);
    }
    return r;
}

static void sys_inode(const struct mkfs *m, const struct sysfile *f, uint32_t type, uint32_t mode, uint64_t size,
                      uint32_t now, struct vmfs_inode *ino)
{
    memset(ino, 0, sizeof *ino);
    ino->addr = f->addr;
    ino->gen = 1;
    ino->nlink = type == VMFS_TYPE_DIR ? 2 : 1;
    ino->type = type;
    ino->size = size;
    ino->blk_size = m->block_size;
    ino->blk_count = f->nblocks;
    ino->mtime = ino->ctime = ino->atime = now;
    ino->mode = mode;
    ino->zla = VMFS_ZLA_DIRECT;
    for (uint32_t i = 0; i < f->nblocks; i++)
        ino->blocks[i] = blk_fb(f->first_block + i);
}

static int write_inodes(struct mkfs *m, uint32_t now)
{
    struct sysfile *files[] = { &m->root, &m->fbb, &m->fdc, &m->pbc, &m->sbc, &m->vh };
    const char *names[] = { ".", "..", ".fbb.sf", ".fdc.sf", ".pbc.sf", ".sbc.sf", ".vh.sf" };
    uint8_t raw[VMFS_INODE_SIZE];
    uint8_t dir[7 * VMFS_DIRENT_SIZE];
    int r = 0;
    for (unsigned i = 0; r == 0 && i < 6; i++) {
        struct vmfs_inode ino;
        bool is_root = i == 0;
        sys_inode(m, files[i], is_root ? VMFS_TYPE_DIR : VMFS_TYPE_SYSFILE, is_root ? 01755 : 0400,
                  is_root ? sizeof dir : files[i]->size, now, &ino);
        vmfs_inode_encode(&ino, raw);
        uint64_t laddr = file_laddr(m, &m->fdc, vmfs_bitmap_item_offset(&m->fdc.hdr, i));
        lock_header(raw, VMFS_INODE_MAGIC, laddr);
        r = lwrite(m, laddr, raw, sizeof raw);
    }
    for (unsigned i = 0; i < 7; i++) {
        const struct sysfile *f = i < 2 ? &m->root : files[i - 1];
        struct vmfs_dirent ent = { .type = i < 2 ? VMFS_TYPE_DIR : VMFS_TYPE_SYSFILE, .addr = f->addr, .gen = 1 };
        snprintf(ent.name, sizeof ent.name, "%s", names[i]);
        vmfs_dirent_encode(&ent, dir + i * VMFS_DIRENT_SIZE);
    }
    return r ? r : lwrite(m, file_laddr(m, &m->root, 0), dir, sizeof dir);
}

static int write_heartbeats(struct mkfs *m)
{
    uint8_t *area = calloc(VMFS_HB_SLOTS, VMFS_HB_SIZE);
    if (!area)
        return -ENOMEM;
    for (unsigned i = 0; i < VMFS_HB_SLOTS; i++) {
        struct vmfs_heartbeat hb = { .state = VMFS_HB_FREE, .pos = VMFS_HB_ADDR + (uint64_t)i * VMFS_HB_SIZE };
        vmfs_heartbeat_encode(&hb, area + (size_t)i * VMFS_HB_SIZE);
    }
    int r = lwrite(m, VMFS_HB_ADDR, area, (size_t)VMFS_HB_SLOTS * VMFS_HB_SIZE);
    free(area);
    return r;
}

static int write_lvm(struct mkfs *m, uint32_t nseg, const struct vmfs_uuid *lvm_uuid, const struct vmfs_uuid *host)
{
    struct vmfs_lvm_header h = {
        .magic = VMFS_LVM_MAGIC, .major = 3, .minor = 16, .disk_block_size = 512,
        .device_bytes = m->dev.size, .num_volumes = 1, .num_pes = nseg, .last_pe = nseg - 1,
        .generation = 1, .data_offset = VMFS_DATA_OFFSET,
        .logical_size = m->logical_size, .blocks = nseg + 1u, .state = 1, .lvm_uuid = *lvm_uuid,
        .snap_id = 1, .num_segments = nseg, .first_segment = 0, .last_segment = nseg - 1u, .num_extents = 1,
    };
    snprintf(h.vendor_model, sizeof h.vendor_model, "%-8s%-16s%-4s", "Skerry", "VMFS image", "1.0");
    snprintf(h.scsi_id, sizeof h.scsi_id, "vmhba0:C0:T0:L0");
    new_uuid(&h.device_uuid, host);
    h.ctime_us = h.mtime_us = h.vol_ctime_us = h.vol_mtime_us = vmfs_now_us();
    vmfs_uuid_format(lvm_uuid, h.lvm_name);

    uint8_t raw[1024];
    vmfs_lvm_header_encode(&h, raw);
    uint8_t *segs = calloc(1, 0x400 + (size_t)nseg * VMFS_SEGTAB_ENTRY);
    if (!segs)
        return -ENOMEM;
    for (uint32_t i = 0; i < nseg; i++) {
        segs[i / 8] |= (uint8_t)(1u << (i % 8));
        uint8_t *e = segs + 0x400 + (size_t)i * VMFS_SEGTAB_ENTRY;
        e[0] = 1;
        put_le32(e, 1, i);
        put_le32(e, 5, 0);
        put_le64(e, 9, VMFS_DATA_OFFSET + (uint64_t)i * VMFS_SEGMENT_SIZE);
        put_le64(e, 0x11, (uint64_t)i * VMFS_SEGMENT_SIZE);
        put_le64(e, 0x19, VMFS_SEGMENT_SIZE);
        e[0x21] = 1;
    }
    int r = device_write(&m->dev, VMFS_LVM_BASE + VMFS_SEGMAP_OFFSET, segs, 0x400 + (size_t)nseg * VMFS_SEGTAB_ENTRY);
    free(segs);
    if (r == 0)
        r = device_sync(&m->dev);
    /* The header goes last: a volume whose creation was cut short is not one. */
    if (r == 0)
        r = device_write(&m->dev, VMFS_LVM_BASE, raw, sizeof raw);
    if (r == 0)
        r = device_sync(&m->dev);
    if (r < 0)
        snprintf(m->err, m->errlen, "cannot write the volume header: %s", strerror(-r));
    return r;
}

static int place(struct mkfs *m, struct sysfile *f, uint64_t size)
{
    f->first_block = m->used_blocks;
    f->nblocks = (uint32_t)((size + m->block_size - 1) / m->block_size);
    if (f->nblocks == 0)
        f->nblocks = 1;
    if (f->nblocks > VMFS_INODE_BLOCKS)
        return -1;
    m->used_blocks += f->nblocks;
    return 0;
}

int vmfs_create(const char *device, const struct vmfs_create_options *opt, char *err, size_t errlen)
{
    struct mkfs m = { .err = err, .errlen = errlen };
    uint64_t bs = opt->block_size ? opt->block_size : 1 * MiB;
    if (bs != 1 * MiB && bs != 2 * MiB && bs != 4 * MiB && bs != 8 * MiB) {
        snprintf(err, errlen, "invalid block size %llu: VMFS3 supports 1, 2, 4 and 8 MiB",
                 (unsigned long long)bs);
        return -EINVAL;
    }
    const char *label = opt->label ? opt->label : "";
    if (strlen(label) > 128) {
        snprintf(err, errlen, "label longer than 128 characters");
        return -EINVAL;
    }
    struct vmfs_uuid host;
    if (opt->host_uuid ? vmfs_uuid_parse(opt->host_uuid, &host) : vmfs_default_host_uuid(&host)) {
        snprintf(err, errlen, "bad host UUID");
        return -EINVAL;
    }
    int r = device_open(&m.dev, device, true, err, errlen);
    if (r < 0)
        return r;
    uint64_t nseg = m.dev.size > VMFS_DATA_OFFSET ? (m.dev.size - VMFS_DATA_OFFSET) / VMFS_SEGMENT_SIZE : 0;
    if (nseg < 1) {
        snprintf(err, errlen, "%s: too small for a VMFS3 volume (%llu MiB; at least %llu MiB are needed)", device,
                 (unsigned long long)(m.dev.size >> 20),
                 (unsigned long long)((VMFS_DATA_OFFSET + VMFS_SEGMENT_SIZE) >> 20));
        device_close(&m.dev);
        return -ENOSPC;
    }
    if (nseg > VMFS_MAX_SEGMENTS)
        nseg = VMFS_MAX_SEGMENTS;       /* one extent holds at most 2 TiB */
    m.block_size = bs;
    m.logical_size = nseg * VMFS_SEGMENT_SIZE;
    m.nblocks = m.logical_size / bs;

    /* Resource file sizes grow with the volume, within ESX 3's limits. */
    uint64_t inodes = clamp(round_up(m.logical_size / (128 * 1024), 1024), 1024, 30720);
    uint64_t subblocks = clamp(round_up(m.logical_size / MiB, 16), 512, 3968);
    uint64_t ptrblocks = clamp(round_up(m.nblocks / 256, 16), 256, 1u << 20);
    m.vh.addr = blk_fd(0, 5);
    m.fdc.addr = blk_fd(0, 2);
    m.root.addr = blk_fd(0, 0);
    m.fbb.addr = blk_fd(0, 1);
    m.pbc.addr = blk_fd(0, 3);
    m.sbc.addr = blk_fd(0, 4);
    geometry(&m.fdc, VMFS_FDC_MAGIC, 32, VMFS_INODE_SIZE, inodes);
    geometry(&m.fbb, VMFS_FBB_MAGIC, 200, 0, m.nblocks);
    geometry(&m.pbc, VMFS_PBC_MAGIC, 16, VMFS_PTRBLOCK_SIZE, ptrblocks);
    geometry(&m.sbc, VMFS_SBC_MAGIC, 16, VMFS_SUBBLOCK_SIZE, subblocks);
    m.vh.size = bs > VMFS_SYSAREA_END ? bs : VMFS_SYSAREA_END;
    uint64_t root_size = 7 * VMFS_DIRENT_SIZE;
    if (place(&m, &m.vh, m.vh.size) || place(&m, &m.fdc, m.fdc.size) || place(&m, &m.root, root_size) ||
        place(&m, &m.fbb, m.fbb.size) || place(&m, &m.pbc, m.pbc.size) || place(&m, &m.sbc, m.sbc.size) ||
        m.used_blocks * 2 > m.nblocks) {
        snprintf(err, errlen, "%s: too small for VMFS3 metadata at this block size", device);
        device_close(&m.dev);
        return -ENOSPC;
    }

    struct vmfs_uuid lvm_uuid, fs_uuid;
    new_uuid(&lvm_uuid, &host);
    new_uuid(&fs_uuid, &host);
    fs_uuid.b[4] ^= 0x5a;       /* distinct from the LVM UUID made in the same microsecond */
    uint32_t now = (uint32_t)(vmfs_now_us() / 1000000u);

    struct vmfs_fs_desc d = {
        .magic = VMFS_FSDESC_MAGIC, .vol_version = 4, .version = 31, .uuid = fs_uuid, .mode = 2,
        .disk_block_size = 512, .block_size = bs, .ctime = now, .snap_id = 1, .lvm_uuid = lvm_uuid,
        .after_lvm_uuid = 1, .fdc_header_size = 64 * 1024, .fdc_bitmap_count = 32, .subblock_size = VMFS_SUBBLOCK_SIZE,
    };
    snprintf(d.label, sizeof d.label, "%s", label);
    uint8_t fsraw[512];
    vmfs_fs_desc_encode(&d, fsraw);

    /* The old header goes first, so that a cut-short creation leaves no
     * half-old, half-new volume behind. */
    uint8_t blank[1024] = { 0 };
    r = device_write(&m.dev, VMFS_LVM_BASE, blank, sizeof blank);
    if (r == 0)
        r = lzero(&m, 0, VMFS_SYSAREA_END);     /* .vh.sf: FS descriptor, heartbeats */
    if (r == 0)
        r = lwrite(&m, VMFS_FSDESC_ADDR, fsraw, sizeof fsraw);
    if (r == 0)
        r = write_heartbeats(&m);
    if (r == 0)         /* stale inodes would come back to life */
        r = lzero(&m, file_laddr(&m, &m.fdc, 0), (uint64_t)m.fdc.nblocks * bs);
    if (r == 0)
        r = write_bitmap(&m, &m.fdc, 6);
    if (r == 0)
        r = write_bitmap(&m, &m.fbb, m.used_blocks);
    if (r == 0)
        r = write_bitmap(&m, &m.pbc, 0);
    if (r == 0)
        r = write_bitmap(&m, &m.sbc, 0);
    if (r == 0)
        r = write_inodes(&m, now);
    if (r == 0)
        r = write_lvm(&m, (uint32_t)nseg, &lvm_uuid, &host);
    if (r < 0 && !err[0])
        snprintf(err, errlen, "%s: %s", device, strerror(-r));
    device_close(&m.dev);
    return r;
}
