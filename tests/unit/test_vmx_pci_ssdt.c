/* SPDX-License-Identifier: GPL-2.0-only */
/* Host unit test for the guest's PCI SSDT (vmx/core/pci_ssdt.c): the
 * table's header and checksum, and ACPICA's own disassembler (iasl, from
 * acpica-tools) as the judge of the AML: it must decompile without error
 * into the PCI0 host bridge with its windows and routes. */
#define _GNU_SOURCE
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../vmx/core/pci_ssdt.h"

static uint8_t table[4096];

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    static char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

int main(void)
{
    struct pci_ssdt_config c = { .mem_base = 0xC0000000, .mem_end = 0xFEC00000, .nr_routes = 2 };
    c.route[0].slot = 0x10, c.route[0].gsi = 11;
    c.route[1].slot = 0x14, c.route[1].gsi = 10;
    size_t len = pci_ssdt_build(table, sizeof table, &c);
    CHECK(len > 36 && memcmp(table, "SSDT", 4) == 0, "an SSDT is built (%zu bytes)", len);
    CHECK_EQ(table[4] | table[5] << 8 | table[6] << 16 | (uint32_t)table[7] << 24, len, "its length field");
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + table[i]);
    CHECK_EQ(sum, 0, "its bytes sum to zero");
    CHECK_EQ(pci_ssdt_build(table, 64, &c), 0, "a buffer too small: 0, nothing claimed");
    struct pci_ssdt_config bad = c;
    bad.route[1].slot = 32;
    CHECK_EQ(pci_ssdt_build(table, sizeof table, &bad), 0, "slot 32: refused");
    bad = c;
    bad.mem_end = bad.mem_base;
    CHECK_EQ(pci_ssdt_build(table, sizeof table, &bad), 0, "an empty window: refused");

    len = pci_ssdt_build(table, sizeof table, &c);
    char dir[] = "/tmp/pci-ssdt-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char path[128], cmd[400];
    snprintf(path, sizeof path, "%s/ssdt.aml", dir);
    FILE *f = fopen(path, "w");
    fwrite(table, 1, len, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "cd %s && iasl -d ssdt.aml >iasl.out 2>&1", dir);
    CHECK_EQ(system(cmd), 0, "iasl -d decompiles it without error");
    snprintf(path, sizeof path, "%s/ssdt.dsl", dir);
    const char *dsl = slurp(path);
    CHECK(dsl != NULL, "iasl wrote ssdt.dsl");
    if (dsl) {
        CHECK(strstr(dsl, "Scope (\\_SB)") && strstr(dsl, "Device (PCI0)"), "\\_SB.PCI0");
        CHECK(strstr(dsl, "Name (_HID, EisaId (\"PNP0A03\")"), "a PNP0A03 PCI host bridge");
        CHECK(strstr(dsl, "WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,"),
              "_CRS: the bus numbers");
        CHECK(strstr(dsl, "IO (Decode16,") && strstr(dsl, "0x0CF8,             // Range Minimum"),
              "_CRS: the configuration ports 0xCF8");
        CHECK(strstr(dsl, "0xC0000000,         // Range Minimum") && strstr(dsl, "0xFEBFFFFF,         // Range Maximum"),
              "_CRS: the PCI hole 0xC0000000-0xFEBFFFFF");
        CHECK(strstr(dsl, "0x0010FFFF,") && strstr(dsl, "0x0014FFFF,"), "_PRT: slots 0x10 and 0x14");
        CHECK(strstr(dsl, "0x0B\n") || strstr(dsl, "0x0B\r\n"), "_PRT: GSI 11");
        CHECK(strstr(dsl, "Name (_PRT, Package (0x08)"), "_PRT: four pins for each of two slots");
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    CHECK_DONE();
}
