#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Faults and isolation: a triple fault ends only its own domain; #DB is
# reflected; MMIO decoding; two domains cannot see each other's memory.
set -u
cd "$(dirname "$0")/../.."
. tests/system/lib.sh
dir=build/tests/system/fault-domains
g=build/tests/guests
boot_vmkernel "$dir" 120 "" "$g/triple_fault.elf" "$g/npt_isolation.elf name=iso_a" \
    "$g/npt_isolation.elf name=iso_b" "$g/debug_exceptions.elf" "$g/mmio.elf" "$g/hello.elf"
log=$dir/vmkernel.log
for t in debug_exceptions mmio hello; do
    judge_domain "$dir" "$t"
done
for t in iso_a iso_b; do
    grep -E "dom[0-9]+ $t: (PASS|FAIL) " "$log" | sed -E "s/.*dom[0-9]+ $t: (PASS|FAIL) /\1 $t: /"
    grep -qE "dom[0-9]+ $t: RESULT npt_isolation passed=[0-9]+ failed=0" "$log" &&
        pass "$t: the isolation domain ran to completion" || fail "$t: did not complete"
done
grep -qE "dom[0-9]+ triple_fault: ending: triple fault on vcpu0 at RIP 0x[0-9a-f]+ RSP" "$log" &&
    pass "triple fault: the vmkernel logs a diagnostic with RIP and RSP" ||
    fail "triple fault: no diagnostic in the log"
grep -qE "dom[0-9]+ triple_fault: ended \(triple fault" "$log" &&
    pass "triple fault: only that domain ended (its resources were freed)" ||
    fail "triple fault: the domain was not torn down"
! grep -q "triple_fault: RESULT" "$log" &&
    pass "triple fault: the domain never ran past the fault" ||
    fail "triple fault: the domain kept running after the fault"
grep -qE "dom[0-9]+ debug_exceptions vcpu0 .*exits .*exception=[1-9]" "$log" &&
    pass "#DB is intercepted by the vmkernel (a guest cannot loop the CPU on it)" ||
    fail "#DB exits were not counted"
no_purple_screen "$dir" fault-domains
