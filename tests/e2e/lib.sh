# SPDX-License-Identifier: MIT
# Shared helpers of the end-to-end tests: TAP output, root checks and folded-profile assertions.
# Source it: . "$PB_SOURCE_ROOT/tests/e2e/lib.sh"

: "${PB:?PB must name the profile-bee binary}"
: "${PB_FIXTURES:=$PB_BUILD_ROOT/tests/fixtures}"
tap_n=0
tap_failed=0
# The rate of the tests that count a chain's samples. Samples follow the CPU time a fixture gets,
# which a loaded machine decides (3% of a CPU for a second was seen): at 999 Hz even 1% of a CPU
# for 1 s gives the 10 samples expect_chain wants.
HZ=999
TMP=$(mktemp -d /tmp/pb-e2e.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# Skips the whole test (a TAP skip plan) without root/BPF, or fails under PB_TEST_NO_SKIP=1 (CI).
need_root() {
	local why=""
	[ "$(id -u)" = 0 ] || why="needs root"
	[ -e /sys/kernel/btf/vmlinux ] || why="needs a kernel with BTF"
	[ -z "$why" ] && return 0
	if [ "${PB_TEST_NO_SKIP:-0}" = 1 ]; then
		echo "1..1"
		echo "not ok 1 - $why (PB_TEST_NO_SKIP=1 forbids skipping)"
		exit 1
	fi
	echo "1..0 # SKIP $why"
	exit 0 # meson's TAP reader takes the plan's SKIP; exit 77 would read as an error
}

plan() { echo "1..$1"; }
# diag TEXT...: every line of every argument as a TAP comment (a bare line would be read as
# unknown TAP output, and the reason of a failure lost).
diag() { [ $# = 0 ] || printf '%s\n' "$@" | sed 's/^/# /'; }
# A description's first line is the test line; any further lines are comments.
tap_line() { printf '%s\n' "$1" | sed '2,$s/^/# /'; }
ok() { tap_n=$((tap_n + 1)); tap_line "ok $tap_n - $1"; }
not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	tap_line "not ok $tap_n - $1"
	shift
	diag "$@"
}
# check DESC COMMAND...: ok when COMMAND succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc" "command failed: $*"; fi
}
finish() { exit $((tap_failed > 0)); }
# wait_sampling PID: waits (up to 30 s) until PID, or a child of it, has perf events open, that
# is, until the run samples. A fixed sleep was not enough on a loaded machine: start-up (BPF
# load) could outlast it, and a signal sent before the session ran killed the process (130).
wait_sampling() {
	local p
	for _ in $(seq 300); do
		for p in "$1" $(pgrep -P "$1"); do
			ls -l "/proc/$p/fd" 2>/dev/null | grep -q 'perf_event' && return 0
		done
		sleep 0.1
	done
	return 1
}

# signal_wait SIG PID: sends SIG to PID, a child of this shell, and waits for it; sets st to its
# status and took to the seconds it took to end after the signal.
signal_wait() {
	local start
	kill -"$1" "$2"
	start=$(date +%s)
	wait "$2"
	st=$?
	took=$(($(date +%s) - start))
}

# install_tree: the build installed under DEST=$TMP/inst (meson install --destdir), as an
# application outside this tree finds it: pc is its profile-bee.pc, pkg-config reads that tree.
# A failed install fails the test and ends it.
install_tree() {
	DEST=$TMP/inst
	if ! meson install -C "$PB_BUILD_ROOT" --destdir "$DEST" --no-rebuild --quiet \
		>"$TMP/install.log" 2>&1; then
		not_ok "meson install --destdir" "$(tail -5 "$TMP/install.log")"
		finish
	fi
	pc=$(find "$DEST" -name profile-bee.pc | head -1)
	export PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$DEST
}

# Total samples in a folded file whose frames match the extended regex (on the whole line).
samples_matching() {
	awk -v re="$2" '{ n = $NF; line = $0; sub(/ [0-9]+$/, "", line); if (line ~ re) s += n }
		END { print s + 0 }' "$1"
}
total_samples() { awk '{ s += $NF } END { print s + 0 }' "$1"; }

# chain_share FILE "a;b;c": of the samples whose stack holds c (the chain's last frame), the
# percentage (integer) whose stack holds a;b;c as consecutive frames, in that order.
chain_share() {
	awk -v chain="$2" '
	BEGIN { n = split(chain, want, ";"); leaf = want[n] }
	{
		count = $NF; line = $0; sub(/ [0-9]+$/, "", line)
		m = split(line, f, ";"); has_leaf = 0; has_chain = 0
		for (i = 1; i <= m; i++) {
			if (f[i] == leaf) has_leaf = 1
			if (i + n - 1 <= m) {
				j = 1
				while (j <= n && f[i + j - 1] == want[j]) j++
				if (j > n) has_chain = 1
			}
		}
		if (has_leaf) leafs += count
		if (has_leaf && has_chain) chains += count
	}
	END { if (leafs == 0) print 0; else print int(100 * chains / leafs) }' "$1"
}

# expect_chain DESC FILE CHAIN MIN_PERCENT [MIN_SAMPLES]: the chain holds in enough samples.
expect_chain() {
	local desc=$1 file=$2 chain=$3 min=$4 min_samples=${5:-10}
	local leaf=${chain##*;} share leafs
	share=$(chain_share "$file" "$chain")
	leafs=$(samples_matching "$file" "(^|;)${leaf}(;|$)")
	if [ "$leafs" -ge "$min_samples" ] && [ "$share" -ge "$min" ]; then
		ok "$desc ($share% of $leafs samples)"
	else
		not_ok "$desc" "chain $chain in $share% of $leafs samples holding $leaf (want >= $min% of >= $min_samples)" \
			"top stacks:" "$(sort -t' ' -k2 -nr "$file" | head -5)"
	fi
}

# expect_fail DESC STATUS PATTERN ARGS...: exits STATUS with one stderr line matching PATTERN.
expect_fail() {
	local desc=$1 want=$2 pattern=$3
	shift 3
	"$PB" "$@" >"$TMP/out" 2>"$TMP/err"
	local got=$? lines
	lines=$(wc -l <"$TMP/err")
	if [ "$got" = "$want" ] && grep -Eq -- "$pattern" "$TMP/err" && [ "$lines" -le 2 ]; then
		ok "$desc: exit $got, $(head -1 "$TMP/err")"
	else
		not_ok "$desc" "exit $got (want $want)" "stderr: $(cat "$TMP/err")"
	fi
}

# The deepest (most frames) stack's depth among samples matching a regex: for depth checks.
max_depth_matching() {
	awk -v re="$2" '{ line = $0; sub(/ [0-9]+$/, "", line); if (line ~ re) { d = split(line, f, ";"); if (d > m) m = d } } END { print m + 0 }' "$1"
}

# jit_between FILE: the samples whose stack starts COMM;_start;, holds a node:: frame and after
# it a JS frame (JS:... with a perf map, [unknown] without), then all samples: JS walked through
# from node's C++ down, and up to _start.
jit_between() {
	awk '{ line = $0; sub(/ [0-9]+$/, "", line); all += $NF
		n = split(line, f, ";"); seen_node = 0; ok = 0
		if (f[2] == "_start")
			for (i = 3; i <= n; i++) {
				if (f[i] ~ /^node::/) seen_node = 1
				else if (seen_node && f[i] ~ /^(JS:|\[unknown\]$)/) ok = 1
			}
		if (ok) good += $NF }
		END { print good + 0, all + 0 }' "$1"
}

# need_cgroup2: sets V2 to the cgroup v2 hierarchy's mount, or skips the whole test without one
# (fails under PB_TEST_NO_SKIP=1).
need_cgroup2() {
	V2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
	[ -n "$V2" ] && return 0
	if [ "${PB_TEST_NO_SKIP:-0}" = 1 ]; then
		echo "1..1"; echo "not ok 1 - needs a cgroup v2 hierarchy"; exit 1
	fi
	echo "1..0 # SKIP needs a cgroup v2 hierarchy"; exit 0
}

# otlp_decode FILE OUT: an OTLP request file as protoc's text, with the published profiles
# schema (../shared/otlp-proto, else the vendored copy); fails when protoc is missing.
otlp_decode() {
	local proto=$PB_SOURCE_ROOT/../shared/otlp-proto
	[ -d "$proto/opentelemetry" ] || proto=$PB_SOURCE_ROOT/plugins/outputs/otlp/proto
	command -v protoc >/dev/null || return 1
	protoc -I "$proto" \
		--decode=opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceRequest \
		opentelemetry/proto/collector/profiles/v1development/profiles_service.proto \
		<"$1" >"$2" 2>&1
}

# pprof_tags_have DESC FILE WORD...: go tool pprof -tags of FILE shows every WORD.
pprof_tags_have() {
	local desc=$1 file=$2 tags w
	shift 2
	if ! command -v go >/dev/null; then
		not_ok "$desc" "go (Debian golang-go) is not installed"
		return
	fi
	tags=$(HOME=$TMP go tool pprof -tags "$file" 2>&1)
	for w in "$@"; do
		echo "$tags" | grep -q -- "$w" || { not_ok "$desc" "no '$w' in:" "$tags"; return; }
	done
	ok "$desc"
}

# cgroup_cleanup DIR...: kills the processes in $pids, then removes the cgroup trees DIR,
# deepest first (a cgroup goes only once it has no children), and $TMP. For an EXIT trap.
cgroup_cleanup() {
	local top
	kill "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
	for top in "$@"; do
		[ -d "$top" ] && find "$top" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	rm -rf "$TMP"
}
