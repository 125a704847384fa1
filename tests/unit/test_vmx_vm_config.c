/* SPDX-License-Identifier: GPL-2.0-only */
/* Host unit tests for the .vmx keys vmware-vmx reads (vmx/config/vm_config.c):
 * a VM as ESX 3 writes it, defaults, relative paths, and one clear error per
 * kind of bad value. */
#include "check.h"

#include <string.h>

#include "../../vmx/config/vm_config.h"

static struct vm_config cfg;
static char err[512];

/* Parse text as /vmfs/volumes/datastore1/vm1/vm1.vmx: 0 or -1. */
static int read_text(const char *text)
{
    struct vmx_dict *d = NULL;
    char perr[256];
    if (vmx_dict_parse(text, strlen(text), &d, perr, sizeof perr) < 0) {
        snprintf(err, sizeof err, "parse: %s", perr);
        return -2;
    }
    err[0] = '\0';
    int r = vm_config_read(d, "/vmfs/volumes/datastore1/vm1/vm1.vmx", &cfg, err, sizeof err);
    vmx_dict_free(d);
    return r;
}

static const char esx_vm[] =
    "config.version = \"8\"\n"
    "virtualHW.version = \"4\"\n"
    "displayName = \"web server\"\n"
    "guestOS = \"debian5-64\"\n"
    "memsize = \"256\"\n"
    "numvcpus = \"2\"\n"
    "skerry.kernel = \"vmlinuz\"\n"
    "skerry.initrd = \"/boot/initrd.img\"\n"
    "skerry.cmdline = \"console=ttyS0 quiet\"\n"
    "serial0.present = \"TRUE\"\n"
    "serial0.fileType = \"file\"\n"
    "serial0.fileName = \"serial.log\"\n"
    "serial1.present = \"true\"\n"
    "serial1.fileType = \"network\"\n"
    "serial1.fileName = \"telnet://:5001\"\n"
    "serial1.network.endPoint = \"client\"\n"
    "scsi0.present = \"TRUE\"\n"
    "scsi0.virtualDev = \"pvscsi\"\n"
    "scsi0:0.present = \"TRUE\"\n"
    "scsi0:0.fileName = \"vm1.vmdk\"\n"
    "scsi0:1.present = \"TRUE\"\n"
    "scsi0:1.fileName = \"/vmfs/volumes/datastore2/data.vmdk\"\n"
    "scsi0:1.deviceType = \"scsi-hardDisk\"\n"
    "ethernet0.present = \"TRUE\"\n"
    "ethernet0.virtualDev = \"vmxnet3\"\n"
    "ethernet0.networkName = \"VM Network\"\n"
    "ethernet0.addressType = \"generated\"\n"
    "ethernet0.generatedAddress = \"00:0c:29:12:34:56\"\n"
    "ethernet1.present = \"TRUE\"\n"
    "ethernet1.virtualDev = \"VMXNET3\"\n"
    "ethernet1.networkName = \"Backup\"\n"
    "ethernet1.addressType = \"static\"\n"
    "ethernet1.address = \"00:50:56:3f:00:01\"\n"
    "uuid.bios = \"56 4d 12 34 56 78 9a bc-de f0 12 34 56 78 9a bc\"\n";

