#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e: the dwarf unwinder's capacity limits are settable, hit cleanly and reported: with room
# for too few rows, libc gets no table, walks stop there (marked, counted, with the hint) and
# the frames below libc are still right.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root
C=$PB_FIXTURES/c
plan 3

# 3 s at 499 Hz: >= 50 samples of pb_burn even when a loaded machine leaves the fixture 4% of a
# CPU (1.5 s at 199 Hz once gave 44), and the start-up, while tables are built, stays a small part.
"$PB" --dwarf --set unwinder.dwarf.max-rows=2000 -F 499 -- "$C/chain-nofp" 3 \
	>"$TMP/rows.folded" 2>"$TMP/rows.err"
st=$?
[ $st = 0 ] && grep -q "max-rows" "$TMP/rows.err" &&
	grep -q "user stack cut at a binary left without a table (try unwinder.dwarf.max-rows)" "$TMP/rows.err" &&
	ok "max-rows hit: reported with the setting ($(grep -c . "$TMP/rows.err") lines)" ||
	not_ok "max-rows not reported" "exit $st" "$(cat "$TMP/rows.err")"
cut=$(samples_matching "$TMP/rows.folded" '^chain-nofp;\[truncated\];(__libc_start_call_main;)?main;pb_alpha;pb_beta;pb_gamma;pb_burn')
total=$(samples_matching "$TMP/rows.folded" 'pb_burn')
[ "$total" -ge 50 ] && [ $((cut * 100)) -ge $((total * 90)) ] &&
	ok "walks stop cleanly at libc: $cut of $total marked [truncated] above an intact chain" ||
	not_ok "walks at the row limit" "$cut of $total" "$(sort -t' ' -k2 -nr "$TMP/rows.folded" | head -3)"
"$PB" --dwarf --set unwinder.dwarf.max-rows=2000 -F 199 -- "$C/chain-nofp" 1 >/dev/null 2>&1 &&
	ok "the profiler keeps running and exits 0 at the limit" || not_ok "exit status at the limit"
finish
