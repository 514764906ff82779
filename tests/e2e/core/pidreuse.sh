#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e: a followed child's pid, once the child exited, no longer profiles whoever gets it next
# (a long -p run over a process that forks thousands of short children used to end up sampling
# strangers: the soak saw meson, cc1 and awk in a run that targeted four processes).
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root
C=$PB_FIXTURES/c
plan 2

for unwinder in fp dwarf; do
	rm -f "$TMP/child" "$TMP/stranger"
	# The command forks a short child (followed), then waits while a stranger takes its pid.
	"$PB" --unwinder "$unwinder" -F $HZ -o "$TMP/reuse.folded" -- \
		bash -c "sleep 0.2 & echo \$! >'$TMP/child'; wait; sleep 4" 2>"$TMP/err" &
	pb=$!
	for _ in $(seq 100); do [ -s "$TMP/child" ] && break; sleep 0.05; done
	child=$(cat "$TMP/child")
	sleep 0.5 # the child has exited
	stranger=
	for _ in $(seq 20); do
		# The next pid the kernel gives out is the child's old one (if nobody takes it first).
		echo $((child - 1)) >/proc/sys/kernel/ns_last_pid
		"$C/chain-fp" 2 &
		if [ $! = "$child" ]; then
			stranger=$!
			break
		fi
		kill $! 2>/dev/null
		wait $! 2>/dev/null
	done
	[ -n "$stranger" ] && wait "$stranger"
	wait "$pb"
	status=$?
	leaked=$(samples_matching "$TMP/reuse.folded" '(^|;)pb_burn(;|$)')
	if [ -z "$stranger" ]; then
		not_ok "$unwinder: a stranger could not be given the child's pid $child"
	elif [ "$status" = 0 ] && [ "$leaked" = 0 ]; then
		ok "$unwinder: a stranger given an exited child's pid ($child) is not profiled"
	else
		not_ok "$unwinder: pid reuse" "status $status, $leaked samples of the stranger" \
			"$(sort -t' ' -k2 -nr "$TMP/reuse.folded" | head -3)" "$(cat "$TMP/err")"
	fi
done
finish
