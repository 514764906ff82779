#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e: stacks counted at probes and perf events (-e). The fixtures make a known number of calls,
# system calls and page faults under known chains; each hit counts once, with its chain.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root
C=$PB_FIXTURES/c
N=2000
LIBSTDCXX=$(ldd "$C/throws-fp" | awk '/libstdc\+\+/ { print $3 }')
plan 21

# count FILE REGEX: the count of the stacks matching REGEX (anchored by the caller).
count() { samples_matching "$1" "$2"; }

# expect_count DESC FILE REGEX MIN MAX: the stacks matching REGEX count from MIN to MAX.
expect_count() {
	local desc=$1 file=$2 re=$3 min=$4 max=$5 n
	n=$(count "$file" "$re")
	if [ "$n" -ge "$min" ] && [ "$n" -le "$max" ]; then
		ok "$desc ($n)"
	else
		not_ok "$desc" "$n stacks match $re, want $min to $max" "top stacks:" \
			"$(sort -t' ' -k2 -nr "$file" | head -5)"
	fi
}

# A uprobe counts every call, exactly, with the caller chain in order (fp, and dwarf on code
# built without frame pointers: there pb_probe_outer is a tail call, so main calls middle).
"$PB" -e "uprobe:$C/probes-fp:pb_probe_target" -- "$C/probes-fp" "$N" >"$TMP/up.folded"
expect_count "fp: uprobe counts each of $N calls with its chain" "$TMP/up.folded" \
	';main;pb_probe_outer;pb_probe_middle;pb_probe_target$' "$N" "$N"
expect_count "fp: nothing else counted at the uprobe" "$TMP/up.folded" 'pb_probe_target' "$N" "$N"
"$PB" --dwarf -e "uprobe:$C/probes-nofp:pb_probe_warm" -e "uprobe:$C/probes-nofp:pb_probe_target" \
	-- "$C/probes-nofp" "$N" all 1 >"$TMP/dwup.folded" 2>/dev/null
expect_count "dwarf: uprobe on code without frame pointers, $N calls with the chain" \
	"$TMP/dwup.folded" '^probes-nofp;_start;.*;main;pb_probe_middle;pb_probe_target$' "$N" "$N"

# A glob: every pb_probe_* function, each counted as often as it is called.
"$PB" -e "uprobe:$C/probes-fp:pb_probe_*" -- "$C/probes-fp" "$N" >"$TMP/glob.folded"
t=$(count "$TMP/glob.folded" ';pb_probe_middle;pb_probe_target$')
m=$(count "$TMP/glob.folded" ';main;pb_probe_outer;pb_probe_middle$')
o=$(count "$TMP/glob.folded" ';main;pb_probe_outer$')
w=$(count "$TMP/glob.folded" ';main;pb_probe_warm$')
if [ "$t" = "$N" ] && [ "$m" = 1 ] && [ "$o" = 1 ] && [ "$w" = 2 ]; then
	ok "uprobe glob pb_probe_*: target $t, middle $m, outer $o, warm $w"
else
	not_ok "uprobe glob pb_probe_*" "target $t, middle $m, outer $o, warm $w" "$(cat "$TMP/glob.folded")"
fi

# A uretprobe counts the return, in the caller.
"$PB" -e "uretprobe:$C/probes-fp:pb_probe_middle" -- "$C/probes-fp" "$N" >"$TMP/ret.folded"
expect_count "uretprobe: pb_probe_middle returns once, into pb_probe_outer" "$TMP/ret.folded" \
	';main;pb_probe_outer$' 1 1

# A tracepoint: each openat of the fixture's loop, its user chain above the kernel frames.
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
"$PB" -e tracepoint:syscalls:sys_enter_openat -- "$C/probes-fp" "$N" >"$TMP/tp.folded"
expect_count "tracepoint syscalls:sys_enter_openat: $N opens, user chain above kernel frames" \
	"$TMP/tp.folded" ';main;pb_probe_opens;[^;]*_\[k\].*_\[k\]$' "$N" "$N"

# A kprobe: vfs_read under the fixture's reads (and more reads of its own: loading it).
if [ -e /sys/bus/event_source/devices/kprobe/type ] ||
	[ -e /sys/kernel/tracing/kprobe_events ]; then
	"$PB" -e kprobe:vfs_read -- "$C/probes-fp" "$N" >"$TMP/kp.folded"
	expect_count "kprobe vfs_read: at least $N reads, user chain above kernel frames" \
		"$TMP/kp.folded" ';main;pb_probe_reads;.*vfs_read_\[k\]$' "$N" $((N + 10))
else
	ok "kprobe vfs_read # SKIP this kernel has no kprobes (tests/kernels checks them)"
fi

