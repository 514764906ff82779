#!/usr/bin/env bash
# Soak test: profile-bee system-wide at 999 Hz on every CPU for SECONDS (default 600) while the
# workload forks thousands of short processes, dlopens and unloads a library, and two processes
# run a known chain. Reports RSS over time, fds, lost stacks by cause and the chain's share.
# Usage (root): tests/soak/run.sh [BUILD_DIR (default build)] [SECONDS] [extra profile-bee args]
# PB_SOAK_WINDOWED=1: only windowed outputs (a file per window, OUT/w-{window}.folded), so the run
# keeps no whole-run profile; the chain share is then read from every window file.
# PB_SOAK_TARGETS=1: profile the workload's processes (-p, their children followed) instead of
# every process, so that other work on a shared machine does not enter the numbers.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
seconds=${2:-600}
shift $(($# > 2 ? 2 : $#))
pb=$build/core/cli/profile-bee
workload=$build/tests/soak/soak-workload
lib=$PWD/$build/tests/soak/libsoak-dl.so
out=${PB_SOAK_OUT:-$build/soak-$(date +%Y%m%d-%H%M%S)}
interval=10 # seconds between RSS/fd samples
window=60   # seconds per drain window (--flush-interval); the folded file gets the whole run
if [ "${PB_SOAK_WINDOWED:-0}" = 1 ]; then
	target='w-{window}.folded' # one file per window: no whole-run profile is kept
else
	target=profile.folded
fi
chain="main;soak_outer;soak_middle;soak_inner;soak_spin"

[ "$(id -u)" = 0 ] || { echo "run.sh: needs root (BPF)" >&2; exit 1; }
for f in "$pb" "$workload" "$lib"; do
	[ -e "$f" ] || { echo "run.sh: $f missing: ninja -C $build" >&2; exit 1; }
done
mkdir -p "$out"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT

"$workload" chain & pids+=($!)
"$workload" chain & pids+=($!)
"$workload" forker "${PB_SOAK_FORKS_PER_S:-20}" & pids+=($!)
"$workload" dlopener "$lib" & pids+=($!)

targets=()
[ "${PB_SOAK_TARGETS:-0}" = 1 ] && targets=(-p "$(IFS=,; echo "${pids[*]}")")
"$pb" -F 999 -d "$seconds" --flush-interval "$window" -o "$out/$target" "${targets[@]}" "$@" \
	2>"$out/profile-bee.stderr" & pb_pid=$!
echo "soak: profile-bee pid $pb_pid, ${seconds}s, output in $out"
echo "t_s,rss_kb,hwm_kb,fds,threads" >"$out/rss.csv"
start=$(date +%s)
while kill -0 "$pb_pid" 2>/dev/null; do
	t=$(($(date +%s) - start))
	if [ -r "/proc/$pb_pid/status" ]; then
		rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pb_pid/status" 2>/dev/null || true)
		hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pb_pid/status" 2>/dev/null || true)
		thr=$(awk '/^Threads/ {print $2}' "/proc/$pb_pid/status" 2>/dev/null || true)
		fds=$(ls "/proc/$pb_pid/fd" 2>/dev/null | wc -l)
		[ -n "$rss" ] && echo "$t,$rss,$hwm,$fds,$thr" >>"$out/rss.csv"
	fi
	sleep "$interval"
done
status=0
wait "$pb_pid" || status=$?
# Of the samples whose stack holds the chain's leaf, the share holding the whole chain in order.
share_of() {
	awk -v chain="$chain" '
	BEGIN { n = split(chain, want, ";"); leaf = want[n] }
	{
		count = $NF; line = $0; sub(/ [0-9]+$/, "", line)
		m = split(line, f, ";"); has_leaf = 0; has_chain = 0
		for (i = 1; i <= m; i++) {
			if (f[i] == leaf) has_leaf = 1
			if (f[i] == want[1]) {
				for (j = 1; j <= n && i + j - 1 <= m && f[i + j - 1] == want[j]; j++) ;
				if (j > n) has_chain = 1
			}
		}
		if (has_leaf) leafs += count
		if (has_leaf && has_chain) chains += count
	}
	END { printf "%d %.1f\n", leafs, leafs ? 100 * chains / leafs : 0 }' "$1"
}

[ "$target" = profile.folded ] || cat "$out"/w-*.folded >"$out/profile.folded"
read -r leafs pct < <(share_of "$out/profile.folded")
forks=$(awk '$0 ~ /^soak-child;/ || $0 ~ /^true;/ {n++} END {print n+0}' "$out/profile.folded")

{
	echo "soak: ${seconds}s at 999 Hz, $(nproc) CPUs, profile-bee exit status $status"
	echo "command: $pb -F 999 -d $seconds --flush-interval $window -o $out/$target ${targets[*]} $*"
	echo
	echo "RSS (kB) and fds every ${interval}s (t_s,rss_kb,hwm_kb,fds,threads):"
	awk -F, 'NR > 1 && (NR - 2) % 6 == 0' "$out/rss.csv"
	awk -F, 'NR > 1 { n++; r[n] = $2; f[n] = $4 }
	END {
		if (!n) exit
		q = int(n / 4); if (q < 1) q = 1
		for (i = 1; i <= n; i++) { if (r[i] > max) max = r[i]; if (f[i] > fmax) fmax = f[i] }
		for (i = n - q + 1; i <= n; i++) if (r[i] > lmax) lmax = r[i]
		for (i = q + 1; i <= 2 * q && i <= n; i++) if (r[i] > emax) emax = r[i]
		printf "peak RSS %d kB; max in the 2nd quarter %d kB, in the last quarter %d kB\n", max, emax, lmax
		h = int(n / 2) + 1
		printf "RSS over the last half: %d kB at %d s, %d kB at the end (%+d kB)\n", r[h], (h - 1) * 10, r[n], r[n] - r[h]
		printf "fds: first %d, last %d, max %d\n", f[1], f[n], fmax
	}' "$out/rss.csv"
	echo
	echo "lost stacks by cause (profile-bee's summary):"
	grep -h "lost" "$out/profile-bee.stderr" || echo "  none reported"
	echo
	echo "chain $chain in the whole-run profile: $pct% of $leafs samples holding soak_spin"
	echo "samples: $(awk '{ s += $NF } END { print s + 0 }' "$out/profile.folded") in all"
	echo "stacks of the short-lived processes (soak-child, true): $forks lines"
} | tee "$out/report.txt"
awk -v p="$pct" 'BEGIN { exit !(p >= 90) }' || { echo "soak: chain share below 90%" >&2; status=1; }
exit "$status"
