#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Labels without sampling: --label and INI [labels] on a saved profile, --group-by label:NAME,
# pprof labels read by go tool pprof, and usage errors naming the flag (exit 2).
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
plan 7
printf 'app;main;work 5\napp;main 2\n' >"$TMP/in.folded"

"$PB" --input "$TMP/in.folded" --label service=api -o "$TMP/same.folded" 2>"$TMP/err"
cmp -s "$TMP/same.folded" <(printf 'app;main 2\napp;main;work 5\n') &&
	ok "--label leaves folded output byte-identical" || not_ok "folded with --label" "$(cat "$TMP/same.folded" "$TMP/err")"

"$PB" --input "$TMP/in.folded" --label service=api --group-by label:service >"$TMP/g.folded"
[ "$(cat "$TMP/g.folded")" = "$(printf '[service=api];app;main 2\n[service=api];app;main;work 5\n')" ] &&
	ok "--group-by label:service prefixes a frame per value" || not_ok "--group-by label" "$(cat "$TMP/g.folded")"

printf '[labels]\nservice = from-ini\nregion = eu\n' >"$TMP/pb.conf"
"$PB" --config "$TMP/pb.conf" --input "$TMP/in.folded" --label region=us --group-by label:region \
	>"$TMP/ini.folded" 2>"$TMP/err"
grep -q '^\[region=us\];app;main 2$' "$TMP/ini.folded" &&
	ok "INI [labels] read; --label wins over the file" || not_ok "[labels]" "$(cat "$TMP/ini.folded" "$TMP/err")"

"$PB" --config "$TMP/pb.conf" --input "$TMP/in.folded" -o "$TMP/l.pb.gz" 2>"$TMP/err"
if command -v go >/dev/null; then
	tags=$(HOME=$TMP go tool pprof -tags "$TMP/l.pb.gz" 2>&1)
	echo "$tags" | grep -q 'service: Total 7' && echo "$tags" | grep -q 'from-ini' &&
		echo "$tags" | grep -q 'region: Total 7' &&
		ok "go tool pprof -tags shows the labels on every sample" || not_ok "pprof tags" "$tags"
else
	not_ok "go tool pprof" "go (Debian golang-go) is not installed"
fi

"$PB" --input "$TMP/in.folded" --group-by colour >/dev/null 2>"$TMP/err"
[ $? = 2 ] && grep -q -- "--group-by: .*must be container, pod or label:NAME, not 'colour'" "$TMP/err" &&
	ok "a bad --group-by is a usage error naming the flag" || not_ok "bad --group-by" "$(cat "$TMP/err")"
"$PB" --input "$TMP/in.folded" --label novalue >/dev/null 2>"$TMP/err"
[ $? = 2 ] && grep -q -- "--label: 'novalue' is not KEY=VALUE" "$TMP/err" &&
	ok "a --label without = is a usage error" || not_ok "bad --label" "$(cat "$TMP/err")"
printf '[labels]\n = x\n' >"$TMP/bad.conf"
"$PB" --config "$TMP/bad.conf" --input "$TMP/in.folded" >/dev/null 2>"$TMP/err"
[ $? = 2 ] && grep -q "bad.conf:2" "$TMP/err" &&
	ok "an empty label name in [labels] names the file and line" || not_ok "bad [labels]" "$(cat "$TMP/err")"
finish
