// SPDX-License-Identifier: GPL-2.0-only
/* VMDK descriptors (vmfs/lib/vmdk_descriptor.c): ESX 3.5's exact text. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "../../vmfs/include/vmfs/vmdk.h"

/* thin.vmdk as ESX 3.5 wrote it on the fixture volume. */
static const char esx_thin[] =
    "# Disk DescriptorFile\nversion=1\nCID=dab8f8df\nparentCID=ffffffff\ncreateType=\"vmfs\"\n\n"
    "# Extent description\nRW 409600 VMFS \"thin-flat.vmdk\"\n\n# The Disk Data Base \n#DDB\n\n"
    "ddb.virtualHWVersion = \"4\"\nddb.uuid = \"60 00 C2 90 9c dd 83 ba-fb ce 1b d2 b8 5a 40 6b\"\n"
    "ddb.geometry.cylinders = \"200\"\nddb.geometry.heads = \"64\"\nddb.geometry.sectors = \"32\"\n"
    "ddb.adapterType = \"buslogic\"\nddb.thinProvisioned = \"1\"\n";

static void expect_error(const char *text, const char *needle, const char *what)
{
    struct vmdk_descriptor d;
    char err[256] = "";
    int r = vmdk_parse(text, strlen(text), &d, err, sizeof err);
    CHECK(r < 0 && strstr(err, needle), "refused: %s (\"%.100s\")", what, err);
}

int main(void)
{
    struct vmdk_descriptor d;
    char err[256], out[4096];
    CHECK(vmdk_parse(esx_thin, strlen(esx_thin), &d, err, sizeof err) == 0, "ESX's thin descriptor parses");
    CHECK(d.version == 1 && d.cid == 0xdab8f8df && d.parent_cid == 0xffffffff && !strcmp(d.create_type, "vmfs"),
          "header fields");
    CHECK(d.n_extents == 1 && d.extents[0].sectors == 409600 && !strcmp(d.extents[0].type, "VMFS") &&
              !strcmp(d.extents[0].file, "thin-flat.vmdk") && !strcmp(d.extents[0].access, "RW"),
          "the extent");
    CHECK_EQ(vmdk_capacity_sectors(&d), 409600, "capacity");
    CHECK(!strcmp(vmdk_ddb_get(&d, "ddb.thinProvisioned"), "1") && !strcmp(vmdk_ddb_get(&d, "ddb.adapterType"), "buslogic"),
          "disk database");
    int n = vmdk_format(&d, out, sizeof out);
    CHECK(n == (int)strlen(esx_thin) && !memcmp(out, esx_thin, (size_t)n), "formats back to ESX's text byte for byte");

    uint8_t uuid[16] = { 0x60, 0x00, 0xc2, 0x90, 0x9c, 0xdd, 0x83, 0xba, 0xfb, 0xce, 0x1b, 0xd2, 0xb8, 0x5a, 0x40, 0x6b };
    struct vmdk_descriptor fresh;
    vmdk_new_vmfs_disk(&fresh, "thin-flat.vmdk", 409600, "buslogic", 1, uuid, 0xdab8f8df);
    n = vmdk_format(&fresh, out, sizeof out);
    /* ESX wrote "C2" in upper case in that one UUID; ours are lower case. */
    char expect[sizeof esx_thin];
    strcpy(expect, esx_thin);
    memcpy(strstr(expect, "C2"), "c2", 2);
    CHECK(n == (int)strlen(expect) && !memcmp(out, expect, (size_t)n), "a new thin disk is written as ESX writes one");
    vmdk_new_vmfs_disk(&fresh, "x-flat.vmdk", 4ull << 21, "lsilogic", 0, uuid, 1);
    CHECK(!strcmp(vmdk_ddb_get(&fresh, "ddb.geometry.cylinders"), "522") &&
              !strcmp(vmdk_ddb_get(&fresh, "ddb.geometry.heads"), "255") &&
              !strcmp(vmdk_ddb_get(&fresh, "ddb.geometry.sectors"), "63") && !vmdk_ddb_get(&fresh, "ddb.thinProvisioned"),
          "4 GiB lsilogic: 522/255/63, thick");
    vmdk_new_vmfs_disk(&fresh, "x-flat.vmdk", 1ull << 30, "ide", 0, uuid, 1);
    CHECK(!strcmp(vmdk_ddb_get(&fresh, "ddb.geometry.heads"), "16"), "IDE geometry: 16 heads");
    CHECK(vmdk_ddb_set(&fresh, "ddb.thinProvisioned", "1") == 0 && vmdk_ddb_set(&fresh, "ddb.thinProvisioned", NULL) == 0 &&
              !vmdk_ddb_get(&fresh, "ddb.thinProvisioned"),
          "a disk database key is added and removed");

    const char *flat = "version=1\r\nCID=00000001\r\nparentCID=ffffffff\r\ncreateType=\"monolithicFlat\"\r\n"
                       "RW 2048 FLAT \"disk-flat.vmdk\" 0\r\n# comment\r\n\r\nddb.custom = \"x\"\r\n";
    CHECK(vmdk_parse(flat, strlen(flat), &d, err, sizeof err) == 0 && !strcmp(d.extents[0].type, "FLAT") &&
              d.extents[0].offset == 0 && !strcmp(vmdk_ddb_get(&d, "ddb.custom"), "x"),
          "a hosted flat disk with CRLF lines, a comment and an unknown key");

    expect_error("", "empty", "an empty file");
    expect_error("\x01\x02garbage\0", "not a VMDK descriptor", "binary data");
    expect_error("KDMV\x01", "not a VMDK descriptor", "a sparse extent's header");
    expect_error("version=1\nCID=1\nparentCID=ffffffff\ncreateType=\"vmfs\"\n", "no extent", "no extent");
    expect_error("version=1\nparentCID=ffffffff\nCID=1\ncreateType=\"vmfs\"\nRW 1 VMFS \"a\"\n", "before CID",
                 "parentCID before CID");
    expect_error("version=1\nCID=1\nparentCID=ffffffff\nRW 1 VMFS \"a\"\n", "createType", "no createType");
    expect_error("version=1\nCID=1\nparentCID=ffffffff\ncreateType=\"vmfs\"\nRW x VMFS \"a\"\n", "line 5",
                 "a size that is not a number");
    expect_error("version=1\nCID=1\nparentCID=ffffffff\ncreateType=\"vmfs\"\nRW 1 FLAT \"a\"\n", "offset",
                 "a FLAT extent without an offset");
    expect_error("version=1\nCID=1\nparentCID=ffffffff\ncreateType=\"vmfs\"\nRW 1 VMFS a\n", "quoted",
                 "an unquoted file name");
    expect_error("version=9\n", "version", "an unknown version");
    static char big[70000];
    memset(big, '#', sizeof big - 1);
    expect_error(big, "too large", "a descriptor over 64 KiB");
    CHECK_DONE();
}
