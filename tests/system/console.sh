#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The service console as domain 0 under the vmkernel: Debian's cloud kernel
# reaches its shell on COM1 and is driven over the serial line; it detects
# the VMware hypervisor and uses x2APIC; it cannot read the vmkernel's
# memory; its passed-through NIC and disk work; the generic kernel boots too;
# with console_vcpus=2 Linux starts its second vCPU by INIT-SIPI-SIPI; a
# console panic is reported to the vmkernel (pvpanic) and logged.
set -u
cd "$(dirname "$0")/../.."
. tests/system/lib.sh
. tests/system/console_lib.sh

top=build/tests/system/console
rm -rf "$top"
mkdir -p "$top/www"
for f in build/vmkernel.elf build/console/vmlinuz build/console/initrd.img \
    build/console/vmlinuz-generic build/console/initrd-generic.img; do
    [[ -f $f ]] || { fail "console: $f is missing (run: make)"; exit 1; }
done

nonce=$RANDOM$RANDOM
echo "SKERRY-HTTP-OK $nonce" >"$top/www/token.txt"
http_start "$top/www" "$top/http.log" || { fail "console: python http.server did not start"; exit 1; }
trap http_stop EXIT
host_md5=$(pattern "HOST-$nonce" 1048576 | md5sum | cut -d' ' -f1)
guest_text=GUEST-$nonce
guest_md5=$(pattern "$guest_text" 1048576 | md5sum | cut -d' ' -f1)

# The vmkernel's loaded image (its first 4 KiB at 1 MiB), to look for in /dev/mem.
# Its pool is the reserved e820 range between two usable ones (with the 1 MiB
# boot area at its start), so the pool check reads 2 MiB into that range.
objcopy -O binary --only-section=.text build/obj/vmkernel64.elf "$top/vmkernel-text.bin"
image_md5=$(head -c 4096 "$top/vmkernel-text.bin" | md5sum | cut -d' ' -f1)
ones_md5=$(head -c 4096 /dev/zero | tr '\0' '\377' | md5sum | cut -d' ' -f1)

# --- cloud flavour: the default console ------------------------------------
d=$top/cloud
mkdir -p "$d"
pattern "HOST-$nonce" 1048576 >"$d/disk.img"
truncate -s 16M "$d/disk.img"
cat >"$d/steps" <<EOF2
wait marker 120 $CONSOLE_MARKER
$(login_steps)
cmd hypervisor 10 dmesg | grep "Hypervisor detected: VMware"
cmd x2apic 10 dmesg | grep -i "x2apic enabled"
cmd ncpus 10 grep -c ^processor /proc/cpuinfo
cmd dhcp 60 udhcpc -i eth0 -n -q && ip -4 addr show dev eth0
cmd wget 30 wget -O - http://10.0.2.2:$HTTP_PORT/token.txt
$(disk_steps vda /dev/vda "$host_md5" "$guest_text" "$guest_md5")
cmd devmem-image 30 dd if=/dev/mem bs=4096 skip=256 count=1 2>/dev/null | md5sum
cmd devmem-pool 30 P=\$(dmesg | sed -n 's/.*BIOS-e820: \\[mem 0x\\([0-9a-f]*\\)-0x\\([0-9a-f]*\\)\\] \\([a-z]*\\).*/\\1 \\2 \\3/p' | awk '{ if (\$3 == "usable" && t1 == "reserved" && t2 == "usable") print s1; t2 = t1; t1 = \$3; s1 = \$1 }' | head -1); echo "pool region at \$P"; dd if=/dev/mem bs=4096 skip=\$(( (0x\$P + 0x200000) / 4096 )) count=1 2>/dev/null | md5sum
cmd interrupts 10 grep -E "virtio|ttyS" /proc/interrupts
cmd crashrefused 10 vmkcall 3 system_crash_me 2>&1; echo "status \$?"
send poweroff
exit off 60
EOF2
console_run "$d" "$d/steps" 300 -M q35 -cpu qemu64,+svm,+npt -smp 2 -m 2048 \
    -kernel build/vmkernel.elf -append "stats=5" \
    -initrd "build/console/vmlinuz console=ttyS0 iomem=relaxed panic=-1,build/console/initrd.img" \
    -serial "file:$d/vmkernel.log" \
    -nic user,model=virtio-net-pci \
    -drive file="$d/disk.img",format=raw,if=none,id=d0 -device virtio-blk-pci,drive=d0
