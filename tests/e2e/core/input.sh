#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --input: a saved folded profile goes to the outputs, malformed lines skipped and reported.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
plan 4
printf 'app;main;work 5\nbroken line\napp;main 2\n\napp;main;work 1\nalso;bad x\n' >"$TMP/in.folded"
"$PB" --input "$TMP/in.folded" -o "$TMP/out.folded" 2>"$TMP/err"
st=$?
[ $st = 0 ] && [ "$(cat "$TMP/out.folded")" = "$(printf 'app;main 2\napp;main;work 6\n')" ] &&
	ok "stacks merged and sorted into the output" || not_ok "--input output" "status $st" "$(cat "$TMP/out.folded")"
grep -q "skipped 2 malformed lines (line 2, 6)" "$TMP/err" && ok "malformed lines reported: $(cat "$TMP/err")" ||
	not_ok "malformed report" "$(cat "$TMP/err")"
"$PB" --input - <"$TMP/in.folded" 2>/dev/null | grep -q '^app;main;work 6$' && ok "--input - reads stdin, folded to stdout" ||
	not_ok "--input -"
printf 'nothing here\n' | "$PB" --input - >/dev/null 2>"$TMP/err"
[ $? = 1 ] && grep -q "no stacks" "$TMP/err" && ok "an input without stacks is an error: $(tr "\n" " " <"$TMP/err")" ||
	not_ok "empty input" "$(cat "$TMP/err")"
finish
