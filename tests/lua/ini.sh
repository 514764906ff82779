#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Settings: conf/profile-bee.conf is complete and loads; bad conf files and --set stop with
# file:line and exit 2; plugin sections reach outputs and unwinders; command line > script >
# conf file > defaults.
. "$PB_SOURCE_ROOT/tests/lua/lib.sh"
plan 21
CONF=$PB_SOURCE_ROOT/conf/profile-bee.conf

missing=$("$PB" --list-plugins | awk '/^core / { s = $2; print "[" s "]"; next }
	/^(unwinder|output) / { s = $1 "." $2; print "[" s "]"; next }
	$2 ~ /^\(/ { print s " " $1 }' | while read -r section key; do
	if [ -z "$key" ]; then grep -qF "$section" "$CONF" || echo "$section"
	else awk -v s="[$section]" -v k="$key" '$0 == s { on = 1; next } /^\[/ { on = 0 }
		on && $0 ~ "^; " k " =" { f = 1 } END { exit !f }' "$CONF" || echo "$section $key"; fi
done)
[ -z "$missing" ] && ok "conf/profile-bee.conf documents every core and plugin setting" ||
	not_ok "settings missing from conf/profile-bee.conf" "$missing"
sed -E 's/^; ([a-z_-]+) = (.+)$/\1 = \2/' "$CONF" >"$TMP/all.conf"
"$PB" --config "$TMP/all.conf" --input "$TMP/in.folded" -o "$TMP/all.svg" 2>"$TMP/all.err"
[ $? = 0 ] && ok "every documented default, uncommented, loads ($(grep -c '^[a-z]' "$TMP/all.conf") settings)" ||
	not_ok "the documented defaults do not load" "$(cat "$TMP/all.err")"

# bad_conf DESC PATTERN CONTENT: a conf file that stops profile-bee with exit 2.
bad_conf() {
	printf "$3" >"$TMP/bad.conf"
	"$PB" --config "$TMP/bad.conf" --input "$TMP/in.folded" >/dev/null 2>"$TMP/bad.err"
	local st=$?
	if [ $st = 2 ] && grep -Eq -- "$2" "$TMP/bad.err" && [ "$(wc -l <"$TMP/bad.err")" = 1 ]; then
		ok "$1: $(cat "$TMP/bad.err")"
	else
		not_ok "$1" "status $st" "$(cat "$TMP/bad.err")"
	fi
}
bad_conf "unknown section" "bad.conf:4: unknown section \[nope\]" '[profile]\n\n[nope]\nx = 1\n'
bad_conf "unknown [profile] key" "bad.conf:2: \[profile\] has no setting 'frequncy' \(known: frequency" \
	'[profile]\nfrequncy = 9\n'
bad_conf "bad value" "bad.conf:3: profile: 'frequency' must be from 1 to 100000, not '0'" \
	'[profile]\n; a comment\nfrequency = 0\n'
bad_conf "bad boolean" "bad.conf:2: profile: 'idle' must be a boolean, not 'maybe'" '[profile]\nidle = maybe\n'
bad_conf "unknown plugin setting" "bad.conf:2: output.svg has no setting 'titel'" '[output.svg]\ntitel = x\n'
bad_conf "plugin setting of the wrong type" "bad.conf:2: output.svg: 'width' must be an integer, not 'wide'" \
	'[output.svg]\nwidth = wide\n'
bad_conf "unknown plugin" "bad.conf:2: no output plugin 'nope' \(available: .*svg" '[output.nope]\nx = 1\n'
bad_conf "a line that is not key = value" "bad.conf:2: not a \[section\] or a 'key = value' line" \
	'[profile]\njunk\n'
"$PB" --config "$TMP/none.conf" --input "$TMP/in.folded" >/dev/null 2>"$TMP/none.err"
[ $? = 2 ] && grep -q "cannot read '$TMP/none.conf'" "$TMP/none.err" && ok "a missing --config file: exit 2" ||
	not_ok "missing --config" "$(cat "$TMP/none.err")"
"$PB" --config /dev/null --set output.svg.titel=x --input "$TMP/in.folded" -o "$TMP/x.svg" 2>"$TMP/set.err"
[ $? = 2 ] && grep -q "^profile-bee: --set output.svg.titel: output.svg has no setting 'titel'$" "$TMP/set.err" &&
	ok "--set with an unknown key: exit 2, $(cat "$TMP/set.err")" || not_ok "--set unknown key" "$(cat "$TMP/set.err")"
"$PB" --config /dev/null --set title=x --input "$TMP/in.folded" 2>"$TMP/set.err"
[ $? = 2 ] && grep -q "is not SECTION.KEY=VALUE" "$TMP/set.err" && ok "--set without a section: exit 2" ||
	not_ok "--set format" "$(cat "$TMP/set.err")"

# Precedence of plugin settings: conf < --set; every output of the plugin gets them.
printf '[output.svg]\ntitle = from conf, with a comma\nwidth = 700\n' >"$TMP/svg.conf"
"$PB" --config "$TMP/svg.conf" --input "$TMP/in.folded" -o "$TMP/a.svg" -o "$TMP/b.html" 2>/dev/null
grep -q "from conf, with a comma" "$TMP/a.svg" && grep -q "from conf, with a comma" "$TMP/b.html" &&
	ok "[output.svg] reaches every output of the plugin (.svg and .html)" || not_ok "[output.svg] settings"
"$PB" --config "$TMP/svg.conf" --set output.svg.title=from-flag --input "$TMP/in.folded" -o "$TMP/c.svg"
grep -q "from-flag" "$TMP/c.svg" && grep -q 'width="700"' "$TMP/c.svg" && ! grep -q "from conf" "$TMP/c.svg" &&
	ok "--set wins over the conf file, key by key" || not_ok "--set precedence"
mkdir -p "$XDG_CONFIG_HOME/profile-bee"
printf '[output.svg]\ntitle = from xdg\n' >"$XDG_CONFIG_HOME/profile-bee/profile-bee.conf"
"$PB" --input "$TMP/in.folded" -o "$TMP/x.svg" && grep -q "from xdg" "$TMP/x.svg" &&
	"$PB" --config "$TMP/svg.conf" --input "$TMP/in.folded" -o "$TMP/y.svg" && ! grep -q "from xdg" "$TMP/y.svg" &&
	ok "\$XDG_CONFIG_HOME/profile-bee/profile-bee.conf is read; --config FILE replaces it" ||
	not_ok "XDG conf file"
rm -r "$XDG_CONFIG_HOME/profile-bee"
printf '[profile]\nfrequency = 49\nunwinder = dwarf\n' >"$TMP/f.conf"
printf 'print(pb.config.profile.frequency, pb.config.profile.unwinder, pb.config.profile.duration)\n' >"$TMP/cfg.lua"
out=$("$PB" --config "$TMP/f.conf" -F 199 --input "$TMP/in.folded" -c "$TMP/cfg.lua" | tr '\t' ' ')
[ "$out" = "199 dwarf 10" ] && ok "pb.config: flags over conf over defaults ($out)" || not_ok "pb.config" "$out"

# With sampling (root): the frequency each layer asks for shows in the number of samples.
need_root_or_skip() { [ "$(id -u)" = 0 ] && [ -e /sys/kernel/btf/vmlinux ]; }
if need_root_or_skip; then
	# Each layer's frequency, as the profile's metadata records it.
	printf '[profile]\nfrequency = 49\n' >"$TMP/f.conf"
	printf '%s\n' "local a = assert(pb.profile{ cmd = { '$C/chain-fp', '0.3' } })
local b = assert(pb.profile{ cmd = { '$C/chain-fp', '0.3' }, frequency = 199 })
print(a:meta().frequency, b:meta().frequency)" >"$TMP/freq.lua"
out=$("$PB" --config "$TMP/f.conf" -c "$TMP/freq.lua" 2>"$TMP/freq.err" | tr '\t' ' ')
[ "$out" = "49 199" ] && ok "pb.profile: the conf's frequency, and the script's over it ($out)" ||
	not_ok "conf < script" "$out" "$(cat "$TMP/freq.err")"
out=$("$PB" --config "$TMP/f.conf" -F 499 -c "$TMP/freq.lua" 2>"$TMP/freq.err" | tr '\t' ' ')
[ "$out" = "499 499" ] && ok "-F wins over the script and the conf ($out)" || not_ok "flag > script" "$out" "$(cat "$TMP/freq.err")"
	# A configuration table's run: 10x the frequency shows in the samples, even on a busy machine.
	printf 'return { duration = 1, cmd = { "%s", "2" }, outputs = { "%s" } }\n' "$C/chain-fp" "$TMP/r.folded" >"$TMP/plain.lua"
	printf 'return { duration = 1, cmd = { "%s", "2" }, frequency = 499, outputs = { "%s" } }\n' "$C/chain-fp" "$TMP/r.folded" >"$TMP/table.lua"
	samples() { "$PB" --config "$TMP/f.conf" "$@" 2>/dev/null; total_samples "$TMP/r.folded"; }
	a=$(samples -c "$TMP/plain.lua"); b=$(samples -c "$TMP/table.lua")
	[ "$a" -ge 5 ] && [ "$a" -le 60 ] && [ "$b" -ge $((a * 3)) ] &&
		ok "a configuration table's frequency (499) wins over the conf's (49): $b vs $a samples" ||
		not_ok "configuration table frequency" "$b vs $a samples"
	printf '[unwinder.fp]\nmax-frames = 2\n' >"$TMP/u.conf"
	"$PB" --config "$TMP/u.conf" -U -q -o "$TMP/u.folded" -- "$C/chain-fp" 1 2>/dev/null
	deep=$(awk '{ sub(/ [0-9]+$/, ""); n = split($0, f, ";"); d = n - 1; for (i = 2; i <= n; i++) if (f[i] == "[truncated]") d--; if (d > 2) print }' "$TMP/u.folded" | wc -l)
	[ -s "$TMP/u.folded" ] && [ "$deep" = 0 ] && ok "[unwinder.fp] max-frames = 2 reaches the unwinder (no stack deeper than 2)" ||
		not_ok "[unwinder.fp] settings" "$deep deeper stacks" "$(head -3 "$TMP/u.folded")"
else
	for i in 1 2 3 4; do
		[ "${PB_TEST_NO_SKIP:-0}" = 1 ] && not_ok "needs root and BPF (PB_TEST_NO_SKIP=1 forbids skipping)" ||
			{ tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP needs root and BPF"; }
	done
fi
finish
