#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e: --no-bpf (the perf unwinder) as root and as nobody: chains in order on -p and commands,
# threads created later, sample counts beside BPF fp's, bad combinations, perf_event_paranoid 3.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root
C=$PB_FIXTURES/c
CHAIN="main;pb_alpha;pb_beta;pb_gamma;pb_burn"
plan 15

# perf_event_paranoid is set for this test and put back however it ends.
PARANOID=/proc/sys/kernel/perf_event_paranoid
old_paranoid=$(cat $PARANOID)
trap 'echo "$old_paranoid" >$PARANOID; rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM
echo 2 >$PARANOID
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }

"$PB" --no-bpf -F $HZ -- "$C/chain-fp" 1.5 >"$TMP/root-cmd.folded"
expect_chain "root, --no-bpf -- chain-fp: the chain in order" "$TMP/root-cmd.folded" "$CHAIN" 90

"$C/chain-fp" 4 &
target=$!
sleep 0.3
"$PB" --no-bpf -F $HZ -p $target -d 1.5 >"$TMP/root-pid.folded"
expect_chain "root, --no-bpf -p PID: the chain in order" "$TMP/root-pid.folded" "$CHAIN" 90
wait $target

(cd / && as_nobody "$PB" --no-bpf -F $HZ -- "$C/chain-fp" 1.5) >"$TMP/nobody-cmd.folded" \
	2>"$TMP/nobody-cmd.err"
expect_chain "nobody, --no-bpf -- chain-fp: the chain in order" "$TMP/nobody-cmd.folded" "$CHAIN" 90
[ ! -s "$TMP/nobody-cmd.err" ] && ok "nobody, --no-bpf: no message" ||
	not_ok "nobody, --no-bpf: messages" "$(head -3 "$TMP/nobody-cmd.err")"

# Not through as_nobody: a backgrounded function is a subshell, $! would be root's.
setpriv --reuid=nobody --regid=nogroup --clear-groups "$C/chain-fp" 4 &
target=$!
sleep 0.3
(cd / && as_nobody "$PB" --no-bpf -F $HZ -p $target -d 1.5) >"$TMP/nobody-pid.folded"
expect_chain "nobody, --no-bpf -p PID (a process of nobody's): the chain in order" \
	"$TMP/nobody-pid.folded" "$CHAIN" 90
wait $target

# Threads created after the events were opened inherit them.
(cd / && as_nobody "$PB" --no-bpf -F $HZ -- "$C/threads-fp" 1.5) >"$TMP/threads.folded"
expect_chain "nobody, threads created later: pb_thread_main;pb_thr_alpha;pb_thr_beta" \
	"$TMP/threads.folded" "pb_thread_main;pb_thr_alpha;pb_thr_beta" 90 40

# Counts, comm and chain as BPF fp gives them, on the same program (CPU time decides counts on a
# loaded machine: each run's samples are compared with the CPU time it measured).
per_cpu_second() {
	local file=$1 cpu=$2
	awk -v n="$(samples_matching "$file" "^chain-fp;.*$CHAIN\$")" -v c="$cpu" \
		'BEGIN { printf "%d", c > 0 ? n / c : 0 }'
}
cpu_of() { awk '/^(user|sys)/ { s += $2 } END { print s + 0 }' "$1"; }
( TIMEFORMAT=$'user %U\nsys %S'; time "$PB" -F $HZ -- "$C/chain-fp" 1.5 >"$TMP/bpf.folded" ) 2>"$TMP/bpf.time"
( TIMEFORMAT=$'user %U\nsys %S'; time "$PB" --no-bpf -F $HZ -- "$C/chain-fp" 1.5 >"$TMP/perf.folded" ) 2>"$TMP/perf.time"
bpf_n=$(samples_matching "$TMP/bpf.folded" "^chain-fp;.*$CHAIN\$")
perf_n=$(samples_matching "$TMP/perf.folded" "^chain-fp;.*$CHAIN\$")
# The fixture burns 1.5 s of CPU when it gets it; each count is checked against HZ x 1.5 and
# against the other, with room for a loaded machine.
if [ "$bpf_n" -gt 0 ] && [ "$perf_n" -ge $((bpf_n * 2 / 3)) ] && [ "$perf_n" -le $((bpf_n * 3 / 2)) ] &&
	[ "$perf_n" -le $((HZ * 3 / 2 * 11 / 10)) ]; then
	ok "samples of the chain, comm chain-fp: perf $perf_n, BPF fp $bpf_n (within 2/3..3/2, <= 1.1 x $HZ Hz x 1.5 s)"
else
	not_ok "sample counts: perf $perf_n, BPF fp $bpf_n" "$(head -3 "$TMP/perf.folded")"
fi

expect_fail "--no-bpf system-wide" 2 "--no-bpf samples given processes only" --no-bpf -d 1
expect_fail "--no-bpf --dwarf" 2 "--dwarf needs BPF; --no-bpf" --no-bpf --dwarf -- true
expect_fail "--no-bpf -K" 2 "-K: --no-bpf samples user stacks only" --no-bpf -K -- true
expect_fail "--unwinder perf system-wide" 2 "'perf' unwinder \(--no-bpf\) samples given processes only" \
	--unwinder perf -d 1
"$PB" --help | grep -q -- "--no-bpf" && ok "--help documents --no-bpf" || not_ok "--help: no --no-bpf"
(cd / && as_nobody "$PB" -- "$C/chain-fp" 1) >/dev/null 2>"$TMP/hint.err"
st=$?
[ $st = 1 ] && grep -q "needs root.*or --no-bpf" "$TMP/hint.err" &&
	ok "nobody without --no-bpf on a command: exit 1, the message names --no-bpf" ||
	not_ok "nobody without --no-bpf" "exit $st: $(cat "$TMP/hint.err")"

# perf_event_paranoid 3: one clear message, non-zero exit.
echo 3 >$PARANOID
(cd / && as_nobody "$PB" --no-bpf -- "$C/chain-fp" 1) >/dev/null 2>"$TMP/p3.err"
st=$?
echo 2 >$PARANOID
[ $st != 0 ] && [ "$(wc -l <"$TMP/p3.err")" = 1 ] &&
	grep -q "perf_event_paranoid is 3: .*set it to 2 or lower.*or run as root" "$TMP/p3.err" &&
	ok "perf_event_paranoid 3: exit $st, $(cat "$TMP/p3.err")" ||
	not_ok "perf_event_paranoid 3" "exit $st: $(cat "$TMP/p3.err")"
pgrep -u nobody -f "$C/chain-fp" >/dev/null && not_ok "a nobody fixture was left running" ||
	ok "no fixture left running"
finish
