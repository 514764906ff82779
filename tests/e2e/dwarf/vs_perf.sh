#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e: on the same -O2 -fomit-frame-pointer fixture, the median user stack depth of --dwarf is
# within one frame of perf record --call-graph dwarf + perf script.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root
plan 2
PERF=$(command -v perf || true)
if [ -z "$PERF" ]; then
	# perf is part of the test's contract: missing it is a failure, not a skip.
	not_ok "perf is not installed (apt-get install linux-perf)"
	not_ok "no depth comparison without perf"
	finish
fi

# median_depth: reads "depth count" lines, prints the weighted median depth.
median_depth() {
	sort -n | awk '{ d[NR] = $1; c[NR] = $2; t += $2 }
		END { h = t / 2; for (i = 1; i <= NR; i++) { s += c[i]; if (s >= h) { print d[i]; exit } } }'
}

for name in chain recursion; do
	bin=$PB_FIXTURES/c/$name-nofp
	"$PB" --dwarf -F 199 -U -- "$bin" 1.5 >"$TMP/$name.folded" 2>/dev/null
	# User frames only: everything after the comm that is neither a kernel frame nor a marker.
	ours=$(awk '{ n = $NF; line = $0; sub(/ [0-9]+$/, "", line); k = split(line, f, ";"); d = 0
		for (i = 2; i <= k; i++) if (f[i] !~ /_\[k\]$/ && f[i] != "[truncated]") d++
		print d, n }' "$TMP/$name.folded" | median_depth)
	"$PERF" record -q -F 199 --call-graph dwarf -o "$TMP/$name.data" -- "$bin" 1.5 \
		>/dev/null 2>&1
	# perf script prints a sample header, its frames one a line, then a blank line.
	theirs=$("$PERF" script -i "$TMP/$name.data" -F comm,ip,dso 2>/dev/null |
		awk -v comm="$name-nofp" '
		/^[^ \t]/ { if (in_s) print d, 1; in_s = ($1 == comm); d = 0; next }
		/^$/ { if (in_s) print d, 1; in_s = 0; next }
		in_s && $0 !~ /kernel\.kallsyms/ { d++ }
		END { if (in_s) print d, 1 }' | median_depth)
	diff=$((ours > theirs ? ours - theirs : theirs - ours))
	if [ -n "$ours" ] && [ -n "$theirs" ] && [ "$diff" -le 1 ]; then
		ok "$name: median user depth $ours, perf --call-graph dwarf $theirs"
	else
		not_ok "$name: median user depth ${ours:-?}, perf --call-graph dwarf ${theirs:-?}"
	fi
done
finish
