#!/bin/sh
# SPDX-License-Identifier: MIT
# Stands in for a test whose tool is missing (node): a TAP skip, or a failure under
# PB_TEST_NO_SKIP=1 (CI). Usage, as a meson test's program: tap_skip.sh REASON
if [ "${PB_TEST_NO_SKIP:-0}" = 1 ]; then
	printf '1..1\nnot ok 1 - %s (PB_TEST_NO_SKIP=1 forbids skipping)\n' "$1"
	exit 1
fi
echo "1..0 # SKIP $1"
exit 0 # meson's TAP reader takes the plan's SKIP; exit 77 would read as an error
