// SPDX-License-Identifier: GPL-2.0-only
/*
 * Decode and encode VMFS3 structures at the byte offsets given in
 * ../shared/specs/vmfs3-format.md.  Fields we do not interpret are written
 * as ESX 3.5 writes them on a fresh volume.
 */
#include "format.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "endian.h"

static void get_uuid(struct vmfs_uuid *u, const uint8_t *p, unsigned off) { memcpy(u->b, p + off, 16); }
static void put_uuid(uint8_t *p, unsigned off, const struct vmfs_uuid *u) { memcpy(p + off, u->b, 16); }

static void get_str(char *dst, size_t dst_size, const uint8_t *p, unsigned off, size_t n)
{
    size_t len = 0;
    while (len < n && len + 1 < dst_size && p[off + len])
        len++;
    memcpy(dst, p + off, len);
    dst[len] = '\0';
}

static void put_str(uint8_t *p, unsigned off, const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    memset(p + off, 0, n);
    memcpy(p + off, s, len);
}

void vmfs_lvm_header_decode(struct vmfs_lvm_header *h, const uint8_t *b)
{
    memset(h, 0, sizeof *h);
    h->magic = get_le32(b, 0x00);
    h->major = get_le32(b, 0x04);
    h->minor = get_le32(b, 0x08);
    h->lun = get_le16(b, 0x0e);
    get_str(h->vendor_model, sizeof h->vendor_model, b, 0x12, 28);
    get_str(h->scsi_id, sizeof h->scsi_id, b, 0x2e, 44);
    h->disk_block_size = get_le32(b, 0x5a);
    h->device_bytes = get_le64(b, 0x5e);
    h->num_volumes = get_le32(b, 0x66);
    h->num_pes = get_le32(b, 0x6a);
    h->last_pe = get_le32(b, 0x6e);
    h->generation = get_le32(b, 0x72);
    h->data_offset = get_le64(b, 0x7a);
    get_uuid(&h->device_uuid, b, 0x82);
    h->ctime_us = get_le64(b, 0x92);
    h->mtime_us = get_le64(b, 0x9a);

    const uint8_t *v = b + VMFS_VOLDESC_OFFSET;
    h->logical_size = get_le64(v, 0x00);
    h->blocks = get_le64(v, 0x08);
    h->state = get_le32(v, 0x10);
    get_str(h->lvm_name, sizeof h->lvm_name, v, 0x14, 64);
    get_uuid(&h->lvm_uuid, v, 0x54);
    h->snap_id = get_le32(v, 0x64);
    h->vol_ctime_us = get_le64(v, 0x68);
    h->volume_id = get_le32(v, 0x70);
    h->num_segments = get_le32(v, 0x74);
    h->first_segment = get_le64(v, 0x78);
    h->last_segment = get_le64(v, 0x80);
    h->vol_mtime_us = get_le64(v, 0x88);
    h->num_extents = get_le32(v, 0x90);
}

void vmfs_lvm_header_encode(const struct vmfs_lvm_header *h, uint8_t *b)
{
    memset(b, 0, 1024);
    put_le32(b, 0x00, h->magic);
    put_le32(b, 0x04, h->major);
    put_le32(b, 0x08, h->minor);
    b[0x0d] = 0x0f;             /* SCSI inquiry bytes as ESX records them */
    put_le16(b, 0x0e, h->lun);
    b[0x11] = 0x03;
    put_str(b, 0x12, h->vendor_model, 28);
    put_str(b, 0x2e, h->scsi_id, 44);
    put_le32(b, 0x5a, h->disk_block_size);
    put_le64(b, 0x5e, h->device_bytes);
    put_le32(b, 0x66, h->num_volumes);
    put_le32(b, 0x6a, h->num_pes);
    put_le32(b, 0x6e, h->last_pe);
    put_le32(b, 0x72, h->generation);
    put_le64(b, 0x7a, h->data_offset);
    put_uuid(b, 0x82, &h->device_uuid);
    put_le64(b, 0x92, h->ctime_us);
    put_le64(b, 0x9a, h->mtime_us);

    uint8_t *v = b + VMFS_VOLDESC_OFFSET;
    put_le64(v, 0x00, h->logical_size);
    put_le64(v, 0x08, h->blocks);
    put_le32(v, 0x10, h->state);
    put_str(v, 0x14, h->lvm_name, 64);
    put_uuid(v, 0x54, &h->lvm_uuid);
    put_le32(v, 0x64, h->snap_id);
    put_le64(v, 0x68, h->vol_ctime_us);
    put_le32(v, 0x70, h->volume_id);
    put_le32(v, 0x74, h->num_segments);
    put_le64(v, 0x78, h->first_segment);
    put_le64(v, 0x80, h->last_segment);
    put_le64(v, 0x88, h->vol_mtime_us);
    put_le32(v, 0x90, h->num_extents);
}

