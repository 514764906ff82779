#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Scripts that sample (root + BPF): pb.profile, pb.session windows, pb.spawn targets, unwinder
# options, runtime failures as nil + message, and Ctrl-C during a script.
. "$PB_SOURCE_ROOT/tests/lua/lib.sh"
need_root
plan 13
CHAIN="main;pb_alpha;pb_beta;pb_gamma;pb_burn"

run cmd "local p, status = assert(pb.profile{ cmd = { '$C/chain-fp', '1' }, frequency = $HZ })
assert(p:write('cmd.folded')); print(status, p:total() > 0)"
[ $st = 0 ] && [ "$(tr '\t' ' ' <"$TMP/cmd.out")" = "0 true" ] && ok "pb.profile{cmd=...} returns the profile and the command's status" ||
	not_ok "pb.profile cmd" "status $st: $(cat "$TMP/cmd.out" "$TMP/cmd.err")"
expect_chain "pb.profile of a command: the fixture's chain in order" "$TMP/cmd.folded" "$CHAIN" 80

run short "local p = assert(pb.profile{ cmd = { '$C/chain-fp', '0.3' }, frequency = $HZ })
local s = assert(pb.session{ cmd = { '$C/chain-fp', '0.3' }, frequency = $HZ }); assert(s:start())
while not s:done() do pb.sleep(0.05) end
print(p:meta().comm, s:stop():meta().comm)"
[ $st = 0 ] && [ "$(tr '\t' ' ' <"$TMP/short.out")" = "chain-fp chain-fp" ] &&
	ok "the last window of a command that exited before any drain still names it (pb.profile, s:stop)" ||
	not_ok "comm of an exited command" "status $st: $(cat "$TMP/short.out" "$TMP/short.err")"

run spawn "local h = assert(pb.spawn{ '$C/chain-fp', '5' })
local p = assert(pb.profile{ pid = h:pid(), duration = 1, frequency = $HZ })
assert(p:write('spawn.folded')); h:kill(); print(h:wait())"
[ $st = 0 ] && [ "$(cat "$TMP/spawn.out")" = 143 ] && ok "pb.spawn: a pid to profile; :kill() and :wait() give 128+15" ||
	not_ok "pb.spawn" "status $st: $(cat "$TMP/spawn.out" "$TMP/spawn.err")"
expect_chain "pb.profile{pid=...} of a spawned process: the chain" "$TMP/spawn.folded" "$CHAIN" 80

run session "local s = assert(pb.session{ cmd = { '$C/chain-fp', '3' }, frequency = $HZ, duration = 2 })
assert(s:start())
pb.sleep(0.8); local w1 = s:snapshot()
pb.sleep(0.6); local w2 = s:snapshot()
while not s:done() do pb.sleep(0.1) end
local w3 = s:stop()
assert(w1:write('w1.folded'))
print(w1:total() > 0, w2:total() > 0, w3:total() >= 0, w1:meta()['end'] <= w2:meta().start + 0.001)"
[ $st = 0 ] && [ "$(tr '\t' ' ' <"$TMP/session.out")" = "true true true true" ] &&
	ok "pb.session: start, snapshots of consecutive windows, done after its duration, stop" ||
	not_ok "pb.session" "status $st: $(cat "$TMP/session.out" "$TMP/session.err")"
expect_chain "a session window holds the chain" "$TMP/w1.folded" "$CHAIN" 80

run opts "local p = assert(pb.profile{ cmd = { '$C/chain-fp', '1' }, user = true, kernel = false,
	unwinder_options = { ['max-frames'] = 2 } })
assert(p:write('opts.folded'))"
deep=$(awk '{ sub(/ [0-9]+$/, ""); n = split($0, f, ";"); d = n - 1; for (i = 2; i <= n; i++) if (f[i] == "[truncated]") d--; if (d > 2) print }' "$TMP/opts.folded" | wc -l)
[ $st = 0 ] && [ -s "$TMP/opts.folded" ] && [ "$deep" = 0 ] && ! grep -q '_\[k\]' "$TMP/opts.folded" &&
	ok "unwinder_options reach the unwinder (max-frames = 2), kernel = false drops kernel frames" ||
	not_ok "unwinder_options" "status $st, $deep deeper" "$(head -3 "$TMP/opts.folded")" "$(cat "$TMP/opts.err")"

run labels "local p = assert(pb.profile{ cmd = { '$C/chain-fp', '1' }, frequency = $HZ,
	labels = { service = 'api', team = 7 } })
local seen = 0
local q = p:filter(function(st) if st.labels.service == 'api' and st.labels.team == '7' then seen = seen + st.count end; return true end)
local r = p:filter(function(st) st.labels = { service = 'other' }; return st end)
local other = 0
for st in r:stacks() do if st.labels.service == 'other' and st.labels.team == nil then other = other + st.count end end
print(p:total() > 0, seen == p:total(), q:total() == p:total(), other == p:total())"
[ $st = 0 ] && [ "$(tr '\t' ' ' <"$TMP/labels.out")" = "true true true true" ] &&
	ok "pb.profile{labels=...}: every stack carries them, p:filter sees them and can set them" ||
	not_ok "labels in Lua" "status $st: $(cat "$TMP/labels.out" "$TMP/labels.err")"

run fail "print(pb.profile{ unwinder = 'nope', duration = 1 })
print(pb.profile{ cmd = { '/nonexistent/app' } })"
grep -q "^nil	unknown unwinder 'nope' (available: .*fp" "$TMP/fail.out" &&
	grep -q "^nil	cannot run '/nonexistent/app'" "$TMP/fail.out" && [ $st = 0 ] &&
	ok "runtime failures return nil and a message" || not_ok "nil, message" "$(cat "$TMP/fail.out" "$TMP/fail.err")"

# Ctrl-C: the profile being taken ends, is written, and the script ends.
printf '%s\n' "local h = pb.spawn{ '$C/chain-fp', '60' }
print(h:pid()); io.stdout:flush()
while true do
	local p = assert(pb.profile{ pid = h:pid(), duration = 30, frequency = $HZ })
	assert(p:write('int.folded'))
	pb.log('wrote', p:total())
	pb.sleep(30)
end" >"$TMP/int.lua"
(cd "$TMP" && exec "$PB" --config /dev/null -c int.lua) >"$TMP/int.out" 2>"$TMP/int.err" &
pbpid=$!
sleep 2.5
signal_wait INT $pbpid
child=$(head -1 "$TMP/int.out")
[ $st = 130 ] && [ "$took" -le 3 ] && [ -s "$TMP/int.folded" ] && grep -q "interrupted" "$TMP/int.err" &&
	ok "Ctrl-C ends the profile at once, it is written, the script ends (exit 130: 128 + SIGINT)" ||
	not_ok "Ctrl-C" "status $st, took $took s" "$(cat "$TMP/int.err")"
expect_chain "the interrupted profile holds the chain" "$TMP/int.folded" "$CHAIN" 80
[ -n "$child" ] && ! kill -0 "$child" 2>/dev/null && ok "a spawned process ends with the script" ||
	{ not_ok "the spawned process was left running"; [ -n "$child" ] && kill "$child"; }
finish
