#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e: the snapshot unwinders' limits are settable and never silent: a stack deeper than the
# copied snapshot is marked [truncated] and reported with the setting that helps.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root
u=${1:?libdw or libunwind}
C=$PB_FIXTURES/c
plan 3

# 499 Hz: ~500 samples in 1 s, so >= 50 holds even when a busy machine leaves it a fifth of a CPU.
"$PB" --unwinder "$u" --set "unwinder.$u.stack-size=512" -F 499 -- "$C/recursion-nofp" 1 \
	>"$TMP/small.folded" 2>"$TMP/small.err"
total=$(total_samples "$TMP/small.folded")
cut=$(samples_matching "$TMP/small.folded" '\[truncated\]')
[ "$total" -ge 50 ] && [ $((cut * 100)) -ge $((total * 90)) ] &&
	ok "512-byte snapshots of a 61-deep recursion: $cut of $total stacks marked [truncated]" ||
	not_ok "small snapshots are marked" "$cut of $total" "$(head -2 "$TMP/small.folded" | cut -c1-120)"
grep -q "user stack deeper than the snapshot (try stack-size)" "$TMP/small.err" &&
	ok "and reported: $(tr '\n' ' ' <"$TMP/small.err")" || not_ok "not reported" "$(cat "$TMP/small.err")"

"$PB" --unwinder "$u" --set "unwinder.$u.stack-size=7" -d 1 >/dev/null 2>"$TMP/bad.err"
st=$?
# The key table holds the range: the value is refused where it is given (exit 2), before loading.
[ $st = 2 ] && grep -q "'stack-size' must be from 8 to 65528, not '7'" "$TMP/bad.err" &&
	ok "an out-of-range stack-size is refused (exit $st): $(head -1 "$TMP/bad.err")" ||
	not_ok "stack-size=7" "exit $st" "$(cat "$TMP/bad.err")"
finish