static void test_full_vm(void)
{
    CHECK_EQ(read_text(esx_vm), 0, "an ESX-style .vmx reads (%.100s)", err);
    CHECK(strcmp(cfg.display_name, "web server") == 0, "displayName");
    CHECK(strcmp(cfg.guest_os, "debian5-64") == 0, "guestOS");
    CHECK_EQ(cfg.memsize_mb, 256, "memsize");
    CHECK_EQ(cfg.numvcpus, 2, "numvcpus");
    CHECK(strcmp(cfg.kernel, "/vmfs/volumes/datastore1/vm1/vmlinuz") == 0,
          "skerry.kernel: relative to the .vmx's directory (%.100s)", cfg.kernel);
    CHECK(strcmp(cfg.initrd, "/boot/initrd.img") == 0, "skerry.initrd: an absolute path stays");
    CHECK(strcmp(cfg.cmdline, "console=ttyS0 quiet") == 0, "skerry.cmdline");
    CHECK(cfg.serial[0].present && cfg.serial[0].type == VM_SERIAL_FILE &&
              strcmp(cfg.serial[0].file_name, "/vmfs/volumes/datastore1/vm1/serial.log") == 0,
          "serial0: a file beside the .vmx");
    CHECK(cfg.serial[1].present && cfg.serial[1].type == VM_SERIAL_NETWORK && !cfg.serial[1].server &&
              strcmp(cfg.serial[1].file_name, "telnet://:5001") == 0,
          "serial1: network client, the URI kept as written; \"true\" in lower case is TRUE");
    CHECK(!cfg.serial[2].present && !cfg.serial[3].present, "serial2, serial3: absent");
    CHECK(cfg.scsi[0].present && cfg.scsi[0].virtual_dev == VM_SCSI_PVSCSI, "scsi0: pvscsi");
    CHECK(cfg.scsi[0].unit[0].present &&
              strcmp(cfg.scsi[0].unit[0].file_name, "/vmfs/volumes/datastore1/vm1/vm1.vmdk") == 0,
          "scsi0:0: the disk beside the .vmx");
    CHECK(cfg.scsi[0].unit[1].present &&
              strcmp(cfg.scsi[0].unit[1].file_name, "/vmfs/volumes/datastore2/data.vmdk") == 0,
          "scsi0:1: on another datastore");
    CHECK(!cfg.scsi[0].unit[2].present && !cfg.scsi[1].present, "scsi0:2 and scsi1: absent");
    static const uint8_t gen[6] = { 0x00, 0x0C, 0x29, 0x12, 0x34, 0x56 };
    CHECK(cfg.ethernet[0].present && !cfg.ethernet[0].static_mac && cfg.ethernet[0].has_mac &&
              memcmp(cfg.ethernet[0].mac, gen, 6) == 0 && strcmp(cfg.ethernet[0].network_name, "VM Network") == 0,
          "ethernet0: generated address 00:0c:29:12:34:56 on \"VM Network\"");
    static const uint8_t stat[6] = { 0x00, 0x50, 0x56, 0x3F, 0x00, 0x01 };
    CHECK(cfg.ethernet[1].present && cfg.ethernet[1].static_mac && memcmp(cfg.ethernet[1].mac, stat, 6) == 0 &&
              strcmp(cfg.ethernet[1].network_name, "Backup") == 0,
          "ethernet1: static address, virtualDev in any case");
}

static void test_defaults(void)
{
    CHECK_EQ(read_text("skerry.kernel = \"k\"\nethernet0.present = \"TRUE\"\nethernet0.virtualDev = \"vmxnet3\"\n"),
             0, "a minimal .vmx reads (%.100s)", err);
    CHECK(strcmp(cfg.display_name, "vm1") == 0, "displayName: the file's name without .vmx (%.100s)", cfg.display_name);
    CHECK_EQ(cfg.memsize_mb, 32, "memsize: 32 MB when absent");
    CHECK_EQ(cfg.numvcpus, 1, "numvcpus: 1 when absent");
    CHECK(strcmp(cfg.guest_os, "other") == 0 && cfg.initrd[0] == '\0' && cfg.cmdline[0] == '\0',
          "guestOS other, no initrd, empty command line");
    CHECK(cfg.ethernet[0].present && !cfg.ethernet[0].has_mac && !cfg.ethernet[0].static_mac &&
              strcmp(cfg.ethernet[0].network_name, "VM Network") == 0,
          "ethernet0: no address yet (vmx generates one), port group \"VM Network\"");
    CHECK_EQ(read_text("skerry.kernel = \"k\"\nserial0.present = \"TRUE\"\nserial0.fileType = \"pipe\"\n"
                       "serial0.fileName = \"/tmp/vm1.pipe\"\n"),
             0, "a pipe serial port reads (%.100s)", err);
    CHECK(cfg.serial[0].type == VM_SERIAL_PIPE && cfg.serial[0].server, "serial0: a pipe, server by default");

    struct vmx_dict *d = NULL;
    char perr[64];
    vmx_dict_parse("skerry.kernel = \"k\"\n", 20, &d, perr, sizeof perr);
    CHECK_EQ(vm_config_read(d, "bare.vmx", &cfg, err, sizeof err), 0, "a .vmx in the current directory");
    CHECK(strcmp(cfg.kernel, "k") == 0 && strcmp(cfg.display_name, "bare") == 0, "its names stay relative");
    CHECK_EQ(vm_config_read(d, "/top.vmx", &cfg, err, sizeof err), 0, "a .vmx in /");
    CHECK(strcmp(cfg.kernel, "/k") == 0, "its kernel is /k (%.100s)", cfg.kernel);
    vmx_dict_free(d);
}

