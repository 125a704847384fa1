/* SPDX-License-Identifier: GPL-2.0-only */
/* Host unit tests for a virtual disk on VMDK files (vmx/core/vmdk_backend.c):
 * descriptors as vmkfstools and ESX write them, in a temporary directory. */
#define _GNU_SOURCE 1   /* O_DIRECT */
#include "check.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../vmx/core/vmdk_backend.h"

static char dir[64] = "/tmp/vmdk-backend-XXXXXX";
static char err[512];

static void put_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static void make_flat(const char *name, size_t bytes, unsigned char fill)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    unsigned char buf[4096];
    memset(buf, fill, sizeof buf);
    for (size_t done = 0; done < bytes; done += sizeof buf)
        if (write(fd, buf, sizeof buf) < 0)
            break;
    close(fd);
}

static int open_disk(struct vmdk_backend *b, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    err[0] = '\0';
    return vmdk_backend_open(b, path, err, sizeof err);
}

static void test_esx_disk(void)
{
    /* As vmkfstools -c 64k makes it: one VMFS extent of 128 sectors. */
    put_file("vm1.vmdk", "# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\n"
                         "createType=\"vmfs\"\n\n# Extent description\nRW 128 VMFS \"vm1-flat.vmdk\"\n\n"
                         "# The Disk Data Base \n#DDB\n\nddb.virtualHWVersion = \"4\"\nddb.adapterType = \"lsilogic\"\n");
    make_flat("vm1-flat.vmdk", 64 * 1024, 0xA5);
    struct vmdk_backend b;
    CHECK_EQ(open_disk(&b, "vm1.vmdk"), 0, "an ESX descriptor with one VMFS extent opens (%.100s)", err);
    CHECK_EQ(b.size, 64 * 1024, "its size is the extent's 128 sectors");
    unsigned char buf[1024];
    CHECK(vmdk_backend_read(&b, 512, buf, sizeof buf) == 0 && buf[0] == 0xA5 && buf[1023] == 0xA5,
          "a read returns the flat file's bytes");
    memset(buf, 0x3C, sizeof buf);
    CHECK_EQ(vmdk_backend_write(&b, 4096, buf, 512), 0, "a write");
    CHECK_EQ(vmdk_backend_flush(&b), 0, "a flush");
    char path[256];
    snprintf(path, sizeof path, "%s/vm1-flat.vmdk", dir);
    int fd = open(path, O_RDONLY);
    unsigned char got[512];
    CHECK(pread(fd, got, sizeof got, 4096) == 512 && got[0] == 0x3C && got[511] == 0x3C,
          "the write is in the flat file at byte 4096");
    close(fd);
    CHECK_EQ(vmdk_backend_read(&b, 64 * 1024 - 512, buf, 1024), -EINVAL, "a read past the end is refused");
    CHECK_EQ(vmdk_backend_write(&b, 64 * 1024, buf, 1), -EINVAL, "a write at the end is refused");
    CHECK_EQ(vmdk_backend_read(&b, UINT64_MAX - 10, buf, 100), -EINVAL, "an offset that wraps is refused");
    vmdk_backend_close(&b);
}

static void test_extents(void)
{
    /* Two FLAT extents (the second at an offset in its file), a ZERO one,
     * and a read-only one: a read across all of them. */
    put_file("multi.vmdk", "version=1\nCID=1\nparentCID=ffffffff\ncreateType=\"monolithicFlat\"\n"
                           "RW 8 FLAT \"a.img\" 0\nRW 8 FLAT \"b.img\" 4\nRW 8 ZERO\nRDONLY 8 FLAT \"c.img\" 0\n");
    make_flat("a.img", 4096, 0x11);
    make_flat("b.img", 8192, 0x22);
    make_flat("c.img", 4096, 0x33);
    struct vmdk_backend b;
    CHECK_EQ(open_disk(&b, "multi.vmdk"), 0, "four extents open (%.100s)", err);
    CHECK_EQ(b.size, 32 * 512, "the disk is their 32 sectors");
    unsigned char buf[32 * 512];
    CHECK_EQ(vmdk_backend_read(&b, 0, buf, sizeof buf), 0, "a read of the whole disk");
    CHECK(buf[0] == 0x11 && buf[4095] == 0x11 && buf[4096] == 0x22 && buf[8191] == 0x22 && buf[8192] == 0 &&
              buf[12287] == 0 && buf[12288] == 0x33 && buf[16383] == 0x33,
          "each extent's bytes where they belong");
    memset(buf, 0x77, 1024);
    CHECK_EQ(vmdk_backend_write(&b, 4096 - 512, buf, 1024), 0, "a write across the first two extents");
    char path[256];
    snprintf(path, sizeof path, "%s/b.img", dir);
    int fd = open(path, O_RDONLY);
    unsigned char got[2];
    CHECK(pread(fd, got, 1, 4 * 512) == 1 && got[0] == 0x77 && pread(fd, got, 1, 4 * 512 + 512) == 1 &&
              got[0] == 0x22,
          "its second half landed at the second extent's offset in b.img");
    close(fd);
    CHECK_EQ(vmdk_backend_write(&b, 8192, buf, 512), -EROFS, "a write to the ZERO extent is refused");
    CHECK_EQ(vmdk_backend_write(&b, 12288, buf, 512), -EROFS, "a write to the RDONLY extent is refused");
    vmdk_backend_close(&b);
}

static void expect_refused(const char *name, const char *text, const char *want, const char *what)
{
    put_file(name, text);
    struct vmdk_backend b;
    CHECK(open_disk(&b, name) == -1 && strstr(err, want), "%.60s: \"%.150s\"", what, err);
}

