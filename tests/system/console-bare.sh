#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The service console's kernel and initramfs (console-domain/) on plain QEMU,
# no hypervisor: both flavours boot to a root shell on ttyS0, load the
# drivers of the machine's devices, get a DHCP lease, fetch a page from the
# host, read and write a raw disk and mount an ext4 one, and power off.
#
#  - cloud flavour (CONSOLE_KERNEL): it has no e1000e, e1000 or ahci driver,
#    so this machine has virtio-net and vmxnet3 NICs, a virtio-blk disk and a
#    disk on a PVSCSI controller;
#  - generic flavour (CONSOLE_KERNEL_GENERIC): q35 as it comes, e1000e NIC and
#    disks on the ICH9 AHCI controller (ide.0, ide.1).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/system/lib.sh
. tests/system/console_lib.sh

top=build/tests/system/console-bare
rm -rf "$top"
mkdir -p "$top/www"

for f in build/console/vmlinuz build/console/initrd.img \
    build/console/vmlinuz-generic build/console/initrd-generic.img; do
    [[ -f $f ]] || { fail "console-bare: $f is missing (run: make console)"; exit 1; }
done

M=(-M q35 -cpu qemu64 -smp 2 -m 2048 -append console=ttyS0)
nonce=$RANDOM$RANDOM
echo "SKERRY-HTTP-OK $nonce" >"$top/www/token.txt"
http_start "$top/www" "$top/http.log" || { fail "console-bare: python http.server did not start"; exit 1; }
trap http_stop EXIT
port=$HTTP_PORT

# Disks: a raw scratch disk whose first MiB is a pattern from the host, and
# an ext4 image made on the host with one file in it.
make_disks() {   # make_disks <dir>
    pattern "HOST-$nonce" 1048576 >"$1/disk.img"
    truncate -s 16M "$1/disk.img"
    mkdir -p "$1/ext4"
    echo "SKERRY-EXT4-OK $nonce" >"$1/ext4/token.txt"
    mkfs.ext4 -q -F -d "$1/ext4" "$1/ext4.img" 8M >/dev/null
}
host_md5=$(pattern "HOST-$nonce" 1048576 | md5sum | cut -d' ' -f1)
guest_text=GUEST-$nonce
guest_md5=$(pattern "$guest_text" 1048576 | md5sum | cut -d' ' -f1)

# Guest-side helpers, defined in the console's shell by the first command:
# the interface with a MAC address, the disk of a size in 512-byte sectors.
# shellcheck disable=SC2016  # expanded by the guest's shell
helpers='ifby() { for n in /sys/class/net/*; do [ "$(cat $n/address)" = "$1" ] && echo ${n##*/}; done; }; diskby() { for b in /sys/block/*; do [ "$(cat $b/size)" = "$1" ] && echo /dev/${b##*/}; done; }; true'

judge_boot() {   # judge_boot <dir> <flavour>
    local d=$1 fl=$2
    if [[ $(step_rc "$d" marker) == 0 ]]; then
        pass "$fl: /init marker after $(step_time "$d" marker)s of QEMU ($(sed -E 's/.*SKERRY-CONSOLE-INIT ([0-9.]+).*/\1/' "$d/marker.out")s guest uptime)"
    else
        fail "$fl: no SKERRY-CONSOLE-INIT marker: $(why_failed "$d" marker)"
    fi
    check_step "$d" shell "$fl: root shell on the serial console"
}

# --- cloud flavour: virtio and VMware devices ------------------------------
d=$top/cloud
mkdir -p "$d"
make_disks "$d"
cat >"$d/steps" <<EOF
wait marker 60 $CONSOLE_MARKER
$(login_steps)
cmd helpers 10 $helpers
cmd modules 10 cut -d' ' -f1 /proc/modules
cmd nics 10 V=\$(ifby 52:54:00:5c:00:01); X=\$(ifby 52:54:00:5c:00:02); echo "virtio=\$V vmxnet3=\$X"; [ -n "\$V" ] && [ -n "\$X" ]
cmd dhcp-virtio 30 udhcpc -i \$V -n -q && ip -4 addr show dev \$V
cmd wget-virtio 30 wget -O - http://10.0.2.2:$port/token.txt
cmd dhcp-vmxnet3 30 udhcpc -i \$X -n -q && ip -4 addr show dev \$X
cmd wget-vmxnet3 30 wget -O - http://10.0.3.2:$port/token.txt
$(disk_steps vda /dev/vda "$host_md5" "$guest_text" "$guest_md5")
cmd ext4 30 grep -w ext4 /proc/filesystems && mount -t ext4 /dev/sda /mnt && cat /mnt/token.txt && echo "$guest_text" >/mnt/from-guest.txt && umount /mnt
send poweroff
exit off 30
EOF
console_run "$d" "$d/steps" 100 "${M[@]}" \
    -kernel build/console/vmlinuz -initrd build/console/initrd.img \
    -nic user,model=virtio-net-pci,mac=52:54:00:5c:00:01 \
    -netdev user,id=n1,net=10.0.3.0/24 -device vmxnet3,netdev=n1,mac=52:54:00:5c:00:02 \
    -drive file="$d/disk.img",format=raw,if=none,id=d0 -device virtio-blk-pci,drive=d0 \
    -drive file="$d/ext4.img",format=raw,if=none,id=d1 -device pvscsi,id=pvscsi0 \
    -device scsi-hd,drive=d1,bus=pvscsi0.0