/* Each bad value: refused, and the message names the key and the reason. */
static void expect_error(const char *text, const char *want, const char *what)
{
    int r = read_text(text);
    CHECK(r == -1 && strstr(err, want) != NULL, "%.60s: \"%.150s\"", what, err);
}

#define K "skerry.kernel = \"k\"\n"

static void test_errors(void)
{
    expect_error("memsize = \"256\"\n", "skerry.kernel: missing", "no kernel");
    expect_error(K "memsize = \"3\"\n", "memsize = \"3\": must be a multiple of 4 MB from 4 to 65536",
                 "memsize not a multiple of 4");
    expect_error(K "memsize = \"131072\"\n", "memsize = \"131072\": must be", "memsize too large");
    expect_error(K "memsize = \"lots\"\n", "memsize = \"lots\"", "memsize not a number");
    expect_error(K "numvcpus = \"0\"\n", "numvcpus = \"0\": must be a number from 1 to 8", "no vCPUs");
    expect_error(K "numvcpus = \"9\"\n", "numvcpus = \"9\"", "too many vCPUs");
    expect_error(K "serial0.present = \"maybe\"\n", "serial0.present = \"maybe\": must be TRUE or FALSE",
                 "a bad boolean");
    expect_error(K "serial0.present = \"TRUE\"\nserial0.fileType = \"device\"\nserial0.fileName = \"/dev/ttyS0\"\n",
                 "serial0.fileType = \"device\": must be \"file\", \"pipe\" or \"network\"", "a host serial device");
    expect_error(K "serial0.present = \"TRUE\"\n", "serial0.fileName: missing", "a serial file without a name");
    expect_error(K "serial0.present = \"TRUE\"\nserial0.fileName = \"\"\n", "serial0.fileName = \"\": empty file name",
                 "an empty serial file name");
    expect_error(K "serial0.present = \"TRUE\"\nserial0.fileType = \"network\"\nserial0.fileName = \"host:22\"\n",
                 "must be a telnet://[host]:port or tcp://[host]:port URI", "a network port without a URI");
    expect_error(K "serial0.present = \"TRUE\"\nserial0.fileType = \"network\"\nserial0.fileName = \"telnet://h\"\n",
                 "has no port", "a network URI without a port");
    expect_error(K "serial0.present = \"TRUE\"\nserial0.fileType = \"pipe\"\nserial0.fileName = \"p\"\n"
                   "serial0.pipe.endPoint = \"both\"\n",
                 "serial0.pipe.endPoint = \"both\": must be \"server\" or \"client\"", "a bad pipe end");
    expect_error(K "scsi0.present = \"TRUE\"\nscsi0.virtualDev = \"lsilogic\"\n",
                 "scsi0.virtualDev = \"lsilogic\": only \"pvscsi\"", "an LSI Logic adapter");
    expect_error(K "scsi0.present = \"TRUE\"\n", "scsi0.virtualDev: only \"pvscsi\"", "an adapter without virtualDev");
    expect_error(K "scsi1:0.present = \"TRUE\"\nscsi1:0.fileName = \"d.vmdk\"\n",
                 "scsi1:0.present = \"TRUE\": the disk's adapter scsi1 is not present", "a disk without its adapter");
    expect_error(K "scsi0.present = \"TRUE\"\nscsi0.virtualDev = \"pvscsi\"\nscsi0:7.present = \"TRUE\"\n",
                 "unit 7 is the SCSI adapter's own ID", "a disk at unit 7");
    expect_error(K "scsi0.present = \"TRUE\"\nscsi0.virtualDev = \"pvscsi\"\nscsi0:0.present = \"TRUE\"\n",
                 "scsi0:0.fileName: missing", "a disk without a file");
    expect_error(K "scsi0.present = \"TRUE\"\nscsi0.virtualDev = \"pvscsi\"\nscsi0:0.present = \"TRUE\"\n"
                   "scsi0:0.fileName = \"cd.iso\"\nscsi0:0.deviceType = \"cdrom-image\"\n",
                 "scsi0:0.deviceType = \"cdrom-image\": only \"scsi-hardDisk\"", "a CD-ROM image");
    expect_error(K "ethernet0.present = \"TRUE\"\n", "ethernet0.virtualDev: only \"vmxnet3\"",
                 "a NIC without virtualDev (ESX's default vlance)");
    expect_error(K "ethernet0.present = \"TRUE\"\nethernet0.virtualDev = \"e1000\"\n",
                 "ethernet0.virtualDev = \"e1000\": only \"vmxnet3\"", "an e1000");
#define NIC K "ethernet0.present = \"TRUE\"\nethernet0.virtualDev = \"vmxnet3\"\n"
    expect_error(NIC "ethernet0.addressType = \"static\"\n",
                 "ethernet0.address: missing: addressType \"static\" needs an address", "static without an address");
    expect_error(NIC "ethernet0.addressType = \"static\"\nethernet0.address = \"00:0c:29:00:00:01\"\n",
                 "a static address must be from 00:50:56:00:00:00 to 00:50:56:3F:FF:FF", "a static address off range");
    expect_error(NIC "ethernet0.addressType = \"static\"\nethernet0.address = \"00:50:56:40:00:01\"\n",
                 "must be from 00:50:56:00:00:00", "00:50:56:40: past VMware's manual range");
    expect_error(NIC "ethernet0.generatedAddress = \"00:0c:29:12:34\"\n",
                 "ethernet0.generatedAddress = \"00:0c:29:12:34\": not a MAC address", "a short MAC");
    expect_error(NIC "ethernet0.generatedAddress = \"01:0c:29:12:34:56\"\n", "a multicast address",
                 "a multicast MAC");
    expect_error(NIC "ethernet0.addressType = \"dhcp\"\n", "ethernet0.addressType = \"dhcp\": must be",
                 "an unknown address type");
    char longname[300];
    memset(longname, 'n', sizeof longname);
    memcpy(longname, K "displayName = \"", 35);
    memcpy(longname + sizeof longname - 3, "\"\n", 3);
    expect_error(longname, "displayName = \"nnn", "a display name too long");
}

static void test_mac_parse(void)
{
    uint8_t m[6];
    CHECK(vm_config_parse_mac("00:50:56:AB:cd:0F", m) && m[3] == 0xAB && m[4] == 0xCD && m[5] == 0x0F,
          "MAC: either case of hex digits");
    CHECK(!vm_config_parse_mac("00-50-56-ab-cd-0f", m), "MAC: dashes are not ESX's form");
    CHECK(!vm_config_parse_mac("00:50:56:ab:cd:0f:", m), "MAC: trailing text");
    CHECK(!vm_config_parse_mac("0:50:56:ab:cd:0f0", m), "MAC: digits in the wrong places");
    CHECK(!vm_config_parse_mac("", m), "MAC: empty");
}

int main(void)
{
    test_full_vm();
    test_defaults();
    test_errors();
    test_mac_parse();
    CHECK_DONE();
}
