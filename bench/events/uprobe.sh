#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Cost per uprobe hit: profile-bee -e uprobe:... (fp and dwarf) against bpftrace's
# 'uprobe:...{ @[ustack] = count(); }' (Debian's bpftrace package), on a fixture that calls the
# probed function HITS times in a tight loop and prints how long the loop took. Two numbers per
# tool, medians of interleaved rounds:
#   hit: (loop time with the tool - loop time without) / HITS, what the probed program pays,
#        most of it the kernel's uprobe trap (measured alone as bpftrace with an empty action);
#   BPF: the tool's program's own time per run (kernel.bpf_stats_enabled, run_time_ns / run_cnt).
# Root.
# Usage: bench/events/uprobe.sh [BUILD_DIR] [HITS] [ROUNDS]
set -u
BUILD=${1:-build}
HITS=${2:-200000}
ROUNDS=${3:-7}
PB=$BUILD/core/cli/profile-bee
FIX=$(realpath "$BUILD/tests/fixtures/c/probes-fp")
SPEC="uprobe:$FIX:pb_probe_target"
command -v bpftrace >/dev/null || { echo "needs bpftrace (apt-get install bpftrace)" >&2; exit 2; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

old_stats=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -q kernel.bpf_stats_enabled=1
trap 'sysctl -q kernel.bpf_stats_enabled="$old_stats"; rm -rf "$TMP"' EXIT

# ns per run of the loaded program named NAME (bpftool), appended to FILE.
bpf_ns() { # NAME FILE
	bpftool prog show | awk -v name="$1" '$0 ~ " name " name " " {
		for (i = 1; i <= NF; i++) { if ($i == "run_time_ns") t = $(i + 1); if ($i == "run_cnt") c = $(i + 1) }
		if (c) printf "%.1f\n", t / c }' >>"$2"
	return 0
}

# Each prints the fixture's loop seconds; the fixture runs on its own, the tool attached first.
run_none() { "$FIX" "$HITS" spin; }
run_pb() { # UNWINDER
	"$PB" --unwinder "$1" -q -e "$SPEC" -d 120 -o "$TMP/pb.folded" &
	local pb=$!
	for _ in $(seq 600); do bpftool prog show | grep -q ' name pb_probe_user ' && break; sleep 0.05; done
	sleep 1 # loaded; attached right after
	"$FIX" "$HITS" spin
	bpf_ns pb_probe_user "$TMP/$1.bpf"
	kill -INT "$pb"
	wait "$pb"
	awk -v n="$HITS" '/pb_probe_target / { s += $NF } END { if (s != n) print "profile-bee counted " s " of " n " hits" }' "$TMP/pb.folded" >&2
}
run_bpftrace() { # FILE ACTION
	bpftrace -e "uprobe:$FIX:pb_probe_target { $2 }" >"$TMP/bt.out" 2>&1 &
	local bt=$!
	for _ in $(seq 200); do grep -q Attaching "$TMP/bt.out" && break; sleep 0.05; done
	sleep 0.3 # "Attaching" is printed before the probe is live
	"$FIX" "$HITS" spin
	bpf_ns pb_probe_target "$TMP/$1.bpf"
	kill -INT "$bt"
	wait "$bt"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

for r in $(seq "$ROUNDS"); do
	run_none >>"$TMP/none"
	run_pb fp >>"$TMP/fp"
	run_bpftrace bpftrace '@[ustack] = count();' >>"$TMP/bpftrace"
	run_pb dwarf >>"$TMP/dwarf"
	run_bpftrace trap '' >>"$TMP/trap"
	echo "round $r/$ROUNDS" >&2
done
base=$(median <"$TMP/none")
printf '%d hits per run, %d rounds, medians; hit = (loop time - %.6f s) / hits\n' \
	"$HITS" "$ROUNDS" "$base"
for t in fp dwarf bpftrace trap; do
	loop=$(median <"$TMP/$t")
	bpf=$(median <"$TMP/$t.bpf")
	case $t in
	bpftrace) name="bpftrace @[ustack]" ;;
	trap) name="uprobe, empty action" ;;
	*) name="profile-bee $t" ;;
	esac
	awk -v name="$name" -v loop="$loop" -v base="$base" -v n="$HITS" -v bpf="${bpf:-0}" \
		'BEGIN { printf "  %-22s hit %6.0f ns   BPF %5s\n", name, (loop - base) * 1e9 / n,
			 (bpf > 0 ? sprintf("%.0f ns", bpf) : "-") }'
done
