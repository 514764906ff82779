#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# cargo profile-bee (scripts/cargo.lua run by profile-bee -c) on the fixture crate: binary, test,
# bench, --dwarf, build errors, the program's status, opening the flame graph.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root

# CI's PATH may lack rustup's directory.
CARGO_BIN=$(command -v cargo || true)
for c in "$HOME/.cargo/bin/cargo" /root/.cargo/bin/cargo; do
	[ -n "$CARGO_BIN" ] || { [ -x "$c" ] && CARGO_BIN=$c; }
done
if [ -z "$CARGO_BIN" ]; then
	if [ "${PB_TEST_NO_SKIP:-0}" = 1 ]; then
		echo "1..1"
		echo "not ok 1 - needs cargo (PB_TEST_NO_SKIP=1 forbids skipping)"
		exit 1
	fi
	echo "1..0 # SKIP needs cargo"
	exit 0
fi

DRIVER_DIR=$PB_BUILD_ROOT/tools/cargo-profile-bee
SVG_CHAIN=$PB_SOURCE_ROOT/tests/e2e/cargo/svg_chain.py
# cargo finds the subcommand on PATH as cargo-profile-bee; cargo writes Cargo.lock next to
# Cargo.toml, so the crate is built from a copy.
export PATH="$DRIVER_DIR:$(dirname "$CARGO_BIN"):$PATH"
export CARGO_TARGET_DIR=$TMP/target CARGO_NET_OFFLINE=true PROFILE_BEE=$PB
unset DISPLAY WAYLAND_DISPLAY BROWSER RUSTFLAGS CARGO_ENCODED_RUSTFLAGS
cp -r "$PB_SOURCE_ROOT/tests/fixtures/cargo" "$TMP/crate"
cd "$TMP/crate" || exit 1

plan 32

# expect_svg_chain DESC SVG "a;b;c": the chain is in the flame graph, each frame on its caller.
expect_svg_chain() {
	local desc=$1 svg=$2 chain=$3 share leafs
	local -a names
	IFS=';' read -r -a names <<<"$chain"
	read -r share leafs < <(python3 "$SVG_CHAIN" "$svg" "${names[@]}")
	if [ "${leafs:-0}" -ge 10 ] && [ "${share:-0}" -ge 90 ]; then
		ok "$desc ($share% of $leafs samples)"
	else
		not_ok "$desc" "chain $chain in ${share:-?}% of ${leafs:-?} samples in $svg" \
			"frames: $(grep -o '<title>[^<]*pbcargo[^<]*</title>' "$svg" | head -8)"
	fi
}

# run NAME ARGS...: cargo profile-bee ARGS, stdout in $TMP/NAME.out, stderr in $TMP/NAME.err.
# The program's own stdout goes to stderr under a script (stdout is for profiles): look in both.
run() {
	local name=$1
	shift
	cargo profile-bee "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
	rc=$?
}

# exit_ok NAME DESC: the run NAME exited 0, else its stderr goes with the failure.
exit_ok() {
	if [ "$rc" = 0 ]; then ok "$2"; else not_ok "$2 (exit $rc)" "$(tail -15 "$TMP/$1.err")"; fi
}

B=pbcargo
BIN="$B::main;$B::pbcargo_bin_alpha;$B::pbcargo_bin_beta;$B::pbcargo_bin_gamma"
T=pbcargo_heavy
TEST="$T::pbcargo_test_alpha;$T::pbcargo_test_beta;$T::pbcargo_test_gamma"
H=pbcargo_bench
BENCH="$H::main;$H::pbcargo_bench_alpha;$H::pbcargo_bench_beta;$H::pbcargo_bench_gamma"

# The binary, with program arguments after the second "--".
run bin -F "$HZ" --svg "$TMP/bin.svg" -o "$TMP/bin.folded" -- --release -- 1.5 hello-arg
exit_ok bin "binary: exit 0"
said() { cat "$TMP/$1.out" "$TMP/$1.err" | grep -qF "$2"; }
check "binary: the arguments after the second -- reach the program" \
	said bin 'pbcargo: args ["1.5", "hello-arg"]'
check "binary: the build line says debug info and frame pointers" \
	grep -q 'debug info.*and frame pointers' "$TMP/bin.err"
expect_svg_chain "binary: the crate's functions in order in the SVG" "$TMP/bin.svg" "$BIN"
expect_chain "binary: the same chain in the folded output" "$TMP/bin.folded" "$BIN" 90

# An integration test, selected by the filter (the other test panics if it runs).
run test -F "$HZ" --svg "$TMP/test.svg" -o "$TMP/test.folded" -- test -- pbcargo_heavy_test
exit_ok test "test: exit 0 (the filter reached the harness)"
check "test: the selected test ran" said test 'test pbcargo_heavy_test ... ok'
expect_svg_chain "test: the test's functions in order in the SVG" "$TMP/test.svg" "$TEST"
expect_chain "test: the same chain in the folded output" "$TMP/test.folded" "$TEST" 90

