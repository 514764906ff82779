#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e: off-CPU and wall-clock profiles against the truth the offcpu fixture measures itself:
# microseconds blocked in nanosleep and in a pipe read (fp and dwarf), windows that split blocks
# (nothing lost at a flip), the block-length and state filters in BPF, a wall profile's shares
# of a half-busy thread, the flame graph's unit, and what is refused.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
. "$PB_SOURCE_ROOT/tests/e2e/offcpu_lib.sh"
need_root
F=$PB_FIXTURES/c/offcpu-fp
plan 15

# run NAME ARGS...: profiles the fixture (a command, so every wait is seen whole).
run() {
	local name=$1
	shift
	"$PB" "$@" -- "$F" >"$TMP/$name.folded" 2>"$TMP/$name.err"
}

# fp: libc has no frame pointers, so its direct caller (fixture_nap, pb_pipe_wait) is skipped;
# the thread's function, libc's entry and the kernel's chain to schedule are there.
run fp --off-cpu
expect_time "fp --off-cpu: 20 naps of 100 ms" "$TMP/fp.folded" \
	'^pb_nap;.*pb_napper;clock_nanosleep;.*;schedule_\[k\]' "$(truth "$TMP/fp.err" nap_us)"
expect_time "fp --off-cpu: pipe reads fed every 50 ms" "$TMP/fp.folded" \
	'^pb_pipe;.*pb_reader;__read;.*pipe_read_\[k\];.*schedule_\[k\]' "$(truth "$TMP/fp.err" pipe_us)"

# dwarf: the whole chain. A thread's first blocks may come before its binaries' tables exist
# ([truncated], maybe short of pb_napper): the thread's total is exact, the chain holds in most.
run dwarf --off-cpu --unwinder dwarf
nap=$(truth "$TMP/dwarf.err" nap_us)
expect_time "dwarf --off-cpu: the nap thread's time" "$TMP/dwarf.folded" '^pb_nap;' "$nap"
chain=$(samples_matching "$TMP/dwarf.folded" \
	'^pb_nap;.*;start_thread;pb_napper;fixture_nap;__nanosleep;clock_nanosleep;entry_SYSCALL')
pipe=$(truth "$TMP/dwarf.err" pipe_us)
pipe_chain=$(samples_matching "$TMP/dwarf.folded" \
	'^pb_pipe;.*;start_thread;pb_reader;pb_pipe_wait;__read;entry_SYSCALL.*pipe_read_\[k\]')
if [ "$chain" -ge "$((nap / 2))" ] && [ "$pipe_chain" -ge "$((pipe / 2))" ]; then
	ok "dwarf --off-cpu: pb_napper;fixture_nap;__nanosleep ($chain us), pb_reader;pb_pipe_wait;__read ($pipe_chain us)"
else
	not_ok "dwarf --off-cpu: the fixture_nap and pb_pipe_wait chains" "$chain of $nap us, $pipe_chain of $pipe us" \
		"$(grep -E '^pb_(nap|pipe);' "$TMP/dwarf.folded")"
fi
expect_time "dwarf --off-cpu: the pipe thread's time" "$TMP/dwarf.folded" \
	'^pb_pipe;' "$(truth "$TMP/dwarf.err" pipe_us)"

# Windows every 0.3 s cut through most naps: each is counted once, on its stack.
run win --off-cpu --flush-interval 0.3 -o "$TMP/w-{window}.folded"
cat "$TMP"/w-*.folded >"$TMP/windows.folded"
n_windows=$(ls "$TMP"/w-*.folded | wc -l)
expect_time "windows of 0.3 s ($n_windows) add up to the naps" "$TMP/windows.folded" \
	'^pb_nap;.*pb_napper;clock_nanosleep' "$(truth "$TMP/win.err" nap_us)"

# Filters in BPF: 100 ms naps and 50 ms pipe waits told apart by length; naps are interruptible.
run min --off-cpu --min-block-us 80000
run max --off-cpu --max-block-us 80000
run state --off-cpu --state uninterruptible
big=1000000000
# On the waits' own kernel stacks: the threads may also be preempted, briefly, elsewhere.
nap_min=$(samples_matching "$TMP/min.folded" '^pb_nap;.*do_nanosleep_\[k\]')
pipe_min=$(samples_matching "$TMP/min.folded" '^pb_pipe;.*pipe_read_\[k\]')
nap_max=$(samples_matching "$TMP/max.folded" '^pb_nap;.*do_nanosleep_\[k\]')
pipe_max=$(samples_matching "$TMP/max.folded" '^pb_pipe;.*pipe_read_\[k\]')
want_nap_min=$(truth_between "$TMP/min.err" nap_waits 80000 $big)
want_pipe_min=$(truth_between "$TMP/min.err" pipe_waits 80000 $big)
want_nap_max=$(truth_between "$TMP/max.err" nap_waits 0 80000)
want_pipe_max=$(truth_between "$TMP/max.err" pipe_waits 0 80000)
# Each side within 10% of the waits the filter keeps, and 1% of all waits (for none kept).
if within 10 "$nap_min" "$want_nap_min" && within 10 "$pipe_max" "$want_pipe_max" &&
	[ $((pipe_min - want_pipe_min)) -le $((want_nap_min / 100)) ] &&
	[ $((want_pipe_min - pipe_min)) -le $((want_nap_min / 100)) ] &&
	[ $((nap_max - want_nap_max)) -le $((want_pipe_max / 100)) ] &&
	[ $((want_nap_max - nap_max)) -le $((want_pipe_max / 100)) ]; then
	ok "--min-block-us / --max-block-us 80000: naps only / pipe waits only"
