#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Boot the stack in QEMU (TCG, SVM with nested paging).
#   tools/run-qemu.sh             interactive: COM1 on this terminal
#   tools/run-qemu.sh --headless  background: build/run/{console,vmkernel}.log, qemu.pid
#   tools/run-qemu.sh --stop      end a headless run
# Other modules (e.g. test domains) with $MODULES ("path args,path args").
# The console's boot disk (its saved configuration, two boot banks) is
# build/run/bootdisk.img, made empty on first use; $BOOTDISK names another.
# A VMFS datastore disk, build/run/datastore1.img (an 8 GiB sparse image
# formatted by vmkfstools -C on first use, with the demo VM on it;
# $DATASTORE names another), is the console's /vmfs/volumes/datastore1.
# The vmkernel keeps 768 MB of the 2 GB for itself and the VMs
# (VMKERNEL_ARGS replaces its options).
# Host ports reach the console through QEMU's user network: ssh 2222 -> 22,
# authd 9020 -> 902, web 8080 -> 80 and 8443 -> 443, on $FORWARD_ADDR
# (default 127.0.0.1).
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
bootdisk=${BOOTDISK:-$run/bootdisk.img}
[[ -e $bootdisk ]] || console-domain/mkbootdisk.py --busybox build/console/cloud/busybox/bin/busybox "$bootdisk"
datastore=${DATASTORE:-$run/datastore1.img}
demo=
if [[ ! -e $datastore ]]; then
    truncate -s 8G "$datastore"
    build/bin/vmkfstools -C vmfs3 -b 1m -S datastore1 "$datastore" >/dev/null
    # A new datastore gets the demo VM, which the console registers on its
    # first boot (skerry.register=, while /etc/vmware/vm-list is new).
    tools/place-demo-vm.sh "$datastore" && demo="skerry.register=/vmfs/volumes/datastore1/demo/demo.vmx"
fi
modules=${MODULES:-"build/console/vmlinuz console=ttyS0 $demo ${CONSOLE_ARGS:-},build/console/initrd.img"}
a=${FORWARD_ADDR:-127.0.0.1}
forwards=hostfwd=tcp:$a:2222-:22,hostfwd=tcp:$a:9020-:902,hostfwd=tcp:$a:8080-:80,hostfwd=tcp:$a:8443-:443
# No -no-reboot: the console's `reboot` resets the machine and QEMU boots
# the stack again; `poweroff` ends QEMU.
args=(-M q35 -cpu qemu64,+svm,+npt -smp "${SMP:-2}" -m "${MEM:-2048}"
      -kernel build/vmkernel.elf -append "${VMKERNEL_ARGS-vmkernel_mem=768M}" -initrd "$modules"
      -drive "file=$bootdisk,format=raw,if=virtio" -drive "file=$datastore,format=raw,if=virtio"
      -device virtio-rng-pci
      -nic "user,model=virtio-net-pci,$forwards")

creds=build/console/credentials
connect() {
    echo "Log in to the service console (once it is up):"
    echo "  ssh -p 2222 -i $creds/admin_ed25519 root@$a      (or with root's password:"
    echo "  $(cat "$creds/root-password" 2>/dev/null || echo '(none: build/console/credentials/root-password)'), from $creds/root-password)"
    echo "  authd: $a:9020, web: http://$a:8080 and https://$a:8443"
}

if [[ ${1:-} == --headless ]]; then
    qemu-system-x86_64 "${args[@]}" -display none -monitor none \
        -serial "file:$run/console.log" -serial "file:$run/vmkernel.log" \
        -daemonize -pidfile "$pidfile"
    echo "QEMU running in the background (pid $(cat "$pidfile"))"
    echo "  console:       $run/console.log"
    echo "  vmkernel log:  $run/vmkernel.log"
    echo "  stop it with:  make stop"
    connect
else
    echo "Skerry in QEMU: COM1 is this terminal, the vmkernel log goes to $run/vmkernel.log."
    echo "Quit QEMU with Ctrl-A X (Ctrl-A C for the QEMU monitor)."
    connect
    exec qemu-system-x86_64 "${args[@]}" -nographic \
        -serial mon:stdio -serial "file:$run/vmkernel.log"
fi
