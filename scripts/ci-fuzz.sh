#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (build-fuzz/, ASan + UBSan) and fuzzes
# each for PB_FUZZ_SECONDS (default 60) from its seed corpus. A crash fails the run and prints the
# input (base64) so it can be saved as tests/fuzz/regressions/TARGET/NAME, a replayed test.
# Usage: scripts/ci-fuzz.sh [TARGET...]   (targets: folded merge elf procfs perfmap jitdump cfi http ini settings)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${PB_FUZZ_BUILD:-build-fuzz}
seconds=${PB_FUZZ_SECONDS:-60}

if [ ! -f "$build/build.ninja" ]; then
	# Coverage instrumentation for every library the targets link; shared objects leave the
	# sanitizer runtime to the executable, hence no --no-undefined (b_lundef).
	CC=clang CXX=clang++ meson setup "$build" -Dfuzz=true -Dtests=false -Dwerror=true \
		-Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args="-fsanitize=fuzzer-no-link -fno-sanitize-recover=all" \
		-Dcpp_args="-fsanitize=fuzzer-no-link -fno-sanitize-recover=all" >/dev/null
fi
echo "== fuzz build ($build, clang, -Werror)"
ninja -C "$build"

targets=("$@")
if [ "${#targets[@]}" = 0 ]; then
	for exe in "$build"/tests/fuzz/fuzz-*; do
		[ -f "$exe" ] && [ -x "$exe" ] && targets+=("${exe##*/fuzz-}")
	done
fi
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
status=0
for t in "${targets[@]}"; do
	work=$root/$build/fuzz-work/$t
	crashes=$root/$build/fuzz-crashes/$t
	mkdir -p "$work" "$crashes"
	dirs=("$work" "tests/fuzz/corpus/$t")
	[ -d "tests/fuzz/regressions/$t" ] && dirs+=("tests/fuzz/regressions/$t")
	echo "== fuzz-$t for ${seconds}s"
	# New inputs go to the first directory (a scratch copy), never into the seed corpus.
	if ! "$build/tests/fuzz/fuzz-$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$crashes/" "${dirs[@]}" \
		>"$crashes/../$t.log" 2>&1; then
		status=1
		tail -n 60 "$crashes/../$t.log"
		for c in "$crashes"/*; do
			[ -f "$c" ] || continue
			echo "ci-fuzz: fuzz-$t failed on $c; save it as a regression test with:"
			echo "  base64 -d > tests/fuzz/regressions/$t/$(basename "$c") <<'B64'"
			base64 "$c" | head -c 65536
			echo "B64"
		done
	else
		grep -E '^(Done|stat::number_of_executed_units|#[0-9]+.*DONE)' "$crashes/../$t.log" |
			tail -n 2
	fi
done
exit "$status"
