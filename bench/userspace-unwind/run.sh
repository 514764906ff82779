#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Unwinding throughput: snapshots unwound per CPU-second by the libdw and libunwind plugins, and
# by `perf script` on `perf record --call-graph dwarf` data of the same workload, same run.
# cpu_s is the whole process (profile-bee: BPF load, kallsyms and /proc reads, unwinding,
# symbolizing, output; perf script: unwinding, symbolizing, printing); net_cpu_s takes off the
# same command's CPU on an idle process, so per_net_cpu_s is the per-sample work's rate.
# us_per_unwind: profile-bee's own clock around each unwind; for perf, net CPU per sample.
# Usage (root): bench/userspace-unwind/run.sh [BUILD_DIR] [SECONDS] [HZ]
set -euo pipefail
B=${1:-build-uw}
SECS=${2:-10}
HZ=${3:-999}
PB=$B/core/cli/profile-bee
C=$B/tests/fixtures/c
TMP=$(mktemp -d /tmp/pb-bench-uw.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

cpu_of() { awk '{ print $1 + $2 }' "$1"; } # GNU time -f "%U %S"
samples() { awk '{ s += $NF } END { print s + 0 }' "$1"; }

# pb UNWINDER COMMAND...: profiles a running COMMAND with -p (GNU time would count a command
# profile-bee spawns as its own CPU); leaves the profile in $TMP/out and CPU in $TMP/time.
pb() {
	local u=$1 pid
	shift
	"$@" &
	pid=$!
	sleep 0.5
	/usr/bin/time -f "%U %S" -o "$TMP/time" "$PB" --unwinder "$u" -F "$HZ" -vv -p "$pid" \
		-d "$SECS" >"$TMP/out" 2>"$TMP/err"
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# perf_script COMMAND...: records COMMAND with --call-graph dwarf, times perf script on it.
perf_script() {
	perf record -q -F "$HZ" --call-graph dwarf,16384 -o "$TMP/perf.data" -- "$@" \
		>/dev/null 2>&1
	/usr/bin/time -f "%U %S" -o "$TMP/time" perf script -i "$TMP/perf.data" >/dev/null \
		2>/dev/null
}

# row WORKLOAD UNWINDER SAMPLES CPU BASE US_EACH
row() {
	awk -v w="$1" -v u="$2" -v n="$3" -v c="$4" -v b="$5" -v e="$6" 'BEGIN {
		net = c - b; if (net < 0.001) net = 0.001
		if (e == "") e = sprintf("%.1f", net * 1e6 / n)
		printf "%-16s %-10s %8d %7.2f %9.3f %13.0f %13s\n", w, u, n, c, net, n / net, e }'
}

declare -A base
for u in libdw libunwind; do
	pb "$u" sleep $((SECS + 2))
	base[$u]=$(cpu_of "$TMP/time")
done
perf_script sleep 0.1
base[perf]=$(cpu_of "$TMP/time")
echo "idle baselines (CPU s): libdw ${base[libdw]}, libunwind ${base[libunwind]}," \
	"perf script ${base[perf]}"

printf '%-16s %-10s %8s %7s %9s %13s %13s\n' workload unwinder samples cpu_s net_cpu_s \
	per_net_cpu_s us_per_unwind
for w in chain-nofp recursion-nofp threads-nofp; do
	for u in libdw libunwind; do
		pb "$u" "$C/$w" $((SECS + 2))
		row "$w" "$u" "$(samples "$TMP/out")" "$(cpu_of "$TMP/time")" "${base[$u]}" \
			"$(sed -n "s/.*$u: [0-9]* unwinds, \([0-9.]*\) us each.*/\1/p" "$TMP/err")"
	done
	perf_script "$C/$w" "$SECS"
	row "$w" perf "$(perf script -i "$TMP/perf.data" -F tid 2>/dev/null | wc -l)" \
		"$(cpu_of "$TMP/time")" "${base[perf]}" ""
done
