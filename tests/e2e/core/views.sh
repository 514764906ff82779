#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e: the views. --per-thread: the process's name, then [tid N NAME] per thread with that
# thread's chain, with every unwinder; --per-cpu: [cpu N] roots of pinned threads; both in Lua
# (tid and cpu fields, p:filter by tid) and INI; the default output keeps the thread's comm
# as the root and no view frames.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root
C=$PB_FIXTURES/c
CHAIN="start_thread;pb_thread_main;pb_thr_alpha;pb_thr_beta"
plan 11

has_unwinder() { "$PB" --list-plugins 2>/dev/null | grep -Eq "^unwinder +$1 "; }
has_output() { "$PB" --list-plugins 2>/dev/null | grep -Eq "^output +$1 "; }

# The first two frames of every stack holding the workers' leaf, distinct.
worker_heads() {
	awk '{ line = $0; sub(/ [0-9]+$/, "", line); n = split(line, f, ";")
		for (i = 1; i <= n; i++) if (f[i] == "pb_thr_beta") { print f[1] ";" f[2]; next } }' "$1" |
		sort -u
}

# per_thread DESC FILE PROC MIN [UNNAMED]: the workers' stacks sit under PROC;[tid N worker-K],
# four distinct tids for the four names, and each thread's stacks hold its chain in MIN% or
# more. UNNAMED: leave out "[tid N [unknown]]" (perf: the last samples of a thread whose exit
# was read first, from another CPU's ring, come without its name).
per_thread() {
	local desc=$1 f=$2 proc=$3 min=$4 heads why="" tids names h share leafs
	heads=$(worker_heads "$f")
	[ -z "$5" ] || heads=$(printf '%s\n' "$heads" | grep -v ' \[unknown\]\]$')
	tids=$(printf '%s\n' "$heads" | sed -n 's/.*\[tid \([0-9]*\) .*/\1/p' | sort -u | wc -l)
	names=$(printf '%s\n' "$heads" | sed -n 's/.* \(worker-[0-3]\)\]$/\1/p' | sort -u | wc -l)
	printf '%s\n' "$heads" | grep -Evq "^$proc;\[tid [0-9]+ worker-[0-3]\]$" &&
		why="a worker stack not under $proc;[tid N worker-K]"
	[ "$(printf '%s\n' "$heads" | wc -l)" = 4 ] && [ "$tids" = 4 ] && [ "$names" = 4 ] ||
		why="$why; want 4 threads, got $tids tids and $names names"
	while read -r h; do
		[ -n "$h" ] || continue
		awk -v head="$h;" 'index($0, head) == 1' "$f" >"$TMP/one"
		share=$(chain_share "$TMP/one" "$CHAIN")
		leafs=$(samples_matching "$TMP/one" '(^|;)pb_thr_beta(;|$)')
		[ "$share" -ge "$min" ] && [ "$leafs" -ge 10 ] ||
			why="$why; $h: chain in $share% of $leafs samples (want >= $min% of >= 10)"
	done <<<"$heads"
	if [ -z "$why" ]; then
		ok "$desc: four tids under $proc, each with its chain" "$heads"
	else
		not_ok "$desc" "${why#; }" "$heads" "$(sort -t' ' -k2 -nr "$f" | head -6)"
	fi
}

for u in fp dwarf libdw libunwind perf; do
	bin=$C/threads-nofp flags=(--unwinder "$u")
	case $u in
	fp) bin=$C/threads-fp ;;
	perf) bin=$C/threads-fp flags=(--no-bpf) ;;
	esac
	if ! has_unwinder "$u"; then
		ok "# SKIP the $u unwinder is not built"
		continue
	fi
	"$PB" -F $HZ "${flags[@]}" --per-thread -- "$bin" 1.5 named >"$TMP/$u.folded" 2>"$TMP/$u.err"
	min=90
	[ "$u" = fp ] || [ "$u" = perf ] || min=85
	per_thread "--per-thread, $u" "$TMP/$u.folded" "${bin##*/}" $min $([ "$u" = perf ] && echo unnamed)
done

# Today's output when no view is asked for: the root is the sampled thread's own name.
"$PB" -F $HZ -- "$C/threads-fp" 1.5 named >"$TMP/default.folded"
heads=$(worker_heads "$TMP/default.folded" | cut -d';' -f1 | sort -u | tr '\n' ' ')
if [ "$heads" = "worker-0 worker-1 worker-2 worker-3 " ] &&
	! grep -Eq '(^|;)\[(tid|cpu) ' "$TMP/default.folded"; then
	expect_chain "no view: roots are the threads' names ($heads), no [tid]/[cpu] frames" \
		"$TMP/default.folded" "$CHAIN" 90
