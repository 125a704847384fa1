#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make bench: exit round-trip costs as ratios measured in one run.  The
# bench_exits test domain times CPUID, port I/O and MMIO loops in TSC
# ticks, once under the vmkernel and once booted directly on the same QEMU
# (no hypervisor); then exits per second by reason under the vmkernel.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/system/lib.sh
dir=build/bench
mkdir -p "$dir"
guest=build/tests/guests/bench_exits.elf

# Bare: the same image, entered at its Multiboot entry, output on debugcon.
entry=$(nm "$guest" | awk '$3 == "_bare_start" { print "0x" $1 }')
objcopy -O elf32-i386 --set-start="$entry" "$guest" "$dir/bench_exits-bare.elf"
rm -f "$dir/bare.log"
qemu-system-x86_64 "${QEMU_MACHINE[@]}" -no-reboot -display none -monitor none -serial null \
    -kernel "$dir/bench_exits-bare.elf" -debugcon "file:$dir/bare.log" &
pid=$!
for _ in $(seq 600); do
    grep -q "^RESULT" "$dir/bare.log" 2>/dev/null && break
    sleep 0.1
done
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true

boot_vmkernel "$dir/vmkernel" 120 "" "$guest"

bare=$(grep -o "BENCH .*" "$dir/bare.log" || true)
vmk=$(grep -o "BENCH .*" "$dir/vmkernel/vmkernel.log" || true)
if [[ -z $bare || -z $vmk ]]; then
    echo "bench: a run produced no result (see $dir)" >&2
    exit 1
fi
khz=$(grep -o "TSC at [0-9]* kHz" "$dir/vmkernel/vmkernel.log" | grep -o "[0-9]*")
field() { sed -E "s/.*$2=([0-9]+).*/\1/" <<<"$1"; }
echo "Exit round trips, TSC ticks per operation (same QEMU, same image; TSC ${khz} kHz):"
printf '  %-8s %12s %12s %10s %12s\n' op bare skerry ratio "skerry us"
for op in cpuid pio mmio; do
    b=$(field "$bare" "$op")
    s=$(field "$vmk" "$op")
    awk -v op="$op" -v b="$b" -v s="$s" -v khz="$khz" 'BEGIN {
        printf "  %-8s %12d %12d %9.1fx %12.2f\n", op, b, s, s / (b ? b : 1), s * 1000 / khz }'
done
line=$(grep -E "dom[0-9]+ bench_exits vcpu0 .* exits" "$dir/vmkernel/vmkernel.log")
run_us=$(sed -E 's/.*run ([0-9]+) us.*/\1/' <<<"$line")
echo "Exits per second of guest run time, by reason (bench_exits, ${run_us} us run):"
grep -oE "[a-z-]+=[0-9]+" <<<"${line#*exits}" | while IFS== read -r reason count; do
    awk -v r="$reason" -v c="$count" -v us="$run_us" 'BEGIN { printf "  %-10s %10.0f/s (%d exits)\n", r, c * 1e6 / us, c }'
done

