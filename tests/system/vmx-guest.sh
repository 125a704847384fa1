#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A guest VM under vmware-vmx, from the service console: a VMFS datastore
# made on the host holds vm1's .vmx, Debian's kernel and the demo guest's
# initramfs; the console (under the vmkernel in QEMU) mounts it and runs
# `vmware-vmx vm1.vmx`, which builds the domain, boots Linux in it and
# serves its devices until the guest powers itself off through ACPI.
# Judged by the guest's serial output (serial0.fileName on the datastore),
# vmware.log, vmware-vmx's exit status and the vmkernel's memory counts
# before and after.
set -u
cd "$(dirname "$0")/../.."
. tests/system/lib.sh
. tests/system/console_lib.sh
. tests/system/vmfs_lib.sh

d=build/tests/system/vmx-guest
rm -rf "$d"
mkdir -p "$d/mnt"
for f in build/vmkernel.elf build/console/vmlinuz build/console/initrd.img build/guest/initrd.img; do
    [[ -f $f ]] || { fail "vmx-guest: $f is missing (run: make)"; exit 1; }
done

# The datastore, written on the host through our own mount.
ds=$d/datastore1.img
truncate -s 1G "$ds"
build/bin/vmkfstools -C vmfs3 -S datastore1 "$ds" >/dev/null
vmfs_mount "$ds" "$d/mnt" || { fail "vmx-guest: cannot mount the datastore on the host"; exit 1; }
mkdir "$d/mnt/vm1"
cp build/console/vmlinuz "$d/mnt/vm1/vmlinuz"
cp build/guest/initrd.img "$d/mnt/vm1/initrd.img"
cat >"$d/mnt/vm1/vm1.vmx" <<'EOF'
config.version = "8"
virtualHW.version = "4"
displayName = "vm1"
guestOS = "other26xlinux-64"
memsize = "128"
numvcpus = "1"
skerry.kernel = "vmlinuz"
skerry.initrd = "initrd.img"
skerry.cmdline = "console=ttyS0 quiet skerry.guest=poweroff"
serial0.present = "TRUE"
serial0.fileType = "file"
serial0.fileName = "serial0.log"
EOF
# The same VM with a memsize no console untyped memory can hold.
sed 's/^memsize = .*/memsize = "65536"/' "$d/mnt/vm1/vm1.vmx" >"$d/mnt/vm1/huge.vmx"
vmfs_unmount "$d/mnt"

# The free bytes of the console's boot untyped capabilities (mr2 of
# untyped_info; slots that hold none print nothing).
untyped='t=0; for s in $(seq 4 40); do v=$(vmkcall $s untyped_info 2>/dev/null | sed -n "s/^mr2=//p"); [ -n "$v" ] && t=$((t + v)); done; echo "untyped free $t"'
cat >"$d/steps" <<EOF2
wait marker 120 $CONSOLE_MARKER
$(login_steps)
cmd ready 60 for i in \$(seq 50); do [ -f /vmfs/volumes/datastore1/vm1/vm1.vmx ] && break; sleep 1; done; ls /vmfs/volumes/datastore1/vm1
cmd before 30 grep -o '[0-9]* MB free' /proc/vmware/mem; $untyped
cmd vmx 400 vmware-vmx /vmfs/volumes/datastore1/vm1/vm1.vmx; echo "status \$?"
cmd serial 10 cat /vmfs/volumes/datastore1/vm1/serial0.log
cmd vmwarelog 10 cat /vmfs/volumes/datastore1/vm1/vmware.log
cmd after 30 grep -o '[0-9]* MB free' /proc/vmware/mem; $untyped
cmd huge 60 vmware-vmx /vmfs/volumes/datastore1/vm1/huge.vmx; echo "status \$?"
cmd bad 10 vmware-vmx /vmfs/volumes/datastore1/vm1/missing.vmx; echo "status \$?"
cmd after2 30 grep -o '[0-9]* MB free' /proc/vmware/mem; $untyped
send poweroff
exit off 60
EOF2
console_run "$d" "$d/steps" 900 -M q35 -cpu qemu64,+svm,+npt -smp 2 -m 2048 \
    -kernel build/vmkernel.elf -append "vmkernel_mem=512M" \
    -initrd "build/console/vmlinuz console=ttyS0 panic=-1,build/console/initrd.img" \
    -serial "file:$d/vmkernel.log" -nic user,model=virtio-net-pci \
    -drive "file=$ds,format=raw,if=virtio"
out() { tr -d '\r' <"$d/$1.out"; }

check_step "$d" shell "vmx-guest: the console boots to a root shell"
check_output "$d" ready 'vm1\.vmx' "vmx-guest: the datastore made on the host is mounted with vm1 on it"
check_output "$d" vmx '^status 0$' "vmx-guest: vmware-vmx ran vm1 until the guest powered off, exit status 0"
check_output "$d" serial '^skerry-guest: Linux 6\.1\.[0-9]+-[0-9]+-cloud-amd64 is up on 1 vCPU\(s\)' \
    "vmx-guest: the guest's Linux booted and wrote to its COM1, captured in serial0.fileName"
check_output "$d" serial '^skerry-guest: powering off$' "vmx-guest: the guest said it powers off"
check_output "$d" vmwarelog '^[A-Z][a-z]{2} [0-9]{2} [0-9:]{8}\.[0-9]{3}: vmx\| VMX started for "vm1"' \
    "vmx-guest: vmware.log is beside the .vmx, in ESX's line format"
check_output "$d" vmwarelog 'vmx\| Guest kernel .*vmlinuz \(Linux 6\.1\.' "vmx-guest: vmware.log names the guest kernel"
check_output "$d" vmwarelog 'vmx\| Powering off: the guest powered off$' "vmx-guest: vmware.log says the guest powered off"
check_output "$d" vmwarelog 'vmx\| Powered off$' "vmx-guest: and that the VM is off"
check_output "$d" huge '^status 1$' "vmx-guest: a VM bigger than the vmkernel can hold does not start (status 1)"
check_output "$d" huge 'no room for the VM.s 65536 MB of RAM' "vmx-guest: and the error says why"
check_output "$d" bad 'missing\.vmx: .*No such file' "vmx-guest: a missing .vmx is refused by name"
if [[ $(step_rc "$d" before) == 0 && $(step_rc "$d" after) == 0 && $(step_rc "$d" after2) == 0 &&
    "$(out before)" == "$(out after)" && "$(out before)" == "$(out after2)" ]]; then
    pass "vmx-guest: the vmkernel's free memory and the console's untyped memory are back where they were ($(out before | tr '\n' ' '))"
else
    fail "vmx-guest: memory before [$(out before | tr '\n' ' ')] after [$(out after | tr '\n' ' ')] after the failed start [$(out after2 | tr '\n' ' ')]"
fi
tr -d '\r' <"$d/vmkernel.log" >"$d/vmkernel.txt"
if grep -q "PURPLE SCREEN" "$d/vmkernel.txt"; then
    fail "vmx-guest: the vmkernel panicked (see $d/vmkernel.txt)"
else
    pass "vmx-guest: the vmkernel stayed up"
fi
grep -E "vm1[0-9]*: (created|vcpu0 started|ended)" "$d/vmkernel.txt" | head -3
