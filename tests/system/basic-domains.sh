#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Several test domains at once on two CPUs: CPUID, MSR, port I/O, backdoor.
set -u
cd "$(dirname "$0")/../.."
. tests/system/lib.sh
dir=build/tests/system/basic-domains
g=build/tests/guests
boot_vmkernel "$dir" 120 "" "$g/cpuid.elf vcpus=2" "$g/msr.elf" "$g/ioport.elf" "$g/backdoor.elf" \
    "$g/hello.elf"
for t in cpuid msr ioport backdoor hello; do
    judge_domain "$dir" "$t"
done
no_purple_screen "$dir" basic-domains
log=$dir/vmkernel.log
grep -q "Skerry vmkernel .* starting" "$dir/console.log" &&
    pass "boot banner on COM1" || fail "boot banner on COM1 missing"
grep -q "memory map: .* usable" "$log" && pass "vmkernel log shows the memory map" ||
    fail "vmkernel log lacks the memory map"
grep -qE "cpu1 \(APIC [0-9]+\) is online" "$log" && pass "second CPU brought up" ||
    fail "second CPU did not come up"
grep -qE "dom[0-9]+ cpuid vcpu0 .* exits .*cpuid=[0-9]+" "$log" &&
    pass "vmkernel log shows per-reason exit counts" || fail "no per-reason exit counts in the log"
cpus=$(grep -oE "cpu[01] I: dom[0-9]+ [a-z]+: (PASS|RESULT)" "$log" | cut -c1-4 | sort -u | wc -l)
((cpus == 2)) && pass "test domains ran on both CPUs" || fail "test domains ran on $cpus CPU(s) only"
