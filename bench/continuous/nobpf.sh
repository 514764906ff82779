#!/bin/sh
# SPDX-License-Identifier: MIT
# The unprivileged agent (as nobody, perf_event_paranoid 2: plain perf events, the perf unwinder)
# against the BPF agent (root, fp) on the same workload: continuous-app's 8 windows (199 Hz,
# 400 ms every 500 ms, 4 s of a known chain), interleaved rounds; prints medians.
# usage: sudo bench/continuous/nobpf.sh [BUILD_DIR] [ROUNDS]
set -u
B=$(realpath "${1:-build}")
ROUNDS=${2:-7}
APP=$B/bench/continuous/continuous-app
export LD_LIBRARY_PATH=$B/core
T=$(mktemp -d)
PARANOID=/proc/sys/kernel/perf_event_paranoid
old=$(cat $PARANOID)
trap 'echo "$old" >$PARANOID; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
echo 2 >$PARANOID

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

for r in $(seq "$ROUNDS"); do
	for mode in bpf perf; do
		# Agent CPU: the process's minus the application thread's own work (app.c).
		if [ $mode = bpf ]; then
			"$APP" agent fp 4 >"$T/a"
		else
			(cd / && setpriv --reuid=nobody --regid=nogroup --clear-groups "$APP" agent fp 4) >"$T/a"
		fi
		read -r cpu windows samples sessions <"$T/a"
		echo "$cpu" >>"$T/cpu-$mode"
		echo "$samples" >>"$T/samples-$mode"
		echo "round $r $mode: agent $cpu s ($windows windows, $samples samples," \
			"$sessions session)" >&2
	done
done
printf '%-5s %12s %8s %14s\n' mode agent_cpu_s ratio agent_samples
b=$(median <"$T/cpu-bpf")
for mode in bpf perf; do
	a=$(median <"$T/cpu-$mode")
	printf '%-5s %12s %8s %14s\n' $mode "$a" \
		"$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')" \
		"$(median <"$T/samples-$mode")"
done
