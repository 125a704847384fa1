#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make bench: a guest's boot under vmware-vmx against the same kernel and
# initramfs booted directly by QEMU, a guest's disk throughput against the
# console's own on the same volume, and a guest's TCP throughput to the
# console (iperf3, over vmxnet3 and vSwitch0) against the console's own
# over loopback, as ratios measured in one run.  The
# time is from the start (QEMU's, or vmware-vmx's in the console, domain
# building included) to the demo guest's "is up" line on its COM1.  No
# pass/fail: the figures are printed, with the issue's target.
#   BENCH_RUNS=N   boots of each kind (default 3)
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/system/lib.sh
. tests/system/console_lib.sh
. tests/system/vmfs_lib.sh
. tools/demo_vm_lib.sh
dir=build/bench/vmx
runs=${BENCH_RUNS:-3}
rm -rf "$dir"
mkdir -p "$dir/mnt"
cmdline="console=ttyS0 quiet skerry.guest=poweroff"
marker='skerry-guest: Linux .* is up'

# Directly: QEMU start to the marker.
bare=()
for i in $(seq "$runs"); do
    mkdir -p "$dir/bare-$i"
    echo "wait up 120 $marker" >"$dir/bare-$i/steps"
    console_run "$dir/bare-$i" "$dir/bare-$i/steps" 150 "${QEMU_MACHINE[@]}" -m 128 \
        -kernel build/console/vmlinuz -initrd build/guest/initrd.img -append "$cmdline"
    [[ $(step_rc "$dir/bare-$i" up) == 0 ]] || { echo "bench: the bare guest did not boot (see $dir/bare-$i)" >&2; exit 1; }
    bare+=("$(step_time "$dir/bare-$i" up)")
done

