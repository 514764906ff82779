#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e: --dwarf on fixtures built without frame pointers: each chain holds in >= 90% of its
# leaf's samples, and fp on the same binary does not get there (so the test discriminates).
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root
C=$PB_FIXTURES/c
R=$PB_FIXTURES/rust
plan 19

# expect_fp_short DESC FILE CHAIN: fp's profile of the same binary holds the chain < 90%.
expect_fp_short() {
	local share
	share=$(chain_share "$2" "$3")
	if [ "$share" -lt 90 ]; then
		ok "$1: fp gets only $share%"
	else
		not_ok "$1: fp reached $share%, so the fixture does not tell the unwinders apart"
	fi
}

# both NAME CHAIN COMMAND...: profiles COMMAND with --dwarf and with fp, checks both.
both() {
	local name=$1 chain=$2
	shift 2
	"$PB" --dwarf -F 199 -- "$@" >"$TMP/$name.dwarf" 2>"$TMP/$name.err"
	expect_chain "$name: --dwarf ${chain:0:70}" "$TMP/$name.dwarf" "$chain" 90
	"$PB" --unwinder fp -F 199 -- "$@" >"$TMP/$name.fp" 2>/dev/null
	expect_fp_short "$name" "$TMP/$name.fp" "$chain"
}

both chain "main;pb_alpha;pb_beta;pb_gamma;pb_burn" "$C/chain-nofp" 1.5
# The main thread's stacks reach libc's start frames.
expect_chain "chain: stacks reach __libc_start_call_main" "$TMP/chain.dwarf" \
	"__libc_start_call_main;main;pb_alpha" 90

both dlopen "main;pb_dl_caller;pb_dl_entry;pb_dl_inner;pb_dl_work" \
	"$C/dl_main-nofp" 1.5 "$C/libpbdl-nofp.so"

# 61 nested pb_recurse frames, then the bottom: at least 50 of them in a row.
rec="main$(printf ';pb_recurse%.0s' $(seq 50))"
both recursion "$rec" "$C/recursion-nofp" 1.5
depth=$(max_depth_matching "$TMP/recursion.dwarf" 'pb_rec_bottom')
[ "$depth" -ge 66 ] && ok "recursion: deepest stack has $depth frames (>= 66)" ||
	not_ok "recursion: deepest stack has $depth frames, want >= 66"

both threads "start_thread;pb_thread_main;pb_thr_alpha;pb_thr_beta" "$C/threads-nofp" 1.5

# Samples taken in a syscall start from the registers saved at kernel entry.
both syscalls "start_thread;pb_sys_thread;pb_sys_write_loop" "$C/syscalls-nofp" 1.5
kern=$(samples_matching "$TMP/syscalls.dwarf" 'pb_sys_write_loop;.*_\[k\]')
# A floor: 1.5 s of a write loop gives 100+ on an idle machine, 17 were seen on a loaded one.
[ "$kern" -ge 10 ] && ok "syscalls: $kern samples go from user frames into kernel frames" ||
	not_ok "syscalls: only $kern samples with user then kernel frames"

both cxx "main;pbns::Outer<int>::run;pbns::inner_work<double>" "$C/templates-nofp" 1.5

if [ -x "$R/rust-chain-nofp" ]; then
	both rust "chain::main;chain::pb_rust_alpha;chain::pb_rust_beta;chain::Worker::pb_rust_gamma" \
		"$R/rust-chain-nofp" 1.5
else
	not_ok "Rust fixture missing (is rustc installed?)"
	not_ok "Rust fixture missing (is rustc installed?)"
fi

# A process that was running before profiling started (-p): its mappings come from /proc.
"$C/chain-nofp" 4 &
pid=$!
sleep 0.3
"$PB" --dwarf -F 199 -p "$pid" -d 1.5 >"$TMP/pid.dwarf" 2>/dev/null
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
expect_chain "-p on a running process" "$TMP/pid.dwarf" "main;pb_alpha;pb_beta;pb_gamma;pb_burn" 90

# Few walks cut short: only the first samples of a 1.5 s run (~25 ms) wait for tables built
# on the worker thread; broken tables would cut most of them. 199 Hz, not $HZ: at 999 Hz the
# start-up share grew on a loaded machine (2-15% of the samples cut, against 2% at 199 Hz).
total=$(total_samples "$TMP/chain.dwarf")
cut=$(samples_matching "$TMP/chain.dwarf" '\[truncated\]')
# A loaded machine gives the fixture little CPU (42 samples seen) while the worker still takes
# its time: then the first 10 samples are the measure, not 10% of very few.
[ $((cut * 100)) -le $((total * 10)) ] || [ "$cut" -le 10 ] &&
	ok "chain: $cut of $total stacks cut short (<= 10%, or the first 10)" ||
	not_ok "chain: $cut of $total stacks cut short" "$(cat "$TMP/chain.err")"
finish
