# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
# Helpers for system tests that boot the service console (console-domain/)
# and drive its serial console with tests/system/serial_driver.py.  Source
# after lib.sh (for pass/fail).  Every check prints one PASS or FAIL line.

# console_run <run-dir> <steps-file> <timeout-s> <qemu-args>...
# Boots QEMU (TCG) with the given arguments, the console on the driver's
# socket; results in <run-dir> (see serial_driver.py), a step summary in
# <run-dir>/driver.txt.  A reset ends QEMU (-no-reboot) unless
# CONSOLE_REBOOTS=1, when the machine boots again.
console_run() {
    local dir=$1 steps=$2 timeout=$3 no_reboot=(-no-reboot)
    shift 3
    [[ ${CONSOLE_REBOOTS:-0} == 1 ]] && no_reboot=()
    python3 tests/system/serial_driver.py --dir "$dir" --steps "$steps" --timeout "$timeout" \
        -- qemu-system-x86_64 -display none -monitor none "${no_reboot[@]}" "$@" >"$dir/driver.txt" 2>&1
}

# The boot marker /init prints, as a wait-step pattern.  The number ends at
# the first character that is not part of it: a kernel message may land
# right after it on the serial line, before the newline.
CONSOLE_MARKER='SKERRY-CONSOLE-INIT [0-9]+\.[0-9]+[^0-9]'

# step_rc <run-dir> <label>: the step's result code (empty if it never ran).
step_rc() { cat "$1/$2.rc" 2>/dev/null; }

# why_failed <run-dir> <label>: a few words on why a step failed.
why_failed() {
    case $(step_rc "$1" "$2") in
    '') echo "step '$2' did not run (see $1/driver.txt)" ;;
    124) echo "step '$2' timed out (see $1/console.log)" ;;
    125) echo "step '$2' skipped: an earlier step failed (see $1/console.log)" ;;
    *) echo "step '$2' exited with status $(step_rc "$1" "$2"): $(tr -s '\n' ' ' <"$1/$2.out" | tail -c 200)" ;;
    esac
}

# check_step <run-dir> <label> <description>: PASS when the step succeeded.
check_step() {
    if [[ $(step_rc "$1" "$2") == 0 ]]; then
        pass "$3"
    else
        fail "$3: $(why_failed "$1" "$2")"
    fi
}

# check_output <run-dir> <label> <extended-regex> <description>: PASS when the
# step succeeded and its output matches.
check_output() {
    if [[ $(step_rc "$1" "$2") != 0 ]]; then
        fail "$4: $(why_failed "$1" "$2")"
    elif grep -qE -- "$3" "$1/$2.out"; then
        pass "$4"
    else
        fail "$4: output of '$2' does not match /$3/: $(tr -s '\n' ' ' <"$1/$2.out" | tail -c 200)"
    fi
}

# step_time <run-dir> <label>: seconds from QEMU's start to the step's end.
step_time() { cat "$1/$2.time" 2>/dev/null || echo "?"; }

# http_start <dir-to-serve> <log>: a python http.server on 127.0.0.1 (QEMU's
# user network shows it to the guest as 10.0.2.2); sets HTTP_PORT, HTTP_PID.
http_start() {
    python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$1" >"$2" 2>&1 &
    HTTP_PID=$!
    HTTP_PORT=
    local i
    for ((i = 0; i < 50; i++)); do
        HTTP_PORT=$(sed -n 's/^Serving HTTP on .* port \([0-9]*\) .*/\1/p' "$2")
        [[ -n $HTTP_PORT ]] && return 0
        sleep 0.1
    done
    return 1
}
http_stop() { [[ -n ${HTTP_PID:-} ]] && kill "$HTTP_PID" 2>/dev/null; wait "$HTTP_PID" 2>/dev/null; HTTP_PID=; }

# pattern <text> <bytes>: <text> repeated, <bytes> long, on stdout.
pattern() { yes "$1" | head -c "$2"; }

# The guest commands that check a disk, for a steps file:
#   disk_steps <label> <dev> <host-md5> <guest-text> <guest-md5>
# read: the first MiB holds what the host put there; write: the guest puts
# <guest-text> repeated into the third MiB, flushes, drops its caches and
# reads it back.  The host checks the image afterwards (disk_check).
disk_steps() {
    local label=$1 dev=$2 host_md5=$3 text=$4 guest_md5=$5
    echo "cmd $label-read 30 [ -b $dev ] && dd if=$dev bs=64k count=16 2>/dev/null | md5sum | grep $host_md5"
    echo "cmd $label-write 30 [ -b $dev ] && yes $text | head -c 1048576 | dd of=$dev bs=64k seek=32 conv=fsync 2>/dev/null && echo 3 >/proc/sys/vm/drop_caches && dd if=$dev bs=64k skip=32 count=16 2>/dev/null | md5sum | grep $guest_md5"
}

# disk_check <image> <guest-md5>: the third MiB of the image as the guest wrote it.
disk_check() {
    [[ $(dd if="$1" bs=64k skip=32 count=16 2>/dev/null | md5sum | cut -d' ' -f1) == "$2" ]]
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on now (for a
# QEMU host forward).
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# empty_bootdisk <image>: a new console boot disk with empty banks.
empty_bootdisk() {
    console-domain/mkbootdisk.py --busybox build/console/cloud/busybox/bin/busybox "$1" >/dev/null
}

# The build's credentials for the console (console-domain/credentials.sh).
CREDENTIALS=build/console/credentials
ROOT_PASSWORD=$(cat "$CREDENTIALS/root-password" 2>/dev/null)

# login_steps [suffix] [timeout]: steps that wait for the serial console's
# login prompt (the end of the boot: runlevel 3 is up) and log in as root
# with the build's password; labels login<suffix>, password<suffix>,
# shell<suffix>.
login_steps() {
    echo "wait login${1:-} ${2:-200} login: \$"
    echo "send root"
    echo "wait password${1:-} 30 Password: \$"
    echo "send $ROOT_PASSWORD"
    echo "wait shell${1:-} 60 \\]# \$"
}
