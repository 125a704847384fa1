#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Guest VMs under vmware-vmx, from the service console: a VMFS datastore
# made on the host holds three VMs (.vmx, Debian's kernel and the demo
# guest's initramfs); the console (under the vmkernel in QEMU, one CPU)
# mounts it and runs them: vm1 with vmware-vmx in the foreground until its
# guest powers off through ACPI; vm2, which spins its CPU, with vmware-cmd
# (register, start, getstate, reset hard, stop hard) while the console's
# responsiveness is timed; vm3 at the same time, which triple-faults;
# vm5, whose guest runs VMware Tools (open-vm-tools' vmtoolsd and
# vmware-rpctool): guestinfo both ways, its heartbeat, stop soft.
# Judged by the guests' serial output (serial0.fileName on the datastore),
# vmware.log, exit statuses, vmware-cmd's output, and the vmkernel's
# memory counts before and after.
set -u
cd "$(dirname "$0")/../.."
. tests/system/lib.sh
. tests/system/console_lib.sh
. tests/system/vmfs_lib.sh
. tools/demo_vm_lib.sh

d=build/tests/system/vmx-guest
rm -rf "$d"
mkdir -p "$d/mnt"
for f in build/vmkernel.elf build/console/vmlinuz build/console/vmlinuz-generic build/console/initrd.img \
    build/guest/initrd.img; do
    [[ -f $f ]] || { fail "vmx-guest: $f is missing (run: make)"; exit 1; }
done

# The datastore, written on the host through our own mount: vm1 powers
# itself off, vm2 spins its CPU until it is stopped, vm3 reboots with
# reboot=t, which ends in a triple fault.
ds=$d/datastore1.img
truncate -s 1G "$ds"
build/bin/vmkfstools -C vmfs3 -S datastore1 "$ds" >/dev/null
vmfs_mount "$ds" "$d/mnt" || { fail "vmx-guest: cannot mount the datastore on the host"; exit 1; }
write_vm() {   # write_vm <name> <memsize> <what the guest does>
    vmx_write_vm "$d/mnt" "$1" "$2" "console=ttyS0 quiet $3"
}
# add_disk <name>: a 64 MB thin VMDK made by our vmkfstools through the
# mount, its sector 100 written by the host, on scsi0:0 (PVSCSI).
add_disk() {
    build/bin/vmkfstools -c 64m -d thin "$d/mnt/$1/$1.vmdk" >/dev/null &&
        printf 'HOST-WROTE-SECTOR-100-%s' "$nonce" |
        dd of="$d/mnt/$1/$1-flat.vmdk" bs=512 seek=100 conv=notrunc,fsync status=none &&
        cat >>"$d/mnt/$1/$1.vmx" <<VMX
scsi0.present = "TRUE"
scsi0.virtualDev = "pvscsi"
scsi0:0.present = "TRUE"
scsi0:0.fileName = "$1.vmdk"
VMX
}
nonce=$RANDOM$RANDOM
# The outside, as QEMU's user network shows it to the console: a web
# server on the host's loopback, at 10.0.2.2 from inside.  vm1 fetches a
# page from it through the console's NAT.
mkdir -p "$d/www"
echo "outside-says-$nonce" >"$d/www/outside-$nonce"
www_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$www_port" --bind 127.0.0.1 --directory "$d/www" >"$d/www.log" 2>&1 &
www_pid=$!
trap 'kill $www_pid 2>/dev/null' EXIT
write_vm vm1 128 "skerry.guest=poweroff skerry.disk=$nonce skerry.net=192.168.75.1 skerry.outside=10.0.2.2:$www_port/outside-$nonce"
add_disk vm1 || fail "vmx-guest: cannot make vm1's disk on the host"
vmx_add_nic "$d/mnt/vm1/vm1.vmx"
echo 'ethernet0.addressType = "generated"' >>"$d/mnt/vm1/vm1.vmx"
write_vm vm2 96 skerry.guest=spin
sed -i 's/^numvcpus = .*/numvcpus = "2"/' "$d/mnt/vm2/vm2.vmx"
write_vm vm3 96 "skerry.guest=reboot reboot=t"
# vm4: Debian's generic kernel flavour instead of the cloud one.
write_vm vm4 128 skerry.guest=poweroff
cp build/console/vmlinuz-generic "$d/mnt/vm4/vmlinuz"
# vm5: VMware Tools, a NIC (Tools report its address), a guestinfo key in its .vmx.
write_vm vm5 128 "skerry.tools=$nonce skerry.shell2=1"
vmx_add_nic "$d/mnt/vm5/vm5.vmx"
cat >>"$d/mnt/vm5/vm5.vmx" <<VMX
serial1.present = "TRUE"
serial1.fileType = "network"
serial1.fileName = "telnet://:5001"
guestinfo.skerry.hostword = "host-set-$nonce"
VMX
# vm6 reboots itself the way Linux does by default: the FADT's reset
# register, 0xCF9 (reboot=k would go through the keyboard controller).
write_vm vm6 96 skerry.guest=reboot
# A VM no console untyped memory can hold.
sed 's/^memsize = .*/memsize = "65536"/' "$d/mnt/vm1/vm1.vmx" >"$d/mnt/vm1/huge.vmx"
vmfs_unmount "$d/mnt"

