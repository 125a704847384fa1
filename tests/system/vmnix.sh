#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The vmnix module in the service console under the vmkernel, in one boot
# (cloud flavour, QEMU -smp 2): S90vmware loaded it; /proc/vmware answers
# through hypercalls on the SYSTEM capability: version (the ABI that CPUID
# 0x40000001 and the ABI header give), sched/ncpus (QEMU's CPU count),
# sched/cpu (the console's vCPU world), the log ring (lines the vmkernel's
# COM2 log has too), vm/<id>/names (the console); /dev/vmkernel refuses an
# unprivileged user (EACCES by its mode, EPERM without CAP_SYS_ADMIN even
# when the mode lets it open); vmklogger relays the ring into
# /var/log/vmkernel and only warnings and errors into /var/log/vmkwarning.
# Then vmkdump across a warm reset (the vmkernel runs with allow_test_panic
# panic_timeout=1 and QEMU restarts the machine): no dump on the first boot;
# crash_me purple-screens the vmkernel, and on the second boot S90vmware's
# vmkdump has saved the dump to /var/core, logged it and cleared it.
set -u
cd "$(dirname "$0")/../.."
. tests/system/lib.sh
. tests/system/console_lib.sh

SMP=2
VMKERNEL=${VMKERNEL:-build/vmkernel.elf}    # another vmkernel image to test against
d=build/tests/system/vmnix
rm -rf "$d"
mkdir -p "$d"
for f in "$VMKERNEL" build/console/vmlinuz build/console/initrd.img; do
    [[ -f $f ]] || { fail "vmnix: $f is missing (run: make)"; exit 1; }
done

# The ABI version as the public header states it (independent of the module).
hdr=hypervisor/include/public/skerry/platform.h
abi_major=$(sed -n 's/^#define SKERRY_ABI_MAJOR *\([0-9]*\)u.*/\1/p' "$hdr")
abi_minor=$(sed -n 's/^#define SKERRY_ABI_MINOR *\([0-9]*\)u.*/\1/p' "$hdr")

