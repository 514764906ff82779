#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The tui while sampling, in tmux: a static run with a command, Ctrl-C while sampling, and live
# mode (redraws, freeze, update modes, the command's output view).
set -u
. "$PB_SOURCE_ROOT/tests/plugins/tui/tmux_lib.sh"

command -v tmux >/dev/null || skip_or_fail "tmux is not installed"
[ "$(id -u)" = 0 ] || skip_or_fail "sampling needs root"
[ -r /sys/kernel/btf/vmlinux ] || skip_or_fail "the kernel has no BTF"

busy='while :; do :; done'

# Static: profile a command for 2 s, then browse the result.
start "$PB" --tui --time 2000 --cmd "$busy"
wait_for 'SAMPLING|DONE'
ok $? "static run: the viewer is up while sampling"
wait_for 'DONE' 15
ok $? "static run: DONE once the time is over"
wait_for '^all( |$)'
screen | grep -qE '^sh( |$)'
ok $? "static run: the profiled command (sh) is drawn under all"
total=$(total_samples)
[ "${total:-0}" -gt 0 ]
ok $? "static run: samples counted ($total)"
quit_and_check_restore
cleanup

# Ctrl-C while sampling ends the profile and the viewer, well before --time.
start "$PB" --tui --time 60000 --cmd "$busy"
wait_for 'SAMPLING'
ok $? "Ctrl-C run: sampling"
keys C-c
wait_for '^pb-exit=' 15
ok $? "Ctrl-C while sampling ends profile-bee"
check_restored '[0-9]+'
cleanup

# Live: windows every 500 ms while the command runs.
start "$PB" --tui --stream-mode 1 --time 60000 --cmd "echo tui-cmd-says-hello; $busy"
wait_for 'LIVE \| accumulate'
ok $? "live: header shows LIVE and the update mode"
wait_for 'Total: [1-9]'
first=$(total_samples)
grows() { # grows N: the total goes above N within 5 s
	local deadline=$((SECONDS + 5))

	while [ "$SECONDS" -lt "$deadline" ]; do
		[ "$(total_samples)" -gt "$1" ] 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
grows "$first"
ok $? "live: the total grows while sampling (from $first)"
keys z
wait_for 'FROZEN'
ok $? "live: z freezes"
frozen=$(total_samples)
sleep 1.5 # a frozen view must stay put for several windows
[ "$(total_samples)" = "$frozen" ]
ok $? "live: frozen, the total stays at $frozen"
keys z
wait_for 'LIVE \|'
ok $? "live: z again unfreezes"
grows "$frozen"
ok $? "live: unfrozen, the total grows again"
keys m
wait_for 'LIVE \| reset'
ok $? "live: m switches to reset each window"
keys m
wait_for 'LIVE \| decay'
ok $? "live: m switches to decay"
keys m
wait_for 'LIVE \| accumulate'
ok $? "live: m cycles back to accumulate"
keys Tab Tab Tab
wait_for 'tui-cmd-says-hello'
ok $? "live: the output view shows what the command printed"
keys q
wait_for '^pb-exit=' 15
ok $? "live: q ends profile-bee while sampling"
check_restored '[0-9]+'
finish
