#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The service console's userland as domain 0 under the vmkernel, driven from
# the host with real clients, across four boots of one machine with a boot
# disk:
#   1. rc3.d comes up and logs every S script; OpenSSH takes the build's key
#      and root's password, refuses a wrong one; scp and sftp move 10 MB
#      intact; syslog splits local4 into vmksummary; the administrator
#      changes the hostname and adds a user (useradd, chpasswd, SHA-512),
#      then reboots from ssh;
#   2. the console comes back with the same host key, hostname and user;
#      a static address is set the Red Hat way and logs are rotated;
#      Dropbear is selected (/etc/sysconfig/sshd): OpenSSH's client and
#      Dropbear's dbclient log in, a wrong password is refused, scp and sftp
#      still work; the configuration is saved, then saved again with one
#      more setting, that newest boot bank is corrupted and the machine
#      reset without a shutdown;
#   3. the console falls back to the other bank, says so in the log, and
#      has that bank's configuration (without the last setting); a new
#      setting is saved, and that bank marked as if its boot never finished;
#   4. the console passes over that bank, says so, and has the previous
#      configuration; poweroff from ssh powers the machine off.
set -u
cd "$(dirname "$0")/../.."
. tests/system/lib.sh
. tests/system/console_lib.sh

d=build/tests/system/service-console
rm -rf "$d"
mkdir -p "$d/dbhome/.ssh"
for f in build/vmkernel.elf build/console/vmlinuz build/console/initrd.img \
    "$CREDENTIALS/admin_ed25519" build/console/cloud/busybox/bin/busybox; do
    [[ -f $f ]] || { fail "service console: $f is missing (run: make)"; exit 1; }
done
for t in ssh scp sftp dbclient dropbearconvert; do
    command -v "$t" >/dev/null || { fail "service console: host tool $t is missing (tools/build/host-packages.txt)"; exit 1; }
done

port=$(free_port)
empty_bootdisk "$d/bootdisk.img"
# A VMFS datastore the console mounts as /vmfs/volumes/datastore1.
truncate -s 2G "$d/datastore1.img"
build/bin/vmkfstools -C vmfs3 -S datastore1 "$d/datastore1.img" >/dev/null
cp "$CREDENTIALS/admin_ed25519" "$d/admin_key"
chmod 600 "$d/admin_key"
dropbearconvert openssh dropbear "$d/admin_key" "$d/admin_key.db" >/dev/null 2>&1
head -c 10485760 /dev/urandom >"$d/payload"
payload_sum=$(sha256sum <"$d/payload" | cut -d' ' -f1)
nonce=$RANDOM$RANDOM
user_password=Ops-$nonce

# Clients: the build's key; a password through SSH_ASKPASS (no terminal).
cat >"$d/askpass" <<'EOF'
#!/bin/sh
echo "$TEST_PASSWORD"
EOF
chmod 755 "$d/askpass"
opts="-p $port -o UserKnownHostsFile=$d/known_hosts -o ConnectTimeout=20 -o ServerAliveInterval=5 -o ServerAliveCountMax=3 -o LogLevel=ERROR"
export SSH_KEY="ssh $opts -o StrictHostKeyChecking=accept-new -o BatchMode=yes -i $d/admin_key"
export SSH_SAME_HOST="ssh $opts -o StrictHostKeyChecking=yes -o BatchMode=yes -i $d/admin_key"
# The server's version string is in the client's debug output.
export SSH_VERBOSE="ssh -v -p $port -o UserKnownHostsFile=$d/known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=20 -i $d/admin_key"
export SSH_PW="env SSH_ASKPASS=$d/askpass SSH_ASKPASS_REQUIRE=force ssh $opts -o StrictHostKeyChecking=yes -o PubkeyAuthentication=no -o PreferredAuthentications=password -o NumberOfPasswordPrompts=1"
export SCP="scp -P $port -o UserKnownHostsFile=$d/known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes -o LogLevel=ERROR -i $d/admin_key"
export SFTP="sftp -P $port -o UserKnownHostsFile=$d/known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes -o LogLevel=ERROR -i $d/admin_key"
export DBCLIENT="env HOME=$PWD/$d/dbhome dbclient -y -p $port"
export D=$d R=root@127.0.0.1

