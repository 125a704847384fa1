// SPDX-License-Identifier: GPL-2.0-only
/*
 * Heartbeats and on-disk locks, VMFS3 style.  A host that opens a volume
 * read-write holds a heartbeat slot and keeps its stamp fresh.  Every
 * metadata object it changes is locked first: the lock names the owner's
 * slot and slot generation.  A lock whose owner's slot is free, was
 * re-claimed (another generation) or has a stamp older than the timeout
 * is stale and may be taken; a live owner's lock refuses with
 * "locked by host <uuid>".  Each test-and-set runs under the reservation.
 *
 * Stamps are wall-clock microseconds, so that a host can tell a stale
 * heartbeat from a live one at a glance instead of watching it for a
 * full timeout; hosts sharing a LUN keep their clocks in step (NTP).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blkaddr.h"
#include "volume.h"

#define DEFAULT_TIMEOUT_S 16

uint64_t vmfs_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int hb_read(struct vmfs_volume *vol, uint64_t addr, struct vmfs_heartbeat *hb)
{
    uint8_t buf[VMFS_HB_SIZE];
    int r = device_read(&vol->dev, VMFS_DATA_OFFSET + addr, buf, sizeof buf);
    if (r < 0)
        return vol_fail(vol, -r, "cannot read the heartbeat at %#llx", (unsigned long long)addr);
    vmfs_heartbeat_decode(hb, buf);
    return 0;
}

static int hb_write(struct vmfs_volume *vol, const struct vmfs_heartbeat *hb)
{
    uint8_t buf[VMFS_HB_SIZE];
    vmfs_heartbeat_encode(hb, buf);
    int r = device_write(&vol->dev, VMFS_DATA_OFFSET + hb->pos, buf, sizeof buf);
    if (r == 0)
        r = device_sync(&vol->dev);
    if (r < 0)
        return vol_fail(vol, -r, "cannot write the heartbeat at %#llx", (unsigned long long)hb->pos);
    return 0;
}

static uint64_t slot_offset(uint64_t pos) { return VMFS_DATA_OFFSET + pos; }

/* Live: in use, and either held by a process of this machine or stamped
 * within the timeout.  A slot of our own host UUID that no process holds
 * belonged to a run of ours that died. */
static bool hb_is_live(const struct vmfs_volume *vol, const struct vmfs_heartbeat *hb)
{
    if (hb->state != VMFS_HB_LIVE)
        return false;
    if (device_held_elsewhere(&vol->dev, slot_offset(hb->pos), VMFS_HB_SIZE))
        return true;
    if (memcmp(&hb->owner, &vol->host, sizeof hb->owner) == 0)
        return false;
    return hb->stamp_us + vol->hb_timeout_us > vmfs_now_us();
}

bool heartbeat_is_live(const struct vmfs_volume *vol, const struct vmfs_heartbeat *hb)
{
    return hb_is_live(vol, hb);
}

static bool valid_slot(uint64_t pos)
{
    return pos >= VMFS_HB_ADDR && pos < VMFS_HB_ADDR + (uint64_t)VMFS_HB_SLOTS * VMFS_HB_SIZE &&
           (pos - VMFS_HB_ADDR) % VMFS_HB_SIZE == 0;
}

static int apply_in_place(struct vmfs_volume *vol, uint64_t lsn, const uint8_t *data)
{
    int r = device_write(&vol->dev, VMFS_DATA_OFFSET + lsn * 512u, data, 512u);
    if (r == 0 && meta_pending(vol))
        meta_overlay_sector(vol, lsn, data);
    return r;
}

/*
 * Break a dead host's heartbeat: replay its journal, free its slot, then
 * free its journal blocks.  Runs under the reservation and re-checks the
 * slot there, so that two hosts breaking the same slot do it once.
 */
