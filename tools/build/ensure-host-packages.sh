#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Install whichever Debian packages listed in $1 are missing (needs root, or sudo).
set -euo pipefail
list=$1
missing=()
while read -r pkg; do
    [[ -z $pkg || $pkg == \#* ]] && continue
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
        missing+=("$pkg")
done < "$list"
((${#missing[@]} == 0)) && exit 0
echo "installing host packages: ${missing[*]}"
sudo=()
((EUID == 0)) || sudo=(sudo)
"${sudo[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
