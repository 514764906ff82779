#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e: the fp unwinder on real fixtures: call chains in order, kernel frames, dlopen, C++,
# Rust, a process that exits early, and -p seeing only its process.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root
C=$PB_FIXTURES/c
plan 12

# Profiling a command: the chain holds in >= 90% of the samples of its last frame.
"$PB" -F $HZ -- "$C/chain-fp" 1.5 >"$TMP/chain.folded"
expect_chain "C chain main;pb_alpha;pb_beta;pb_gamma;pb_burn" "$TMP/chain.folded" \
	"main;pb_alpha;pb_beta;pb_gamma;pb_burn" 90
# The command's own process between fork and exec still bears the profiler's name, and its
# frames are [unknown] (symbols come from the command's image): such a sample is no leak; any
# other stack is.
other=$(awk '{
	line = $0; sub(/ [0-9]+$/, "", line); n = split(line, f, ";"); own = f[1] == "chain-fp"
	if (f[1] == "profile-bee") {
		own = 1
		for (i = 2; i <= n; i++) if (f[i] != "[unknown]" && f[i] !~ /_\[k\]$/) own = 0
	}
	if (!own) print }' "$TMP/chain.folded" | wc -l)
[ "$other" = 0 ] && ok "a profiled command's profile holds only its own stacks" ||
	not_ok "stacks of other processes leaked into a command's profile" "$(grep -v '^chain-fp;' "$TMP/chain.folded" | head -3)"

"$PB" -F $HZ -- "$C/syscalls-fp" 1.5 >"$TMP/sys.folded"
kern=$(samples_matching "$TMP/sys.folded" 'pb_sys_thread;.*_\[k\]')
write=$(samples_matching "$TMP/sys.folded" 'pb_sys_thread;.*(ksys_write|vfs_write)_\[k\]')
[ "$kern" -ge 20 ] && [ "$write" -ge 5 ] &&
	ok "a syscall-heavy thread shows kernel frames after its user frames ($kern samples, $write in *_write_[k])" ||
	not_ok "kernel frames of the syscall thread" "kernel: $kern, write: $write"
expect_chain "main thread chain beside it" "$TMP/sys.folded" "main;pb_sys_spin" 90

"$PB" -F $HZ -- "$C/dl_main-fp" 1.5 "$C/libpbdl-fp.so" >"$TMP/dl.folded"
expect_chain "a dlopen'ed library's frames are named" "$TMP/dl.folded" \
	"main;pb_dl_caller;pb_dl_entry;pb_dl_inner;pb_dl_work" 90

"$PB" -F $HZ -- "$C/templates-fp" 1.5 >"$TMP/cxx.folded"
expect_chain "C++ templates demangled, in order" "$TMP/cxx.folded" \
	"main;pbns::Outer<int>::run;pbns::inner_work<double>" 90

if [ -x "$PB_FIXTURES/rust/rust-chain-fp" ]; then
	"$PB" -F $HZ -- "$PB_FIXTURES/rust/rust-chain-fp" 1.5 >"$TMP/rust.folded"
	expect_chain "Rust names demangled without hashes, in order" "$TMP/rust.folded" \
		"chain::main;chain::pb_rust_alpha;chain::pb_rust_beta;chain::Worker::pb_rust_gamma" 90
else
	not_ok "Rust fixture missing (is rustc installed?)"
fi

"$PB" -F $HZ -- "$C/shortlived-fp" >"$TMP/short.folded"
expect_chain "a process that exits after 0.4 s is still symbolized" "$TMP/short.folded" \
	"main;pb_short_alpha;pb_short_work" 90 20

"$PB" -F $HZ -- "$C/threads-fp" 1.5 >"$TMP/thr.folded"
expect_chain "four threads: chain from the thread start" "$TMP/thr.folded" \
	"start_thread;pb_thread_main;pb_thr_alpha;pb_thr_beta" 90 40

# -p: two busy processes, only the chosen one is profiled; profiling ends when it exits.
"$C/chain-fp" 2 &
want=$!
"$C/recursion-fp" 2.5 &
other=$!
start=$(date +%s.%N)
"$PB" -F $HZ -p "$want" -d 10 >"$TMP/pid.folded"
took=$(echo "$(date +%s.%N) - $start" | bc)
wait $want $other
comms=$(awk -F';' '{print $1}' "$TMP/pid.folded" | sort -u | tr '\n' ' ')
[ "$comms" = "chain-fp " ] && ok "-p sees only its process ($comms)" ||
	not_ok "-p sees only its process" "comms seen: $comms"
expect_chain "-p profile holds the chain" "$TMP/pid.folded" "pb_alpha;pb_beta;pb_gamma;pb_burn" 90
[ "$(echo "$took < 4" | bc)" = 1 ] && ok "-p stops when the process exits (${took}s, -d 10)" ||
	not_ok "-p did not stop when the process exited" "took ${took}s"
finish
