#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Renders a generated 100k-unique-stack folded file (~33 MB, depths 5-40) and prints, side by
# side, the median wall time and peak memory of: LC_ALL=C sort of the file, profile-bee writing
# it back as folded (the core's read + sort alone), and profile-bee writing .svg / .html / .json.
# flamegraph.pl and inferno-flamegraph are measured too when they are on PATH.
# Usage: bench/svg/bench.sh [BUILD_DIR] [RUNS]     (needs /usr/bin/time and python3)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build-svg}
runs=${2:-5}
pb=$build/core/cli/profile-bee
work=$(mktemp -d /tmp/pb-bench-svg.XXXXXX)
trap 'rm -rf "$work"' EXIT

python3 "$here/gen_folded.py" 100000 1 > "$work/in.folded"
echo "input: $(wc -l < "$work/in.folded") stacks, $(du -m "$work/in.folded" | cut -f1) MB; $runs runs each, medians"
cat "$work/in.folded" > /dev/null # in the page cache for everyone

. "$here/../common/measure.sh"

# Wall time includes the fsync of the atomic file commit; CPU is user + system.
printf '%-40s %10s %10s %11s\n' tool wall cpu 'peak RSS'
measure 'LC_ALL=C sort' "LC_ALL=C sort '$work/in.folded'"
measure 'profile-bee -o .folded (core)' "'$pb' --input '$work/in.folded' -o '$work/o.folded'"
measure 'profile-bee -o .svg' "'$pb' --input '$work/in.folded' -o '$work/o.svg'"
measure 'profile-bee -o .html' "'$pb' --input '$work/in.folded' -o '$work/o.html'"
measure 'profile-bee -o .json' "'$pb' --input '$work/in.folded' -o '$work/o.json'"
measure 'profile-bee -o .svg -o .folded -o .json' \
	"'$pb' --input '$work/in.folded' -o '$work/m.svg' -o '$work/m.folded' -o '$work/m.json'"
if command -v flamegraph.pl > /dev/null; then
	measure 'flamegraph.pl' "flamegraph.pl '$work/in.folded'"
fi
if command -v inferno-flamegraph > /dev/null; then
	measure 'inferno-flamegraph' "inferno-flamegraph '$work/in.folded'"
fi
echo "svg: $(du -k "$work/o.svg" | cut -f1) KB, $(grep -c '<g ' "$work/o.svg") frames drawn"
