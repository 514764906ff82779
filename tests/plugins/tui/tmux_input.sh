#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The tui on a saved profile (--input), driven in tmux: frames, zoom, search, views, quit.
set -u
here=$(dirname "$0")
. "$here/tmux_lib.sh"
PB=$1
fixture=$2

command -v tmux >/dev/null || skip_or_fail "tmux is not installed"

# Expected numbers come from the fixture itself.
total=$(awk '{ s += $NF } END { print s }' "$fixture")
share() { # share REGEX: percent of samples in stacks with a frame matching REGEX
	awk -v re="$1" '{ n = split($1, f, ";"); for (i = 1; i <= n; i++) if (f[i] ~ re) { m += $NF; break } }
		END { printf "%.2f", 100 * m / '"$total"' }' "$fixture"
}
# The comm with the most samples, and its share.
top_comm=$(awk '{ split($1, f, ";"); c[f[1]] += $NF } END { for (k in c) print c[k], k }' "$fixture" |
	sort -rn | head -1 | cut -d' ' -f2)

start "$PB" --tui --input "$fixture"
wait_for "Total: $total samples"
ok $? "status line shows the total ($total samples)"
for frame in "$top_comm" main run_server handle_request; do
	screen | grep -qw -- "$frame"
	ok $? "frame $frame is drawn"
done
screen | grep -q 'Top functions' && screen | grep -q 'Processes'
ok $? "header lists the views"

# Down twice from the root: the widest process, then its widest frame; Enter zooms into it.
keys j
wait_for "^ $top_comm: "
ok $? "j selects the widest process ($top_comm)"
keys j
wait_for '^ main: '
ok $? "j again selects main"
keys Enter
wait_for '\[zoomed: main\]'
ok $? "Enter zooms into main"
screen | grep -qw load_config
ok $? "zoomed, a narrow frame (load_config) gets room for its whole name"
keys Escape
wait_gone '\[zoomed'
ok $? "Esc resets the zoom"

keys / j s o n Enter
expect=$(share json)
wait_for "Search: /json/ Matched: $expect%"
ok $? "search shows the match percentage ($expect%)"
keys n
wait_for '^ parse_json: '
ok $? "n moves to a match"
keys Escape Escape
wait_gone 'Search: '
ok $? "Esc clears the search"
keys '#'
expect=$(share '^parse_json$')
wait_for "Search: /\\^parse_json\\$/ Matched: $expect%"
ok $? "# highlights the selected frame's name ($expect%)"

keys Tab
wait_for 'Self%.*Total%.*Function'
ok $? "Tab shows top functions"
keys Tab
wait_for 'PID +Command +Samples +Share'
ok $? "Tab again shows processes"
expect=$(awk -v c="$top_comm" '{ split($1, f, ";"); if (f[1] == c) m += $NF } END { printf "%.2f", 100 * m / '"$total"' }' "$fixture")
screen | grep -qE -- "$top_comm +[0-9]+ +$expect%"
ok $? "processes: $top_comm has $expect%"
keys Enter
wait_for "\\[process $top_comm\\]"
ok $? "Enter on a process shows its flame graph only"
keys Tab Tab Tab
wait_for '^all( |$)'
ok $? "Tab cycles back to the flame graph (no command: no output view)"

# A smaller window: everything is laid out again for the new width.
tm resize-window -t t -x 100 -y 30
wait_for '^ profile-bee .{70,90}DONE$'
ok $? "after a resize the header is redrawn for 100 columns"
[ "$(screen | awk '{ if (length($0) > m) m = length($0) } END { print m }')" -le 100 ]
ok $? "nothing is drawn past column 100"
screen | grep -qw run_server
ok $? "frames are drawn again after the resize"

quit_and_check_restore
cleanup

# Signals: the terminal comes back whether the process is told to end or crashes.
pb_pid() { pgrep -P "$(tm display -p -t t '#{pane_pid}')" -x profile-bee; }
for sig in TERM SEGV; do
	start "$PB" --tui --input "$fixture"
	wait_for "Total: $total samples"
	kill -"$sig" "$(pb_pid)"
	wait_for '^pb-exit=' 15
	ok $? "SIG$sig ends the viewer"
	code=$((128 + $(kill -l "$sig")))
	check_restored "$code"
	cleanup
done
finish
