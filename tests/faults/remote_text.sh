#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Text from outside reaches the terminal escaped: a collector's and an S3 endpoint's error bodies
# full of terminal escapes (clear screen, carriage return, a forged "profile-bee:" line, C1, bidi)
# must not come out raw on stderr. Real binary, real HTTP on loopback; no root needed.
set -uo pipefail
. "$PB_SOURCE_ROOT/tests/e2e/lib.sh"
plan 4

printf 'main;work;leaf 5\nmain;idle 2\n' >"$TMP/in.folded"
python3 "$PB_SOURCE_ROOT/tests/faults/hostile_server.py" >"$TMP/port" &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.05; done
port=$(cat "$TMP/port")

# clean FILE: no ESC, CR, C1 or bidi override bytes, and no line that only the body could start.
clean() {
	! LC_ALL=C grep -q $'\x1b\|\r\|\xc2\x9b\|\xe2\x80\xae' "$1" && ! grep -q '^profile-bee: forged' "$1"
}
check_run() { # DESC ERRFILE STATUS
	if [ "$3" = 1 ] && clean "$2" && grep -q 'forged line' "$2"; then
		ok "$1: the body is shown escaped (status 1)"
	else
		not_ok "$1: the body is shown escaped" "status $3" "$(cat -v "$2")"
	fi
}

timeout 30 "$PB" --input "$TMP/in.folded" -o "http://127.0.0.1:$port/ingest" 2>"$TMP/push.err"
check_run "a Pyroscope collector's 400" "$TMP/push.err" $?
timeout 30 "$PB" --input "$TMP/in.folded" -o "http://127.0.0.1:$port/push" \
	--set output.push.mode=generic 2>"$TMP/generic.err"
check_run "a generic collector's 400" "$TMP/generic.err" $?
AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=secret timeout 30 "$PB" --input "$TMP/in.folded" \
	-o "s3://hostile-bucket/p?endpoint=http://127.0.0.1:$port" \
	--set output.s3.spool_dir="$TMP/spool" --set output.s3.flush_timeout=2 2>"$TMP/s3.err"
check_run "an S3 endpoint's 403 error XML" "$TMP/s3.err" $?
if grep -q 'forged line' "$TMP/push.err" && [ "$(grep -c . "$TMP/push.err")" -le 3 ] &&
	[ "$(wc -L <"$TMP/push.err")" -lt 2100 ]; then
	ok "the escaped body stays on its line, bounded"
else
	not_ok "the escaped body stays on its line, bounded" "$(cat -v "$TMP/push.err")"
fi
finish
