#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Profiler CPU for a system-wide run at 99 Hz: profile-bee --dwarf against perf record
# --call-graph dwarf + perf script, on the same workload (a 30-deep no-frame-pointer recursion).
# Usage (root): bench/dwarf/vs_perf.sh BUILD_DIR [SECONDS=10]
set -eu
B=${1:?build directory}
S=${2:-10}
PB=$B/core/cli/profile-bee
T=$(mktemp -d /tmp/pb-dwarf-bench.XXXXXX)
trap 'kill $w 2>/dev/null; rm -rf "$T"' EXIT

"$B/bench/dwarf/dwarf-workload" 30 &
w=$!
sleep 0.5

# cpu_of FILE: user + system seconds that /usr/bin/time wrote.
cpu_of() { awk '{ print $1 + $2 }' "$1"; }

# Every process (the default), with -v for the table summary.
/usr/bin/time -f "%U %S" -o "$T/pb.time" "$PB" -v --dwarf -F 99 -d "$S" -o "$T/pb.folded" \
	2>"$T/pb.err"
pb_cpu=$(cpu_of "$T/pb.time")
pb_samples=$(awk '{ s += $NF } END { print s + 0 }' "$T/pb.folded")

/usr/bin/time -f "%U %S" -o "$T/rec.time" perf record -q -a -F 99 --call-graph dwarf \
	-o "$T/perf.data" -- sleep "$S" >/dev/null 2>&1
/usr/bin/time -f "%U %S" -o "$T/script.time" perf script -i "$T/perf.data" >"$T/perf.txt" \
	2>/dev/null
rec_cpu=$(cpu_of "$T/rec.time")
script_cpu=$(cpu_of "$T/script.time")
# Without the ip field perf script prints one line a sample, no call chain.
perf_samples=$(perf script -i "$T/perf.data" -F pid 2>/dev/null | wc -l)
perf_bytes=$(stat -c %s "$T/perf.data")

awk -v pc="$pb_cpu" -v ps="$pb_samples" -v rc="$rec_cpu" -v sc="$script_cpu" \
	-v fs="$perf_samples" -v fb="$perf_bytes" -v s="$S" 'BEGIN {
	printf "profile-bee --dwarf: %d samples, %.2f s CPU, %.0f us/sample\n", ps, pc, 1e6 * pc / ps
	printf "perf --call-graph dwarf: %d samples, %.0f KB data (%.1f KB/sample), record %.2f s + script %.2f s CPU, %.0f us/sample\n",
		fs, fb / 1024, fb / 1024 / fs, rc, sc, 1e6 * (rc + sc) / fs
	printf "per-sample CPU ratio perf / profile-bee: %.1f\n", ((rc + sc) / fs) / (pc / ps)
}'
grep -i "dwarf: [0-9]* tables\|limit\|lost" "$T/pb.err" || true