# round_trip <label>: scp the payload up, sftp it back, compare.
round_trip() {
    echo "host $1-scp 180 \$SCP \$D/payload \$R:/tmp/payload && \$SSH_SAME_HOST \$R 'sha256sum /tmp/payload'"
    echo "host $1-sftp 180 rm -f \$D/back && printf 'get /tmp/payload %s\\n' \$D/back | \$SFTP -b - \$R && sha256sum <\$D/back"
}

cat >"$d/steps" <<EOF
wait marker 200 $CONSOLE_MARKER
wait login1 300 login: \$
host key 60 \$SSH_KEY \$R 'echo "logged in as \$(id -un) on \$(hostname)"'
host vmfs 120 \$SSH_KEY \$R 'ls -l /vmfs/volumes; vmkfstools -P /vmfs/volumes/datastore1 && mkdir -p /vmfs/volumes/datastore1/vm1 && vmkfstools -c 64m -d thin -a lsilogic /vmfs/volumes/datastore1/vm1/vm1.vmdk && echo "vmfs-from-console-$nonce" | dd of=/vmfs/volumes/datastore1/vm1/vm1-flat.vmdk bs=512 seek=2048 conv=notrunc 2>/dev/null && sync /vmfs/volumes/datastore1/vm1/vm1-flat.vmdk && echo vmfs-done'
host messages 30 \$SSH_KEY \$R 'cat /var/log/messages'
host vmksummary 30 \$SSH_KEY \$R 'logger -p local4.notice "vmksummary-$nonce"; sleep 1; echo "vmksummary: \$(grep -c vmksummary-$nonce /var/log/vmksummary) messages: \$(grep -c vmksummary-$nonce /var/log/messages)"'
host badpw 60 TEST_PASSWORD=wrong-$nonce \$SSH_PW \$R true
host rootpw 60 TEST_PASSWORD='$ROOT_PASSWORD' \$SSH_PW \$R 'id -un'
$(round_trip openssh)
host configure 60 \$SSH_KEY \$R 'sed -i "s/^HOSTNAME=.*/HOSTNAME=esx-$nonce.example.com/" /etc/sysconfig/network && useradd -m -c "Operator" ops && echo "ops:$user_password" | chpasswd && grep "^ops:" /etc/shadow | cut -d: -f2 | cut -c1-3'
host userpw 60 TEST_PASSWORD='$user_password' \$SSH_PW ops@127.0.0.1 'id -un'
host hostkey1 30 ssh-keygen -l -f \$D/known_hosts
host reboot 60 \$SSH_KEY \$R 'reboot'
wait login2 300 login: \$
host after-reboot 60 \$SSH_SAME_HOST \$R 'hostname; id -un ops; grep -c "S[0-9][0-9].* start: ok" /var/log/messages'
host static 60 \$SSH_SAME_HOST \$R 'printf "DEVICE=eth0\\nBOOTPROTO=static\\nIPADDR=10.0.2.15\\nNETMASK=255.255.255.0\\nDNS1=10.0.2.3\\nONBOOT=yes\\n" >/etc/sysconfig/network-scripts/ifcfg-eth0 && sed -i "s/^GATEWAY=.*/GATEWAY=10.0.2.2/" /etc/sysconfig/network && setsid sh -c "service network restart" </dev/null >/tmp/network-restart.log 2>&1 &'
host static-check 60 for i in \$(seq 20); do sleep 1; out=\$(\$SSH_SAME_HOST \$R 'ip -4 addr show dev eth0; ip route; cat /etc/resolv.conf; pidof udhcpc || echo "no DHCP client"') && break; done; echo "\$out"
host logrotate 60 \$SSH_SAME_HOST \$R 'logrotate -f /etc/logrotate.conf && ls /var/log/messages.1.gz && logger -p daemon.notice "after-rotation-$nonce" && sleep 1 && grep -c "after-rotation-$nonce" /var/log/messages'
host dropbear 90 \$SSH_SAME_HOST \$R 'sed -i "s/^SSHD=.*/SSHD=dropbear/" /etc/sysconfig/sshd && /sbin/backup.sh 0 && setsid sh -c "sleep 1; service sshd restart" </dev/null >/dev/null 2>&1 &'
host banner 60 for i in \$(seq 30); do v=\$(\$SSH_VERBOSE \$R true 2>&1 | grep "remote software version"); case \$v in *dropbear*) echo "\$v"; exit 0;; esac; sleep 1; done; echo "\$v"; exit 1
host db-openssh-key 60 \$SSH_SAME_HOST \$R 'cat /var/lock/subsys/sshd'
host db-dbclient-key 60 \$DBCLIENT -i \$D/admin_key.db \$R 'echo "dbclient: \$(id -un) on \$(hostname)"'
host db-badpw-openssh 60 TEST_PASSWORD=wrong-$nonce \$SSH_PW \$R true
host db-badpw 60 DROPBEAR_PASSWORD=wrong-$nonce \$DBCLIENT ops@127.0.0.1 true
host db-badpw-log 30 \$SSH_SAME_HOST \$R 'grep "Bad password attempt for .ops." /var/log/secure'
host db-userpw 60 DROPBEAR_PASSWORD='$user_password' \$DBCLIENT ops@127.0.0.1 'id -un'
$(round_trip dropbear)
host corrupt 90 \$SSH_SAME_HOST \$R '/sbin/backup.sh 0 && echo "SKERRY_TEST_MARK=$nonce" >>/etc/sysconfig/network && /sbin/backup.sh 0 && bootbank status && echo corrupt >>/bootbank/state.tgz && sync && echo b >/proc/sysrq-trigger'
wait login3 300 login: \$
host fallback 60 \$SSH_SAME_HOST \$R 'grep "bootbank:" /var/log/messages; echo "sshd: \$(cat /var/lock/subsys/sshd)"; echo "host: \$(hostname)"; echo "mark: \$(grep -c SKERRY_TEST_MARK /etc/sysconfig/network)"'
host trial 90 \$SSH_SAME_HOST \$R 'echo "SKERRY_TEST_MARK2=$nonce" >>/etc/sysconfig/network && /sbin/backup.sh 0 && sed -i "s/^bootstate=.*/bootstate=1/" /bootbank/boot.cfg && sync && echo b >/proc/sysrq-trigger'
wait login4 300 login: \$
host trial-fallback 60 \$SSH_SAME_HOST \$R 'grep "bootbank:" /var/log/messages; echo "mark2: \$(grep -c SKERRY_TEST_MARK2 /etc/sysconfig/network)"'
host poweroff 60 \$SSH_SAME_HOST \$R 'poweroff'
exit off 120
EOF
CONSOLE_REBOOTS=1 console_run "$d" "$d/steps" 1200 -M q35 -cpu qemu64,+svm,+npt -smp 2 -m 2048 \
    -kernel build/vmkernel.elf \
    -initrd "build/console/vmlinuz console=ttyS0 panic=-1,build/console/initrd.img" \
    -serial "file:$d/vmkernel.log" \
    -drive "file=$d/bootdisk.img,format=raw,if=virtio" -drive "file=$d/datastore1.img,format=raw,if=virtio" \
    -device virtio-rng-pci \
    -nic "user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:$port-:22"