void vmfs_fs_desc_decode(struct vmfs_fs_desc *d, const uint8_t *b)
{
    memset(d, 0, sizeof *d);
    d->magic = get_le32(b, 0x00);
    d->vol_version = get_le32(b, 0x04);
    d->version = b[0x08];
    get_uuid(&d->uuid, b, 0x09);
    d->mode = get_le32(b, 0x19);
    get_str(d->label, sizeof d->label, b, 0x1d, 128);
    d->disk_block_size = get_le32(b, 0x9d);
    d->block_size = get_le64(b, 0xa1);
    d->ctime = get_le32(b, 0xa9);
    d->snap_id = get_le32(b, 0xad);
    get_uuid(&d->lvm_uuid, b, 0xb1);
    d->after_lvm_uuid = get_le32(b, 0xc1);
    d->fdc_header_size = get_le32(b, 0xd1);
    d->fdc_bitmap_count = get_le32(b, 0xd5);
    d->subblock_size = get_le32(b, 0xd9);
}

void vmfs_fs_desc_encode(const struct vmfs_fs_desc *d, uint8_t *b)
{
    memset(b, 0, 512);
    put_le32(b, 0x00, d->magic);
    put_le32(b, 0x04, d->vol_version);
    b[0x08] = d->version;
    put_uuid(b, 0x09, &d->uuid);
    put_le32(b, 0x19, d->mode);
    put_str(b, 0x1d, d->label, 128);
    put_le32(b, 0x9d, d->disk_block_size);
    put_le64(b, 0xa1, d->block_size);
    put_le32(b, 0xa9, d->ctime);
    put_le32(b, 0xad, d->snap_id);
    put_uuid(b, 0xb1, &d->lvm_uuid);
    put_le32(b, 0xc1, d->after_lvm_uuid);
    put_le32(b, 0xd1, d->fdc_header_size);
    put_le32(b, 0xd5, d->fdc_bitmap_count);
    put_le32(b, 0xd9, d->subblock_size);
}

void vmfs_lock_decode(struct vmfs_lock *l, const uint8_t *b)
{
    l->magic = get_le32(b, 0x00);
    l->pos = get_le64(b, 0x04);
    l->hb_pos = get_le64(b, 0x0c);
    l->hb_gen = get_le64(b, 0x14);
    l->token = get_le64(b, 0x1c);
    l->mode = get_le32(b, 0x24);
    get_uuid(&l->owner, b, 0x28);
    l->mtime_us = get_le64(b, 0x38);
}

void vmfs_lock_encode(const struct vmfs_lock *l, uint8_t *b)
{
    memset(b, 0, VMFS_LOCK_SIZE);
    put_le32(b, 0x00, l->magic);
    put_le64(b, 0x04, l->pos);
    put_le64(b, 0x0c, l->hb_pos);
    put_le64(b, 0x14, l->hb_gen);
    put_le64(b, 0x1c, l->token);
    put_le32(b, 0x24, l->mode);
    put_uuid(b, 0x28, &l->owner);
    put_le64(b, 0x38, l->mtime_us);
}

void vmfs_inode_decode(struct vmfs_inode *i, const uint8_t *b)
{
    vmfs_lock_decode(&i->lock, b);
    i->addr = get_le32(b, 0x200);
    i->gen = get_le32(b, 0x204);
    i->nlink = get_le32(b, 0x208);
    i->type = get_le32(b, 0x20c);
    i->flags = get_le32(b, 0x210);
    i->size = get_le64(b, 0x214);
    i->blk_size = get_le64(b, 0x21c);
    i->blk_count = get_le64(b, 0x224);
    i->mtime = get_le32(b, 0x22c);
    i->ctime = get_le32(b, 0x230);
    i->atime = get_le32(b, 0x234);
    i->uid = get_le32(b, 0x238);
    i->gid = get_le32(b, 0x23c);
    i->mode = get_le32(b, 0x240);
    i->zla = get_le32(b, 0x244);
    i->tbz = get_le32(b, 0x248);
    i->cow = get_le32(b, 0x24c);
    for (unsigned n = 0; n < VMFS_INODE_BLOCKS; n++)
        i->blocks[n] = get_le32(b, 0x400 + 4 * n);
}