nonce=$RANDOM$RANDOM
# Each command prints something a check can match, or fails.
cat >"$d/steps" <<EOF2
wait marker 120 $CONSOLE_MARKER
$(login_steps)
cmd loaded 10 grep '^vmnix ' /proc/modules && ls -d /sys/module/vmnix
cmd bootlog 10 grep -E 'vmnix|vmklogger' /var/log/messages
cmd version 10 cat /proc/vmware/version
cmd cpuid 10 modprobe cpuid && dd if=/dev/cpu/0/cpuid bs=16 count=1 iflag=skip_bytes skip=$((0x40000001)) 2>/dev/null | od -An -tx4 -w16
cmd ncpus 10 cat /proc/vmware/sched/ncpus
cmd schedcpu 10 cat /proc/vmware/sched/cpu
cmd mem 10 cat /proc/vmware/mem
cmd interrupts 10 cat /proc/vmware/interrupts
cmd names 10 grep -H . /proc/vmware/vm/*/names
cmd log 30 grep -m 5 ' I: ' /proc/vmware/log
cmd useradd 30 /usr/sbin/useradd -m vmktest && id vmktest
cmd eacces 10 su -s /bin/sh vmktest -c 'dd if=/dev/vmkernel of=/dev/null count=0' 2>&1; echo "status \$?"
cmd eperm 10 chmod 0666 /dev/vmkernel && su -s /bin/sh vmktest -c 'dd if=/dev/vmkernel of=/dev/null count=0' 2>&1; echo "status \$?"; chmod 0600 /dev/vmkernel
cmd identify 10 vmkcall 3 any_identify
cmd empty-slot 10 vmkcall 4095 system_null 2>&1; echo "status \$?"
cmd outside 10 vmkcall 99999 system_null 2>&1; echo "status \$?"
cmd einval 10 vmkcall 3 system_null 1 2 3 4 5 6 7 8 9 2>&1; echo "status \$?"
cmd user-vmkcall 10 su -s /bin/sh vmktest -c '/usr/sbin/vmkcall 3 system_null' 2>&1; echo "status \$?"
cmd vmklogger 10 pidof vmklogger && wc -l /var/log/vmkernel && grep -m 3 'vmkernel: ' /var/log/vmkernel
cmd vmkwarning 10 [ -f /var/log/vmkwarning ] && echo "kernel: \$(grep -cE ' [WE]: ' /var/log/vmkernel) warnings: \$(grep -cE ' [WE]: ' /var/log/vmkwarning) other: \$(grep -cvE ' [WE]: ' /var/log/vmkwarning)"
cmd facility 10 logger -p local6.warning -t vmktest "warn-$nonce"; logger -p local6.info -t vmktest "info-$nonce"; sleep 1; for f in vmkernel vmkwarning messages; do echo "\$f: \$(grep -c -- "-$nonce" /var/log/\$f) \$(grep -c -- "warn-$nonce" /var/log/\$f)"; done
cmd vmktest 60 vmktest; echo "status \$?"
cmd vmkbench 60 vmkbench 1000
cmd user-vmkbench 10 su -s /bin/sh vmktest -c '/usr/sbin/vmkbench 10' 2>&1; echo "status \$?"
cmd vmkfuzz 400 vmkfuzz; echo "status \$?"
cmd afterfuzz 20 head -1 /proc/vmware/version && vmkcall 3 system_null && echo "console alive"
cmd oops 10 dmesg | grep -iE 'oops|bug:|call trace|vmnix' ; true
cmd nodump 10 vmkcall 3 system_dump_info && vmkdump; echo "status \$?"; ls /var/core 2>&1; true
send vmkcall 3 system_crash_me
wait marker2 120 $CONSOLE_MARKER
$(login_steps 2)
cmd core 10 stat -c '%a %U %F %n' /var/core /var/core/*
cmd dumptext 10 grep -m 1 'PANIC: crash_me' /var/core/vmkernel-zdump-* && grep -m 1 'SKERRY PURPLE SCREEN' /var/core/vmkernel-zdump-*
cmd dumpsize 10 stat -c 'size %s' /var/core/vmkernel-zdump-*
cmd savedlog 10 grep 'vmkdump' /var/log/messages
cmd cleared 10 vmkcall 3 system_dump_info
cmd again 10 vmkdump; echo "status \$?"; echo "files \$(ls /var/core | wc -l)"
cmd list 10 vmkdump -l
send poweroff
exit off 60
EOF2
# QEMU restarts the machine after the purple screen (panic_timeout=1 resets
# it); RAM, and so the dump, survives the reset.
CONSOLE_REBOOTS=1 console_run "$d" "$d/steps" 420 -M q35 -cpu qemu64,+svm,+npt -smp $SMP -m 2048 \
    -kernel "$VMKERNEL" -append "allow_test_panic panic_timeout=1" \
    -initrd "build/console/vmlinuz console=ttyS0 panic=-1,build/console/initrd.img" \
    -serial "file:$d/vmkernel.log" -nic user,model=virtio-net-pci
# The COM2 log without the UART's carriage returns.
log=$d/vmkernel.txt
tr -d '\r' <"$d/vmkernel.log" >"$log"
out() { tr -d '\r' <"$d/$1.out"; }

check_step "$d" shell "vmnix: the console boots to a root shell"
check_output "$d" loaded '^/sys/module/vmnix$' "vmnix: S90vmware loaded the module"
check_output "$d" bootlog 'vmnix loaded: Skerry vmkernel' "vmnix: S90vmware logged the module's load"

# The ABI: CPUID's EAX (major << 16 | minor) == the header == /proc/vmware/version.
eax=$(out cpuid | awk 'NF { print $1; exit }')
if [[ $(step_rc "$d" cpuid) == 0 && $eax =~ ^[0-9a-f]{8}$ ]]; then
    cpuid_abi="$((16#$eax >> 16)).$((16#$eax & 0xffff))"
    if [[ $cpuid_abi == "$abi_major.$abi_minor" ]]; then
        pass "vmnix: CPUID 0x40000001 reports ABI $cpuid_abi, as $hdr says"
    else
        fail "vmnix: CPUID 0x40000001 reports ABI $cpuid_abi, $hdr says $abi_major.$abi_minor"
    fi
    check_output "$d" version "^Skerry vmkernel, ABI ${cpuid_abi//./\\.}\$" \
        "vmnix: /proc/vmware/version shows the vmkernel's ABI $cpuid_abi (system_info)"
    check_output "$d" version "^CPUID 0x40000001: ABI ${cpuid_abi//./\\.}\$" \
        "vmnix: /proc/vmware/version shows CPUID's ABI $cpuid_abi"
else
    fail "vmnix: cannot read CPUID 0x40000001 in the console: $(why_failed "$d" cpuid) '$eax'"
fi

if [[ $(step_rc "$d" ncpus) == 0 && "$(out ncpus)" == "$SMP logical"$'\n'"$SMP cores"$'\n'"$SMP packages" ]]; then
    pass "vmnix: /proc/vmware/sched/ncpus says $SMP logical, cores, packages (QEMU -smp $SMP)"
else
    fail "vmnix: /proc/vmware/sched/ncpus is not '$SMP logical/cores/packages': $(out ncpus | tr '\n' '|')"
fi
check_output "$d" schedcpu '^ *world +domain +vcpu +name' "vmnix: /proc/vmware/sched/cpu has its header"
# A line for the console's vCPU 0: world, domain 0, vcpu 0, console.vcpu0,
# pcpu, running, a used time above zero.
check_output "$d" schedcpu '^ *[0-9]+ +0 +0 +console\.vcpu0 +[0-9]+ +running +([1-9][0-9]*\.[0-9]{3}|0\.(00[1-9]|0[1-9][0-9]|[1-9][0-9]{2})) ' \
    "vmnix: /proc/vmware/sched/cpu lists the console's running vCPU world with its run time"
check_output "$d" mem '^Machine memory: [1-9][0-9]* MB total' "vmnix: /proc/vmware/mem shows the machine's memory"
check_output "$d" mem '^ +0 +console +1 +[1-9][0-9]* MB$' "vmnix: /proc/vmware/mem shows the console's memory"
if grep -qE '^ *GSI +vector +count' "$d/interrupts.out" && ! grep -q '^vmnix:' "$d/interrupts.out"; then
    pass "vmnix: /proc/vmware/interrupts answers ($(($(out interrupts | grep -c .) - 1)) lines)"
else
    fail "vmnix: /proc/vmware/interrupts: $(out interrupts | tr '\n' '|' | tail -c 200)"
fi
check_output "$d" names '/proc/vmware/vm/0/names:vmid=0 .*displayName="console"' \
    "vmnix: /proc/vmware/vm/0/names names the console"

# The log ring through the module: each line is in the vmkernel's COM2 log.
n=0 missing=
if [[ $(step_rc "$d" log) == 0 ]]; then
    while IFS= read -r l; do
        [[ $l == *' I: '* ]] || continue
        n=$((n + 1))
        grep -qxF -- "$l" "$log" || missing=$l
    done < <(out log)
fi
if ((n >= 3)) && [[ -z $missing ]]; then
    pass "vmnix: /proc/vmware/log gives the vmkernel's log lines ($n checked against COM2)"
else
    fail "vmnix: /proc/vmware/log: $n lines, '${missing:-none}' not in $log: $(why_failed "$d" log)"
fi

check_output "$d" eacces "Permission denied" "vmnix: an unprivileged user cannot open /dev/vmkernel (EACCES, mode 0600)"
check_output "$d" eacces "^status [1-9]" "vmnix: the unprivileged open fails"
check_output "$d" eperm "Operation not permitted" "vmnix: with mode 0666 an unprivileged open still fails (EPERM, needs CAP_SYS_ADMIN)"
check_output "$d" eperm "^status [1-9]" "vmnix: the unprivileged open without CAP_SYS_ADMIN fails"

# Invocations from the shell (vmkcall, libvmk, the ioctl): results and each
# kind of refusal.
check_output "$d" identify '^mr0=0xa$' "vmnix: vmkcall: identify on slot 3 says SYSTEM (type 10) through /dev/vmkernel"
check_output "$d" empty-slot 'empty or holds the wrong type .*\(2\)' "vmnix: vmkcall: an empty slot gives SK_E_INVALID_CAPABILITY"
check_output "$d" empty-slot '^status 1$' "vmnix: vmkcall: an empty slot fails"
check_output "$d" outside 'outside the capability space \(6\)' "vmnix: vmkcall: a cptr past the cspace gives SK_E_FAILED_LOOKUP"
check_output "$d" einval 'more than 8 message registers \(-22\)' "vmnix: the ioctl refuses a message of nine registers (EINVAL)"
check_output "$d" user-vmkcall 'for root only \(-13\)' "vmnix: vmkcall as an unprivileged user: /dev/vmkernel is for root only"

# vmklogger: the ring's lines in /var/log/vmkernel, as syslog wrote them.
first=$(out vmklogger | sed -n 's/.* vmkernel: //p' | head -n 1)
if [[ $(step_rc "$d" vmklogger) == 0 && -n $first ]] && grep -qxF -- "$first" "$log"; then
    pass "vmnix: vmklogger runs and relays the vmkernel log into /var/log/vmkernel"
else
    fail "vmnix: /var/log/vmkernel lacks the vmkernel's lines: '$first' $(why_failed "$d" vmklogger)"
fi
# Warnings: the console cannot make the vmkernel warn on purpose (no
# /dev/port for pvpanic's "crash kernel loaded"; the power-off warning comes
# too late), so this holds for whatever warnings the boot produced: every
# W/E line of /var/log/vmkernel is in vmkwarning, and nothing else is.
check_output "$d" vmkwarning "^kernel: ([0-9]+) warnings: \\1 other: 0\$" \
    "vmnix: /var/log/vmkwarning has every warning and error of /var/log/vmkernel and nothing else"
# syslog.conf: local6 to vmkernel, local6.warning and above also to
# vmkwarning, none of it to messages (counts: all lines, warning lines).
if [[ $(step_rc "$d" facility) == 0 && "$(out facility)" == $'vmkernel: 2 1\nvmkwarning: 1 1\nmessages: 0 0' ]]; then
    pass "vmnix: syslog files local6 in vmkernel, its warnings also in vmkwarning, none in messages"
else
    fail "vmnix: syslog's local6 rules: $(out facility | tr '\n' '|') (want vmkernel: 2 1|vmkwarning: 1 1|messages: 0 0)"
fi
if [[ $(step_rc "$d" oops) == 0 ]] && ! grep -qiE 'oops|bug:|call trace' "$d/oops.out"; then
    pass "vmnix: no kernel oops or BUG in the console"
else
    fail "vmnix: the console's kernel complained: $(out oops | tr '\n' ' ' | tail -c 300)"
fi
# vmktest: the invocations through libvmk from the console, each a check.
out vmktest | sed -nE 's/^(PASS|FAIL) (.*)/\1 vmnix: vmktest: \2/p'
check_output "$d" vmktest '^vmktest: [1-9][0-9]* passed, 0 failed$' "vmnix: vmktest ran every check with no failure"
check_output "$d" vmktest '^status 0$' "vmnix: vmktest exited 0"

# vmkfuzz: a million random invocations by VMMCALL from the module; the
# vmkernel's memory and the console's capabilities as before, and the
# console still works.
out vmkfuzz | sed -nE 's/^(PASS|FAIL) (.*)/\1 vmnix: vmkfuzz: \2/p'
out vmkfuzz | grep -E '^vmkfuzz: [0-9]+ calls'
check_output "$d" vmkfuzz '^status 0$' "vmnix: vmkfuzz exited 0"
check_output "$d" afterfuzz '^console alive$' "vmnix: after the fuzzing /proc/vmware and the vmkernel still answer"

# vmkbench (make bench's null invocation): figures from all three loops,
# the module's VMMCALL loop (VMNIX_IOC_BENCH) included; refused to a user.
check_output "$d" vmkbench '^null invocation: ioctl [1-9][0-9]* ns, vmmcall [1-9][0-9]* ns, getppid [0-9]+ ns; ratios ioctl/getppid [0-9.]+, vmmcall/getppid [0-9.]+ \(1000 each\)$' \
    "vmnix: vmkbench times null invocations by ioctl and by the module's VMMCALL loop, and getppid"
check_output "$d" user-vmkbench '^vmkbench: /dev/vmkernel is for root only$' "vmnix: vmkbench as an unprivileged user: /dev/vmkernel is for root only"
check_output "$d" user-vmkbench '^status 1$' "vmnix: vmkbench as an unprivileged user fails"

# vmkdump, first boot: dump_info says none; vmkdump says so, exits 0 and
# makes no /var/core.
if [[ $(step_rc "$d" nodump) == 0 && "$(out nodump)" == $'mr0=0\nmr1=0\nvmkdump: no vmkernel dump\nstatus 0\n'*'No such file or directory'* ]]; then
    pass "vmkdump: with no dump it says so, exits 0 and writes nothing"
else
    fail "vmkdump: with no dump: $(out nodump | tr '\n' '|') $(why_failed "$d" nodump)"
fi
# The purple screen: exactly one, the one crash_me asked for, then a second boot.
panics=$(grep -c "SKERRY PURPLE SCREEN" "$log")
if [[ $panics == 1 ]] && grep -q "PANIC: crash_me: dom0 " "$log"; then
    pass "vmkdump: crash_me from the console purple-screened the vmkernel once"
else
    fail "vmkdump: $panics purple screens in $log, want exactly crash_me's"
fi
check_step "$d" shell2 "vmkdump: the machine reset and the console booted again to a root shell"
# The dump's size as the second boot's vmkernel reported it on COM2.
want=$(sed -n 's/.*crash dump: the previous boot ended in a purple screen; its dump (\([0-9]*\) bytes.*/\1/p' "$log" | head -n 1)
check_output "$d" core '^700 root directory /var/core$' "vmkdump: /var/core is a directory of root's, mode 0700"
check_output "$d" core '^600 root regular file /var/core/vmkernel-zdump-[0-9]{8}-[0-9]{6}$' \
    "vmkdump: the dump is /var/core/vmkernel-zdump-<YYYYMMDD-HHMMSS>, mode 0600"
