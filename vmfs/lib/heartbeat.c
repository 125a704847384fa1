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

static bool hb_is_live(const struct vmfs_volume *vol, const struct vmfs_heartbeat *hb)
{
    if (hb->state != VMFS_HB_LIVE)
        return false;
    uint64_t now = vmfs_now_us();
    return hb->stamp_us + vol->hb_timeout_us > now;
}

int heartbeat_claim(struct vmfs_volume *vol)
{
    const char *t = getenv("VMFS_HB_TIMEOUT");
    long s = t && *t ? strtol(t, NULL, 10) : DEFAULT_TIMEOUT_S;
    vol->hb_timeout_us = (uint64_t)(s > 0 ? s : DEFAULT_TIMEOUT_S) * 1000000u;

    uint8_t *area = malloc((size_t)VMFS_HB_SLOTS * VMFS_HB_SIZE);
    if (!area)
        return vol_fail(vol, ENOMEM, "out of memory");
    device_reserve(&vol->dev);
    int r = device_read(&vol->dev, VMFS_DATA_OFFSET + VMFS_HB_ADDR, area, (size_t)VMFS_HB_SLOTS * VMFS_HB_SIZE);
    if (r < 0) {
        device_release(&vol->dev);
        free(area);
        return vol_fail(vol, -r, "cannot read the heartbeat region");
    }
    struct vmfs_heartbeat hb, chosen = { 0 };
    bool found = false;
    for (unsigned i = 0; i < VMFS_HB_SLOTS; i++) {
        vmfs_heartbeat_decode(&hb, area + (size_t)i * VMFS_HB_SIZE);
        uint64_t pos = VMFS_HB_ADDR + (uint64_t)i * VMFS_HB_SIZE;
        if (hb.state == VMFS_HB_LIVE && memcmp(&hb.owner, &vol->host, sizeof hb.owner) == 0 &&
            hb_is_live(vol, &hb)) {
            char uuid[36];
            vmfs_uuid_format(&vol->host, uuid);
            device_release(&vol->dev);
            free(area);
            return vol_fail(vol, EBUSY, "the volume is already open read-write by this host (%s)", uuid);
        }
        if (!found && hb.state != VMFS_HB_LIVE) {
            chosen = hb;
            chosen.pos = pos;
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
    r = hb_write(vol, &chosen);
    device_release(&vol->dev);
    if (r < 0)
        return r;
    vol->hb_addr = chosen.pos;
    vol->hb_gen = chosen.gen;
    vol->hb_refreshed_us = chosen.stamp_us;
    return 0;
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
    memset(&hb.owner, 0, sizeof hb.owner);
    hb.state = VMFS_HB_FREE;
    hb.stamp_us = 0;
    hb.journal = 0;
    r = hb_write(vol, &hb);
    vol->hb_addr = 0;
    return r;
}

/* Patch the lock header of an object whose first sector the running
 * transaction may hold, so that a commit does not write an old lock back. */
static void patch_tx_copy(struct vmfs_volume *vol, uint64_t laddr, const uint8_t sector[VMFS_LOCK_SIZE])
{
    uint8_t cur[VMFS_LOCK_SIZE];
    if (meta_pending(vol) && meta_read(vol, laddr, cur, sizeof cur) == 0 &&
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
    for (size_t i = 0; i < tx->nlocks; i++)
        if (tx->locks[i] == laddr)
            return 0;
    if (!vol->hb_addr)
        return vol_fail(vol, EROFS, "the volume is open read-only");
    if (tx->nlocks == tx->locks_cap) {
        size_t cap = tx->locks_cap ? tx->locks_cap * 2 : 32;
        uint64_t *l = realloc(tx->locks, cap * sizeof *l);
        if (!l)
            return vol_fail(vol, ENOMEM, "out of memory");
        tx->locks = l;
        tx->locks_cap = cap;
    }

    uint8_t sector[VMFS_LOCK_SIZE];
    struct vmfs_lock lock;
    device_reserve(&vol->dev);
    int r = device_read(&vol->dev, VMFS_DATA_OFFSET + laddr, sector, sizeof sector);
    if (r < 0) {
        device_release(&vol->dev);
        return vol_fail(vol, -r, "cannot read the lock at %#llx", (unsigned long long)laddr);
    }
    vmfs_lock_decode(&lock, sector);
    bool ours = lock.hb_pos == vol->hb_addr && lock.hb_gen == vol->hb_gen &&
                memcmp(&lock.owner, &vol->host, 16) == 0;
    if (lock.mode != 0 && !ours) {
        struct vmfs_heartbeat owner;
        bool valid_slot = lock.hb_pos >= VMFS_HB_ADDR &&
                          lock.hb_pos < VMFS_HB_ADDR + (uint64_t)VMFS_HB_SLOTS * VMFS_HB_SIZE &&
                          (lock.hb_pos - VMFS_HB_ADDR) % VMFS_HB_SIZE == 0;
        if (valid_slot && hb_read(vol, lock.hb_pos, &owner) == 0 && owner.gen == lock.hb_gen &&
            hb_is_live(vol, &owner)) {
            device_release(&vol->dev);
            char uuid[36];
            vmfs_uuid_format(&lock.owner, uuid);
            return vol_fail(vol, EBUSY, "locked by host %s", uuid);
        }
        /* The owner is gone: its slot is free, re-claimed or stale. */
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
    patch_tx_copy(vol, laddr, sector);
    tx->locks[tx->nlocks++] = laddr;
    return 0;
}

void unlock_tx_objects(struct vmfs_volume *vol)
{
    struct vmfs_tx *tx = &vol->tx;
    for (size_t i = 0; i < tx->nlocks; i++) {
        uint8_t sector[VMFS_LOCK_SIZE];
        struct vmfs_lock lock;
        uint64_t laddr = tx->locks[i];
        device_reserve(&vol->dev);
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
        device_release(&vol->dev);
    }
    tx->nlocks = 0;
}
