#!/bin/bash
# SPDX-License-Identifier: MIT
# Off-CPU overhead, side by side: the slowdown of `perf bench sched pipe` (a context-switch
# storm) with profile-bee --off-cpu and with libbpf-tools offcputime attached system-wide, both
# taking user and kernel stacks; runs interleaved (none, profile-bee, offcputime, ...), medians;
# and BPF ns per sched_switch of each tool's program (kernel.bpf_stats_enabled; another program
# turning the sysctl off mid-run leaves a round without it: "-").
# Needs root, perf (linux-perf) and offcputime (libbpf-tools). Run from the source root after
# building into BUILD (default build): bench/events/offcpu.sh [BUILD] [ROUNDS=7] [LOOPS=100000]
set -eu
build=${1:-build}
rounds=${2:-7}
loops=${3:-100000}
pb=$build/core/cli/profile-bee
tmp=$(mktemp -d /tmp/pb-offcpu-bench.XXXXXX)
old=$(sysctl -n kernel.bpf_stats_enabled)
trap 'sysctl -qw kernel.bpf_stats_enabled=$old; rm -rf "$tmp"' EXIT
sysctl -qw kernel.bpf_stats_enabled=1
for tool in perf offcputime bpftool; do
	command -v $tool >/dev/null || { echo "needs $tool" >&2; exit 1; }
done

# usecs per op of one perf bench run.
pipe_bench() { perf bench sched pipe -l "$loops" 2>&1 | awk '/usecs\/op/ { print $1 }'; }
# prog_ns NAME: the program's ns per run since it was loaded (its run_time_ns / run_cnt).
prog_ns() {
	bpftool prog show name "$1" 2>/dev/null | awk '/run_time_ns/ {
		for (i = 1; i < NF; i++) { if ($i == "run_time_ns") t += $(i + 1); if ($i == "run_cnt") c += $(i + 1) }
	} END { if (c) printf "%.0f\n", t / c; else print "-" }'
}
# attached NAME: waits (up to 20 s) until a program of that name is loaded, then a little more.
attached() {
	for _ in $(seq 200); do
		bpftool prog show name "$1" >/dev/null 2>&1 && [ -n "$(bpftool prog show name "$1")" ] &&
			{ sleep 0.5; return 0; }
		sleep 0.1
	done
	echo "$1 never attached" >&2
	return 1
}
# with NAME PROG CMD...: a bench run while CMD runs; prints "usecs ns_per_switch lost", lost
# being the off-CPU samples the snapshot unwinders dropped on a full ring ("-" for others).
with() {
	local prog=$1 pid us ns
	shift
	"$@" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	attached "$prog"
	us=$(pipe_bench)
	ns=$(prog_ns "$prog")
	kill -INT $pid
	wait $pid || true
	lost=$(grep -o '[0-9]* off-CPU samples: ring buffer full' "$tmp/err" | awk '{ s += $1; n++ } END { print n ? s : "-" }')
	echo "$us $ns $lost"
}

for r in $(seq "$rounds"); do
	echo "none $(pipe_bench) -" >>"$tmp/runs"
	echo "profile-bee $(with pb_sched_switch "$pb" --off-cpu -d 0 -o "$tmp/pb.folded")" >>"$tmp/runs"
	# libdw: the stack copied into the ring at every switch-out, unwound in userspace.
	echo "pb-libdw $(with pb_snap_switch "$pb" --off-cpu --unwinder libdw -d 0 -o "$tmp/dw.folded")" >>"$tmp/runs"
	# Debian's offcputime (0.26) has no -f; its text output comes at the end, after the bench.
	echo "offcputime $(with sched_switch offcputime)" >>"$tmp/runs"
	echo "round $r: $(tail -4 "$tmp/runs" | tr '\n' ' ')" >&2
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
base=$(awk '$1 == "none" { print $2 }' "$tmp/runs" | median)
echo "perf bench sched pipe -l $loops, $rounds interleaved rounds, medians; $(nproc) CPUs, $(uname -r)"
printf '%-12s %10s %9s %14s %12s\n' tool usecs/op slowdown "BPF ns/switch" "ring losses"
for t in none profile-bee pb-libdw offcputime; do
	us=$(awk -v t=$t '$1 == t { print $2 }' "$tmp/runs" | median)
	ns=$(awk -v t=$t '$1 == t && $3 != "-" { print $3 }' "$tmp/runs")
	ns=${ns:+$(echo "$ns" | median)}
	lost=$(awk -v t=$t '$1 == t && $4 != "-" && $4 != "" { print $4 }' "$tmp/runs")
	lost=${lost:+$(echo "$lost" | median)}
	printf '%-12s %10s %8.1f%% %14s %12s\n' $t "$us" "$(awk -v a="$us" -v b="$base" 'BEGIN { print 100 * (a / b - 1) }')" "${ns:--}" "${lost:--}"
done
