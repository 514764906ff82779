#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e: libdw|libunwind through JIT code. V8's code has no CFI (anonymous memory, and the builtins
# embedded in node's .text): the glue steps by frame pointers in the copied stack there and hands
# the walk back to the backend in node, so stacks reach _start with the JS frames between node::
# frames and the leaf.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root
U=${1:?usage: jit.sh libdw|libunwind}
plan 4

command -v node >/dev/null || { not_ok "node missing (Debian: nodejs)"; finish; }

# run NAME NODE_FLAGS...: 3 s of node (its main thread runs the busy loop; the others idle).
run() {
	local name=$1
	shift
	node "$@" "$PB_SOURCE_ROOT/tests/e2e/core/busy.js" 8 "$TMP/$name" &
	local np=$!
	for _ in $(seq 50); do [ -e "$TMP/$name.ready" ] && break; sleep 0.1; done
	"$PB" --unwinder "$U" -p $np -F $HZ -d 3 >"$TMP/$name.folded" 2>"$TMP/$name.err"
	kill $np 2>/dev/null
	wait $np 2>/dev/null
}

# short NAME: stacks whose snapshot ended below their outer frames ("user stack deeper than the
# snapshot"). Depending on the environment's size, every whole copy of node's main thread once
# failed and fell back to the page holding sp (bpf/snapshot.bpf.c's copy_stack now halves the
# copy first); no walk can go past a copy's end, so those few stacks are not the bridge's to judge.
short() { grep -o '[0-9]* user stack deeper than the snapshot' "$TMP/$1.err" | cut -d' ' -f1; }

# check_share NAME DESC: JS frames between node:: and _start in >= 90% of the stacks whose copy
# was whole.
check_share() {
	local good n cut share
	read -r good n <<<"$(jit_between "$TMP/$1.folded")"
	cut=$(short "$1")
	cut=${cut:-0}
	share=$((n > cut ? 100 * good / (n - cut) : 0))
	[ $((n - cut)) -ge 100 ] && [ "$share" -ge 90 ] &&
		ok "$U $2: _start;...;node::...;JS in $share% of $((n - cut)) whole stacks" ||
		not_ok "$U $2: JS frames between node:: and _start" "$share% of $((n - cut)) samples" \
			"$(sort -t' ' -k2 -nr "$TMP/$1.folded" | head -3 | cut -c1-400)" "$(cat "$TMP/$1.err")"
}

run map --perf-basic-prof --no-turbo-inlining --interpreted-frames-native-stack
check_share map "--perf-basic-prof"
check "$U: the fallback is counted" grep -q "user stacks walked by fp through code without CFI" \
	"$TMP/map.err"
run nomap
check_share nomap "no perf map"
# Cut short for any other reason (a bridge that lost the chain): few.
cut=$(short nomap)
n=$(($(samples_matching "$TMP/nomap.folded" '\[truncated\]') - ${cut:-0}))
all=$(total_samples "$TMP/nomap.folded")
[ $((n * 100)) -le $((all * 5)) ] && ok "$U: $n of $all stacks cut short in code (<= 5%)" ||
	not_ok "$U: stacks cut short" "$n of $all" "$(cat "$TMP/nomap.err")"
finish
