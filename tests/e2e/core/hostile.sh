#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Hostile and careless input to the real binary, offline: deep stacks, huge counts, endless
# files, directories. Each answer is one clear message and the documented status.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
plan 35
export XDG_CONFIG_HOME=$TMP/xdg

# run STATUS PATTERN DESC ARGS...: profile-bee ARGS exits STATUS and says PATTERN on stderr.
run() {
	local want=$1 pattern=$2 desc=$3
	shift 3
	(cd "$TMP" && timeout 20 "$PB" --config /dev/null "$@") >"$TMP/out" 2>"$TMP/err"
	st=$?
	if [ "$st" = "$want" ] && { [ -z "$pattern" ] || grep -Eq -- "$pattern" "$TMP/err"; }; then
		ok "$desc: $(head -1 "$TMP/err")"
	else
		not_ok "$desc" "status $st (want $want), stderr:" "$(head -c 600 "$TMP/err" | tr '\n' '|')"
	fi
}

# One stack deeper than the limit (4096): cut with [truncated], counted, never a crash.
awk 'BEGIN { s = "app"; for (i = 0; i < 5000; i++) s = s ";f" i; print s " 3" }' >"$TMP/deep.folded"
run 0 "1 stack deeper than 4096 frames cut" "a 5000-frame line is cut and counted" \
	--input deep.folded -o deep.svg
"$PB" --config /dev/null --input "$TMP/deep.folded" 2>/dev/null |
	awk '{ n = split($1, f, ";"); print n, f[n] }' >"$TMP/cut"
[ "$(cat "$TMP/cut")" = "4096 [truncated]" ] && ok "the cut stack has 4096 frames, the last [truncated]" ||
	not_ok "cut stack" "got: $(cat "$TMP/cut")"
printf '%s\n' 'local p = assert(pb.load(pb.args[1]))' 'p:merge(assert(pb.load(pb.args[1])))' \
	'local n; for st in p:stacks() do n = #st.frames end' \
	'print(p:total(), p:meta().truncated, n)' >"$TMP/merge.lua"
run 0 "" "Lua merge of a deep profile with itself" -c merge.lua -- deep.folded
[ "$(tr '\t' ' ' <"$TMP/out")" = "6 2 4095" ] && ok "merged: 6 samples, 2 cuts counted, 4095 frames below comm" ||
	not_ok "merge result" "got: $(cat "$TMP/out")"

# Counts past 2^64-1 stop there (parents never smaller than children), and say so.
printf 'a;b 18446744073709551615\na;b 1\na;c 5\n' >"$TMP/big.folded"
run 0 "counts add up past 2\^64-1: 2 lines cut" "counts saturate" --input big.folded
[ "$(cat "$TMP/out")" = "a;b 18446744073709551615" ] && ok "a;b stays at 2^64-1" || not_ok "saturated output" "$(cat "$TMP/out")"
printf '%s\n' 'local p = assert(pb.load(pb.args[1]))' 'print(p:total() > 0, p:top(1)[1].total > 0)' >"$TMP/total.lua"
run 0 "" "Lua total of a saturated profile" -c total.lua -- big.folded
[ "$(tr '\t' ' ' <"$TMP/out")" = "true true" ] && ok "p:total() and p:top() are positive" || not_ok "lua total" "$(cat "$TMP/out")"

# Files without an end, and directories.
run 1 "/dev/zero:1: line longer than 1048576 bytes" "--input /dev/zero stops at the line limit" \
	--input /dev/zero -o z.svg
run 1 "cannot read '/': Is a directory" "--input DIR names the real cause" --input / -o d.svg

# -o values and settings that cannot work are usage errors (2) naming the flag or file:line.
run 2 "cannot open output 's3://': s3: no bucket" "-o s3:// is a usage error" --input big.folded -o s3://
run 1 "" "-o s3://BUCKET without a prefix does not crash" --input big.folded \
	-o "s3://pb-test-bucket?endpoint=http://127.0.0.1:1&spool_dir=$TMP/spool&flush_timeout=0.2"
run 2 "--listen PORT: '99999' is not a whole number from 0 to 65535" "--listen port out of range" \
	--input big.folded --serve --listen 127.0.0.1:99999
