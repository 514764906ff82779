# SPDX-License-Identifier: MIT
# TAP and tmux helpers for the tui tests: a private tmux server, polling the screen for text.
# Sourced by the tui test scripts; they set PB (the CLI) before using it.

n_test=0
n_failed=0
sock="pbtest-$$-0"
n_start=0

ok() { # ok CONDITION-STATUS DESCRIPTION
	n_test=$((n_test + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n_test - $2"
	else
		echo "not ok $n_test - $2"
		n_failed=$((n_failed + 1))
		echo "# screen:"
		screen | sed 's/^/#   /'
	fi
}

finish() {
	echo "1..$n_test"
	[ "$n_failed" = 0 ]
	exit $?
}

# A missing tool skips (a skip plan, exit 0: meson's TAP reader calls 77 an error), except in CI
# (PB_TEST_NO_SKIP=1) where it fails.
skip_or_fail() {
	if [ "${PB_TEST_NO_SKIP:-0}" = 1 ]; then
		printf '1..1\nnot ok 1 - %s (PB_TEST_NO_SKIP=1 forbids skipping)\n' "$1"
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}

tm() { tmux -L "$sock" "$@"; }

cleanup() { tm kill-server 2>/dev/null || true; }
trap cleanup EXIT

# start CMD...: runs the command in a 160x48 pane; after it exits the pane shows its exit status
# and whether the terminal is sane again (canonical mode, echo on).
start() {
	local cmd
	cmd=$(printf '%q ' "$@")
	# A fresh server each time: a killed one can still hold its socket for a moment.
	n_start=$((n_start + 1))
	sock="pbtest-$$-$n_start"
	tm new-session -d -x 160 -y 48 -s t \
		"TERM=xterm-256color $cmd; echo pb-exit=\$?; stty -a | tr ' ' '\n' | grep -xE -- '-?(icanon|echo)' | tr '\n' ' '; echo; sleep 600"
}

screen() { tm capture-pane -p -t t 2>/dev/null; }

# wait_for REGEX [SECONDS]: polls the screen until a line matches (default 10 s).
wait_for() {
	local deadline=$((SECONDS + ${2:-10}))

	while [ "$SECONDS" -lt "$deadline" ]; do
		screen | grep -qE -- "$1" && return 0
		sleep 0.1
	done
	return 1
}

# wait_gone REGEX [SECONDS]: polls until no line matches.
wait_gone() {
	local deadline=$((SECONDS + ${2:-10}))

	while [ "$SECONDS" -lt "$deadline" ]; do
		screen | grep -qE -- "$1" || return 0
		sleep 0.1
	done
	return 1
}

keys() { tm send-keys -t t "$@"; }

# The number after "Total: " on the status line.
total_samples() { screen | sed -n 's/^ Total: \([0-9]*\) samples.*/\1/p' | tail -1; }

# check_restored [EXIT-REGEX]: after profile-bee ended, its status (default 0), canonical mode
# and echo are back, and the alternate screen is gone.
check_restored() {
	screen | grep -qxE "pb-exit=${1:-0}"
	ok $? "exit status ${1:-0}"
	wait_for '^-?icanon -?echo ?$' 5
	screen | grep -qE '^icanon echo ?$'
	ok $? "the terminal is restored (icanon and echo on)"
	! screen | grep -q 'Flame graph'
	ok $? "the viewer's screen is gone (alternate screen left)"
}

# Quits with q and checks the terminal came back.
quit_and_check_restore() {
	keys q
	wait_for '^pb-exit=' 15
	ok $? "q quits"
	check_restored "$@"
}
