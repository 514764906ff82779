#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Bad input to scripts: errors name the file, line and argument; status 1 (2 for a missing
# script, and for a setting pb.profile's or pb.session's table gets wrong, as for a bad flag);
# outputs written before the error stay whole.
. "$PB_SOURCE_ROOT/tests/lua/lib.sh"
plan 16

fails "a syntax error: file:line, exit 1" 1 "^profile-bee: t1.lua:2: unexpected symbol near '='" \
	'local x = 1
x = = 2'
fails "a runtime error: file:line: message, exit 1" 1 "^profile-bee: t2.lua:3: boom$" \
	'local function f()
	-- the error is on the next line
	error("boom")
end
f()'
grep -q "stack traceback:" "$TMP/t2.err" && grep -q "t2.lua:5: in main chunk" "$TMP/t2.err" &&
	ok "a runtime error comes with a traceback" || not_ok "traceback" "$(cat "$TMP/t2.err")"
fails "a wrong type in pb.profile's table names the field, exit 2" 2 \
	"t[0-9]+.lua:1: bad argument #1 to 'profile' \(field 'duration': number expected, got string\)" \
	'pb.profile{ duration = "soon" }'
fails "an unknown field is named, exit 2" 2 "bad argument #1 to 'profile' \(unknown field 'frequncy'\)" \
	'pb.profile{ frequncy = 99 }'
fails "a value out of range, exit 2" 2 \
	"bad argument #1 to 'session' \(field 'frequency': profile: 'frequency' must be from 1 to 100000, not '0'\)" \
	'pb.session{ frequency = 0 }'
fails "s:pause() before s:start()" 1 "t[0-9]+.lua:1: start the session first" 'pb.session{}:pause()'
fails "s:window() with negative seconds" 1 \
	"bad argument #1 to 'window' \(seconds from 0 to 10000000 expected\)" \
	'local s = pb.session{}; s:start(); s:window(-1)'
fails "pb.sleep with a string" 1 "bad argument #1 to 'sleep' \(number expected, got string\)" 'pb.sleep("1s")'
fails "p:write with a wrong options type" 1 "bad argument #2 to 'write' \(table expected, got string\)" \
	'pb.profile{}:write("x.svg", "title=x")'
fails "p:encode with a number" 1 "bad argument #1 to 'encode' \(string expected, got number\)" \
	'pb.profile{}:encode(42)'
fails "a bad regex names the regex" 1 "bad argument #1 to 'grep' \(bad regex '\(':" 'pb.profile{}:grep("(")'
fails "pb.run with a number" 1 "bad argument #1 to 'run' \(string or list of strings expected, got number\)" \
	'pb.run(42)'
"$PB" --config /dev/null -c "$TMP/missing.lua" >/dev/null 2>"$TMP/missing.err"
st=$?
[ $st = 2 ] && grep -q "cannot read the script '$TMP/missing.lua': No such file or directory" "$TMP/missing.err" &&
	ok "a missing script: exit 2, $(cat "$TMP/missing.err")" || not_ok "missing script" "status $st: $(cat "$TMP/missing.err")"
fails "an error after a write: exit 1" 1 "t[0-9]+.lua:3: later" \
	'local p = pb.profile{}
assert(p:write("whole.svg")); assert(p:write("whole.folded"))
error("later")'
tail -c 7 "$TMP/whole.svg" | grep -q "</svg>" && [ "$(sort "$TMP/whole.folded")" = "$(sort "$TMP/in.folded")" ] &&
	! ls "$TMP"/.whole* "$TMP"/whole*.tmp* 2>/dev/null | grep -q . &&
	ok "outputs written before the error are whole, no temporary files left" || not_ok "whole outputs" "$(ls -a "$TMP")"
finish
