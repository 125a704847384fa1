/* SPDX-License-Identifier: GPL-2.0-only */
/* Host unit tests for loading a guest's Linux (vmx/core/linux_loader.c):
 * a synthetic bzImage and initrd into 128 MB of "guest RAM", then the
 * result read back the way Linux reads it: entry state, zero page, e820
 * map, command line, initrd, ACPI tables. */
#define _GNU_SOURCE
#include "check.h"

#include <stdlib.h>
#include <string.h>

#include <boot/boot_area.h>
#include <boot/zeropage.h>

#include "../../vmx/core/linux_loader.h"
#include <boot/le_bytes.h>

#define MB (1ull << 20)
#define SETUP_SECTS 4
#define PM_OFFSET ((SETUP_SECTS + 1) * 512)
#define PM_SIZE 8192
#define IMAGE_LEN (PM_OFFSET + PM_SIZE)

static uint8_t image[IMAGE_LEN];
static uint8_t *ram;
static const uint64_t ram_size = 128 * MB;
static uint8_t initrd[3 * 4096 + 100];
static char err[256];


/* A Debian-like setup header (boot.rst), the kernel's version string at 0x300. */
static void make_image(uint32_t initrd_max)
{
    memset(image, 0, sizeof image);
    image[0x1F1] = SETUP_SECTS;
    put32(image + 0x1F4, PM_SIZE / 16);
    put16(image + 0x1FE, 0xAA55);
    image[0x201] = 0x6A;
    memcpy(image + 0x202, "HdrS", 4);
    put16(image + 0x206, 0x020F);
    put16(image + 0x20E, 0x300 - 0x200);
    memcpy(image + 0x300, "6.1.0-57-cloud-amd64 (test)", 28);
    image[0x211] = 0x01;
    put32(image + 0x214, 0x100000);
    put32(image + 0x22C, initrd_max);
    put32(image + 0x230, 0x200000);
    image[0x234] = 1;
    image[0x235] = 21;
    put16(image + 0x236, 0x7F);
    put32(image + 0x238, 2047);
    put64(image + 0x258, 0x1000000);
    put32(image + 0x260, 0x2000000);             /* init_size: 32 MB */
    for (unsigned i = 0; i < PM_SIZE; i++)
        image[PM_OFFSET + i] = (uint8_t)(i * 7 + 3);
}

static struct linux_guest guest(void)
{
    return (struct linux_guest){
        .ram = ram, .ram_size = ram_size, .kernel = image, .kernel_len = sizeof image, .initrd = initrd,
        .initrd_len = sizeof initrd, .cmdline = "console=ttyS0 root=/dev/ram0", .nr_vcpus = 2,
        .pm1a_evt = 0x4000, .pm1a_cnt = 0x4004, .sci_irq = 9, .s5_type = 5, .reset_port = 0xCF9,
        .reset_value = 6,
    };
}

/* The ACPI table with signature sig through RSDP -> XSDT, or NULL. */
static const uint8_t *acpi_table(uint64_t rsdp, const char *sig)
{
    if (rsdp == 0 || rsdp >= ram_size || memcmp(ram + rsdp, "RSD PTR ", 8) != 0)
        return NULL;
    uint64_t xsdt = get64(ram + rsdp + 24);
    if (xsdt >= ram_size || memcmp(ram + xsdt, "XSDT", 4) != 0)
        return NULL;
    uint32_t len = get32(ram + xsdt + 4);
    for (uint32_t off = 36; off + 8 <= len; off += 8) {
        uint64_t t = get64(ram + xsdt + off);
        if (t < ram_size && memcmp(ram + t, sig, 4) == 0)
            return ram + t;
    }
    return NULL;
}