void vmfs_inode_encode(const struct vmfs_inode *i, uint8_t *b)
{
    memset(b, 0, VMFS_INODE_SIZE);
    vmfs_lock_encode(&i->lock, b);
    put_le32(b, 0x200, i->addr);
    put_le32(b, 0x204, i->gen);
    put_le32(b, 0x208, i->nlink);
    put_le32(b, 0x20c, i->type);
    put_le32(b, 0x210, i->flags);
    put_le64(b, 0x214, i->size);
    put_le64(b, 0x21c, i->blk_size);
    put_le64(b, 0x224, i->blk_count);
    put_le32(b, 0x22c, i->mtime);
    put_le32(b, 0x230, i->ctime);
    put_le32(b, 0x234, i->atime);
    put_le32(b, 0x238, i->uid);
    put_le32(b, 0x23c, i->gid);
    put_le32(b, 0x240, i->mode);
    put_le32(b, 0x244, i->zla);
    put_le32(b, 0x248, i->tbz);
    put_le32(b, 0x24c, i->cow);
    for (unsigned n = 0; n < VMFS_INODE_BLOCKS; n++)
        put_le32(b, 0x400 + 4 * n, i->blocks[n]);
}

void vmfs_bitmap_header_decode(struct vmfs_bitmap_header *h, const uint8_t *b)
{
    h->items_per_entry = get_le32(b, 0);
    h->entries_per_area = get_le32(b, 4);
    h->header_size = get_le32(b, 8);
    h->data_size = get_le32(b, 12);
    h->area_size = get_le32(b, 16);
    h->total_items = get_le32(b, 20);
    h->area_count = get_le32(b, 24);
}

void vmfs_bitmap_header_encode(const struct vmfs_bitmap_header *h, uint8_t *b)
{
    put_le32(b, 0, h->items_per_entry);
    put_le32(b, 4, h->entries_per_area);
    put_le32(b, 8, h->header_size);
    put_le32(b, 12, h->data_size);
    put_le32(b, 16, h->area_size);
    put_le32(b, 20, h->total_items);
    put_le32(b, 24, h->area_count);
}

void vmfs_bitmap_entry_decode(struct vmfs_bitmap_entry *e, const uint8_t *b)
{
    vmfs_lock_decode(&e->lock, b);
    e->id = get_le32(b, 0x200);
    e->total = get_le32(b, 0x204);
    e->free = get_le32(b, 0x208);
    e->first_free = get_le32(b, 0x20c);
    memcpy(e->bits, b + 0x210, sizeof e->bits);
}

void vmfs_bitmap_entry_encode(const struct vmfs_bitmap_entry *e, uint8_t *b)
{
    memset(b, 0, VMFS_BMP_ENTRY_SIZE);
    vmfs_lock_encode(&e->lock, b);
    put_le32(b, 0x200, e->id);
    put_le32(b, 0x204, e->total);
    put_le32(b, 0x208, e->free);
    put_le32(b, 0x20c, e->first_free);
    memcpy(b + 0x210, e->bits, sizeof e->bits);
}

void vmfs_heartbeat_decode(struct vmfs_heartbeat *hb, const uint8_t *b)
{
    hb->state = get_le32(b, 0x00);
    hb->pos = get_le64(b, 0x04);
    hb->gen = get_le64(b, 0x0c);
    hb->stamp_us = get_le64(b, 0x14);
    get_uuid(&hb->owner, b, 0x1c);
    hb->journal = get_le32(b, 0x2c);
}

void vmfs_heartbeat_encode(const struct vmfs_heartbeat *hb, uint8_t *b)
{
    memset(b, 0, VMFS_HB_SIZE);
    put_le32(b, 0x00, hb->state);
    put_le64(b, 0x04, hb->pos);
    put_le64(b, 0x0c, hb->gen);
    put_le64(b, 0x14, hb->stamp_us);
    put_uuid(b, 0x1c, &hb->owner);
    put_le32(b, 0x2c, hb->journal);
    if (hb->state == VMFS_HB_LIVE) {
        put_le32(b, 0x30, 4);   /* FS volume version and version, as ESX writes them */
        b[0x34] = 31;
    }
}

void vmfs_dirent_decode(struct vmfs_dirent *d, const uint8_t *b)
{
    d->type = get_le32(b, 0);
    d->addr = get_le32(b, 4);
    d->gen = get_le32(b, 8);
    get_str(d->name, sizeof d->name, b, 12, 128);
}

void vmfs_dirent_encode(const struct vmfs_dirent *d, uint8_t *b)
{
    put_le32(b, 0, d->type);
    put_le32(b, 4, d->addr);
    put_le32(b, 8, d->gen);
    put_str(b, 12, d->name, 128);
}

const char *vmfs_lvm_header_check(const struct vmfs_lvm_header *h)
{
    if (h->magic != VMFS_LVM_MAGIC)
        return "no VMFS volume header (bad magic)";
    if (h->major != 3)
        return "unsupported VMFS major version (only VMFS3 is supported)";
    if (h->data_offset != VMFS_DATA_OFFSET)
        return "unsupported data offset in the volume header";
    if (h->num_segments == 0 || h->num_segments > VMFS_MAX_SEGMENTS)
        return "bad number of segments in the volume descriptor";
    if (h->num_extents != 1 || h->first_segment != 0 || h->last_segment + 1 != h->num_segments)
        return "spanned volumes (several extents) are not supported";
    if (h->logical_size != (uint64_t)h->num_segments * VMFS_SEGMENT_SIZE)
        return "logical size disagrees with the segment count";
    return NULL;
}

