#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e: --unwinder libdw|libunwind on fixtures built without frame pointers: each chain holds in
# >= 90% of its leaf's samples, stacks reach libc's start frames, few are cut short.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root
U=${1:?usage: chains.sh libdw|libunwind}
C=$PB_FIXTURES/c
plan 9

# run NAME COMMAND...: profiles COMMAND with the unwinder under test.
run() {
	local name=$1
	shift
	"$PB" --unwinder "$U" -F $HZ -- "$@" >"$TMP/$name.folded" 2>"$TMP/$name.err"
}

# cut_short NAME: few stacks carry [truncated] (a walk that stopped before the root).
cut_short() {
	local total cut
	total=$(total_samples "$TMP/$1.folded")
	cut=$(samples_matching "$TMP/$1.folded" '\[truncated\]')
	if [ "$total" -gt 0 ] && [ $((cut * 100)) -le $((total * 5)) ]; then
		ok "$U $1: $cut of $total stacks cut short (<= 5%)"
	else
		not_ok "$U $1: $cut of $total stacks cut short" "$(tail -3 "$TMP/$1.err")"
	fi
}

run chain "$C/chain-nofp" 1.5
expect_chain "$U chain" "$TMP/chain.folded" "main;pb_alpha;pb_beta;pb_gamma;pb_burn" 90
expect_chain "$U chain: stacks reach _start" "$TMP/chain.folded" \
	"_start;__libc_start_main;__libc_start_call_main;main;pb_alpha" 90
cut_short chain

# The library is dlopened 0.2 s in: its mapping arrives while sampling runs.
run dlopen "$C/dl_main-nofp" 1.5 "$C/libpbdl-nofp.so"
expect_chain "$U dlopen" "$TMP/dlopen.folded" \
	"main;pb_dl_caller;pb_dl_entry;pb_dl_inner;pb_dl_work" 90

run threads "$C/threads-nofp" 1.5
expect_chain "$U threads" "$TMP/threads.folded" \
	"__GI___clone3;start_thread;pb_thread_main;pb_thr_alpha;pb_thr_beta" 90

# 61 nested pb_recurse frames under main, then the bottom.
run recursion "$C/recursion-nofp" 1.5
expect_chain "$U recursion: 61 levels" "$TMP/recursion.folded" \
	"main$(printf ';pb_recurse%.0s' $(seq 61));pb_rec_bottom" 90
# A whole stack: comm, _start, __libc_start_main, __libc_start_call_main, main, 61 pb_recurse,
# pb_rec_bottom (the hot leaf) = 67.
depth=$(max_depth_matching "$TMP/recursion.folded" 'pb_rec_bottom')
[ "$depth" -ge 67 ] && ok "$U recursion: deepest stack has $depth frames (>= 67)" ||
	not_ok "$U recursion: deepest stack has $depth frames, want >= 67"

# Samples taken in a syscall start from the user registers saved at kernel entry.
run syscalls "$C/syscalls-nofp" 1.5
kern=$(samples_matching "$TMP/syscalls.folded" 'pb_sys_write_loop;.*_\[k\]')
[ "$kern" -ge 20 ] && ok "$U syscalls: $kern samples go from user frames into kernel frames" ||
	not_ok "$U syscalls: only $kern samples with user then kernel frames"

# A process running before profiling started (-p): its mappings come from /proc.
"$C/chain-nofp" 4 &
pid=$!
sleep 0.3
"$PB" --unwinder "$U" -F $HZ -p "$pid" -d 1.5 >"$TMP/pid.folded" 2>/dev/null
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
expect_chain "$U -p on a running process" "$TMP/pid.folded" \
	"main;pb_alpha;pb_beta;pb_gamma;pb_burn" 90
finish
