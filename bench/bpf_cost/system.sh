#!/bin/sh
# SPDX-License-Identifier: MIT
# BPF ns per sample of the fp program while profile-bee profiles the whole system with the
# chain (user-bound, fp) and syscalls (kernel-bound) fixtures busy. Run as root from the
# source root after building into BUILD (default build): bench/bpf_cost/system.sh [BUILD] [ARGS]
set -eu
build=${1:-build}
[ $# -gt 0 ] && shift
fx=$build/tests/fixtures/c
old=$(sysctl -n kernel.bpf_stats_enabled)
trap 'sysctl -qw kernel.bpf_stats_enabled=$old' EXIT
sysctl -qw kernel.bpf_stats_enabled=1
timeout 6 "$fx/${CHAIN:-chain-fp}" >/dev/null 2>&1 &
timeout 6 "$fx/syscalls-fp" >/dev/null 2>&1 &
"$build/core/cli/profile-bee" -F 999 -d 4 "$@" >/dev/null &
sleep 3.5
bpftool prog show name pb_perf_sample | awk '/run_time_ns/ {
	for (i = 1; i < NF; i++) { if ($i == "run_time_ns") t = $(i + 1); if ($i == "run_cnt") c = $(i + 1) }
	printf "pb_perf_sample: %d runs, %.0f ns/run\n", c, t / c }'
wait
