# SPDX-License-Identifier: GPL-2.0-only
# Helpers for system tests: boot the vmkernel with test domains under QEMU
# TCG and judge what the vmkernel log says.  Every check prints one
# "PASS <name>" or "FAIL <name>: <why>" line for tests/run-tests.sh.

QEMU_MACHINE=(-M q35 -cpu qemu64,+svm,+npt -smp 2 -m 2048)

pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; }

# boot_vmkernel <run-dir> <timeout-s> <vmkernel-args> <module>...
# Boots, waits until the log says every domain ended (or the timeout), then
# stops QEMU.  Logs: <run-dir>/console.log (COM1), <run-dir>/vmkernel.log (COM2).
boot_vmkernel() {
    local dir=$1 timeout=$2 args=$3
    shift 3
    local modules
    modules=$(IFS=,; echo "$*")
    rm -rf "$dir"
    mkdir -p "$dir"
    qemu-system-x86_64 "${QEMU_MACHINE[@]}" -no-reboot -display none -monitor none \
        -kernel build/vmkernel.elf -append "$args" -initrd "$modules" \
        -serial "file:$dir/console.log" -serial "file:$dir/vmkernel.log" \
        >"$dir/qemu.out" 2>&1 &
    local pid=$! waited=0
    while kill -0 "$pid" 2>/dev/null; do
        if grep -q "all domains have ended\|PURPLE SCREEN" "$dir/vmkernel.log" 2>/dev/null; then
            sleep 0.2
            break
        fi
        if ((waited >= timeout * 10)); then
            echo "timeout after ${timeout}s" >"$dir/timeout"
            break
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
}

# judge_domain <run-dir> <domain-name>: the domain's own PASS/FAIL lines,
# plus one check that it reported a RESULT with no failure.
judge_domain() {
    local log=$1/vmkernel.log name=$2
    grep -E "dom[0-9]+ $name: (PASS|FAIL) " "$log" |
        sed -E "s/.*dom[0-9]+ $name: (PASS|FAIL) /\1 $name: /"
    if grep -qE "dom[0-9]+ $name: RESULT $name passed=[0-9]+ failed=0" "$log"; then
        pass "$name: the test domain ran to completion"
    else
        fail "$name: the test domain did not complete (see $log)"
    fi
}

# no_purple_screen <run-dir> <label>
no_purple_screen() {
    if grep -q "PURPLE SCREEN" "$1/vmkernel.log"; then
        fail "$2: the vmkernel panicked (see $1/vmkernel.log)"
    elif [[ -f $1/timeout ]]; then
        fail "$2: timed out before every domain ended (see $1/vmkernel.log)"
    else
        pass "$2: the vmkernel survived and every domain ended"
    fi
}
