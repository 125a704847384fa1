#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The committed invocations header is exactly what its description
# generates (so the vmkernel's decode table, libvmk and the vmnix module
# cannot drift apart), and the generator refuses a broken description.
set -u
cd "$(dirname "$0")/../.."
. tests/system/lib.sh
gen=hypervisor/abi/gen_invocations.py
if out=$(python3 $gen --check hypervisor/abi/invocations.txt hypervisor/include/public/skerry/invocations.h 2>&1); then
    pass "abi: invocations.h is what invocations.txt generates"
else
    fail "abi: $out"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad() {   # bad LABEL LINE: a description with LINE appended must be refused
    { cat hypervisor/abi/invocations.txt; echo "$2"; } >"$tmp/inv.txt"
    if out=$(python3 $gen "$tmp/inv.txt" "$tmp/out.h" 2>&1); then
        fail "abi: the generator accepted $1"
    else
        pass "abi: the generator refuses $1 ($out)"
    fi
}
bad "a label used twice" "cnode 16 again write - - -"
bad "a name used twice" "cnode 200 copy write - - -"
bad "too many registers" "cnode 201 many write - a,b,c,d,e,f,g,h,i -"
bad "an unknown right" "cnode 202 odd sideways - - -"
bad "a short line" "cnode 203 short write"