# A harness = false bench, which gets --bench as under cargo bench.
run bench -F "$HZ" --svg "$TMP/bench.svg" -- bench
exit_ok bench "bench: exit 0"
check "bench: the bench got --bench" said bench 'args ["--bench"]'
expect_svg_chain "bench: the bench's functions in order in the SVG" "$TMP/bench.svg" "$BENCH"

# --dwarf on a release build with frame pointers explicitly off.
if "$PB" --list-plugins 2>/dev/null | grep -qw dwarf; then
	RUSTFLAGS="-C force-frame-pointers=no" run dwarf --dwarf -F "$HZ" --svg "$TMP/dwarf.svg" \
		-o "$TMP/dwarf.folded" -- --release -- 1.5
	exit_ok dwarf "--dwarf: exit 0"
	check "--dwarf: no frame pointers asked for" grep -q 'without forcing frame pointers' \
		"$TMP/dwarf.err"
	expect_svg_chain "--dwarf: the crate's functions in order in the SVG" "$TMP/dwarf.svg" \
		"$BIN"
	expect_chain "--dwarf: the same chain in the folded output" "$TMP/dwarf.folded" "$BIN" 90
else
	for i in 1 2 3 4; do ok "# SKIP the dwarf unwinder is not built"; done
fi

# A compile error: cargo's message and cargo's status, no profile.
run broken --svg "$TMP/broken.svg" -- --features broken
check "compile error: exit with cargo's status (101)" [ "$rc" = 101 ]
check "compile error: cargo's message is shown" grep -q 'broken on purpose' "$TMP/broken.err"
check "compile error: nothing profiled" [ ! -e "$TMP/broken.svg" ]

# The program's exit status is reported and passed on.
run fail -o "$TMP/fail.folded" -- --release -- 0.3 fail
check "failing program: its status (3) is the exit status" [ "$rc" = 3 ]
check "failing program: the status is reported" grep -q 'status 3' "$TMP/fail.err"

# Opening: a fake browser records what it was asked to open.
cat >"$TMP/browser" <<'SH'
#!/bin/sh
echo "$1" >"${0%/*}/opened"
SH
chmod +x "$TMP/browser"
wait_opened() {
	for _ in $(seq 50); do [ -s "$TMP/opened" ] && return 0; sleep 0.1; done
	return 1
}
DISPLAY=:99 BROWSER=$TMP/browser run open --svg "$TMP/open.svg" -- --release -- 0.3
check "with a display: the SVG opens in \$BROWSER" wait_opened
check "with a display: the browser got the SVG's full path" \
	grep -qx "$TMP/open.svg" "$TMP/opened"
rm -f "$TMP/opened"
DISPLAY=:99 BROWSER=$TMP/browser run noopen --no-open --svg "$TMP/noopen.svg" -- --release -- 0.3
sleep 0.5
check "--no-open: no browser, the path is printed" \
	sh -c "[ ! -e '$TMP/opened' ] && grep -q 'flame graph: $TMP/noopen.svg' '$TMP/noopen.err'"

# Run directly (not through cargo), without a display, with the default output name.
"$DRIVER_DIR/cargo-profile-bee" -- --release -- 0.3 >"$TMP/direct.out" 2>"$TMP/direct.err"
check "direct run: exit 0" [ $? = 0 ]
check "default output: flamegraph.svg, its path printed (no display)" \
	grep -q "flame graph: $TMP/crate/flamegraph.svg" "$TMP/direct.err"
check "default output: a flame graph with the crate's frames" \
	grep -q '<title>pbcargo::pbcargo_bin_gamma ' "$TMP/crate/flamegraph.svg"

# The script alone, as profile-bee -c runs it.
"$PB" -c "$PB_SOURCE_ROOT/scripts/cargo.lua" -- -F "$HZ" -o "$TMP/script.folded" -- --release -- 1 \
	>"$TMP/script.out" 2>"$TMP/script.err"
rc=$?
exit_ok script "profile-bee -c scripts/cargo.lua: exit 0"
expect_chain "profile-bee -c scripts/cargo.lua: the crate's chain" "$TMP/script.folded" "$BIN" 90

# Usage errors and help.
"$DRIVER_DIR/cargo-profile-bee" -- frobnicate >/dev/null 2>&1
check "an unknown cargo command is a usage error (2)" [ $? = 2 ]
cargo profile-bee --bogus >/dev/null 2>&1
check "an unknown option is a usage error (2)" [ $? = 2 ]
cargo profile-bee --help >"$TMP/help.out" 2>&1
check "--help: exit 0 and the usage" grep -q '^Usage: cargo profile-bee' "$TMP/help.out"
finish