static int break_slot(struct vmfs_volume *vol, uint64_t pos, uint64_t gen, uint32_t *blocks, uint32_t *nblocks)
{
    struct vmfs_heartbeat hb;
    *nblocks = 0;
    device_reserve(&vol->dev);
    int r = hb_read(vol, pos, &hb);
    if (r < 0 || hb.state != VMFS_HB_LIVE || hb.gen != gen || hb_is_live(vol, &hb)) {
        device_release(&vol->dev);
        return r;               /* already broken, or alive after all */
    }
    if (hb.journal) {
        r = journal_replay(vol, hb.journal, &hb.owner, apply_in_place, blocks, nblocks);
        if (r > 0)
            r = device_sync(&vol->dev);
        if (r < 0) {
            device_release(&vol->dev);
            return r;
        }
    }
    memset(&hb.owner, 0, sizeof hb.owner);
    hb.state = VMFS_HB_FREE;
    hb.stamp_us = 0;
    hb.journal = 0;
    r = hb_write(vol, &hb);
    device_release(&vol->dev);
    return r;
}

/* The journal blocks of a broken slot go back to the free pool (those
 * its owner had allocated: it may have died while allocating them). */
static int free_journal_blocks(struct vmfs_volume *vol, const uint32_t *blocks, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t b = blk_fb_number(blocks[i]);
        int r = bitmap_is_allocated(vol, &vol->fbb, b);
        if (r == 1)
            r = bitmap_free(vol, &vol->fbb, b);
        if (r < 0)
            return r;
    }
    return 0;
}

/* A read-only view sees the volume as the live hosts' committed
 * transactions leave it, replayed in memory only. */
static int overlay_live_journals(struct vmfs_volume *vol, const uint8_t *area)
{
    for (unsigned i = 0; i < VMFS_HB_SLOTS; i++) {
        struct vmfs_heartbeat hb;
        uint32_t blocks[VMFS_JOURNAL_MAX_BLOCKS], nblocks;
        vmfs_heartbeat_decode(&hb, area + (size_t)i * VMFS_HB_SIZE);
        if (hb.state != VMFS_HB_LIVE || !hb.journal)
            continue;
        int r = journal_replay(vol, hb.journal, &hb.owner, meta_overlay_sector, blocks, &nblocks);
        if (r < 0)
            return r;
    }
    return 0;
}

static void set_timeout(struct vmfs_volume *vol)
{
    const char *t = getenv("VMFS_HB_TIMEOUT");
    long s = t && *t ? strtol(t, NULL, 10) : DEFAULT_TIMEOUT_S;
    vol->hb_timeout_us = (uint64_t)(s > 0 ? s : DEFAULT_TIMEOUT_S) * 1000000u;
}

static uint8_t *read_slots(struct vmfs_volume *vol)
{
    uint8_t *area = malloc((size_t)VMFS_HB_SLOTS * VMFS_HB_SIZE);
    if (!area) {
        vol_fail(vol, ENOMEM, "out of memory");
        return NULL;
    }
    if (device_read(&vol->dev, VMFS_DATA_OFFSET + VMFS_HB_ADDR, area, (size_t)VMFS_HB_SLOTS * VMFS_HB_SIZE) < 0) {
        free(area);
        vol_fail(vol, EIO, "cannot read the heartbeat region");
        return NULL;
    }
    return area;
}

int heartbeat_view(struct vmfs_volume *vol)
{
    set_timeout(vol);
    uint8_t *area = read_slots(vol);
    if (!area)
        return -EIO;
    int r = overlay_live_journals(vol, area);
    free(area);
    return r;
}

