#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every script in scripts/ with short durations: on a saved profile (--input), then on fixture
# processes (root + BPF).
. "$PB_SOURCE_ROOT/tests/lua/lib.sh"
plan 21
CHAIN="main;pb_alpha;pb_beta;pb_gamma;pb_burn"

# Documented at the top: a purpose line, usage and every argument.
for s in periodic filtered diff; do
	f=$SCRIPTS/$s.lua
	sed -n 2p "$f" | grep -q "^-- $s.lua: " && grep -q "^-- *sudo profile-bee .*-c scripts/$s.lua" "$f" &&
		ok "$s.lua is documented at its top" || not_ok "$s.lua documentation"
done

# periodic.lua
mkdir "$TMP/per"
script periodic --input "$TMP/in.folded" -c "$SCRIPTS/periodic.lua" -- duration=0.05 every=0.1 count=4 keep=2 \
	"out=$TMP/per/cpu-{n}.svg" set=title=web-1
[ $st = 0 ] && [ "$(ls "$TMP/per" | tr '\n' ' ')" = "cpu-000003.svg cpu-000004.svg " ] && grep -q "web-1" "$TMP/per/cpu-000004.svg" &&
	ok "periodic.lua: 4 profiles, the newest 2 kept, output settings applied" ||
	not_ok "periodic.lua offline" "status $st: $(ls "$TMP/per")" "$(cat "$TMP/periodic.err")"
script periodic-bad --input "$TMP/in.folded" -c "$SCRIPTS/periodic.lua" -- every=soon
[ $st = 2 ] && grep -q "argument 'every': 'soon' is not a number" "$TMP/periodic-bad.err" &&
	grep -q "^usage: profile-bee -c periodic.lua" "$TMP/periodic-bad.err" && ! grep -q traceback "$TMP/periodic-bad.err" &&
	ok "periodic.lua: a bad argument is named with the usage, exit 2" ||
	not_ok "periodic.lua bad argument" "status $st: $(cat "$TMP/periodic-bad.err")"
# Values no schedule can honour: refused before anything is sampled or written.
while IFS='|' read -r args want; do
	script periodic-bad --input "$TMP/in.folded" -c "$SCRIPTS/periodic.lua" -- $args
	[ $st = 2 ] && grep -q "^profile-bee: $want" "$TMP/periodic-bad.err" && ! ls "$TMP"/profile-* >/dev/null 2>&1 &&
		ok "periodic.lua $args: exit 2, $(head -1 "$TMP/periodic-bad.err")" ||
		not_ok "periodic.lua $args" "status $st: $(cat "$TMP/periodic-bad.err")"
done <<'CASES'
duration=0|argument 'duration': 0 is not more than 0
every=-1|argument 'every': -1 is not more than 0
duration=3 every=2|argument 'duration': 3 is longer than every=2
every=0 duration=0.5|argument 'every': 0 is not more than 0
CASES
# A profile that cannot be taken (here the second, made to fail) is logged and counted; the
# next one still comes, keeping its number; the status says something failed.
mkdir "$TMP/perf"
printf '%s\n' 'local window, n = debug.getregistry()["pb.session"].__index.window, 0' \
	'debug.getregistry()["pb.session"].__index.window = function(...)' \
	'	n = n + 1; if n == 2 then return nil, "injected failure" end; return window(...) end' \
	"return dofile('$SCRIPTS/periodic.lua')" >"$TMP/perf.lua"
script periodic-fail --input "$TMP/in.folded" -c "$TMP/perf.lua" -- duration=0.05 every=0.1 count=3 \
	"out=$TMP/perf/p-{n}.folded"
[ $st = 1 ] && [ "$(ls "$TMP/perf" | tr '\n' ' ')" = "p-000001.folded p-000003.folded " ] &&
	grep -q "profile 2: cannot take it: injected failure" "$TMP/periodic-fail.err" &&
	grep -q "1 of 3 profiles could not be taken or written" "$TMP/periodic-fail.err" &&
	ok "periodic.lua: a profile that cannot be taken is logged and counted, the next comes, exit 1" ||
	not_ok "periodic.lua, a failed profile" "status $st: $(ls "$TMP/perf")" "$(cat "$TMP/periodic-fail.err")"

# filtered.lua
script filtered --input "$TMP/in.folded" -c "$SCRIPTS/filtered.lua" -- comm='^app$' frame=lex exclude=next_tok \
	"out=$TMP/f.folded" top=2
[ $st = 0 ] && [ "$(cat "$TMP/f.folded")" = "app;main;parse;lex 10" ] && grep -q "kept 10 of 34 samples" "$TMP/filtered.err" &&
	ok "filtered.lua: comm, frame and exclude regexes keep one stack" ||
	not_ok "filtered.lua offline" "status $st: $(cat "$TMP/f.folded")" "$(cat "$TMP/filtered.err")"