V=/vmfs/volumes/datastore1
# The free bytes of the console's boot untyped capabilities (mr2 of
# untyped_info; slots that hold none print nothing).
untyped='t=0; for s in $(seq 4 40); do v=$(vmkcall $s untyped_info 2>/dev/null | sed -n "s/^mr2=//p"); [ -n "$v" ] && t=$((t + v)); done; echo "untyped free $t"'
# A shell command's wall time in ms (the console's responsiveness).
# (/proc/uptime counts hundredths of a second; busybox date has no %N.)
timed='t0=$(cut -d" " -f1 /proc/uptime); ls -R /etc >/dev/null; cat /proc/vmware/sched/ncpus >/dev/null; t1=$(cut -d" " -f1 /proc/uptime); echo "took $(( (${t1/./} - ${t0/./}) * 10 )) ms"'
# waitfor <file> <pattern> <seconds> [count]: a console command that waits
# until the file has count lines matching, then prints them.
waitfor() {
    echo "for i in \$(seq $3); do [ \$(grep -c '$2' $1 2>/dev/null) -ge ${4:-1} ] 2>/dev/null && break; sleep 1; done; grep '$2' $1"
}
cat >"$d/steps" <<EOF2
wait marker 120 $CONSOLE_MARKER
$(login_steps)
cmd ready 60 for i in \$(seq 50); do [ -f $V/vm1/vm1.vmx ] && break; sleep 1; done; ls $V/vm1
cmd before 30 grep -o '[0-9]* MB free' /proc/vmware/mem; $untyped
cmd idle 30 $timed
cmd listen 10 (echo "console-says-$nonce" | nc -l -p 5000 >/tmp/tcp.got 2>&1 &); sleep 1; ip -4 addr show vSwitch0
cmd vmx 400 vmware-vmx $V/vm1/vm1.vmx; echo "status \$?"
cmd tcpgot 10 cat /tmp/tcp.got; grep -i 'generatedAddress' $V/vm1/vm1.vmx
cmd serial 10 cat $V/vm1/serial0.log
cmd vmwarelog 10 cat $V/vm1/vmware.log
cmd generic 300 vmware-vmx $V/vm4/vm4.vmx; echo "status \$?"; cat $V/vm4/serial0.log
cmd flat 10 dd if=$V/vm1/vm1-flat.vmdk bs=512 skip=2048 count=1 2>/dev/null | tr -d '\\000'; echo
cmd firstboot 10 vmware-cmd -l; grep 'vmware: registered' /var/log/messages
cmd register 30 vmware-cmd -s register $V/vm2/vm2.vmx && vmware-cmd -s register $V/vm3/vm3.vmx && vmware-cmd -l
cmd register2 10 vmware-cmd -s register $V/vm2/vm2.vmx; echo "status \$?"
cmd vm1state 10 vmware-cmd $V/vm1/vm1.vmx getstate
cmd start2 200 vmware-cmd $V/vm2/vm2.vmx start && vmware-cmd $V/vm2/vm2.vmx getstate
cmd again2 30 vmware-cmd $V/vm2/vm2.vmx start; echo "status \$?"
cmd up2 200 $(waitfor $V/vm2/serial0.log 'skerry-guest: spinning' 180)
cmd spin 60 $timed
cmd vm3 400 vmware-vmx $V/vm3/vm3.vmx; echo "status \$?"
cmd vm3log 10 cat $V/vm3/vmware.log $V/vm3/serial0.log
cmd alive2 10 vmware-cmd $V/vm2/vm2.vmx getstate
cmd reset2 30 vmware-cmd $V/vm2/vm2.vmx reset hard
cmd again2up 300 $(waitfor $V/vm2/serial0.log 'skerry-guest: spinning' 280 2)
cmd vm2log 10 cat $V/vm2/vmware.log
cmd serial2 10 cat $V/vm2/serial0.log
cmd stop2 120 vmware-cmd $V/vm2/vm2.vmx stop hard && vmware-cmd $V/vm2/vm2.vmx getstate
cmd start5 200 vmware-cmd -s register $V/vm5/vm5.vmx && vmware-cmd $V/vm5/vm5.vmx start
cmd up5 200 $(waitfor $V/vm5/serial0.log 'skerry-guest: vmtoolsd started' 180)
cmd tools5 200 c="vmware-cmd $V/vm5/vm5.vmx"; for i in \$(seq 120); do \$c gettoolslastactive | grep -q '= 1' && \$c getguestinfo ip | grep -q '= 192' && break; sleep 1; done; \$c gettoolslastactive; \$c getguestinfo ip; \$c getguestinfo skerry.guestword; \$c getheartbeat; sleep 4; \$c getheartbeat
cmd guestinfo5 30 c="vmware-cmd $V/vm5/vm5.vmx"; \$c setguestinfo skerry.fromcmd "two words" && \$c getguestinfo skerry.fromcmd; \$c getguestinfo skerry.hostword; \$c getguestinfo "two words"; echo "status \$?"; vmware-cmd $V/vm2/vm2.vmx getheartbeat; echo "status \$?"
cmd com2 30 (sleep 2; echo 'echo serial-in-\$((6*7))-ok'; sleep 4) | timeout 10 nc 127.0.0.1 5001 >/tmp/com2.out; tr -d '\r' </tmp/com2.out | grep -a 'serial-in'
cmd stop5 200 vmware-cmd $V/vm5/vm5.vmx stop soft && vmware-cmd $V/vm5/vm5.vmx getstate
cmd vm5log 10 cat $V/vm5/vmware.log $V/vm5/serial0.log; echo
cmd start6 200 vmware-cmd -s register $V/vm6/vm6.vmx && vmware-cmd $V/vm6/vm6.vmx start
cmd reboot6 300 $(waitfor $V/vm6/serial0.log 'skerry-guest: rebooting' 280 2)
cmd stop6 120 vmware-cmd $V/vm6/vm6.vmx stop hard; grep -E 'Powering off|restarted' $V/vm6/vmware.log
cmd unregister 30 vmware-cmd -s unregister $V/vm3/vm3.vmx && vmware-cmd -l; cat /etc/vmware/vm-list
cmd after 30 grep -o '[0-9]* MB free' /proc/vmware/mem; $untyped
cmd huge 60 vmware-vmx $V/vm1/huge.vmx; echo "status \$?"
cmd bad 10 vmware-vmx $V/vm1/missing.vmx; echo "status \$?"
cmd after2 30 grep -o '[0-9]* MB free' /proc/vmware/mem; $untyped
cmd last 200 vmware-cmd $V/vm2/vm2.vmx start
send poweroff
wait k10 120 Powering off virtual machines:.*OK
exit off 60
EOF2
# One CPU: the console and the guests share it, as the scheduler must allow.
console_run "$d" "$d/steps" 1500 -M q35 -cpu qemu64,+svm,+npt -smp 1 -m 2048 \
    -kernel build/vmkernel.elf -append "vmkernel_mem=512M" \
    -initrd "build/console/vmlinuz console=ttyS0 panic=-1 skerry.register=$V/vm1/vm1.vmx,build/console/initrd.img" \
    -serial "file:$d/vmkernel.log" -nic user,model=virtio-net-pci \
    -drive "file=$ds,format=raw,if=virtio"
