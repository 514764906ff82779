#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e: dwarf through JIT code. V8's code has no CFI (anonymous memory, and the builtins embedded
# in node's .text): the walk steps by frame pointers there and takes CFI up again in node, so
# stacks reach _start with the JS frames between node:: frames and the leaf.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root
plan 4

command -v node >/dev/null || { not_ok "node missing (Debian: nodejs)"; finish; }

# jit_share FILE: of all samples, the percentage (integer) with JS frames between node:: frames
# and _start (jit_between in lib.sh), and all samples.
jit_share() {
	local good all
	read -r good all <<<"$(jit_between "$1")"
	echo $((all ? 100 * good / all : 0)) "$all"
}

# run NAME NODE_FLAGS...: 8 s in 2 s windows; node's table takes a few seconds to build (its
# binary is 90 MiB), so the last window is the one that tells.
run() {
	local name=$1
	shift
	node "$@" "$PB_SOURCE_ROOT/tests/e2e/core/busy.js" 14 "$TMP/$name" &
	local np=$!
	for _ in $(seq 50); do [ -e "$TMP/$name.ready" ] && break; sleep 0.1; done
	"$PB" --dwarf -p $np -F $HZ -d 8 --flush-interval 2 -o "$TMP/$name-{window}.folded" \
		2>"$TMP/$name.err"
	kill $np 2>/dev/null
	wait $np 2>/dev/null
	ls "$TMP/$name"-*.folded | sort -V | tail -1
}

last=$(run map --perf-basic-prof --no-turbo-inlining --interpreted-frames-native-stack)
read -r share n <<<"$(jit_share "$last")"
[ "$n" -ge 100 ] && [ "$share" -ge 90 ] &&
	ok "--perf-basic-prof: _start;...;node::...;JS:... in $share% of $n samples" ||
	not_ok "--perf-basic-prof: JS frames between node:: and _start" "$share% of $n samples" \
		"$(sort -t' ' -k2 -nr "$last" | head -3 | cut -c1-400)" "$(cat "$TMP/map.err")"
check "the fallback is counted" grep -q "dwarf: stacks walked by fp through code without CFI" \
	"$TMP/map.err"

last=$(run nomap)
read -r share n <<<"$(jit_share "$last")"
[ "$n" -ge 100 ] && [ "$share" -ge 90 ] &&
	ok "no perf map: _start;...;node::...;[unknown] in $share% of $n samples" ||
	not_ok "no perf map: JS frames between node:: and _start" "$share% of $n samples" \
		"$(sort -t' ' -k2 -nr "$last" | head -3 | cut -c1-400)" "$(cat "$TMP/nomap.err")"
n=$(grep -c "pc outside known mappings" "$TMP/nomap.err")
[ "$n" = 0 ] && ok "no stack cut at a pc outside known mappings" ||
	not_ok "stacks cut outside known mappings" "$(cat "$TMP/nomap.err")"
finish
