/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a .vmx file asks for, read out of its dictionary (vmx_dict.h) and
 * checked: memory, vCPUs, the guest kernel, the serial ports, the SCSI
 * disks and the NICs, with the key names and values ESX 3 writes.  Keys
 * this does not know are left to the dictionary, which keeps them.
 *
 * Every error names the key and says what is wrong with its value, as
 * vmware.log would: `memsize = "3"`: must be a multiple of 4 MB from 4 to
 * 65536.  Relative file names are taken from the .vmx file's directory.
 */
#ifndef SKERRY_VMX_VM_CONFIG_H
#define SKERRY_VMX_VM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "vmx_dict.h"

#define VM_CONFIG_PATH_MAX    1024
#define VM_CONFIG_MAX_VCPUS   8
#define VM_CONFIG_MIN_MEM_MB  4
#define VM_CONFIG_MAX_MEM_MB  65536
#define VM_CONFIG_SERIALS     4         /* serial0..serial3 */
#define VM_CONFIG_SCSI        4         /* scsi0..scsi3 */
#define VM_CONFIG_SCSI_UNITS  16        /* scsiN:0..scsiN:15, unit 7 being the adapter */
#define VM_CONFIG_SCSI_ADAPTER_UNIT 7
#define VM_CONFIG_ETHERNET    4         /* ethernet0..ethernet3 */

enum vm_serial_type {
    VM_SERIAL_FILE,             /* output appended to fileName */
    VM_SERIAL_PIPE,             /* a named pipe (a Unix socket here) at fileName */
    VM_SERIAL_NETWORK,          /* telnet://[host]:port, tcp://[host]:port */
};

struct vm_serial {
    bool present;
    enum vm_serial_type type;
    char file_name[VM_CONFIG_PATH_MAX];     /* a path made absolute, or the network URI */
    bool server;                            /* pipe or network endpoint: server (the default) */
    bool yield_on_poll;                     /* serialN.yieldOnMsrRead: kept, unused */
};

struct vm_disk {
    bool present;
    char file_name[VM_CONFIG_PATH_MAX];     /* the .vmdk descriptor, absolute */
};

enum vm_scsi_type {
    VM_SCSI_PVSCSI,
};

struct vm_scsi {
    bool present;
    enum vm_scsi_type virtual_dev;
    struct vm_disk unit[VM_CONFIG_SCSI_UNITS];
};

struct vm_ethernet {
    bool present;
    char network_name[64];                  /* the port group, "VM Network" by default */
    bool static_mac;                        /* addressType "static" */
    bool has_mac;                           /* mac holds address or generatedAddress */
    uint8_t mac[6];
};

struct vm_config {
    char display_name[128];
    char guest_os[64];
    unsigned memsize_mb;
    unsigned numvcpus;
    /* The guest kernel, until a BIOS boots from a virtual disk. */
    char kernel[VM_CONFIG_PATH_MAX];
    char initrd[VM_CONFIG_PATH_MAX];        /* "" for none */
    char cmdline[2048];
    struct vm_serial serial[VM_CONFIG_SERIALS];
    struct vm_scsi scsi[VM_CONFIG_SCSI];
    struct vm_ethernet ethernet[VM_CONFIG_ETHERNET];
    const struct vmx_dict *dict;            /* the whole file, for keys read later (guestinfo.*) */
};

/*
 * Fill *out from the dictionary of the .vmx file at vmx_path (its
 * directory anchors relative names; its base name without .vmx is the
 * display name when displayName is absent).  0, or -1 with err holding
 * the first problem found; *out is then not to be used.
 */
int vm_config_read(const struct vmx_dict *d, const char *vmx_path, struct vm_config *out, char *err,
                   size_t errlen);

/* "00:50:56:0a:0b:0c" into mac: true, or false for anything else. */
bool vm_config_parse_mac(const char *text, uint8_t mac[6]);

#endif
