#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Lua API on profiles read with --input: what each method returns, as a script sees it.
. "$PB_SOURCE_ROOT/tests/lua/lib.sh"
plan 34

t "pb.profile returns the --input profile; total, tostring" \
	"34 pb.profile (4 stacks, 34 samples)" \
	'local p = pb.profile{duration = 1}; print(p:total(), tostring(p))'
t "require('profilebee') is the global pb" "true" 'print(require("profilebee") == pb)'
t "p:top(n): self and total per function, most self first" \
	"mul 15 15|lex 10 15|next_tok 5 5" \
	'local r = {}; for _, f in ipairs(pb.profile{}:top(3)) do r[#r+1] = f.name .. " " .. f.self .. " " .. f.total end; print(table.concat(r, "|"))'
t "p:stacks(): comm, pid, frames root first (kernel frames _[k]), count" \
	"app 0 main>eval>mul 15|app 0 main>parse>lex 10|app 0 main>parse>lex>next_tok 5|kworker 0 worker_thread_[k]>process_one_work_[k] 4" \
	'local r = {}; for s in pb.profile{}:stacks() do r[#r+1] = table.concat({s.comm, s.pid, table.concat(s.frames, ">"), s.count}, " ") end; table.sort(r); print(table.concat(r, "|"))'
t "p:grep(regex): stacks with a matching frame (POSIX extended)" "15" \
	'print(pb.profile{}:grep("^(lex|next)"):total())'
t "p:grep does not match the comm" "0" 'print(pb.profile{}:grep("^app$"):total())'
t "p:exclude(regex): the other stacks" "19" 'print(pb.profile{}:exclude("lex"):total())'
t "p:filter(fn) keeps stacks fn returns true for" "30" \
	'print(pb.profile{}:filter(function(s) return s.comm == "app" end):total())'
t "p:filter(fn) may return a changed stack" "app;main;mul 15" \
	'io.write(pb.profile{}:filter(function(s) if s.frames[3] == "mul" then s.frames = {"main", "mul"}; return s end end):folded())'
t "filters leave the original profile alone" "34" \
	'local p = pb.profile{}; p:grep("x"); p:exclude("."); p:filter(function() end); print(p:total())'
t "p:merge(q) adds q's stacks and returns p" "68 true" \
	'local p = pb.profile{}; local q = pb.profile{}; print(p:merge(q):total(), p:merge(pb.load("in.folded")) == p and true)'
t "p:folded() is the folded text, as --input reads it" "$(sort "$TMP/in.folded")" 'io.write(pb.profile{}:folded())'
lua w 'local p = pb.profile{}
assert(p:write("out.folded"))
assert(p:write("out.svg", { title = "A, B and C", width = 800, inverted = true }))
assert(p:write("svg", { title = "x" }) == nil or true)
print(p:write("out.png"))'
[ "$(sort "$TMP/out.folded")" = "$(sort "$TMP/in.folded")" ] && ok "p:write(path): the extension picks folded" ||
	not_ok "p:write folded" "$(cat "$TMP/w.err")"
grep -q "A, B and C" "$TMP/out.svg" && grep -q 'width="800"' "$TMP/out.svg" &&
	ok "p:write(path, options): plugin settings, values with commas" || not_ok "p:write svg options" "$(cat "$TMP/w.err")"
grep -q "^nil	no output for 'out.png' (known: .*\.svg" "$TMP/w.out" &&
	ok "p:write to an unknown format returns nil and the known ones" || not_ok "unknown format" "$(cat "$TMP/w.out")"