# check_denied <label> <description>: the OpenSSH client of that step was
# refused (ssh's status 255 and "Permission denied").
check_denied() {
    if [[ $(step_rc "$d" "$1") == 255 ]] && grep -q "Permission denied" "$d/$1.out"; then
        pass "$2"
    else
        fail "$2: $(why_failed "$d" "$1")"
    fi
}

# --- boot 1 ----------------------------------------------------------------
check_step "$d" login1 "service console: boots to the serial login prompt (rc3.d done) in $(step_time "$d" login1)s of QEMU"
check_output "$d" key "logged in as root on skerry" "ssh: OpenSSH client logs in to OpenSSH sshd with the build's key"
for s in S00vmkstart S10network S12syslog S40crond S55sshd S56xinetd S90vmware S91httpd.vmware; do
    check_output "$d" messages "rc: $s start: ok" "rc3.d: $s's outcome is in /var/log/messages"
done
check_output "$d" messages "rc: runlevel 3 complete" "rc3.d: the runlevel's completion is logged"
check_output "$d" messages 'vmware: mounted VMFS volume "datastore1" \(' "S90vmware: mounts the VMFS datastore and logs it"
check_output "$d" vmfs "datastore1 -> [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{12}" "VMFS: /vmfs/volumes/<label> links to /vmfs/volumes/<uuid>, as on ESX"
check_output "$d" vmfs "^File system label \(if any\): datastore1$" "VMFS: vmkfstools -P in the console describes the datastore"
check_output "$d" vmfs "^vmfs-done$" "VMFS: vmkfstools -c in the console makes a disk that takes data"
check_output "$d" messages "xinetd: not started: .*not built" "rc3.d: a subsystem Skerry lacks says so in the log"
check_output "$d" vmksummary "vmksummary: 1 messages: 0" "syslog: local4 goes to /var/log/vmksummary, not /var/log/messages"
check_denied badpw "ssh: a wrong root password is rejected"
check_output "$d" rootpw '^root$' "ssh: root's password from the build logs in"
check_output "$d" openssh-scp "^$payload_sum" "ssh: scp of 10 MB to the console arrives intact"
check_output "$d" openssh-sftp "^$payload_sum" "ssh: sftp of 10 MB back from the console arrives intact"
check_output "$d" configure '^\$6\$' "users: useradd and chpasswd store a SHA-512 crypt hash"
check_output "$d" userpw '^ops$' "users: the new user logs in with the password chpasswd set"