int heartbeat_claim(struct vmfs_volume *vol)
{
    set_timeout(vol);
    device_reserve(&vol->dev);
    uint8_t *area = read_slots(vol);
    if (!area) {
        device_release(&vol->dev);
        return -EIO;
    }
    struct vmfs_heartbeat hb, chosen = { 0 };
    bool found = false;
    uint64_t dead_pos[64], dead_gen[64];
    unsigned ndead = 0;
    for (unsigned i = 0; i < VMFS_HB_SLOTS; i++) {
        vmfs_heartbeat_decode(&hb, area + (size_t)i * VMFS_HB_SIZE);
        hb.pos = VMFS_HB_ADDR + (uint64_t)i * VMFS_HB_SIZE;
        bool ours = memcmp(&hb.owner, &vol->host, sizeof hb.owner) == 0;
        if (hb.state == VMFS_HB_LIVE && ours && hb_is_live(vol, &hb)) {
            char uuid[36];
            vmfs_uuid_format(&vol->host, uuid);
            device_release(&vol->dev);
            free(area);
            return vol_fail(vol, EBUSY, "the volume is already open read-write by this host (%s)", uuid);
        }
        if (hb.state == VMFS_HB_LIVE && !hb_is_live(vol, &hb) && ndead < 64) {
            dead_pos[ndead] = hb.pos;
            dead_gen[ndead++] = hb.gen;
        }
        if (!found && hb.state != VMFS_HB_LIVE) {
            chosen = hb;
            found = true;
        }
    }
    free(area);
    if (!found) {
        device_release(&vol->dev);
        return vol_fail(vol, ENOSPC, "no free heartbeat slot on the volume");
    }
    chosen.state = VMFS_HB_LIVE;
    chosen.gen++;
    chosen.stamp_us = vmfs_now_us();
    chosen.owner = vol->host;
    chosen.journal = 0;
    int r = hb_write(vol, &chosen);
    if (r == 0 && device_hold(&vol->dev, slot_offset(chosen.pos), VMFS_HB_SIZE, true) < 0)
        r = vol_fail(vol, EIO, "cannot hold the heartbeat slot");
    device_release(&vol->dev);
    if (r < 0)
        return r;
    vol->hb_addr = chosen.pos;
    vol->hb_gen = chosen.gen;
    vol->hb_refreshed_us = chosen.stamp_us;

    /* Hosts that died with the volume open: their last transaction is
     * replayed before anything else is read. */
    uint32_t dead_blocks[64][VMFS_JOURNAL_MAX_BLOCKS];
    uint32_t dead_nblocks[64];
    for (unsigned i = 0; i < ndead; i++)
        if ((r = break_slot(vol, dead_pos[i], dead_gen[i], dead_blocks[i], &dead_nblocks[i])) < 0)
            return r;
    /* Our journal: blocks allocated (in memory), its header written, the
     * slot naming it, and only then the allocation on disk.  A crash at
     * any point leaves no block both free and used, or lost. */
    if (vol->no_journal)
        return meta_commit(vol);    /* the dead hosts' journal blocks stay for the checker to judge */
    if ((r = journal_create(vol)) < 0)
        return r;
    chosen.journal = vol->journal.blocks[0];
    chosen.stamp_us = vmfs_now_us();
    if ((r = hb_write(vol, &chosen)) < 0 || (r = meta_commit(vol)) < 0)
        return r;
    vol->journal.ready = true;
    for (unsigned i = 0; i < ndead; i++)
        if ((r = free_journal_blocks(vol, dead_blocks[i], dead_nblocks[i])) < 0)
            return r;
    return meta_commit(vol);
}

/* Our slot as it is on disk: 1 if still ours, 0 if another host broke it. */
static int own_slot(struct vmfs_volume *vol, struct vmfs_heartbeat *hb)
{
    int r = hb_read(vol, vol->hb_addr, hb);
    if (r < 0)
        return r;
    return hb->state == VMFS_HB_LIVE && hb->gen == vol->hb_gen && memcmp(&hb->owner, &vol->host, 16) == 0;
}

int heartbeat_refresh(struct vmfs_volume *vol)
{
    if (!vol->hb_addr)
        return 0;
    struct vmfs_heartbeat hb;
    int r = own_slot(vol, &hb);
    if (r < 0)
        return r;
    if (r == 0)
        return vol_fail(vol, EIO, "our heartbeat slot was taken over by another host (we were presumed dead)");
    hb.stamp_us = vmfs_now_us();
    r = hb_write(vol, &hb);
    if (r == 0)
        vol->hb_refreshed_us = hb.stamp_us;
    return r;
}