static void test_load(void)
{
    struct linux_guest g = guest();
    struct linux_entry e;
    for (unsigned i = 0; i < sizeof initrd; i++)
        initrd[i] = (uint8_t)(i ^ 0x5A);
    memset(ram, 0xEE, ram_size);
    CHECK_EQ(linux_load(&g, &e, err, sizeof err), 0, "load: a bzImage, an initrd, 2 vCPUs (%.100s)", err);
    uint64_t area = ram_size - BOOT_AREA_SIZE;
    CHECK_EQ(e.boot_area, area, "the boot area is the last MB of RAM");
    CHECK_EQ(e.rip, 0x1000200, "entry: the 64-bit entry, 0x200 into the kernel at 16 MB");
    CHECK(e.cr3 == area + BA_PML4 && e.gdt == area + BA_GDT && e.gdt_limit == BOOT_GDT_LIMIT,
          "entry: the boot area's page tables and GDT");
    CHECK_EQ(e.rsi, area + BA_ZERO_PAGE, "entry: RSI is the zero page");
    CHECK(strcmp(e.version, "6.1.0-57-cloud-amd64 (test)") == 0, "the kernel's version string (%.60s)", e.version);
    CHECK(memcmp(ram + 0x1000000, image + PM_OFFSET, PM_SIZE) == 0, "the protected-mode part is at 16 MB");
    CHECK_EQ(ram[0x1000000 - 1], 0xEE, "nothing written below it");
    CHECK_EQ(e.initrd_gpa, area - 4 * 4096, "the initrd ends on the page below the boot area");
    CHECK(memcmp(ram + e.initrd_gpa, initrd, sizeof initrd) == 0, "the initrd's bytes are there");

    const uint8_t *zp = ram + e.rsi;
    CHECK_EQ(get32(zp + ZP_RAMDISK_IMAGE), e.initrd_gpa, "zero page: ramdisk_image");
    CHECK_EQ(get32(zp + ZP_RAMDISK_SIZE), sizeof initrd, "zero page: ramdisk_size");
    uint32_t cmd = get32(zp + ZP_CMD_LINE_PTR);
    CHECK(cmd == area + BA_CMDLINE && strcmp((const char *)ram + cmd, "console=ttyS0 root=/dev/ram0") == 0,
          "zero page: the command line");
    CHECK_EQ(zp[ZP_TYPE_OF_LOADER], ZP_LOADER_UNDEFINED, "zero page: a loader without an assigned ID");
    unsigned n = zp[ZP_E820_ENTRIES];
    static const uint64_t want[][3] = {
        { 0, 0x9F000, E820_RAM },
        { 0x9F000, 0x61000, E820_RESERVED },
        { 0x100000, 127 * MB - 0x100000, E820_RAM },
        { 127 * MB, MB, E820_RESERVED },
    };
    bool same = n == 4;
    for (unsigned i = 0; same && i < 4; i++) {
        const uint8_t *en = zp + ZP_E820_TABLE + i * ZP_E820_ENTRY_SIZE;
        same = get64(en) == want[i][0] && get64(en + 8) == want[i][1] && get32(en + 16) == want[i][2];
    }
    CHECK(same, "e820: low RAM, the legacy hole, high RAM, the boot area reserved (%u entries)", n);

    uint64_t rsdp = get64(zp + ZP_ACPI_RSDP_ADDR);
    const uint8_t *madt = acpi_table(rsdp, "APIC"), *fadt = acpi_table(rsdp, "FACP");
    CHECK(madt && fadt, "ACPI: the RSDP in the zero page leads to a MADT and a FADT");
    if (madt) {
        unsigned cpus = 0;
        bool ioapic = false;
        for (uint32_t off = 44; off + 2 <= get32(madt + 4); off += madt[off + 1]) {
            if (madt[off + 1] == 0)
                break;
            cpus += madt[off] == 0 && (madt[off + 4] & 1);
            ioapic |= madt[off] == 1 && get32(madt + off + 4) == GUEST_IOAPIC_BASE;
        }
        CHECK_EQ(cpus, 2, "MADT: two enabled processors");
        CHECK(ioapic, "MADT: the I/O APIC at 0xFEC00000");
        CHECK_EQ(get32(madt + 36), GUEST_LAPIC_BASE, "MADT: the local APIC address");
    }
    if (fadt) {
        CHECK_EQ(get16(fadt + 46), 9, "FADT: SCI on IRQ 9");
        CHECK_EQ(get32(fadt + 56), 0x4000, "FADT: PM1a_EVT_BLK");
        CHECK_EQ(get32(fadt + 64), 0x4004, "FADT: PM1a_CNT_BLK");
        CHECK_EQ(get32(fadt + 48), 0, "FADT: no SMI command port (always in ACPI mode)");
        CHECK(get64(fadt + 116 + 4) == 0xCF9 && fadt[128] == 6, "FADT: reset register 0xCF9, value 6");
        uint64_t dsdt = get64(fadt + 140);
        CHECK(dsdt && dsdt < ram_size && memmem(ram + dsdt, get32(ram + dsdt + 4), "_S5_", 4),
              "FADT: a DSDT with \\_S5");
    }
}

