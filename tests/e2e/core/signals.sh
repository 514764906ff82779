#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Signals during sampling: SIGHUP ends a run like SIGINT/SIGTERM, with its outputs written; a
# run whose windows are written back to back still ends at -d and on a signal.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root
plan 4
export XDG_CONFIG_HOME=$TMP/xdg
# System-wide runs: something must be busy, or an idle machine gives an empty profile.
"$PB_FIXTURES/c/chain-fp" 60 &
busy=$!
trap 'kill $busy 2>/dev/null; rm -rf "$TMP"' EXIT

for sig in HUP TERM; do
	"$PB" --config /dev/null -d 60 -o "$TMP/$sig.svg" -o "$TMP/$sig.folded" 2>"$TMP/err" &
	pid=$!
	wait_sampling $pid
	sleep 1 # samples to write
	kill -$sig $pid
	wait $pid
	st=$?
	[ $st = 0 ] && [ -s "$TMP/$sig.svg" ] && [ -s "$TMP/$sig.folded" ] && [ -z "$(compgen -G "$TMP/$sig.*.*")" ] &&
		ok "SIG$sig ends the run: status 0, both outputs written" ||
		not_ok "SIG$sig" "status $st" "$(ls "$TMP")" "$(head -3 "$TMP/err")"
done

# The shortest windows, with slow outputs: -d still ends the run, and so does a signal.
start=$(date +%s%N)
timeout -s KILL 30 "$PB" --config /dev/null -F 999 -d 2 --flush-interval 0.1 -o "$TMP/w.json" \
	-o "$TMP/w.svg" 2>"$TMP/err"
st=$?
ms=$((($(date +%s%N) - start) / 1000000))
[ $st = 0 ] && [ $ms -lt 10000 ] && ok "--flush-interval 0.1 -d 2 ends in ${ms} ms" ||
	not_ok "flush-interval 0.1 with -d 2" "status $st after $ms ms" "$(head -3 "$TMP/err")"
# --foreground: otherwise timeout passes the signal to the child and then to its whole process
# group, and the second SIGINT ("now") could kill profile-bee while it wrote (status 130).
timeout --foreground -s KILL 30 "$PB" --config /dev/null -F 999 --flush-interval 0.1 \
	-o "$TMP/s.json" 2>"$TMP/err" &
pid=$!
wait_sampling $pid
sleep 1 # a few windows
start=$(date +%s%N)
kill -INT $pid
wait $pid
st=$?
ms=$((($(date +%s%N) - start) / 1000000))
[ $st = 0 ] && [ $ms -lt 5000 ] && ok "and Ctrl-C ends it in ${ms} ms" ||
	not_ok "Ctrl-C with --flush-interval 0.1" "status $st after $ms ms" "$(head -3 "$TMP/err")"
finish