run 2 "127.0.0.1:70000': want ADDR:PORT, PORT from 0 to 65535" "output.serve.listen port out of range" \
	--input big.folded --serve --set output.serve.listen=127.0.0.1:70000
run 2 "^profile-bee: --set output.svg.width: output.svg: 'width' must be from 100 to 1000000, not '-5'$" \
	"--set output.svg.width=-5" --input big.folded -o x.svg --set output.svg.width=-5
run 2 "'palette' must be one of hot, mem, .*, not 'nope'" "--set output.svg.palette=nope" \
	--input big.folded -o x.svg --set output.svg.palette=nope
run 2 "'font-size' must be from 4 to 100, not '0'" "--set output.svg.font-size=0" \
	--input big.folded -o x.svg --set output.svg.font-size=0
printf '[output.svg]\ntitle = t\nwidth = 5\n' >"$TMP/w.conf"
"$PB" --config "$TMP/w.conf" --input "$TMP/big.folded" -o "$TMP/x.svg" 2>"$TMP/err"
[ $? = 2 ] && grep -q "w.conf:3: output.svg: 'width' must be from 100" "$TMP/err" &&
	ok "a conf file's bad width names file:line: $(cat "$TMP/err")" || not_ok "conf width" "$(cat "$TMP/err")"
run 2 "^profile-bee: -C: profile: 'cpu' must be from -1 to $(($(getconf _NPROCESSORS_CONF) - 1)), not '999'$" \
	"-C 999 names the flag and this machine's CPUs" -C 999
run 2 "'max-frames' must be from 1 to 127, not '500'" "unwinder settings have ranges too" \
	--set unwinder.fp.max-frames=500 -d 1

# Conf files: lines longer than inih's buffer, files without an end, directories.
awk 'BEGIN { s = "; "; for (i = 0; i < 200; i++) s = s "x"; print "[profile]"; print s " quiet = maybe" }' >"$TMP/long.conf"
run 2 "long.conf:2: line longer than [0-9]+ characters" "a conf line longer than the buffer is an error at its line" \
	--config "$TMP/long.conf" --input big.folded
run 2 "/dev/zero:1: line longer than" "--config /dev/zero" --config /dev/zero --input big.folded
run 2 "cannot read '/': Is a directory" "--config DIR" --config / --input big.folded

# --diff shows only in flame graphs: anything else would show AFTER alone.
run 2 "--diff: 'd.folded' cannot show a difference" "--input A --diff B -o x.folded" \
	--input big.folded --diff big.folded -o d.folded
run 2 "--diff draws a differential flame graph" "--input A --diff B on stdout" --input big.folded --diff big.folded

# Windows shorter than a session can write are refused.
run 2 "^profile-bee: --flush-interval: profile: 'flush-interval' must be from 0.1 to [0-9]+, not '0.001' \(or 0" \
	"--flush-interval 0.001" --flush-interval 0.001
run 2 "^profile-bee: --set profile.flush-interval: profile: 'flush-interval' must be from 0.1 to [0-9]+, not '0.003'" \
	"profile.flush-interval=0.003" \
	--set profile.flush-interval=0.003

# Ctrl-C while --input writes: the temporary file beside the output goes too.
awk 'BEGIN { srand(1); for (i = 0; i < 300000; i++) { s = "app"; for (j = 0; j < 12; j++)
	s = s ";fn" j "_" int(rand() * 40); print s, i % 7 + 1 } }' >"$TMP/huge.folded"
"$PB" --config /dev/null --input "$TMP/huge.folded" -o "$TMP/o.json" 2>/dev/null &
pid=$!
for _ in $(seq 200); do compgen -G "$TMP/o.json.*" >/dev/null && break; sleep 0.02; done
signal_wait INT $pid
left=$(compgen -G "$TMP/o.json*")
[ $st = 130 ] && [ -z "$left" ] && ok "Ctrl-C while writing o.json: status 130, no temporary file left" ||
	not_ok "temporary file on Ctrl-C" "status $st" "left: $left"

