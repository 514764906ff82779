#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Encode cost and size per format on bench/svg's 100k-unique-stack folded input (~33 MB):
# median wall, CPU and peak memory of LC_ALL=C sort of the input (the target's yardstick: pprof
# encode <= 2x sort), profile-bee writing folded (read + sort alone), pprof, OTLP, and
# go tool pprof -proto re-encoding our pprof (when go is on PATH); then the sizes against the
# gzip'd folded text (target: pprof <= gzip'd folded).
# Usage: bench/formats/bench.sh [BUILD_DIR] [RUNS]     (needs /usr/bin/time, python3, gzip)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
runs=${2:-3}
pb=$build/core/cli/profile-bee
work=$(mktemp -d /tmp/pb-bench-formats.XXXXXX)
trap 'rm -rf "$work"' EXIT

python3 "$here/../svg/gen_folded.py" 100000 1 >"$work/in.folded"
echo "input: $(wc -l <"$work/in.folded") stacks, $(du -m "$work/in.folded" | cut -f1) MB; $runs runs each, medians"
cat "$work/in.folded" >/dev/null

. "$here/../common/measure.sh"
measure_width=44

printf '%-44s %10s %10s %11s\n' what wall cpu 'peak RSS'
measure 'LC_ALL=C sort' "LC_ALL=C sort '$work/in.folded'"
measure 'profile-bee -o .folded (read + sort)' "'$pb' --input '$work/in.folded' -o '$work/o.folded'"
measure 'profile-bee -o .pb.gz (pprof)' "'$pb' --input '$work/in.folded' -o '$work/o.pb.gz'"
measure 'profile-bee -o .otlp (OTLP protobuf)' "'$pb' --input '$work/in.folded' -o '$work/o.otlp'"
measure 'profile-bee --input .pb.gz -o .folded' "'$pb' --input '$work/o.pb.gz' -o '$work/back.folded'"
if command -v go >/dev/null; then
	export HOME=$work GOCACHE=$work/go-cache
	measure 'go tool pprof -proto (re-encode ours)' "go tool pprof -proto '$work/o.pb.gz' >'$work/go.pb.gz' 2>/dev/null"
fi
gzip -6 -c "$work/in.folded" >"$work/in.folded.gz"
gzip -6 -c "$work/o.otlp" >"$work/o.otlp.gz"
echo
size() { printf '%-44s %10d bytes\n' "$1" "$(stat -c %s "$2")"; }
size 'folded' "$work/in.folded"
size 'folded, gzip -6' "$work/in.folded.gz"
size 'pprof (.pb.gz, gzip level 6)' "$work/o.pb.gz"
size 'OTLP (protobuf)' "$work/o.otlp"
size 'OTLP, gzip -6 (as sent)' "$work/o.otlp.gz"
[ -f "$work/go.pb.gz" ] && size 'go tool pprof -proto of ours' "$work/go.pb.gz"
cmp -s "$work/back.folded" "$work/o.folded" && echo "pprof read back equals the folded output" ||
	echo "pprof read back DIFFERS from the folded output"