t "p:write('folded') goes to stdout" "$(sort "$TMP/in.folded")" 'pb.profile{}:write("folded")'
lua enc 'local p = pb.profile{}
local function save(name, s) local f = assert(io.open(name, "wb")); f:write(s); f:close() end
assert(p:write("enc-w.folded")); save("enc-e.folded", assert(p:encode("folded")))
assert(p:write("enc-w.svg")); save("enc-e.svg", assert(p:encode("svg")))
save("enc-ext.svg", assert(p:encode(".svg")))
print(p:folded() == p:encode("folded"))
print(p:encode("nope"))
local e = p:grep("^nothing$")
save("enc-0.folded", assert(e:encode("folded"))); save("enc-0.svg", assert(e:encode("svg")))
print(e:total(), #assert(e:encode("json")) > 0, #assert(e:encode("html")) > 0, #assert(e:encode("pprof")) > 0)'
[ "$st" = 0 ] && cmp -s "$TMP/enc-w.folded" "$TMP/enc-e.folded" && [ "$(sed -n 1p "$TMP/enc.out")" = true ] &&
	ok "p:encode('folded') is what p:write writes to a file, byte for byte (and p:folded())" ||
	not_ok "p:encode folded" "status $st" "$(cat "$TMP/enc.out" "$TMP/enc.err")"
frames=true
for f in 'app (30' 'main (30' 'parse (15' 'lex (15' 'next_tok (5' 'eval (15' 'mul (15' 'kworker (4' \
	'worker_thread_[k] (4' 'process_one_work_[k] (4'; do
	grep -qF "<title>$f samples" "$TMP/enc-e.svg" || frames="no '$f samples'"
done
head -2 "$TMP/enc-e.svg" | grep -q "<svg" && tail -c 7 "$TMP/enc-e.svg" | grep -q "</svg>" && [ "$frames" = true ] &&
	ok "p:encode('svg') is an SVG with every frame and its count" || not_ok "p:encode svg" "$frames" "$(cat "$TMP/enc.err")"
cmp -s "$TMP/enc-w.svg" "$TMP/enc-e.svg" && cmp -s "$TMP/enc-e.svg" "$TMP/enc-ext.svg" &&
	ok "p:encode('svg') and p:encode('.svg') are what p:write('x.svg') writes, byte for byte" ||
	not_ok "p:encode svg = p:write" "$(cmp "$TMP/enc-w.svg" "$TMP/enc-e.svg" 2>&1)"
grep "^nil	no encoder for format 'nope' (known: " "$TMP/enc.out" | grep -q 'folded.*' && grep -q "known: .*svg" "$TMP/enc.out" && grep -q "known: .*pprof" "$TMP/enc.out" &&
	ok "p:encode to an unknown format returns nil, the format and the known ones" ||
	not_ok "p:encode unknown format" "$(cat "$TMP/enc.out")"
[ ! -s "$TMP/enc-0.folded" ] && tail -c 7 "$TMP/enc-0.svg" | grep -q "</svg>" &&
	[ "$(sed -n 3p "$TMP/enc.out" | tr '\t' ' ')" = "0 true true true" ] &&
	ok "a profile of no stacks encodes (folded empty, svg, json, html, pprof)" ||
	not_ok "p:encode empty" "$(cat "$TMP/enc.out" "$TMP/enc.err")"
t "pb.session with --input: every s:window is the saved profile; pause, resume; done and why" \
	"34 34 true true false true stopped" \
	'local s = pb.session{}; assert(s:start{ paused = true })
local a, b = s:window(1), s:window(2, { pause = false })
local p, r = s:pause(), s:resume()
local d = s:done()
s:stop()
print(a:total(), b:total(), p, r, d, s:done())'
fails "pb.usage_error: the message alone, exit 2 (as a command-line usage error)" 2 \
	"^profile-bee: want every=N$" 'pb.usage_error("want every=N")'
! grep -q traceback "$TMP/t$t_n.err" && ok "pb.usage_error prints no traceback" || not_ok "usage traceback" "$(cat "$TMP/t$t_n.err")"
t "pb.usage_error under pcall: caught, tostring is the message" "false want N" \
	'local ok, e = pcall(pb.usage_error, "want N"); print(ok, tostring(e))'
t "pb.args: the script's arguments after --" "2 a=1 b c" 'print(#pb.args, pb.args[1], pb.args[2] .. " c")' -- a=1 b
t "pb.parse_args: key=value with typed defaults" "5 true x" \
	'local o = pb.parse_args{ n = 1, on = false, s = "y" }; print(o.n, o.on, o.s)' -- n=5 on=true s=x
t "pb.parse_pids: a pid list, nil for none, raises on a part not a pid" \
	"2 7 nil false pid=x: not a pid" \
	'local l = pb.parse_pids("7,9"); print(#l, l[1], pb.parse_pids(""), pcall(pb.parse_pids, "7,x"))'
t "pb.config: defaults and conf values, typed" "99 fp false" \
	'print(pb.config.profile.frequency, pb.config.profile.unwinder, pb.config.profile.idle)'
t "pb.run: exit status and stdout" "3 hi" 'local st, out = pb.run{"sh", "-c", "echo hi; exit 3"}; print(st, (out:gsub("\n", "")))'
t "pb.run of a missing program: nil and why" "nil cannot run '/nonexistent': No such file or directory" \
	'print(pb.run{"/nonexistent"})'
t "pb.spawn: :pid() and :wait()" "true 7" 'local h = pb.spawn{"sh", "-c", "exit 7"}; print(h:pid() > 1, h:wait())'
t "pb.time, pb.sleep, pb.host, pb.dir, pb.match" "true true true true true" \
	'local t0 = pb.time(); pb.sleep(0.2); local dt = pb.time() - t0
print(dt >= 0.19 and dt < 1, pb.host().hostname ~= nil, pb.dir(".")[1] ~= nil, pb.match("^a+$", "aaa"), not pb.match("b", "a"))'
lua log 'pb.log("one", 2, true)'
[ "$st" = 0 ] && grep -q "^profile-bee: one	2	true$" "$TMP/log.err" && ok "pb.log writes one line to stderr" ||
	not_ok "pb.log" "$(cat "$TMP/log.err")"
finish