if [[ $(step_rc "$d" core) == 0 && $(out core | grep -c '^600 ') == 1 ]]; then
    pass "vmkdump: exactly one dump file (none damaged)"
else
    fail "vmkdump: /var/core: $(out core | tr '\n' '|')"
fi
check_output "$d" dumptext 'PANIC: crash_me: dom0 .*asked for a purple screen' "vmkdump: the saved dump holds the panic message"
check_output "$d" dumptext 'SKERRY PURPLE SCREEN' "vmkdump: the saved dump holds the purple screen"
if [[ -n $want && $(step_rc "$d" dumpsize) == 0 && "$(out dumpsize)" == "size $want" ]]; then
    pass "vmkdump: the file has the $want bytes the vmkernel kept"
else
    fail "vmkdump: file $(out dumpsize | tr '\n' ' ')against the vmkernel's '${want:-no dump reported on COM2}'"
fi
check_output "$d" savedlog "vmkdump: saved the vmkernel dump of the previous boot \\(${want:-x} bytes\\) to /var/core/vmkernel-zdump-[0-9]{8}-[0-9]{6}\$" \
    "vmkdump: /var/log/messages says where the dump went and how big it is"
check_output "$d" cleared '^mr0=0$' "vmkdump: the dump was cleared: dump_info reports len 0"
if [[ $(step_rc "$d" again) == 0 && "$(out again)" == $'vmkdump: no vmkernel dump\nstatus 0\nfiles 1' ]]; then
    pass "vmkdump: run again it finds no dump and leaves /var/core alone"
else
    fail "vmkdump: run again: $(out again | tr '\n' '|') $(why_failed "$d" again)"
fi
check_output "$d" list "^ *${want:-x}  /var/core/vmkernel-zdump-[0-9]{8}-[0-9]{6}\$" "vmkdump -l lists the saved dump with its size"
check_step "$d" off "vmnix: poweroff (K10vmware stops vmklogger) powers the machine off"