int heartbeat_release(struct vmfs_volume *vol)
{
    if (!vol->hb_addr)
        return 0;
    struct vmfs_heartbeat hb;
    int r = own_slot(vol, &hb);
    if (r <= 0)
        return r;               /* 0: already broken by another host */
    /* The journal's blocks go back (unjournaled) while the slot still
     * names the journal and we keep the bitmap locks: a crash here leaves
     * a slot whose breaker frees what is still allocated, never a block
     * another host has taken since. */
    struct vmfs_journal j = vol->journal;
    vol->journal.ready = false;
    for (uint32_t i = 0; r >= 0 && i < j.nblocks; i++)
        r = bitmap_free(vol, &vol->fbb, blk_fb_number(j.blocks[i]));
    if (r >= 0)
        r = meta_commit_keep_locks(vol);
    if (r < 0)
        meta_discard(vol);
    memset(&hb.owner, 0, sizeof hb.owner);
    hb.state = VMFS_HB_FREE;
    hb.stamp_us = 0;
    hb.journal = 0;
    int w = hb_write(vol, &hb);
    unlock_tx_objects(vol);
    device_hold(&vol->dev, slot_offset(vol->hb_addr), VMFS_HB_SIZE, false);
    vol->hb_addr = 0;
    return r < 0 ? r : w;
}

/* Patch the lock header of an object whose first sector the running
 * transaction holds, so that a commit does not write an old lock back. */
static void patch_tx_copy(struct vmfs_volume *vol, uint64_t laddr, const uint8_t sector[VMFS_LOCK_SIZE])
{
    uint8_t cur[VMFS_LOCK_SIZE];
    if (meta_holds(vol, laddr, VMFS_LOCK_SIZE) && meta_read(vol, laddr, cur, sizeof cur) == 0 &&
        memcmp(cur, sector, sizeof cur) != 0) {
        bool active = vol->tx.undo_active;
        vol->tx.undo_active = false;    /* a lock is not undone with the operation */
        meta_write(vol, laddr, sector, VMFS_LOCK_SIZE);
        vol->tx.undo_active = active;
    }
}

int lock_object(struct vmfs_volume *vol, uint64_t laddr)
{
    struct vmfs_tx *tx = &vol->tx;
    if (addrset_has(&tx->locks, laddr))
        return 0;
    if (!vol->hb_addr)
        return vol_fail(vol, EROFS, "the volume is open read-only");

    uint8_t sector[VMFS_LOCK_SIZE];
    struct vmfs_lock lock;
    int r;
    for (unsigned attempt = 0;; attempt++) {
        device_reserve(&vol->dev);
        r = device_read(&vol->dev, VMFS_DATA_OFFSET + laddr, sector, sizeof sector);
        if (r < 0) {
            device_release(&vol->dev);
            return vol_fail(vol, -r, "cannot read the lock at %#llx", (unsigned long long)laddr);
        }
        vmfs_lock_decode(&lock, sector);
        bool ours = lock.hb_pos == vol->hb_addr && lock.hb_gen == vol->hb_gen &&
                    memcmp(&lock.owner, &vol->host, 16) == 0;
        struct vmfs_heartbeat owner;
        if (lock.mode == 0 || ours || !valid_slot(lock.hb_pos) || hb_read(vol, lock.hb_pos, &owner) < 0 ||
            owner.state != VMFS_HB_LIVE || owner.gen != lock.hb_gen)
            break;              /* free, ours, or its owner's slot is gone */
        if (hb_is_live(vol, &owner)) {
            device_release(&vol->dev);
            char uuid[36];
            vmfs_uuid_format(&lock.owner, uuid);
            return vol_fail(vol, EBUSY, "locked by host %s", uuid);
        }
        /* The owner died holding it: replay its journal first. */
        device_release(&vol->dev);
        if (attempt > 2)
            return vol_fail(vol, EIO, "cannot break the stale heartbeat at %#llx",
                            (unsigned long long)lock.hb_pos);
        uint32_t blocks[VMFS_JOURNAL_MAX_BLOCKS], nblocks;
        if ((r = break_slot(vol, lock.hb_pos, lock.hb_gen, blocks, &nblocks)) < 0 ||
            (r = free_journal_blocks(vol, blocks, nblocks)) < 0)
            return r;
    }
    lock.mode = 1;
    lock.hb_pos = vol->hb_addr;
    lock.hb_gen = vol->hb_gen;
    lock.owner = vol->host;
    lock.token++;
    lock.mtime_us = vmfs_now_us();
    uint8_t rest[VMFS_LOCK_SIZE];
    memcpy(rest, sector, sizeof rest);
    vmfs_lock_encode(&lock, sector);
    memcpy(sector + 0x44, rest + 0x44, VMFS_LOCK_SIZE - 0x44);     /* keep holder records */
    r = device_write(&vol->dev, VMFS_DATA_OFFSET + laddr, sector, sizeof sector);
    device_release(&vol->dev);
    if (r < 0)
        return vol_fail(vol, -r, "cannot write the lock at %#llx", (unsigned long long)laddr);
    if (addrset_add(&tx->locks, laddr) < 0) {
        unlock_object(vol, laddr);
        return vol_fail(vol, ENOMEM, "out of memory");
    }
    patch_tx_copy(vol, laddr, sector);
    return 0;
}

