#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The crash dump across a warm reset: a test domain asks for a purple
# screen (SYSTEM crash_me, allowed by allow_test_panic), the vmkernel
# writes its dump and resets the machine after panic_timeout=1; on the
# second boot the same domain finds the dump, reads and checks it, and
# clears it.  (Without allow_test_panic crash_me is refused: the hypercall
# test domain checks that.)
set -u
cd "$(dirname "$0")/../.."
. tests/system/lib.sh
dir=build/tests/system/crash-dump
g=build/tests/guests
rm -rf "$dir"
mkdir -p "$dir"
# QEMU restarts the machine on the reset (no -no-reboot); RAM keeps its contents.
qemu-system-x86_64 "${QEMU_MACHINE[@]}" -display none -monitor none \
    -kernel build/vmkernel.elf -append "allow_test_panic panic_timeout=1" \
    -initrd "$g/crash_dump.elf cspace" \
    -serial "file:$dir/console.log" -serial "file:$dir/vmkernel.log" >"$dir/qemu.out" 2>&1 &
pid=$!
for ((i = 0; i < 1200; i++)); do
    [[ $(grep -c "all domains have ended" "$dir/vmkernel.log" 2>/dev/null) -ge 1 ]] && break
    sleep 0.1
done
sleep 0.2
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
log=$dir/vmkernel.log
grep -q "first boot: no dump; asking for a purple screen" "$log" &&
    pass "first boot: no dump, crash_me asked for" || fail "first boot: no crash_me (see $log)"
grep -q "PANIC: crash_me: dom0 crash_dump asked for a purple screen" "$log" &&
    pass "the vmkernel purple-screened" || fail "no purple screen"
grep -q "crash dump written" "$log" && pass "the dump was written" || fail "no dump written"
grep -qE "crash dump: the previous boot ended in a purple screen; its dump \([0-9]+ bytes" "$log" &&
    pass "the second boot found the dump" || fail "the second boot found no dump"
grep -E "dom[0-9]+ crash_dump: (PASS|FAIL) " "$log" | sed -E "s/.*dom[0-9]+ crash_dump: (PASS|FAIL) /\1 crash_dump: /"
grep -qE "dom[0-9]+ crash_dump: RESULT crash_dump passed=[0-9]+ failed=0" "$log" &&
    pass "crash_dump: the second boot's checks completed" || fail "crash_dump: the second boot did not complete"
