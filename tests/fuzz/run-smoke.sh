#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Smoke-run every built libFuzzer target (build/tests/fuzz/fuzz_*) for a
# fixed number of inputs with a fixed seed, starting from a fresh corpus of
# a few well-formed inputs written below.  Prints one line per target,
# "PASS fuzz <name>: N runs, no crash" or "FAIL fuzz <name>: ...", and
# exits 1 if any target failed (or none was built).
#
#   FUZZ_RUNS=200000 tests/fuzz/run-smoke.sh     more inputs per target
#   tests/fuzz/run-smoke.sh elf64 cmdline        only these targets
#
# A failing target's libFuzzer log is build/tests/fuzz/logs/<name>.log and
# the crashing input build/tests/fuzz/artifacts/<name>/crash-*; replay it
# with build/tests/fuzz/fuzz_<name> <that file>.
#
# The targets are built by `make fuzz` (tests/fuzz/fuzz.mk) with clang-14;
# the build needs the Debian packages clang-14 and libclang-rt-14-dev.
set -u
cd "$(dirname "$0")/../.."

dir=${FUZZ_BUILD_DIR:-build/tests/fuzz}
runs=${FUZZ_RUNS:-20000}
seed=${FUZZ_SEED:-1}

# Seed inputs, one directory per target, made from scratch every run so
# that a run depends only on the seed and the code.
make_seeds() {   # make_seeds <corpus root>
    python3 - "$1" <<'PY'
import os, struct, sys

root = sys.argv[1]

def put(name, idx, data):
    os.makedirs(os.path.join(root, name), exist_ok=True)
    with open(os.path.join(root, name, "seed-%d" % idx), "wb") as f:
        f.write(data)

def fix_checksum(buf, start, length, at):
    buf[at] = 0
    buf[at] = (-sum(buf[start:start + length])) & 0xFF

# ELF64: an x86-64 executable with a PT_LOAD and a PT_NOTE.
elf = bytearray(0x140)
elf[0:16] = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
struct.pack_into("<HHIQQQIHHHHHH", elf, 16, 2, 62, 1, 0x100000, 64, 0, 0, 64, 56, 2, 64, 0, 0)
struct.pack_into("<IIQQQQQQ", elf, 64, 1, 5, 0x100, 0x100000, 0x100000, 0x40, 0x80, 0x1000)
struct.pack_into("<IIQQQQQQ", elf, 120, 4, 4, 0x140, 0, 0, 0, 0, 4)
put("elf64", 0, bytes(elf))

# Multiboot: the information at 0 with a memory map, command line, a module.
mb = bytearray(0x180)
struct.pack_into("<I", mb, 0, (1 << 0) | (1 << 2) | (1 << 3) | (1 << 6))
struct.pack_into("<II", mb, 4, 639, 0x7FC00)
struct.pack_into("<I", mb, 16, 0x100)                 # cmdline
struct.pack_into("<II", mb, 20, 1, 0x80)              # mods_count, mods_addr
struct.pack_into("<II", mb, 44, 48, 0x40)             # mmap_length, mmap_addr
struct.pack_into("<IQQI", mb, 0x40, 20, 0, 0x9FC00, 1)
struct.pack_into("<IQQI", mb, 0x58, 20, 0x100000, 0x7FF00000, 1)
struct.pack_into("<IIII", mb, 0x80, 0x200, 0x300, 0x140, 0)
mb[0x100:0x100 + 22] = b"console=com1 mem=512M\0"
mb[0x140:0x140 + 12] = b"initrd args\0"
put("multiboot", 0, bytes(mb))

# ACPI: RSDP (rev 2) at 0x10, RSDT at 0x100, XSDT at 0x180, MADT at 0x200,
# FADT at 0x300.
def header(buf, at, sig, length):
    buf[at:at + 4] = sig
    struct.pack_into("<IB", buf, at + 4, length, 1)
    buf[at + 10:at + 16] = b"SKERRY"

acpi = bytearray(0x400)
acpi[0x10:0x18] = b"RSD PTR "
acpi[0x19:0x1F] = b"SKERRY"
acpi[0x1F] = 2
struct.pack_into("<IIQ", acpi, 0x20, 0x100, 36, 0x180)
fix_checksum(acpi, 0x10, 20, 0x18)
fix_checksum(acpi, 0x10, 36, 0x30)
header(acpi, 0x100, b"RSDT", 44)
struct.pack_into("<II", acpi, 0x100 + 36, 0x200, 0x300)
fix_checksum(acpi, 0x100, 44, 0x100 + 9)
header(acpi, 0x180, b"XSDT", 52)
struct.pack_into("<QQ", acpi, 0x180 + 36, 0x200, 0x300)
fix_checksum(acpi, 0x180, 52, 0x180 + 9)
madt = bytearray()
madt += struct.pack("<II", 0xFEE00000, 1)
madt += struct.pack("<BBBBI", 0, 8, 0, 0, 1)          # LAPIC 0, enabled
madt += struct.pack("<BBBBI", 0, 8, 1, 1, 1)          # LAPIC 1, enabled
madt += struct.pack("<BBBBII", 1, 12, 2, 0, 0xFEC00000, 0)   # IOAPIC
madt += struct.pack("<BBBBIH", 2, 10, 0, 0, 2, 0)     # IRQ0 -> GSI 2
madt += struct.pack("<BBHIII", 9, 16, 0, 0x100, 1, 2)  # x2APIC 0x100
header(acpi, 0x200, b"APIC", 36 + len(madt))
acpi[0x200 + 36:0x200 + 36 + len(madt)] = madt
fix_checksum(acpi, 0x200, 36 + len(madt), 0x200 + 9)
header(acpi, 0x300, b"FACP", 116)
fix_checksum(acpi, 0x300, 116, 0x300 + 9)
put("acpi", 0, bytes(acpi))
# The same MADT at address 0, where the target also parses one.
m0 = bytearray(acpi[0x200:0x200 + 36 + len(madt)])
put("acpi", 1, bytes(m0))

# Instructions: mode byte (0 = 16-bit, 1 = 32-bit, 2 = 64-bit), then bytes.
insns = [
    b"\x02\x8b\x07",                      # mov eax, [rdi]
    b"\x02\x48\x89\x84\x8b\x00\x01\x00\x00",  # mov [rbx+rcx*4+0x100], rax
    b"\x02\xf3\x48\xa5",                  # rep movsq
    b"\x02\xf0\x81\x0d\x00\x10\x00\x00\xff\x00\x00\x00",  # lock or [rip+0x1000], 0xff
    b"\x01\x0f\xb6\x46\x04",              # movzx eax, byte [esi+4]
    b"\x00\xc7\x06\x34\x12\x78\x56",      # mov word [0x1234], 0x5678 (16-bit)
    b"\x01\x64\xa1\x00\x00\xe0\xfe",      # mov eax, fs:[0xfee00000]
    b"\x02\x0f\xba\x20\x05",              # bt dword [rax], 5
]
for i, b in enumerate(insns):
    put("insn_decode", i, b)

put("cmdline", 0, b"console=com1 mem=512M heap=0x100000 debug\0mem")
put("cmdline", 1, b"console=com1 mem=512M heap=0x100000 debug\0debug")
put("cmdline", 2, b"a=1 b=0x10k c=3G\0b")

put("vmdk", 0, b'# Disk DescriptorFile\nversion=1\nCID=dab8f8df\nparentCID=ffffffff\ncreateType="vmfs"\n\n'
               b'# Extent description\nRW 409600 VMFS "thin-flat.vmdk"\n\n# The Disk Data Base \n#DDB\n\n'
               b'ddb.virtualHWVersion = "4"\nddb.geometry.cylinders = "200"\nddb.adapterType = "buslogic"\n'
               b'ddb.thinProvisioned = "1"\n')
put("vmdk", 1, b'version=1\r\nCID=1\r\nparentCID=ffffffff\r\ncreateType="monolithicFlat"\r\nRW 2048 FLAT "f.vmdk" 0\r\n')

put("vmx_dict", 0, b'#!/usr/bin/vmware\n.encoding = "UTF-8"\nconfig.version = "8"\nvirtualHW.version = "4"\n'
                   b'memsize = "512"\nnumvcpus = "2"\n\nscsi0.virtualDev = "pvscsi"\nscsi0:0.fileName = "a.vmdk"\n'
                   b'ethernet0.virtualDev = "vmxnet3"\n  serial0.fileType   =  "file"  # log\n'
                   b'annotation = "one|0Atwo|7Cthree|22"\n')
put("vmx_dict", 1, b'\xef\xbb\xbfa = b\r\n# c\r\n\r\nB = "x|y|7c"\r\nA = "dup"')
put("vmx_dict", 2, b'/net/vswitch/child[0000]/name = "vSwitch0"\n/net/vswitch/child[0000]/numPorts = "64"\n')
put("vmx_dict", 3, b'displayName = "vm1"\nmemsize = "256"\nnumvcpus = "2"\nskerry.kernel = "vmlinuz"\n'
                   b'skerry.initrd = "initrd.img"\nserial0.present = "TRUE"\nserial0.fileName = "serial.log"\n'
                   b'serial1.present = "TRUE"\nserial1.fileType = "network"\nserial1.fileName = "telnet://:5001"\n'
                   b'scsi0.present = "TRUE"\nscsi0.virtualDev = "pvscsi"\nscsi0:0.present = "TRUE"\n'
                   b'scsi0:0.fileName = "vm1.vmdk"\nethernet0.present = "TRUE"\nethernet0.virtualDev = "vmxnet3"\n'
                   b'ethernet0.addressType = "static"\nethernet0.address = "00:50:56:00:00:01"\n')

# GuestRPC calls: [op][EAX EBX ECX EDX ESI EDI]; op 11 is a MESSAGE call
# with ECX bits 18:16 the type and EDX bits 18:16 the channel (no cookies
# when opened without the cookie flag).
import struct
def rpc_call(kind, ebx, chan=0):
    return bytes([11]) + struct.pack("<6I", 0x564D5868, ebx, kind << 16, chan << 16, 0, 0)
def rpc_exchange(protocol, text):
    out = rpc_call(0, protocol) + rpc_call(1, len(text))
    for i in range(0, len(text), 4):
        out += rpc_call(2, int.from_bytes(text[i:i + 4].ljust(4, b"\0"), "little"))
    out += rpc_call(3, 0) + b"".join(rpc_call(4, 1) for _ in range(8)) + rpc_call(5, 1)
    return out + rpc_call(6, 0)
put("guest_rpc", 0, rpc_exchange(0x49435052, b"info-set guestinfo.ip 10.0.0.1\0"))
put("guest_rpc", 1, rpc_exchange(0x49435052, b"info-get guestinfo.a\0") + rpc_exchange(0x49435052, b"log hello"))
put("guest_rpc", 2, rpc_exchange(0x4f4c4354, b"") + bytes([9]) + bytes(24) + rpc_exchange(0x4f4c4354, b"OK "))

# VMFS metadata patches: [region][offset u16][length][bytes]; an empty
# input opens the pristine volume.
put("vmfs_meta", 0, b"")
for r in range(12):
    put("vmfs_meta", 1 + r, bytes([r, 0x10, 0, 2, 0xff, 0x00]))
PY
}

