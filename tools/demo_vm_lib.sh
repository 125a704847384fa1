# SPDX-License-Identifier: GPL-2.0-only
# Demo-guest VMs written onto a VMFS datastore mounted on the host: make
# run's demo VM (tools/place-demo-vm.sh) and those of the system test and
# the benchmark that run them under vmware-vmx (tests/system/vmx-guest.sh,
# tests/bench/vmx-bench.sh).  From the project's root.

# vmx_write_vm <datastore dir> <name> <memsize> <kernel command-line words>:
# <dir>/<name>/ with the console's kernel, the demo guest's initramfs and
# <name>.vmx, its COM1 going to serial0.log beside it.
vmx_write_vm() {
    mkdir "$1/$2"
    cp build/console/vmlinuz build/guest/initrd.img "$1/$2/"
    cat >"$1/$2/$2.vmx" <<VMX
.encoding = "UTF-8"
config.version = "8"
virtualHW.version = "4"
displayName = "$2"
guestOS = "other26xlinux-64"
memsize = "$3"
numvcpus = "1"
# Booted directly (no BIOS yet): Debian's kernel and a busybox initramfs.
skerry.kernel = "vmlinuz"
skerry.initrd = "initrd.img"
skerry.cmdline = "$4"
serial0.present = "TRUE"
serial0.fileType = "file"
serial0.fileName = "serial0.log"
VMX
}

# vmx_add_nic <vmx file>: a vmxnet3 NIC on "VM Network" (vSwitch0).
vmx_add_nic() {
    cat >>"$1" <<VMX
ethernet0.present = "TRUE"
ethernet0.virtualDev = "vmxnet3"
ethernet0.networkName = "VM Network"
VMX
}
