#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Boot the stack in QEMU (TCG, SVM with nested paging).
#   tools/run-qemu.sh             interactive: COM1 on this terminal
#   tools/run-qemu.sh --headless  background: build/run/{console,vmkernel}.log, qemu.pid
#   tools/run-qemu.sh --stop      end a headless run
# Other modules (e.g. test domains) with $MODULES ("path args,path args").
set -euo pipefail
cd "$(dirname "$0")/.."
run=build/run
mkdir -p "$run"
pidfile=$run/qemu.pid

if [[ ${1:-} == --stop ]]; then
    pid=$(cat "$pidfile" 2>/dev/null || true)
    if [[ -n $pid ]] && kill "$pid" 2>/dev/null; then
        echo "stopped QEMU (pid $pid)"
    else
        echo "no headless run is active"
    fi
    rm -f "$pidfile"
    exit 0
fi

# Default: the service console (Debian's cloud kernel and our initramfs).
modules=${MODULES:-"build/console/vmlinuz console=ttyS0 ${CONSOLE_ARGS:-},build/console/initrd.img"}
args=(-M q35 -cpu qemu64,+svm,+npt -smp "${SMP:-2}" -m "${MEM:-2048}" -no-reboot
      -kernel build/vmkernel.elf -append "${VMKERNEL_ARGS:-}" -initrd "$modules"
      -nic user,model=virtio-net-pci)

if [[ ${1:-} == --headless ]]; then
    qemu-system-x86_64 "${args[@]}" -display none -monitor none \
        -serial "file:$run/console.log" -serial "file:$run/vmkernel.log" \
        -daemonize -pidfile "$pidfile"
    echo "QEMU running in the background (pid $(cat "$pidfile"))"
    echo "  console:       $run/console.log"
    echo "  vmkernel log:  $run/vmkernel.log"
    echo "  stop it with:  make stop"
else
    echo "Skerry in QEMU: COM1 is this terminal, the vmkernel log goes to $run/vmkernel.log."
    echo "Quit QEMU with Ctrl-A X (Ctrl-A C for the QEMU monitor)."
    exec qemu-system-x86_64 "${args[@]}" -nographic \
        -serial mon:stdio -serial "file:$run/vmkernel.log"
fi
