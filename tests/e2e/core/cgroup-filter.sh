#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e: --cgroup filters in BPF. Three busy fixtures in real cgroup v2 directories made here:
# chain-fp in A, leaf-fp in A's child, recursion-fp in B. A system-wide run with --cgroup A
# holds A's and its child's stacks and nothing else at all (not B's, not the profiler's own,
# not the machine's): the sample program dropped them before walking. Every BPF unwinder, the
# INI key, Lua and the bad paths (exit 2 naming them) are checked.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root
C=$PB_FIXTURES/c
need_cgroup2
TOP=pb-e2e-filter-$$
A=$V2/$TOP/A
B=$V2/$TOP/B
pids=()
trap 'cgroup_cleanup "$V2/$TOP"' EXIT
plan 10

mkdir -p "$A/kid" "$B" || { not_ok "cgroups created"; finish; }
start_in() { # CGROUP FIXTURE: the fixture, busy for 90 s, moved into CGROUP
	"$C/$2" 90 &
	pids+=($!)
	echo $! >"$1/cgroup.procs"
}
start_in "$A" chain-fp
start_in "$A/kid" leaf-fp
start_in "$B" recursion-fp
grep -q "$TOP/A/kid" "/proc/${pids[1]}/cgroup" && grep -q "$TOP/B" "/proc/${pids[2]}/cgroup" &&
	ok "fixtures moved into A, A/kid and B" ||
	not_ok "fixtures in their cgroups" "$(cat "/proc/${pids[1]}/cgroup")"

# comms FILE: "comm samples" per comm, sorted by comm.
comms() { awk '{ n = $NF; split($0, f, ";"); s[f[1]] += n } END { for (c in s) print c, s[c] }' "$1" | sort; }
# only FILE COMM...: every sample of FILE is one of COMMs' (and each has at least 10).
only() {
	local file=$1 c n
	shift
	for c in "$@"; do
		n=$(samples_matching "$file" "^$c;")
		[ "$n" -ge 10 ] || return 1
	done
	n=$(total_samples "$file")
	for c in "$@"; do n=$((n - $(samples_matching "$file" "^$c;"))); done
	[ "$n" = 0 ]
}

"$PB" --cgroup "$TOP/A" -F $HZ -d 2 -o "$TMP/a.folded" 2>"$TMP/a.err"
st=$?
[ $st = 0 ] && only "$TMP/a.folded" chain-fp leaf-fp &&
	ok "system-wide --cgroup A (relative to $V2): only A's and its child's samples ($(comms "$TMP/a.folded" | tr '\n' ' '))" ||
	not_ok "--cgroup A" "status $st" "$(comms "$TMP/a.folded")" "$(cat "$TMP/a.err")"
expect_chain "--cgroup A: chain-fp's chain in order" "$TMP/a.folded" \
	"main;pb_alpha;pb_beta;pb_gamma;pb_burn" 80

"$PB" --cgroup "$B" --unwinder dwarf -F $HZ -d 2 -o "$TMP/b.folded" 2>"$TMP/b.err"
st=$?
[ $st = 0 ] && only "$TMP/b.folded" recursion-fp &&
	ok "dwarf unwinder, --cgroup B (absolute): only B's samples ($(comms "$TMP/b.folded" | tr '\n' ' '))" ||
	not_ok "dwarf --cgroup B" "status $st" "$(comms "$TMP/b.folded")" "$(cat "$TMP/b.err")"

"$PB" --cgroup "/$TOP/A/kid" --cgroup "$B" --unwinder libdw -F $HZ -d 2 -o "$TMP/kb.folded" \
	2>"$TMP/kb.err"
st=$?
[ $st = 0 ] && only "$TMP/kb.folded" leaf-fp recursion-fp &&
	ok "libdw (snapshot) unwinder, --cgroup twice (/A/kid as /proc/PID/cgroup writes it, B): both and nothing of A itself" ||
	not_ok "libdw --cgroup A/kid --cgroup B" "status $st" "$(comms "$TMP/kb.folded")" \
		"$(cat "$TMP/kb.err")"

"$PB" -p "${pids[0]},${pids[2]}" --cgroup "$TOP/A" -F $HZ -d 2 -o "$TMP/pa.folded" 2>"$TMP/pa.err"
st=$?
[ $st = 0 ] && only "$TMP/pa.folded" chain-fp &&
	ok "-p with --cgroup: a sample must pass both (B's pid given, none of its samples)" ||
	not_ok "-p and --cgroup" "status $st" "$(comms "$TMP/pa.folded")" "$(cat "$TMP/pa.err")"

printf '[profile]\ncgroup = %s\nduration = 2\nfrequency = %s\n' "$TOP/B" "$HZ" >"$TMP/pb.conf"
"$PB" --config "$TMP/pb.conf" -o "$TMP/ini.folded" 2>"$TMP/ini.err"
st=$?
cat >"$TMP/filter.lua" <<EOF
local p = assert(pb.profile{ cgroup = '$TOP/A/kid', duration = 2, frequency = $HZ })
assert(p:write('$TMP/lua.folded'))
EOF
"$PB" -c "$TMP/filter.lua" >"$TMP/lua.out" 2>&1
lst=$?
[ $st = 0 ] && only "$TMP/ini.folded" recursion-fp && [ $lst = 0 ] &&
	only "$TMP/lua.folded" leaf-fp &&
	ok "INI [profile] cgroup and Lua pb.profile{ cgroup = ... } filter the same way" ||
	not_ok "INI and Lua cgroup" "ini status $st: $(comms "$TMP/ini.folded")" \
		"lua status $lst: $(comms "$TMP/lua.folded")" "$(cat "$TMP/ini.err" "$TMP/lua.out")"

"$PB" --cgroup "$TOP/nope" -d 1 -o "$TMP/x.folded" 2>"$TMP/e1"
s1=$?
"$PB" --cgroup /etc -d 1 -o "$TMP/x.folded" 2>"$TMP/e2"
s2=$?
[ $s1 = 2 ] && grep -q "\\--cgroup.*$V2/$TOP/nope' does not exist" "$TMP/e1" && [ $s2 = 2 ] &&
	grep -q "'/etc' is not a cgroup v2 directory" "$TMP/e2" &&
	ok "a missing path or a non-cgroup directory: exit 2 naming it" ||
	not_ok "bad --cgroup" "$s1: $(cat "$TMP/e1")" "$s2: $(cat "$TMP/e2")"

printf '[profile]\ncgroup = /proc\n' >"$TMP/bad.conf"
"$PB" --config "$TMP/bad.conf" -d 1 -o "$TMP/x.folded" 2>"$TMP/e3"
s3=$?
[ $s3 = 2 ] && grep -q "'/proc' is not a cgroup v2 directory" "$TMP/e3" &&
	ok "a bad cgroup in a conf file: exit 2 naming it" || not_ok "bad INI cgroup" "$s3: $(cat "$TMP/e3")"

"$PB" --no-bpf -p "${pids[0]}" --cgroup "$TOP/A" -d 1 -o "$TMP/x.folded" 2>"$TMP/e4"
s4=$?
[ $s4 = 2 ] && grep -q "cannot filter by cgroup" "$TMP/e4" &&
	ok "--no-bpf (perf unwinder) refuses --cgroup with a clear message" ||
	not_ok "--no-bpf --cgroup" "$s4: $(cat "$TMP/e4")"
finish
