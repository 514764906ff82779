#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The pprof reader (--input x.pb.gz, --diff, pb.load), no root: a CPU profile written by Go's
# runtime/pprof (a program built here), ours read back byte for byte, go tool pprof's own
# re-encoding of ours, and hostile files: truncated, corrupt, a gzip bomb, a sample whose
# location is not in the profile, garbage. Each a clear message and exit 1, nothing hangs.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
if ! command -v go >/dev/null; then
	[ "${PB_TEST_NO_SKIP:-0}" = 1 ] && { echo "1..1"; echo "not ok 1 - needs go (golang-go) (PB_TEST_NO_SKIP=1 forbids skipping)"; exit 1; }
	echo "1..0 # SKIP needs go (golang-go)"
	exit 0
fi
export GOCACHE=$TMP/go-cache HOME=$TMP GOFLAGS= GO111MODULE=off
plan 9

# A real Go CPU profile: the runtime's own encoder, nobody's here.
go build -o "$TMP/cpuburn" "$PB_SOURCE_ROOT/tests/e2e/pprof/go/cpuburn.go" 2>"$TMP/go.err" &&
	"$TMP/cpuburn" "$TMP/go.pb.gz" 2>>"$TMP/go.err"
"$PB" --input "$TMP/go.pb.gz" -o "$TMP/go.folded" -o "$TMP/go.svg" 2>"$TMP/err"
st=$?
CHAIN="main.main;main.pbgoAlpha;main.pbgoBeta;main.pbgoBurn"
n=$(samples_matching "$TMP/go.folded" "^cpuburn;runtime.main;$CHAIN(;|\$)")
all=$(total_samples "$TMP/go.folded")
[ $st = 0 ] && [ "$all" -ge 20 ] && [ $((n * 100)) -ge $((all * 80)) ] &&
	ok "Go's runtime/pprof profile: cpuburn;runtime.main;$CHAIN holds $n of $all samples" ||
	not_ok "Go profile read" "status $st, $n of $all" "$(cat "$TMP/go.err" "$TMP/err")" "$(head "$TMP/go.folded")"
gotop=$(go tool pprof -raw "$TMP/go.pb.gz" 2>/dev/null | awk '/^Samples:/ { s = 1; next } /^Locations/ { s = 0 }
	s && $1 ~ /^[0-9]+:?$/ { sub(":", "", $1); t += $1 } END { print t + 0 }')
[ "$gotop" = "$all" ] && ok "the total equals go tool pprof -raw's sample count ($all)" ||
	not_ok "totals against go tool pprof" "go $gotop, ours $all"
grep -q 'main.pbgoBurn' "$TMP/go.svg" && ok "the svg of a Go profile names its functions" ||
	not_ok "svg from pprof" "$(head -c 300 "$TMP/go.svg")"

# Ours back: folded -> pprof -> --input gives the same folded text.
printf 'app;main;work_[k] 5\napp;main 2\nbash;main;a;b;c 9\n' >"$TMP/in.folded"
"$PB" --input "$TMP/in.folded" --label service=api -o "$TMP/ours.pb.gz" &&
	"$PB" --input "$TMP/ours.pb.gz" -o "$TMP/back.folded" 2>"$TMP/err"
cmp -s "$TMP/back.folded" <(sort "$TMP/in.folded") &&
	ok "our pprof read back gives the same folded text" ||
	not_ok "round trip" "$(cat "$TMP/back.folded" "$TMP/err")"
"$PB" --input "$TMP/ours.pb.gz" --group-by label:service 2>&1 | grep -q '^\[service=api\];bash;main;a;b;c 9$' &&
	ok "labels survive the round trip (--group-by label:service)" || not_ok "labels back"

# go tool pprof's re-encoding of ours (-proto): another writer of the same format.
go tool pprof -proto "$TMP/ours.pb.gz" >"$TMP/re.pb.gz" 2>/dev/null
"$PB" --input "$TMP/re.pb.gz" -o "$TMP/re.folded" 2>"$TMP/err"
cmp -s "$TMP/re.folded" <(sort "$TMP/in.folded") &&
	ok "go tool pprof -proto's re-encoding reads back the same" ||
	not_ok "go tool pprof -proto" "$(cat "$TMP/re.folded" "$TMP/err")"

"$PB" --input "$TMP/go.pb.gz" --diff "$TMP/go.pb.gz" -o "$TMP/diff.svg" 2>"$TMP/err" &&
	grep -q 'main.pbgoBurn' "$TMP/diff.svg" && ok "--diff works on pprof files" ||
	not_ok "--diff pprof" "$(cat "$TMP/err")"

# Hostile files: one message naming the file, exit 1, fast.
bad() { # NAME FILE PATTERN
	local t0=$SECONDS
	"$PB" --input "$2" -o "$TMP/x.folded" 2>"$TMP/bad.err"
	local st=$?
	[ $st = 1 ] && grep -q "$3" "$TMP/bad.err" && [ $((SECONDS - t0)) -le 20 ] && return 0
	diag "$1: status $st after $((SECONDS - t0)) s: $(cat "$TMP/bad.err")"
	return 1
}
head -c 200 "$TMP/go.pb.gz" >"$TMP/trunc.pb.gz"
printf '\037\213garbage-after-magic' >"$TMP/corrupt.pb.gz"
head -c 300000000 /dev/zero | gzip -1 >"$TMP/bomb.pb.gz"
printf 'not a profile at all\n' >"$TMP/text.pprof"
# string_table [""], one sample: location 7 (there is none), value 1.
printf '\x32\x00\x12\x04\x08\x07\x10\x01' | gzip >"$TMP/dangling.pb.gz"
bad truncated "$TMP/trunc.pb.gz" "trunc.pb.gz: pprof: the gzip stream ends early" &&
	bad corrupt "$TMP/corrupt.pb.gz" "corrupt gzip data" &&
	bad bomb "$TMP/bomb.pb.gz" "larger than 256 MiB after gunzip" &&
	bad text "$TMP/text.pprof" "not a pprof profile" &&
	ok "truncated, corrupt, gzip bomb, not protobuf: exit 1 with what is wrong" ||
	not_ok "hostile pprof files"
bad dangling "$TMP/dangling.pb.gz" "no stacks in the input" &&
	grep -q "1 references to nothing" "$TMP/bad.err" &&
	ok "a sample whose location is missing is dropped and counted" ||
	not_ok "dangling location" "$(cat "$TMP/bad.err")"
finish
