#!/bin/bash
# SPDX-License-Identifier: MIT
# CPython frames walked in BPF: main -> forage -> nectar in order with every unwinder (fp, dwarf,
# libdw, libunwind) on each interpreter present (Debian's python3 is 3.11; pyenv's 3.12 and
# 3.13), the leaf's line in range, mixed Python -> C -> Python stacks, 4 threads' shares,
# --python=only and off, exec and exit before a drain, and a fake interpreter of an unsupported version.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root

SCRIPT=$PB_SOURCE_ROOT/tests/e2e/python/chain.py
PYENV_ROOT=$(pyenv root 2>/dev/null || echo /root/.pyenv)
# name:path; an interpreter absent from this machine is skipped (the issue allows it).
INTERPRETERS="3.11:/usr/bin/python3.11"
for v in 3.12 3.13; do
	INTERPRETERS="$INTERPRETERS $v:$(ls -d "$PYENV_ROOT"/versions/$v.*/bin/python$v 2>/dev/null | tail -1)"
done
UNWINDERS="fp dwarf libdw libunwind"
# Those that unwind Debian's python, which has no frame pointers, through C and back.
MIXED_UNWINDERS="dwarf libdw libunwind"
# Tests per interpreter: 2 per unwinder, 2 per mixed-mode unwinder, only x2, threads x2, off.
PER_INTERPRETER=$((2 * 4 + 2 * 3 + 2 + 2 + 1))
plan $((6 + 1 + $(echo $INTERPRETERS | wc -w) * PER_INTERPRETER))

# "nectar (/x/chain.py:9)" -> "nectar": chains are compared on function names.
strip_lines() { sed -E 's/ \([^;]*:[0-9]+\)//g' "$1" >"$2"; }

# wait_python PID: until PID has its interpreter loaded (on a loaded machine a fixed sleep can
# end while the shell has not exec'd it yet, or ld.so is still mapping libpython), then a
# little more for the script to start; the profile's first second then has Python frames.
wait_python() {
	for _ in $(seq 100); do
		grep -qE 'libpython3|/python3\.[0-9]+$' "/proc/$1/maps" 2>/dev/null && break
		sleep 0.1
	done
	sleep 0.3
}

# profile OUT PYTHON ARGS...: profiles a 4 s run of the chain script for 2 s at $HZ.
profile() {
	local out=$1 py=$2 pid
	shift 2
	"$py" "$SCRIPT" 4 &
	pid=$!
	wait_python "$pid"
	"$PB" -vv -p "$pid" -F "$HZ" -d 2 "$@" >"$out" 2>"$out.err"
	local st=$?
	wait "$pid"
	return $st
}

# check_chain V PY U: the chain in order and nectar's lines, unwinder U.
check_chain() {
	local v=$1 py=$2 u=$3 f=$TMP/$1-$3.folded before bad good
	if ! profile "$f" "$py" --unwinder "$u"; then
		not_ok "python $v $u: profile-bee ran" "$(tail -5 "$f.err")"
		not_ok "python $v $u: leaf line"
		return
	fi
	strip_lines "$f" "$f.names"
	before=$tap_failed
	expect_chain "python $v $u: <module>;main;forage;nectar in order" "$f.names" \
		"<module>;main;forage;nectar" 90
	[ "$tap_failed" = "$before" ] || diag "profile-bee said:" "$(cat "$f.err")"
	# nectar is lines 6 (def: its first instruction) to 10 of chain.py.
	bad=$(grep -oE "nectar \([^;]*chain.py:[0-9]+\)" "$f" | grep -vcE ':(6|7|8|9|10)\)$')
	good=$(grep -oE "nectar \([^;]*chain.py:[0-9]+\)" "$f" | grep -cE ':(6|7|8|9|10)\)$')
	if [ "$good" -gt 0 ] && [ "$bad" = 0 ]; then
		ok "python $v $u: nectar's lines in 6-10 ($good stacks)"
	else
		not_ok "python $v $u: nectar's lines in 6-10" "$(grep -oE 'nectar \([^;]*' "$f" | sort | uniq -c)"
	fi
}

