#!/bin/sh
# SPDX-License-Identifier: MIT
# Agent CPU for 8 windows (199 Hz, 400 ms every 500 ms, 4 s of a known chain) against
# `profile-bee -p PID -F 199 -d 4` over the same 4 s, fp and dwarf, interleaved; prints medians.
# usage: sudo bench/continuous/run.sh [BUILD_DIR] [ROUNDS]
set -u
B=${1:-build}
ROUNDS=${2:-7}
APP=$B/bench/continuous/continuous-app
PB=$B/core/cli/profile-bee
export LD_LIBRARY_PATH=$B/core
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

for r in $(seq "$ROUNDS"); do
	for u in fp dwarf; do
		# The agent: its CPU is the process's minus the application thread's own work.
		"$APP" agent "$u" 4 >"$T/a" && read -r cpu windows samples sessions <"$T/a"
		echo "$cpu" >>"$T/agent-$u"
		echo "$samples" >>"$T/agent-samples-$u"
		# The CLI over the same 4 s of the same chain, from outside.
		rm -f "$T/pid"
		"$APP" work 4.3 >"$T/pid" &
		app=$!
		while [ ! -s "$T/pid" ]; do sleep 0.01; done
		/usr/bin/time -f '%U %S' -o "$T/t" "$PB" -p "$(cat "$T/pid")" -F 199 -d 4 \
			--unwinder "$u" >"$T/folded" 2>/dev/null
		wait "$app"
		awk '{print $1 + $2}' "$T/t" >>"$T/cli-$u"
		awk '{n += $NF} END {print n}' "$T/folded" >>"$T/cli-samples-$u"
		echo "round $r $u: agent $cpu s ($windows windows, $samples samples, $sessions session)," \
			"cli $(cat "$T/t") s ($(tail -1 "$T/cli-samples-$u") samples)" >&2
	done
done
printf '%-6s %12s %12s %8s %14s %12s\n' unwind agent_cpu_s cli_cpu_s ratio agent_samples cli_samples
for u in fp dwarf; do
	a=$(median <"$T/agent-$u")
	c=$(median <"$T/cli-$u")
	printf '%-6s %12s %12s %8s %14s %12s\n' "$u" "$a" "$c" \
		"$(awk -v a="$a" -v c="$c" 'BEGIN {printf "%.2f", (c > 0 ? a / c : 0)}')" \
		"$(median <"$T/agent-samples-$u")" "$(median <"$T/cli-samples-$u")"
done
