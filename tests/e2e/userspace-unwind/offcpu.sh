#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e: off-CPU and wall-clock profiles with a snapshot unwinder (libdw, libunwind) against the
# truth the offcpu fixture (no frame pointers) measures itself: the stack copied at switch-out
# joined with the time of the switch-in, across windows, the block-length filter, the wall
# profile's shares of a half-busy thread.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
. "$PB_SOURCE_ROOT/tests/e2e/offcpu_lib.sh"
need_root
u=${1:?libdw or libunwind}
F=$PB_FIXTURES/c/offcpu-nofp
plan 6

run() {
	local name=$1
	shift
	"$PB" --unwinder "$u" "$@" -- "$F" >"$TMP/$name.folded" 2>"$TMP/$name.err"
}

# The whole chain, libc's frames included: the snapshot is unwound with CFI, no frame pointers.
run off --off-cpu
expect_time "$u --off-cpu: 20 naps of 100 ms under fixture_nap" "$TMP/off.folded" \
	'^pb_nap;.*;start_thread;pb_napper;fixture_nap;__nanosleep;clock_nanosleep;entry_SYSCALL.*;schedule_\[k\]' \
	"$(truth "$TMP/off.err" nap_us)"
expect_time "$u --off-cpu: pipe reads fed every 50 ms" "$TMP/off.folded" \
	'^pb_pipe;.*;start_thread;pb_reader;pb_pipe_wait;__read;entry_SYSCALL.*pipe_read_\[k\];.*schedule_\[k\]' \
	"$(truth "$TMP/off.err" pipe_us)"

# A block's stack is kept in userspace until its end: windows every 0.3 s cut through most naps,
# and each is counted once, in the window it ends in.
run win --off-cpu --flush-interval 0.3 -o "$TMP/w-{window}.folded"
cat "$TMP"/w-*.folded >"$TMP/windows.folded"
expect_time "windows of 0.3 s ($(ls "$TMP"/w-*.folded | wc -l)) add up to the naps" \
	"$TMP/windows.folded" '^pb_nap;.*pb_napper;fixture_nap' "$(truth "$TMP/win.err" nap_us)"

# --min-block-us in BPF at the switch-in: the 100 ms naps kept, the 50 ms pipe waits left out
# (within 1% of the naps: a loaded machine may stretch a wait past 80 ms, then it is kept).
run min --off-cpu --min-block-us 80000
nap_min=$(samples_matching "$TMP/min.folded" '^pb_nap;.*do_nanosleep_\[k\]')
pipe_min=$(samples_matching "$TMP/min.folded" '^pb_pipe;.*pipe_read_\[k\]')
want_nap=$(truth_between "$TMP/min.err" nap_waits 80000 1000000000)
want_pipe=$(truth_between "$TMP/min.err" pipe_waits 80000 1000000000)
if within 10 "$nap_min" "$want_nap" && [ $((pipe_min - want_pipe)) -le $((want_nap / 100)) ] &&
	[ $((want_pipe - pipe_min)) -le $((want_nap / 100)) ]; then
	ok "--min-block-us 80000: naps ($nap_min us of $want_nap), pipe waits $pipe_min us of $want_pipe"
else
	not_ok "--min-block-us 80000" "nap $nap_min of $want_nap, pipe $pipe_min of $want_pipe"
fi

# Wall clock: pb_half spins 50 ms and sleeps 50 ms, 20 times; each half within 10% of the
# fixture's own measure, on-CPU samples worth 1e6/F us each.
run wall --wall -F "$HZ"
expect_wall_shares "$u --wall" "$TMP/wall.folded" "$TMP/wall.err"
on=$(samples_matching "$TMP/wall.folded" '^\[on-cpu\];pb_half;.*start_thread;pb_half;pb_spin')
off_rest=$(samples_matching "$TMP/wall.folded" \
	'^\[off-cpu\];pb_half;.*start_thread;pb_half;pb_rest;__nanosleep;.*schedule_\[k\]')
if [ "$on" -gt 0 ] && within 10 "$off_rest" "$rest_truth" &&
	[ "$(grep -cvE '^\[(on|off)-cpu\];' "$TMP/wall.folded")" = 0 ]; then
	ok "$u --wall: every stack under [on-cpu] or [off-cpu]; pb_rest asleep ($off_rest us), pb_spin on ($on us)"
else
	not_ok "$u --wall roots" "on $on, asleep in pb_rest $off_rest of $rest_truth" \
		"$(grep -vE '^\[(on|off)-cpu\];' "$TMP/wall.folded" | head -3)"
fi

finish