else
	not_ok "no view: roots are the threads' names" "roots: $heads" "$(head -3 "$TMP/default.folded")"
fi

# --per-cpu: each process pinned to one CPU (the first two this test may use) shows under that
# CPU's frame only.
read -r A B < <(python3 -c 'import os; print(*sorted(os.sched_getaffinity(0))[:2])')
if [ -n "$B" ]; then
	"$PB" -F $HZ --per-cpu -- sh -c "taskset -c $A '$C/chain-fp' 1.5 & taskset -c $B '$C/threads-fp' 1.5 named; wait" \
		>"$TMP/cpu.folded"
	burn=$(samples_matching "$TMP/cpu.folded" '(^|;)pb_burn(;|$)')
	burn_a=$(samples_matching "$TMP/cpu.folded" "^\\[cpu $A\\];chain-fp;.*main;pb_alpha;pb_beta;pb_gamma;pb_burn(;|\$)")
	beta=$(samples_matching "$TMP/cpu.folded" '(^|;)pb_thr_beta(;|$)')
	beta_b=$(samples_matching "$TMP/cpu.folded" "^\\[cpu $B\\];worker-[0-3];$CHAIN(;|\$)")
	[ "$burn" -ge 10 ] && [ "$beta" -ge 10 ] && [ $((burn_a * 100)) -ge $((burn * 99)) ] &&
		[ $((beta_b * 100)) -ge $((beta * 99)) ] &&
		ok "--per-cpu: pinned to CPU $A, $burn_a of $burn samples under [cpu $A]; pinned to CPU $B, $beta_b of $beta under [cpu $B]" ||
		not_ok "--per-cpu: pinned threads under their CPU" "cpu $A: $burn_a of $burn, cpu $B: $beta_b of $beta" \
			"$(sort -t' ' -k2 -nr "$TMP/cpu.folded" | head -6)"
else
	ok "# SKIP --per-cpu needs two CPUs"
fi

# INI: [profile] per-thread = true is the flag.
printf '[profile]\nper-thread = true\n' >"$TMP/views.conf"
"$PB" --config "$TMP/views.conf" -F $HZ -- "$C/threads-fp" 1.5 named >"$TMP/ini.folded"
per_thread "INI per-thread = true" "$TMP/ini.folded" threads-fp 90

# Lua: tid and cpu fields, the [tid] frame in frames, comm the process, p:filter by tid, and a
# stack table handed back unchanged rebuilds the same profile ([cpu N] root included).
cat >"$TMP/views.lua" <<EOF
local p = assert(pb.profile{ cmd = { '$C/threads-fp', '1.5', 'named' }, frequency = $HZ,
	per_thread = true, per_cpu = true })
local tids, n, pick = {}, 0, nil
for st in p:stacks() do
	if st.tid and st.frames[1]:match('^%[tid ' .. st.tid .. ' worker%-%d%]$') and st.comm == 'threads-fp'
		and st.cpu and st.labels.cpu == tostring(st.cpu) then
		if not tids[st.tid] then n = n + 1 end
		tids[st.tid] = (tids[st.tid] or 0) + st.count
		pick = pick or st.tid
	end
end
local q = p:filter(function(s) return s.tid == pick end)
local others = 0
for st in q:stacks() do if st.tid ~= pick then others = others + st.count end end
local same = p:filter(function(s) return s end)
assert(p:write('p.folded')); assert(same:write('same.folded'))
print(n, q:total() == tids[pick] and q:total() > 0, others, same:total() == p:total())
EOF
(cd "$TMP" && "$PB" -c views.lua >lua.out 2>lua.err)
st=$?
if [ $st = 0 ] && [ "$(tr '\t' ' ' <"$TMP/lua.out")" = "4 true 0 true" ] &&
	cmp -s "$TMP/p.folded" "$TMP/same.folded" && grep -q '^\[cpu [0-9]*\];threads-fp;\[tid ' "$TMP/p.folded"; then
	ok "Lua: four tids (tid, cpu fields, [tid] frame, comm the process), p:filter by tid, stack tables round-trip"
else
	not_ok "Lua views" "status $st: $(cat "$TMP/lua.out" "$TMP/lua.err")" "$(head -3 "$TMP/p.folded")"
fi