log=$d/vmkernel.log

if [[ $(step_rc "$d" marker) == 0 ]]; then
    pass "console: /init marker after $(step_time "$d" marker)s of QEMU"
else
    fail "console: no SKERRY-CONSOLE-INIT marker: $(why_failed "$d" marker)"
fi
check_step "$d" shell "console: root shell on the serial console, commands run over serial"
check_output "$d" hypervisor "Hypervisor detected: VMware" "console: Linux detects the VMware hypervisor"
check_output "$d" x2apic "x2apic enabled" "console: Linux uses x2APIC"
check_output "$d" ncpus '^1$' "console: Linux sees exactly the 1 configured vCPU"
# Without allow_test_panic on the vmkernel's command line, SYSTEM crash_me
# is refused (SK_E_NOT_PRIVILEGED) and the machine goes on.
check_output "$d" crashrefused "configuration does not allow this call" \
    "console: vmkcall 3 system_crash_me without allow_test_panic: not allowed (SK_E_NOT_PRIVILEGED)"
check_output "$d" dhcp 'inet 10\.0\.2\.15/24' "console: udhcpc gets 10.0.2.15 on the passed-through NIC"
check_output "$d" wget "SKERRY-HTTP-OK $nonce" "console: a TCP connection to the host works (wget)"
check_step "$d" vda-read "console: the passed-through disk reads what the host wrote"
check_step "$d" vda-write "console: the passed-through disk reads back what dd wrote"
if [[ $(step_rc "$d" vda-write) == 0 ]] && disk_check "$d/disk.img" "$guest_md5"; then
    pass "console: the console's writes are in the disk image"
else
    fail "console: the disk image lacks what the console wrote"
fi
check_output "$d" devmem-image "$ones_md5" "console: /dev/mem at the vmkernel image reads all ones"
if grep -q "$image_md5" "$d/devmem-image.out"; then
    fail "console: /dev/mem returned the vmkernel's own bytes"
else
    pass "console: /dev/mem returns no byte of the vmkernel image"
fi
check_output "$d" devmem-pool "$ones_md5" "console: /dev/mem in the vmkernel's pool reads all ones"
check_output "$d" interrupts "virtio" "console: the NIC/disk interrupts arrive through the virtual IOAPIC"
check_step "$d" off "console: poweroff in the console powers the machine off"
grep -q "Skerry vmkernel .* starting" "$log" && pass "console: vmkernel banner in its log" ||
    fail "console: no banner in the vmkernel log"
grep -q "memory map: .* usable" "$log" && pass "console: vmkernel log shows the memory map" ||
    fail "console: no memory map in the vmkernel log"
grep -qE "dom0 console vcpu0 .* exits .*msr=[0-9]+" "$log" &&
    pass "console: vmkernel log shows the console's exits by reason" ||
    fail "console: no exit counts in the vmkernel log"
grep -q "entered ACPI sleep type" "$log" && pass "console: the vmkernel logged the ACPI power-off" ||
    fail "console: the power-off did not go through the vmkernel"
grep -q "PURPLE SCREEN" "$log" && fail "console: the vmkernel panicked (see $log)" ||
    pass "console: no vmkernel panic"

