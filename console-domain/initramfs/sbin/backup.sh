#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# backup.sh [0|1]: save the configuration to the boot bank, as ESXi's
# backup.sh does (1: the host is shutting down).  See /usr/sbin/bootbank.
case ${1:-0} in
1) exec /usr/sbin/bootbank save shutdown ;;
*) exec /usr/sbin/bootbank save periodic ;;
esac