static void test_refusals(void)
{
    struct vmdk_backend b;
    CHECK(open_disk(&b, "absent.vmdk") == -1 && strstr(err, "absent.vmdk: No such file"),
          "a missing descriptor: \"%.150s\"", err);
    expect_refused("missing-extent.vmdk", "version=1\nCID=1\nparentCID=ffffffff\ncreateType=\"vmfs\"\nRW 8 VMFS \"gone-flat.vmdk\"\n",
                   "extent \"gone-flat.vmdk\": No such file", "a missing extent");
    make_flat("short-flat.vmdk", 4096, 0);
    expect_refused("short.vmdk", "version=1\nCID=1\nparentCID=ffffffff\ncreateType=\"vmfs\"\nRW 16 VMFS \"short-flat.vmdk\"\n",
                   "holds 4096 bytes, the descriptor says 8192", "an extent shorter than the descriptor says");
    expect_refused("sparse.vmdk", "version=1\nCID=1\nparentCID=ffffffff\ncreateType=\"monolithicSparse\"\nRW 8 SPARSE \"s.vmdk\"\n",
                   "of type SPARSE; only flat disks", "a sparse disk");
    expect_refused("delta.vmdk", "version=1\nCID=2\nparentCID=1\ncreateType=\"vmfsSparse\"\nparentFileNameHint=\"vm1.vmdk\"\n"
                   "RW 8 VMFSSPARSE \"d-delta.vmdk\"\n", "a delta disk", "a snapshot's delta disk");
    expect_refused("garbage.vmdk", "this is not a descriptor\n", "garbage.vmdk: ", "text that is not a descriptor");
    make_flat("big-flat.vmdk", 128 * 1024, 0);
    CHECK(open_disk(&b, "big-flat.vmdk") == -1 && strstr(err, "name the .vmdk, not its -flat.vmdk"),
          "the flat file named instead of its descriptor: \"%.150s\"", err);
}

/* Whether fd is in O_DIRECT mode now. */
static bool fd_direct(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    return flags >= 0 && (flags & O_DIRECT);
}

/* Direct I/O where the filesystem has it, for sector-aligned transfers;
 * the page cache for the rest, and the two see each other's writes. */
static void test_direct_io(const char *where, const char *label)
{
    char path[300];
    snprintf(path, sizeof path, "%s/direct-probe", where);
    int probe = open(path, O_RDWR | O_CREAT | O_DIRECT, 0644);
    bool fs_direct = probe >= 0;
    if (probe >= 0)
        close(probe);
    unlink(path);

    char saved[sizeof dir];
    memcpy(saved, dir, sizeof dir);
    snprintf(dir, sizeof dir, "%s", where);
    put_file("d.vmdk", "version=1\nCID=1\nparentCID=ffffffff\ncreateType=\"vmfs\"\nRW 256 VMFS \"d-flat.vmdk\"\n");
    make_flat("d-flat.vmdk", 128 * 1024, 0x11);
    struct vmdk_backend b;
    CHECK_EQ(open_disk(&b, "d.vmdk"), 0, "%s: a disk opens (%.100s)", label, err);
    CHECK_EQ(b.ext[0].direct_ok, fs_direct, "%s: direct I/O is used exactly when the filesystem has it (%d)", label,
             fs_direct);
    static _Alignas(4096) unsigned char page[8192];
    memset(page, 0x22, sizeof page);
    CHECK_EQ(vmdk_backend_write(&b, 8192, page, sizeof page), 0, "%s: an aligned write", label);
    CHECK_EQ(fd_direct(b.ext[0].fd), fs_direct, "%s: ... went direct (%d)", label, fs_direct);
    unsigned char odd[700];
    memset(odd, 0x33, sizeof odd);
    CHECK_EQ(vmdk_backend_write(&b, 8192 + 100, odd, sizeof odd), 0, "%s: a write not in whole sectors", label);
    CHECK(!fd_direct(b.ext[0].fd), "%s: ... went through the page cache", label);
    memset(page, 0, sizeof page);
    CHECK_EQ(vmdk_backend_read(&b, 8192, page, sizeof page), 0, "%s: an aligned read after it", label);
    CHECK_EQ(fd_direct(b.ext[0].fd), fs_direct, "%s: ... went direct again", label);
    CHECK(page[99] == 0x22 && page[100] == 0x33 && page[799] == 0x33 && page[800] == 0x22 && page[8191] == 0x22,
          "%s: the direct read sees both writes", label);
    unsigned char back[1000];
    CHECK(vmdk_backend_read(&b, 8192 + 50, back + 1, 900) == 0 && back[1] == 0x22 && back[51] == 0x33 &&
              back[750] == 0x33 && back[751] == 0x22,
          "%s: an unaligned read sees them too", label);
    vmdk_backend_close(&b);
    unlink(strcat(strcpy(path, where), "/d.vmdk"));
    unlink(strcat(strcpy(path, where), "/d-flat.vmdk"));
    memcpy(dir, saved, sizeof dir);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    test_esx_disk();
    test_extents();
    test_refusals();
    test_direct_io(dir, "a disk in /tmp");
    /* tmpfs, which has O_DIRECT only since Linux 6.6. */
    char shm[] = "/dev/shm/vmdk-backend-XXXXXX";
    if (mkdtemp(shm)) {
        test_direct_io(shm, "a disk on tmpfs");
        rmdir(shm);
    }
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    CHECK_DONE();
}
