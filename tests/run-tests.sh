#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs every test: host unit tests (build/tests/unit/*) and the QEMU system
# tests (tests/system/*.sh, two at a time).  Each prints PASS/FAIL lines;
# the last line here is "N passed, N failed".  Exit status 1 on any failure.
set -u
cd "$(dirname "$0")/.."
out=build/tests/results
rm -rf "$out"
mkdir -p "$out"

run_one() {   # run_one <label> <command...>: output to $out/<label>.txt
    local label=$1
    shift
    if ! "$@" >"$out/$label.txt" 2>&1; then
        grep -q "^FAIL" "$out/$label.txt" ||
            echo "FAIL $label: exited with status $? without reporting a failure" >>"$out/$label.txt"
    fi
    grep -qE "^(PASS|FAIL)" "$out/$label.txt" ||
        echo "FAIL $label: reported no result" >>"$out/$label.txt"
}

for t in build/tests/unit/*; do
    [[ -x $t ]] && run_one "unit-$(basename "$t")" "$t"
done

run_one fuzz-smoke tests/fuzz/run-smoke.sh

jobs=${TEST_JOBS:-2}
for s in tests/system/*.sh; do
    [[ $s == */lib.sh || $s == *_lib.sh ]] && continue
    while (($(jobs -r | wc -l) >= jobs)); do sleep 0.2; done
    run_one "system-$(basename "$s" .sh)" "$s" &
done
wait

passed=0 failed=0
for f in "$out"/*.txt; do
    label=$(basename "$f" .txt)
    p=$(grep -c "^PASS" "$f")
    n=$(grep -c "^FAIL" "$f")
    passed=$((passed + p))
    failed=$((failed + n))
    if ((n)); then
        echo "== $label: $p passed, $n failed"
        grep "^FAIL" "$f" | sed 's/^/   /'
    else
        echo "== $label: $p passed"
    fi
done
echo "$passed passed, $failed failed"
((failed == 0))
