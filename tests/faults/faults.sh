#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Faults: the profiled process killed, stopped or re-exec'ing mid-window; /proc entries vanishing
# (a fork storm); outputs on a full and a read-only file system; plugins that fail to load or open.
set -uo pipefail
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root
C=$PB_FIXTURES/c
plan 17

mounts=()
cleanup_all() {
	for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup_all EXIT

# Runs profile-bee with a deadline so a hang fails the test instead of the whole suite.
pb() { timeout -k 5 "${PB_FAULT_TIMEOUT:-30}" "$PB" "$@"; }
# ended_in_time DESC MAX_SECONDS ERR_FILE: ok when the run just timed ($st, $took) ended with
# status 0 within MAX_SECONDS.
ended_in_time() {
	if [ "$st" = 0 ] && [ "$took" -le "$2" ]; then
		ok "$1 (status 0, ${took}s)"
	else
		not_ok "$1" "status $st after ${took}s" "$(cat "$3")"
	fi
}
CHAIN="main;pb_alpha;pb_beta;pb_gamma;pb_burn"

# 1-2: the target killed mid-window: the profile so far is still written, exit 0.
"$C/chain-fp" 30 & target=$!
(sleep 1.5; kill -9 "$target") &
start=$SECONDS
pb -p "$target" -F $HZ -d 10 -o "$TMP/killed.folded" 2>"$TMP/killed.err"
st=$?
wait "$target" 2>/dev/null
took=$((SECONDS - start))
ended_in_time "target killed: profile-bee ends with it" 7 "$TMP/killed.err"
expect_chain "target killed: the samples before the kill are written" "$TMP/killed.folded" \
	"$CHAIN" 90

# 3-4: SIGSTOPped for most of the window, then continued: no hang, the running part is profiled.
"$C/chain-fp" 6 & target=$!
(sleep 0.7; kill -STOP "$target"; sleep 2; kill -CONT "$target") &
start=$SECONDS
pb -p "$target" -F $HZ -d 4 -o "$TMP/stopped.folded" 2>"$TMP/stopped.err"
st=$?
took=$((SECONDS - start))
kill "$target" 2>/dev/null
wait "$target" 2>/dev/null
ended_in_time "target stopped and continued: ends on time" 7 "$TMP/stopped.err"
expect_chain "target stopped and continued: chain intact" "$TMP/stopped.folded" "$CHAIN" 90

# 5-6: stopped for the whole window: an empty profile, not a hang nor a crash.
"$C/chain-fp" 10 & target=$!
sleep 0.3
kill -STOP "$target"
pb -p "$target" -F $HZ -d 1.5 -o "$TMP/frozen.folded" 2>"$TMP/frozen.err"
st=$?
kill -9 "$target"
wait "$target" 2>/dev/null
if [ "$st" = 0 ] || grep -q "no samples\|no stacks" "$TMP/frozen.err"; then
	ok "target stopped all along: ends with status $st"
else
	not_ok "target stopped all along: clean end" "status $st" "$(cat "$TMP/frozen.err")"
fi
n=$(total_samples "$TMP/frozen.folded" 2>/dev/null || echo 0)
if [ "${n:-0}" -le 2 ]; then ok "target stopped all along: no samples invented ($n)"; else
	not_ok "target stopped all along: no samples invented" "$n samples"; fi

# 7-8: the target re-execs: the new image's frames are named (its mappings were re-read).
bash -c 'sleep 0.8; exec "$0" 2.5' "$C/chain-fp" & target=$!
pb -p "$target" -F $HZ -d 3 -o "$TMP/exec.folded" 2>"$TMP/exec.err"
st=$?
wait "$target" 2>/dev/null
if [ "$st" = 0 ]; then ok "target re-execs: status 0"; else
	not_ok "target re-execs: status 0" "status $st" "$(cat "$TMP/exec.err")"; fi
expect_chain "target re-execs: the new image's chain is named" "$TMP/exec.folded" "$CHAIN" 90

# 9-10: /proc entries vanishing between reads: hundreds of processes that live a few ms.
storm() {
	local end=$((SECONDS + 3))
	while [ $SECONDS -lt "$end" ]; do
		for _ in 1 2 3 4 5 6 7 8; do "$C/shortlived-fp" 0.002 >/dev/null 2>&1 & done
		wait
	done
}
storm & storm_pid=$!
pb -F 999 -d 3 -o "$TMP/storm.folded" 2>"$TMP/storm.err"
st=$?
wait "$storm_pid"
if [ "$st" = 0 ]; then ok "fork storm system-wide: status 0"; else
	not_ok "fork storm system-wide: status 0" "status $st" "$(cat "$TMP/storm.err")"; fi
n=$(total_samples "$TMP/storm.folded")
if [ "$n" -gt 0 ]; then ok "fork storm system-wide: $n samples written"; else
	not_ok "fork storm system-wide: samples written" "$(cat "$TMP/storm.err")"; fi

# 11-14: outputs on a full and on a read-only file system; the other outputs are still written.
mkdir -p "$TMP/full" "$TMP/ro"
mount -t tmpfs -o size=64k pb-fault-full "$TMP/full" && mounts+=("$TMP/full")
dd if=/dev/zero of="$TMP/full/fill" bs=4k count=64 2>/dev/null
mount -t tmpfs -o size=64k pb-fault-ro "$TMP/ro" && mounts+=("$TMP/ro")
mount -o remount,ro "$TMP/ro"
for i in $(seq 1 3000); do echo "app;main;handler_$i;leaf 3"; done >"$TMP/in.folded"
# An output is whole when it holds the input's lines (profile-bee orders them frame by frame).
same_stacks() { cmp -s <(LC_ALL=C sort "$1") <(LC_ALL=C sort "$2"); }
pb --input "$TMP/in.folded" -o "$TMP/full/out.svg" -o "$TMP/ok.folded" -o "$TMP/ro/out.folded" \
	-o "$TMP/ok.svg" 2>"$TMP/fs.err"
st=$?
if [ "$st" = 1 ] && grep -q "'$TMP/full/out.svg': No space left on device" "$TMP/fs.err"; then
	ok "full file system: status 1, the path and the reason named"
else
	not_ok "full file system: status 1, the path and the reason named" "status $st" "$(cat "$TMP/fs.err")"
fi
if grep -q "'$TMP/ro/out.folded': Read-only file system" "$TMP/fs.err"; then
	ok "read-only file system: the path and the reason named"
else
	not_ok "read-only file system: the path and the reason named" "$(cat "$TMP/fs.err")"
fi
if same_stacks "$TMP/in.folded" "$TMP/ok.folded" && grep -q "handler_3000" "$TMP/ok.svg"; then
	ok "the other outputs are written whole"
else
	not_ok "the other outputs are written whole" "$(ls -l "$TMP")"
fi
left=$(ls -A "$TMP/full" | grep -v '^fill$' | wc -l)
if [ "$left" = 0 ]; then ok "no temporary file left on the full file system"; else
	not_ok "no temporary file left on the full file system" "$(ls -A "$TMP/full")"; fi

# 15-17: plugins that fail. A file that cannot load is not opened by a run that does not need
# it and is named by --list-plugins; an output that fails every write is named and the others are
# written; one whose open fails is named.
plugdir=$TMP/plugins
mkdir -p "$plugdir"
chmod 755 "$plugdir"
cp "$PB_FAULT_PLUGINS"/*.so "$plugdir/"
pb --plugin-path "$plugdir" --input "$TMP/in.folded" -o "$TMP/broken-ok.folded" 2>"$TMP/broken.err"
st=$?
pb --plugin-path "$plugdir" --list-plugins >/dev/null 2>"$TMP/broken-list.err"
lst=$?
if [ "$st" = 0 ] && ! grep -q "output-broken.so" "$TMP/broken.err" &&
	same_stacks "$TMP/in.folded" "$TMP/broken-ok.folded" &&
	[ "$lst" = 0 ] && grep -q "cannot load '.*output-broken.so'" "$TMP/broken-list.err"; then
	ok "a plugin that cannot load is left alone by the run, named by --list-plugins"
else
	not_ok "a plugin that cannot load is left alone by the run, named by --list-plugins" \
		"status $st, list $lst" "$(cat "$TMP/broken.err" "$TMP/broken-list.err")"
fi
pb --plugin-path "$plugdir" --input "$TMP/in.folded" -o "$TMP/x.failwrite" \
	-o "$TMP/fw-ok.folded" 2>"$TMP/fw.err"
st=$?
if [ "$st" = 1 ] && grep -q "cannot write '$TMP/x.failwrite'" "$TMP/fw.err" &&
	same_stacks "$TMP/in.folded" "$TMP/fw-ok.folded"; then
	ok "an output whose writes fail is named (status 1), the others are written"
else
	not_ok "an output whose writes fail is named, the others are written" "status $st" "$(cat "$TMP/fw.err")"
fi
pb --plugin-path "$plugdir" --input "$TMP/in.folded" -o "$TMP/x.failopen" \
	-o "$TMP/fo-ok.folded" 2>"$TMP/fo.err"
st=$?
if grep -q "cannot open output '$TMP/x.failopen'" "$TMP/fo.err" &&
	same_stacks "$TMP/in.folded" "$TMP/fo-ok.folded"; then
	[ "$st" = 1 ] && ok "an output whose open fails is named (status 1), the others are written" ||
		not_ok "an output whose open fails: status $st, want 1" "$(cat "$TMP/fo.err")"
else
	not_ok "an output whose open fails is named, the others are written" \
		"status $st" "$(cat "$TMP/fo.err")"
fi
finish
