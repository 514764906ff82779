#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# go tool pprof (Debian's golang-go, a reader not written here) reads our .pb.gz: traces in
# order leaf first, totals equal to the folded output's, labels in -tags, odd names, clamped
# counts and a stack at the depth limit. Usage: test_go.sh PPROF-GEN (PB in the environment).
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
GEN=$1
export GOCACHE=$TMP/go-cache GOFLAGS=-mod=mod HOME=${HOME:-$TMP}
gp() { go tool pprof -symbolize=none "$@" 2>"$TMP/go.err"; }
plan 14

# The block of -traces that holds LEAF: the frame lines after the count, in order.
trace_of() {
	awk -v leaf="$2" '/^-+\+/ { if (hit) exit; blk = ""; next }
		/^ +[0-9.]+[a-z]* +[^ ]/ && !/:/ { blk = $2; hit = $2 == leaf; next }
		hit && NF == 1 { blk = blk ";" $1 }
		END { if (hit) print blk }' "$1"
}

cat >"$TMP/in.folded" <<'IN'
app;main;pb_alpha;pb_beta;pb_gamma;pb_burn 70
app;main;pb_alpha;pb_other 20
app;main;write;entry_SYSCALL_64_[k];ksys_write_[k] 10
other;start;work 5
IN
check "--input x.folded -o x.pb.gz -o x.folded, without root" \
	"$PB" --input "$TMP/in.folded" -o "$TMP/in.pb.gz" -o "$TMP/in.out.folded" \
	--set output.pprof.frequency=100
gp -traces "$TMP/in.pb.gz" >"$TMP/traces"
t=$(trace_of "$TMP/traces" pb_burn)
[ "$t" = "pb_burn;pb_gamma;pb_beta;pb_alpha;main" ] && ok "-traces: the chain leaf first, in order" ||
	not_ok "-traces chain" "got '$t'" "$(head -30 "$TMP/traces")" "$(cat "$TMP/go.err")"
t=$(trace_of "$TMP/traces" 'ksys_write_[k]')
[ "$t" = "ksys_write_[k];entry_SYSCALL_64_[k];write;main" ] &&
	ok "-traces: kernel frames keep _[k], above the user frames" || not_ok "kernel trace" "got '$t'"

folded_total=$(total_samples "$TMP/in.out.folded")
gp -top -sample_index=samples "$TMP/in.pb.gz" >"$TMP/top"
grep -q "of $folded_total total" "$TMP/top" && ok "-top samples total = folded total ($folded_total)" ||
	not_ok "-top total" "$(head -6 "$TMP/top")"
grep -Eq '^ +70 +66\.67% .* pb_burn$' "$TMP/top" && ok "-top: pb_burn flat 70" ||
	not_ok "-top pb_burn" "$(cat "$TMP/top")"
gp -top -sample_index=cpu -unit=ms "$TMP/in.pb.gz" >"$TMP/top.cpu"
grep -q "of 1050ms total" "$TMP/top.cpu" && ok "-top cpu total = 105 samples x 10 ms at 100 Hz" ||
	not_ok "-top cpu total" "$(head -6 "$TMP/top.cpu")"
gp -tags "$TMP/in.pb.gz" >"$TMP/tags"
grep -q 'comm: Total' "$TMP/tags" && grep -Eq '\): app$' "$TMP/tags" &&
	grep -Eq '\): other$' "$TMP/tags" && ok "-tags: comm labels" || not_ok "-tags comm" "$(cat "$TMP/tags")"

# The other claim, and no rate: counts only, said in a comment.
check "-o x.pprof" "$PB" --input "$TMP/in.folded" -o "$TMP/in.pprof"
gp -raw "$TMP/in.pprof" >"$TMP/raw"
grep -q '^samples/count\[dflt\] *$' "$TMP/raw" && grep -q 'rate unknown' "$TMP/raw" &&
	ok "-o x.pprof without a rate: samples/count only, said in a comment" ||
	not_ok "x.pprof raw" "$(head -12 "$TMP/raw")"

# Names folded text cannot carry, pids, meta.
"$GEN" odd "$TMP/odd.pb.gz" "$TMP/odd.json"
gp -traces "$TMP/odd.pb.gz" >"$TMP/odd.traces"
grep -q 'operator;weird' "$TMP/odd.traces" && grep -q 'naïve_ünïcode_🐝' "$TMP/odd.traces" &&
	grep -q 'std::vector<int> push_back(int const&)' "$TMP/odd.traces" &&
	ok "odd names (';', UTF-8, spaces) come back whole" || not_ok "odd names" "$(cat "$TMP/odd.traces")"
gp -tags "$TMP/odd.pb.gz" >"$TMP/odd.tags"
grep -q 'pid: Total' "$TMP/odd.tags" && grep -Eq '\): 4242$' "$TMP/odd.tags" &&
	grep -Eq '\): 77$' "$TMP/odd.tags" && grep -Eq '\): my app$' "$TMP/odd.tags" &&
	ok "-tags: numeric pid and string comm labels" || not_ok "-tags pid" "$(cat "$TMP/odd.tags")"
gp -raw "$TMP/odd.pb.gz" >"$TMP/odd.raw"
grep -q '^Duration: 2.5s' "$TMP/odd.raw" && grep -q 'pid:\[4242\]' "$TMP/odd.raw" &&
	grep -q 'Comment: host test-host' "$TMP/odd.raw" &&
	ok "-raw: duration, numeric pid label, host comment" || not_ok "odd raw" "$(head -20 "$TMP/odd.raw")"

"$GEN" huge "$TMP/huge.pb.gz" "$TMP/huge.json"
gp -raw "$TMP/huge.pb.gz" >"$TMP/huge.raw"
grep -Eq '^ +9223372036854775807 +9223372036854775807: ' "$TMP/huge.raw" &&
	grep -Eq '^ +40 +400000000: ' "$TMP/huge.raw" &&
	ok "a count past 2^63-1 is written as 2^63-1, the others exact" || not_ok "huge" "$(head -20 "$TMP/huge.raw")"

"$GEN" deep "$TMP/deep.pb.gz" "$TMP/deep.json"
gp -traces "$TMP/deep.pb.gz" >"$TMP/deep.traces"
t=$(trace_of "$TMP/deep.traces" f4094)
[ "$(awk -F";" "{ print NF }" <<<"$t")" = 4095 ] && [ "${t%%;*}" = f4094 ] && [ "${t##*;}" = f0 ] &&
	ok "a 4095-frame stack reads back whole, leaf first" || not_ok "deep" "${t:0:200}"
finish