# --- boot 2 ----------------------------------------------------------------
check_step "$d" login2 "reboot from an ssh session brings the console back"
# The shutdown of the first boot, on the serial console before the second.
shutdown1=$(awk '/Entering runlevel: 3/ { n++ } n == 1' "$d/console.log")
for k in "Stopping sshd:" "Stopping crond:" "Shutting down system logger:" "Shutting down interface eth0:" \
    "Stopping vmkernel state"; do
    grep -q "^$k .*\[  OK  \]" <<<"$shutdown1" && pass "reboot: the K script says '$k ... OK'" ||
        fail "reboot: no '$k ... OK' on the console before the second boot"
done
grep -q "configuration saved to bank .*, shutdown)" <<<"$shutdown1" &&
    pass "reboot: the configuration is saved to the boot bank at shutdown" ||
    fail "reboot: no save to the boot bank at shutdown"
check_output "$d" after-reboot "^esx-$nonce.example.com$" "persistence: the changed hostname survives the reboot (with the same host key)"
check_output "$d" after-reboot '^ops$' "persistence: the new user survives the reboot"
check_output "$d" static-check 'inet 10\.0\.2\.15/24' "network: BOOTPROTO=static in ifcfg-eth0 sets IPADDR/NETMASK (service network restart)"
check_output "$d" static-check 'default via 10\.0\.2\.2' "network: GATEWAY from /etc/sysconfig/network becomes the default route"
check_output "$d" static-check '^nameserver 10\.0\.2\.3$' "network: DNS1 goes to /etc/resolv.conf"
check_output "$d" static-check '^no DHCP client$' "network: with a static address no DHCP client runs"
check_output "$d" logrotate '^1$' "syslog: logrotate rotates /var/log/messages and syslogd goes on writing the new one"
check_output "$d" banner 'remote software version dropbear' "dropbear: selected in /etc/sysconfig/sshd, it answers on port 22"
check_output "$d" db-openssh-key '^dropbear$' "dropbear: the OpenSSH client logs in with the key (and the same host key)"
check_output "$d" db-dbclient-key "dbclient: root on esx-$nonce.example.com" "dropbear: dbclient logs in with the key"
check_denied db-badpw-openssh "dropbear: a wrong root password is rejected (OpenSSH client)"
if [[ $(step_rc "$d" db-badpw) != 0 ]] && [[ $(step_rc "$d" db-badpw-log) == 0 ]]; then
    pass "dropbear: a wrong password is rejected (dbclient; Dropbear logged the bad attempt in /var/log/secure)"