script filtered-none --input "$TMP/in.folded" -c "$SCRIPTS/filtered.lua" -- frame=nothing-matches "out=$TMP/n.folded"
[ $st = 1 ] && grep -q "kept 0 of 34" "$TMP/filtered-none.err" && ok "filtered.lua: nothing matched, exit 1" ||
	not_ok "filtered.lua, no match" "status $st"

# diff.lua
script diff --input "$TMP/in.folded" -c "$SCRIPTS/diff.lua" -- "out=$TMP/d.svg"
[ $st = 0 ] && [ -s "$TMP/d.before.folded" ] && [ -s "$TMP/d.after.folded" ] && grep -q "; 0 samples, +0.00%" "$TMP/d.svg" &&
	ok "diff.lua: before, after and a differential flame graph" || not_ok "diff.lua offline" "status $st: $(cat "$TMP/diff.err")"
script diff-bad --input "$TMP/in.folded" -c "$SCRIPTS/diff.lua" -- out=d.png
[ $st = 1 ] && grep -q "out=d.png: the differential flame graph is an .svg or .html file" "$TMP/diff-bad.err" &&
	ok "diff.lua: a wrong output is named, exit 1" || not_ok "diff.lua bad out" "$(cat "$TMP/diff-bad.err")"

if [ "$(id -u)" != 0 ] || [ ! -e /sys/kernel/btf/vmlinux ]; then
	for i in $(seq $((tap_n + 1)) 21); do
		[ "${PB_TEST_NO_SKIP:-0}" = 1 ] && not_ok "needs root and BPF (PB_TEST_NO_SKIP=1 forbids skipping)" ||
			{ tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP needs root and BPF"; }
	done
	finish
fi

"$C/chain-fp" 30 &
fixture=$!
trap 'kill $fixture 2>/dev/null; rm -rf "$TMP"' EXIT
mkdir "$TMP/real"
script periodic-real -p $fixture -F $HZ -c "$SCRIPTS/periodic.lua" -- duration=0.5 every=1.1 count=3 keep=2 \
	"out=$TMP/real/cpu.folded"
n=$(ls "$TMP/real" | grep -c '^cpu-[0-9]\{8\}-[0-9]\{6\}\.folded$')
[ $st = 0 ] && [ "$n" = 2 ] && ok "periodic.lua on a process: timestamped files, the newest 2 kept" ||
	not_ok "periodic.lua real" "status $st: $(ls "$TMP/real")" "$(cat "$TMP/periodic-real.err")"
expect_chain "periodic.lua: the newest profile holds the chain" "$TMP/real/$(ls "$TMP/real" | tail -1)" "$CHAIN" 80 5

script filtered-real -F $HZ -c "$SCRIPTS/filtered.lua" -- duration=1 comm='^chain-fp$' frame=pb_gamma "out=$TMP/fr.folded"
others=$(grep -vc '^chain-fp;.*pb_gamma' "$TMP/fr.folded")
[ $st = 0 ] && [ "$others" = 0 ] && ok "filtered.lua system-wide: only the fixture's stacks through pb_gamma" ||
	not_ok "filtered.lua real" "status $st, $others other stacks" "$(cat "$TMP/filtered-real.err")"
expect_chain "filtered.lua: the chain" "$TMP/fr.folded" "$CHAIN" 80

script diff-real -F $HZ -c "$SCRIPTS/diff.lua" -- "before=$C/chain-fp 1" "after=$C/recursion-fp 1" "out=$TMP/dr.svg"
# A differential graph draws the "after" profile: new code in it shows as grown by all its samples.
[ $st = 0 ] && grep -q "pb_recurse ([0-9]* samples, [0-9.]*%; +[0-9]* samples, +" "$TMP/dr.svg" &&
	! grep -q "pb_burn" "$TMP/dr.svg" &&
	ok "diff.lua of two commands: the second command's code grew, the first's is gone" ||
	not_ok "diff.lua real" "status $st" "$(cat "$TMP/diff-real.err")"
expect_chain "diff.lua: the before profile holds the first command's chain" "$TMP/dr.before.folded" "$CHAIN" 80

script diff-change -F $HZ -p $fixture -c "$SCRIPTS/diff.lua" -- duration=0.5 "change=echo changed" "out=$TMP/dc.html"
[ $st = 0 ] && grep -q "changed" "$TMP/diff-change.err" && [ -s "$TMP/dc.html" ] && [ -s "$TMP/dc.after.folded" ] &&
	ok "diff.lua on a process with a change command between the two profiles" ||
	not_ok "diff.lua change" "status $st" "$(cat "$TMP/diff-change.err")"
finish
