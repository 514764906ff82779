#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e: a stripped fixture named from Debian's own debuginfod server on 127.0.0.1, fetched in the
# background (later windows are named); with the server down the run ends on time, one message.
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
need_root
plan 9

command -v debuginfod >/dev/null || { not_ok "debuginfod missing (Debian: debuginfod)"; finish; }
CHAIN="pb_alpha;pb_beta;pb_gamma;pb_burn"
mkdir -p "$TMP/srv" "$TMP/bin"
# The server holds the unstripped fixture; the profiled copy is stripped, build id kept.
cp "$PB_FIXTURES/c/chain-fp" "$TMP/srv/chain"
strip --strip-all -o "$TMP/bin/chain" "$PB_FIXTURES/c/chain-fp"
id=$(readelf -n "$TMP/bin/chain" | sed -n 's/.*Build ID: //p')
[ -n "$id" ] || { not_ok "the fixture has no build id"; finish; }

port=$((20000 + $$ % 20000))
debuginfod -F "$TMP/srv" -p $port -d "$TMP/db.sqlite" -t 0 -g 0 >"$TMP/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 300); do
	curl -sf -o /dev/null "http://127.0.0.1:$port/buildid/$id/debuginfo" && break
	sleep 0.1
done
check "debuginfod serves the fixture's build id $id" \
	curl -sf -o /dev/null "http://127.0.0.1:$port/buildid/$id/debuginfo"

# A fresh client cache: the file comes over HTTP, not from an earlier run.
export DEBUGINFOD_CACHE_PATH=$TMP/cache
unset DEBUGINFOD_URLS
start=$(date +%s.%N)
"$PB" --debuginfod "http://127.0.0.1:$port" -F $HZ -d 5 --flush-interval 1 \
	-o "$TMP/w-{window}.folded" -- "$TMP/bin/chain" 5 2>"$TMP/up.err"
# Of the windows from the third on (the file arrives during the first), the fullest: the last
# may hold only the command's final moments.
last=$(for f in "$TMP"/w-*.folded; do
	w=${f##*/w-}; w=${w%.folded}
	[ "$w" -ge 2 ] && echo "$(total_samples "$f") $f"
done | sort -n | tail -1 | cut -d' ' -f2)
# The first window was symbolized while the fetch was in flight: nothing waited for it.
check "the first window's frames read [chain+0x...] (the fetch did not hold it up)" \
	grep -q ';\[chain+0x[0-9a-f]*\]' "$TMP/w-0.folded"
expect_chain "stripped binary named from debuginfod in a later window ($(basename "$last"))" \
	"$last" "main;$CHAIN" 90 100
ls "$TMP/cache/$id/debuginfo" >/dev/null 2>&1 &&
	ok "the debug file landed in libdebuginfod's cache once" ||
	not_ok "no $TMP/cache/$id/debuginfo" "$(ls -R "$TMP/cache" 2>&1 | head)"

# The server down: a closed port. The run still takes its 2 s, the frames stay [chain+0x...].
kill $server; wait $server 2>/dev/null
rm -rf "$TMP/cache"
start=$(date +%s%N)
"$PB" --debuginfod "http://127.0.0.1:$port" -F $HZ -d 2 -- "$TMP/bin/chain" 2 \
	>"$TMP/down.folded" 2>"$TMP/down.err"
ms=$((($(date +%s%N) - start) / 1000000))
# Tolerance: a busy 2-CPU host starts the command and drains late; the fetch must add nothing.
[ $ms -lt 5000 ] && ok "down server: the 2 s run took $ms ms" ||
	not_ok "down server: the 2 s run took $ms ms"
n=$(grep -c "debuginfod failed" "$TMP/down.err")
[ "$n" = 1 ] && ok "down server: one message: $(grep "debuginfod failed" "$TMP/down.err")" ||
	not_ok "down server: $n messages" "$(cat "$TMP/down.err")"
check "down server: frames stay [chain+0x...]" grep -q ';\[chain+0x[0-9a-f]*\]' "$TMP/down.folded"

# Hostile servers: one answers garbage for the build id, one accepts and never answers.
mkdir -p "$TMP/bad/buildid/$id"
head -c 100000 /dev/urandom >"$TMP/bad/buildid/$id/debuginfo"
python3 -m http.server -b 127.0.0.1 -d "$TMP/bad" $((port + 1)) >/dev/null 2>&1 &
bad=$!
python3 -c 'import socket, time, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); c = []
while True: c.append(s.accept()[0])' $((port + 2)) &
mute=$!
trap 'kill $server $bad $mute 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$((port + 1))/" && break; sleep 0.1; done
"$PB" --debuginfod "http://127.0.0.1:$((port + 1))" -F $HZ -d 2 -- "$TMP/bin/chain" 2 \
	>"$TMP/bad.folded" 2>"$TMP/bad.err"
st=$?
[ $st = 0 ] && grep -q ';\[chain+0x[0-9a-f]*\]' "$TMP/bad.folded" &&
	ok "garbage for a debug file: refused (not ELF of that build id), the run is fine" ||
	not_ok "garbage debug file" "exit $st" "$(cat "$TMP/bad.err")"
start=$(date +%s%N)
"$PB" --debuginfod "http://127.0.0.1:$((port + 2))" -F $HZ -d 2 -- "$TMP/bin/chain" 2 \
	>/dev/null 2>"$TMP/mute.err"
ms=$((($(date +%s%N) - start) / 1000000))
[ $ms -lt 5000 ] && ok "a server that never answers: the 2 s run took $ms ms" ||
	not_ok "a server that never answers: the 2 s run took $ms ms" "$(cat "$TMP/mute.err")"
finish