# --- Console boot: QEMU start to the console's /init marker ------------------
. tests/system/console_lib.sh
runs=${BENCH_RUNS:-3}
marker_time() {   # marker_time <dir> <qemu args...>: seconds to the marker, or "-"
    local dir=$1
    shift
    rm -rf "$dir"
    mkdir -p "$dir"
    echo "wait marker 180 $CONSOLE_MARKER" >"$dir/steps"
    console_run "$dir" "$dir/steps" 200 "$@"
    [[ $(step_rc "$dir" marker) == 0 ]] && step_time "$dir" marker || echo -
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
bare_times=() vmk_times=()
for i in $(seq "$runs"); do
    bare_times+=("$(marker_time "$dir/boot-bare-$i" "${QEMU_MACHINE[@]}" \
        -kernel build/console/vmlinuz -initrd build/console/initrd.img -append console=ttyS0)")
    vmk_times+=("$(marker_time "$dir/boot-vmk-$i" "${QEMU_MACHINE[@]}" \
        -kernel build/vmkernel.elf -append "stats=1" \
        -initrd "build/console/vmlinuz console=ttyS0,build/console/initrd.img" \
        -serial "file:$dir/boot-vmk-$i.vmkernel.log")")
done
# compare <title> <target> <bare times> <skerry times> (space-separated):
# both series, their medians and the ratio of the medians.
compare() {
    local bare_median vmk_median
    bare_median=$(printf '%s\n' $3 | median)
    vmk_median=$(printf '%s\n' $4 | median)
    echo
    echo "$1"
    echo "  bare QEMU:      $3 s, median $bare_median s"
    echo "  under Skerry:   $4 s, median $vmk_median s"
    awk -v b="$bare_median" -v s="$vmk_median" -v t="$2" 'BEGIN { printf "  ratio:          %.2f%s\n", s / b, t }'
}
if [[ " ${bare_times[*]} ${vmk_times[*]} " == *" - "* ]]; then
    echo "bench: a console boot did not reach its marker (see $dir/boot-*)" >&2
    exit 1
fi
compare "Console boot, QEMU start to the /init marker ($runs runs each, Debian cloud kernel):" \
    " (target <= 1.3)" "${bare_times[*]}" "${vmk_times[*]}"
# Exits of the boot: the last statistics line the vmkernel logged before the marker.
line=$(grep -E "dom0 console vcpu0 .* exits" "$dir/boot-vmk-1.vmkernel.log" | tail -1)
run_us=$(sed -E 's/.*run ([0-9]+) us.*/\1/' <<<"$line")
echo "Console exits by reason during boot (run 1, ${run_us} us of guest time), per second:"
grep -oE "[a-z-]+=[0-9]+" <<<"${line#*exits}" | while IFS== read -r reason count; do
    awk -v r="$reason" -v c="$count" -v us="$run_us" 'BEGIN { printf "  %-10s %10.0f/s (%d exits)\n", r, c * 1e6 / us, c }'
done

# --- Service console: QEMU start to the first successful ssh command ----------
# Both boots start from an empty boot disk (host keys made on first boot, with
# a virtio RNG as a server has RDRAND) and poll sshd through QEMU's port
# forward with the build's key.
ssh_time() {   # ssh_time <dir> <qemu args...>: seconds to the first ssh command, or "-"
    local dir=$1 port
    shift
    rm -rf "$dir"
    mkdir -p "$dir"
    port=$(free_port)
    empty_bootdisk "$dir/bootdisk.img"
    # A probe for sshd's version string first: ssh's own connect timeout
    # would round the time up while the console's network is not up yet.
    export PROBE="import socket, sys
try:
    s = socket.create_connection(('127.0.0.1', $port), 1); s.settimeout(1)
    sys.exit(0 if s.recv(8).startswith(b'SSH-') else 1)
except OSError:
    sys.exit(1)"
    export SSH="ssh -p $port -i $CREDENTIALS/admin_ed25519 -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o BatchMode=yes -o ConnectTimeout=5 -o LogLevel=ERROR root@127.0.0.1"
    cat >"$dir/steps" <<STEPS
host ssh 280 for i in \$(seq 3000); do python3 -c "\$PROBE" && \$SSH true 2>/dev/null && exit 0; sleep 0.1; done; exit 1
host poweroff 60 \$SSH poweroff
exit off 60
STEPS
    console_run "$dir" "$dir/steps" 300 "$@" -drive "file=$dir/bootdisk.img,format=raw,if=virtio" -device virtio-rng-pci \
        -nic "user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:$port-:22"
    [[ $(step_rc "$dir" ssh) == 0 ]] && step_time "$dir" ssh || echo -
}
bare_ssh=() vmk_ssh=()
for i in $(seq "$runs"); do
    bare_ssh+=("$(ssh_time "$dir/ssh-bare-$i" "${QEMU_MACHINE[@]}" \
        -kernel build/console/vmlinuz -initrd build/console/initrd.img -append console=ttyS0)")
    vmk_ssh+=("$(ssh_time "$dir/ssh-vmk-$i" "${QEMU_MACHINE[@]}" -kernel build/vmkernel.elf \
        -initrd "build/console/vmlinuz console=ttyS0,build/console/initrd.img" \
        -serial "file:$dir/ssh-vmk-$i.vmkernel.log")")
done
if [[ " ${bare_ssh[*]} ${vmk_ssh[*]} " == *" - "* ]]; then
    echo "bench: a console never answered ssh (see $dir/ssh-*)" >&2
    exit 1
fi
compare "Service console, QEMU start to the first successful ssh command ($runs runs each, first boot):" \
    "" "${bare_ssh[*]}" "${vmk_ssh[*]}"
cpio_bytes=$(zstd -dc build/console/initrd.img | wc -c)
echo "Console root file system (build/console/initrd.img): $(awk -v c="$cpio_bytes" -v z="$(stat -c %s build/console/initrd.img)" \
    'BEGIN { printf "%.1f MB unpacked, %.1f MB compressed", c / 1e6, z / 1e6 }')"

# Null invocations from the console against getppid (tests/bench/invoke-bench.sh).
tests/bench/invoke-bench.sh

# VMFS through vmfs-fuse against ext4 (tests/bench/vmfs-bench.sh).
tests/bench/vmfs-bench.sh

# A guest's boot under vmware-vmx against QEMU alone (tests/bench/vmx-bench.sh).
tests/bench/vmx-bench.sh