out() { tr -d '\r' <"$d/$1.out"; }

check_step "$d" shell "vmx-guest: the console boots to a root shell"
check_output "$d" ready 'vm1\.vmx' "vmx-guest: the datastore made on the host is mounted with vm1 on it"

# vm1: vmware-vmx in the foreground.
check_output "$d" vmx '^status 0$' "vmx-guest: vmware-vmx ran vm1 until the guest powered off, exit status 0"
check_output "$d" serial '^skerry-guest: Linux 6\.1\.[0-9]+-[0-9]+-cloud-amd64 is up on 1 vCPU\(s\)' \
    "vmx-guest: the guest's Linux booted and wrote to its COM1, captured in serial0.fileName"
check_output "$d" serial '^skerry-guest: powering off$' "vmx-guest: the guest said it powers off"
check_output "$d" vmwarelog '^[A-Z][a-z]{2} [0-9]{2} [0-9:]{8}\.[0-9]{3}: vmx\| VMX started for "vm1"' \
    "vmx-guest: vmware.log is beside the .vmx, in ESX's line format"
check_output "$d" vmwarelog 'vmx\| Guest kernel .*vmlinuz \(Linux 6\.1\.' "vmx-guest: vmware.log names the guest kernel"
check_output "$d" vmwarelog 'vmx\| Powering off: the guest powered off$' "vmx-guest: vmware.log says the guest powered off"
check_output "$d" vmwarelog 'vmx\| scsi0: PVSCSI at PCI 00:10\.0, registers at 0x' "vmx-guest: vmware.log places the PVSCSI adapter"
check_output "$d" vmwarelog 'vmx\| scsi0:0: .*/vm1/vm1\.vmdk, 64 MB$' "vmx-guest: and its disk, the VMDK on VMFS"
check_output "$d" serial '^skerry-guest: disk sda of 131072 sectors$' \
    "vmx-guest: the guest's vmw_pvscsi driver found the 64 MB disk (sd: 131072 sectors)"
