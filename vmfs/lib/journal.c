// SPDX-License-Identifier: GPL-2.0-only
/*
 * The metadata journal: a redo log of one transaction at a time, in file
 * blocks a host allocates when it opens a volume read-write and names in
 * its heartbeat slot.  A commit writes the transaction's sectors and
 * their addresses to the journal, then a header that marks it committed
 * (with a checksum), then the sectors in place, then marks the journal
 * applied.  After a crash, whoever breaks the dead host's heartbeat
 * replays a committed transaction, so the volume holds either all of a
 * transaction or none of it.
 *
 * Journal layout (512-byte sectors): header; address sectors (64
 * addresses each); data sectors.  The header lists the journal's blocks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "blkaddr.h"
#include "crc32.h"
#include "endian.h"
#include "volume.h"

#define SECTOR 512u
#define JOURNAL_BYTES (16u * 1024u * 1024u)
#define ADDRS_PER_SECTOR (SECTOR / 8u)
static const char journal_magic[8] = "VMFSJRNL";

enum { J_APPLIED = 0, J_COMMITTED = 1 };

/* Header offsets. */
#define JH_MAGIC 0
#define JH_VERSION 8
#define JH_STATE 12
#define JH_SEQ 16
#define JH_COUNT 24
#define JH_CRC 28
#define JH_OWNER 32
#define JH_NBLOCKS 48
#define JH_BLOCKS 52

uint32_t journal_block_count(const struct vmfs_volume *vol)
{
    uint64_t n = (JOURNAL_BYTES + vol->block_size - 1) / vol->block_size;
    return (uint32_t)(n ? n : 1);
}

/* Most sectors one transaction may hold. */
uint64_t journal_capacity(const struct vmfs_volume *vol)
{
    uint64_t sectors = (uint64_t)journal_block_count(vol) * (vol->block_size / SECTOR) - 1;
    return sectors * ADDRS_PER_SECTOR / (ADDRS_PER_SECTOR + 1) - 1;
}

static uint64_t jsector_laddr(const struct vmfs_volume *vol, const uint32_t *blocks, uint64_t i)
{
    uint64_t per_block = vol->block_size / SECTOR;
    return (uint64_t)blk_fb_number(blocks[i / per_block]) * vol->block_size + (i % per_block) * SECTOR;
}

static int jwrite(struct vmfs_volume *vol, uint64_t i, const void *buf)
{
    return device_write(&vol->dev, VMFS_DATA_OFFSET + jsector_laddr(vol, vol->journal.blocks, i), buf, SECTOR);
}

static void header_encode(const struct vmfs_volume *vol, uint8_t *h, uint32_t state, uint64_t count, uint32_t crc)
{
    memset(h, 0, SECTOR);
    memcpy(h + JH_MAGIC, journal_magic, sizeof journal_magic);
    put_le32(h, JH_VERSION, 1);
    put_le32(h, JH_STATE, state);
    put_le64(h, JH_SEQ, vol->journal.seq);
    put_le32(h, JH_COUNT, (uint32_t)count);
    put_le32(h, JH_CRC, crc);
    memcpy(h + JH_OWNER, vol->host.b, 16);
    put_le32(h, JH_NBLOCKS, vol->journal.nblocks);
    for (uint32_t i = 0; i < vol->journal.nblocks; i++)
        put_le32(h, JH_BLOCKS + 4 * i, vol->journal.blocks[i]);
}

static int write_header(struct vmfs_volume *vol, uint32_t state, uint64_t count, uint32_t crc)
{
    uint8_t h[SECTOR];
    header_encode(vol, h, state, count, crc);
    return jwrite(vol, 0, h);
}

int journal_create(struct vmfs_volume *vol)
{
    struct vmfs_journal *j = &vol->journal;
    memset(j, 0, sizeof *j);
    uint32_t n = journal_block_count(vol);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t index;
        int r = bitmap_alloc(vol, &vol->fbb, &index);
        if (r < 0)
            return r == -ENOSPC ? vol_fail(vol, ENOSPC, "no space for this host's journal (%u MiB)", JOURNAL_BYTES >> 20)
                                : r;
        j->blocks[j->nblocks++] = blk_fb(index);
    }
    /* The caller names the journal in its heartbeat, then commits the
     * allocation (unjournaled: there is no journal yet). */
    int r = write_header(vol, J_APPLIED, 0, 0);
    if (r == 0)
        r = device_sync(&vol->dev);
    return r < 0 ? vol_fail(vol, -r, "cannot set up this host's journal") : 0;
}

/* Write journal sectors [first, first + count) from buf, in one write per
 * journal block they span. */
static int jwrite_run(struct vmfs_volume *vol, uint64_t first, const uint8_t *buf, uint64_t count)
{
    uint64_t per_block = vol->block_size / SECTOR;
    while (count) {
        uint64_t n = per_block - first % per_block;
        if (n > count)
            n = count;
        int r = device_write(&vol->dev, VMFS_DATA_OFFSET + jsector_laddr(vol, vol->journal.blocks, first), buf,
                             (size_t)(n * SECTOR));
        if (r < 0)
            return r;
        first += n, buf += n * SECTOR, count -= n;
    }
    return 0;
}

