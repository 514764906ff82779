#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Side by side, same machine, same run: a 1-second system-wide profile at 99 Hz by profile-bee,
# bpftrace and perf record -g + perf script. Prints the median wall time, CPU seconds and peak
# RSS of each over ROUNDS rounds, and BPF ns per sample of profile-bee vs bpftrace.
# Usage (root): bench/core/compare.sh [ROUNDS]   (needs bpftrace, linux-perf, time)
set -u
cd "$(dirname "$0")/../.."
PB=${PB:-./build/core/cli/profile-bee}
ROUNDS=${1:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"; kill $load 2>/dev/null' EXIT

# A steady load so every tool has stacks to record: one busy fixture on one core.
./build/tests/fixtures/c/chain-fp 100000 &
load=$!

measure() { # name, command...: appends "wall cpu rss_kb" per round
	local name=$1
	shift
	/usr/bin/time -f "%e %U %S %M" -o "$work/t" "$@" >/dev/null 2>"$work/err" || {
		echo "$name failed: $(tail -2 "$work/err")" >&2
		return
	}
	awk '{ printf "%s %.2f %d\n", $1, $2 + $3, $4 }' "$work/t" >>"$work/$name"
}

perf_run() {
	perf record -q -F 99 -a -g -o "$work/perf.data" -- sleep 1 && perf script -i "$work/perf.data" >/dev/null
}

for _ in $(seq "$ROUNDS"); do
	measure profile-bee "$PB" -F 99 -d 1
	measure bpftrace bpftrace -e 'profile:hz:99 { @[ustack, kstack, comm] = count(); } interval:s:1 { exit(); }'
	measure perf bash -c "$(declare -f perf_run); work=$work; perf_run"
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf "%-12s %10s %10s %10s   (median of %d rounds, 1 s system-wide at 99 Hz)\n" tool "wall s" "CPU s" "RSS MiB" "$ROUNDS"
for name in profile-bee bpftrace perf; do
	[ -s "$work/$name" ] || continue
	wall=$(awk '{print $1}' "$work/$name" | median)
	cpu=$(awk '{print $2}' "$work/$name" | median)
	rss=$(awk '{printf "%.1f\n", $3 / 1024}' "$work/$name" | median)
	printf "%-12s %10s %10s %10s\n" "$name" "$wall" "$cpu" "$rss"
done

# BPF cost per sample: run_time_ns / run_cnt of each tool's perf_event program over 3 s at
# 999 Hz, with the same busy fixture running (kernel.bpf_stats_enabled).
bpf_ns() { # program name as bpftool shows it
	bpftool prog show | awk -v want="$1" '$2 == "perf_event" && $4 == want {
		for (i = 1; i < NF; i++) { if ($i == "run_time_ns") t = $(i + 1); if ($i == "run_cnt") c = $(i + 1) }
		if (c > 0) { printf "%d\n", t / c; exit } }'
}
sysctl -qw kernel.bpf_stats_enabled=1
"$PB" -F 999 -d 3 >/dev/null &
sleep 2.5
pb_ns=$(bpf_ns pb_perf_sample)
wait $!
bpftrace -e 'profile:hz:999 { @[ustack, kstack, comm] = count(); } interval:s:3 { exit(); }' >/dev/null 2>&1 &
sleep 2.5
bt_ns=$(bpf_ns 999)
wait $!
sysctl -qw kernel.bpf_stats_enabled=0
echo "BPF ns per sample (999 Hz, same load): profile-bee ${pb_ns:-?}, bpftrace ${bt_ns:-?}"
