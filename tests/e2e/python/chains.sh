#!/bin/bash
# SPDX-License-Identifier: MIT
# CPython frames walked in BPF: main -> forage -> nectar in order with fp and dwarf on each
# interpreter present (Debian's python3 is 3.11; pyenv's 3.12 and 3.13), the leaf's line in
# range, --python=only and off, and a fake interpreter of an unsupported version.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root

SCRIPT=$PB_SOURCE_ROOT/tests/e2e/python/chain.py
PYENV_ROOT=$(pyenv root 2>/dev/null || echo /root/.pyenv)
# name:path; an interpreter absent from this machine is skipped (the issue allows it).
INTERPRETERS="3.11:/usr/bin/python3.11"
for v in 3.12 3.13; do
	INTERPRETERS="$INTERPRETERS $v:$(ls -d "$PYENV_ROOT"/versions/$v.*/bin/python$v 2>/dev/null | tail -1)"
done
plan $((2 + $(echo $INTERPRETERS | wc -w) * 7))

# "nectar (/x/chain.py:9)" -> "nectar": chains are compared on function names.
strip_lines() { sed -E 's/ \([^;]*:[0-9]+\)//g' "$1" >"$2"; }

# profile OUT PYTHON ARGS...: profiles a 4 s run of the chain script for 2 s at $HZ.
profile() {
	local out=$1 py=$2 pid
	shift 2
	"$py" "$SCRIPT" 4 &
	pid=$!
	sleep 0.3
	"$PB" -p "$pid" -F "$HZ" -d 2 "$@" >"$out" 2>"$out.err"
	local st=$?
	wait "$pid"
	return $st
}

for entry in $INTERPRETERS; do
	v=${entry%%:*}
	py=${entry#*:}
	if [ -z "$py" ] || [ ! -x "$py" ]; then
		for i in $(seq 7); do ok "python $v # SKIP no interpreter on this machine"; done
		continue
	fi
	for u in fp dwarf; do
		f=$TMP/$v-$u.folded
		if ! profile "$f" "$py" --unwinder "$u"; then
			not_ok "python $v $u: profile-bee ran" "$(tail -5 "$f.err")"
			not_ok "python $v $u: leaf line"
			continue
		fi
		strip_lines "$f" "$f.names"
		expect_chain "python $v $u: <module>;main;forage;nectar in order" "$f.names" \
			"<module>;main;forage;nectar" 90
		# nectar's body is lines 7-10 of chain.py.
		bad=$(grep -oE "nectar \([^;]*chain.py:[0-9]+\)" "$f" | grep -vcE ':(7|8|9|10)\)$')
		good=$(grep -oE "nectar \([^;]*chain.py:[0-9]+\)" "$f" | grep -cE ':(7|8|9|10)\)$')
		if [ "$good" -gt 0 ] && [ "$bad" = 0 ]; then
			ok "python $v $u: nectar's lines in 7-10 ($good stacks)"
		else
			not_ok "python $v $u: nectar's lines in 7-10" "$(grep -oE 'nectar \([^;]*' "$f" | sort | uniq -c)"
		fi
	done
	# Mixed mode with dwarf: the eval loop's native frame gives way to the Python frames.
	if grep -q "_PyEval_EvalFrameDefault" "$TMP/$v-dwarf.folded" 2>/dev/null; then
		not_ok "python $v dwarf: no _PyEval_EvalFrameDefault left" \
			"$(grep _PyEval_EvalFrameDefault "$TMP/$v-dwarf.folded" | head -3)"
	else
		ok "python $v dwarf: no _PyEval_EvalFrameDefault left"
	fi
	# --python=only: the Python frames alone (user stacks only, no kernel frames).
	f=$TMP/$v-only.folded
	if profile "$f" "$py" --python only -U; then
		strip_lines "$f" "$f.names"
		native=$(sed 's/ [0-9]*$//' "$f" | cut -d';' -f2- | tr ';' '\n' | grep -v ' (.*:[0-9]*)$' |
			grep -v '^\[truncated\]$' | sort | uniq -c | sort -nr | head -3)
		if [ -z "$native" ] && grep -q "^[^;]*;<module>;main;forage;nectar " "$f.names"; then
			ok "python $v --python only: Python frames alone, from <module>"
		else
			not_ok "python $v --python only: Python frames alone" "native: $native" "$(head -3 "$f")"
		fi
	else
		not_ok "python $v --python only: profile-bee ran" "$(tail -5 "$f.err")"
	fi
	# --python=off: native frames only, as before.
	f=$TMP/$v-off.folded
	if profile "$f" "$py" --python off && ! grep -q "chain.py:" "$f"; then
		ok "python $v --python off: no Python frames"
	else
		not_ok "python $v --python off: no Python frames" "$(head -3 "$f")" "$(tail -3 "$f.err")"
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
