#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Windows of one long-lived session (root + BPF): periodic.lua loads BPF once, a paused session
# takes no samples, continuous windows lose and double-count none, a script ends when its
# targets exit.
. "$PB_SOURCE_ROOT/tests/lua/lib.sh"
need_root
plan 15
CHAIN="main;pb_alpha;pb_beta;pb_gamma;pb_burn"
TICK=$(getconf CLK_TCK)

"$C/chain-fp" 60 &
fixture=$!
trap 'kill $fixture 2>/dev/null; rm -rf "$TMP"' EXIT

# watch_progs PID OUT: while PID lives, every 0.1 s one line in OUT with the ids of the BPF
# programs it holds (sorted; an empty line when it holds none).
watch_progs() {
	while kill -0 "$1" 2>/dev/null; do
		find "/proc/$1/fd" -lname 'anon_inode:bpf-prog' 2>/dev/null | sed 's|/fd/|/fdinfo/|' |
			xargs -r awk '/^prog_id:/ { print $2 }' 2>/dev/null | sort -n | tr '\n' ' '
		echo
		sleep 0.1
	done >"$2"
}

# (a) periodic.lua: every profile holds the chain, and all come from one load of BPF.
mkdir "$TMP/per"
(cd "$TMP" && exec "$PB" --config /dev/null -p $fixture -F $HZ -c "$SCRIPTS/periodic.lua" -- \
	duration=1 every=2 count=3 "out=$TMP/per/cpu-{n}.folded") >"$TMP/per.out" 2>"$TMP/per.err" &
pbpid=$!
watch_progs $pbpid "$TMP/progs" &
watcher=$!
wait $pbpid
st=$?
wait $watcher
files=$(ls "$TMP/per" | tr '\n' ' ')
[ $st = 0 ] && [ "$files" = "cpu-000001.folded cpu-000002.folded cpu-000003.folded " ] &&
	ok "periodic.lua duration=1 every=2 count=3: three profiles, exit 0" ||
	not_ok "periodic.lua on one session" "status $st, files: $files" "$(cat "$TMP/per.err")"
for i in 1 2 3; do
	expect_chain "periodic.lua profile $i holds the chain" "$TMP/per/cpu-00000$i.folded" "$CHAIN" 90
done
# Every load gives new program ids: a session per profile would show more ids over the run than
# it ever held at once (a look during the load may see part of the set).
all=$(tr ' ' '\n' <"$TMP/progs" | grep . | sort -un | tr '\n' ' ')
most=$(awk '{ print NF, $0 }' "$TMP/progs" | sort -n | tail -1 | cut -d' ' -f2-)
[ -n "$all" ] && [ "$all" = "$most" ] && [ "$(grep -c . "$TMP/progs")" -ge 20 ] &&
	ok "periodic.lua loaded BPF once: programs $all all through its $(wc -l <"$TMP/progs") looks" ||
	not_ok "periodic.lua loaded BPF more than once" "ids over the run: $all; at most at once: $most; $(grep -c . "$TMP/progs") looks" \
		"sets seen:" "$(sort -u "$TMP/progs")"

# (b) A paused session takes no samples: two 1 s windows 2 s apart, the second one spanning the
# pause. Samples follow the CPU time the fixture got ($TICK ticks a second in /proc/PID/stat).
run paused "local pid, hz = $fixture, $HZ
local function cpu()
	local f = assert(io.open('/proc/' .. pid .. '/stat')); local t = f:read('a'); f:close()
	local v = {}
	for x in t:match('%) (.*)'):gmatch('%S+') do v[#v + 1] = x end
	return (v[12] + v[13]) / $TICK
end
local s = assert(pb.session{ pid = pid, frequency = hz, duration = 0 })
assert(s:start{ paused = true })
local c0 = cpu()
assert(s:resume())
pb.sleep(1)
local c1 = cpu()
local w1 = assert(s:snapshot()) -- taken while sampling: the next window spans the pause
local c1b = cpu()               -- what ran while it was taken may be in either window
assert(s:pause()); print(s:paused())
pb.sleep(2)
local c2 = cpu()
assert(s:resume()); print(s:paused())
pb.sleep(1)
assert(s:pause())
local c3 = cpu()
local w2 = assert(s:snapshot())
local m = w2:meta()
print(w1:total(), math.floor(hz * (c1 - c0)), w2:total(), math.floor(hz * (c3 - c2 + c1b - c1)),
	math.floor(hz * (c2 - c1b)), m['end'] - m.start)
s:stop()"
read -r p1 p2 w1 e1 w2 e2 epause span <<<"$(tr '\n' ' ' <"$TMP/paused.out")"
[ $st = 0 ] && [ "$p1 $p2" = "true false" ] && ok "s:pause() / s:resume(): s:paused() follows" ||
	not_ok "s:paused()" "status $st: $(cat "$TMP/paused.out" "$TMP/paused.err")"
diag "window 1: $w1 samples (CPU time says $e1); window 2: $w2 (says $e2, $epause more if the pause sampled), spans ${span}s"
# Loose: the machine is shared, its CPU time is read in ticks, and on a busy host the guest's
# timers (samples) and its CPU time disagree by up to a quarter (steal time).
near() { [ "$1" -ge $(($2 * 6 / 10 - 20)) ] && [ "$1" -le $(($2 * 15 / 10 + 20)) ]; }
[ $st = 0 ] && near "$w1" "$e1" && near "$w2" "$e2" &&
	ok "each window holds frequency x the CPU time the target had while sampled ($w1 ~ $e1, $w2 ~ $e2)" ||
	not_ok "window sample counts" "window 1: $w1 for $e1 expected; window 2: $w2 for $e2" "$(cat "$TMP/paused.err")"
# A sampled pause would give about e2 + epause, and the fixture (a CPU hog) runs at least as
# much in the 2 s pause as in the 1 s after it (epause >= e2): a bound halfway between tells.
[ $st = 0 ] && [ "$epause" -ge $((HZ / 5)) ] && [ "$epause" -ge "$e2" ] &&
	[ "$w2" -le $((e2 + epause / 2)) ] &&
	awk -v s="$span" 'BEGIN { exit !(s >= 2.9) }' &&
	ok "the window spanning the 2 s pause (${span}s) has no more than its resumed part ($w2 samples; the pause would add ~$epause)" ||
	not_ok "samples while paused" "window 2: $w2 samples, resumed part $e2, pause $epause, span $span"

# (c) Continuous windows: their sum is what one session sampling the same span counted, and
# each starts where the last ended. b samples from just before a's first window to just after
# its last pause.
run continuous "local pid, hz = $fixture, $HZ
local a = assert(pb.session{ pid = pid, frequency = hz, duration = 0 })
local b = assert(pb.session{ pid = pid, frequency = hz, duration = 0 })
assert(a:start{ paused = true }); assert(b:start{ paused = true })
assert(b:resume())
local sum, contiguous, prev = 0, true, nil
for i = 1, 3 do
	local w = assert(a:window(1, { pause = false }))
	sum = sum + w:total()
	if prev and prev['end'] ~= w:meta().start then contiguous = false end
	prev = w:meta()
end
assert(a:pause()); assert(b:pause())
local rest = a:snapshot()
print(sum + rest:total(), b:snapshot():total(), contiguous, rest:total())"
read -r sum whole contiguous rest <<<"$(cat "$TMP/continuous.out")"
diag "continuous: windows $sum (last part $rest), whole-span session $whole"
[ $st = 0 ] && [ "$whole" -ge $((HZ / 2)) ] && [ "$contiguous" = true ] &&
	awk -v a="$sum" -v b="$whole" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= b * 0.03 + 5) }' &&
	ok "continuous windows: sum $sum = one session's $whole over the same span (3%), each starts where the last ended" ||
	not_ok "continuous windows" "status $st: sum $sum, whole $whole, contiguous $contiguous" "$(cat "$TMP/continuous.err")"