# pprof: the views' labels as pprof tags, as go tool pprof reads them: the tids and thread
# names of the folded written in the same run, and a cpu.
if has_output pprof && command -v go >/dev/null; then
	"$PB" -F $HZ --per-thread --per-cpu -o "$TMP/v.pb.gz" -o "$TMP/v.folded" -- \
		"$C/threads-fp" 1.5 named
	GOCACHE=$TMP/go-cache HOME=$TMP go tool pprof -symbolize=none -tags "$TMP/v.pb.gz" \
		>"$TMP/tags" 2>"$TMP/go.err"
	# go prints one block per key: " key: Total ...", then "  value (share): VALUE" lines.
	tag_values() { awk -v key="$1" '/^ [a-z_]+: Total/ { on = $1 == key ":" } on && /%\): / { print $NF }' "$TMP/tags" | sort -u | tr '\n' ' '; }
	want_tids=$(sed -n 's/.*\[tid \([0-9]*\) .*/\1/p' "$TMP/v.folded" | sort -u | tr '\n' ' ')
	want_names=$(sed -n 's/.*\[tid [0-9]* \([^]]*\)\].*/\1/p' "$TMP/v.folded" | sort -u | tr '\n' ' ')
	want_cpus=$(sed -n 's/^\[cpu \([0-9]*\)\];.*/\1/p' "$TMP/v.folded" | sort -u | tr '\n' ' ')
	[ -n "$want_tids" ] && [ "$(tag_values tid)" = "$want_tids" ] &&
		[ "$(tag_values thread_name)" = "$want_names" ] && [ "$(tag_values cpu)" = "$want_cpus" ] &&
		printf '%s' "$want_names" | grep -q 'worker-0 worker-1 worker-2 worker-3' &&
		ok "pprof: tid, thread_name and cpu tags (go tool pprof -tags) match the folded frames: $want_names" ||
		not_ok "pprof tags" "tids $(tag_values tid) want $want_tids; names $(tag_values thread_name) want $want_names; cpus $(tag_values cpu) want $want_cpus" \
			"$(head -30 "$TMP/tags")" "$(cat "$TMP/go.err")"
else
	ok "# SKIP needs the pprof output and go"
fi

# OTLP: thread.id, thread.name and cpu.logical_number sample attributes (decoded by protoc with
# the published schema) are the (cpu, tid, name) of the folded frames of the same run.
if has_output otlp && command -v protoc >/dev/null; then
	"$PB" -F $HZ --per-thread --per-cpu -o "$TMP/v.otlp" -o "$TMP/o.folded" -- \
		"$C/threads-fp" 1 named
	protoc -I "$PB_SOURCE_ROOT/plugins/outputs/otlp/proto" \
		--decode=opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceRequest \
		opentelemetry/proto/collector/profiles/v1development/profiles_service.proto \
		<"$TMP/v.otlp" >"$TMP/o.dec" 2>&1
	python3 - "$TMP/o.dec" >"$TMP/o.attrs" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
strings = re.findall(r'^  string_table: "(.*)"$', t, re.M)
attrs = re.findall(r'^  attribute_table \{\n(.*?)^  \}$', t, re.M | re.S)
seen = set()
for s in re.findall(r'samples \{\n(.*?)\n +\}', t, re.S):
    a = {}
    for i in re.findall(r'attribute_indices: (\d+)', s):
        b = attrs[int(i)]
        k = strings[int(re.search(r'key_strindex: (\d+)', b).group(1))]
        a[k] = re.search(r'(?:int|string)_value: "?([^"\n]*)"?', b).group(1)
    seen.add('%s %s %s' % (a.get('cpu.logical_number'), a.get('thread.id'), a.get('thread.name')))
print('\n'.join(sorted(seen)))
PY
	sed -n 's/^\[cpu \([0-9]*\)\];[^;]*;\[tid \([0-9]*\) \([^]]*\)\].*/\1 \2 \3/p' "$TMP/o.folded" |
		sort -u >"$TMP/o.want"
	[ -s "$TMP/o.want" ] && cmp -s "$TMP/o.attrs" "$TMP/o.want" && grep -q 'worker-3' "$TMP/o.want" &&
		ok "OTLP: cpu.logical_number, thread.id, thread.name attributes match the folded frames ($(wc -l <"$TMP/o.want") threads x CPUs)" ||
		not_ok "OTLP view attributes" "got: $(cat "$TMP/o.attrs")" "want: $(cat "$TMP/o.want")" "$(head -5 "$TMP/o.dec")"
else
	ok "# SKIP needs the otlp output and protoc"
fi

finish
