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
