#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The service console's credentials, kept under build/ (never committed):
#
#   credentials.sh <dir>
#
#   <dir>/root-password    root's password: $ROOT_PASSWORD when set, else
#                          the one generated at random the first time
#   <dir>/root-password.salt  a random salt for its SHA-512 crypt hash
#                          (random, so that the hash reveals nothing; kept,
#                          so that the same password builds the same image)
#   <dir>/admin_ed25519    an ssh key pair made for this build tree (what
#                          `make run` and the tests log in with)
#   <dir>/authorized_keys  root's authorized keys in the console: that key
#                          and the invoking user's ~/.ssh/*.pub
#
# Files keep their content unless it must change (the password and the
# key stay the same across runs).
set -euo pipefail
(($# == 1)) || { echo "usage: $0 <dir>" >&2; exit 2; }
dir=$1
mkdir -p "$dir"
umask 077

# update <file>: stdin becomes the file's content if it differs.
update() {
    local new
    new=$(cat)
    if [[ ! -f $1 || $(cat "$1") != "$new" ]]; then
        printf '%s\n' "$new" >"$1.tmp"
        mv "$1.tmp" "$1"
    fi
}

# random_text <tr-set>: 16 random characters from the set.  (Reads a fixed
# amount: a reader that stops early would kill tr with SIGPIPE.)
random_text() {
    head -c 1024 /dev/urandom | LC_ALL=C tr -dc "$1" | cut -c1-16 | tr -d '\n'
}

if [[ -n ${ROOT_PASSWORD:-} ]]; then
    printf '%s' "$ROOT_PASSWORD" | update "$dir/root-password"
elif [[ ! -s $dir/root-password ]]; then
    # 16 characters from [A-Za-z0-9]: about 95 bits.
    random_text 'A-Za-z0-9' | update "$dir/root-password"
fi

if [[ ! -s $dir/root-password.salt || $dir/root-password -nt $dir/root-password.salt ]]; then
    random_text 'A-Za-z0-9./' >"$dir/root-password.salt"
fi

if [[ ! -s $dir/admin_ed25519 ]]; then
    rm -f "$dir/admin_ed25519" "$dir/admin_ed25519.pub"
    ssh-keygen -q -t ed25519 -N '' -C "skerry-admin@$(hostname)" -f "$dir/admin_ed25519"
fi

{
    cat "$dir/admin_ed25519.pub"
    for k in "${HOME:-/nonexistent}"/.ssh/*.pub; do
        [[ -r $k ]] && cat "$k"
    done
    true
} | update "$dir/authorized_keys"
# Newer than what they were made from, changed or not (make compares).
touch "$dir/root-password" "$dir/root-password.salt" "$dir/authorized_keys"