else
    fail "dropbear: a wrong password (dbclient status $(step_rc "$d" db-badpw)): $(why_failed "$d" db-badpw-log)"
fi
check_output "$d" db-userpw '^ops$' "dropbear: dbclient logs in with the user's password"
check_output "$d" dropbear-scp "^$payload_sum" "dropbear: scp of 10 MB arrives intact"
check_output "$d" dropbear-sftp "^$payload_sum" "dropbear: sftp of 10 MB comes back intact"

# --- boot 3 ----------------------------------------------------------------
check_step "$d" login3 "after a reset with a corrupted boot bank the console boots"
check_output "$d" fallback 'state archive corrupt.*falling back to the other bank' "boot banks: the corrupted bank is named in the log"
check_output "$d" fallback 'restored the configuration from bank' "boot banks: the configuration comes from the other bank"
# (The step ends with the reset: its status is ssh's 255.)
grep -q "configuration saved to bank" "$d/corrupt.out" &&
    pass "boot banks: backup.sh saves a changed configuration to the other bank" ||
    fail "boot banks: backup.sh did not save: $(tr -s '\n' ' ' <"$d/corrupt.out" | tail -c 200)"
check_output "$d" fallback '^mark: 0$' "boot banks: the other bank's configuration is in force (the change saved only in the corrupted bank is gone)"
check_output "$d" fallback '^sshd: dropbear$' "boot banks: the other bank's configuration is in force (Dropbear, saved in both)"
check_output "$d" fallback "^host: esx-$nonce.example.com$" "boot banks: the other bank kept the hostname"
# --- boot 4 ----------------------------------------------------------------
check_step "$d" login4 "after a reset with the newest bank's boot marked unfinished the console boots"
check_output "$d" trial-fallback 'the last boot from it did not complete; falling back to bank' "boot banks: a bank whose last boot never completed is passed over, with a log message"
check_output "$d" trial-fallback '^mark2: 0$' "boot banks: the previous bank's configuration is in force after an unfinished boot"
check_step "$d" off "poweroff from ssh powers the machine off"
# The datastore after four boots (two of them hard resets with it mounted).
check_vmfs() {   # check_vmfs <description> <command...>
    local desc=$1 out
    shift
    if out=$("$@" 2>&1); then pass "$desc"; else fail "$desc: $(tail -c 300 <<<"$out")"; fi
}
check_vmfs "VMFS: the disk made in the console reads back on the host through debugvmfs" \
    bash -c "debugvmfs '$d/datastore1.img' cat /vm1/vm1-flat.vmdk | dd bs=512 skip=2048 count=1 status=none | grep -q vmfs-from-console-$nonce"
check_vmfs "VMFS: the console's descriptor names its flat extent as ESX writes it" \
    bash -c "debugvmfs '$d/datastore1.img' cat /vm1/vm1.vmdk | grep -qx 'RW 131072 VMFS \"vm1-flat.vmdk\"'"
check_vmfs "VMFS: K10vmware unmounted the datastore at poweroff (no heartbeat left)" \
    bash -c "[[ -z \$(debugvmfs '$d/datastore1.img' show_heartbeats) ]]"
check_vmfs "VMFS: fsck.vmfs finds the datastore clean after two hard resets" \
    bash -c ". tests/system/vmfs_lib.sh; fsck_vmfs_clean '$d/datastore1.img' && bitmaps_clean '$d/datastore1.img'"
grep -q "entered ACPI sleep type" "$d/vmkernel.log" &&
    pass "poweroff: the vmkernel carried out the console's ACPI power-off" ||
    fail "poweroff: no power-off in the vmkernel log"