# (a') continuous periodic.lua (duration = every): never paused, windows back to back.
mkdir "$TMP/cont"
script cont-script -p $fixture -F $HZ -c "$SCRIPTS/periodic.lua" -- duration=0.5 every=0.5 count=3 \
	"out=$TMP/cont/c-{n}.folded"
n=$(ls "$TMP/cont" | wc -l)
[ $st = 0 ] && [ "$n" = 3 ] && ok "periodic.lua duration=every: three back-to-back profiles" ||
	not_ok "continuous periodic.lua" "status $st, $n files" "$(cat "$TMP/cont-script.err")"
expect_chain "continuous periodic.lua: the last profile holds the chain" "$TMP/cont/c-000003.folded" "$CHAIN" 90

# Targets gone: the profile they were in is written and the script ends, status 0.
"$C/chain-fp" 2.5 &
short=$!
mkdir "$TMP/gone"
start=$(date +%s)
script gone -F $HZ -c "$SCRIPTS/periodic.lua" -- pid=$short duration=1 every=1.2 "out=$TMP/gone/g-{n}.folded"
took=$(($(date +%s) - start))
wait $short
n=$(ls "$TMP/gone" | wc -l)
[ $st = 0 ] && [ "$n" -ge 1 ] && [ "$took" -le 8 ] && grep -q "sampling ended after [0-9]* profiles: the targets exited" "$TMP/gone.err" &&
	ok "periodic.lua ends when its target exits: $n profiles, exit 0, after ${took}s" ||
	not_ok "periodic.lua, target exited" "status $st, $n files, ${took}s" "$(cat "$TMP/gone.err")"
# No target to profile at all: a runtime failure (exit 1) that names it, before any profile.
script nopid -c "$SCRIPTS/periodic.lua" -- pid=999999999 "out=$TMP/nopid-{n}.folded"
[ $st = 1 ] && grep -q "cannot profile: .*999999999" "$TMP/nopid.err" && ! grep -q traceback "$TMP/nopid.err" &&
	! ls "$TMP"/nopid-* >/dev/null 2>&1 && ok "periodic.lua on a pid that does not exist: exit 1, $(head -1 "$TMP/nopid.err")" ||
	not_ok "periodic.lua, no such pid" "status $st" "$(cat "$TMP/nopid.err")"

# Ctrl-C during a profile: it is written at once, and the script ends (130: 128 + SIGINT).
mkdir "$TMP/int"
(cd "$TMP" && exec "$PB" --config /dev/null -p $fixture -F $HZ -c "$SCRIPTS/periodic.lua" -- \
	duration=20 every=30 "out=$TMP/int/i-{n}.folded") >"$TMP/int.out" 2>"$TMP/int.err" &
pbpid=$!
wait_sampling $pbpid
sleep 1.5
signal_wait INT $pbpid
[ $st = 130 ] && [ "$took" -le 3 ] && [ "$(ls "$TMP/int")" = i-000001.folded ] &&
	ok "Ctrl-C during a profile of periodic.lua: written at once, exit 130 (${took}s)" ||
	not_ok "periodic.lua, Ctrl-C" "status $st, ${took}s, files: $(ls "$TMP/int")" "$(cat "$TMP/int.err")"
expect_chain "the interrupted profile holds the chain" "$TMP/int/i-000001.folded" "$CHAIN" 90
finish