# --- generic flavour ---------------------------------------------------------
d=$top/generic
mkdir -p "$d"
cat >"$d/steps" <<EOF2
wait marker 150 $CONSOLE_MARKER
$(login_steps)
cmd hypervisor 10 dmesg | grep "Hypervisor detected: VMware"
cmd dhcp 60 udhcpc -i eth0 -n -q && ip -4 addr show dev eth0
send poweroff
exit off 60
EOF2
# Single-threaded TCG, as for two vCPUs below: QEMU 7.2's multi-threaded TCG
# once crashed here too (SIGSEGV while the console probed PCI BARs).
console_run "$d" "$d/steps" 300 -M q35 -accel tcg,thread=single -cpu qemu64,+svm,+npt -smp 2 -m 2048 \
    -kernel build/vmkernel.elf \
    -initrd "build/console/vmlinuz-generic console=ttyS0 panic=-1,build/console/initrd-generic.img" \
    -serial "file:$d/vmkernel.log"
check_step "$d" shell "generic: linux-image-amd64 boots as the console to its shell"
check_output "$d" hypervisor "Hypervisor detected: VMware" "generic: detects the VMware hypervisor"
check_output "$d" dhcp 'inet 10\.0\.2\.15/24' "generic: e1000e gets a DHCP lease through the vmkernel"

# --- two console vCPUs ---------------------------------------------------------
d=$top/smp
mkdir -p "$d"
cat >"$d/steps" <<EOF2
wait marker 200 $CONSOLE_MARKER
$(login_steps)
cmd ncpus 10 grep -c ^processor /proc/cpuinfo
send poweroff
exit off 60
EOF2
# Single-threaded TCG: QEMU 7.2's multi-threaded TCG crashes (NULL
# dereference) when both CPUs run nested guests while the console remaps
# PCI BARs; the vmkernel does the same either way.
console_run "$d" "$d/steps" 300 -M q35 -accel tcg,thread=single -cpu qemu64,+svm,+npt -smp 2 \
    -m 2048 -kernel build/vmkernel.elf -append "console_vcpus=2" \
    -initrd "build/console/vmlinuz console=ttyS0 panic=-1,build/console/initrd.img" \
    -serial "file:$d/vmkernel.log"
check_output "$d" ncpus '^2$' "smp: with console_vcpus=2 Linux sees exactly 2 vCPUs (INIT-SIPI-SIPI)"
grep -q "console vcpu1: started by SIPI" "$d/vmkernel.log" &&
    pass "smp: the vmkernel started vCPU 1 on Linux's STARTUP IPI" ||
    fail "smp: no SIPI start in the vmkernel log"

# --- a console crash (and console_mem) -------------------------------------------------------------
d=$top/crash
mkdir -p "$d"
cat >"$d/steps" <<EOF2
wait marker 120 $CONSOLE_MARKER
$(login_steps)
cmd memtotal 10 awk '/MemTotal/ { print \$2 }' /proc/meminfo
cmd pvpanic 10 grep -w pvpanic_mmio /proc/modules
send echo c >/proc/sysrq-trigger
exit off 60
EOF2
console_run "$d" "$d/steps" 240 -M q35 -cpu qemu64,+svm,+npt -smp 2 -m 2048 \
    -kernel build/vmkernel.elf -append "console_mem=1G" \
    -initrd "build/console/vmlinuz console=ttyS0 panic=1,build/console/initrd.img" \
    -serial "file:$d/vmkernel.log"
mem=$(tr -dc 0-9 <"$d/memtotal.out")
if [[ -n $mem ]] && ((mem > 700000 && mem <= 1048576)); then
    pass "console_mem=1G: Linux gets 1 GiB of RAM (MemTotal ${mem} kB)"
else
    fail "console_mem=1G: MemTotal is '${mem}' kB"
fi
check_step "$d" pvpanic "crash: the console drives the vmkernel's pvpanic device"
grep -qE "dom0 console: KERNEL PANIC reported by vcpu[0-9] \(pvpanic\): RIP 0x[0-9a-f]+" "$d/vmkernel.log" &&
    pass "crash: a console kernel panic leaves a diagnostic in the vmkernel log" ||
    fail "crash: no panic diagnostic in the vmkernel log"
grep -q "requested a machine reset" "$d/vmkernel.log" && [[ $(step_rc "$d" off) == 0 ]] &&
    pass "crash: the console's reboot after the panic resets the machine through the vmkernel" ||
    fail "crash: the reset after the panic did not go through the vmkernel"
