#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Put the demo VM on a datastore image, as `make run` does on first use:
# /demo/demo.vmx with Debian's kernel (the console's) and the demo guest's
# busybox initramfs (build/guest/initrd.img), 96 MB, one vCPU, its COM1
# written to serial0.log beside it, a vmxnet3 on "VM Network" (it takes an
# address from the console's DHCP on vSwitch0).  Through our own vmfs-fuse on the host.
#
#   tools/place-demo-vm.sh <datastore.img>
#
# Exit status 1 when the image could not be mounted (nothing placed).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/demo_vm_lib.sh
img=$1
mnt=$(mktemp -d)
trap 'fusermount3 -u "$mnt" 2>/dev/null; rmdir "$mnt"' EXIT
if ! build/bin/vmfs-fuse "$img" "$mnt" 2>"$mnt.err"; then
    echo "place-demo-vm: cannot mount $img ($(cat "$mnt.err")); no demo VM placed" >&2
    rm -f "$mnt.err"
    exit 1
fi
rm -f "$mnt.err"
if [[ -e $mnt/demo ]]; then
    exit 0
fi
vmx_write_vm "$mnt" demo 96 "console=ttyS0 quiet skerry.tools=demo"
vmx_add_nic "$mnt/demo/demo.vmx"
echo 'ethernet0.addressType = "generated"' >>"$mnt/demo/demo.vmx"
echo "place-demo-vm: the demo VM is /vmfs/volumes/datastore1/demo/demo.vmx"
