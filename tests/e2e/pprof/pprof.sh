#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e: a real sampled run of chain-fp written as folded and pprof at once; go tool pprof shows
# the chain in order, the folded total, the pid/comm labels and the window; pprof-format agrees.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root
if ! command -v go >/dev/null; then
	[ "${PB_TEST_NO_SKIP:-0}" = 1 ] && { echo "1..1"; echo "not ok 1 - needs go (golang-go) (PB_TEST_NO_SKIP=1 forbids skipping)"; exit 1; }
	echo "1..0 # SKIP needs go (golang-go)"
	exit 0
fi
export GOCACHE=$TMP/go-cache HOME=${HOME:-$TMP}
gp() { go tool pprof -symbolize=none "$@" 2>"$TMP/go.err"; }
plan 6

"$PB" -F $HZ -o "$TMP/run.folded" -o "$TMP/run.pb.gz" -- "$PB_FIXTURES/c/chain-fp" 1.5
check "one run writes .folded and .pb.gz" test -s "$TMP/run.pb.gz"

# The heaviest trace whose leaf is pb_burn: its frames, leaf first.
gp -traces "$TMP/run.pb.gz" >"$TMP/traces"
chain=$(awk '/^-+\+/ { n = 0; f = ""; next }
	/^ +[0-9.]+[a-z]* +[^ ]/ && !/:/ { f = $2; next }
	f != "" && NF == 1 { f = f ";" $1 }
	f ~ /^pb_burn;pb_gamma;pb_beta;pb_alpha;main/ { hit = 1 }
	END { print hit + 0 }' "$TMP/traces")
[ "$chain" = 1 ] && ok "-traces: pb_burn;pb_gamma;pb_beta;pb_alpha;main, leaf first" ||
	not_ok "-traces chain" "$(head -40 "$TMP/traces")"

total=$(total_samples "$TMP/run.folded")
gp -top -sample_index=samples "$TMP/run.pb.gz" >"$TMP/top"
grep -q "of $total total" "$TMP/top" && ok "-top samples total = folded total ($total)" ||
	not_ok "-top total" "folded $total" "$(head -6 "$TMP/top")"

gp -tags "$TMP/run.pb.gz" >"$TMP/tags"
grep -q 'pid: Total' "$TMP/tags" && grep -Eq '\): chain-fp$' "$TMP/tags" &&
	ok "-tags: pid and comm labels of the fixture" || not_ok "-tags" "$(cat "$TMP/tags")"

gp -raw "$TMP/run.pb.gz" >"$TMP/raw"
grep -Eq '^Duration: 1\.[0-9]+' "$TMP/raw" && grep -q "^Comment: $HZ Hz" "$TMP/raw" &&
	grep -q '^Period: 1001001$' "$TMP/raw" &&
	ok "-raw: the run's duration, rate and period (1e9/$HZ ns)" || not_ok "-raw" "$(head -14 "$TMP/raw")"

# The second decoder, when its package is installed (it is tested without root in plugins).
reader=$PB_SOURCE_ROOT/tests/plugins/pprof/pprof_read.mjs
if [ -e "$PB_SOURCE_ROOT/tests/plugins/pprof/node_modules/pprof-format" ]; then
	LC_ALL=C sort "$TMP/run.folded" >"$TMP/want"
	node "$reader" folded "$TMP/run.pb.gz" | LC_ALL=C sort >"$TMP/got"
	cmp -s "$TMP/want" "$TMP/got" && ok "pprof-format reads the same stacks as the folded output" ||
		not_ok "pprof-format vs folded" "$(diff "$TMP/want" "$TMP/got" | head -10)"
elif [ "${PB_TEST_NO_SKIP:-0}" = 1 ]; then
	not_ok "pprof-format is not installed (npm ci in tests/plugins/pprof)"
else
	ok "# SKIP pprof-format is not installed (npm ci in tests/plugins/pprof)"
fi
finish
