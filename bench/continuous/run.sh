#!/bin/sh
# SPDX-License-Identifier: MIT
# Agent CPU against one CLI run sampling the same chain for as long, fp and dwarf, interleaved;
# prints medians. Two shapes:
#   back-to-back: 8 windows (199 Hz, 400 ms every 500 ms, 4 s of work) vs -d 4;
#   paused:       10 windows of 1 s every 3 s (30 s of work, sampling paused 2 s in 3) vs -d 10.
# usage: sudo bench/continuous/run.sh [BUILD_DIR] [ROUNDS] [SHAPES (default "back-to-back paused")]
set -u
B=${1:-build}
ROUNDS=${2:-7}
SHAPES=${3:-back-to-back paused}
APP=$B/bench/continuous/continuous-app
PB=$B/core/cli/profile-bee
export LD_LIBRARY_PATH=$B/core
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# shape -> agent work seconds, window ms, interval ms, CLI seconds
params() {
	case $1 in
	back-to-back) echo 4 400 500 4 ;;
	paused) echo 30 1000 3000 10 ;;
	*) echo "unknown shape $1" >&2; exit 2 ;;
	esac
}

for r in $(seq "$ROUNDS"); do
	for shape in $SHAPES; do
		set -- $(params "$shape")
		work=$1 window=$2 interval=$3 cli_s=$4
		for u in fp dwarf; do
			# The agent: its CPU is the process's minus the application thread's own work.
			"$APP" agent "$u" "$work" "$window" "$interval" >"$T/a" &&
				read -r cpu windows samples sessions <"$T/a"
			echo "$cpu" >>"$T/agent-$shape-$u"
			echo "$samples" >>"$T/agent-samples-$shape-$u"
			# The CLI over as much sampling time of the same chain, from outside.
			rm -f "$T/pid"
			"$APP" work "$(awk -v s="$cli_s" 'BEGIN {print s + 0.3}')" >"$T/pid" &
			app=$!
			while [ ! -s "$T/pid" ]; do sleep 0.01; done
			/usr/bin/time -f '%U %S' -o "$T/t" "$PB" -p "$(cat "$T/pid")" -F 199 \
				-d "$cli_s" --unwinder "$u" >"$T/folded" 2>/dev/null
			wait "$app"
			awk '{print $1 + $2}' "$T/t" >>"$T/cli-$shape-$u"
			awk '{n += $NF} END {print n}' "$T/folded" >>"$T/cli-samples-$shape-$u"
			echo "round $r $shape $u: agent $cpu s ($windows windows, $samples samples," \
				"$sessions session), cli $(cat "$T/t") s" \
				"($(tail -1 "$T/cli-samples-$shape-$u") samples)" >&2
		done
	done
done
printf '%-13s %-6s %12s %12s %8s %14s %12s\n' shape unwind agent_cpu_s cli_cpu_s ratio \
	agent_samples cli_samples
for shape in $SHAPES; do
	for u in fp dwarf; do
		a=$(median <"$T/agent-$shape-$u")
		c=$(median <"$T/cli-$shape-$u")
		printf '%-13s %-6s %12s %12s %8s %14s %12s\n' "$shape" "$u" "$a" "$c" \
			"$(awk -v a="$a" -v c="$c" 'BEGIN {printf "%.2f", (c > 0 ? a / c : 0)}')" \
			"$(median <"$T/agent-samples-$shape-$u")" "$(median <"$T/cli-samples-$shape-$u")"
	done
done