else
	not_ok "--min/--max-block-us" "min: nap $nap_min of $want_nap_min, pipe $pipe_min of $want_pipe_min" \
		"max: nap $nap_max of $want_nap_max, pipe $pipe_max of $want_pipe_max"
fi
if [ "$(samples_matching "$TMP/state.folded" '^pb_(nap|pipe|half);')" = 0 ]; then
	ok "--state uninterruptible: no interruptible sleep counted"
else
	not_ok "--state uninterruptible" "$(grep -E '^pb_(nap|pipe|half);' "$TMP/state.folded" | head -3)"
fi

# Wall clock: pb_half spins 50 ms (on CPU, or preempted) and sleeps 50 ms, 20 times: its two
# halves' shares as the fixture measured them (50/50, unless a loaded machine stretched a spin
# past its end), each within 10%.
run wall --wall -F "$HZ"
expect_wall_shares "--wall" "$TMP/wall.folded" "$TMP/wall.err"
on=$(samples_matching "$TMP/wall.folded" '^\[on-cpu\];pb_half;.*pb_spin')
off_rest=$(samples_matching "$TMP/wall.folded" '^\[off-cpu\];pb_half;.*clock_nanosleep;.*schedule_\[k\]')
if [ "$on" -gt 0 ] && within 10 "$off_rest" "$rest_truth" &&
	[ "$(grep -cvE '^\[(on|off)-cpu\];' "$TMP/wall.folded")" = 0 ]; then
	ok "--wall: every stack under [on-cpu] or [off-cpu]; sleeps off, spinning on ($on us)"
else
	not_ok "--wall roots" "on $on, sleeping $off_rest" "$(grep -vE '^\[(on|off)-cpu\];' "$TMP/wall.folded" | head -3)"
fi

# The unit in flame graphs; the profiler's own process (a symlink names it) is never counted.
ln -s "$PB" "$TMP/pbself"
"$TMP/pbself" --off-cpu -d 1 -o "$TMP/off.svg" -o "$TMP/self.folded" 2>"$TMP/self.err"
if grep -q '<title>all ([0-9,]* us, 100.00%)</title>' "$TMP/off.svg" &&
	! grep -q '^pbself;' "$TMP/self.folded" && [ -s "$TMP/self.folded" ]; then
	ok "system-wide --off-cpu: the SVG counts us; the profiler's own threads left out"
else
	not_ok "svg unit / own threads" "$(grep -o '<title>all[^<]*' "$TMP/off.svg")" \
		"$(grep '^pbself;' "$TMP/self.folded" | head -3)" "$(cat "$TMP/self.err")"
fi

# The same through Lua (pb.profile{event=...}) and a conf file ([profile] event=, min-block-us=).
printf '%s\n' "local p = assert(pb.profile{ cmd = { '$F' }, event = 'off-cpu', max_block_us = 80000,
	state = 'both' })" \
	"assert(p:write('$TMP/lua.folded'))" >"$TMP/offcpu.lua"
"$PB" --config /dev/null -c "$TMP/offcpu.lua" 2>"$TMP/lua.err"
pipe_lua=$(samples_matching "$TMP/lua.folded" '^pb_pipe;.*pb_reader')
if within 10 "$pipe_lua" "$(truth_between "$TMP/lua.err" pipe_waits 0 80000)" &&
	[ "$(samples_matching "$TMP/lua.folded" '^pb_nap;.*do_nanosleep_\[k\]')" = 0 ] &&
	! grep -q 'irqentry_exit_to_user_mode_\[k\];schedule_\[k\]' "$TMP/lua.folded"; then
	ok "Lua pb.profile{ event = 'off-cpu', max_block_us = 80000, state = 'both' }: pipe waits ($pipe_lua us), no naps, no preemption"
else
	not_ok "Lua event = 'off-cpu'" "pipe $pipe_lua" "$(cat "$TMP/lua.err")" \
		"$(grep -E '^pb_nap;|irqentry_exit_to_user_mode' "$TMP/lua.folded" | head -3)"
fi
printf '[profile]\nevent = off-cpu\nmin-block-us = 80000\nunwinder = dwarf\n' >"$TMP/offcpu.conf"
"$PB" --config "$TMP/offcpu.conf" -- "$F" >"$TMP/ini.folded" 2>"$TMP/ini.err"
nap_ini=$(samples_matching "$TMP/ini.folded" '^pb_nap;')
pipe_ini=$(samples_matching "$TMP/ini.folded" '^pb_pipe;')
want_pipe_ini=$(truth_between "$TMP/ini.err" pipe_waits 80000 $big)
if within 10 "$nap_ini" "$(truth_between "$TMP/ini.err" nap_waits 80000 $big)" &&
	{ [ "$pipe_ini" = "$want_pipe_ini" ] || within 10 "$pipe_ini" "$want_pipe_ini"; }; then
	ok "INI [profile] event = off-cpu, min-block-us = 80000 (dwarf): naps, $nap_ini us"
else
	not_ok "INI event = off-cpu" "nap $nap_ini" "$(cat "$TMP/ini.err")"
fi

expect_fail "--state bogus: exit 2 naming the flag" 2 "^profile-bee: --state: " --off-cpu --state bogus -- "$F"
expect_fail "--off-cpu with perf (--no-bpf): exit 2, says which unwinders can" 2 \
	"cannot count off-CPU time .*use fp, dwarf, libdw or libunwind" --off-cpu --unwinder perf -- "$F"
finish
