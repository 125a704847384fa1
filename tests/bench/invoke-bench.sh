#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make bench: the round-trip cost of a null invocation (SYSTEM null) from
# the service console, against getppid() in the same console, as ratios
# measured in one run: the console boots under the vmkernel, root runs
# vmkbench (tools/vmkbench.c) over the serial console: N ioctl round trips
# from user space, N VMMCALLs in a loop inside vmnix (VMNIX_IOC_BENCH) and
# N getppid() calls.  No pass/fail: the figures are printed.
#   BENCH_INVOKES=N   round trips of each kind (default 20000)
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/system/lib.sh
. tests/system/console_lib.sh
dir=build/bench/invoke
n=${BENCH_INVOKES:-20000}
rm -rf "$dir"
mkdir -p "$dir"
cat >"$dir/steps" <<EOF
wait marker 120 $CONSOLE_MARKER
$(login_steps)
cmd bench 300 vmkbench $n
send poweroff
exit off 60
EOF
console_run "$dir" "$dir/steps" 480 "${QEMU_MACHINE[@]}" \
    -kernel build/vmkernel.elf \
    -initrd "build/console/vmlinuz console=ttyS0,build/console/initrd.img" \
    -serial "file:$dir/vmkernel.log" -nic user,model=virtio-net-pci
line=$(tr -d '\r' <"$dir/bench.out" 2>/dev/null | grep -m 1 '^null invocation: ' || true)
if [[ $(step_rc "$dir" bench) != 0 || -z $line ]]; then
    echo "bench: vmkbench gave no result: $(why_failed "$dir" bench)" >&2
    exit 1
fi
echo
echo "Null invocation round trips from the service console (vmkbench $n, one run, TCG):"
echo "  $line"