/* An extra table (the VM's PCI SSDT) is in the XSDT, byte for byte. */
static void test_ssdt(void)
{
    static uint8_t ssdt[64] = "SSDT";
    ssdt[4] = sizeof ssdt;
    memcpy(ssdt + 36, "PCI0-AML", 8);
    struct linux_guest g = guest();
    g.ssdt = ssdt;
    g.ssdt_len = sizeof ssdt;
    struct linux_entry e;
    CHECK_EQ(linux_load(&g, &e, err, sizeof err), 0, "load with an SSDT (%.100s)", err);
    const uint8_t *t = acpi_table(get64(ram + e.rsi + ZP_ACPI_RSDP_ADDR), "SSDT");
    CHECK(t && memcmp(t, ssdt, sizeof ssdt) == 0, "the XSDT lists the SSDT, copied into the boot area");
    static uint8_t huge[BA_SSDT_MAX + 1];
    g.ssdt = huge;
    g.ssdt_len = sizeof huge;
    CHECK(linux_load(&g, &e, err, sizeof err) == -1 && strstr(err, "PCI SSDT is 4097 bytes"),
          "an SSDT larger than its room is refused: \"%.100s\"", err);
}

static void expect_error(struct linux_guest g, const char *want, const char *what)
{
    struct linux_entry e;
    err[0] = '\0';
    int r = linux_load(&g, &e, err, sizeof err);
    CHECK(r == -1 && strstr(err, want), "%.60s: \"%.150s\"", what, err);
}

static void test_errors(void)
{
    struct linux_guest g = guest();
    g.ram_size = 8 * MB;
    expect_error(g, "8 MB of RAM: a Linux guest needs 16 MB", "too little RAM");
    g = guest();
    g.ram_size = 127 * MB;
    expect_error(g, "in 2 MB steps", "RAM not in 2 MB steps");
    g = guest();
    g.nr_vcpus = 0;
    expect_error(g, "0 vCPUs", "no vCPU");
    g.nr_vcpus = 9;
    expect_error(g, "9 vCPUs", "too many vCPUs");
    g = guest();
    g.ram_size = 32 * MB;
    expect_error(g, "more than the VM's 32 MB of RAM hold", "a kernel that needs more RAM than the VM has");
    g = guest();
    static uint8_t not_linux[IMAGE_LEN];
    g.kernel = not_linux;
    expect_error(g, "the kernel: ", "not a bzImage");
    g = guest();
    static char long_cmdline[3000];
    memset(long_cmdline, 'x', sizeof long_cmdline - 1);
    g.cmdline = long_cmdline;
    expect_error(g, "this kernel takes at most 2047", "a command line longer than the kernel's cmdline_size");
    make_image(0x1FFFFFF);
    g = guest();
    expect_error(g, "the initrd would end above the kernel's limit 0x1ffffff", "initrd_addr_max below RAM's top");
    make_image(0x7FFFFFFF);
}

int main(void)
{
    ram = malloc(ram_size);
    if (!ram)
        return 1;
    make_image(0x7FFFFFFF);
    test_load();
    test_ssdt();
    test_errors();
    free(ram);
    CHECK_DONE();
}