int journal_log(struct vmfs_volume *vol, const uint64_t *lsns, uint8_t *const *data, size_t n)
{
    struct vmfs_journal *j = &vol->journal;
    if (n > journal_capacity(vol))
        return vol_fail(vol, EFBIG, "transaction of %zu sectors does not fit the journal", n);
    uint64_t addr_sectors = (n + ADDRS_PER_SECTOR - 1) / ADDRS_PER_SECTOR;
    /* Address sectors, then data sectors, as one run after the header. */
    uint8_t *buf = calloc(addr_sectors + n, SECTOR);
    if (!buf)
        return vol_fail(vol, ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        put_le64(buf + (i / ADDRS_PER_SECTOR) * SECTOR, (unsigned)(8 * (i % ADDRS_PER_SECTOR)), lsns[i]);
        memcpy(buf + (addr_sectors + i) * SECTOR, data[i], SECTOR);
    }
    uint32_t crc = vmfs_crc32(0, buf, (addr_sectors + n) * SECTOR);
    int r = jwrite_run(vol, 1, buf, addr_sectors + n);
    free(buf);
    /* One flush makes both the sectors logged and the file data written
     * for this transaction durable before the commit point. */
    if (r == 0)
        r = device_sync(&vol->dev);
    j->seq++;
    if (r == 0)
        r = write_header(vol, J_COMMITTED, n, crc);     /* the commit point */
    if (r == 0)
        r = device_sync(&vol->dev);
    return r < 0 ? vol_fail(vol, -r, "cannot write the journal") : 0;
}

/*
 * Marks the journal applied once the transaction is durable in place.  The
 * mark needs no flush of its own: until the next flush makes it durable, a
 * crash only replays the transaction again, which rewrites the sectors it
 * already put in place.  Anything written since over those sectors belongs
 * to a later transaction that did not commit (a block freed and reused),
 * or a later commit has replaced this one in the journal's header.
 */
int journal_applied(struct vmfs_volume *vol)
{
    int r = write_header(vol, J_APPLIED, 0, 0);
    return r < 0 ? vol_fail(vol, -r, "cannot write the journal") : 0;
}

/* Reads the journal whose first block is `first` and, if it holds a
 * committed transaction of `owner`, hands each sector to `apply`.
 * Returns the journal's blocks in blocks/nblocks (0 if it is not one). */
int journal_replay(struct vmfs_volume *vol, uint32_t first, const struct vmfs_uuid *owner,
                   int (*apply)(struct vmfs_volume *vol, uint64_t lsn, const uint8_t *data), uint32_t *blocks,
                   uint32_t *nblocks)
{
    *nblocks = 0;
    uint8_t h[SECTOR];
    uint64_t laddr;
    if (blk_type(first) != VMFS_BLK_FB || fb_laddr(vol, first, &laddr) < 0 ||
        device_read(&vol->dev, VMFS_DATA_OFFSET + laddr, h, sizeof h) < 0)
        return 0;
    uint32_t nb = get_le32(h, JH_NBLOCKS);
    if (memcmp(h + JH_MAGIC, journal_magic, sizeof journal_magic) || get_le32(h, JH_VERSION) != 1 ||
        memcmp(h + JH_OWNER, owner->b, 16) || nb != journal_block_count(vol) || nb > VMFS_JOURNAL_MAX_BLOCKS)
        return 0;               /* not a journal of ours: nothing to replay */
    uint32_t jb[VMFS_JOURNAL_MAX_BLOCKS];
    for (uint32_t i = 0; i < nb; i++) {
        jb[i] = get_le32(h, JH_BLOCKS + 4 * i);
        if (fb_laddr(vol, jb[i], &laddr) < 0 || (i == 0 && jb[0] != first))
            return 0;
    }
    memcpy(blocks, jb, nb * sizeof *jb);
    *nblocks = nb;
    uint64_t n = get_le32(h, JH_COUNT);
    if (get_le32(h, JH_STATE) != J_COMMITTED || n == 0 || n > journal_capacity(vol))
        return 0;
    uint64_t addr_sectors = (n + ADDRS_PER_SECTOR - 1) / ADDRS_PER_SECTOR;
    uint8_t *all = malloc((addr_sectors + n) * SECTOR);
    if (!all)
        return vol_fail(vol, ENOMEM, "out of memory");
    uint32_t crc = 0;
    int r = 0;
    for (uint64_t i = 0; r == 0 && i < addr_sectors + n; i++) {
        r = device_read(&vol->dev, VMFS_DATA_OFFSET + jsector_laddr(vol, jb, 1 + i), all + i * SECTOR, SECTOR);
        crc = vmfs_crc32(crc, all + i * SECTOR, SECTOR);
    }
    if (r == 0 && crc != get_le32(h, JH_CRC)) {
        free(all);
        return 0;               /* torn: the transaction never committed */
    }
    for (uint64_t i = 0; r == 0 && i < n; i++) {
        uint64_t lsn = get_le64(all + (i / ADDRS_PER_SECTOR) * SECTOR, (unsigned)(8 * (i % ADDRS_PER_SECTOR)));
        if ((lsn + 1) * SECTOR > vol->logical_size) {
            r = vol_fail(vol, EIO, "journal names a sector past the end of the volume");
            break;
        }
        r = apply(vol, lsn, all + (addr_sectors + i) * SECTOR);
    }
    free(all);
    return r < 0 ? r : 1;
}