judge_boot "$d" cloud
check_output "$d" modules '^virtio_net$' "cloud: virtio_net loaded for the virtio NIC"
check_output "$d" modules '^vmxnet3$' "cloud: vmxnet3 loaded for the VMXNET3 NIC"
check_output "$d" modules '^virtio_blk$' "cloud: virtio_blk loaded for the virtio disk"
check_output "$d" modules '^vmw_pvscsi$' "cloud: vmw_pvscsi loaded for the PVSCSI controller"
check_output "$d" dhcp-virtio 'inet 10\.0\.2\.15/24' "cloud: udhcpc gets 10.0.2.15 on the virtio NIC"
check_output "$d" wget-virtio "SKERRY-HTTP-OK $nonce" "cloud: wget fetches a page from the host over virtio-net"
check_output "$d" dhcp-vmxnet3 'inet 10\.0\.3\.15/24' "cloud: udhcpc gets 10.0.3.15 on the VMXNET3 NIC"
check_output "$d" wget-vmxnet3 "SKERRY-HTTP-OK $nonce" "cloud: wget fetches a page from the host over vmxnet3"
check_step "$d" vda-read "cloud: /dev/vda reads what the host wrote"
check_step "$d" vda-write "cloud: /dev/vda reads back what dd wrote"
if [[ $(step_rc "$d" vda-write) == 0 ]] && disk_check "$d/disk.img" "$guest_md5"; then
    pass "cloud: the guest's writes to /dev/vda are in the disk image"
else
    fail "cloud: the disk image lacks what the guest wrote to /dev/vda"
fi
check_output "$d" ext4 "SKERRY-EXT4-OK $nonce" "cloud: ext4 on the PVSCSI disk mounts and reads"
if [[ $(debugfs -R "cat /from-guest.txt" "$d/ext4.img" 2>/dev/null) == "$guest_text" ]]; then
    pass "cloud: a file written to ext4 in the guest is in the image"
else
    fail "cloud: the ext4 image lacks the file the guest wrote"
fi
check_step "$d" off "cloud: poweroff ends QEMU"

# --- generic flavour: q35's own e1000e and AHCI ----------------------------
d=$top/generic
mkdir -p "$d"
make_disks "$d"
# shellcheck disable=SC2016  # $S is the guest's variable
sda_steps=$(disk_steps sda '$S' "$host_md5" "$guest_text" "$guest_md5")
cat >"$d/steps" <<EOF
wait marker 90 $CONSOLE_MARKER
$(login_steps)
cmd helpers 10 $helpers
cmd modules 10 cut -d' ' -f1 /proc/modules
cmd dhcp 30 udhcpc -i eth0 -n && ip -4 addr show dev eth0
cmd wget 30 wget -O - http://10.0.2.2:$port/token.txt
cmd disks 20 S=\$(diskby 32768); E=\$(diskby 16384); echo "scratch=\$S ext4=\$E"; [ -n "\$S" ] && [ -n "\$E" ]
$sda_steps
cmd ext4 30 grep -w ext4 /proc/filesystems && mount -t ext4 \$E /mnt && cat /mnt/token.txt && echo "$guest_text" >/mnt/from-guest.txt && umount /mnt
send reboot
exit reboot 30
EOF
# One CPU: the generic kernel's SMP boot under TCG sometimes stalls in PCI
# probing on a loaded host, with or without the vmkernel.
console_run "$d" "$d/steps" 120 "${M[@]}" -smp 1 \
    -kernel build/console/vmlinuz-generic -initrd build/console/initrd-generic.img \
    -nic user,model=e1000e \
    -drive file="$d/disk.img",format=raw,if=none,id=d0 -device ide-hd,drive=d0,bus=ide.0 \
    -drive file="$d/ext4.img",format=raw,if=none,id=d1 -device ide-hd,drive=d1,bus=ide.1

judge_boot "$d" generic
check_output "$d" modules '^e1000e$' "generic: e1000e loaded for q35's NIC"
check_output "$d" modules '^ahci$' "generic: ahci loaded for q35's SATA controller"
check_output "$d" dhcp 'inet 10\.0\.2\.15/24' "generic: udhcpc -i eth0 gets 10.0.2.15"
check_output "$d" wget "SKERRY-HTTP-OK $nonce" "generic: wget fetches a page from the host over e1000e"
check_output "$d" disks 'scratch=/dev/sd[a-z] ' "generic: the AHCI disks appear as /dev/sd*"
check_step "$d" sda-read "generic: the AHCI disk reads what the host wrote"
check_step "$d" sda-write "generic: the AHCI disk reads back what dd wrote"
if [[ $(step_rc "$d" sda-write) == 0 ]] && disk_check "$d/disk.img" "$guest_md5"; then
    pass "generic: the guest's writes to the AHCI disk are in the disk image"
else
    fail "generic: the disk image lacks what the guest wrote to the AHCI disk"
fi
check_output "$d" ext4 "SKERRY-EXT4-OK $nonce" "generic: ext4 (a module here) mounts and reads"
if [[ $(debugfs -R "cat /from-guest.txt" "$d/ext4.img" 2>/dev/null) == "$guest_text" ]]; then
    pass "generic: a file written to ext4 in the guest is in the image"
else
    fail "generic: the ext4 image lacks the file the guest wrote"
fi
check_step "$d" reboot "generic: reboot ends QEMU (-no-reboot)"