# Lua statuses: what a script returns, and a signal.
for r in "256 1" "2^63 1" "'hello' 1" "function() end 1" "-1 1" "7 7" "3.0 3" "false 1" "nil 0"; do
	printf 'return %s\n' "${r% *}" >"$TMP/r.lua"
	(cd "$TMP" && "$PB" --config /dev/null -c r.lua) 2>"$TMP/err"
	echo "${r% *}=$?"
done >"$TMP/statuses"
want="256=1 2^63=1 'hello'=1 function() end=1 -1=1 7=7 3.0=3 false=1 nil=0"
[ "$(tr '\n' ' ' <"$TMP/statuses")" = "$want " ] && ok "script statuses: $want" ||
	not_ok "script statuses" "got: $(tr '\n' ' ' <"$TMP/statuses")" "want: $want"
for sig in INT TERM HUP; do
	printf 'while true do end\n' >"$TMP/busy.lua"
	(cd "$TMP" && exec timeout -s KILL 10 "$PB" --config /dev/null -c busy.lua) 2>"$TMP/err" &
	pid=$!
	sleep 0.5
	kill -$sig $pid # timeout passes it on
	wait $pid
	echo "$sig=$?"
done >"$TMP/busy"
[ "$(tr '\n' ' ' <"$TMP/busy")" = "INT=130 TERM=143 HUP=129 " ] &&
	ok "a busy script ends on the first INT/TERM/HUP with 128+signal" || not_ok "busy script" "$(cat "$TMP/busy")"
printf 'pb.sleep(30)\nprint("after")\n' >"$TMP/sleep.lua"
(cd "$TMP" && exec "$PB" --config /dev/null -c sleep.lua) >"$TMP/out" 2>"$TMP/err" &
pid=$!
sleep 0.5
signal_wait TERM $pid
[ $st = 143 ] && grep -q "interrupted by Terminated" "$TMP/err" && ok "a script interrupted in pb.sleep exits 143" ||
	not_ok "pb.sleep interrupted" "status $st" "$(cat "$TMP/err")"

# The diff's root is beyond its colour scale (left out of it): still a colour.
printf 'a;b 10\na;c 3\n' >"$TMP/before.folded"
printf 'a;b 40\na;c 1\nx;y 20\n' >"$TMP/after.folded"
"$PB" --config /dev/null --input "$TMP/before.folded" --diff "$TMP/after.folded" -o "$TMP/d.svg" 2>"$TMP/err"
bad=$(grep -o 'fill="rgb([^"]*)"' "$TMP/d.svg" | grep -Ev 'rgb\(([0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5]),([0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5]),([0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5])\)')
[ -s "$TMP/d.svg" ] && [ -z "$bad" ] && ok "every diff colour is rgb within 0-255" || not_ok "diff colours" "$bad"
# d3-flame-graph colours frames by "libtype": kernel frames say so.
printf 'app;main;read;sys_read_[k];vfs_read_[k] 3\n' >"$TMP/k.folded"
"$PB" --config /dev/null --input "$TMP/k.folded" -o "$TMP/k.json" 2>"$TMP/err"
n=$(grep -o '"name":"[^"]*_\[k\]","libtype":"kernel"' "$TMP/k.json" | wc -l)
u=$(grep -o '"name":"read","libtype"' "$TMP/k.json" | wc -l)
[ "$n" = 2 ] && [ "$u" = 0 ] && ok ".json marks both _[k] frames libtype kernel, user frames not" ||
	not_ok ".json libtype" "$(cat "$TMP/k.json")"

# Lua p:write returns the real cause, once, and prints nothing.
: >"$TMP/file"
printf '%s\n' 'local p = assert(pb.load(pb.args[1]))' "print(p:write('$TMP/file/x.svg'))" >"$TMP/w.lua"
run 0 "" "p:write into a non-directory" -c w.lua -- big.folded
[ "$(tr '\t' ' ' <"$TMP/out")" = "nil cannot write '$TMP/file/x.svg': Not a directory" ] && [ ! -s "$TMP/err" ] &&
	ok "p:write returns 'Not a directory', stderr empty" || not_ok "p:write cause" "$(cat "$TMP/out")" "$(cat "$TMP/err")"
finish
