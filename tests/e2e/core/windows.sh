#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e: CLI windows (--flush-interval) as snapshots of one session: a file per window named by
# {window}, every window holding the chain, no sample lost or counted twice between windows, and
# a window file that cannot be written costing that window only.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root
C=$PB_FIXTURES/c
CHAIN="main;pb_alpha;pb_beta;pb_gamma;pb_burn"
plan 5

"$C/chain-fp" 15 &
target=$!
"$PB" -p "$target" -F $HZ --flush-interval 0.5 -d 2.2 -o "$TMP/w-{window}.folded" \
	-o "$TMP/all.folded" 2>"$TMP/err"
status=$?
n=$(ls "$TMP"/w-*.folded 2>/dev/null | wc -l)
[ "$status" = 0 ] && [ "$n" -ge 4 ] && [ "$n" -le 6 ] &&
	ok "a 2.2 s run with 0.5 s windows writes one file per window ($n files)" ||
	not_ok "per-window files" "status $status, $n files" "$(cat "$TMP/err")"

worst=100
for f in "$TMP"/w-*.folded; do
	[ "$(samples_matching "$f" '(^|;)pb_burn(;|$)')" -ge 5 ] || continue # the last, cut short
	share=$(chain_share "$f" "$CHAIN")
	[ "$share" -lt "$worst" ] && worst=$share
done
[ "$worst" -ge 90 ] && ok "every window holds the chain in >= 90% of the leaf's samples (worst $worst%)" ||
	not_ok "chain in every window" "worst window $worst%"

sum=0
for f in "$TMP"/w-*.folded; do sum=$((sum + $(total_samples "$f"))); done
all=$(total_samples "$TMP/all.folded")
[ "$sum" = "$all" ] && [ "$all" -gt 100 ] &&
	ok "the windows sum to the whole-run file of the same run ($sum = $all samples)" ||
	not_ok "windows against the whole run" "windows $sum, whole $all"

# A window file that cannot be written: the others still come, the run ends with status 1.
mkdir "$TMP/gone"
"$PB" -p "$target" -F $HZ --flush-interval 0.5 -d 2.2 -o "$TMP/gone/g-{window}.folded" \
	-o "$TMP/k-{window}.folded" 2>"$TMP/err2" &
pb=$!
wait_sampling "$pb"
sleep 0.6
rm -rf "$TMP/gone"
wait "$pb"
status=$?
kept=$(ls "$TMP"/k-*.folded 2>/dev/null | wc -l)
[ "$status" = 1 ] && [ "$kept" -ge 4 ] &&
	ok "a window directory removed mid-run: exit 1, the other output got every window ($kept)" ||
	not_ok "a failing window file" "status $status, $kept files" "$(cat "$TMP/err2")"
grep -q "cannot write '$TMP/gone/g-[0-9]*.folded'" "$TMP/err2" &&
	grep -q "per-window files* could not be written" "$TMP/err2" &&
	ok "the failed window files are named, and counted at the end" ||
	not_ok "messages of failed window files" "$(cat "$TMP/err2")"
kill "$target" 2>/dev/null
wait
finish