# check_replaced V U: in check_chain's profile the eval loop's native frame gave way to the
# Python frames (but in samples taken as the interpreter starts or ends: 5% allowed).
check_replaced() {
	local f=$TMP/$1-$2.folded left all
	left=$(samples_matching "$f" "_PyEval_EvalFrameDefault")
	all=$(total_samples "$f")
	if [ "$all" -gt 0 ] && [ $((100 * left / all)) -le 5 ]; then
		ok "python $1 $2: _PyEval_EvalFrameDefault replaced ($left of $all samples left)"
	else
		not_ok "python $1 $2: _PyEval_EvalFrameDefault replaced ($left of $all samples left)" \
			"$(grep _PyEval_EvalFrameDefault "$f" | head -3)"
	fi
}

# check_only V PY U: --python=only keeps the Python frames alone (user stacks only).
check_only() {
	local v=$1 py=$2 u=$3 f=$TMP/$1-$3-only.folded native all
	if ! profile "$f" "$py" --python only -U --unwinder "$u"; then
		not_ok "python $v $u --python only: profile-bee ran" "$(tail -5 "$f.err")"
		return
	fi
	strip_lines "$f" "$f.names"
	# Stacks holding a frame that is not Python (samples without Python frames keep their
	# native ones: as the interpreter starts or ends; 5% allowed).
	native=$(awk '{ n = $NF; line = $0; sub(/ [0-9]+$/, "", line); m = split(line, f, ";")
		for (i = 2; i <= m; i++) if (f[i] !~ / \(.*:[0-9]+\)$/ && f[i] != "[truncated]") { s += n; break } }
		END { print s + 0 }' "$f")
	all=$(total_samples "$f")
	if [ "$all" -gt 0 ] && [ $((100 * native / all)) -le 5 ] &&
		grep -q "^[^;]*;<module>;main;forage;nectar " "$f.names"; then
		ok "python $v $u --python only: Python frames alone ($native of $all samples not)"
	else
		not_ok "python $v $u --python only: Python frames alone ($native of $all samples not)" "$(head -3 "$f")"
	fi
}

# check_mixed V PY U: Python -> C (through ctypes) -> Python reads in that order. Native frames
# that the walk could not reach put the Python frames at the root, in order still: the C frame
# is then missing, never misplaced. (Not fp: Debian's python and _ctypes have no frame pointers.)
# libdw and libunwind reach libffi's closure entry through an anonymous rwx trampoline page (no
# CFI): the frame-pointer bridge carries the walk through it, so they too must show pb_c_bridge.
# Misordered: at most 1% (a sample taken as bee_callback's eval call starts, before its frame
# is the thread's current one, while the native walk stopped short of the outer eval call:
# nothing then says the caller's frames are not the new call's).
check_mixed() {
	local v=$1 py=$2 u=$3 f=$TMP/$1-$3-mixed.folded pid wings inorder wrong bridge c=pb_c_bridge
	"$py" "$PB_SOURCE_ROOT/tests/e2e/python/mixed.py" "$PB_CALLBACK_LIB" 4 &
	pid=$!
	wait_python "$pid"
	"$PB" --unwinder "$u" -p "$pid" -F "$HZ" -d 2 -U >"$f" 2>"$f.err"
	wait "$pid"
	strip_lines "$f" "$f.names"
	wings=$(samples_matching "$f.names" ";wing(;|$)")
	inorder=$(samples_matching "$f.names" ";main;hive;(.*;)?$c;(.*;)?bee_callback;wing(;|$)")
	wrong=$(samples_matching "$f.names" "pb_c_bridge;(.*;)?hive;|wing;(.*;)?pb_c_bridge")
	if [ "$wings" -ge 20 ] && [ $((100 * inorder / wings)) -ge 80 ] && [ $((100 * wrong)) -le "$wings" ]; then
		bridge=$(samples_matching "$f.names" ";main;hive;.*;pb_c_bridge;.*;bee_callback;wing(;|$)")
		ok "python $v $u mixed: main;hive;...;C;...;bee_callback;wing in $inorder of $wings samples ($bridge through pb_c_bridge)"
	else
		not_ok "python $v $u mixed: main;hive;...;$c;...;bee_callback;wing" \
			"$inorder of $wings in order, $wrong misordered" "$(sort -t' ' -k2 -nr "$f.names" | head -3)" \
			"misordered: $(grep -E "pb_c_bridge;(.*;)?hive;|wing;(.*;)?pb_c_bridge" "$f.names" | head -3)"
	fi
}

