#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Time slicing: three CPU-bound domains on two CPUs all make progress
# together, because the scheduler preempts them at the end of each slice.
set -u
cd "$(dirname "$0")/../.."
. tests/system/lib.sh
dir=build/tests/system/scheduler
g=build/tests/guests
boot_vmkernel "$dir" 120 "" "$g/spinner.elf name=spin_a" "$g/spinner.elf name=spin_b" \
    "$g/spinner.elf name=spin_c"
log=$dir/vmkernel.log
for t in spin_a spin_b spin_c; do
    grep -E "dom[0-9]+ $t: (PASS|FAIL) " "$log" | sed -E "s/.*dom[0-9]+ $t: (PASS|FAIL) /\1 $t: /"
    line=$(grep -E "dom[0-9]+ $t vcpu0 .* exits" "$log")
    ready=$(sed -E 's/.*ready ([0-9]+) us.*/\1/' <<<"$line")
    intr=$(grep -oE "intr=[0-9]+" <<<"$line" | cut -d= -f2)
    # Without preemption two of the three would never wait (ready ~ 0).
    if [[ -n $ready ]] && ((ready > 20000)) && ((${intr:-0} >= 1)); then
        pass "$t: preempted and resumed (${ready} us ready, ${intr} timer exits)"
    else
        fail "$t: not time-sliced (ready '${ready}' us, timer exits '${intr}')"
    fi
done
no_purple_screen "$dir" scheduler