# Under the vmkernel: vmware-vmx in the console, from its start to the
# marker in serial0.log (polled every 0.1 s; /proc/uptime counts 10 ms).
ds=$dir/datastore1.img
truncate -s 1G "$ds"
build/bin/vmkfstools -C vmfs3 -S datastore1 "$ds" >/dev/null
vmfs_mount "$ds" "$dir/mnt"
vmx_write_vm "$dir/mnt" bench 128 "$cmdline"
# The I/O VM: a 300 MB eagerzeroedthick disk on scsi0:0; its guest times
# 256 MB of direct I/O on it (skerry.bench=), then sends to the console's
# iperf3 server for 10 s through its vmxnet3 NIC (skerry.tcpbench=).
vmx_write_vm "$dir/mnt" io 128 "console=ttyS0 quiet skerry.bench=1 skerry.tcpbench=192.168.75.1 skerry.guest=poweroff"
build/bin/vmkfstools -c 300m -d eagerzeroedthick "$dir/mnt/io/io.vmdk" >/dev/null
cat >>"$dir/mnt/io/io.vmx" <<VMX
scsi0.present = "TRUE"
scsi0.virtualDev = "pvscsi"
scsi0:0.present = "TRUE"
scsi0:0.fileName = "io.vmdk"
VMX
vmx_add_nic "$dir/mnt/io/io.vmx"
build/bin/vmkfstools -c 300m -d eagerzeroedthick "$dir/mnt/io/console.vmdk" >/dev/null
vmfs_unmount "$dir/mnt"
V=/vmfs/volumes/datastore1/bench
one='rm -f V/serial0.log; t0=$(cut -d" " -f1 /proc/uptime); vmware-vmx V/bench.vmx & for i in $(seq 1200); do grep -q "is up" V/serial0.log 2>/dev/null && break; sleep 0.1; done; t1=$(cut -d" " -f1 /proc/uptime); wait; echo "up after $(( (${t1/./} - ${t0/./}) * 10 )) ms"'
one=${one//V\//$V/}
{
    echo "wait marker 120 $CONSOLE_MARKER"
    login_steps
    echo "cmd ready 60 for i in \$(seq 50); do [ -f $V/bench.vmx ] && break; sleep 1; done; ls $V/bench.vmx"
    for i in $(seq "$runs"); do
        echo "cmd run$i 300 $one"
    done
    I=/vmfs/volumes/datastore1/io
    # The same transfers in the console: on a disk of the same volume (its
    # flat extent, through the mount, written with a sync, then read cold);
    # milliseconds from /proc/uptime.
    ms='awk "{ printf \"%d\", \$1 * 1000 }" /proc/uptime'
    # The guest's operations in the console, on a disk of the same volume
    # (its flat extent, through the mount): dd with direct I/O, as the
    # issue asks; then buffered with an fsync and a cold read, for
    # comparison.  Milliseconds from /proc/uptime.
    cdd() {   # cdd <label> <dd arguments>: one timed dd, or why it failed
        echo "t0=\$($ms); if dd $2 bs=1M count=256 2>/tmp/dd.err; then t1=\$($ms); echo \"console disk $1 256 MB in \$((t1 - t0)) ms\"; else echo \"console disk $1 failed: \$(tail -n 1 /tmp/dd.err)\"; fi"
    }
    cold='sync; echo 3 >/proc/sys/vm/drop_caches'
    echo "cmd cdisk 600 $(cdd write "if=/dev/zero of=$I/console-flat.vmdk oflag=direct conv=notrunc"); $cold; $(cdd read "if=$I/console-flat.vmdk of=/dev/null iflag=direct"); $(cdd 'write buffered' "if=/dev/zero of=$I/console-flat.vmdk conv=notrunc,fsync"); $cold; $(cdd 'read buffered' "if=$I/console-flat.vmdk of=/dev/null")"
    # TCP: a one-test iperf3 server (-1), first for the console's own
    # client over loopback, then for the I/O VM's guest, which reaches it
    # at 192.168.75.1 on vSwitch0.  10 s each; the server's log is kept.
    listening='for i in $(seq 100); do netstat -ltn | grep -q ":5201 " && break; sleep 0.1; done'
    echo "cmd ctcp 60 (iperf3 -s -1 >/tmp/iperf3-lo.log 2>&1 &); $listening; iperf3 -c 127.0.0.1 -t 10 -f m | grep -E ' (sender|receiver)\$' | sed 's/^/console tcp /'"
    echo "cmd tcpserver 30 (iperf3 -s -1 >/tmp/iperf3-guest.log 2>&1 &); $listening; netstat -ltn | grep ':5201 '"
    echo "cmd io 600 vmware-vmx $I/io.vmx; echo status \$?; grep 'bench' $I/serial0.log"
    echo "cmd tcplog 10 cat /tmp/iperf3-lo.log /tmp/iperf3-guest.log"
    echo "send poweroff"
    echo "exit off 60"
} >"$dir/steps"
console_run "$dir" "$dir/steps" $((200 + 150 * runs)) "${QEMU_MACHINE[@]}" \
    -kernel build/vmkernel.elf -append "vmkernel_mem=512M" \
    -initrd "build/console/vmlinuz console=ttyS0,build/console/initrd.img" \
    -serial "file:$dir/vmkernel.log" -nic user,model=virtio-net-pci -drive "file=$ds,format=raw,if=virtio"
vmx=()
for i in $(seq "$runs"); do
    ms=$(tr -d '\r' <"$dir/run$i.out" 2>/dev/null | sed -n 's/^up after \([0-9]*\) ms$/\1/p')
    [[ -n $ms ]] || { echo "bench: the guest under vmware-vmx did not boot: $(why_failed "$dir" "run$i")" >&2; exit 1; }
    vmx+=("$(awk -v m="$ms" 'BEGIN { printf "%.2f", m / 1000 }')")
done
# MB/s from an "... <N> MB in <ms> ms" line matching a pattern in a step's output.
rate() { tr -d '\r' <"$dir/$1.out" | sed -n "s/.*$2 \([0-9]*\) MB in \([0-9]*\) ms.*/\1 \2/p" | head -n 1 |
    awk '$2 > 0 { printf "%.1f", $1 * 1000 / $2 }'; }
gw=$(rate io 'bench disk write') gr=$(rate io 'bench disk read')
cw=$(rate cdisk 'console disk write') cr=$(rate cdisk 'console disk read')
cwb=$(rate cdisk 'console disk write buffered') crb=$(rate cdisk 'console disk read buffered')
# "<Mbit/s> <amount> <unit> <seconds>" from the first iperf3 receiver line
# after a prefix in a step's output (the receiver's count and clock: the
# console's, both times; -f m fixes the rate's unit, iperf3 scales the amount's).
tcp() { tr -d '\r' <"$dir/$1.out" | grep -- "$2 .* receiver$" | head -n 1 |
    awk '{ for (i = 1; i + 5 <= NF; i++) if ($i ~ /^[0-9.]+-[0-9.]+$/ && $(i + 1) == "sec" && $(i + 5) == "Mbits/sec") {
        split($i, t, "-"); print $(i + 4), $(i + 2), $(i + 3), t[2]; exit } }'; }
