#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e: JIT frames named from perf maps: Node's --perf-basic-prof (re-read as it grows), Node's
# jitdump (--perf-prof), and a fixture writing its map inside its own mount and pid namespaces.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root
plan 9

# js_share FILE: of the samples with a frame in JIT code (a JS: name or a user [unknown]), the
# percentage whose JIT frames are all named.
js_share() {
	awk '{ line = $0; sub(/ [0-9]+$/, "", line); n = split(line, f, ";"); jit = 0; bad = 0
		for (i = 2; i <= n; i++) { if (f[i] ~ /^JS:/) jit = 1; if (f[i] == "[unknown]") { jit = 1; bad = 1 } }
		if (jit) { all += $NF; if (!bad) good += $NF } }
		END { print (all ? int(100 * good / all) : 0), all + 0 }' "$1"
}

if command -v node >/dev/null; then
	# V8 inlines small callees into hot callers: --no-turbo-inlining keeps both as frames;
	# interpreted functions run in a shared trampoline unless --interpreted-frames-native-stack.
	flag=$TMP/go-late
	node --perf-basic-prof --no-turbo-inlining --interpreted-frames-native-stack "$PB_SOURCE_ROOT/tests/e2e/core/busy.js" 6 "$flag" &
	node_pid=$!
	for _ in $(seq 50); do [ -e "$flag.ready" ] && break; sleep 0.1; done
	"$PB" -p $node_pid -F $HZ -d 3 >"$TMP/node.folded" 2>"$TMP/node.err" &
	pb_pid=$!
	# The first read of the map comes with the first drain (1 s after start): lateBloom is
	# compiled after it, so only a re-read of the grown map can name it.
	sleep 1.8
	touch "$flag"
	wait $pb_pid
	kill $node_pid 2>/dev/null
	wait $node_pid 2>/dev/null
	# JS:*forage /path/busy.js:5:16 -> forage: the tier mark (~ ^ *) changes as V8 optimizes.
	sed -E 's#JS:[*^~]?([A-Za-z_]+) [^;]*busy\.js:[0-9]+:[0-9]+#\1#g' "$TMP/node.folded" >"$TMP/js.folded"
	read -r share jit_samples <<<"$(js_share "$TMP/node.folded")"
	[ "$jit_samples" -ge 100 ] && [ "$share" -ge 90 ] &&
		ok "JS frames named in $share% of $jit_samples samples in JIT code" ||
		not_ok "JS frames named" "$share% of $jit_samples samples (want >= 90% of >= 100)" \
			"$(sort -t' ' -k2 -nr "$TMP/node.folded" | head -3)" "$(cat "$TMP/node.err")"
	expect_chain "forage calls hiveNectar" "$TMP/js.folded" "forage;hiveNectar" 90 30
	expect_chain "pollinate calls lateBloom, first run 1.8 s into the profile" "$TMP/js.folded" \
		"pollinate;lateBloom" 90 30
	# --perf-prof: jit-PID.dump in node's working directory, found through its mapping in
	# /proc/PID/maps (no perf map is written).
	(cd "$TMP" && exec node --perf-prof --allow-natives-syntax --no-turbo-inlining --interpreted-frames-native-stack \
		"$PB_SOURCE_ROOT/tests/e2e/core/dump.js" 8 "$TMP/dump") &
	node_pid=$!
	for _ in $(seq 150); do [ -e "$TMP/dump.ready" ] && break; sleep 0.1; done
	"$PB" -p $node_pid -F $HZ -d 3 >"$TMP/dump.folded" 2>"$TMP/dump.err"
	kill $node_pid 2>/dev/null
	wait $node_pid 2>/dev/null
	sed -E 's#JS:[*^~]?([A-Za-z_]+) [^;]*dump\.js:[0-9]+:[0-9]+#\1#g' "$TMP/dump.folded" >"$TMP/jd.folded"
	[ ! -e /tmp/perf-$node_pid.map ] && ls "$TMP"/jit-$node_pid.dump >/dev/null &&
		ok "--perf-prof wrote jit-$node_pid.dump and no perf map" ||
		not_ok "--perf-prof: a jitdump and no perf map" "$(ls "$TMP" /tmp/perf-$node_pid.map)"
	expect_chain "jitdump: forage calls hiveNectar, both named" "$TMP/jd.folded" \
		"forage;hiveNectar" 90 100
else
	for _ in 1 2 3 4 5; do not_ok "node missing (Debian: nodejs)"; done
fi

# A process in its own mount and pid namespaces with a private /tmp: its map is
# /tmp/perf-1.map there, found through /proc/PID/root and NSpid. The fixtures stay at their
# path inside (a build cloned under /tmp would otherwise be hidden by the new /tmp).
fx=$PB_FIXTURES/c
private_tmp="mount --bind '$fx' /mnt && mount -t tmpfs tmpfs /tmp && mkdir -p '$fx' &&
	mount --bind /mnt '$fx'"
"$PB" -F $HZ -d 3 -- unshare -m --propagation private --pid --fork \
	sh -c "$private_tmp && exec '$fx/jit-fp' 2" >"$TMP/ns.folded"
expect_chain "namespaced JIT code named from its own /tmp" "$TMP/ns.folded" \
	"main;pb_jit_caller;pb_jitted_hot" 90 100
[ ! -e /tmp/perf-1.map ] && ok "the map was not on the host's /tmp" || not_ok "a /tmp/perf-1.map on the host"
# Its own mount namespace only: the map is /tmp/perf-PID.map with the host's pid, in its /tmp.
"$PB" -F $HZ -d 3 -- unshare -m --propagation private \
	sh -c "$private_tmp && exec '$fx/jit-fp' 2" >"$TMP/mnt.folded"
expect_chain "mount namespace only: named from its own /tmp" "$TMP/mnt.folded" \
	"main;pb_jit_caller;pb_jitted_hot" 90 50
# A hostile map (a FIFO at the map's path) never blocks the profile and names nothing.
"$PB" -F $HZ -d 2 -- unshare -m --propagation private --pid --fork \
	sh -c "$private_tmp && mkfifo /tmp/perf-1.map && exec '$fx/jit-fp' 1" \
	>"$TMP/fifo.folded" 2>"$TMP/fifo.err"
st=$?
[ $st = 0 ] && ! grep -q pb_jitted_hot "$TMP/fifo.folded" && [ "$(samples_matching "$TMP/fifo.folded" 'pb_jit_caller')" -ge 50 ] &&
	ok "a FIFO as the map: the run ends, JIT frames stay unnamed" ||
	not_ok "FIFO map" "status $st" "$(head -3 "$TMP/fifo.err")"
finish