check_output "$d" serial "^skerry-guest: disk sector 100: HOST-WROTE-SECTOR-100-$nonce\$" \
    "vmx-guest: the guest read what the host wrote into the flat extent"
check_output "$d" serial '^skerry-guest: wrote sector 2048$' "vmx-guest: the guest wrote its pattern to the disk"
check_output "$d" generic '^status 0$' "vmx-guest: vm4 with Debian's generic kernel ran until it powered off"
check_output "$d" generic '^skerry-guest: Linux 6\.1\.[0-9]+-[0-9]+-amd64 is up on 1 vCPU' \
    "vmx-guest: the generic flavour (linux-image-amd64) boots as a guest too"
check_output "$d" listen 'inet 192\.168\.75\.1/24' "vmx-guest: S90vmware made vSwitch0 with the console at 192.168.75.1"
check_output "$d" vmwarelog 'vmx\| ethernet0: vmxnet3 at PCI 00:14\.0, IRQ 17, MAC 00:0c:29:[0-9a-f:]{8}, on "VM Network" \(vSwitch0' \
    "vmx-guest: vmware.log shows the vmxnet3 NIC on VM Network (vSwitch0) with a generated 00:0c:29 MAC"
check_output "$d" tcpgot '^ethernet0\.generatedAddress = "00:0c:29:[0-9a-f:]{8}"$' \
    "vmx-guest: the generated MAC was written back to the .vmx, as ESX does"
check_output "$d" serial '^skerry-guest: eth0 192\.168\.75\.1[0-9][0-9]/24$' \
    "vmx-guest: the guest's vmxnet3 got an address by DHCP from the console on vSwitch0"
check_output "$d" tcpgot "^guest-says-$nonce\$" "vmx-guest: the console received the guest's TCP data"
check_output "$d" serial "^skerry-guest: tcp reply: console-says-$nonce\$" "vmx-guest: and the guest received the console's reply"
check_output "$d" serial '^skerry-guest: default route: default via 192\.168\.75\.1 dev eth0' \
    "vmx-guest: DHCP made the console the guest's router"
check_output "$d" serial "^skerry-guest: outside: outside-says-$nonce\$" \
    "vmx-guest: the guest fetched a page from outside (the host, 10.0.2.2 on QEMU's network) through the console's NAT"
