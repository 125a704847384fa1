#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Interrupt mechanisms from inside domains sharing two CPUs: the LAPIC
# timer (twice, xAPIC MMIO and x2APIC), IPIs between vCPUs, and HLT; then
# a lone domain whose vCPU blocks and wakes keeps its SSE state.
set -u
cd "$(dirname "$0")/../.."
. tests/system/lib.sh
dir=build/tests/system/apic-domains
g=build/tests/guests
boot_vmkernel "$dir" 120 "" "$g/lapic_timer.elf" "$g/ipi.elf vcpus=2" "$g/hlt.elf vcpus=2" \
    "$g/lapic_timer.elf name=lapic_timer2"
for t in lapic_timer ipi hlt; do
    judge_domain "$dir" "$t"
done
# The second instance reports under its own domain name but the test's name.
log=$dir/vmkernel.log
grep -E "dom[0-9]+ lapic_timer2: (PASS|FAIL) " "$log" |
    sed -E "s/.*dom[0-9]+ lapic_timer2: (PASS|FAIL) /\1 lapic_timer2: /"
if grep -qE "dom[0-9]+ lapic_timer2: RESULT lapic_timer passed=[0-9]+ failed=0" "$log"; then
    pass "lapic_timer2: the test domain ran to completion"
else
    fail "lapic_timer2: the test domain did not complete (see $log)"
fi
no_purple_screen "$dir" apic-domains
# A domain ends only once all its vCPUs executed CLI;HLT, not killed.
for t in lapic_timer ipi hlt lapic_timer2; do
    grep -qE "dom[0-9]+ $t: ended \(all vCPUs halted with interrupts disabled\)" "$log" &&
        pass "$t: ended with all vCPUs halted" || fail "$t: did not end with all vCPUs halted"
done

# Alone on two CPUs, a vCPU that blocks and wakes over and over may resume
# on either CPU: its SSE registers must follow it.
dir=build/tests/system/apic-domains-alone
boot_vmkernel "$dir" 120 "" "$g/sse_migrate.elf"
judge_domain "$dir" sse_migrate
no_purple_screen "$dir" apic-domains-alone
