// SPDX-License-Identifier: GPL-2.0-only
/* The lock and inode of a file in the words of ESX's `vmkfstools -D`. */
#include <stdio.h>

#include "blkaddr.h"
#include "volume.h"

static const char *type_name(uint32_t type)
{
    switch (type) {
    case VMFS_TYPE_DIR: return "dir";
    case VMFS_TYPE_FILE: return "reg";
    case VMFS_TYPE_SYMLINK: return "symlink";
    case VMFS_TYPE_SYSFILE: return "sysfile";
    case VMFS_TYPE_RDM: return "rdm";
    default: return "unknown";
    }
}

int vmfs_describe(struct vmfs_volume *vol, vmfs_ino_t addr, char *out, size_t size)
{
    struct vmfs_inode ino;
    int r = inode_read(vol, addr, &ino);
    if (r < 0)
        return r;
    char owner[36];
    vmfs_uuid_format(&ino.lock.owner, owner);
    static const unsigned mode_bits[] = { 0, 040000, 0100000, 0120000, 0100000, 0100000 };
    unsigned type_bits = ino.type >= 2 && ino.type <= 6 ? mode_bits[ino.type - 1] : 0;
    snprintf(out, size,
             "Lock [type %x offset %llu v %llu, hb offset %llu\n"
             "gen %llu, mode %u, owner %s mtime %llu]\n"
             "Addr <%u, %u, %u>, gen %u, links %u, type %s, flags %#x, uid %u, gid %u, mode %o\n"
             "len %llu, nb %llu tbz %u, cow %u, zla %u, bs %llu\n",
             ino.lock.magic, (unsigned long long)ino.lock.pos, (unsigned long long)ino.lock.token,
             (unsigned long long)ino.lock.hb_pos, (unsigned long long)ino.lock.hb_gen, ino.lock.mode, owner,
             (unsigned long long)(ino.lock.mtime_us / 1000000u), blk_type(addr), blk_fd_entry(addr),
             blk_fd_item(addr), ino.gen, ino.nlink, type_name(ino.type), ino.flags, ino.uid, ino.gid,
             type_bits | ino.mode, (unsigned long long)ino.size, (unsigned long long)ino.blk_count, ino.tbz, ino.cow,
             ino.zla, (unsigned long long)ino.blk_size);
    return 0;
}