check_output "$d" flat "^skerry-guest-wrote-$nonce\$" \
    "vmx-guest: after power-off, the guest's pattern is in the flat extent, read from the console"
check_output "$d" vmwarelog 'vmx\| Powered off$' "vmx-guest: and that the VM is off"

# vm2 and vm3: vmware-cmd, two guests at once, a spinning one, a triple fault.
check_output "$d" firstboot "^$V/vm1/vm1\\.vmx$" "vmx-guest: on its first boot the console registered the VM skerry.register= names"
check_output "$d" firstboot "vmware: registered $V/vm1/vm1\\.vmx" "vmx-guest: and logged it"
check_output "$d" register "^register\\($V/vm3/vm3\\.vmx\\) = 1$" "vmware-cmd: -s register prints register(<cfg>) = 1"
check_output "$d" register "^$V/vm2/vm2\\.vmx$" "vmware-cmd: -l lists the registered .vmx files"
check_output "$d" register2 '^VMControl error -20: Virtual machine already exists$' \
    "vmware-cmd: registering twice is VMControl error -20"
check_output "$d" vm1state '^getstate\(\) = off$' "vmware-cmd: getstate() = off for a VM that is not running"
check_output "$d" start2 '^start\(\) = 1$' "vmware-cmd: start() = 1 powers vm2 on"
check_output "$d" start2 '^getstate\(\) = on$' "vmware-cmd: and getstate() = on"
check_output "$d" again2 "^VMControl error -8: Invalid operation for virtual machine's current state" \
    "vmware-cmd: starting a running VM is VMControl error -8"
check_output "$d" up2 'skerry-guest: spinning' "vmx-guest: vm2's Linux booted and spins at 100% of a vCPU"
check_output "$d" vm2log 'vmx\| Domain [0-9]+: 96 MB of RAM, 2 vCPUs' "vmx-guest: vm2 has numvcpus = 2"
check_output "$d" serial2 '^skerry-guest: Linux .* is up on 2 vCPU\(s\)' \
    "vmx-guest: and its Linux brought up both (vCPU 1 started by the guest's INIT-SIPI)"
idle=$(out idle | sed -n 's/^took \([0-9]*\) ms$/\1/p')
spin=$(out spin | sed -n 's/^took \([0-9]*\) ms$/\1/p')
# One CPU, two runnable worlds, 10 ms round-robin slices: the console
# waits at most a slice whenever it becomes runnable, so a command that
# takes ~100 ms alone takes a few times that; 2 s is far from "unresponsive".
if [[ -n $idle && -n $spin ]] && ((spin <= 2000)); then
    pass "vmx-guest: the console stays responsive while vm2 spins on the same CPU ($idle ms idle, $spin ms with vm2 spinning; bound 2000 ms)"
else
    fail "vmx-guest: a console command took '${spin:-?}' ms while vm2 spun ('${idle:-?}' ms idle; bound 2000 ms)"
fi
check_output "$d" vm3 '^status 2$' "vmx-guest: vm3 ends in a triple fault: vmware-vmx exits with status 2"
check_output "$d" vm3log 'vmx\| Powering off: its domain ended in the vmkernel' "vmx-guest: vm3's vmware.log says its domain ended"
check_output "$d" vm3log 'vmx\| The vmkernel ended the VM.s domain [0-9]+: triple fault on vcpu0' \
    "vmx-guest: and gives the vmkernel's reason: a triple fault"