# A USDT probe in a library: libstdc++'s throw, fired by each exception.
"$PB" --dwarf -e "usdt:$LIBSTDCXX:libstdcxx:throw" -- "$C/throws-fp" "$N" 1 \
	>"$TMP/usdt.folded" 2>/dev/null
expect_count "usdt libstdcxx:throw: $N throws, with the chain (dwarf)" "$TMP/usdt.folded" \
	';main;pb_throw_n;pb_throw_one;__cxa_throw$' "$N" "$N"

# A perf event counting each event: a page fault per fresh page touched.
"$PB" -e page-faults -- "$C/probes-fp" "$N" >"$TMP/pf.folded"
expect_count "page-faults: one per page touched" "$TMP/pf.folded" ';main;pb_probe_faults$' \
	"$N" "$N"
# Every 10th: --period (-c N). The events count per CPU, every process's faults: which fault is
# the tenth depends on what else faults there, so about one in ten of the fixture's are kept.
"$PB" -e page-faults -c 10 -- "$C/probes-fp" "$N" >"$TMP/pf10.folded"
expect_count "page-faults -c 10: about one in ten" "$TMP/pf10.folded" ';main;pb_probe_faults$' \
	$((N / 10 * 3 / 4)) $((N / 10 * 5 / 4))

# Specs that name nothing: exit 2 and one message naming them, before anything loads.
expect_fail "uprobe, no such function" 2 "-e uprobe:$C/probes-fp:nope: .* has no function matching 'nope'" \
	-e "uprobe:$C/probes-fp:nope" -d 1
expect_fail "uprobe, a glob matching nothing" 2 "has no function matching 'zz\*'" \
	-e "uprobe:$C/probes-fp:zz*" -d 1
expect_fail "uprobe, no such binary" 2 "^profile-bee: -e uprobe:/no/such/bin:f: cannot open /no/such/bin" \
	-e uprobe:/no/such/bin:f -d 1
expect_fail "no such tracepoint" 2 "^profile-bee: -e tracepoint:syscalls:nope: no such tracepoint" \
	-e tracepoint:syscalls:nope -d 1
expect_fail "no such kernel function" 2 "^profile-bee: -e kprobe:pb_no_such_function: (no such kernel function|this kernel has no kprobes)" \
	-e kprobe:pb_no_such_function -d 1
expect_fail "unknown event" 2 "^profile-bee: -e: profile: 'event' must be cpu, off-cpu, wall, or perf events and probes \(--list-events\), not 'page-fault'" \
	-e page-fault -d 1
expect_fail "--period without a perf event" 2 "^profile-bee: --period 10 goes with a perf event" \
	--period 10 -e "uprobe:$C/probes-fp:pb_probe_target" -d 1

# Lua: event = a spec or a list; a spec naming nothing is nil and the message. INI: [profile].
cat >"$TMP/p.lua" <<EOF
local p = assert(pb.profile{ cmd = { '$C/probes-fp', '$N' },
	event = { 'uprobe:$C/probes-fp:pb_probe_target', 'uprobe:$C/probes-fp:pb_probe_warm' } })
assert(p:write('$TMP/lua.folded'))
print(pb.profile{ cmd = { '$C/probes-fp', '5' }, event = 'uprobe:$C/probes-fp:nope' })
EOF
"$PB" -c "$TMP/p.lua" >"$TMP/lua.out" 2>&1
t=$(count "$TMP/lua.folded" ';main;pb_probe_outer;pb_probe_middle;pb_probe_target$')
w=$(count "$TMP/lua.folded" ';main;pb_probe_warm$')
if [ "$t" = "$N" ] && [ "$w" = 2 ]; then
	ok "Lua pb.profile{ event = { two uprobes } }: $t and $w"
else
	not_ok "Lua pb.profile{ event = { two uprobes } }" "target $t, warm $w" "$(cat "$TMP/lua.out")"
fi
if grep -q "^nil	-e uprobe:$C/probes-fp:nope: .*has no function matching 'nope'$" "$TMP/lua.out"; then
	ok "Lua: a probe naming nothing is nil and the message"
else
	not_ok "Lua: a probe naming nothing is nil and the message" "$(cat "$TMP/lua.out")"
fi
printf '[profile]\nevent = uprobe:%s:pb_probe_target\n' "$C/probes-fp" >"$TMP/p.conf"
"$PB" --config "$TMP/p.conf" -- "$C/probes-fp" "$N" >"$TMP/ini.folded"
expect_count "INI [profile] event = uprobe:...: each call" "$TMP/ini.folded" \
	';main;pb_probe_outer;pb_probe_middle;pb_probe_target$' "$N" "$N"

# An unwinder without probe programs says so.
expect_fail "libdw: probes not supported" 1 "probes are not supported with this unwinder" \
	--unwinder libdw -e "uprobe:$C/probes-fp:pb_probe_target" -- "$C/probes-fp" 10
finish
