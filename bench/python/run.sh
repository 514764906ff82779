#!/bin/bash
# SPDX-License-Identifier: MIT
# BPF ns per sample with and without CPython walking (--python auto / off) on a ~30-frame
# Python stack, per unwinder (libdw: the snapshot program, which libunwind loads too), and
# profiler CPU beside perf record --call-graph dwarf (py-spy
# cannot be installed from the registries here). Root. Usage: bench/python/run.sh [PYTHON]
set -u
PB=${PB:-$(dirname "$0")/../../build/core/cli/profile-bee}
PY=${1:-/usr/bin/python3}
HERE=$(dirname "$0")
SECS=${SECS:-5}
HZ=${HZ:-999}
old=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
trap 'sysctl -qw kernel.bpf_stats_enabled=$old' EXIT

# prog_cost NAME: "ns/sample runs" of the loaded program NAME (bpftool prog show).
prog_cost() {
	bpftool prog show name "$1" 2>/dev/null | awk '/run_time_ns/ {
		for (i = 1; i <= NF; i++) { if ($i == "run_time_ns") t = $(i + 1); if ($i == "run_cnt") c = $(i + 1) }
	} END { if (c) printf "%d %d\n", t / c, c; else print "- 0" }'
}

echo "python: $($PY --version 2>&1), $HZ Hz, $SECS s, 28 recursive frames + <module> + spin"
for u in ${UNWINDERS:-fp dwarf libdw}; do
	prog=pb_${u}_sample
	[ "$u" = libdw ] || [ "$u" = libunwind ] && prog=pb_snapshot_sample
	for mode in off auto; do
		"$PY" "$HERE/deep.py" $((SECS + 3)) &
		pid=$!
		sleep 0.3
		/usr/bin/time -f "%U %S" -o /tmp/pb-bench-time "$PB" --unwinder $u --python $mode \
			-p $pid -F $HZ -d $SECS -o /tmp/pb-bench.folded 2>/dev/null &
		pb=$!
		sleep $((SECS - 1))
		cost=$(prog_cost $prog)
		wait $pb
		wait $pid
		cpu=$(awk '{ printf "%.2f", $1 + $2 }' /tmp/pb-bench-time)
		frames=$(awk '{ n = split($0, f, ";"); if (n > m) m = n } END { print m }' /tmp/pb-bench.folded)
		printf "%-6s --python %-4s  BPF %5s ns/sample (%s runs)  profiler CPU %ss  deepest stack %s frames\n" \
			$u $mode $cost $cpu "$frames"
	done
done
if command -v perf >/dev/null; then
	"$PY" "$HERE/deep.py" $((SECS + 3)) &
	pid=$!
	sleep 0.3
	/usr/bin/time -f "%U %S" -o /tmp/pb-bench-time perf record -q -F $HZ --call-graph dwarf \
		-p $pid -o /tmp/pb-bench.perf -- sleep $SECS >/dev/null 2>&1
	wait $pid
	printf "perf record --call-graph dwarf: CPU %ss (record only; it names no Python frame)\n" \
		"$(awk '{ printf "%.2f", $1 + $2 }' /tmp/pb-bench-time)"
	rm -f /tmp/pb-bench.perf
fi
