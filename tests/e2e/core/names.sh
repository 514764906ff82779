#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e: names for stripped binaries (.gnu_debuglink) and the end-of-run line that says why frames
# went unnamed (a stripped binary, JIT code without a perf map).
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root
plan 10

# A stripped fixture whose debug file is found by its .gnu_debuglink, as distributions split them.
mkdir -p "$TMP/bin" "$TMP/dbg"
objcopy --only-keep-debug "$PB_FIXTURES/c/chain-fp" "$TMP/dbg/chain.debug"
objcopy --strip-all --add-gnu-debuglink="$TMP/dbg/chain.debug" "$PB_FIXTURES/c/chain-fp" \
	"$TMP/bin/chain"
"$PB" -F $HZ -d 2 -- "$TMP/bin/chain" 2 >"$TMP/stripped.folded" 2>"$TMP/stripped.err"
# Most samples are in the fixture's own code: its frames are [chain+0x...] and the line names it.
line=$(grep "frames (.*) unnamed in" "$TMP/stripped.err")
n=$(sed -nE 's/.* ([0-9]+) in stripped binaries \(chain ([0-9]+)[,;].*/\2/p' <<<"$line")
total=$(total_samples "$TMP/stripped.folded")
[ -n "$n" ] && [ "$n" -ge "$total" ] && [ "$total" -ge 100 ] &&
	ok "unnamed line names the stripped binary: $n frames in $total samples" ||
	not_ok "unnamed line names the stripped binary" "$line" "samples: $total" \
		"$(cat "$TMP/stripped.err")"
check "stripped frames read [chain+0x...]" grep -q ';\[chain+0x[0-9a-f]*\]' \
	"$TMP/stripped.folded"

cp "$TMP/dbg/chain.debug" "$TMP/bin/chain.debug"
"$PB" -F $HZ -d 2 -- "$TMP/bin/chain" 2 >"$TMP/linked.folded" 2>"$TMP/linked.err"
expect_chain "debug file next to the binary (.gnu_debuglink)" "$TMP/linked.folded" \
	"main;pb_alpha;pb_beta;pb_gamma;pb_burn" 90 100
if grep -q "in stripped binaries (chain " "$TMP/linked.err"; then
	not_ok "no stripped line once the debug file is there" "$(cat "$TMP/linked.err")"
else
	ok "no stripped line once the debug file is there"
fi

if command -v node >/dev/null; then
	# Without --perf-basic-prof V8's code has no names: the line says so and how to get them.
	node "$PB_SOURCE_ROOT/tests/e2e/core/busy.js" 3 "$TMP/none" &
	node_pid=$!
	for _ in $(seq 50); do [ -e "$TMP/none.ready" ] && break; sleep 0.1; done
	"$PB" -p $node_pid -F $HZ -d 2 >"$TMP/node.folded" 2>"$TMP/node.err"
	kill $node_pid 2>/dev/null
	wait $node_pid 2>/dev/null
	check "node without a perf map: the line says JIT code and how to name it" \
		grep -qE "[0-9]+ in JIT code without a perf map \(\[anon\] [0-9]+;.*--perf-basic-prof" \
		"$TMP/node.err"
	check "no line under --quiet" sh -c "! '$PB' -q -F $HZ -d 1 -- '$TMP/bin/chain' 1 2>&1 \
		>/dev/null | grep -q unnamed"
else
	not_ok "node missing (Debian: nodejs)"
	not_ok "node missing"
fi

# --inline / --lines on an -O2 fixture whose hot loop is two always_inline functions deep.
inl=$PB_BUILD_ROOT/tests/unit/symbolize/pbfix_inline
"$PB" -F $HZ -d 2 -- "$inl" 2 >"$TMP/plain.folded"
"$PB" --inline -F $HZ -d 2 -- "$inl" 2 >"$TMP/inline.folded"
expect_chain "--inline: main;pbinl_outer;pbinl_middle;pbinl_inner" "$TMP/inline.folded" \
	"main;pbinl_outer;pbinl_middle;pbinl_inner" 90 100
n=$(samples_matching "$TMP/plain.folded" "pbinl_(middle|inner)")
[ "$n" = 0 ] && ok "without --inline no inlined frames" || not_ok "inlined frames without --inline: $n"
"$PB" --inline --lines -F $HZ -d 2 -- "$inl" 2 >"$TMP/lines.folded"
sed -E 's/ \(pbfix_inline\.c:[0-9]+\)//g' "$TMP/lines.folded" >"$TMP/lines-stripped.folded"
expect_chain "--inline --lines: the same chain with (pbfix_inline.c:N) on each frame" \
	"$TMP/lines-stripped.folded" "main;pbinl_outer;pbinl_middle;pbinl_inner" 90 100
# Lua: the same from a script's table.
printf '%s\n' "local p = assert(pb.profile{ cmd = { '$inl', '1' }, inline = true, lines = true,
	frequency = $HZ })
local n = 0
for s in p:stacks() do
	if s.frames[#s.frames]:match('^pbinl_%a+ %(pbfix_inline%.c:%d+%)$') then n = n + s.count end
end
print(n)" >"$TMP/inline.lua"
n=$("$PB" -c "$TMP/inline.lua" 2>"$TMP/lua.err")
[ "${n:-0}" -ge 10 ] 2>/dev/null && ok "Lua pb.profile{inline=true, lines=true}: $n leaf samples in inlined pbinl_* (file:line)" ||
	not_ok "Lua inline/lines" "got '$n'" "$(cat "$TMP/lua.err")"
finish