check_output "$d" vm3log '^skerry-guest: rebooting$' "vmx-guest: vm3's guest got as far as its reboot=t"
check_output "$d" alive2 '^getstate\(\) = on$' "vmx-guest: vm2 kept running through vm3's triple fault"
check_output "$d" reset2 '^reset\(hard\) = 1$' "vmware-cmd: reset(hard) = 1"
check_output "$d" again2up 'skerry-guest: spinning' "vmx-guest: vm2's guest booted a second time after the reset"
check_output "$d" vm2log 'vmx\| Powering off: vmware-vmx was told to reset it' "vmx-guest: vm2's vmware.log records the reset"
check_output "$d" vm2log 'vmx\| VMX restarted after a reset for "vm2"' "vmx-guest: and the restart, in the same log"
check_output "$d" stop2 '^stop\(hard\) = 1$' "vmware-cmd: stop(hard) = 1"
check_output "$d" stop2 '^getstate\(\) = off$' "vmware-cmd: and vm2 is off"
check_output "$d" unregister "^unregister\\($V/vm3/vm3\\.vmx\\) = 1$" "vmware-cmd: -s unregister prints unregister(<cfg>) = 1"
check_output "$d" unregister "^config \"$V/vm2/vm2\\.vmx\"$" "vmware-cmd: /etc/vmware/vm-list keeps ESX's config \"<path>\" lines"
if [[ $(step_rc "$d" unregister) == 0 ]] && ! grep -qE "^(config \")?$V/vm3" "$d/unregister.out"; then
    pass "vmware-cmd: the unregistered VM is gone from the list"
else
    fail "vmware-cmd: vm3 is still listed after unregister: $(tr '\n' ' ' <"$d/unregister.out")"
fi

# vm5: VMware Tools in the guest.
check_output "$d" start5 '^start\(\) = 1$' "vmware-cmd: vm5, whose guest runs VMware Tools, started"
check_output "$d" vm5log "^skerry-guest: rpctool hostword: host-set-$nonce\$" \
    "vmx-guest: vmware-rpctool in the guest (user space, through the backdoor) read guestinfo.skerry.hostword from the .vmx"
check_output "$d" vm5log '^skerry-guest: rpctool set guestinfo\.skerry\.guestword$' "vmx-guest: and set a guestinfo variable"
check_output "$d" tools5 "^getguestinfo\(skerry\.guestword\) = guest-set-$nonce\$" \
    "vmware-cmd: getguestinfo reads the variable the guest set"
check_output "$d" tools5 '^gettoolslastactive\(\) = 1$' "vmware-cmd: gettoolslastactive() = 1 while vmtoolsd polls"
check_output "$d" tools5 '^getguestinfo\(ip\) = 192\.168\.75\.1[0-9][0-9]$' \
    "vmware-cmd: getguestinfo(ip) is the guest's DHCP address, reported by VMware Tools (broadcastIP)"