bool lock_is_held(const struct vmfs_volume *vol, uint64_t laddr)
{
    for (size_t i = 0; i < vol->nheld; i++)
        if (vol->held[i].laddr == laddr)
            return true;
    return false;
}

/* Free our lock on an object; the caller holds the reservation. */
static void unlock_reserved(struct vmfs_volume *vol, uint64_t laddr)
{
    uint8_t sector[VMFS_LOCK_SIZE];
    struct vmfs_lock lock;
    if (device_read(&vol->dev, VMFS_DATA_OFFSET + laddr, sector, sizeof sector) == 0) {
        vmfs_lock_decode(&lock, sector);
        if (lock.hb_pos == vol->hb_addr && lock.hb_gen == vol->hb_gen && lock.mode) {
            lock.mode = 0;
            memset(&lock.owner, 0, sizeof lock.owner);
            lock.token++;
            uint8_t rest[VMFS_LOCK_SIZE];
            memcpy(rest, sector, sizeof rest);
            vmfs_lock_encode(&lock, sector);
            memcpy(sector + 0x44, rest + 0x44, VMFS_LOCK_SIZE - 0x44);
            device_write(&vol->dev, VMFS_DATA_OFFSET + laddr, sector, sizeof sector);
        }
    }
}

void unlock_object(struct vmfs_volume *vol, uint64_t laddr)
{
    device_reserve(&vol->dev);
    unlock_reserved(vol, laddr);
    device_release(&vol->dev);
}

/* After a commit: the transaction's locks go, but not those of files
 * held open (vmfs_hold). */
void unlock_tx_objects(struct vmfs_volume *vol)
{
    struct vmfs_tx *tx = &vol->tx;
    if (tx->locks.count == 0)
        return;
    device_reserve(&vol->dev);      /* once for all of them */
    uint64_t laddr;
    for (size_t i = 0; addrset_next(&tx->locks, &i, &laddr);)
        if (!lock_is_held(vol, laddr))
            unlock_reserved(vol, laddr);
    device_release(&vol->dev);
    addrset_clear(&tx->locks);
}

int vmfs_live_host(struct vmfs_volume *vol, char uuid[36])
{
    if (!vol->hb_timeout_us)
        set_timeout(vol);
    uint8_t slot[VMFS_HB_SIZE];
    for (unsigned i = 0; i < VMFS_HB_SLOTS; i++) {
        uint64_t pos = VMFS_HB_ADDR + (uint64_t)i * VMFS_HB_SIZE;
        if (pos == vol->hb_addr)
            continue;
        if (device_read(&vol->dev, VMFS_DATA_OFFSET + pos, slot, sizeof slot) < 0)
            return vol_fail(vol, EIO, "cannot read the heartbeat region");
        struct vmfs_heartbeat hb;
        vmfs_heartbeat_decode(&hb, slot);
        if (hb_is_live(vol, &hb)) {
            vmfs_uuid_format(&hb.owner, uuid);
            return 1;
        }
    }
    return 0;
}