# check_threads V PY U: each of 4 threads gets its own frames; the GIL shares the time about
# evenly.
check_threads() {
	local v=$1 py=$2 u=$3 f=$TMP/$1-$3-threads.folded pid total shares="" fair=1 n pct fn
	"$py" "$PB_SOURCE_ROOT/tests/e2e/python/threads.py" 4 &
	pid=$!
	wait_python "$pid"
	"$PB" --unwinder "$u" -p "$pid" -F "$HZ" -d 2 --python only -U >"$f" 2>"$f.err"
	wait "$pid"
	total=$(samples_matching "$f" ";spin [(]")
	for fn in alpha beta gamma delta; do
		n=$(samples_matching "$f" ";$fn [(][^;]*;spin [(]")
		pct=$((total ? 100 * n / total : 0))
		shares="$shares $fn=$pct%"
		{ [ "$pct" -ge 15 ] && [ "$pct" -le 35 ]; } || fair=0
	done
	if [ "$total" -ge 40 ] && [ "$fair" = 1 ]; then
		ok "python $v $u 4 threads: each function 25% +-10% of $total samples:$shares"
	else
		not_ok "python $v $u 4 threads: each function 25% +-10%" "$total samples:$shares" \
			"$(sort -t' ' -k2 -nr "$f" | head -5)"
	fi
}

for entry in $INTERPRETERS; do
	v=${entry%%:*}
	py=${entry#*:}
	if [ -z "$py" ] || [ ! -x "$py" ]; then
		n=$PER_INTERPRETER
		[ "$v" = 3.13 ] && n=$((n + 1)) # and the _Py_DebugOffsets check
		for i in $(seq $n); do ok "python $v # SKIP no interpreter on this machine"; done
		continue
	fi
	for u in $UNWINDERS; do
		check_chain "$v" "$py" "$u"
	done
	# 3.13+: the offsets the process publishes (_Py_DebugOffsets) are the ones used.
	if [ "$v" = 3.13 ]; then
		if grep -q "python 3.13 in pid [0-9]*: .*(offsets from _Py_DebugOffsets)" "$TMP/$v-fp.folded.err"; then
			ok "python 3.13: offsets read from _Py_DebugOffsets"
		else
			not_ok "python 3.13: offsets read from _Py_DebugOffsets" "$(grep -v libbpf "$TMP/$v-fp.folded.err" | head -5)"
		fi
	fi
	for u in $MIXED_UNWINDERS; do
		check_replaced "$v" "$u"
		check_mixed "$v" "$py" "$u"
	done
	for u in fp libdw; do
		check_only "$v" "$py" "$u"
	done
	for u in fp libunwind; do
		check_threads "$v" "$py" "$u"
	done
	# --python=off: native frames only, as before (libdw: the snapshot program's walk is off).
	f=$TMP/$v-off.folded
	if profile "$f" "$py" --python off --unwinder libdw && ! grep -q "chain.py:" "$f"; then
		ok "python $v --python off: no Python frames"
	else
		not_ok "python $v --python off: no Python frames" "$(head -3 "$f")" "$(tail -3 "$f.err")"
	fi
done

# names_ok FILE: every Python frame in chain.py names one of its functions, at one of its
# lines (0: the module's first instruction in 3.12+); other files' frames are the interpreter's
# start-up.
names_ok() {
	sed 's/ [0-9]*$//' "$1" | tr ';' '\n' | grep -E '/chain\.py:[0-9]+\)$' |
		grep -vE '^(<module>|main|forage|nectar) \([^ ]*/chain\.py:([0-9]|[12][0-9])\)$' |
		sort -u | head -5
}
PY312=$(ls -d "$PYENV_ROOT"/versions/3.12.*/bin/python3.12 2>/dev/null | tail -1)
PY312=${PY312:-/usr/bin/python3}

# named_share FILE: of the samples with an interpreter frame, the percentage (integer) whose
# frames all have names ([python]: a code object read too late; [unknown]: an interpreter
# frame in a process no longer known as Python's).
named_share() {
	awk '{ n = $NF; line = $0; sub(/ [0-9]+$/, "", line)
		if (line ~ /\.py:[0-9]+\)/ || line ~ /\[python\]|\[unknown\]/) { all += n
			if (line !~ /\[python\]|\[unknown\]/) named += n } }
		END { print all ? int(100 * named / all) : 0 }' "$1"
}