const char *vmfs_fs_desc_check(const struct vmfs_fs_desc *d)
{
    if (d->magic != VMFS_FSDESC_MAGIC)
        return "no VMFS file system descriptor (bad magic)";
    if (d->block_size != 1 * MiB && d->block_size != 2 * MiB && d->block_size != 4 * MiB &&
        d->block_size != 8 * MiB)
        return "file block size is not 1, 2, 4 or 8 MiB";
    if (d->subblock_size != VMFS_SUBBLOCK_SIZE)
        return "unsupported sub-block size";
    return NULL;
}

const char *vmfs_bitmap_header_check(const struct vmfs_bitmap_header *h, uint32_t max_items_per_entry,
                                     uint32_t max_entries)
{
    if (h->items_per_entry == 0 || h->items_per_entry > max_items_per_entry ||
        h->items_per_entry > VMFS_BMP_BITS_MAX)
        return "bad items per entry";
    if (h->entries_per_area == 0 || h->entries_per_area > 1024)
        return "bad entries per area";
    if (h->header_size < 28 || h->header_size > 16 * MiB)
        return "bad header size";
    if (h->data_size > 64 * 1024)
        return "bad item size";
    uint64_t area = (uint64_t)h->entries_per_area * VMFS_BMP_ENTRY_SIZE +
                    (uint64_t)h->entries_per_area * h->items_per_entry * h->data_size;
    if (area != h->area_size)
        return "area size disagrees with the geometry";
    uint64_t items_per_area = (uint64_t)h->entries_per_area * h->items_per_entry;
    uint64_t entries = ((uint64_t)h->total_items + h->items_per_entry - 1) / h->items_per_entry;
    if (h->total_items == 0 || entries > max_entries)
        return "bad total item count";
    if ((h->total_items + items_per_area - 1) / items_per_area != h->area_count)
        return "area count disagrees with the item count";
    return NULL;
}

uint64_t vmfs_bitmap_entry_offset(const struct vmfs_bitmap_header *h, uint32_t entry)
{
    uint32_t area = entry / h->entries_per_area;
    return h->header_size + (uint64_t)area * h->area_size +
           (uint64_t)(entry % h->entries_per_area) * VMFS_BMP_ENTRY_SIZE;
}

uint64_t vmfs_bitmap_item_offset(const struct vmfs_bitmap_header *h, uint32_t index)
{
    uint32_t items_per_area = h->entries_per_area * h->items_per_entry;
    uint32_t area = index / items_per_area;
    return h->header_size + (uint64_t)area * h->area_size +
           (uint64_t)h->entries_per_area * VMFS_BMP_ENTRY_SIZE +
           (uint64_t)(index % items_per_area) * h->data_size;
}

uint64_t vmfs_bitmap_file_size(const struct vmfs_bitmap_header *h)
{
    if (h->data_size == 0)
        return h->header_size + (uint64_t)h->area_count * h->entries_per_area * VMFS_BMP_ENTRY_SIZE;
    return vmfs_bitmap_item_offset(h, h->total_items - 1) + h->data_size;
}

void vmfs_uuid_format(const struct vmfs_uuid *u, char out[36])
{
    snprintf(out, 36, "%08x-%08x-%04x-%02x%02x%02x%02x%02x%02x", get_le32(u->b, 0), get_le32(u->b, 4),
             get_le16(u->b, 8), u->b[10], u->b[11], u->b[12], u->b[13], u->b[14], u->b[15]);
}

int vmfs_uuid_parse(const char *s, struct vmfs_uuid *u)
{
    /* Exactly "%08x-%08x-%04x-%012x": hex digits and dashes where they
     * belong (sscanf alone would take signs, spaces and 0x prefixes). */
    static const char shape[] = "xxxxxxxx-xxxxxxxx-xxxx-xxxxxxxxxxxx";
    if (strlen(s) != sizeof shape - 1)
        return -1;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == '-' ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return -1;
    unsigned a, b, c, m[6];
    if (sscanf(s, "%8x-%8x-%4x-%2x%2x%2x%2x%2x%2x", &a, &b, &c, &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 9)
        return -1;
    put_le32(u->b, 0, a);
    put_le32(u->b, 4, b);
    put_le16(u->b, 8, (uint16_t)c);
    for (int i = 0; i < 6; i++)
        u->b[10 + i] = (uint8_t)m[i];
    return 0;
}

bool vmfs_uuid_is_null(const struct vmfs_uuid *u)
{
    static const struct vmfs_uuid null;
    return memcmp(u, &null, sizeof null) == 0;
}
