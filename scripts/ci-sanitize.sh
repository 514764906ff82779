#!/usr/bin/env bash
# Builds build-asan/ with AddressSanitizer + UndefinedBehaviorSanitizer and -Werror, runs the test
# suites under them and fails on any report, also one from a process whose status no test checks.
# Usage (root, after scripts/setup.sh): scripts/ci-sanitize.sh [meson test args, e.g. --suite unit]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${PB_SANITIZE_BUILD:-build-asan}

# -fno-sanitize-recover: the first report ends the process, so the test that ran it fails; it
# also spares GCC 12 the null paths of recoverable checks, which -Wnonnull would call errors.
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" -Db_sanitize=address,undefined -Dwerror=true \
		-Dc_args=-fno-sanitize-recover=all -Dcpp_args=-fno-sanitize-recover=all >/dev/null
fi
echo "== sanitizer build ($build, -Werror)"
ninja -C "$build"

# Plugins are dlclose()d before LeakSanitizer looks: their globals would stop being roots (false
# leaks) and their frames would print as "<unknown module>". The preload keeps them loaded.
gcc -O2 -shared -fPIC -o "$build/keep-dlopened.so" tests/sanitize/keep_dlopened.c

logs=$root/$build/sanitizer-logs
rm -rf "$logs"
mkdir -p "$logs"
# Reports go to files as well as failing the process: a report from a child whose exit status a
# test ignores still fails the run. verify_asan_link_order=0 allows the preload before libasan.
# intercept_tls_get_addr=0: GCC 12's LeakSanitizer tracer can crash at exit ("Tracer caught
# signal 11", google/sanitizers#1322) depending on heap layout; it then reports nothing at all.
export ASAN_OPTIONS="log_path=$logs/asan:detect_leaks=1:fast_unwind_on_malloc=0:verify_asan_link_order=0:detect_stack_use_after_return=0:intercept_tls_get_addr=0"
export LSAN_OPTIONS="suppressions=$root/tests/sanitize/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LD_PRELOAD="$root/$build/keep-dlopened.so"

# The e2e suite is left out by default: with instrumented fixtures and a slower profiler its
# chain-share and timing expectations do not hold (PB_SANITIZE_E2E=1 adds it). The fault tests
# run the same BPF paths under the sanitizers.
suites=("$@")
if [ "${#suites[@]}" = 0 ]; then
	suites=(--suite unit --suite plugins --suite lua --suite fuzz --suite faults)
	[ "${PB_SANITIZE_E2E:-0}" = 1 ] && suites+=(--suite e2e)
fi
export PB_TEST_SANITIZED=1 # tests with time budgets allow for the sanitizers' slowdown

echo "== tests under ASan + UBSan: ${suites[*]}"
status=0
meson test -C "$build" --print-errorlogs --num-processes 2 --timeout-multiplier 3 "${suites[@]}" ||
	status=$?
unset LD_PRELOAD

# UBSan writes to stderr whatever log_path says (GCC's runtime): look for it in the test log,
# as "file.c:LINE:COL: runtime error:" so a test merely naming runtime errors does not match.
if grep -n -E '\.(c|h|cc|cpp):[0-9]+:[0-9]+: runtime error:|ERROR: (Address|Leak)Sanitizer' \
	"$build/meson-logs/testlog.txt"; then
	echo "ci-sanitize: sanitizer reports in $build/meson-logs/testlog.txt" >&2
	status=1
fi
shopt -s nullglob
reports=("$logs"/*)
if [ "${#reports[@]}" -gt 0 ]; then
	for r in "${reports[@]}"; do
		echo "---- $r"
		cat "$r"
	done
	echo "ci-sanitize: ${#reports[@]} sanitizer report(s), above" >&2
	status=1
fi
[ "$status" = 0 ] && echo "== sanitizers: no reports"
exit "$status"