shopt -s nullglob
targets=()
if (($#)); then
    for n in "$@"; do targets+=("$dir/fuzz_$n"); done
else
    targets=("$dir"/fuzz_*)
fi
if ((${#targets[@]} == 0)); then
    echo "FAIL fuzz: no fuzz targets built in $dir (run make fuzz)"
    exit 1
fi

rm -rf "$dir/corpus" "$dir/logs" "$dir/artifacts"
mkdir -p "$dir/corpus" "$dir/logs"
if ! make_seeds "$dir/corpus" 2>"$dir/logs/seeds.log"; then
    echo "note: could not write seed inputs (see $dir/logs/seeds.log); starting from empty corpora" >&2
fi

failed=0
for t in "${targets[@]}"; do
    name=${t##*/fuzz_}
    log=$dir/logs/$name.log
    if [[ ! -x $t ]]; then
        echo "FAIL fuzz $name: $t not built"
        failed=1
        continue
    fi
    mkdir -p "$dir/corpus/$name" "$dir/artifacts/$name"
    # A target whose inputs are slow (a whole volume per input) runs fewer.
    target_runs=$runs
    [[ $name == vmfs_meta ]] && target_runs=${FUZZ_RUNS_VMFS:-$((runs / 20))}
    "$t" -runs="$target_runs" -seed="$seed" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$dir/artifacts/$name/" \
        "$dir/corpus/$name" >"$log" 2>&1
    rc=$?
    done_runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    if ((rc == 0)) && [[ -n $done_runs ]] && ((done_runs >= target_runs)); then
        echo "PASS fuzz $name: $done_runs runs, no crash"
    else
        what=$(grep -m1 -E '^(==[0-9]+==ERROR|SUMMARY|.*invariant failed|.*runtime error)' "$log")
        crash=$(ls "$dir/artifacts/$name"/ 2>/dev/null | head -n 1)
        echo "FAIL fuzz $name: exit $rc after ${done_runs:-?} runs: ${what:-see $log}${crash:+ (input $dir/artifacts/$name/$crash)}"
        failed=1
    fi
done
exit $failed