for u in fp libdw; do
	# A command that execs into python and exits before the first drain (1 s): its interpreter
	# is found from the new mapping (not at the drain, when it is gone), and its code objects
	# are read while it runs.
	f=$TMP/exec-$u.folded
	"$PB" --unwinder "$u" -F "$HZ" -U -- sh -c "sleep 0.2; exec $PY312 $SCRIPT 0.6" >"$f" 2>"$f.err"
	strip_lines "$f" "$f.names"
	wrong=$(names_ok "$f")
	nectar=$(samples_matching "$f.names" ';nectar(;|$)')
	share=$(named_share "$f")
	if [ -z "$wrong" ] && [ "$nectar" -ge 20 ] && [ "$share" -ge 80 ]; then
		ok "$u: exec into python, exit before the drain: $nectar nectar samples, $share% named"
	else
		not_ok "$u: exec into python, exit before the drain" \
			"wrong: $wrong, $nectar nectar samples, $share% named" "$(sort -t' ' -k2 -nr "$f" | head -3)"
	fi

	# A process that exits mid-window: its names were read while it lived (only frames
	# sampled in its last tenth of a second may be [python]); none wrong.
	f=$TMP/exit-$u.folded
	"$PY312" "$SCRIPT" 1.5 &
	pid=$!
	wait_python "$pid"
	"$PB" --unwinder "$u" -p "$pid" -F "$HZ" -d 3 -U >"$f" 2>"$f.err"
	wait "$pid"
	wrong=$(names_ok "$f")
	share=$(named_share "$f")
	if [ -z "$wrong" ] && [ "$share" -ge 80 ] && grep -q 'chain\.py:' "$f"; then
		ok "$u: exit mid-window: $share% of Python samples named, none wrong"
	else
		not_ok "$u: exit mid-window: names read while it lived" "wrong: $wrong, $share% named" \
			"$(sort -t' ' -k2 -nr "$f" | head -3)"
	fi
done

# An interpreter of a version the walker has no offsets for: said once, native frames only.
f=$TMP/fake.folded
"$PB_FAKE_PYTHON" 4 &
pid=$!
sleep 0.3
"$PB" -p "$pid" -F "$HZ" -d 1 >"$f" 2>"$f.err"
wait "$pid"
n=$(grep -c "python 3.10 in pid $pid: not supported, native frames only" "$f.err")
if [ "$n" = 1 ]; then
	ok "unsupported version reported once"
else
	not_ok "unsupported version reported once ($n times)" "$(cat "$f.err")"
fi
if grep -q "fake_spin" "$f" && ! grep -qE '\[python\]|\.py:' "$f"; then
	ok "unsupported version: native frames only"
else
	not_ok "unsupported version: native frames only" "$(head -3 "$f")"
fi
finish
