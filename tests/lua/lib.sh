# SPDX-License-Identifier: MIT
# Helpers of the Lua tests, on top of the end-to-end ones: a fixture profile, running a script.
# Source it: . "$PB_SOURCE_ROOT/tests/lua/lib.sh"
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
C=$PB_FIXTURES/c
SCRIPTS=$PB_SOURCE_ROOT/scripts
# Conf files of the machine must not change what the tests see.
export XDG_CONFIG_HOME=$TMP/xdg
[ -e /etc/profile-bee/profile-bee.conf ] && echo "# note: /etc/profile-bee/profile-bee.conf exists; tests pass --config"

# A small known profile: 30 samples of app (two chains), 4 of a kernel-heavy process.
printf '%s\n' 'app;main;parse;lex 10' 'app;main;parse;lex;next_tok 5' 'app;main;eval;mul 15' \
	'kworker;worker_thread_[k];process_one_work_[k] 4' >"$TMP/in.folded"

# lua NAME CODE [ARGS...]: writes CODE to $TMP/NAME.lua and runs it on the fixture profile;
# ARGS follow -c (flags, then -- and the script's arguments); stdout in $TMP/NAME.out, stderr in $TMP/NAME.err, status in $st.
lua() {
	local name=$1 code=$2
	shift 2
	name_last=$name
	printf '%s\n' "$code" >"$TMP/$name.lua"
	(cd "$TMP" && "$PB" --config /dev/null --input "$TMP/in.folded" -c "$name.lua" "$@") \
		>"$TMP/$name.out" 2>"$TMP/$name.err"
	st=$?
}

# expect DESC WANT: the last lua run printed exactly WANT on stdout (tabs read as spaces), exit 0.
expect() {
	local got
	got=$(tr '\t' ' ' <"$TMP/$name_last.out" 2>/dev/null)
	if [ "$st" = 0 ] && [ "$got" = "$2" ]; then
		ok "$1"
	else
		not_ok "$1" "status $st" "want: $2" "got: $got" "stderr: $(cat "$TMP/$name_last.err")"
	fi
}

# t DESC WANT CODE [PB ARGS...]: runs CODE, expects WANT on stdout and exit 0.
t_n=0
t() {
	local desc=$1 want=$2 code=$3
	shift 3
	t_n=$((t_n + 1))
	lua "t$t_n" "$code" "$@"
	expect "$desc" "$want"
}

# fails DESC STATUS PATTERN CODE [PB ARGS...]: CODE exits STATUS with PATTERN on stderr.
fails() {
	local desc=$1 want=$2 pattern=$3 code=$4
	shift 4
	t_n=$((t_n + 1))
	lua "t$t_n" "$code" "$@"
	if [ "$st" = "$want" ] && grep -Eq -- "$pattern" "$TMP/t$t_n.err"; then
		ok "$desc: $(head -1 "$TMP/t$t_n.err")"
	else
		not_ok "$desc" "status $st (want $want)" "stderr: $(cat "$TMP/t$t_n.err")"
	fi
}

# run NAME CODE [ARGS]: CODE as $TMP/NAME.lua, sampling (no --input); ARGS follow -c. Output in
# $TMP/NAME.{out,err}, status in $st.
run() {
	printf '%s\n' "$2" >"$TMP/$1.lua"
	local name=$1
	shift 2
	(cd "$TMP" && "$PB" --config /dev/null -c "$name.lua" "$@") >"$TMP/$name.out" 2>"$TMP/$name.err"
	st=$?
}

# script NAME ARGS...: profile-bee ARGS (a -c of scripts/ among them) in $TMP; output in
# $TMP/NAME.{out,err}, status in $st.
script() {
	local name=$1
	shift
	(cd "$TMP" && "$PB" --config /dev/null "$@") >"$TMP/$name.out" 2>"$TMP/$name.err"
	st=$?
}