read -r gt gt_n gt_unit gt_s <<<"$(tcp io 'bench tcp')" || true
read -r ct ct_n ct_unit ct_s <<<"$(tcp ctcp 'console tcp')" || true
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
b=$(printf '%s\n' "${bare[@]}" | median)
s=$(printf '%s\n' "${vmx[@]}" | median)
echo
echo "Guest boot to its marker, demo guest (Debian cloud kernel, busybox initramfs, 128 MB, $runs runs each):"
echo "  directly by QEMU:       ${bare[*]} s, median $b s (QEMU start to the marker)"
echo "  under vmware-vmx:       ${vmx[*]} s, median $s s (vmware-vmx start to the marker)"
awk -v b="$b" -v s="$s" 'BEGIN { printf "  ratio:                  %.2f (target <= 2.0)\n", s / b }'
# ratio <guest> <console> [printf format, default %.2f]
ratio() { awk -v g="$1" -v c="$2" -v f="${3:-%.2f}" 'BEGIN { if (g == "" || c == "" || c == 0) print "n/a"; else printf f, g / c }'; }
echo
echo "Guest I/O against the console's own, same VMFS volume and the same run (MB/s):"
echo "  disk write 256 MB:  guest (PVSCSI, O_DIRECT) ${gw:-?}, console (flat file, O_DIRECT) ${cw:-?}, ratio $(ratio "$gw" "$cw") (target >= 0.5)"
echo "  disk read 256 MB:   guest (PVSCSI, O_DIRECT) ${gr:-?}, console (flat file, O_DIRECT) ${cr:-?}, ratio $(ratio "$gr" "$cr") (target >= 0.5)"
echo "  for comparison, the console buffered: write with fsync ${cwb:-?} (guest/console $(ratio "$gw" "$cwb")), cold read ${crb:-?} ($(ratio "$gr" "$crb"))"
echo "  (vmware-vmx moves the guest's requests to the flat extent with direct I/O too, in pieces of up to 1 MiB)"
echo
echo "Guest TCP to the console (iperf3, one stream, 10 s each, as the console's server received it):"
echo "  Guest TCP to the console: guest ${gt:-?} Mbit/s, console loopback ${ct:-?} Mbit/s, ratio $(ratio "$gt" "$ct" %.3g)"
echo "  (guest: ${gt_n:-?} ${gt_unit:-} in ${gt_s:-?} s over vmxnet3 and vSwitch0; loopback: ${ct_n:-?} ${ct_unit:-} in ${ct_s:-?} s, client and server both in the console)"
[[ -n $gt && -n $ct ]] || echo "  (a figure is missing: see $dir/io.out, $dir/ctcp.out and $dir/tcplog.out)"
