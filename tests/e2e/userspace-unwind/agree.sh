#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e: on frame-pointer fixtures fp, libdw and libunwind find the same chain: the most common
# user stack from the fixture's first own frame to the leaf is the same string for all three.
# Only samples whose leaf is the chain's last frame count: in the *_step leaves and in PLT stubs
# fp cannot see the caller (GCC gives a function that needs no frame no frame pointer), a known
# limit of fp and not a disagreement.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root
C=$PB_FIXTURES/c
plan 16

# top_from FILE FROM LEAF: of the samples whose last user frame is LEAF, the most common user
# frame sequence from FROM to LEAF (kernel frames and frames before FROM dropped).
top_from() {
	awk -v from="$2" -v leaf="$3" '{
		count = $NF; line = $0; sub(/ [0-9]+$/, "", line)
		m = split(line, f, ";"); s = ""; on = 0; last = ""
		for (i = 2; i <= m; i++) {
			if (f[i] ~ /_\[k\]$/) continue
			if (f[i] == from) on = 1
			if (on) s = s (s == "" ? "" : ";") f[i]
			last = f[i]
		}
		if (on && last == leaf) n[s] += count
	}
	END { for (s in n) if (n[s] > best) { best = n[s]; top = s } print top }' "$1"
}

# agree NAME FROM CHAIN COMMAND...: each unwinder holds CHAIN in >= 90%; their top stacks match.
agree() {
	local name=$1 from=$2 chain=$3 u ref="" leaf=${3##*;}
	shift 3
	for u in fp libdw libunwind; do
		"$PB" --unwinder "$u" -F $HZ -- "$@" >"$TMP/$name.$u" 2>/dev/null
		expect_chain "$name: $u" "$TMP/$name.$u" "$chain" 90
	done
	ref=$(top_from "$TMP/$name.fp" "$from" "$leaf")
	if [ -n "$ref" ] && [ "$(top_from "$TMP/$name.libdw" "$from" "$leaf")" = "$ref" ] &&
		[ "$(top_from "$TMP/$name.libunwind" "$from" "$leaf")" = "$ref" ]; then
		ok "$name: fp, libdw and libunwind agree on $ref"
	else
		not_ok "$name: the unwinders disagree" "fp:        $ref" \
			"libdw:     $(top_from "$TMP/$name.libdw" "$from" "$leaf")" \
			"libunwind: $(top_from "$TMP/$name.libunwind" "$from" "$leaf")"
	fi
}

agree chain main "main;pb_alpha;pb_beta;pb_gamma;pb_burn" "$C/chain-fp" 1
agree dlopen main "main;pb_dl_caller;pb_dl_entry;pb_dl_inner;pb_dl_work" \
	"$C/dl_main-fp" 1 "$C/libpbdl-fp.so"
agree threads pb_thread_main "pb_thread_main;pb_thr_alpha;pb_thr_beta" \
	"$C/threads-fp" 1
rec="main$(printf ';pb_recurse%.0s' $(seq 61));pb_rec_bottom"
agree recursion main "$rec" "$C/recursion-fp" 1
finish