beats=($(out tools5 | sed -n 's/^getheartbeat() = \([0-9]*\)$/\1/p'))
if ((${#beats[@]} == 2 && beats[0] > 0 && beats[1] > beats[0])); then
    pass "vmware-cmd: getheartbeat counts VMware Tools' heartbeat (${beats[0]}, then ${beats[1]} 4 s later)"
else
    fail "vmware-cmd: getheartbeat did not grow: '${beats[*]:-}'"
fi
check_output "$d" guestinfo5 '^getguestinfo\(skerry\.fromcmd\) = two words$' "vmware-cmd: setguestinfo then getguestinfo"
check_output "$d" guestinfo5 "^getguestinfo\(skerry\.hostword\) = host-set-$nonce\$" \
    "vmware-cmd: getguestinfo reads a guestinfo key of the .vmx too"
check_output "$d" guestinfo5 '^VMControl error -3: Invalid arguments: a guestinfo variable name is one word' \
    "vmware-cmd: a variable name with a space is refused"
check_output "$d" guestinfo5 "^VMControl error -8: Invalid operation for virtual machine's current state: the virtual machine is off" \
    "vmware-cmd: getheartbeat of a VM that is off: VMControl error -8"
check_output "$d" com2 '^serial-in-42-ok' \
    "vmx-guest: a shell on the guest's COM2 (serial1.fileType = network, telnet://:5001) ran a command typed over TCP"
check_output "$d" vm5log 'vmx\| serial1: COM2 \(port 0x2f8, IRQ 3\) to the network at telnet://:5001 \(server\)' \
    "vmx-guest: vmware.log names the serial port's network backend"
check_output "$d" vm5log 'vmx\| serial1: telnet://:5001 connected' "vmx-guest: and the connection"
check_output "$d" stop5 '^stop\(soft\) = 1$' "vmware-cmd: stop soft goes through VMware Tools: stop(soft) = 1"
check_output "$d" stop5 '^getstate\(\) = off$' "vmware-cmd: and vm5 is off"
check_output "$d" vm5log 'skerry-guest: VMware Tools poweroff script$' \
    "vmx-guest: for stop soft, vmtoolsd ran the guest's power-off script"
check_output "$d" vm5log '^skerry-guest: powering off \(shutdown -h\)$' \
    "vmx-guest: vmtoolsd ran the guest's shutdown -h for OS_Halt"
check_output "$d" vm5log 'vmx\| Tools: version [0-9]+' "vmx-guest: vmware.log records the Tools version the guest reported"
check_output "$d" vm5log 'vmx\| Powering off: the guest powered off$' "vmx-guest: the guest powered itself off"

# vm6: a reset by the guest itself.
check_output "$d" reboot6 'skerry-guest: rebooting' "vmx-guest: vm6's guest rebooted itself (ACPI reset register, port 0xCF9)"
if [[ $(out reboot6 | grep -c 'skerry-guest: rebooting') -ge 2 ]]; then
    pass "vmx-guest: and booted again on the reset VM, to reboot a second time"
else
    fail "vmx-guest: vm6 did not come back after its guest's reset: $(out reboot6 | tr '\n' ' ')"
fi
check_output "$d" stop6 'vmx\| Powering off: the guest reset the machine$' "vmx-guest: vm6's vmware.log records the guest's reset"
check_output "$d" stop6 'vmx\| VMX restarted after a reset for "vm6"' "vmx-guest: and the VM's restart"
check_output "$d" stop6 '^stop\(hard\) = 1$' "vmware-cmd: stop hard ends vm6's reboot loop"

# Bad input, and nothing lost.
check_output "$d" huge '^status 1$' "vmx-guest: a VM bigger than the vmkernel can hold does not start (status 1)"
check_output "$d" huge 'no room for the VM.s 65536 MB of RAM' "vmx-guest: and the error says why"
check_output "$d" bad 'missing\.vmx: .*No such file' "vmx-guest: a missing .vmx is refused by name"
if [[ $(step_rc "$d" before) == 0 && $(step_rc "$d" after) == 0 && $(step_rc "$d" after2) == 0 &&
    "$(out before)" == "$(out after)" && "$(out before)" == "$(out after2)" ]]; then
    pass "vmx-guest: after every VM powered off, the vmkernel's free memory and the console's untyped memory are back where they were ($(out before | tr '\n' ' '))"
else
    fail "vmx-guest: memory before [$(out before | tr '\n' ' ')] after [$(out after | tr '\n' ' ')] after the failed start [$(out after2 | tr '\n' ' ')]"
fi
# The console's poweroff with vm2 still on: K10vmware powers it off before
# it unmounts the datastore, which is left clean.
check_output "$d" last '^start\(\) = 1$' "vmware-cmd: vm2 started again before the console's poweroff"
check_step "$d" k10 "vmx-guest: at poweroff, K10vmware powers off the running VM first"
if [[ -z $(debugvmfs "$ds" show_heartbeats 2>&1) ]] && fsck_vmfs_clean "$ds"; then
    pass "vmx-guest: the datastore is clean after the console's poweroff with a VM running (no heartbeat left, fsck.vmfs clean)"
else
    fail "vmx-guest: the datastore was left with a heartbeat or errors: $(debugvmfs "$ds" show_heartbeats 2>&1 | head -3 | tr '\n' ' ')"
fi
if debugvmfs "$ds" cat /vm1/vm1-flat.vmdk 2>/dev/null | dd bs=512 skip=2048 count=1 status=none |
    grep -qa "skerry-guest-wrote-$nonce"; then
    pass "vmx-guest: and read on the host by vmfs-tools' debugvmfs"
else
    fail "vmx-guest: debugvmfs does not find the guest's pattern in vm1-flat.vmdk"
fi
tr -d '\r' <"$d/vmkernel.log" >"$d/vmkernel.txt"
if grep -q "PURPLE SCREEN" "$d/vmkernel.txt"; then
    fail "vmx-guest: the vmkernel panicked (see $d/vmkernel.txt)"
else
    pass "vmx-guest: the vmkernel stayed up"
fi
grep -E "dom[0-9]+ vm[123]: (vcpu0 started|ending)" "$d/vmkernel.txt" | head -6
