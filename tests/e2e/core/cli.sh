#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e: the command line's contract: bad input gives one clear line and the right status,
# Ctrl-C still writes every output, the command's status and stdout are handled.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root
C=$PB_FIXTURES/c
plan 15

expect_fail "-F 0" 2 "-F: profile: 'frequency' must be from 1 to 100000, not '0'" -F 0 -d 1
expect_fail "non-numeric -d" 2 "-d: profile: 'duration' must be a number, not 'soon'" -d soon
expect_fail "non-numeric pid" 2 "-p: 'abc' is not" -p abc
expect_fail "unknown flag" 2 "unrecognized option|invalid option" --frobnicate
expect_fail "unknown unwinder" 2 "unknown unwinder 'nope' \(available: .*fp" --unwinder nope -d 1
expect_fail "unknown output extension" 2 "no output for 'x.png' \(known: .*\.folded" -o x.png -d 1
expect_fail "unknown pid" 1 "no process with pid 4000000" -p 4000000 -d 1
expect_fail "a command that does not exist" 1 "cannot run '/nonexistent/app': No such file" \
	-- /nonexistent/app
# Without root: as nobody.
setpriv --reuid=65534 --regid=65534 --clear-groups "$PB" -d 1 >/dev/null 2>"$TMP/err"
st=$?
[ $st = 1 ] && grep -q "needs root" "$TMP/err" && ok "as nobody: exit 1, $(cat "$TMP/err")" ||
	not_ok "as nobody" "exit $st: $(cat "$TMP/err")"
unshare -m sh -c "mount -t tmpfs none /sys/kernel/btf && '$PB' -d 1" >/dev/null 2>"$TMP/err"
st=$?
[ $st = 1 ] && grep -q "no BTF" "$TMP/err" && ok "kernel without BTF: exit 1, $(cat "$TMP/err")" ||
	not_ok "kernel without BTF" "exit $st: $(cat "$TMP/err")"

# Ctrl-C: ends early, every output still written, exit 0.
"$PB" -F 199 -d 60 -o "$TMP/int.folded" -o - -- "$C/chain-fp" 60 >"$TMP/int.stdout" 2>/dev/null &
pbpid=$!
wait_sampling $pbpid
sleep 1 # samples to write
signal_wait INT $pbpid
lines=$(wc -l <"$TMP/int.folded" 2>/dev/null || echo 0)
[ $st = 0 ] && [ "$took" -le 3 ] && [ "$lines" -gt 0 ] && cmp -s "$TMP/int.folded" "$TMP/int.stdout" &&
	ok "SIGINT ends the profile at once and writes every output ($lines lines, both equal)" ||
	not_ok "SIGINT" "status $st, took $took s, $lines lines"
pgrep -f "$C/chain-fp 60" >/dev/null && not_ok "the command was left running" || ok "the command was stopped"

# The command's status is ours after the profile is written; its stdout does not mix in.
"$PB" -o "$TMP/fail.folded" -- sh -c 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; exit 3' 2>/dev/null
st=$?
[ $st = 3 ] && [ -s "$TMP/fail.folded" ] && ok "a failing command's status (3) is the exit status, profile written" ||
	not_ok "failing command" "status $st"
"$PB" -- sh -c 'echo command-output; i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done' \
	>"$TMP/so.out" 2>"$TMP/so.err"
grep -q command-output "$TMP/so.out" && not_ok "the command's stdout went into the profile" ||
	{ grep -q command-output "$TMP/so.err" && ok "the command's stdout goes to stderr, the profile stays clean" ||
		not_ok "the command's stdout vanished"; }

# Files are written whole: the old file survives a failed run.
echo "old;profile 1" >"$TMP/keep.folded"
"$PB" -o "$TMP/keep.folded" -p 4000000 -d 1 2>/dev/null
[ "$(cat "$TMP/keep.folded")" = "old;profile 1" ] && ok "a failed run leaves an existing output alone" ||
	not_ok "the old output was damaged"
finish
