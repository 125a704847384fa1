#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Capability invocations in QEMU: a test domain given a cspace (as the
# console is) exercises them from the inside; one given none finds every
# call refused; when both have ended, the untyped memory handed out at
# boot is back in the vmkernel's free count.
set -u
cd "$(dirname "$0")/../.."
. tests/system/lib.sh
dir=build/tests/system/hypercall-domains
g=build/tests/guests
boot_vmkernel "$dir" 300 "" "$g/hypercall.elf vcpus=2 cspace untyped=8" "$g/hypercall_nocaps.elf" \
    "$g/hypercall_fuzz.elf cspace untyped=16" "$g/ioreq.elf cspace untyped=8"
log=$dir/vmkernel.log
judge_domain "$dir" hypercall
judge_domain "$dir" hypercall_nocaps
judge_domain "$dir" hypercall_fuzz
judge_domain "$dir" ioreq
grep -qE "dom[0-9]+ ioreq-child: .*triple fault on vcpu0" "$log" &&
    pass "the child given #UD without an IDT ended with a triple fault in the log" ||
    fail "no triple fault logged for the ioreq test's child"
grep -oE "hypercall_fuzz: [0-9]+ calls in [0-9]+ ms.*" "$log" | head -1
no_purple_screen "$dir" hypercall-domains
grep -qE "dom[0-9]+ hypercall: 256 capability slots, 1 untyped capabilities \(8 MiB\) from slot 4" "$log" &&
    pass "the cspace domain got 8 MiB of untyped memory at boot" || fail "no boot capabilities logged"
grep -qE "dom[0-9]+ hypercall: 8 MiB of untyped memory returned" "$log" &&
    pass "its untyped memory went back when it ended" || fail "its untyped memory was not returned"
grep -qE "dom[0-9]+ hypercall_fuzz: 16 MiB of untyped memory returned" "$log" &&
    pass "the fuzzer's untyped memory went back when it ended" || fail "the fuzzer's untyped memory was not returned"
# Nothing leaks: the free count once all ended is the banner's (taken
# after every domain was built) plus the untyped memory and the RAM the
# domains were given (to the MiB the log rounds to).
boot_free=$(sed -nE 's/.*: [0-9]+ CPUs, ([0-9]+) MiB free.*/\1/p' "$dir/console.log" | head -1)
end_free=$(sed -nE 's/.*all domains have ended; ([0-9]+) MiB free.*/\1/p' "$log" | head -1)
ram=$(sed -nE 's/.*: test domain, [0-9]+ vCPU\(s\), ([0-9]+) MiB.*/\1/p' "$log" | awk '{ s += $1 } END { print s + 0 }')
want=$((${boot_free:-0} + 8 + 16 + 8 + ${ram:-0}))
if [[ -n $boot_free && -n $end_free ]] && ((end_free >= want - 1 && end_free <= want + 1)); then
    pass "free memory: $boot_free MiB at boot, $end_free MiB when all ended (+32 MiB untyped, +$ram MiB RAM)"
else
    fail "free memory: ${boot_free:-?} MiB at boot, ${end_free:-?} MiB at the end, want $want"
fi
